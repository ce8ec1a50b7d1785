"""The crawl health view: sources failing run after run, and sources gone quiet."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from models.crawl import CrawlRun, Source
from models.enums import RunStatus
from models.errors import NotFound
from models.posts import Post
from models.types import utcnow

FAILED = (RunStatus.failed, RunStatus.timed_out)
# Consecutive failures are counted back this far at most.
MAX_STREAK = 100


class FailingSource(BaseModel):
    source_id: int
    source_name: str
    enabled: bool
    consecutive_failures: int
    last_status: RunStatus
    last_run_at: datetime
    last_error: str | None
    last_errors: dict[str, int]


class StaleSource(BaseModel):
    source_id: int
    source_name: str
    # None: the source has never produced a post (it is counted from its creation).
    last_post_at: datetime | None
    hours_without_new_post: float


class HealthReport(BaseModel):
    generated_at: datetime
    failing_runs: int
    stale_hours: float
    failing: list[FailingSource]
    stale: list[StaleSource]


def failing_sources(*, session: Session, failing_runs: int) -> list[FailingSource]:
    """Sources whose last `failing_runs` finished crawl runs all failed or timed out."""
    rank = (
        func.row_number()
        .over(
            partition_by=col(CrawlRun.source_id),
            order_by=(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc()),
        )
        .label("rank")
    )
    recent = select(CrawlRun.id, rank).where(col(CrawlRun.status) != RunStatus.running).subquery()
    rows = session.exec(
        select(CrawlRun, Source)
        .join(recent, col(recent.c.id) == col(CrawlRun.id))
        .join(Source, col(Source.id) == col(CrawlRun.source_id))
        .where(recent.c.rank <= max(failing_runs, MAX_STREAK))
        .order_by(col(CrawlRun.source_id), recent.c.rank)
    ).all()
    by_source: dict[int, tuple[Source, list[CrawlRun]]] = {}
    for run, source in rows:
        by_source.setdefault(run.source_id, (source, []))[1].append(run)
    report = []
    for source_id, (source, source_runs) in by_source.items():
        streak = 0
        for run in source_runs:
            if run.status not in FAILED:
                break
            streak += 1
        if streak < failing_runs:
            continue
        last = source_runs[0]
        report.append(
            FailingSource(
                source_id=source_id,
                source_name=source.name,
                enabled=source.enabled,
                consecutive_failures=streak,
                last_status=RunStatus(last.status),
                last_run_at=last.started_at,
                last_error=last.error_message,
                last_errors=last.errors or {},
            )
        )
    return sorted(report, key=lambda f: (-f.consecutive_failures, f.source_id))


def stale_sources(
    *, session: Session, stale_hours: float, now: datetime | None = None
) -> list[StaleSource]:
    """Enabled sources with no new post for `stale_hours` (new sources get that long too)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=stale_hours)
    latest = (
        select(col(Post.source_id).label("source_id"), func.max(Post.created_at).label("last"))
        .where(col(Post.source_id).is_not(None))
        .group_by(col(Post.source_id))
        .subquery()
    )
    rows = session.exec(
        select(Source, latest.c.last)
        .outerjoin(latest, latest.c.source_id == col(Source.id))
        .where(col(Source.enabled).is_(True))
        .order_by(col(Source.id))
    ).all()
    report = []
    for source, last in rows:
        # func.max() comes back without the column's type decorator on SQLite.
        last_post = _aware(last) if last is not None else None
        since = last_post or source.created_at
        if since > cutoff:
            continue
        assert source.id is not None
        report.append(
            StaleSource(
                source_id=source.id,
                source_name=source.name,
                last_post_at=last_post,
                hours_without_new_post=round((now - since).total_seconds() / 3600, 2),
            )
        )
    return sorted(report, key=lambda s: -s.hours_without_new_post)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def crawl_runs(*, session: Session, source_id: int, limit: int = 50) -> Sequence[CrawlRun]:
    """A source's crawl runs, newest first, with their counts and errors by kind."""
    if session.get(Source, source_id) is None:
        raise NotFound(
            f"Không tìm thấy nguồn #{source_id}.",
            f"Source #{source_id} not found.",
            source_id=source_id,
        )
    return session.exec(
        select(CrawlRun)
        .where(col(CrawlRun.source_id) == source_id)
        .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc())
        .limit(limit)
    ).all()


def report(*, session: Session, failing_runs: int, stale_hours: float) -> HealthReport:
    return HealthReport(
        generated_at=utcnow(),
        failing_runs=failing_runs,
        stale_hours=stale_hours,
        failing=failing_sources(session=session, failing_runs=failing_runs),
        stale=stale_sources(session=session, stale_hours=stale_hours),
    )
