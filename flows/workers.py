"""Worker processes for the per-document passes: Python threads would share one core, and a
process can be stopped when a document runs away."""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_POOL: ProcessPoolExecutor | None = None
_SIZE = 0


def worker_count(requested: int) -> int:
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def _pool(size: int) -> ProcessPoolExecutor:
    global _POOL, _SIZE
    if _POOL is None or _SIZE != size:
        shutdown()
        # spawn: the flow process runs Prefect's threads, which fork would copy mid-flight.
        _POOL = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"))
        _SIZE = size
    return _POOL


def run(workers: int, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a worker process, or inline when one worker is asked for."""
    size = worker_count(workers)
    if size == 1:
        return fn(*args)
    return _pool(size).submit(fn, *args).result()


def shutdown() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


atexit.register(shutdown)
