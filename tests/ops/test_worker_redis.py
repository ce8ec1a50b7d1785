"""Dramatiq on the real Redis: crawls of 20 local sources survive a worker killed mid-run."""

import os
import signal
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.ops import dispatch
from api.ops.registry import load_jobs
from api.ops.settings import OpsSettings
from models.crawl import Source
from models.enums import SourceKind
from models.posts import Post
from models.schedules import JobRun, JobRunStatus
from tests.ops.conftest import REDIS_URL, Processes, wait_until
from tests.ops.sitegen import write_site

pytestmark = pytest.mark.redis

SOURCES = 20
ARTICLES = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc} (.ci/run starts it)")
    namespace = f"vigil-test-{uuid.uuid4().hex[:8]}"
    yield namespace
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
    client.close()


def _runs(engine: Engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.execute(select(JobRun).order_by(col(JobRun.id))).scalars())


# redis_namespace comes first so its clean-up runs after the worker processes are stopped.
def test_killed_worker_loses_no_crawl_and_duplicates_no_post(
    redis_namespace: str, processes: Processes, ops_engine: Engine, tmp_path: Path
) -> None:
    site_root = tmp_path / "site"
    # A crawl delay makes each crawl last about a second, so the kill lands mid-run.
    write_site(site_root, sources=SOURCES, articles=ARTICLES, crawl_delay=0.25)
    port = _free_port()
    site = processes.start(
        "site", "tests.crawlers.site", "--port", str(port), "--root", str(site_root)
    )
    wait_until(
        lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0 or not site.alive(),
        timeout=30,
        what="the local site",
    )
    assert site.alive(), site.output()

    with Session(ops_engine, expire_on_commit=False) as session:
        sources = [
            Source(
                name=f"Nguồn thử {i}",
                kind=SourceKind.feed,
                url=f"http://127.0.0.1:{port}/s{i}/feed.rss",
            )
            for i in range(1, SOURCES + 1)
        ]
        session.add_all(sources)
        session.commit()
        source_ids = [s.id for s in sources if s.id is not None]

    worker_env = {
        "VIGIL_EXECUTION_MODE": "dramatiq",
        "VIGIL_REDIS_URL": REDIS_URL,
        "VIGIL_DRAMATIQ_NAMESPACE": redis_namespace,
        "VIGIL_DRAMATIQ_HEARTBEAT_TIMEOUT_SECONDS": "2",
        "VIGIL_DRAMATIQ_MAINTENANCE_CHANCE": "1000000",
        "VIGIL_CRAWL_SSRF_ALLOWLIST": "127.0.0.1",
        "VIGIL_CRAWL_DEFAULT_DELAY": "0",
        "VIGIL_JOB_TIME_LIMIT_SECONDS": "60",
    }
    settings = OpsSettings(
        execution_mode="dramatiq", redis_url=REDIS_URL, dramatiq_namespace=redis_namespace
    )
    load_jobs(settings)
    for source_id in source_ids:
        dispatch.request_run(
            engine=ops_engine,
            settings=settings,
            job_name="crawl",
            job_id=f"crawl:{source_id}",
            params={"source_id": source_id},
            trigger="test",
        )
    runs = _runs(ops_engine)
    assert len(runs) == SOURCES and all(r.dispatched_at for r in runs)
    # The same message delivered twice for a few runs: still no duplicate post.
    from api.worker import enqueue

    for run in runs[:3]:
        assert run.id is not None
        enqueue(run_id=run.id, settings=settings)

    first = processes.start("worker-1", "api.cli", "worker", "--threads", "2", env=worker_env)

    def mid_run() -> bool:
        statuses = Counter(r.status for r in _runs(ops_engine))
        return statuses[JobRunStatus.succeeded] >= 2 and statuses[JobRunStatus.running] >= 1

    wait_until(mid_run, timeout=90, what="the first worker to be mid-run")
    os.kill(first.pid, signal.SIGKILL)
    first.popen.wait(10)
    interrupted = [r.id for r in _runs(ops_engine) if r.status == JobRunStatus.running]
    assert interrupted

    second = processes.start("worker-2", "api.cli", "worker", "--threads", "2", env=worker_env)
    wait_until(
        lambda: all(r.status == JobRunStatus.succeeded for r in _runs(ops_engine)),
        timeout=120,
        what="every crawl to succeed",
    )
    assert second.alive(), second.output()

    runs = _runs(ops_engine)
    assert {r.params["source_id"] for r in runs} == set(source_ids)
    retried = {r.id for r in runs if r.attempts >= 2}
    assert set(interrupted) <= retried, "the interrupted runs were delivered again"
    assert all(r.owner and r.owner.endswith(f":{second.pid}") for r in runs if r.id in interrupted)
    with Session(ops_engine) as session:
        per_source: dict[int | None, int] = dict(
            session.execute(
                select(col(Post.source_id), func.count()).group_by(col(Post.source_id))
            ).all()
        )
        total = session.execute(select(func.count()).select_from(Post)).scalar_one()
        distinct = session.execute(
            select(func.count(func.distinct(Post.canonical_url)))
        ).scalar_one()
    assert per_source == {source_id: ARTICLES for source_id in source_ids}
    assert total == distinct == SOURCES * ARTICLES
