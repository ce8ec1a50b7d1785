"""api/caches.py: per-process caches emptied when the rows they were read from change."""

import asyncio
import time
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session

from api.caches import ChangeCache
from models.cases import Case
from models.users import User
from tests.api.desk_helpers import change_case_behind_the_orms_back, seed_case


def test_an_entry_lives_for_its_time_and_no_longer() -> None:
    cache: ChangeCache[str] = ChangeCache(60, watches=(Case,))
    cache.put("a", "long", generation=cache.generation)
    cache.put("b", "short", generation=cache.generation, ttl=0.05)
    cache.put("c", "never", generation=cache.generation, ttl=0)
    assert cache.get("a") == "long" and cache.get("b") == "short" and cache.get("c") is None
    time.sleep(0.06)
    assert cache.get("b") is None and cache.get("a") == "long"


def test_a_read_overtaken_by_a_change_is_not_kept() -> None:
    cache: ChangeCache[str] = ChangeCache(60, watches=(Case,))
    generation = cache.generation
    cache.clear()  # a change landed while the reader was at the database
    cache.put("a", "stale", generation=generation)
    assert cache.get("a") is None


def test_a_disabled_cache_keeps_nothing() -> None:
    cache: ChangeCache[str] = ChangeCache(0, watches=(Case,))
    cache.put("a", "x", generation=cache.generation)
    assert cache.get("a") is None


def test_orm_changes_empty_only_the_caches_watching_them(engine: Engine) -> None:
    cases: ChangeCache[str] = ChangeCache(60, watches=(Case,))
    users: ChangeCache[str] = ChangeCache(60, watches=(User,))
    for cache in (cases, users):
        cache.put("k", "v", generation=cache.generation)
    case = seed_case(engine)  # an ORM insert of a case (and posts)
    assert cases.get("k") is None and users.get("k") == "v"

    cases.put("k", "v", generation=cases.generation)
    with Session(engine) as session:  # a bulk UPDATE through a session
        session.execute(update(Case).where(Case.id == case.id).values(priority=5.0))  # type: ignore[arg-type]
        session.commit()
    assert cases.get("k") is None and users.get("k") == "v"


def test_a_change_behind_the_orms_back_waits_for_the_time(engine: Engine) -> None:
    cache: ChangeCache[str] = ChangeCache(0.2, watches=(Case,))
    case = seed_case(engine)
    cache.put("k", "v", generation=cache.generation)
    change_case_behind_the_orms_back(engine, case.id, priority=9.0)
    assert cache.get("k") == "v"
    time.sleep(0.25)
    assert cache.get("k") is None


def test_concurrent_misses_share_one_computation() -> None:
    cache: ChangeCache[str] = ChangeCache(60, watches=(Case,))
    calls = 0

    async def compute() -> tuple[str, float | None]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return f"page {calls}", None

    async def many() -> list[str]:
        return await asyncio.gather(*(cache.fetch("k", compute) for _ in range(10)))

    assert asyncio.run(many()) == ["page 1"] * 10 and calls == 1


def test_a_failed_computation_is_not_shared_or_kept() -> None:
    cache: ChangeCache[str] = ChangeCache(60, watches=(Case,))
    calls = 0

    async def compute() -> tuple[str, float | None]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise ValueError("the database went away")
        return "page", None

    async def two() -> tuple[Any, ...]:
        return await asyncio.gather(
            cache.fetch("k", compute), cache.fetch("k", compute), return_exceptions=True
        )

    first, second = asyncio.run(two())
    # The first caller sees its error; the one waiting on it computed for itself.
    assert isinstance(first, ValueError) and second == "page" and calls == 2
    assert cache.get("k") == "page"
