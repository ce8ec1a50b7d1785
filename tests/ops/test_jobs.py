"""The jobs mechanism in one process: registry, runner watchdog, the crawl and retention
jobs, the scheduler's reconcile and run-now pickup, worker idempotency, dispatch errors."""

import threading
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.ops import dispatch, runner, runs
from api.ops import schedules as schedules_service
from api.ops.registry import REGISTRY, JobContext, JobFailed, JobSpec, JobTimedOut, job, load_jobs
from api.ops.settings import OpsSettings
from api.scheduler import SchedulerService
from api.worker import process_run
from models.crawl import CrawlRun, Source
from models.enums import PostOrigin, RunStatus, SourceKind
from models.errors import NotFound, Unavailable
from models.posts import Post, Snapshot
from models.schedules import CrawlScheduleCreate, JobRun, JobRunStatus, ScheduleKind, scheduler_jobs
from models.types import utcnow
from tests.crawlers.site import SiteServer
from tests.ops.conftest import wait_until
from tests.ops.sitegen import write_site

SETTINGS = OpsSettings(retention_days=90, reconcile_seconds=0.2, takeover_seconds=0.6)


def _claimed(engine: Engine, job_name: str = "t", **params: Any) -> JobRun:
    run = runs.create(
        engine=engine, job_name=job_name, job_id=job_name, params=params, trigger="test", owner="t"
    )
    assert run is not None
    return run


def _stored(engine: Engine, run: JobRun) -> JobRun:
    with Session(engine) as session:
        stored = session.get(JobRun, run.id)
        assert stored is not None
        return stored


def _spec(func: Any, limit: float = 5.0) -> JobSpec:
    return JobSpec(name="t", func=func, time_limit=timedelta(seconds=limit))


# -- runner --------------------------------------------------------------------------------


def test_runner_records_success_failure_and_partial_results(engine: Engine) -> None:
    def ok(ctx: JobContext, *, n: int) -> dict[str, Any]:
        assert 0 < ctx.remaining() <= 5
        return {"doubled": n * 2}

    run = _claimed(engine, n=21)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=_spec(ok), run=run) == "succeeded"
    stored = _stored(engine, run)
    assert stored.result == {"doubled": 42} and stored.error is None and stored.finished_at

    def broken(ctx: JobContext) -> None:
        raise ValueError("dữ liệu hỏng")

    run = _claimed(engine)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=_spec(broken), run=run) == "failed"
    assert _stored(engine, run).error == "ValueError: dữ liệu hỏng"

    def partial(ctx: JobContext) -> None:
        raise JobFailed("2 of 5 failed", {"done": 3})

    run = _claimed(engine)
    runner.execute(engine=engine, settings=SETTINGS, spec=_spec(partial), run=run)
    stored = _stored(engine, run)
    assert (stored.status, stored.error, stored.result) == ("failed", "2 of 5 failed", {"done": 3})

    def stopped(ctx: JobContext) -> None:
        raise JobTimedOut("stopped at the deadline", {"done": 1})

    run = _claimed(engine)
    runner.execute(engine=engine, settings=SETTINGS, spec=_spec(stopped), run=run)
    assert _stored(engine, run).status == JobRunStatus.timed_out


def test_watchdog_abandons_a_hung_job_and_its_late_result_is_ignored(engine: Engine) -> None:
    release = threading.Event()
    finished = threading.Event()

    def hung(ctx: JobContext) -> dict[str, Any]:
        release.wait(30)  # ignores its deadline, like a call stuck on the network
        finished.set()
        return {"late": True}

    run = _claimed(engine)
    status = runner.execute(engine=engine, settings=SETTINGS, spec=_spec(hung, 0.3), run=run)
    assert status == JobRunStatus.timed_out
    assert not finished.is_set()
    release.set()
    assert finished.wait(10)
    stored = _stored(engine, run)
    assert stored.status == JobRunStatus.timed_out and stored.result == {}
    assert stored.error and "0.3s time limit" in stored.error
    assert not runs.finish(engine=engine, run_id=run.id or 0, status=JobRunStatus.succeeded)


def test_a_job_hung_run_after_run_stops_being_started(engine: Engine) -> None:
    release = threading.Event()

    def hung(ctx: JobContext) -> None:
        release.wait(30)

    statuses = []
    for _ in range(runner.MAX_HUNG_PER_JOB + 1):
        run = _claimed(engine, "hung-guard")
        statuses.append(
            runner.execute(engine=engine, settings=SETTINGS, spec=_spec(hung, 0.1), run=run)
        )
    assert statuses[:-1] == [JobRunStatus.timed_out] * runner.MAX_HUNG_PER_JOB
    assert statuses[-1] == JobRunStatus.failed
    assert "still hung" in (_stored(engine, run).error or "")
    release.set()
    wait_until(lambda: runner._still_hung("hung-guard") == 0, timeout=10, what="the threads to end")
    run = _claimed(engine, "hung-guard")
    assert (
        runner.execute(engine=engine, settings=SETTINGS, spec=_spec(hung), run=run) == "succeeded"
    )


def test_a_fire_time_is_recorded_once(engine: Engine) -> None:
    when = utcnow()
    first = runs.create(
        engine=engine, job_name="t", job_id="t", params={}, trigger="schedule", scheduled_for=when
    )
    again = runs.create(
        engine=engine, job_name="t", job_id="t", params={}, trigger="schedule", scheduled_for=when
    )
    other = runs.create(
        engine=engine, job_name="t", job_id="u", params={}, trigger="schedule", scheduled_for=when
    )
    assert first is not None and again is None and other is not None


# -- registry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad Name"}, "must match"),
        ({"name": "x", "every": timedelta(0)}, "positive"),
        ({"name": "x", "every": timedelta(seconds=1), "cron": "* * * * *"}, "not both"),
        ({"name": "x", "cron": "61 * * * *"}, "61"),
        ({"name": "x", "time_limit": timedelta(seconds=-1)}, "positive"),
    ],
)
def test_job_decorator_refuses_bad_definitions(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        job(**kwargs)


def test_registry_holds_the_crawl_and_retention_jobs() -> None:
    registry = load_jobs(SETTINGS)
    assert registry["crawl"].required_params == ["source_id"]
    assert not registry["crawl"].periodic
    assert registry["retention-cleanup"].periodic
    assert registry["retention-cleanup"].required_params == []
    with pytest.raises(ValueError, match="registered twice"):
        job("crawl")(lambda ctx: None)
    assert REGISTRY["crawl"].func is registry["crawl"].func


# -- the jobs ------------------------------------------------------------------------------


def test_retention_cleanup_deletes_only_what_is_old_and_unreferenced(engine: Engine) -> None:
    old = utcnow() - timedelta(days=100)
    with Session(engine, expire_on_commit=False) as session:
        source = Source(name="Nguồn cũ", kind=SourceKind.feed, url="https://a.vn/rss")
        session.add(source)
        session.flush()
        assert source.id is not None

        def snapshot(when: Any) -> Snapshot:
            body = zlib.compress(b"<html></html>")
            return Snapshot(
                url="https://a.vn/x",
                fetched_at=when,
                status_code=200,
                sha256="a" * 64,
                size=13,
                compressed=body,
            )

        old_orphan, old_evidence, recent = snapshot(old), snapshot(old), snapshot(utcnow())
        session.add_all([old_orphan, old_evidence, recent])
        session.flush()
        session.add(
            Post(
                url="https://a.vn/x",
                canonical_url="https://a.vn/x",
                source_name="Nguồn cũ",
                text="Bài có bằng chứng",
                content_hash="b" * 64,
                origin=PostOrigin.crawl,
                snapshot_id=old_evidence.id,
            )
        )
        old_done = CrawlRun(source_id=source.id, status=RunStatus.failed, started_at=old)
        old_running = CrawlRun(source_id=source.id, status=RunStatus.running, started_at=old)
        new_done = CrawlRun(source_id=source.id, status=RunStatus.succeeded)
        old_job = JobRun(job_id="x", job_name="x", status=JobRunStatus.failed, created_at=old)
        session.add_all([old_done, old_running, new_done, old_job])
        session.commit()

    run = _claimed(engine, "retention-cleanup")
    spec = load_jobs(SETTINGS)["retention-cleanup"]
    assert runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=run) == "succeeded"
    assert _stored(engine, run).result["deleted"] == {
        "crawl_runs": 1,
        "job_runs": 1,
        "snapshots": 1,
    }
    with Session(engine) as session:
        assert session.get(Snapshot, old_orphan.id) is None
        assert session.get(Snapshot, old_evidence.id) is not None
        assert session.get(Snapshot, recent.id) is not None
        assert session.get(CrawlRun, old_done.id) is None
        assert session.get(CrawlRun, old_running.id) is not None
        assert session.get(CrawlRun, new_done.id) is not None
        assert session.get(JobRun, old_job.id) is None
        assert session.get(JobRun, run.id) is not None

    # Nothing left to delete: a second run deletes nothing.
    again = _claimed(engine, "retention-cleanup")
    runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=again)
    assert _stored(engine, again).result["deleted"] == {
        "crawl_runs": 0,
        "job_runs": 0,
        "snapshots": 0,
    }


def test_crawl_run_sweep_fails_only_runs_nobody_finishes(engine: Engine) -> None:
    settings = OpsSettings(job_time_limit_seconds=600)
    with Session(engine, expire_on_commit=False) as session:
        source = Source(name="Nguồn B", kind=SourceKind.feed, url="https://b.vn/rss")
        session.add(source)
        session.flush()
        assert source.id is not None
        stuck = CrawlRun(source_id=source.id, started_at=utcnow() - timedelta(minutes=30))
        current = CrawlRun(source_id=source.id, started_at=utcnow() - timedelta(minutes=5))
        done = CrawlRun(
            source_id=source.id, status=RunStatus.succeeded, started_at=utcnow() - timedelta(days=1)
        )
        session.add_all([stuck, current, done])
        session.commit()
    run = _claimed(engine, "crawl-run-sweep")
    spec = load_jobs(settings)["crawl-run-sweep"]
    assert runner.execute(engine=engine, settings=settings, spec=spec, run=run) == "succeeded"
    assert _stored(engine, run).result == {"marked_failed": 1}
    with Session(engine) as session:
        statuses = {r.id: r.status for r in session.execute(select(CrawlRun)).scalars()}
        assert statuses == {
            stuck.id: RunStatus.failed,
            current.id: RunStatus.running,
            done.id: RunStatus.succeeded,
        }
        stored = session.get(CrawlRun, stuck.id)
        assert (
            stored is not None
            and stored.finished_at
            and "interrupted" in (stored.error_message or "")
        )


@pytest.fixture
def local_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteServer]:
    write_site(tmp_path / "site", sources=2, articles=3, crawl_delay=0)
    monkeypatch.setenv("VIGIL_CRAWL_SSRF_ALLOWLIST", "127.0.0.1")
    monkeypatch.setenv("VIGIL_CRAWL_DEFAULT_DELAY", "0")
    server = SiteServer(root=tmp_path / "site").start()
    yield server
    server.stop()


def test_crawl_job_is_idempotent_and_records_failures(
    engine: Engine, local_site: SiteServer
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        good = Source(
            name="Nguồn 1", kind=SourceKind.feed, url=f"{local_site.base_url}/s1/feed.rss"
        )
        gone = Source(
            name="Nguồn hỏng", kind=SourceKind.feed, url=f"{local_site.base_url}/khong-co.rss"
        )
        session.add_all([good, gone])
        session.commit()
    spec = load_jobs(SETTINGS)["crawl"]

    first = _claimed(engine, "crawl", source_id=good.id)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=first) == "succeeded"
    assert _stored(engine, first).result["new_posts"] == 3
    again = _claimed(engine, "crawl", source_id=good.id)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=again) == "succeeded"
    assert _stored(engine, again).result["new_posts"] == 0
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Post)).scalar_one() == 3

    broken = _claimed(engine, "crawl", source_id=gone.id)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=broken) == "failed"
    stored = _stored(engine, broken)
    assert stored.error and stored.result["status"] == "failed" and stored.result["crawl_run_id"]

    missing = _claimed(engine, "crawl", source_id=987654)
    assert runner.execute(engine=engine, settings=SETTINGS, spec=spec, run=missing) == "failed"
    assert "987654" in (_stored(engine, missing).error or "")


# -- the scheduler in this process ------------------------------------------------------------


def test_scheduler_applies_schedule_changes_and_runs_requested_jobs(ops_engine: Engine) -> None:
    with Session(ops_engine, expire_on_commit=False) as session:
        source = Source(name="Nguồn A", kind=SourceKind.feed, url="https://a.vn/rss")
        session.add(source)
        session.commit()
    assert source.id is not None
    service = SchedulerService(engine=ops_engine, settings=SETTINGS)
    service.start()
    try:
        wait_until(lambda: service.is_leader, timeout=10, what="leadership")

        def stored() -> dict[str, float | None]:
            with ops_engine.connect() as connection:
                rows = connection.execute(
                    select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time)
                )
                return {str(job_id): value for job_id, value in rows}

        with Session(ops_engine) as session:
            schedules_service.create(
                session=session,
                schedule_in=CrawlScheduleCreate(
                    source_id=source.id, kind=ScheduleKind.interval, interval_seconds=3600
                ),
            )
            session.commit()
        job_id = f"crawl:{source.id}"
        wait_until(lambda: stored().get(job_id) is not None, timeout=10, what="the crawl job")
        first_time = stored()[job_id]
        with Session(ops_engine) as session:
            schedules_service.set_paused(session=session, source_id=source.id, paused=True)
            session.commit()
        wait_until(
            lambda: job_id in stored() and stored()[job_id] is None, timeout=10, what="pause"
        )
        with Session(ops_engine) as session:
            schedules_service.update(
                session=session,
                source_id=source.id,
                schedule_in=schedules_service.CrawlScheduleUpdate(
                    paused=False, interval_seconds=7200
                ),
            )
            session.commit()
        wait_until(
            lambda: (stored().get(job_id) or 0) > (first_time or 0) + 3000,
            timeout=10,
            what="the new interval",
        )
        with Session(ops_engine) as session:
            schedules_service.delete(session=session, source_id=source.id)
            session.commit()
        wait_until(lambda: job_id not in stored(), timeout=10, what="the removal")
        assert "retention-cleanup" in stored()

        run = dispatch.request_run(
            engine=ops_engine, settings=SETTINGS, job_name="retention-cleanup"
        )
        wait_until(
            lambda: _stored(ops_engine, run).status == JobRunStatus.succeeded,
            timeout=10,
            what="the requested run",
        )
        assert _stored(ops_engine, run).owner == service.owner
    finally:
        service.stop()
    assert not service.is_leader


# -- workers and dispatch ------------------------------------------------------------------


def test_worker_skips_finished_runs_and_retakes_those_of_a_dead_worker(engine: Engine) -> None:
    queued = dispatch.request_run(engine=engine, settings=SETTINGS, job_name="retention-cleanup")
    assert queued.id is not None
    assert process_run(engine=engine, settings=SETTINGS, run_id=queued.id) == "succeeded"
    assert (
        process_run(engine=engine, settings=SETTINGS, run_id=queued.id) is None
    )  # delivered twice
    assert _stored(engine, queued).attempts == 1

    orphan = dispatch.request_run(engine=engine, settings=SETTINGS, job_name="retention-cleanup")
    assert orphan.id is not None
    runs.claim(engine=engine, run_id=orphan.id, owner="worker:dead:1", retake_running=False)
    assert process_run(engine=engine, settings=SETTINGS, run_id=orphan.id) == "succeeded"
    assert _stored(engine, orphan).attempts == 2
    assert process_run(engine=engine, settings=SETTINGS, run_id=999999) is None


def test_dispatch_with_redis_down_keeps_the_run_queued(engine: Engine) -> None:
    settings = OpsSettings(
        execution_mode="dramatiq", redis_url="redis://127.0.0.1:1/0", dramatiq_namespace="down"
    )
    with pytest.raises(Unavailable):
        dispatch.request_run(engine=engine, settings=settings, job_name="retention-cleanup")
    with Session(engine) as session:
        (run,) = session.execute(select(JobRun)).scalars().all()
        assert run.status == JobRunStatus.queued and run.dispatched_at is None
    with pytest.raises(NotFound):
        dispatch.request_run(engine=engine, settings=settings, job_name="no-such-job")
