"""Keeping CPython's cyclic garbage collector off a crawl's long-lived objects.

A full (oldest-generation) collection walks every container object the process holds. A
crawl process holds many that live as long as it does: imported modules, ORM and HTTP
machinery, and above all the near-duplicate index, kept per process between crawls
(crawlers/store.py), at about 26 tracked objects a post. With 100,000 posts in the index one
full collection takes 0.6 s, during which the event loop (and every other crawl thread, by
the GIL) stands still; the collector runs one each time the long-lived objects grow by a
quarter, which a crawl that loads or adds posts keeps doing. On the bench's 3,000-page crawl
into an empty database, full collections took 0.2 s of the crawl process's 3.7 s of CPU.

``frozen_heap()`` moves the objects that exist when a crawl starts to the collector's
permanent generation (``gc.freeze``), which collections skip, and gives them back
(``gc.unfreeze``) when no crawl is running any more, so cyclic garbage among them is still
collected then. Objects made during the crawl are collected as usual.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the heap for the duration of the block, across concurrent crawls of one
    process: the first to enter freezes, the last to leave unfreezes."""
    global _holders
    with _lock:
        _holders += 1
        if _holders == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.unfreeze()
