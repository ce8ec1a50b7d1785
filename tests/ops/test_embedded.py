"""Embedded mode: the API process runs the scheduler when asked (what `vigil serve` does)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app, serve_app
from api.ops.settings import OpsSettings
from api.scheduler import leader_lock
from api.settings import ApiSettings
from models.schedules import scheduler_jobs
from tests.ops.conftest import wait_until


def _stored_ids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {str(i) for i in connection.execute(select(scheduler_jobs.c.id)).scalars()}


def test_app_runs_the_scheduler_only_when_asked(ops_engine: Engine) -> None:
    settings = ApiSettings(env="test", secret_key="s" * 40)
    ops = OpsSettings(reconcile_seconds=0.2, takeover_seconds=0.6)
    with TestClient(create_app(settings=settings, engine=ops_engine, ops=ops)) as client:
        assert client.get("/healthz").status_code == 200
    assert _stored_ids(ops_engine) == set()  # tests and API replicas: no scheduler

    app = create_app(settings=settings, engine=ops_engine, ops=ops, run_scheduler=True)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        wait_until(
            lambda: "retention-cleanup" in _stored_ids(ops_engine),
            timeout=20,
            what="the embedded scheduler to lead",
        )
        # While it leads, nobody else gets the leader lock.
        other = leader_lock(ops_engine, ops)
        assert not other.acquire()
    # Stopped with the app: the lock is free for the next scheduler.
    assert other.acquire()
    other.release()


def test_serve_app_follows_the_setting(
    monkeypatch: pytest.MonkeyPatch, ops_database: str, ops_engine: Engine
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", ops_database)
    monkeypatch.setenv("VIGIL_SCHEDULER_IN_API", "false")
    with TestClient(serve_app()) as client:
        assert client.get("/healthz").status_code == 200
    assert _stored_ids(ops_engine) == set()
