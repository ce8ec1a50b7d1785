"""Fixtures for crawler tests: the local Vietnamese site and crawler settings.

`site` serves tests/fixtures/site/ (see tests/crawlers/site.py for the special routes)
on 127.0.0.1 and a free port, for the whole session. To crawl it from other processes
(workers, benchmarks), run it separately:

    python -m tests.crawlers.site --port 8765

and let the crawler reach it with VIGIL_CRAWL_SSRF_ALLOWLIST=127.0.0.1 (plus, for fast
tests, VIGIL_CRAWL_DEFAULT_DELAY=0). `make_source(kind, path, **config)` adds a Source
pointing at the site; `crawl(source_id)` runs crawl_source with `crawler_settings`.
"""

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from crawlers.run import crawl_source
from crawlers.settings import CrawlerSettings
from models.crawl import CrawlRun, Source
from models.enums import SourceKind
from tests.crawlers.site import SiteServer

_names = itertools.count(1)


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    server = SiteServer().start()
    yield server
    server.stop()


@pytest.fixture
def crawler_settings() -> CrawlerSettings:
    return CrawlerSettings(
        ssrf_allowlist=["127.0.0.1"],
        default_delay=0,
        connect_timeout=2,
        read_timeout=0.5,
        retries=2,
        backoff_base=0.01,
        max_retry_after=5,
        max_body_bytes=1_000_000,
        user_agent="VigilTest/1.0",
    )


@pytest.fixture
def make_source(engine: Engine, site: SiteServer) -> Callable[..., Source]:
    def make(kind: str, path: str, name: str | None = None, **config: Any) -> Source:
        url = path if path.startswith("http") else site.base_url + path
        with Session(engine, expire_on_commit=False) as session:
            source = Source(
                name=name or f"nguồn-{next(_names)}",
                kind=SourceKind(kind),
                url=url,
                config=config,
            )
            session.add(source)
            session.commit()
            return source

    return make


@pytest.fixture
def crawl(engine: Engine, crawler_settings: CrawlerSettings) -> Callable[..., CrawlRun]:
    def run(source_id: int, **kwargs: Any) -> CrawlRun:
        kwargs.setdefault("settings", crawler_settings)
        run_id = crawl_source(engine=engine, source_id=source_id, **kwargs)
        with Session(engine) as session:
            crawl_run = session.get(CrawlRun, run_id)
            assert crawl_run is not None
            return crawl_run

    return run
