"""The heap is frozen while crawls run and given back to the collector after the last."""

import gc
import threading
import weakref

import pytest

from crawlers.heap import frozen_heap


@pytest.fixture(autouse=True)
def _unfrozen() -> None:
    assert gc.get_freeze_count() == 0, "a test left the heap frozen"


def test_freezes_what_exists_and_gives_it_back():
    kept = [[i] for i in range(1000)]  # long-lived containers, as an index holds
    with frozen_heap():
        assert gc.get_freeze_count() >= len(kept)
        made_during = [[i] for i in range(10)]
        assert all(gc.is_tracked(x) for x in made_during)
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_made_during_the_crawl_is_still_collected():
    class Node:
        pass

    collected = threading.Event()
    with frozen_heap():
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        weakref.finalize(a, collected.set)
        del a, b
        gc.collect()
        assert collected.is_set()


def test_overlapping_crawls_unfreeze_when_the_last_one_ends():
    first, second = frozen_heap(), frozen_heap()
    first.__enter__()
    frozen = gc.get_freeze_count()
    second.__enter__()
    # The second crawl froze nothing more (frozen objects can only die meanwhile).
    assert gc.get_freeze_count() <= frozen
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() > 0  # the second crawl still runs
    second.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0


def test_a_failing_crawl_unfreezes_too():
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0
    with frozen_heap():  # and the next crawl freezes again
        assert gc.get_freeze_count() > 0


def test_a_heap_frozen_by_the_process_itself_stays_frozen():
    gc.freeze()  # as the API does with what it built at start-up
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            assert gc.get_freeze_count() <= frozen  # nothing more frozen
        # The crawl did not give the app's objects back (a few may have died meanwhile).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
    with frozen_heap():  # and once the process unfroze it, crawls freeze again
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
