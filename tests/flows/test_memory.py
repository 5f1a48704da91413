"""The flow's processes and their memory: the cyclic collector runs less often where documents are
cleaned, and the flow process gives the clustering's freed heap back to the system before the report."""

from __future__ import annotations

import gc
import sys

import pytest

from flows import memory


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim and /proc are glibc and Linux")
def test_freed_heap_pages_are_returned_to_the_system() -> None:
    # 200 MB of heap blocks of 20 kB (several pages each, under malloc's mmap threshold), each followed
    # by a small block that stays alive: freeing the big ones leaves holes that free() itself keeps
    # mapped; give_back() returns their pages. (Holes smaller than a page hold no page to return, so
    # with smaller blocks the test would depend on how the heap happened to be laid out.)
    big, keep = [], []
    for i in range(10_000):
        big.append(bytes(20_000) + bytes([i % 256]))
        keep.append(bytes(600) + bytes([i % 256]))
    del big
    freed = _rss()
    memory.give_back()
    assert freed - _rss() > 150 * 2**20  # of the 200 MB freed; free() alone returns about 1 MB here
    assert len(keep) == 10_000


def test_the_processes_that_clean_collect_less() -> None:
    """Pool workers start with the thresholds; a batch run inline (one worker, or inside another
    engine's worker) sets them in its process."""
    from flows import workers

    before = gc.get_threshold()
    assert memory.THRESHOLDS != (700, 10, 10)  # Python's own
    try:
        assert workers.run(2, gc.get_threshold) == memory.THRESHOLDS
        gc.set_threshold(700, 10, 10)
        assert workers.run(1, gc.get_threshold) == memory.THRESHOLDS
    finally:
        gc.set_threshold(*before)
        workers.shutdown()


def test_the_processes_that_clean_put_arrays_on_small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pool workers start without numpy's huge-page requests, an inline batch turns them off in its
    process, and a user's own setting of the variable is kept."""
    from flows import workers

    before = memory.huge_pages()
    if before is None:
        pytest.skip("this numpy has no huge-page switch")
    monkeypatch.delenv(memory.HUGE_PAGES_ENV, raising=False)
    workers.shutdown()
    try:
        assert workers.run(2, memory.huge_pages) is False
        memory._huge_page_switch()(True)
        assert workers.run(1, memory.huge_pages) is False
        monkeypatch.setenv(memory.HUGE_PAGES_ENV, "1")
        memory._huge_page_switch()(True)
        memory.start_process()
        assert memory.huge_pages() is True
    finally:
        memory._huge_page_switch()(before)
        workers.shutdown()
