"""The SLA clock: cases still open after their due time are flagged once, in the audit trail,
so the queue and the workload view can show breaches and nobody is flagged twice."""

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from models.cases import Case, CaseEvent
from models.types import utcnow
from rebuttal.actors import SYSTEM
from rebuttal.workflow import OPEN_STATES, record


def run_sla_check(*, engine: Engine, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        flagged = select(CaseEvent.case_id).where(CaseEvent.kind == "sla_breached")
        overdue = session.exec(
            select(Case).where(
                col(Case.state).in_([s.value for s in OPEN_STATES]),
                col(Case.sla_due_at) < now,
                col(Case.id).not_in(flagged),
            )
        ).all()
        for case in overdue:
            record(
                session,
                case,
                SYSTEM,
                "sla_breached",
                data={"due": case.sla_due_at.isoformat(), "assignee_id": case.assignee_id},
            )
        session.commit()
    return {"newly_breached": len(overdue)}
