"""The flow's processes and their memory: a cyclic garbage collector that runs less often
(`collect_less`), numpy arrays on ordinary pages (`small_pages`), both set up by `start_process` in
every process that cleans, and freed memory given back to the system between the flow's phases
(`give_back`).

The flow process holds every signature while it clusters (a million paragraphs: about 1.8 GiB), then
writes the report while a worker builds the dataset export. CPython frees the clustering's objects, but
glibc keeps most freed heap pages mapped (a small object still alive above them pins the heap's top),
so the process would carry them into the report phase, where the process tree is at its peak.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from cleaners import clib

# The cyclic collector's thresholds in the processes that clean: young objects allocated before a
# collection, young collections before a middle one, middle ones before a full one. With Python's
# (700, 10, 10) a worker runs a full collection of its heap (rule tables, caches, a batch's documents:
# about 80 ms) every few seconds, a tenth of its time on 3,000 bench files; with these, well under a
# hundredth. Documents, paragraphs and events hold no reference cycles, so nothing waits longer to be
# freed but the few objects that do (a traceback), which are still collected.
THRESHOLDS = (10_000, 10, 100)


def collect_less() -> None:
    """Set `THRESHOLDS` in this process (worker processes start with it; inline batches set it)."""
    gc.set_threshold(*THRESHOLDS)


# numpy's switch for asking the kernel for huge pages (`madvise`) on arrays of 4 MB or more.
HUGE_PAGES_ENV = "NUMPY_MADVISE_HUGEPAGE"


def small_pages() -> None:
    """Arrays on ordinary 4 kB pages in this process and the processes it starts, unless the user set
    `HUGE_PAGES_ENV` (numpy asks for huge pages by default).

    Why: where the kernel finds no free huge page for such a request, it compacts memory in the
    faulting thread ("defrag" = madvise, common); on the machine measured a fresh 0.5 GB array took
    1.9 to 3.3 s to fill instead of 0.2 s, and the clustering of a million paragraphs, which makes
    a few arrays of that size, 14.4 s instead of 9.7. Where huge pages come free, they save less
    than that (0.1 s per 0.5 GB filled)."""
    os.environ.setdefault(HUGE_PAGES_ENV, "0")  # read by numpy when a started process imports it
    switch = _huge_page_switch()
    if switch is not None and os.environ[HUGE_PAGES_ENV] == "0":
        switch(False)


def huge_pages() -> bool | None:
    """Whether numpy asks for huge pages in this process (None: this numpy has no switch)."""
    switch = _huge_page_switch()
    if switch is None:
        return None
    before = switch(True)  # the switch answers with its previous state
    switch(before)
    return bool(before)


def _huge_page_switch() -> Any:
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1 reads the variable on import only
        return None
    return getattr(multiarray, "_set_madvise_hugepage", None)


def start_process() -> None:
    """What a process that cleans sets first (pool workers start with it; inline batches and the
    flow process call it): `collect_less` and `small_pages`."""
    collect_less()
    small_pages()


def give_back() -> None:
    """Collect garbage, then return the free pages of the C heap to the system (`malloc_trim`, glibc
    only; elsewhere the collection alone)."""
    gc.collect()
    trim = clib.function("malloc_trim")
    if trim is not None:
        trim(0)
