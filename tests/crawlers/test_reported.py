"""Crawling reported pages: the page replaces the description, evidence is kept, detection
waits for the crawl, and every kind of failure ends cleanly without losing the report."""

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api.jobs import detect_and_route, pending_post_ids
from crawlers import reported
from crawlers.extract import Article
from crawlers.fetch import Fetcher, FetchResult
from crawlers.reported import ReportCrawlCounts, crawl_reports
from crawlers.settings import CrawlerSettings
from models.cases import CasePost
from models.crawl import PostFingerprint
from models.desk import Report
from models.detections import Detection
from models.posts import Post, Snapshot
from models.types import utcnow
from tests.conftest import REPORT_DESCRIPTION, count_rows, file_report
from tests.crawlers.site import SiteServer

ARTICLE = "/vnexpress/giao-duc/hoc-phi-dai-hoc-cong-lap-nam-hoc-moi-4871300.html"


def load(engine: Engine, report_id: int) -> tuple[Report, Post]:
    with Session(engine) as session:
        stored = session.get(Report, report_id)
        assert stored is not None and stored.post_id is not None
        post = session.get(Post, stored.post_id)
        assert post is not None
        return stored, post


def wind_back(engine: Engine, report_id: int, by: timedelta) -> None:
    """Move the report's last try into the past, so its retry pause is over."""
    with Session(engine) as session:
        waiting = session.get(Report, report_id)
        assert waiting is not None and waiting.crawled_at is not None
        waiting.crawled_at -= by
        session.add(waiting)
        session.commit()


def test_the_page_replaces_the_description_and_is_kept_as_evidence(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    report_id = file_report(engine, site.base_url + ARTICLE)
    _, post = load(engine, report_id)
    with Session(engine) as session:
        assert post.id not in pending_post_ids(session, limit=100)  # waits for the crawl

    counts = crawl_reports(engine=engine, settings=crawler_settings)

    assert counts.as_dict() == {"crawled": 1, "failed": 0, "retrying": 0, "errors": {}}
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_attempts == 1 and stored.crawl_error is None
    assert post.text != REPORT_DESCRIPTION and "học phí" in post.text.lower()
    assert post.title and post.snapshot_id is not None
    with Session(engine) as session:
        snapshot = session.get(Snapshot, post.snapshot_id)
        assert snapshot is not None and snapshot.status_code == 200
        assert session.get(PostFingerprint, post.id) is not None
        assert post.id in pending_post_ids(session, limit=100)
    detect_and_route(engine=engine)
    with Session(engine) as session:
        assert session.exec(select(Detection).where(Detection.post_id == post.id)).one()
        # The report's case still holds the post, once.
        links = session.exec(select(CasePost).where(CasePost.post_id == post.id)).all()
        assert len({(link.case_id, link.post_id) for link in links}) == len(links) >= 1
    # Crawled once: a second run finds nothing to do.
    assert crawl_reports(engine=engine, settings=crawler_settings).crawled == 0


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/status/404", "http_404"),
        ("/private/tai-lieu-noi-bo.html", "robots_disallowed"),
        ("/status/204", "empty"),
        ("/redirect-loop/a", "redirect_loop"),
    ],
)
def test_a_permanent_failure_ends_the_crawl_and_the_description_is_analysed(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings, path: str, kind: str
) -> None:
    report_id = file_report(engine, site.base_url + path)

    counts = crawl_reports(engine=engine, settings=crawler_settings)

    assert counts.failed == 1 and counts.errors == {kind: 1}
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_attempts == 1
    assert stored.crawl_error is not None and stored.crawl_error.startswith(kind)
    assert post.text == REPORT_DESCRIPTION and post.snapshot_id is None
    detect_and_route(engine=engine)
    with Session(engine) as session:
        assert session.exec(select(Detection).where(Detection.post_id == post.id)).one()


def test_a_private_address_is_refused_without_the_allowlist(engine: Engine) -> None:
    report_id = file_report(engine, "http://169.254.169.254/latest/meta-data/")
    counts = crawl_reports(engine=engine, settings=CrawlerSettings(retries=0))
    assert counts.errors == {"blocked_address": 1}
    stored, _ = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_error is not None
    assert "blocked_address" in stored.crawl_error


def test_a_transient_failure_is_tried_again_later_then_given_up(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    report_id = file_report(engine, site.base_url + "/flaky?key=reported&n=1000")

    first = crawl_reports(engine=engine, settings=crawler_settings, max_attempts=2)
    assert first.retrying == 1 and first.errors == {"http_5xx": 1}
    stored, _ = load(engine, report_id)
    assert stored.needs_crawl and stored.crawl_attempts == 1
    # Not due again straight away: the next try waits.
    assert crawl_reports(engine=engine, settings=crawler_settings).as_dict()["retrying"] == 0

    wind_back(engine, report_id, timedelta(hours=1))
    second = crawl_reports(engine=engine, settings=crawler_settings, max_attempts=2)
    assert second.failed == 1
    stored, _ = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_attempts == 2


def test_a_flaky_site_that_recovers_is_crawled(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    # The fetcher's own retries (2 here) ride out one 503.
    report_id = file_report(engine, site.base_url + "/flaky?key=reported-once&n=1")
    assert crawl_reports(engine=engine, settings=crawler_settings).crawled == 1
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and "hoạt động trở lại" in post.text


def test_a_huge_page_is_cut_off_not_loaded_whole(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    report_id = file_report(engine, site.base_url + "/huge")
    counts = crawl_reports(engine=engine, settings=crawler_settings)
    assert counts.crawled == 1
    _, post = load(engine, report_id)
    with Session(engine) as session:
        snapshot = session.get(Snapshot, post.snapshot_id)
        assert snapshot is not None and snapshot.size <= crawler_settings.max_body_bytes


def test_other_reports_survive_a_bad_one(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    bad = file_report(engine, site.base_url + "/status/500")
    good = file_report(engine, site.base_url + ARTICLE)
    counts = crawl_reports(engine=engine, settings=crawler_settings)
    assert counts.crawled == 1 and counts.retrying == 1
    assert not load(engine, good)[0].needs_crawl
    assert load(engine, bad)[0].needs_crawl


def test_a_report_taken_by_one_worker_is_not_fetched_again_by_another(
    engine: Engine,
    site: SiteServer,
    crawler_settings: CrawlerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two runs overlap (a run abandoned by the watchdog, a redelivered message): while the
    first fetches the page, the second finds the report taken and leaves it alone."""
    report_id = file_report(engine, site.base_url + ARTICLE)
    fetch = reported._fetch_and_extract
    fetched: list[str] = []
    second: list[ReportCrawlCounts] = []

    async def first_worker_fetching(
        fetcher: Fetcher, url: str, settings: CrawlerSettings
    ) -> tuple[FetchResult, Article]:
        fetched.append(url)
        if len(fetched) == 1:  # the second worker runs while the first is mid-fetch
            other = threading.Thread(
                target=lambda: second.append(crawl_reports(engine=engine, settings=settings))
            )
            other.start()
            other.join()
        return await fetch(fetcher, url, settings)

    monkeypatch.setattr(reported, "_fetch_and_extract", first_worker_fetching)
    first = crawl_reports(engine=engine, settings=crawler_settings)

    assert fetched == [site.base_url + ARTICLE]
    assert first.crawled == 1 and second[0].as_dict()["crawled"] == 0
    stored, _ = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_attempts == 1
    with Session(engine) as session:
        assert len(session.exec(select(Snapshot)).all()) == 1


class WorkerKilled(BaseException):
    """Stands for a worker process killed mid-fetch (nothing after it runs)."""


def test_a_try_that_never_ends_still_counts_and_the_report_is_given_up(
    engine: Engine,
    site: SiteServer,
    crawler_settings: CrawlerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A page that kills or hangs the worker must not be fetched at every run forever, nor
    # keep detection waiting for it.
    report_id = file_report(engine, site.base_url + ARTICLE)

    async def dies(
        fetcher: Fetcher, url: str, settings: CrawlerSettings
    ) -> tuple[FetchResult, Article]:
        raise WorkerKilled

    monkeypatch.setattr(reported, "_fetch_and_extract", dies)
    for expected_attempts in (1, 2):
        with pytest.raises(WorkerKilled):
            crawl_reports(engine=engine, settings=crawler_settings, max_attempts=2)
        stored, _ = load(engine, report_id)
        assert stored.needs_crawl and stored.crawl_attempts == expected_attempts
        # Not due again at once: the next run waits its pause like any failed try.
        assert crawl_reports(engine=engine, settings=crawler_settings).as_dict()["errors"] == {}
        wind_back(engine, report_id, timedelta(hours=2))

    counts = crawl_reports(engine=engine, settings=crawler_settings, max_attempts=2)

    assert counts.failed == 1 and counts.errors == {"gave_up": 1}
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and stored.crawl_attempts == 2
    assert post.text == REPORT_DESCRIPTION
    with Session(engine) as session:
        assert post.id in pending_post_ids(session, limit=100)  # detection reads it now


def test_a_site_that_rate_limits_us_is_tried_again_later(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    # Retry-After longer than the fetcher will wait: the report is fetched on a later run.
    report_id = file_report(
        engine, site.base_url + "/ratelimited?key=reported-429&n=1000&after=600"
    )

    counts = crawl_reports(engine=engine, settings=crawler_settings)

    assert counts.retrying == 1 and counts.failed == 0 and counts.errors == {"rate_limited": 1}
    stored, _ = load(engine, report_id)
    assert stored.needs_crawl and stored.crawl_attempts == 1


def test_reports_waiting_to_retry_do_not_keep_a_new_one_from_being_crawled(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    # More reports waiting out their pause (a site that is down, a flood of reports) than
    # one run looks at must not starve a new report, which detection is waiting for.
    waiting = [file_report(engine, f"{site.base_url}/cho/bai-{n}.html") for n in range(6)]
    with Session(engine) as session:
        for report_id in waiting:
            row = session.get(Report, report_id)
            assert row is not None
            row.crawl_attempts, row.crawled_at = 1, utcnow()
            session.add(row)
        session.commit()
    new = file_report(engine, site.base_url + ARTICLE)

    counts = crawl_reports(engine=engine, settings=crawler_settings, limit=1)

    assert counts.crawled == 1
    assert not load(engine, new)[0].needs_crawl
    assert all(load(engine, report_id)[0].crawl_attempts == 1 for report_id in waiting)


def test_a_caller_inside_an_event_loop_is_served_too(
    engine: Engine, site: SiteServer, crawler_settings: CrawlerSettings
) -> None:
    report_id = file_report(engine, site.base_url + ARTICLE)

    async def from_a_loop() -> int:
        return crawl_reports(engine=engine, settings=crawler_settings).crawled

    assert asyncio.run(from_a_loop()) == 1
    assert not load(engine, report_id)[0].needs_crawl


def test_a_busy_database_while_storing_is_tried_again_later(
    engine: Engine,
    site: SiteServer,
    crawler_settings: CrawlerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_id = file_report(engine, site.base_url + ARTICLE)
    store = reported._store

    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT INTO snapshot", {}, Exception("database is locked"))

    monkeypatch.setattr(reported, "_store", locked)
    first = crawl_reports(engine=engine, settings=crawler_settings)
    assert first.retrying == 1 and first.errors == {"database_busy": 1}
    stored, post = load(engine, report_id)
    assert stored.needs_crawl and post.text == REPORT_DESCRIPTION  # nothing half-written
    assert count_rows(engine, Snapshot) == 0

    monkeypatch.setattr(reported, "_store", store)
    wind_back(engine, report_id, timedelta(hours=1))
    assert crawl_reports(engine=engine, settings=crawler_settings).crawled == 1
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and post.text != REPORT_DESCRIPTION


def test_any_other_storing_error_ends_the_crawl(
    engine: Engine,
    site: SiteServer,
    crawler_settings: CrawlerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_id = file_report(engine, site.base_url + ARTICLE)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug, not a busy database")

    monkeypatch.setattr(reported, "_store", broken)
    assert crawl_reports(engine=engine, settings=crawler_settings).failed == 1
    stored, post = load(engine, report_id)
    assert not stored.needs_crawl and post.text == REPORT_DESCRIPTION
    assert stored.crawl_error and stored.crawl_error.startswith("store_error")
