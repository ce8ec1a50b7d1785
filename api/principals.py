"""Who a bearer token's user is, remembered for a few seconds per process.

Every staff request needs the user's role and active flag; reading them from the database each
time is one more round trip on the hottest routes. The cache keeps them `ttl` seconds, and any
change to a user or a partner (suspending a partner shuts out its people) written through a
session in this process (an ORM flush, or an UPDATE or DELETE statement run by a session)
empties every cache at once, so a deactivation or a role change here takes effect
immediately; one made by another process (a second worker, the
CLI) or by a bare connection takes effect within `ttl`.

The caches are emptied both when the change is flushed and when it is committed: a request
that read the user between the two saw the old row, and must not keep it. A reader takes
`generation` before it reads the database and stores what it read only if no emptying
happened meanwhile.
"""

import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from models.partners import Partner
from models.users import User

_caches: "weakref.WeakSet[PrincipalCache]" = weakref.WeakSet()
_USERS_CHANGED = "vigil_users_changed"


class PrincipalCache:
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        _caches.add(self)

    @property
    def generation(self) -> int:
        """Take this before reading a user; pass it to `put` with what was read."""
        return self._generation

    def get(self, user_id: int) -> Any | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        expires, principal = entry
        if time.monotonic() >= expires:
            return None
        return principal

    def put(self, user_id: int, principal: Any, *, generation: int) -> None:
        """Remember `principal`, unless users changed since `generation` was taken."""
        if self.ttl <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return  # read before a change this process made: may be stale
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[user_id] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def forget_all() -> None:
    for cache in list(_caches):
        cache.clear()


@event.listens_for(OrmSession, "after_flush")
def _forget_flushed_users(session: OrmSession, _context: Any) -> None:
    # The new/dirty/deleted collections still hold what this flush wrote.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User | Partner):
            session.info[_USERS_CHANGED] = True
            forget_all()
            return


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_users_updated_in_bulk(state: ORMExecuteState) -> None:
    # update(User) / delete(User) run through a session never reach after_flush.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in (User, Partner) for mapper in state.all_mappers
    ):
        state.session.info[_USERS_CHANGED] = True
        forget_all()


@event.listens_for(OrmSession, "after_commit")
def _forget_committed_users(session: OrmSession) -> None:
    if session.info.pop(_USERS_CHANGED, False):
        forget_all()
