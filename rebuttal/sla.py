"""Periodic upkeep of the queue: the SLA clock (cases still open after their due time are
flagged once, in the audit trail) and priorities whose recency part decays with time."""

from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from models.cases import Case, CaseEvent
from models.types import utcnow
from rebuttal import policies
from rebuttal import priority as priority_rules
from rebuttal.actors import SYSTEM
from rebuttal.settings import DeskSettings
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


REFRESH_COLUMNS = tuple(
    getattr(Case, name)
    for name in ("id", "version", "topic", "risk_score", "reach", "first_detected_at", "priority")
)


def refresh_priorities(
    *, engine: Engine, now: datetime | None = None, settings: DeskSettings | None = None
) -> dict[str, int]:
    """Recompute the priority of open cases, because its recency part decays with time.

    Each row is written only if nobody changed it meanwhile (same version, still automatic),
    so a priority a monitor sets by hand at the same moment always wins.
    """
    settings = settings or DeskSettings()
    now = now or utcnow()
    updated = 0
    with Session(engine, expire_on_commit=False) as session:
        weights = {p.topic: p.weight for p in policies.list(session=session)}
        rows = session.execute(
            select_columns(*REFRESH_COLUMNS).where(
                col(Case.state).in_([s.value for s in OPEN_STATES]),
                col(Case.priority_manual).is_(False),
            )
        ).all()
        for case_id, version, topic, risk, reach, detected, old in rows:
            value, reasons = priority_rules.compute(
                risk=risk,
                reach=reach,
                first_detected_at=detected,
                weight=weights.get(topic, settings.default_topic_weight),
                topic=topic,
                half_life_hours=settings.recency_half_life_hours,
                now=now,
            )
            if value == old:
                continue
            result = session.execute(
                update(Case)
                .where(
                    col(Case.id) == case_id,
                    col(Case.version) == version,
                    col(Case.priority_manual).is_(False),
                )
                .values(priority=value, priority_reasons=reasons)
            )
            updated += result.rowcount  # type: ignore[attr-defined]
        session.commit()
    return {"open_cases": len(rows), "updated": updated}
