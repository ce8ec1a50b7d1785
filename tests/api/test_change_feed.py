"""api/change_feed.py: on PostgreSQL a change committed by another process empties this
process's caches at once; without a connection the caches fall back to their expiry."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.caches import ChangeCache
from api.change_feed import ChangeFeed
from api.settings import ApiSettings
from models.cases import Case
from models.db import make_engine
from models.enums import Role
from models.settings import CoreSettings
from models.users import User
from tests.api.desk_helpers import change_case_behind_the_orms_back, make_staff, seed_case
from tests.conftest import TEST_DATABASE_URL

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="NOTIFY needs VIGIL_TEST_DATABASE_URL=postgresql",
)


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.mark.postgres
@needs_postgres
def test_a_change_committed_elsewhere_empties_the_caches_watching_it(engine: Engine) -> None:
    case = seed_case(engine)
    feed = ChangeFeed(engine)
    feed.start()
    try:
        assert wait_until(lambda: feed.listening)
        cases: ChangeCache[str] = ChangeCache(300, watches=(Case,))
        users: ChangeCache[str] = ChangeCache(300, watches=(User,))
        for cache in (cases, users):
            cache.put("k", "v", generation=cache.generation)
        change_case_behind_the_orms_back(engine, case.id, title="Sau")
        assert wait_until(lambda: cases.get("k") is None)
        assert users.get("k") == "v"  # a change to cases leaves the users' cache alone
    finally:
        started = time.monotonic()
        feed.stop()
        assert time.monotonic() - started < 1.0  # woken, not left to its next poll


@pytest.mark.postgres
@needs_postgres
def test_the_queue_shows_a_change_made_by_another_process_at_once(
    engine: Engine, api_settings: ApiSettings, tmp_path: Path
) -> None:
    settings = api_settings.model_copy(update={"queue_cache_seconds": 300})
    app = create_app(settings=settings, core=CoreSettings(data_dir=tmp_path), engine=engine)
    monitor = make_staff(engine, settings, Role.monitor)
    case = seed_case(engine, title="Trước")
    with TestClient(app) as client:

        def title() -> str:
            return str(client.get("/cases", headers=monitor.headers).json()["items"][0]["title"])

        assert title() == "Trước"
        change_case_behind_the_orms_back(engine, case.id, title="Sau")
        # Within 300 s of cache time, the notification is what brings the change.
        assert wait_until(lambda: title() == "Sau")


def test_a_feed_that_cannot_connect_keeps_trying_and_stops_on_request() -> None:
    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/vigil")
    feed = ChangeFeed(unreachable, poll_seconds=0.1)
    cache: ChangeCache[str] = ChangeCache(0.2, watches=(Case,))
    feed.start()
    try:
        cache.put("k", "v", generation=cache.generation)
        time.sleep(0.3)
        assert not feed.listening
        assert cache.get("k") is None  # expired as usual: nothing heard, nothing kept longer
    finally:
        started = time.monotonic()
        feed.stop()
        assert time.monotonic() - started < 2.0
        unreachable.dispose()
