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

A process that froze its heap itself keeps it as it is: the API freezes what it built at
start-up (api/app.py), and unfreezing, which gives back every frozen object, would undo
that for good. There crawls freeze nothing (their index is walked as before).
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_owned = False  # whether the crawls froze the heap (and so may unfreeze it)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the heap for the duration of the block, across concurrent crawls of one
    process: the first to enter freezes, the last to leave unfreezes; neither when the
    heap was frozen by someone else."""
    global _holders, _owned
    with _lock:
        _holders += 1
        if _holders == 1:
            _owned = gc.get_freeze_count() == 0
            if _owned:
                gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _owned:
                gc.unfreeze()
                _owned = False
