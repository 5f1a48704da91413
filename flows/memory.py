"""The flow's processes and their memory: a cyclic garbage collector that runs less often
(`collect_less`), and freed memory given back to the system between the flow's phases (`give_back`).

The flow process holds every signature while it clusters (a million paragraphs: about 1.8 GiB), then
writes the report while a worker builds the dataset export. CPython frees the clustering's objects, but
glibc keeps most freed heap pages mapped (a small object still alive above them pins the heap's top),
so the process would carry them into the report phase, where the process tree is at its peak.
"""

from __future__ import annotations

import gc

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


def give_back() -> None:
    """Collect garbage, then return the free pages of the C heap to the system (`malloc_trim`, glibc
    only; elsewhere the collection alone)."""
    gc.collect()
    trim = clib.function("malloc_trim")
    if trim is not None:
        trim(0)
