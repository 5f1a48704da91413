"""Memory and CPU of the benchmark's process tree (the flow process, its workers and the ephemeral
Prefect server), sampled from /proc. No side effects on import: tests import it."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from pathlib import Path


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, RSS bytes, CPU clock ticks) of every process, from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            out[int(entry)] = (int(fields[1]), int(fields[21]) * page, int(fields[11]) + int(fields[12]))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _tree(root: int, table: dict[int, tuple[int, int, int]]) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _, _) in table.items():
        children[ppid].append(pid)
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, ()))
    return [p for p in out if p in table]


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "flow process"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "workers"
    return "Prefect API server" if b"uvicorn" in cmd else "workers"


class RssSampler:
    """Peak RSS of this process and of its whole process tree (workers, ephemeral server), and the
    CPU seconds each part of the tree spent, sampled."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak_self = 0
        self.peak_tree = 0
        self.timeline: list[tuple[float, int, int]] = []  # (seconds since start, own RSS, tree RSS)
        # (seconds since start, CPU seconds so far per part of the tree): a process that ended keeps its
        # last sampled count, so the sums never go back
        self.cpu_timeline: list[tuple[float, dict[str, float]]] = []
        self._cpu_first: dict[int, int] = {}
        self._cpu_last: dict[int, int] = {}
        self._roles: dict[int, str] = {}
        self._t0 = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        root = os.getpid()
        table = _proc_table()
        pids = _tree(root, table)
        own, tree = table[root][1], sum(table[p][1] for p in pids)
        self.peak_self, self.peak_tree = max(self.peak_self, own), max(self.peak_tree, tree)
        at = time.perf_counter() - self._t0
        self.timeline.append((at, own, tree))
        for p in pids:
            self._cpu_first.setdefault(p, table[p][2])
            self._cpu_last[p] = table[p][2]
            if p not in self._roles:
                self._roles[p] = _role(p, root)
        self.cpu_timeline.append((at, self.cpu_seconds()))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds per part of the tree between the first and the last sample (a process that
        ended between two samples loses its last interval)."""
        tick = os.sysconf("SC_CLK_TCK")
        out: dict[str, float] = defaultdict(float)
        for p, last in self._cpu_last.items():
            out[self._roles[p]] += (last - self._cpu_first[p]) / tick
        return dict(out)

    def __enter__(self) -> RssSampler:
        self._t0 = time.perf_counter()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _phase_bounds(timings: dict[str, float]) -> list[tuple[str, float, float]]:
    """(phase, start, end) in seconds since the flow's start. The phases ran back to back and ended
    `total` seconds after the flow's start; before them come start-up and the scan, after them
    the report."""
    names = [k for k in timings if k != "total"]
    t = timings.get("total", 0.0) - sum(timings[k] for k in names)
    bounds = [("start-up and scan", 0.0, t)]
    for k in names:
        bounds.append((k, t, t + timings[k]))
        t += timings[k]
    bounds.append(("report", t, float("inf")))
    return bounds


def phase_peaks(timeline: list[tuple[float, int, int]], timings: dict[str, float]) -> dict[str, dict[str, int]]:
    """Peak RSS (bytes) within each phase of the flow (`_phase_bounds`)."""
    out = {}
    for name, lo, hi in _phase_bounds(timings):
        inside = [(own, tree) for at, own, tree in timeline if lo <= at < hi]
        if inside:
            out[name] = {"flow_process": max(o for o, _ in inside), "tree": max(t for _, t in inside)}
    return out


def phase_cpu(
    cpu_timeline: list[tuple[float, dict[str, float]]], timings: dict[str, float]
) -> dict[str, dict[str, object]]:
    """CPU seconds per part of the tree within each phase of the flow (`_phase_bounds`), and the cores
    the tree kept busy on average: a phase near one core is serial (the flow process works, the workers
    wait), near the machine's cores it is parallel. Between the samples that bracket each phase, so a
    phase shorter than the sampling interval is left out."""
    out: dict[str, dict[str, object]] = {}
    for name, lo, hi in _phase_bounds(timings):
        inside = [(at, cpu) for at, cpu in cpu_timeline if lo <= at <= hi]
        if len(inside) < 2:
            continue
        (t0, first), (t1, last) = inside[0], inside[-1]
        used = {role: round(last.get(role, 0.0) - first.get(role, 0.0), 2) for role in sorted(set(first) | set(last))}
        out[name] = {
            "seconds": round(t1 - t0, 2),
            "cpu_seconds": used,
            "cores_busy": round(sum(used.values()) / (t1 - t0), 2) if t1 > t0 else 0.0,
        }
    return out
