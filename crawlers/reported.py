"""Crawling the pages the public reported.

A public report stores a post whose text is the reporter's description. This fetches the
reported page with the same guarded fetcher as every crawl (SSRF guard, robots.txt, size
cap, retries), replaces the post's text with the article, keeps the raw bytes as evidence
and lets detection analyse the real page. Detection waits for this (see
`awaiting_crawl`): a report is analysed once, on the page when it could be fetched and on
the description when it could not.

A transient failure (timeout, connection, 5xx, 429) is tried again later with a growing
pause; a permanent one (blocked address, robots.txt, 404, no article on the page) and the
last allowed try end the crawl, and the report is analysed on its description.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, Exists, delete, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from crawlers import posts as posts_service
from crawlers.dedupe import signature
from crawlers.drop import DropItem
from crawlers.errors import BlockedAddress, FetchFailed
from crawlers.extract import Article, extract_page
from crawlers.fetch import Fetcher, FetchResult
from crawlers.run import run_in_new_loop
from crawlers.settings import CrawlerSettings
from crawlers.store import snapshot_values
from models import backoff
from models.crawl import PostFingerprint
from models.desk import Report
from models.detections import Detection
from models.posts import Post, Snapshot
from models.types import utcnow

logger = logging.getLogger(__name__)

# Worth another try later: the site may be back, or no longer rate-limiting us.
# (The fetcher reports a 429 as "rate_limited", also when its Retry-After is too long to wait.)
TRANSIENT_KINDS = {"timeout", "connect_timeout", "connection", "http_408", "rate_limited"}
TRANSIENT_KINDS |= {"database_busy"}
RETRY_PAUSE = timedelta(minutes=5)


@dataclass
class ReportCrawlCounts:
    crawled: int = 0
    failed: int = 0
    retrying: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "crawled": self.crawled,
            "failed": self.failed,
            "retrying": self.retrying,
            "errors": dict(self.errors),
        }


def is_transient(kind: str) -> bool:
    return kind in TRANSIENT_KINDS or (kind.startswith("http_5") and len(kind) == 8)


def retry_due(report: Report, now: datetime) -> bool:
    """A report waits 5, 10, 20... minutes after each failed try before the next one."""
    return backoff.due(report.crawl_attempts, report.crawled_at, now, RETRY_PAUSE)


def due_reports(session: Session, *, limit: int, now: datetime | None = None) -> list[Report]:
    now = now or utcnow()
    return list(
        session.exec(
            select(Report)
            .where(
                col(Report.needs_crawl).is_(True),
                col(Report.post_id).is_not(None),
                backoff.due_sql(
                    col(Report.crawl_attempts), col(Report.crawled_at), now, RETRY_PAUSE
                ),
            )
            .order_by(col(Report.id))
            .limit(limit)
        ).all()
    )


def awaiting_crawl() -> Exists:
    """SQL condition: the post is a reported page not yet crawled (detection waits for it)."""
    return (
        select(col(Report.id))
        .where(col(Report.post_id) == col(Post.id), col(Report.needs_crawl).is_(True))
        .exists()
    )


async def _fetch_and_extract(
    fetcher: Fetcher, url: str, settings: CrawlerSettings
) -> tuple[FetchResult, Article]:
    result = await fetcher.fetch(url)
    article = extract_page(
        result.body,
        result.final_url or url,
        result.content_type,
        None,
        settings.snapshot_max_bytes,
        settings.snapshot_compress_level,
    )
    return result, article


def _store(session: Session, report: Report, result: FetchResult, article: Article) -> None:
    """Replace the reported post's description with the page, and keep its snapshot."""
    post = session.get(Post, report.post_id)
    if post is None:  # deleted by retention meanwhile: nothing left to fill in
        return
    if article.snapshot is not None:
        snapshot = Snapshot(**snapshot_values(result, article.snapshot))
        session.add(snapshot)
        session.flush()
        post.snapshot_id = snapshot.id
    post.text = article.text
    post.title = article.title
    post.author = article.author
    post.published_at = article.published_at
    # Hash and signature come with the article from extraction; computed here only if not.
    post.content_hash = article.content_hash or posts_service.content_hash(article.text)
    session.add(post)
    assert post.id is not None
    # The page, not the description, is what detection and near-duplicate clustering see.
    session.execute(delete(Detection).where(col(Detection.post_id) == post.id))
    fingerprint = session.get(PostFingerprint, post.id)
    if fingerprint is None:
        fingerprint = PostFingerprint(post_id=post.id, signature=b"")
    fingerprint.signature = article.signature or signature(article.text)
    session.add(fingerprint)


def _take(session: Session, report_id: int, attempt: int) -> bool:
    """Count try `attempt` before fetching (models/backoff.py): a worker that read the same
    report finds it taken."""
    return backoff.take(
        session,
        col(Report.id) == report_id,
        still_open=col(Report.needs_crawl).is_(True),
        tries=col(Report.crawl_attempts),
        tried_at=col(Report.crawled_at),
        attempt=attempt,
    )


def _finish(
    session: Session, report_id: int, attempt: int, *, error: str | None, final: bool
) -> bool:
    """Record how try `attempt` ended, if it is still the report's latest try; False (and
    nothing written) if another worker took the report over or finished it meanwhile."""
    values: dict[str, object] = {
        "crawled_at": utcnow(),
        "crawl_error": error[:300] if error else None,
    }
    if final:
        values["needs_crawl"] = False
    finished = session.execute(
        update(Report)
        .where(
            col(Report.id) == report_id,
            col(Report.needs_crawl).is_(True),
            col(Report.crawl_attempts) == attempt,
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(finished, "rowcount", 0) == 1)


def crawl_reports(
    *,
    engine: Engine,
    settings: CrawlerSettings | None = None,
    max_attempts: int = 3,
    limit: int = 20,
    deadline: float | None = None,
) -> ReportCrawlCounts:
    """Fetch the pages of reports waiting for a crawl; one report per transaction."""
    settings = settings or CrawlerSettings()
    counts = ReportCrawlCounts()
    with Session(engine) as session:
        report_ids = [r.id for r in due_reports(session, limit=limit) if r.id is not None]
    if not report_ids:
        return counts
    # Its own event loop, also when the caller runs inside one (then in a thread).
    run_in_new_loop(
        lambda: _crawl_all(engine, report_ids, settings, max_attempts, counts, deadline)
    )
    return counts


async def _crawl_all(
    engine: Engine,
    report_ids: list[int],
    settings: CrawlerSettings,
    max_attempts: int,
    counts: ReportCrawlCounts,
    deadline: float | None,
) -> None:
    async with Fetcher(settings) as fetcher:
        for report_id in report_ids:
            if deadline is not None and time.monotonic() >= deadline:
                break
            await _crawl_one(engine, fetcher, report_id, settings, max_attempts, counts)


async def _crawl_one(
    engine: Engine,
    fetcher: Fetcher,
    report_id: int,
    settings: CrawlerSettings,
    max_attempts: int,
    counts: ReportCrawlCounts,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        report = session.get(Report, report_id)
        if report is None or not report.needs_crawl or not retry_due(report, utcnow()):
            return  # another worker finished it, or took this try, meanwhile
        url, attempt = report.url, report.crawl_attempts + 1
        if attempt > max_attempts:
            # The earlier tries were taken but never ended (hung or killed): give up.
            error = f"gave_up: {report.crawl_attempts} tries did not finish"
            if _finish(session, report_id, attempt - 1, error=error, final=True):
                session.commit()
                counts.errors["gave_up"] = counts.errors.get("gave_up", 0) + 1
                counts.failed += 1
            return
        if not _take(session, report_id, attempt):
            return  # another worker took this try
    # No transaction is held open while the page is fetched.
    kind: str | None = None
    detail = ""
    try:
        result, article = await _fetch_and_extract(fetcher, url, settings)
    except BlockedAddress as exc:
        kind, detail = "blocked_address", exc.message_en
    except FetchFailed as exc:
        kind, detail = exc.kind, exc.message_en
    except DropItem as exc:
        kind, detail = exc.kind, exc.message_en
    except Exception as exc:  # one bad page must never stop the others
        logger.exception("crawling reported page %s failed", url)
        kind, detail = "error", f"{type(exc).__name__}: {exc}"
    with Session(engine, expire_on_commit=False) as session:
        if kind is None:
            try:
                # The report's row first: a worker that lost the race writes nothing.
                if not _finish(session, report_id, attempt, error=None, final=True):
                    session.rollback()
                    return
                report = session.get(Report, report_id)
                if report is not None:
                    _store(session, report, result, article)
                session.commit()
                counts.crawled += 1
                return
            except Exception as exc:
                session.rollback()
                logger.exception("storing reported page %s failed", url)
                # A busy or unreachable database ("database is locked", a dropped
                # connection) is worth another try; anything else would fail again.
                kind = "database_busy" if isinstance(exc, OperationalError) else "store_error"
                detail = f"{type(exc).__name__}: {exc}"
        counts.errors[kind] = counts.errors.get(kind, 0) + 1
        final = not is_transient(kind) or attempt >= max_attempts
        error = f"{kind}: {detail}" if detail else kind
        if not _finish(session, report_id, attempt, error=error, final=final):
            session.rollback()
            return
        session.commit()
        if final:
            counts.failed += 1
        else:
            counts.retrying += 1
