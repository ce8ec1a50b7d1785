"""A per-client token bucket, in process (enough for the embedded single-process mode;
several web workers would each keep their own buckets)."""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from models.errors import RateLimited


class TokenBucket:
    """`capacity` requests at once per key, refilled at `refill_per_second`.

    take(key) spends one token or raises RateLimited with the seconds until the next one.
    At most `max_keys` clients are remembered; the least recently seen are forgotten first.
    """

    def __init__(
        self,
        *,
        capacity: int,
        refill_per_second: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.pop(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - last) * self.refill_per_second)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.refill_per_second)
                raise RateLimited(
                    f"Bạn gửi quá nhiều phản ánh. Hãy thử lại sau {wait} giây.",
                    f"Too many reports. Try again in {wait} seconds.",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1.0, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
