"""Who a bearer token's user is, remembered for a few seconds per process.

Every staff request needs the user's role and active flag; reading them from the database each
time is one more round trip on the hottest routes. The cache keeps them `ttl` seconds, and any
change to a user flushed through the ORM in this process empties every cache at once, so a
deactivation or a role change here takes effect immediately; one made by another process (a
second worker, the CLI) takes effect within `ttl`.
"""

import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from models.users import User

_caches: "weakref.WeakSet[PrincipalCache]" = weakref.WeakSet()


class PrincipalCache:
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, user_id: int) -> Any | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        expires, principal = entry
        if time.monotonic() >= expires:
            return None
        return principal

    def put(self, user_id: int, principal: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[user_id] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_all() -> None:
    for cache in list(_caches):
        cache.clear()


@event.listens_for(OrmSession, "after_flush")
def _forget_changed_users(session: OrmSession, _context: Any) -> None:
    # The new/dirty/deleted collections still hold what this flush wrote.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            forget_all()
            return
