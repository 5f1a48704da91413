"""The flow process gives the clustering's freed heap back to the system before the report phase."""

from __future__ import annotations

import sys

import pytest

from flows import memory


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim and /proc are glibc and Linux")
def test_freed_heap_pages_are_returned_to_the_system() -> None:
    # 200 MB of heap blocks, each followed by a small block that stays alive: freeing the big ones
    # leaves holes that free() itself keeps mapped; give_back() returns their pages.
    big, keep = [], []
    for i in range(100_000):
        big.append(bytes(2000) + bytes([i % 256]))
        keep.append(bytes(600) + bytes([i % 256]))
    del big
    freed = _rss()
    memory.give_back()
    assert freed - _rss() > 60 * 2**20  # of the 200 MB freed; free() alone returns about 1 MB here
    assert len(keep) == 100_000
