"""Worker processes for the per-document passes: Python threads would share one core, and a
process can be killed when a document runs away where no signal reaches it (C code)."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import Any, TypeVar

from flows import memory

T = TypeVar("T")
# Set (to anything non-empty) in processes that are workers of another engine, e.g. Dask: a batch runs
# inline there, since that engine already spreads batches over processes and machines.
INLINE_ENV = "CORPUSCLEAN_INLINE_WORKERS"
_POOL: ProcessPoolExecutor | None = None
_SIZE = 0
_LOCK = threading.Lock()


class WorkerTimeout(Exception):
    """A batch outlived its time limit; its worker processes were killed."""


def worker_count(requested: int) -> int:
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def _pool(size: int) -> ProcessPoolExecutor:
    global _POOL, _SIZE
    with _LOCK:
        if _POOL is None or _SIZE != size:
            _shutdown_locked(kill=False)
            # spawn: the flow process runs Prefect's threads, which fork would copy mid-flight.
            _POOL = ProcessPoolExecutor(
                max_workers=size, mp_context=multiprocessing.get_context("spawn"), initializer=memory.start_process
            )
            _SIZE = size
        return _POOL


def inline() -> bool:
    """Whether batches run in the calling process: in a Dask worker (or when INLINE_ENV says so)."""
    if os.environ.get(INLINE_ENV):
        return True
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def run(workers: int, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """Run `fn(*args)` in a worker process, or inline when one worker is asked for or inside another
    engine's worker (no time limit then: that engine owns the process).

    Past `timeout` seconds the pool's processes are killed (a thread cannot be stopped) and
    WorkerTimeout is raised; the next call starts a fresh pool.
    """
    size = worker_count(workers)
    if size == 1 or inline():
        memory.start_process()  # this process cleans too: the flow's with one worker, or another engine's
        return fn(*args)
    # Every batch of a phase is submitted at once (one thread each); only as many as there are workers
    # are handed to the pool at a time, so a batch's time limit counts from its start, not from a wait
    # behind the rest of the corpus. The others block here without using the CPU.
    with _slots(size):
        pool = _pool(size)
        future = pool.submit(fn, *args)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout as exc:
            with _LOCK:
                if _POOL is pool:
                    _shutdown_locked(kill=True)
            raise WorkerTimeout(f"no result after {timeout:g} s") from exc


class Offload(Executor):
    """An executor whose calls run in a worker process (`run`), each waited on by a thread of its own:
    the caller goes on with its own work meanwhile (the report, while a worker builds the export)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._threads = ThreadPoolExecutor(max_workers=1)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self._threads.submit(run, self._workers, partial(fn, **kwargs) if kwargs else fn, *args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)


_SLOTS: dict[int, threading.BoundedSemaphore] = {}


def _slots(size: int) -> threading.BoundedSemaphore:
    with _LOCK:
        if size not in _SLOTS:
            _SLOTS[size] = threading.BoundedSemaphore(size)
        return _SLOTS[size]


def _shutdown_locked(kill: bool) -> None:
    global _POOL
    if _POOL is None:
        return
    if kill:
        for proc in list(getattr(_POOL, "_processes", {}).values()):
            proc.kill()
    _POOL.shutdown(wait=not kill, cancel_futures=True)
    _POOL = None


def shutdown() -> None:
    with _LOCK:
        _shutdown_locked(kill=False)


atexit.register(shutdown)
