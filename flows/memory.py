"""Giving freed memory back to the system between the flow's phases.

The flow process holds every signature while it clusters (a million paragraphs: about 1.8 GiB), then
writes the report while a worker builds the dataset export. CPython frees the clustering's objects, but
glibc keeps most freed heap pages mapped (a small object still alive above them pins the heap's top),
so the process would carry them into the report phase, where the process tree is at its peak.
"""

from __future__ import annotations

import gc

from cleaners import clib


def give_back() -> None:
    """Collect garbage, then return the free pages of the C heap to the system (`malloc_trim`, glibc
    only; elsewhere the collection alone)."""
    gc.collect()
    trim = clib.function("malloc_trim")
    if trim is not None:
        trim(0)
