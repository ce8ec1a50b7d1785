"""One crawl of one source: the function the CLI and the scheduler call.

    run_id = crawl_source(engine=engine, source_id=7, trigger="schedule", deadline=t)

It records a CrawlRun (running → succeeded / failed / timed_out) with counts and errors
by kind; one bad page is counted and skipped, never fatal; posts are committed in batches
(whatever was extracted while the previous batch was written), each post whole or not at
all; already stored canonical URLs are never stored twice, even when two workers crawl
the same source at once.
"""

import asyncio
import concurrent.futures
import dataclasses
import logging
import multiprocessing
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from crawlers import sources as sources_service
from crawlers.cpus import usable_cpus
from crawlers.errors import BlockedAddress, DropItem, ExtractionCrashed, FetchFailed
from crawlers.extract import (
    MIN_TEXT_CHARS,
    Article,
    FeedEntry,
    SitemapUrl,
    extract_pages,
    json_records,
    listing_links,
    parse_feed,
    parse_sitemap,
    warm_up,
)
from crawlers.fetch import Fetcher, FetchResult
from crawlers.heap import frozen_heap
from crawlers.settings import CrawlerSettings
from crawlers.shingles import shingle_hashes
from crawlers.store import Store, StoreRequest
from models.crawl import CrawlRun, SourceConfig
from models.enums import RunStatus, SourceKind
from models.errors import VigilError
from models.types import utcnow

log = logging.getLogger(__name__)

MAX_SITEMAP_FILES = 50
# Posts written per transaction at most; a batch is whatever was ready meanwhile.
MAX_WRITE_BATCH = 64
# Pages sent to an extraction worker at once at most: each trip costs the crawl process
# (the pool's threads, pickling, waking the loop), and on two CPUs it is the busier side.
# 4 -> 8: 8 of 10 interleaved 3,000-page bench crawls faster, median 662 against 619
# pages/s; 16 ran as fast as 8, and smaller batches share out better among several workers.
MAX_EXTRACT_BATCH = 8
# Pages a crawl handles at once, per request the Fetcher lets out (total_concurrency): each
# page is fetched, then waits for extraction and storing, so with one page per request the
# fetching stopped whenever pages waited for the workers. Three keep requests going while
# pages wait (interleaved bench crawls: 6-29% more pages/s than one) and hold at most
# 3 x total_concurrency fetched bodies, each cut at max_body_bytes.
PAGES_PER_FETCH_SLOT = 3
# Errors worth retrying on the next run (a 404 or a robots rule will not change soon).
TRANSIENT_ERRORS = {"timeout", "connect_timeout", "connection", "http_5xx", "rate_limited"}
TRANSIENT_ERRORS |= {"internal", "http_error", "extract_crashed"}
# Extraction pools a crawl replaces after a worker died, at most (then its pages fail).
MAX_POOL_RESTARTS = 3
T = TypeVar("T")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SourceSpec:
    id: int
    name: str
    kind: SourceKind
    url: str
    config: SourceConfig


@dataclass
class Item:
    """A page to fetch (with what the feed/sitemap said about it) or a ready article."""

    url: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    article: Article | None = None
    snapshot_id: int | None = None


@dataclass
class Stats:
    pages_fetched: int = 0
    new_posts: int = 0
    duplicates: int = 0
    not_modified: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    error_message: str | None = None
    root_failed: bool = False
    timed_out: bool = False
    total: int = 0
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + n)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class RootFailed(Exception):
    """The source's own URL (feed, sitemap, listing, endpoint) could not be used."""


class Crawl:
    def __init__(
        self,
        engine: Engine,
        spec: SourceSpec,
        settings: CrawlerSettings,
        stats: Stats,
        progress: Progress | None = None,
        extract_pool: concurrent.futures.Executor | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.stats = stats
        self.progress = progress
        self.store = Store(engine, settings=settings, source_id=spec.id, source_name=spec.name)
        self.extract_pool = extract_pool
        # A pool this crawl starts itself (pool_workers), shut down by close(), and
        # replaced when a worker dies (_replace_broken_pool).
        self._own_pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._own_workers = 0
        self._pool_restarts = 0
        self._holds_auto_slot = False
        # Where database work runs. SQLite is a library in this process: its statements
        # cost CPU rather than waiting, so they run on the loop itself; a writer thread
        # would only contend with the loop for the GIL (bench/crawl.py: full crawls
        # 7-20% faster without it). The price: while another writer holds SQLite's lock
        # (busy_timeout, 30 s at most) this crawl's fetching pauses too, where with a
        # thread it would have gone on until its pages waited for the writer anyway.
        # PostgreSQL statements wait on the network, so they go to one writer thread.
        self.db: concurrent.futures.ThreadPoolExecutor | None = None
        if engine.dialect.name != "sqlite":
            self.db = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="crawl-db")
        config = spec.config
        self.pattern = re.compile(config.link_pattern) if config.link_pattern else None
        self.max_pages = config.max_pages or settings.default_max_pages
        self.roots: list[tuple[str, FetchResult]] = []
        # Posts waiting for the writer, which commits whatever piled up as one batch.
        self._ready: list[tuple[StoreRequest, asyncio.Future[bool]]] = []
        # Fetched pages waiting to be sent to the extraction pool as one batch.
        self._to_extract: list[tuple[FetchResult, asyncio.Future[Article]]] = []
        # Batches sent to the extraction pool, to see whether any waits for a worker.
        self._at_pool: set[concurrent.futures.Future[Any]] = set()
        self._wake_writer = asyncio.Event()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.db is None:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.db, lambda: fn(*args, **kwargs))

    async def _store(
        self,
        article: Article,
        *,
        fetched: FetchResult | None = None,
        snapshot_id: int | None = None,
    ) -> bool:
        """Store one post through the batching writer; True when it is a new post."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._ready.append((StoreRequest(article, fetched, snapshot_id), future))
        self._wake_writer.set()
        return await future

    async def _writer(self) -> None:
        """Write the posts that are ready, in batches, until cancelled.

        While one batch is being committed, the posts extracted meanwhile wait and go
        into the next: one transaction per batch rather than per post, and no delay
        when pages arrive slowly (a lone post is written at once).
        """
        while True:
            await self._wake_writer.wait()
            self._wake_writer.clear()
            while self._ready:
                batch = self._ready[:MAX_WRITE_BATCH]
                del self._ready[:MAX_WRITE_BATCH]
                requests = [request for request, _ in batch]
                try:
                    outcomes: list[bool | BaseException] = await self._db(
                        self.store.store_many, requests
                    )
                except Exception as exc:
                    outcomes = [exc] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its page was cancelled (the deadline)
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)

    def _report(self) -> None:
        if self.progress is not None:
            try:
                self.progress(self.stats.done, self.stats.total)
            except Exception:  # a broken progress display must not stop the crawl
                log.exception("progress callback failed")
                self.progress = None

    async def run(self) -> None:
        config = self.spec.config
        async with Fetcher(
            self.settings,
            delay=config.delay_seconds,
            per_host_concurrency=config.concurrency,
        ) as fetcher:
            await self._db(self.store.load_index)
            # The index just loaded, and everything else alive now, outlives the crawl:
            # full garbage collections need not walk it (crawlers/heap.py).
            with frozen_heap():
                items = await self.discover(fetcher)
                fresh = await self._filter_known(items)
                self.stats.total = len(fresh)
                self._start_pool(sum(item.article is None for item in fresh))
                self._report()
                queue: asyncio.Queue[Item] = asyncio.Queue()
                for item in fresh:
                    queue.put_nowait(item)
                in_flight = PAGES_PER_FETCH_SLOT * self.settings.total_concurrency
                workers = min(in_flight, max(1, len(fresh)))
                writer = asyncio.create_task(self._writer())
                try:
                    await asyncio.gather(*(self._worker(fetcher, queue) for _ in range(workers)))
                finally:
                    writer.cancel()
            if not TRANSIENT_ERRORS & set(self.stats.errors):
                for url, result in self.roots:
                    await self._db(self.store.save_fetch_state, url, result)

    def _start_pool(self, pages: int) -> None:
        """Start extraction worker processes when the pages to fetch are worth them."""
        if self.extract_pool is not None:
            return
        workers = pool_workers(self.settings, pages)
        if not workers:
            return
        # Automatic pools: one crawl at a time per process (the scheduler runs several
        # crawls at once; a pool each would mean dozens of processes on a small machine).
        # The others extract in their own process, as they did before pools were automatic.
        automatic = self.settings.extract_workers is None
        if automatic:
            if not _AUTO_POOL_SLOT.acquire(blocking=False):
                return
            self._holds_auto_slot = True
        try:
            self._own_pool = self.extract_pool = extraction_pool(workers)
        except Exception:  # e.g. no /dev/shm for its locks
            if not automatic:
                raise
            log.exception("cannot start extraction workers; extracting in the crawl")
            return
        self._own_workers = workers

    def _replace_broken_pool(self, broken: concurrent.futures.Executor | None) -> None:
        """After a worker died, give the rest of the crawl a new pool: a pool with a dead
        worker fails every later call. Only a pool this crawl started (a caller's pool is
        the caller's to replace), and only MAX_POOL_RESTARTS times: after that the broken
        pool stays, and the rest of the pages fail as crashed, to be retried next run."""
        if broken is None or broken is not self._own_pool:
            return
        if self._pool_restarts >= MAX_POOL_RESTARTS:
            if self._pool_restarts == MAX_POOL_RESTARTS:
                self._pool_restarts += 1
                log.error("extraction workers keep dying: the crawl's other pages fail")
            return
        self._pool_restarts += 1
        log.warning("an extraction worker died; starting new workers")
        self._own_pool.shutdown(wait=False, cancel_futures=True)
        self._own_pool = self.extract_pool = extraction_pool(self._own_workers)

    def _drop_automatic_pool(self, pool: concurrent.futures.Executor | None) -> bool:
        """An automatic pool that cannot take work: extract in this process from now on."""
        if pool is None or pool is not self._own_pool or not self._holds_auto_slot:
            return False
        log.exception("extraction workers refuse work; extracting in the crawl process")
        self._own_pool.shutdown(wait=False, cancel_futures=True)
        self._own_pool = self.extract_pool = None
        return True

    def close(self) -> None:
        # Wait for the writer so a post being committed is committed, not cut in half.
        if self.db is not None:
            self.db.shutdown(wait=True)
        if self._own_pool is not None:
            self._own_pool.shutdown(cancel_futures=True)
            self._own_pool = None
        if self._holds_auto_slot:
            self._holds_auto_slot = False
            _AUTO_POOL_SLOT.release()

    # -- discovery --------------------------------------------------------------------

    async def _root(
        self, fetcher: Fetcher, url: str, *, required: bool, conditional: bool = True
    ) -> FetchResult | None:
        """Fetch a non-article URL with conditional GET; None when unchanged or failed."""
        etag = last_modified = None
        if conditional:
            etag, last_modified = await self._db(self.store.fetch_state, url)
        try:
            result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
        except (FetchFailed, BlockedAddress) as exc:
            kind = exc.kind if isinstance(exc, FetchFailed) else "blocked_address"
            self.stats.error(kind)
            if required:
                self.stats.error_message = f"{exc.message_vi} ({exc.message_en})"
                raise RootFailed(exc.message_en) from exc
            return None
        if result.not_modified:
            await self._db(self.store.save_fetch_state, url, result)
            self.stats.add("not_modified")
            return None
        # Validators are saved only after the pages behind this URL were processed without
        # transient failures; otherwise the next run would get a 304 and never retry them.
        self.roots.append((url, dataclasses.replace(result, body=b"")))
        self.stats.add("pages_fetched")
        if result.truncated:
            self.stats.error("truncated")
        return result

    def _wanted(self, url: str) -> bool:
        return self.pattern is None or bool(self.pattern.search(url))

    async def discover(self, fetcher: Fetcher) -> list[Item]:
        kind = self.spec.kind
        if kind == SourceKind.url:
            return [Item(self.spec.url)]
        # A sitemap index often stays the same while the sitemaps it lists change, so it
        # is always fetched in full; its child sitemaps use conditional GET.
        conditional = kind != SourceKind.sitemap
        root = await self._root(fetcher, self.spec.url, required=True, conditional=conditional)
        if root is None:
            return []
        try:
            if kind == SourceKind.feed:
                return await self._from_feed(root)
            if kind == SourceKind.sitemap:
                return await self._from_sitemap(fetcher, root)
            if kind == SourceKind.listing:
                assert self.pattern is not None
                links = listing_links(
                    root.body, root.final_url, self.pattern.pattern, root.content_type
                )
                return [Item(link) for link in links]
            if kind == SourceKind.json:
                return await self._from_json(root)
        except DropItem as exc:
            self.stats.error(exc.kind)
            self.stats.error_message = f"{exc.message_vi} ({exc.message_en})"
            raise RootFailed(exc.message_en) from exc
        raise RootFailed(f"unknown source kind {kind}")

    async def _from_feed(self, root: FetchResult) -> list[Item]:
        entries: list[FeedEntry] = parse_feed(root.body, root.final_url)
        entries = [entry for entry in entries if self._wanted(entry.url)]
        if self.spec.config.fetch_articles:
            return [Item(e.url, e.title, e.author, e.published_at) for e in entries]
        snapshot_id = await self._db(self.store.snapshot, root)
        items = []
        for entry in entries:
            text = entry.summary or ""
            if len(text) < MIN_TEXT_CHARS:
                self.stats.error("no_article_text")
                continue
            article = Article(
                entry.url,
                entry.title,
                text,
                entry.author,
                entry.published_at,
                shingle_hashes(text).tobytes(),
            )
            items.append(Item(entry.url, article=article, snapshot_id=snapshot_id))
        return items

    async def _from_sitemap(self, fetcher: Fetcher, root: FetchResult) -> list[Item]:
        pending: list[FetchResult | str] = [root]
        seen = {self.spec.url}
        pages: list[SitemapUrl] = []
        files = 0
        while pending and files < MAX_SITEMAP_FILES and len(pages) < self.max_pages * 4:
            entry = pending.pop(0)
            files += 1
            result = entry if isinstance(entry, FetchResult) else None
            if isinstance(entry, str):
                result = await self._root(fetcher, entry, required=False)
            if result is None:
                continue
            try:
                found, children = parse_sitemap(result.body, result.final_url)
            except DropItem as exc:
                if result is root:
                    raise
                self.stats.error(exc.kind)
                continue
            pages.extend(page for page in found if self._wanted(page.url))
            for child in children:
                if child not in seen:
                    seen.add(child)
                    pending.append(child)
        # Newest first, so a page limit keeps the fresh news.
        pages.sort(key=lambda p: p.published_at.timestamp() if p.published_at else 0, reverse=True)
        return [Item(p.url, p.title, None, p.published_at) for p in pages]

    async def _from_json(self, root: FetchResult) -> list[Item]:
        config = self.spec.config
        assert config.items_path is not None
        snapshot_id = await self._db(self.store.snapshot, root)
        items = []
        for record in json_records(root.body, root.final_url, config.items_path, config.fields):
            if isinstance(record, DropItem):
                self.stats.error(record.kind)
                continue
            if self._wanted(record.url):
                items.append(Item(record.url, article=record, snapshot_id=snapshot_id))
        return items

    async def _filter_known(self, items: list[Item]) -> list[Item]:
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(item.url, item)
        known = await self._db(self.store.known_urls, list(unique))
        if known:
            self.stats.add("duplicates", len(known))
        fresh = [item for url, item in unique.items() if url not in known]
        return fresh[: self.max_pages]

    # -- pages ------------------------------------------------------------------------

    async def _worker(self, fetcher: Fetcher, queue: asyncio.Queue[Item]) -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                await self._process(fetcher, item)
            except (FetchFailed, DropItem) as exc:
                self.stats.error(exc.kind)
            except BlockedAddress:
                self.stats.error("blocked_address")
            except VigilError as exc:
                self.stats.error(exc.code)
            except Exception:  # one bad page must never abort the run
                log.exception("crawl of %s failed", item.url)
                self.stats.error("internal")
            finally:
                self.stats.done += 1
                self._report()

    async def _process(self, fetcher: Fetcher, item: Item) -> None:
        if item.article is not None:
            stored = await self._store(item.article, snapshot_id=item.snapshot_id)
            self.stats.add("new_posts" if stored else "duplicates")
            return
        single = self.spec.kind == SourceKind.url
        etag = last_modified = None
        if single:
            etag, last_modified = await self._db(self.store.fetch_state, item.url)
        result = await fetcher.fetch(item.url, etag=etag, last_modified=last_modified)
        if result.not_modified:
            self.stats.add("not_modified")
            return
        self.stats.add("pages_fetched")
        if result.truncated:
            self.stats.error("truncated")
        try:
            article = await self._extract(result)
            article.url = item.url
            article.title = article.title or item.title
            article.author = article.author or item.author
            article.published_at = article.published_at or item.published_at
            stored = await self._store(article, fetched=result)
        except DropItem:
            # The page is fine but holds no post: an unchanged copy never will either.
            if single:
                await self._db(self.store.save_fetch_state, item.url, result)
            raise
        # Validators are kept only once the page was handled, so a failure is retried.
        if single:
            await self._db(self.store.save_fetch_state, item.url, result)
        self.stats.add("new_posts" if stored else "duplicates")

    async def _extract(self, result: FetchResult) -> Article:
        """Extract in the pool, batched with the pages fetched in the same loop turn: each
        trip to a worker process costs the crawl process more than storing a post does."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Article] = loop.create_future()
        self._to_extract.append((result, future))
        if len(self._to_extract) >= MAX_EXTRACT_BATCH:
            self._send_extract_batch()
        elif len(self._to_extract) == 1:
            loop.call_soon(self._send_extract_batch)
        return await future

    def _workers_fingerprint(self, pool: concurrent.futures.Executor | None) -> bool:
        """Whether the extraction workers fingerprint the batch about to be sent to `pool`.

        While a batch already waits for a free worker, the workers are the slower side and
        the crawl process has time to spare: the next batch's articles are fingerprinted by
        its store, which derives what an article lacks (shingles, MinHash, content hash: a
        sixth of a page's extraction work). Whichever side is slower gives that work to the
        other, so the split follows the machine: on two CPUs the one worker hands it over
        for about three batches in four; workers that wait for pages, rather than pages for
        them, keep it. The snapshot stays with the workers: a page can be megabytes, which
        the event loop must not stop to compress.
        """
        if pool is None:  # threads of this process: nothing to hand over
            return True
        if pool is self._own_pool:
            workers = self._own_workers
        else:  # a caller's pool, of the size configured
            workers = self.settings.extract_workers or 1
        return sum(not sent.done() for sent in self._at_pool) <= workers

    def _send_extract_batch(self) -> None:
        batch, self._to_extract = self._to_extract, []
        if not batch:
            return
        pages = [(result.body, result.final_url, result.content_type) for result, _ in batch]
        selectors = dict(self.spec.config.selectors)
        max_bytes = self.settings.snapshot_max_bytes
        level = self.settings.snapshot_compress_level
        loop = asyncio.get_running_loop()
        refused: Exception | None = None
        sent: concurrent.futures.Future[list[Article | Exception]] | None = None
        for _ in range(2):  # once more with new workers when a worker died meanwhile
            pool = self.extract_pool
            options = (selectors, max_bytes, level, self._workers_fingerprint(pool))
            try:
                if pool is None:
                    pending = loop.run_in_executor(pool, extract_pages, pages, *options)
                else:
                    sent = pool.submit(extract_pages, pages, *options)
                    self._at_pool.add(sent)
                    pending = asyncio.wrap_future(sent, loop=loop)
                refused = None
                break
            except BrokenProcessPool as exc:
                self._replace_broken_pool(pool)
                refused = exc
            except Exception as exc:  # the pool refuses work (cannot start its processes)
                refused = exc
                if not self._drop_automatic_pool(pool):
                    break
        if refused is not None:  # the pages fail rather than wait forever
            for result, future in batch:
                if not future.done():
                    future.set_exception(_page_error(refused, result.url))
            return

        def deliver(done: asyncio.Future[list[Article | Exception]]) -> None:
            self._at_pool.discard(sent)  # nor its results, kept till the crawl's end
            failure = None if done.cancelled() else done.exception()
            if isinstance(failure, BrokenProcessPool):
                self._replace_broken_pool(pool)
            for i, (result, future) in enumerate(batch):
                if future.done():  # its page was cancelled (the deadline)
                    continue
                if done.cancelled():
                    future.cancel()
                elif failure is not None:  # the pool failed the whole batch
                    future.set_exception(_page_error(failure, result.url))
                else:
                    outcome = done.result()[i]
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)

        pending.add_done_callback(deliver)


def _page_error(failure: BaseException, url: str) -> BaseException:
    """What a page gets when its extraction pool failed it: a dead worker is named as such
    (a transient error, retried next run); anything else is passed on."""
    if isinstance(failure, BrokenProcessPool):
        return ExtractionCrashed(url, str(failure))
    return failure


MAX_AUTO_WORKERS = 4
_AUTO_POOL_SLOT = threading.Lock()


def pool_workers(settings: CrawlerSettings, pages: int) -> int:
    """How many extraction processes a crawl with `pages` pages to fetch gets; 0 extracts
    in the crawl process (threads).

    Starting workers costs about a second (each imports trafilatura) and 60 MB each, which
    a feed's handful of new pages never earns back; a big crawl runs a third to a half
    faster with worker processes than with extraction threads, which share one GIL
    (600 pages: 97-109 against 73-74 pages/s, start-up included).

    One CPU is left to the crawl process itself, which fetches and stores (about as much
    CPU a page as extraction): on two CPUs one worker beat two in 6 of 6 interleaved bench
    crawls (3,000 pages: median 578 against 536 pages/s), since three busy processes on
    two cores only take turns. The CPUs counted are those the process may use: its
    affinity, capped by a container's cgroup CPU quota (crawlers/cpus.py).
    """
    if settings.extract_workers is not None:
        return settings.extract_workers
    cpus = usable_cpus()
    if cpus < 2 or pages < settings.extract_pool_min_pages:
        return 0
    return min(cpus - 1, MAX_AUTO_WORKERS)


def extraction_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    # forkserver: forking a process that runs threads (the DB writer) is unsafe.
    context = multiprocessing.get_context("forkserver")
    # Each worker imports trafilatura as it starts, not while the crawl waits for it.
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=warm_up)


def load_spec(engine: Engine, source_id: int) -> SourceSpec:
    with Session(engine) as session:
        source = sources_service.get(session=session, source_id=source_id)
        assert source.id is not None
        return SourceSpec(
            id=source.id,
            name=source.name,
            kind=SourceKind(source.kind),
            url=source.url,
            config=sources_service.config_of(source),
        )


async def _crawl_async(crawl: Crawl, deadline: float | None) -> None:
    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        async with asyncio.timeout(remaining):
            await crawl.run()
    except TimeoutError:
        stats = crawl.stats
        stats.timed_out = True
        stats.error_message = (
            f"Dừng vì hết thời hạn: đã xử lý {stats.done}/{stats.total} trang. "
            f"(Stopped at the deadline after {stats.done}/{stats.total} pages.)"
        )


def _run(coro_factory: Callable[[], Any]) -> None:
    # uvloop (shipped with uvicorn[standard]) makes the fetch loop markedly cheaper.
    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is not available on every platform
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(coro_factory())


def run_in_new_loop(coro_factory: Callable[[], Any]) -> None:
    """Run the crawl's event loop, also when the caller is inside one (then in a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _run(coro_factory)
        return
    failure: list[BaseException] = []

    def target() -> None:
        try:
            _run(coro_factory)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="crawl")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def crawl_source(
    *,
    engine: Engine,
    source_id: int,
    trigger: str = "manual",
    progress: Progress | None = None,
    deadline: float | None = None,
    settings: CrawlerSettings | None = None,
    extract_pool: concurrent.futures.Executor | None = None,
) -> int:
    """Crawl one source now; returns the CrawlRun id. Raises SourceNotFound."""
    settings = settings or CrawlerSettings()
    with Session(engine, expire_on_commit=False) as session:
        sources_service.get(session=session, source_id=source_id)
        run = CrawlRun(source_id=source_id, trigger=trigger[:32], status=RunStatus.running)
        session.add(run)
        session.commit()
        assert run.id is not None
        run_id = run.id
    stats = Stats()
    status = RunStatus.failed
    try:
        spec = load_spec(engine, source_id)
        crawl = Crawl(engine, spec, settings, stats, progress, extract_pool)
        try:
            run_in_new_loop(lambda: _crawl_async(crawl, deadline))
        finally:
            crawl.close()
        status = RunStatus.timed_out if stats.timed_out else RunStatus.succeeded
    except RootFailed as exc:
        stats.error_message = stats.error_message or str(exc)
    except VigilError as exc:
        stats.error_message = f"{exc.message_vi} ({exc.message_en})"
        stats.error(exc.code)
    except Exception as exc:
        log.exception("crawl of source %s failed", source_id)
        detail = f"{type(exc).__name__}: {exc}"
        stats.error_message = f"Lỗi nội bộ khi thu thập (internal error: {detail})"
        stats.error("internal")
    finally:
        _finish(engine, run_id, status, stats)
    return run_id


def _finish(engine: Engine, run_id: int, status: RunStatus, stats: Stats) -> None:
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:  # the source (and its runs) was deleted meanwhile
            return
        run.status = status
        run.finished_at = utcnow()
        run.pages_fetched = stats.pages_fetched
        run.new_posts = stats.new_posts
        run.duplicates = stats.duplicates
        run.not_modified = stats.not_modified
        run.errors = dict(stats.errors)
        run.error_message = stats.error_message
        session.add(run)
        session.commit()
