"""The worker pool's time limit counts from when a worker takes a batch, not from when it was queued."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

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
