"""The benchmark's own measuring: the process table it reads from /proc, and peaks per phase."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.measure import RssSampler, _proc_table, _tree, phase_cpu, phase_peaks


def test_proc_table_and_tree_find_this_process_and_a_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        table = _proc_table()
        me = os.getpid()
        assert table[me][0] == os.getppid() and table[me][1] > 0
        assert child.pid in _tree(me, table) and me in _tree(me, table)
    finally:
        child.kill()
        child.wait()


def test_sampler_counts_cpu_of_the_flow_process() -> None:
    with RssSampler(interval=0.05) as rss:
        end = time.process_time() + 0.3
        while time.process_time() < end:
            sum(range(1000))
    assert rss.cpu_seconds()["flow process"] >= 0.2
    assert rss.peak_self > 0 and rss.peak_tree >= rss.peak_self and len(rss.timeline) >= 2
    # the CPU timeline counts up to the same total, one entry per sample
    assert len(rss.cpu_timeline) == len(rss.timeline)
    counts = [cpu.get("flow process", 0.0) for _, cpu in rss.cpu_timeline]
    assert counts == sorted(counts) and counts[-1] == rss.cpu_seconds()["flow process"]


def test_sampler_keeps_the_cpu_of_a_child_that_ended() -> None:
    with RssSampler(interval=0.05) as rss:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(0.3)",
            ]
        )
        child.wait()
        time.sleep(0.2)  # samples after the child is gone
    workers = [cpu.get("workers", 0.0) for _, cpu in rss.cpu_timeline]
    assert workers == sorted(workers) and workers[-1] >= 0.3


def test_phase_peaks_split_the_timeline_by_the_flow_timings() -> None:
    # scan 1 s, prepare 2 s, write 1 s (total 4 s after the flow's start), then the report
    timings = {"prepare": 2.0, "write": 1.0, "total": 4.0}
    timeline = [(0.5, 1, 10), (1.5, 5, 50), (2.5, 3, 30), (3.5, 2, 20), (4.5, 7, 70)]
    assert phase_peaks(timeline, timings) == {
        "start-up and scan": {"flow_process": 1, "tree": 10},
        "prepare": {"flow_process": 5, "tree": 50},
        "write": {"flow_process": 2, "tree": 20},
        "report": {"flow_process": 7, "tree": 70},
    }


def test_phase_cpu_splits_the_cpu_timeline_by_the_flow_timings() -> None:
    # scan 1 s, prepare 2 s on two cores, cluster 1 s on one (total 4 s after the flow's start), then the report
    timings = {"prepare": 2.0, "cluster": 1.0, "total": 4.0}
    timeline = [
        (0.0, {"flow process": 0.0, "workers": 0.0}),
        (1.0, {"flow process": 1.0, "workers": 0.0}),
        (3.0, {"flow process": 1.0, "workers": 4.0}),
        (4.0, {"flow process": 2.0, "workers": 4.0}),
        (5.0, {"flow process": 2.5, "workers": 4.0}),
    ]
    assert phase_cpu(timeline, timings) == {
        "start-up and scan": {"seconds": 1.0, "cpu_seconds": {"flow process": 1.0, "workers": 0.0}, "cores_busy": 1.0},
        "prepare": {"seconds": 2.0, "cpu_seconds": {"flow process": 0.0, "workers": 4.0}, "cores_busy": 2.0},
        "cluster": {"seconds": 1.0, "cpu_seconds": {"flow process": 1.0, "workers": 0.0}, "cores_busy": 1.0},
        "report": {"seconds": 1.0, "cpu_seconds": {"flow process": 0.5, "workers": 0.0}, "cores_busy": 0.5},
    }
