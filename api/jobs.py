"""Every scheduled or requested job of Vigil, under its stable id (house rule 10).

Add a job with a few lines (see api/ops/registry.py):

    @job("sla-check", every=timedelta(minutes=5), time_limit=timedelta(minutes=2))
    def sla_check(ctx: JobContext) -> JobResult:
        ...

This is also the one module that composes crawl → detect → route (see `crawl`).
"""

import logging
import time
from datetime import timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from api.ops.registry import JobContext, JobFailed, JobResult, JobTimedOut, job
from api.ops.schedules import CRAWL_JOB
from models.crawl import CrawlRun
from models.detections import Detection
from models.enums import RunStatus
from models.posts import Post, Snapshot
from models.schedules import FINISHED_STATUSES, JobRun
from models.types import utcnow

RETENTION_BATCH = 500
DETECT_BATCH = 256

logger = logging.getLogger("vigil.jobs")
SWEEP_MARGIN = timedelta(minutes=5)


@job(CRAWL_JOB)
def crawl(ctx: JobContext, *, source_id: int) -> JobResult:
    """Crawl one source (scheduled per source as `crawl:<source_id>`)."""
    from crawlers.run import crawl_source

    crawl_run_id = crawl_source(
        engine=ctx.engine, source_id=source_id, trigger=ctx.trigger, deadline=ctx.deadline
    )
    with Session(ctx.engine) as session:
        crawl_run = session.get(CrawlRun, crawl_run_id)
        assert crawl_run is not None
        result = {
            "crawl_run_id": crawl_run_id,
            "status": str(crawl_run.status),
            "new_posts": crawl_run.new_posts,
            "duplicates": crawl_run.duplicates,
            "pages_fetched": crawl_run.pages_fetched,
            "errors": crawl_run.errors,
        }
        status, message = crawl_run.status, crawl_run.error_message
    if status == RunStatus.timed_out:
        raise JobTimedOut(message or "the crawl reached its time limit", result)
    if status == RunStatus.failed:
        raise JobFailed(message or "the crawl failed", result)
    if result["new_posts"] and ctx.remaining() > 0:
        result["detected"] = detect_and_route(engine=ctx.engine, deadline=ctx.deadline)
    return result


def pending_post_ids(session: Session, *, limit: int) -> list[int]:
    """Posts no model has looked at yet, oldest first (crawled, submitted or reported).

    A reported page waits for its crawl, so detection reads the page and not only the
    reporter's description (the crawl gives up after a few tries, and then it is read)."""
    from crawlers.reported import awaiting_crawl

    seen = select(col(Detection.post_id)).where(col(Detection.post_id) == col(Post.id)).exists()
    query = select(col(Post.id)).where(~seen, ~awaiting_crawl()).order_by(col(Post.id)).limit(limit)
    return [int(post_id) for post_id in session.execute(query).scalars()]


def detect_and_route(
    *, engine: Engine, deadline: float | None = None, batch_size: int = DETECT_BATCH
) -> dict[str, int]:
    """Crawl → detect → route: toxicity in batches, then claim matching, risk and the desk,
    one post per transaction so one bad post never loses the others' work.

    Idempotent: a post with a Detection is not picked again, and routing the same post twice
    changes nothing, so a job delivered twice or killed midway is safe to run again.
    """
    from detector.claims import service as claims_service
    from detector.claims.analysis import analyse_post
    from detector.service import detect_posts
    from rebuttal.routing import route_detection

    counts = {"detected": 0, "routed": 0, "errors": 0}
    while deadline is None or time.monotonic() < deadline:
        with Session(engine, expire_on_commit=False) as session:
            post_ids = pending_post_ids(session, limit=batch_size)
            if not post_ids:
                break
            detections = detect_posts(session=session, post_ids=post_ids)
            counts["detected"] += len(detections)
        for detection in detections:
            with Session(engine, expire_on_commit=False) as session:
                try:
                    post = session.get(Post, detection.post_id)
                    assert post is not None
                    analyse_post(session=session, post=post)
                    session.flush()
                    links = claims_service.links_of(session=session, post_id=detection.post_id)
                    stored = session.get(Detection, detection.id)
                    assert stored is not None
                    if route_detection(session=session, post=post, detection=stored, links=links):
                        counts["routed"] += 1
                    session.commit()
                except Exception:
                    session.rollback()
                    counts["errors"] += 1
                    logger.exception("analysing post #%s failed", detection.post_id)
    return counts


@job("detect-pending", every=timedelta(minutes=1), time_limit=timedelta(minutes=10))
def detect_pending(ctx: JobContext) -> JobResult:
    """Detect and route every post not yet seen (staff submissions, reports, late crawls)."""
    counts = detect_and_route(engine=ctx.engine, deadline=ctx.deadline)
    if ctx.remaining() <= 0:
        raise JobTimedOut("detection stopped at its time limit; the rest waits", counts)
    return counts


@job("crawl-run-sweep", every=timedelta(minutes=10), time_limit=timedelta(minutes=2))
def crawl_run_sweep(ctx: JobContext) -> JobResult:
    """Mark crawl runs left running by a killed worker or an abandoned crawl as failed."""
    # Longer than any crawl may run, so only runs nobody is finishing any more match.
    cutoff = utcnow() - timedelta(seconds=ctx.settings.job_time_limit_seconds) - SWEEP_MARGIN
    with Session(ctx.engine) as session:
        outcome = session.execute(
            update(CrawlRun)
            .where(col(CrawlRun.status) == RunStatus.running, col(CrawlRun.started_at) < cutoff)
            .values(
                status=RunStatus.failed,
                finished_at=utcnow(),
                error_message="interrupted: the crawl stopped without finishing its run",
            )
        )
        session.commit()
    return {"marked_failed": int(getattr(outcome, "rowcount", 0) or 0)}


@job("crawl-reports", every=timedelta(minutes=1), time_limit=timedelta(minutes=5))
def crawl_reports(ctx: JobContext) -> JobResult:
    """Fetch the pages the public reported, then detect and route them like any post."""
    from crawlers.reported import crawl_reports as crawl_reported_pages
    from rebuttal.settings import DeskSettings

    desk = DeskSettings()
    counts = crawl_reported_pages(
        engine=ctx.engine,
        max_attempts=desk.report_crawl_max_attempts,
        limit=desk.report_crawl_batch,
        deadline=ctx.deadline,
    )
    result: dict[str, object] = counts.as_dict()
    if (counts.crawled or counts.failed) and ctx.remaining() > 0:
        result["detected"] = detect_and_route(engine=ctx.engine, deadline=ctx.deadline)
    return result


@job("notify-reporters", every=timedelta(minutes=5), time_limit=timedelta(minutes=5))
def notify_reporters(ctx: JobContext) -> JobResult:
    """Tell reporters who left a contact the outcome of their report (e-mail or outbox)."""
    from rebuttal.notify import notify_reporters as send_outcomes

    return send_outcomes(engine=ctx.engine, deadline=ctx.deadline)


@job("retention-cleanup", every=timedelta(hours=6), time_limit=timedelta(minutes=30))
def retention_cleanup(ctx: JobContext) -> JobResult:
    """Delete crawl runs, job runs and unreferenced raw snapshots older than the retention."""
    cutoff = utcnow() - timedelta(days=ctx.settings.retention_days)
    deleted = {"crawl_runs": 0, "job_runs": 0, "snapshots": 0}
    referenced = select(col(Post.snapshot_id)).where(col(Post.snapshot_id).is_not(None))
    targets = {
        "crawl_runs": (
            CrawlRun,
            select(col(CrawlRun.id)).where(
                col(CrawlRun.started_at) < cutoff, col(CrawlRun.status) != RunStatus.running
            ),
        ),
        "job_runs": (
            JobRun,
            select(col(JobRun.id)).where(
                col(JobRun.created_at) < cutoff,
                col(JobRun.status).in_(FINISHED_STATUSES),
                col(JobRun.id) != ctx.run_id,
            ),
        ),
        # Snapshots behind a stored post are evidence and stay as long as the post.
        "snapshots": (
            Snapshot,
            select(col(Snapshot.id)).where(
                col(Snapshot.fetched_at) < cutoff, col(Snapshot.id).not_in(referenced)
            ),
        ),
    }
    for name, (table, ids_query) in targets.items():
        # Small batches keep each transaction (and its locks) short on a busy database.
        while ctx.remaining() > 0:
            with Session(ctx.engine) as session:
                ids = session.execute(ids_query.limit(RETENTION_BATCH)).scalars().all()
                if not ids:
                    break
                session.execute(delete(table).where(col(table.id).in_(ids)))  # type: ignore[attr-defined]
                session.commit()
                deleted[name] += len(ids)
    if ctx.remaining() <= 0:
        raise JobTimedOut("retention clean-up stopped at its time limit", {"deleted": deleted})
    return {"cutoff": cutoff.isoformat(), "deleted": deleted}


@job("sla-check", every=timedelta(minutes=5), time_limit=timedelta(minutes=2))
def sla_check(ctx: JobContext) -> JobResult:
    """Flag desk cases still open after their SLA due time (once each, in the audit trail)."""
    from rebuttal.sla import run_sla_check

    return run_sla_check(engine=ctx.engine)


@job("webhook-deliveries", every=timedelta(seconds=30), time_limit=timedelta(minutes=5))
def webhook_deliveries(ctx: JobContext) -> JobResult:
    """Send due partner webhooks: first tries, retries with backoff, dead letters after N."""
    from rebuttal.webhooks import deliver_due_webhooks

    return deliver_due_webhooks(engine=ctx.engine)


@job("queue-priority-refresh", every=timedelta(minutes=15), time_limit=timedelta(minutes=5))
def queue_priority_refresh(ctx: JobContext) -> JobResult:
    """Recompute the priority of open desk cases (its recency part decays with time)."""
    from rebuttal.sla import refresh_priorities

    return refresh_priorities(engine=ctx.engine)
