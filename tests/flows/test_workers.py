"""The worker pool: a time limit counts from when a worker takes a batch, not from when it was
queued; batches keep every worker busy."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from flows import workers


def test_queued_batches_are_not_timed_out_by_their_wait() -> None:
    # 10 batches of 1 s on 2 workers: the last ones wait about 4 s in the queue, longer than their
    # 3 s limit, and must still finish (only as many batches as workers are handed to the pool at once).
    try:
        workers.run(2, time.sleep, 0.0, timeout=60.0)  # the pool's processes are up before the clock matters
        with ThreadPoolExecutor(max_workers=10) as threads:
            futures = [threads.submit(workers.run, 2, time.sleep, 1.0, timeout=3.0) for _ in range(10)]
            assert [f.result() for f in futures] == [None] * 10
    finally:
        workers.shutdown()


def test_a_batch_past_its_limit_is_killed() -> None:
    try:
        t = time.perf_counter()
        try:
            workers.run(2, time.sleep, 30, timeout=1.0)
        except workers.WorkerTimeout:
            pass
        else:
            raise AssertionError("no WorkerTimeout")
        assert time.perf_counter() - t < 15
    finally:
        workers.shutdown()


def test_offloaded_calls_run_in_a_worker_process_while_the_caller_goes_on() -> None:
    """`Offload` (the report's export build): the call runs in another process, the caller's thread is
    free meanwhile, and the call's error reaches the caller."""
    try:
        with workers.Offload(2) as offload:
            future = offload.submit(os.getpid)
            sleeping = offload.submit(time.sleep, 1.0)
            assert not sleeping.done()  # submit returned before the call ended
            assert future.result(timeout=60) != os.getpid()
            assert sleeping.result(timeout=60) is None
            failing = offload.submit(int, "not a number")
            with pytest.raises(ValueError, match="not a number"):
                failing.result(timeout=60)
    finally:
        workers.shutdown()


def test_batches_cover_every_item_in_order_and_keep_workers_busy() -> None:
    from flows.clean_corpus import _batches

    items = list(range(1000))
    for size, n_workers, per_worker, expected in [
        (256, 2, 4, 125),
        (256, 1, 4, 250),
        (64, 2, 4, 64),
        (100_000, 3, 4, 84),
        (2048, 2, 2, 250),
    ]:
        got = _batches(items, size, n_workers, per_worker)
        assert [x for _, b in got for x in b] == items
        assert max(len(b) for _, b in got) == expected
        assert len(got) >= min(len(items), per_worker * n_workers)
    big = _batches(list(range(100_000)), 256, 2)
    assert len(big) == -(-100_000 // 256) and len({name for name, _ in big}) == len(big)
    assert _batches([], 256, 2) == [] and _batches([7], 256, 2) == [("b00000", [7])]


def test_dask_batches_are_larger_and_an_explicit_batch_size_wins() -> None:
    from cleaners.settings import Settings
    from flows import engines

    assert engines.batching(Settings()) == engines.LOCAL_BATCHING
    assert engines.batching(Settings(dask_workers=2)) == engines.DASK_BATCHING
    assert engines.DASK_BATCHING[0] > engines.LOCAL_BATCHING[0]
    assert engines.batching(Settings(dask_workers=2, batch_size=8))[0] == 8
