"""Per-process caches of what was read from the database, emptied when those rows change.

A cache names the models its entries were read from (`watches`). Any change to one of them
written through a session in this process (an ORM flush, or an UPDATE or DELETE statement run
by a session) empties every cache watching that model at once, so a change made here is seen
by the next request. A change made by another process (a second worker, the CLI, a job
worker) or by a bare connection is seen within the cache's `ttl`, or at once on PostgreSQL,
where api/change_feed.py hears it.

The caches are emptied both when the change is flushed and when it is committed: a request
that read the rows between the two saw the old ones, and must not keep them. A reader takes
`generation` before it reads the database and stores what it read only if no emptying
happened meanwhile.

`fetch` also lets concurrent requests for a missing entry share one computation, and
entries live a little less than `ttl` at random, so entries filled together do not all
expire, and get recomputed, in the same instant.
"""

import asyncio
import random
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

V = TypeVar("V")

_caches: "weakref.WeakSet[ChangeCache[Any]]" = weakref.WeakSet()
_CHANGED = "vigil_changed_models"


class ChangeCache(Generic[V]):
    def __init__(self, ttl: float, *, watches: tuple[type, ...], max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.watches = frozenset(watches)
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._flights: dict[Hashable, asyncio.Future[V]] = {}
        _caches.add(self)

    @property
    def generation(self) -> int:
        """Take this before reading the database; pass it to `put` with what was read."""
        return self._generation

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if time.monotonic() >= expires:
            return None
        return value

    def put(self, key: Hashable, value: V, *, generation: int, ttl: float | None = None) -> None:
        """Remember `value` for `ttl` (at most the cache's own), unless the watched models
        changed since `generation` was taken."""
        keep = self.ttl if ttl is None else min(ttl, self.ttl)
        if keep <= 0:
            return
        keep *= random.uniform(0.8, 1.0)
        with self._lock:
            if generation != self._generation:
                return  # read before a change this process made: may be stale
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + keep, value)

    async def fetch(
        self, key: Hashable, compute: Callable[[], Awaitable[tuple[V, float | None]]]
    ) -> V:
        """The entry for `key`, or what `compute` returns (the value and how long it stays
        true, None for `ttl`), computed once for all the callers that ask meanwhile.
        A cache turned off (`ttl` 0) computes for every caller."""
        if self.ttl <= 0:
            return (await compute())[0]
        value = self.get(key)
        if value is not None:
            return value
        flight = self._flights.get(key)
        if flight is not None:
            await asyncio.wait([flight])  # never raises: a failed flight is retried below
            if not flight.cancelled() and flight.exception() is None:
                return flight.result()
        generation = self.generation
        flight = asyncio.get_running_loop().create_future()
        flight.add_done_callback(_consume)
        self._flights[key] = flight
        try:
            value, ttl = await compute()
        except BaseException:
            flight.cancel()  # the callers waiting on it compute for themselves
            raise
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
        self.put(key, value, generation=generation, ttl=ttl)
        flight.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def _consume(flight: "asyncio.Future[Any]") -> None:
    # A cancelled flight nobody waited for is not an error worth a warning.
    if not flight.cancelled():
        flight.exception()


def forget(models: set[type]) -> None:
    """Empty every cache that watches one of `models` (or a base class of one)."""
    for cache in list(_caches):
        if any(issubclass(model, watched) for model in models for watched in cache.watches):
            cache.clear()


def forget_table(name: str) -> None:
    """Empty every cache that watches the model stored in table `name`."""
    models = {
        model
        for cache in list(_caches)
        for model in cache.watches
        if getattr(getattr(model, "__table__", None), "name", None) == name
    }
    if models:
        forget(models)


def forget_everything() -> None:
    for cache in list(_caches):
        cache.clear()


def _watched(classes: set[type]) -> set[type]:
    watched = set().union(*(cache.watches for cache in list(_caches)))
    return {c for c in classes if any(issubclass(c, w) for w in watched)}


def _note(session: OrmSession, classes: set[type]) -> None:
    changed = _watched(classes)
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)
        forget(changed)


@event.listens_for(OrmSession, "after_flush")
def _forget_flushed(session: OrmSession, _context: Any) -> None:
    # The new/dirty/deleted collections still hold what this flush wrote.
    _note(session, {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)})


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_bulk(state: ORMExecuteState) -> None:
    # update(Model) / delete(Model) run through a session never reach after_flush.
    if state.is_update or state.is_delete:
        _note(state.session, {mapper.class_ for mapper in state.all_mappers})


@event.listens_for(OrmSession, "after_commit")
def _forget_committed(session: OrmSession) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        forget(changed)
