"""Whole crawls of the local site into the test database."""

import concurrent.futures
import gc
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

import crawlers.run
from crawlers.dedupe import signature
from crawlers.run import (
    _AUTO_POOL_SLOT,
    MAX_AUTO_WORKERS,
    crawl_source,
    extraction_pool,
    pool_workers,
)
from crawlers.shingles import content_hash
from crawlers.sources import SourceNotFound
from crawlers.store import Store, decompress
from models.crawl import CrawlRun, FetchState, PostFingerprint, Source
from models.enums import PostOrigin, RunStatus
from models.posts import Post, PostCluster, Snapshot
from tests.conftest import count_rows
from tests.crawlers.site import SiteServer

MakeSource = Callable[..., Source]
Crawl = Callable[..., CrawlRun]


def posts(engine: Engine, source_id: int | None = None) -> list[Post]:
    with Session(engine) as session:
        query = select(Post).order_by(col(Post.id))
        if source_id is not None:
            query = query.where(Post.source_id == source_id)
        return list(session.exec(query))


def test_feed_crawl_stores_posts_snapshots_and_counts(
    engine: Engine, site: SiteServer, make_source: MakeSource, crawl: Crawl
):
    source = make_source("feed", "/vnexpress/rss/thoi-su.rss")
    done: list[tuple[int, int]] = []
    run = crawl(source.id, progress=lambda d, t: done.append((d, t)))
    assert run.status == RunStatus.succeeded and run.finished_at is not None
    assert run.new_posts == 3
    assert run.errors == {"http_404": 1, "robots_disallowed": 1}
    assert run.pages_fetched == 4  # the feed and three articles
    assert done[-1] == (5, 5)
    stored = posts(engine, source.id)
    assert {p.origin for p in stored} == {PostOrigin.crawl}
    luong = next(p for p in stored if "luong-co-so" in p.url)
    assert "utm_" not in luong.canonical_url
    assert luong.title == "Lương cơ sở tăng lên 2,34 triệu đồng từ 1/7"
    assert luong.author == "Hồng Chiêu"
    with Session(engine) as session:
        snapshot = session.get(Snapshot, luong.snapshot_id)
        assert snapshot is not None and snapshot.status_code == 200
        served = site.root / "vnexpress/thoi-su/luong-co-so-tang-len-2-34-trieu-dong-4871234.html"
        assert decompress(snapshot.compressed) == served.read_bytes()
        assert snapshot.size == len(served.read_bytes()) > len(snapshot.compressed)
    assert count_rows(engine, PostFingerprint) == 3


def test_unchanged_feed_costs_one_304(engine: Engine, make_source: MakeSource, crawl: Crawl):
    source = make_source("feed", "/tuoitre/rss/thoi-su.rss")
    first = crawl(source.id)
    assert first.new_posts == 2
    again = crawl(source.id)
    assert again.status == RunStatus.succeeded
    assert (again.not_modified, again.pages_fetched, again.new_posts) == (1, 0, 0)
    with Session(engine) as session:
        state = session.exec(select(FetchState).where(FetchState.url == source.url)).one()
        assert state.etag and state.last_status == 304


def test_feed_without_article_fetch_uses_summaries(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    source = make_source("feed", "/tinnong24h/atom.xml", fetch_articles=False)
    run = crawl(source.id)
    assert run.new_posts == 1 and run.pages_fetched == 1
    (post,) = posts(engine, source.id)
    assert post.text.startswith("KHẨN CẤP!!!") and post.snapshot_id is not None


def test_listing_merges_tracking_variants(engine: Engine, make_source: MakeSource, crawl: Crawl):
    source = make_source("listing", "/tuoitre/thoi-su.htm", link_pattern=r"-\d{17}\.htm")
    run = crawl(source.id)
    assert run.new_posts == 3 and run.duplicates == 1  # the ?utm_source=home copy
    assert len(posts(engine, source.id)) == 3


def test_sitemap_index_with_gzip_and_news(engine: Engine, make_source: MakeSource, crawl: Crawl):
    source = make_source("sitemap", "/thanhnien/sitemap.xml", link_pattern=r"\d{15}\.htm$")
    run = crawl(source.id)
    assert run.status == RunStatus.succeeded
    assert run.new_posts == 3
    assert run.errors == {"http_404": 2}  # a missing child sitemap and a missing page
    titles = {p.title for p in posts(engine, source.id)}
    assert "Giá xăng dầu đồng loạt giảm từ 15h chiều nay" in titles
    again = crawl(source.id)  # the index is read again; its unchanged sitemaps cost a 304 each
    assert (again.pages_fetched, again.not_modified, again.new_posts) == (1, 2, 0)
    assert again.status == RunStatus.succeeded


def test_json_endpoint(engine: Engine, make_source: MakeSource, crawl: Crawl):
    fields = {"url": "link", "text": "noi_dung", "title": "tieu_de", "author": "tac_gia.ten"}
    fields |= {"published_at": "ngay_dang", "likes": "thong_ke.luot_thich"}
    source = make_source(
        "json", "/baochinhphu/api/tin-moi.json", items_path="data.items", fields=fields
    )
    run = crawl(source.id)
    assert run.new_posts == 2 and run.errors == {"json_item_incomplete": 1}
    stored = posts(engine, source.id)
    assert stored[0].engagement == {"likes": 120}
    assert stored[0].snapshot_id == stored[1].snapshot_id  # one JSON body, kept once


def test_windows_1258_page_with_lying_header(engine: Engine, make_source: MakeSource, crawl: Crawl):
    path = "/baochinhphu/thong-cao/phien-hop-chinh-phu-thuong-ky-thang-4-102250505.w1258.html"
    source = make_source("url", path)
    assert crawl(source.id).new_posts == 1
    (post,) = posts(engine, source.id)
    assert post.title == "Thông cáo báo chí phiên họp Chính phủ thường kỳ tháng 4 năm 2025"
    assert "kinh tế vĩ mô tiếp tục ổn định" in post.text


@pytest.mark.parametrize("path", ["/charset/sai-charset-header.html", "/charset/bom-utf8.html"])
def test_wrong_charset_headers(engine: Engine, make_source: MakeSource, crawl: Crawl, path: str):
    source = make_source("url", path)
    assert crawl(source.id).new_posts == 1
    (post,) = posts(engine, source.id)
    assert post.title and ("Đường sắt" in post.title or "Hà Nội" in post.title)
    assert "\ufeff" not in post.text and "Ã" not in post.text


def test_exact_and_near_duplicates_across_sites_share_a_cluster(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    ids = [
        make_source(
            "url", "/tuoitre/thoi-su/thu-tuong-chu-tri-phien-hop-cao-toc-20250504170000456.htm"
        ).id,
        make_source(
            "url",
            "/thanhnien/thoi-su/thu-tuong-yeu-cau-hoan-thanh-3000-km-cao-toc-185250504170500.htm",
        ).id,
        make_source("url", "/tinnong24h/tin-nong/khan-cap-phat-5-trieu-khong-doi-can-cuoc.html").id,
        make_source(
            "url", "/doisongplus/xa-hoi/tu-1-7-chua-doi-the-can-cuoc-bi-phat-5-trieu.html"
        ).id,
        make_source(
            "url", "/vnexpress/giao-duc/hoc-phi-dai-hoc-cong-lap-nam-hoc-moi-4871300.html"
        ).id,
    ]
    for source_id in ids:
        assert crawl(source_id).new_posts == 1
    tt, tn, rumour, repost, other = posts(engine)
    assert tt.content_hash == tn.content_hash and tt.url != tn.url
    assert tt.cluster_id is not None and tt.cluster_id == tn.cluster_id
    assert rumour.content_hash != repost.content_hash
    assert rumour.cluster_id is not None and rumour.cluster_id == repost.cluster_id
    assert rumour.cluster_id != tt.cluster_id and other.cluster_id is None
    with Session(engine) as session:
        cluster = session.get(PostCluster, rumour.cluster_id)
        assert cluster is not None and cluster.size == 2
        assert cluster.representative_post_id == rumour.id


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:9/tin.rss", "127.0.0.1"),
        ("http://169.254.169.254/latest/", "169.254.169.254"),
    ],
)
def test_source_at_internal_address_fails_clearly_without_allowlist(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    url: str,
    shown: str,
):
    source = make_source("feed", url)
    settings = crawler_settings.model_copy(update={"ssrf_allowlist": []})
    run = crawl(source.id, settings=settings)
    assert run.status == RunStatus.failed
    assert run.errors == {"blocked_address": 1}
    assert run.error_message and shown in run.error_message and "nội bộ" in run.error_message
    assert count_rows(engine, Post) == 0


@pytest.mark.parametrize(
    ("kind", "path", "config", "error"),
    [
        ("feed", "/feeds/khong-phai-feed.rss", {}, "feed_parse_error"),
        ("feed", "/status/500", {}, "http_5xx"),
        ("sitemap", "/feeds/khong-phai-feed.rss", {}, "sitemap_parse_error"),
        (
            "json",
            "/json/hong.json",
            {"items_path": "data", "fields": {"url": "a", "text": "b"}},
            "json_parse_error",
        ),
        ("listing", "/status/404", {"link_pattern": "x"}, "http_404"),
    ],
)
def test_unusable_source_fails_with_message(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    kind: str,
    path: str,
    config: dict,
    error: str,
):
    run = crawl(make_source(kind, path, **config).id)
    assert run.status == RunStatus.failed and run.errors == {error: 1}
    assert run.error_message
    assert count_rows(engine, Post) == 0


def test_malformed_feed_still_yields_its_good_items(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    run = crawl(make_source("feed", "/feeds/hong.rss").id)
    assert run.status == RunStatus.succeeded and run.new_posts >= 1


@pytest.mark.parametrize(
    ("path", "error", "new"),
    [("/slow?s=2", "timeout", 0), ("/huge", "truncated", 1), ("/status/404", "http_404", 0)],
)
def test_bad_pages_are_counted_not_fatal(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    path: str,
    error: str,
    new: int,
):
    # A small cap keeps extracting the cut-off 50 MB page quick.
    settings = crawler_settings.model_copy(update={"max_body_bytes": 100_000})
    run = crawl(make_source("url", path).id, settings=settings)
    assert run.status == RunStatus.succeeded
    assert run.errors == {error: 1} and run.new_posts == new


def test_crawling_twice_or_concurrently_stores_each_post_once(
    engine: Engine, make_source: MakeSource, crawler_settings: Any
):
    source = make_source("listing", "/tuoitre/thoi-su.htm", link_pattern=r"-\d{17}\.htm")
    source_id = source.id
    assert source_id is not None
    run_ids: list[int] = []

    def worker() -> None:
        run_ids.append(crawl_source(engine=engine, source_id=source_id, settings=crawler_settings))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_ids.append(crawl_source(engine=engine, source_id=source_id, settings=crawler_settings))
    assert len(posts(engine, source.id)) == 3
    with Session(engine) as session:
        runs = [session.get(CrawlRun, rid) for rid in run_ids]
    assert all(r is not None and r.status == RunStatus.succeeded for r in runs)
    assert sum(r.new_posts for r in runs if r) == 3
    assert count_rows(engine, PostFingerprint) == 3


def test_past_deadline_times_out(engine: Engine, make_source: MakeSource, crawl: Crawl):
    source = make_source("feed", "/vnexpress/rss/thoi-su.rss")
    run = crawl(source.id, deadline=time.monotonic() - 1)
    assert run.status == RunStatus.timed_out and run.finished_at is not None
    assert run.error_message and "hết thời hạn" in run.error_message
    assert count_rows(engine, Post) == 0


def test_crash_while_storing_leaves_no_half_post(
    engine: Engine, make_source: MakeSource, crawl: Crawl, monkeypatch: pytest.MonkeyPatch
):
    original = Store._cluster
    calls = {"n": 0}

    def failing(self: Store, session: Any, post_id: int, sig: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        original(self, session, post_id, sig)

    monkeypatch.setattr(Store, "_cluster", failing)
    source = make_source("feed", "/vnexpress/rss/thoi-su.rss")
    run = crawl(source.id)
    assert run.status == RunStatus.succeeded
    assert run.errors == {"internal": 1, "http_404": 1, "robots_disallowed": 1}
    assert run.new_posts == 2
    assert len(posts(engine, source.id)) == 2
    # the failed post left neither its snapshot nor its fingerprint behind
    assert count_rows(engine, Snapshot) == 2 and count_rows(engine, PostFingerprint) == 2
    monkeypatch.setattr(Store, "_cluster", original)
    again = crawl(source.id)  # the feed is fetched again (no 304) so the post is retried
    assert (again.not_modified, again.new_posts, again.duplicates) == (0, 1, 2)


def test_the_heap_is_frozen_while_a_crawl_runs(
    engine: Engine, make_source: MakeSource, crawl: Crawl, monkeypatch: pytest.MonkeyPatch
):
    original = Store.store_many
    frozen_while_storing: list[int] = []

    def spy(self: Store, requests: Any) -> Any:
        frozen_while_storing.append(gc.get_freeze_count())
        return original(self, requests)

    monkeypatch.setattr(Store, "store_many", spy)
    run = crawl(make_source("feed", "/vnexpress/rss/thoi-su.rss").id)
    assert run.new_posts == 3
    assert frozen_while_storing and min(frozen_while_storing) > 0
    assert gc.get_freeze_count() == 0  # given back to the collector when it ended


def test_unknown_source(engine: Engine):
    with pytest.raises(SourceNotFound):
        crawl_source(engine=engine, source_id=999_999)
    assert count_rows(engine, CrawlRun) == 0


def test_deadline_stops_a_crawl_in_flight(
    engine: Engine, make_source: MakeSource, crawl: Crawl, crawler_settings: Any
):
    settings = crawler_settings.model_copy(update={"read_timeout": 10.0})
    source = make_source("url", "/slow?s=3")
    started = time.monotonic()
    run = crawl(source.id, settings=settings, deadline=started + 0.5)
    assert run.status == RunStatus.timed_out
    assert count_rows(engine, Post) == 0


def test_single_url_without_article_costs_a_304_next_time(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    source = make_source("url", "/json/khong-co-muc.json")  # not a page with an article
    first = crawl(source.id)
    assert first.errors == {"no_article_text": 1} and first.pages_fetched == 1
    again = crawl(source.id)
    assert (again.not_modified, again.pages_fetched, again.errors) == (1, 0, {})
    assert count_rows(engine, Post) == 0


def test_single_url_failing_internally_is_fetched_again(
    engine: Engine, make_source: MakeSource, crawl: Crawl, monkeypatch: pytest.MonkeyPatch
):
    page = "/tuoitre/thoi-su/bhxh-15-nam-huong-luong-huu-20250505080000789.htm"
    source = make_source("url", page)
    original = Store.store

    def broken(self: Store, *args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Store, "store", broken)
    assert crawl(source.id).errors == {"internal": 1}
    monkeypatch.setattr(Store, "store", original)
    again = crawl(source.id)
    assert (again.not_modified, again.new_posts) == (0, 1)


def test_a_failing_progress_callback_does_not_stop_the_crawl(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    def broken(done: int, total: int) -> None:
        raise ValueError("terminal closed")

    run = crawl(make_source("feed", "/tuoitre/rss/thoi-su.rss").id, progress=broken)
    assert run.status == RunStatus.succeeded and run.new_posts == 2


def test_extraction_in_worker_processes_stores_the_same_posts(
    engine: Engine, make_source: MakeSource, crawl: Crawl, crawler_settings: Any
):
    threads = crawl(thanhnien(make_source))
    in_threads = {(p.canonical_url, p.title, p.text) for p in posts(engine)}
    with Session(engine) as session:
        for model in (PostFingerprint, Post, Snapshot, PostCluster, FetchState):
            session.execute(delete(model))
        session.commit()
    settings = crawler_settings.model_copy(update={"extract_workers": 2})
    processes = crawl(thanhnien(make_source), settings=settings)
    assert processes.status == RunStatus.succeeded and processes.errors == threads.errors
    assert processes.new_posts == threads.new_posts > 0
    assert {(p.canonical_url, p.title, p.text) for p in posts(engine)} == in_threads


@pytest.fixture
def started_pools(monkeypatch: pytest.MonkeyPatch) -> list[concurrent.futures.ProcessPoolExecutor]:
    """The extraction pools crawls start during the test, in order (real process pools)."""
    started: list[concurrent.futures.ProcessPoolExecutor] = []

    def recording_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
        started.append(extraction_pool(workers))
        return started[-1]

    monkeypatch.setattr(crawlers.run, "extraction_pool", recording_pool)
    return started


@pytest.mark.parametrize(
    ("configured", "pages", "cpus", "expected"),
    [
        (None, 39, 2, 0),  # a feed's few new pages: threads, no process start-up
        (None, 40, 2, 1),  # one CPU for the crawl process, one for extraction
        (None, 500, 3, 2),
        (None, 500, 16, MAX_AUTO_WORKERS),
        (None, 500, 1, 0),  # one CPU: processes would only add hand-offs
        (0, 500, 16, 0),  # set explicitly: always as set
        (3, 1, 1, 3),
    ],
)
def test_pool_workers_by_pages_and_cpus(
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    configured: int | None,
    pages: int,
    cpus: int,
    expected: int,
):
    monkeypatch.setattr(crawlers.run, "usable_cpus", lambda: cpus)
    settings = crawler_settings.model_copy(update={"extract_workers": configured})
    assert settings.extract_pool_min_pages == 40
    assert pool_workers(settings, pages) == expected


def test_a_big_enough_crawl_starts_and_stops_its_own_pool(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    started_pools: list[concurrent.futures.ProcessPoolExecutor],
):
    started = started_pools
    monkeypatch.setattr(crawlers.run, "usable_cpus", lambda: 2)
    settings = crawler_settings.model_copy(update={"extract_pool_min_pages": 3})
    run = crawl(thanhnien(make_source), settings=settings)
    assert run.status == RunStatus.succeeded and run.new_posts == 3
    assert len(started) == 1
    with pytest.raises(RuntimeError, match="shutdown"):  # closed with the crawl
        started[0].submit(int, "1")
    assert _AUTO_POOL_SLOT.acquire(blocking=False)  # and its slot given back
    _AUTO_POOL_SLOT.release()

    # Below the threshold (the pages are known now, nothing is left to fetch): no pool.
    again = crawl(thanhnien(make_source), settings=settings)
    assert again.status == RunStatus.succeeded and again.new_posts == 0
    assert len(started) == 1


def thanhnien(make_source: MakeSource) -> int | None:
    return make_source("sitemap", "/thanhnien/sitemap.xml", link_pattern=r"\d{15}\.htm$").id


class BrokenPool(concurrent.futures.ThreadPoolExecutor):
    """A process pool whose worker died: every call fails."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future


def test_a_broken_extraction_pool_fails_its_pages_not_the_run(
    engine: Engine, make_source: MakeSource, crawl: Crawl
):
    with BrokenPool(1) as pool:
        run = crawl(thanhnien(make_source), extract_pool=pool)
    assert run.status == RunStatus.succeeded and run.new_posts == 0
    assert run.errors == {"http_404": 2, "extract_crashed": 3}  # the pages, not the run
    assert count_rows(engine, Post) == 0


def dying_extract(*_args: Any) -> Any:
    """Extraction that kills its worker process, as the OOM killer or a crash would."""
    os._exit(1)


def test_dying_workers_are_replaced_and_their_pages_retried_next_run(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    started_pools: list[concurrent.futures.ProcessPoolExecutor],
):
    started = started_pools
    monkeypatch.setattr(crawlers.run, "extract_pages", dying_extract)
    monkeypatch.setattr(crawlers.run, "MAX_POOL_RESTARTS", 1)
    settings = crawler_settings.model_copy(
        update={"extract_workers": 1, "extract_pool_min_pages": 1}
    )
    source_id = thanhnien(make_source)
    run = crawl(source_id, settings=settings, deadline=time.monotonic() + 60)
    # Every page killed its worker: the first death got new workers, the second used up
    # the restarts (MAX_POOL_RESTARTS, 1 here); the pages failed as crashed, retryable,
    # and the run finished instead of waiting on dead workers.
    assert run.status == RunStatus.succeeded
    assert run.errors == {"http_404": 2, "extract_crashed": 3}
    assert len(started) == 2
    assert count_rows(engine, Post) == 0

    monkeypatch.undo()
    again = crawl(source_id)
    assert again.status == RunStatus.succeeded and again.new_posts == 3


class SlowPool(concurrent.futures.ThreadPoolExecutor):
    """One worker, slower than the fetching: it starts on nothing before `batches`
    batches were sent, so they queue up behind it."""

    def __init__(self, batches: int) -> None:
        super().__init__(1)
        self.batches = batches
        self.fingerprint: list[bool] = []
        self.all_sent = threading.Event()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        self.fingerprint.append(args[-1])
        if len(self.fingerprint) == self.batches:
            self.all_sent.set()

        def slow(*args: Any) -> Any:
            self.all_sent.wait(10)
            return fn(*args)

        return super().submit(slow, *args, **kwargs)


def test_pages_waiting_for_a_busy_worker_are_fingerprinted_by_the_crawl(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(crawlers.run, "MAX_EXTRACT_BATCH", 1)  # a batch a page
    settings = crawler_settings.model_copy(update={"extract_workers": 1})
    left_at_pool: list[int] = []
    close = crawlers.run.Crawl.close

    def spy(self: crawlers.run.Crawl) -> None:
        left_at_pool.append(len(self._at_pool))
        close(self)

    monkeypatch.setattr(crawlers.run.Crawl, "close", spy)
    with SlowPool(batches=3) as pool:
        run = crawl(thanhnien(make_source), settings=settings, extract_pool=pool)
    assert left_at_pool == [0]  # delivered batches (and their results) are let go
    assert run.status == RunStatus.succeeded and run.new_posts == 3
    # The first two pages find the worker free or one batch at it; the third would wait
    # behind both, so the worker is sent it without fingerprinting and the crawl does it.
    assert pool.fingerprint == [True, True, False]
    with Session(engine) as session:
        for post in posts(engine):
            assert post.content_hash == content_hash(post.text)
            fingerprint = session.get(PostFingerprint, post.id)
            assert fingerprint is not None and fingerprint.signature == signature(post.text)
            snapshot = session.get(Snapshot, post.snapshot_id)
            assert snapshot is not None and decompress(snapshot.compressed).startswith(b"<")


class RefusingPool(concurrent.futures.ThreadPoolExecutor):
    """A pool that refuses work at submit, as a process pool does once a worker died or
    when it cannot start its processes."""

    def __init__(self, error: Exception) -> None:
        super().__init__(1)
        self.error = error

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        raise self.error


@pytest.mark.parametrize(
    ("refusal", "pools"),
    [
        (BrokenProcessPool("a worker died"), 2),  # new workers take the pages
        (OSError("no /dev/shm"), 1),  # no workers at all: the crawl extracts itself
    ],
)
def test_an_automatic_pool_refusing_work_loses_no_page(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    refusal: Exception,
    pools: int,
):
    started: list[concurrent.futures.Executor] = []

    def pool_factory(workers: int) -> concurrent.futures.Executor:
        started.append(RefusingPool(refusal) if not started else ThreadPoolExecutor(workers))
        return started[-1]

    monkeypatch.setattr(crawlers.run, "extraction_pool", pool_factory)
    monkeypatch.setattr(crawlers.run, "usable_cpus", lambda: 2)
    settings = crawler_settings.model_copy(update={"extract_pool_min_pages": 1})
    run = crawl(thanhnien(make_source), settings=settings, deadline=time.monotonic() + 60)
    assert run.status == RunStatus.succeeded and run.new_posts == 3
    assert run.errors == {"http_404": 2}
    assert len(started) == pools


def test_automatic_pools_go_to_one_crawl_at_a_time(
    engine: Engine,
    make_source: MakeSource,
    crawl: Crawl,
    crawler_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    started: list[int] = []
    monkeypatch.setattr(crawlers.run, "extraction_pool", lambda workers: started.append(workers))
    monkeypatch.setattr(crawlers.run, "usable_cpus", lambda: 2)
    settings = crawler_settings.model_copy(update={"extract_pool_min_pages": 1})
    with _AUTO_POOL_SLOT:  # another crawl of this process has the pool
        run = crawl(thanhnien(make_source), settings=settings)
    assert run.status == RunStatus.succeeded and run.new_posts == 3
    assert started == []  # extracted in the crawl process instead
