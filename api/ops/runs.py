"""JobRun records: created, claimed, finished. Every state change is one short transaction
with a guard in its WHERE clause, so two processes never both claim or finish a run."""

import os
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.errors import NotFound
from models.schedules import FINISHED_STATUSES, JobRun, JobRunStatus
from models.types import utcnow

MAX_PAGE_SIZE = 500
MAX_ERROR_CHARS = 4000


class JobRunNotFound(NotFound):
    code = "job_run_not_found"


def owner_name(role: str) -> str:
    """Who executes a run, e.g. "scheduler:host-1:4242"."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}"


def fire_time(value: datetime) -> datetime:
    # The job store keeps fire times as float seconds; milliseconds survive that round trip
    # exactly, microseconds may not, and the unique (job_id, scheduled_for) needs equality.
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def create(
    *,
    engine: Engine,
    job_name: str,
    job_id: str,
    params: dict[str, Any],
    trigger: str,
    scheduled_for: datetime | None = None,
    owner: str | None = None,
) -> JobRun | None:
    """Record a run: queued, or already running when `owner` is given (inline execution).

    Returns None when this job's fire time was already recorded: the run happened (or is
    happening) elsewhere, so the caller must not run it again.
    """
    now = utcnow()
    run = JobRun(
        job_id=job_id,
        job_name=job_name,
        params=params,
        trigger=trigger[:32],
        scheduled_for=fire_time(scheduled_for) if scheduled_for is not None else None,
        status=JobRunStatus.running if owner else JobRunStatus.queued,
        owner=owner,
        started_at=now if owner else None,
        attempts=1 if owner else 0,
        created_at=now,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(run)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
    return run


def claim(*, engine: Engine, run_id: int, owner: str, retake_running: bool) -> JobRun | None:
    """Mark a queued run as running by `owner`; None if it is not there to take.

    retake_running: a Dramatiq message is delivered again only when the worker holding it
    died, so a run still marked running by that worker may be taken over.
    """
    allowed = [JobRunStatus.queued]
    if retake_running:
        allowed.append(JobRunStatus.running)
    with Session(engine, expire_on_commit=False) as session:
        result = session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id, col(JobRun.status).in_(allowed))
            .values(
                status=JobRunStatus.running,
                owner=owner,
                started_at=utcnow(),
                attempts=col(JobRun.attempts) + 1,
            )
        )
        session.commit()
        if getattr(result, "rowcount", 0) != 1:
            return None
        return session.get(JobRun, run_id)


def mark_dispatched(*, engine: Engine, run_id: int) -> None:
    with Session(engine) as session:
        session.execute(
            update(JobRun).where(col(JobRun.id) == run_id).values(dispatched_at=utcnow())
        )
        session.commit()


def finish(
    *,
    engine: Engine,
    run_id: int,
    status: JobRunStatus,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Record the outcome; False if the run was no longer running (e.g. already timed out)."""
    values: dict[str, Any] = {
        "status": status,
        "finished_at": utcnow(),
        "error": error[:MAX_ERROR_CHARS] if error else None,
    }
    if result is not None:
        values["result"] = result
    with Session(engine) as session:
        outcome = session.execute(
            update(JobRun)
            .where(col(JobRun.id) == run_id, col(JobRun.status) == JobRunStatus.running)
            .values(**values)
        )
        session.commit()
        return getattr(outcome, "rowcount", 0) == 1


def fail_orphans(*, engine: Engine, owner_prefix: str, except_owner: str) -> int:
    """Runs left 'running' by a scheduler process that is gone (it died or lost the lead)."""
    with Session(engine) as session:
        outcome = session.execute(
            update(JobRun)
            .where(
                col(JobRun.status) == JobRunStatus.running,
                col(JobRun.owner).startswith(owner_prefix),
                col(JobRun.owner) != except_owner,
            )
            .values(
                status=JobRunStatus.failed,
                finished_at=utcnow(),
                error="interrupted: the scheduler process running it stopped",
            )
        )
        session.commit()
        return int(getattr(outcome, "rowcount", 0) or 0)


def get(*, session: Session, run_id: int) -> JobRun:
    run = session.get(JobRun, run_id)
    if run is None:
        raise JobRunNotFound(
            f"Không tìm thấy lượt chạy #{run_id}.", f"Job run #{run_id} not found.", run_id=run_id
        )
    return run


def list(  # house rule: services are named get/list/create/update/delete
    *,
    session: Session,
    job_id: str | None = None,
    job_name: str | None = None,
    status: JobRunStatus | None = None,
    limit: int = 50,
) -> Sequence[JobRun]:
    query = select(JobRun)
    if job_id is not None:
        query = query.where(col(JobRun.job_id) == job_id)
    if job_name is not None:
        query = query.where(col(JobRun.job_name) == job_name)
    if status is not None:
        query = query.where(col(JobRun.status) == status)
    query = query.order_by(col(JobRun.id).desc()).limit(min(limit, MAX_PAGE_SIZE))
    return session.exec(query).all()


def queued(*, session: Session, undispatched_only: bool, limit: int = 100) -> Sequence[JobRun]:
    query = select(JobRun).where(col(JobRun.status) == JobRunStatus.queued)
    if undispatched_only:
        query = query.where(col(JobRun.dispatched_at).is_(None))
    return session.exec(query.order_by(col(JobRun.id)).limit(limit)).all()


def is_finished(run: JobRun) -> bool:
    return run.status in FINISHED_STATUSES
