"""The scheduler in this process: dramatiq mode only enqueues (and resends what was never
sent); on PostgreSQL a leader whose lock connection dies steps down and leads again."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from api.ops.registry import JobContext, JobSpec
from api.ops.settings import OpsSettings
from api.scheduler import SchedulerService
from models.schedules import JobRun, JobRunStatus
from models.types import utcnow
from tests.ops.conftest import IS_POSTGRES, REDIS_URL, wait_until

THIS_DATABASE = "(SELECT oid FROM pg_database WHERE datname = current_database())"


def _never_runs_here(ctx: JobContext) -> None:
    raise AssertionError("dramatiq mode must not run jobs in the scheduler")


@pytest.fixture
def redis_client() -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.mark.redis
def test_dramatiq_mode_enqueues_and_resends_unsent_runs(
    ops_engine: Engine, redis_client: Any
) -> None:
    namespace = f"vigil-test-{uuid.uuid4().hex[:8]}"
    settings = OpsSettings(
        execution_mode="dramatiq",
        redis_url=REDIS_URL,
        dramatiq_namespace=namespace,
        reconcile_seconds=0.2,
        takeover_seconds=0.6,
    )
    with Session(ops_engine, expire_on_commit=False) as session:
        # Recorded long ago but never sent (Redis was down, or the leader died meanwhile).
        stranded = JobRun(
            job_id="retention-cleanup",
            job_name="retention-cleanup",
            trigger="manual",
            created_at=utcnow() - timedelta(minutes=5),
        )
        session.add(stranded)
        session.commit()
    service = SchedulerService(engine=ops_engine, settings=settings)
    service.registry = {
        **service.registry,
        "every-second": JobSpec(
            name="every-second", func=_never_runs_here, every=timedelta(seconds=1)
        ),
    }
    service.start()
    try:

        def queued_runs() -> list[JobRun]:
            with Session(ops_engine) as session:
                return list(
                    session.execute(
                        select(JobRun).where(col(JobRun.job_id) == "every-second")
                    ).scalars()
                )

        wait_until(lambda: len(queued_runs()) >= 2, timeout=20, what="two enqueued fires")
        with Session(ops_engine) as session:
            resent = session.get(JobRun, stranded.id)
            assert resent is not None and resent.dispatched_at is not None
    finally:
        service.stop()
    runs = queued_runs()
    assert all(r.status == JobRunStatus.queued and r.dispatched_at for r in runs)
    assert all(r.scheduled_for is not None for r in runs)
    waiting = redis_client.llen(f"{namespace}:{settings.dramatiq_queue}")
    assert waiting == len(runs) + 1  # every fire and the resent run, each sent once
    for key in redis_client.scan_iter(f"{namespace}*"):
        redis_client.delete(key)


@pytest.mark.postgres
@pytest.mark.skipif(
    not IS_POSTGRES, reason="advisory locks need VIGIL_TEST_DATABASE_URL=postgresql"
)
def test_leader_that_loses_its_lock_connection_steps_down_and_leads_again(
    ops_engine: Engine,
) -> None:
    settings = OpsSettings(reconcile_seconds=0.2, takeover_seconds=0.6)
    service = SchedulerService(engine=ops_engine, settings=settings)
    service.start()
    try:
        wait_until(lambda: service.terms == 1, timeout=20, what="leadership")
        with ops_engine.connect() as connection:
            holders = (
                connection.execute(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        f"AND database = {THIS_DATABASE}"
                    )
                )
                .scalars()
                .all()
            )
            assert len(holders) == 1
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holders[0]})
            connection.commit()
        wait_until(lambda: service.terms == 2, timeout=20, what="leading again on a new connection")
        assert service.is_leader
    finally:
        service.stop()
    with ops_engine.connect() as connection:
        left = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                f"AND database = {THIS_DATABASE}"
            )
        ).scalar_one()
    assert left == 0  # released on stop
