"""Slowing password guessing: failed logins are counted per account name and client, and per
client, and a caller over the limit is refused (429 with Retry-After) until the oldest failure
in the window has aged out.

Counting per (account, client) rather than per account alone means someone guessing another
person's password from elsewhere cannot lock that person out; the per-client count catches one
client trying many accounts. A successful login clears its (account, client) count. Counts live
in the process (several web workers each keep their own), like the other caches in api/.
"""

from __future__ import annotations

import math
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable

from models.errors import RateLimited


class LoginGuard:
    def __init__(
        self,
        *,
        max_failures: int,
        max_client_failures: int,
        window_seconds: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_client_failures = max_client_failures
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, client: str | None) -> tuple[str, str]:
        name = unicodedata.normalize("NFC", username.strip()).casefold()
        where = client or "?"
        return f"account:{name}\x00{where}", f"client:{where}"

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def check(self, username: str, client: str | None) -> None:
        """Raise RateLimited if this caller may not try a password now."""
        if self.max_failures <= 0:
            return
        account, source = self._keys(username, client)
        with self._lock:
            now = self.clock()
            for key, limit in ((account, self.max_failures), (source, self.max_client_failures)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(1, math.ceil(times[len(times) - limit] + self.window - now))
                    minutes = math.ceil(wait / 60)
                    raise RateLimited(
                        f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.",
                        f"Too many failed logins. Try again in {minutes} minutes.",
                        retry_after=wait,
                    )

    def failed(self, username: str, client: str | None) -> None:
        if self.max_failures <= 0:
            return
        with self._lock:
            now = self.clock()
            for key in self._keys(username, client):
                times = self._failures.pop(key, None) or deque()
                times.append(now)
                # Only the newest failures up to the larger limit can ever matter.
                while len(times) > max(self.max_failures, self.max_client_failures):
                    times.popleft()
                self._failures[key] = times
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, username: str, client: str | None) -> None:
        account, _ = self._keys(username, client)
        with self._lock:
            self._failures.pop(account, None)
