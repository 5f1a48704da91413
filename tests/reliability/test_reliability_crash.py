"""Crash safety: `corpusclean run` killed with SIGKILL in the middle of a phase, then run again,
gives exactly what an uninterrupted run gives, leaves no temporary file, and a further run has
nothing to do.

The killed run is a real CLI process (its own session, so its worker processes and its temporary
Prefect server die with it); the reference and the reruns are in-process flow runs on the test
server, with the same settings.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.generate import generate
from cleaners.settings import Settings

CLI = Path(sys.executable).with_name("corpusclean")
OPTIONS = {"workers": 2, "batch_size": 10}
# (phase, a log line of the killed run after which it is killed)
KILL_POINTS = [
    ("reading", r"read and per-document passes: [1-9]\d*/"),
    ("dedup and apply", r"apply decisions and sketch: [1-9]\d*/"),
    ("writing", r"write: [1-9]\d*/"),
]


def run_flow(raw: Path, clean: Path, full: bool = False) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(**OPTIONS), full=full)


def outputs(clean: Path) -> dict[str, bytes]:
    """Clean texts and the report's records; not the state, timings or the per-run record."""
    skip = re.compile(r"^(_state/|_report/runs/|_report/summary\.json$|_report/report\.html$)")
    return {
        p.relative_to(clean).as_posix(): p.read_bytes()
        for p in sorted(clean.rglob("*"))
        if p.is_file() and not skip.match(p.relative_to(clean).as_posix())
    }


def kill_when(cmd: list[str], pattern: str, log: Path, timeout: float = 120) -> bool:
    """Start `cmd`, SIGKILL its whole process group as soon as a line matches `pattern`.
    Returns False when the process ended before the line appeared."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
        env={**os.environ, "PREFECT_LOGGING_LEVEL": "INFO"},
    )
    seen = threading.Event()
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if re.search(pattern, line):
                seen.set()
        seen.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        seen.wait(timeout)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        thread.join(timeout=10)
        log.write_text("".join(lines))
    return killed and any(re.search(pattern, x) for x in lines)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, prefect_server) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("crash")
    generate(root, paragraphs=1500, seed=6, sites=6)
    raw = root / "raw"
    summary = run_flow(raw, root / "reference")
    assert summary["documents"]["ok"] > 60
    return raw, outputs(root / "reference")


@pytest.mark.parametrize("phase,pattern", KILL_POINTS, ids=[p for p, _ in KILL_POINTS])
def test_sigkill_then_rerun_equals_uninterrupted(corpus, tmp_path: Path, phase: str, pattern: str) -> None:
    raw, reference = corpus
    clean = tmp_path / "clean"
    raw_before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    cmd = [str(CLI), "run", str(raw), str(clean), "--workers", "2", "--batch-size", "10"]
    t0 = time.monotonic()
    killed = kill_when(cmd, pattern, tmp_path / "killed.log")
    assert killed, f"the run ended before the {phase} phase: {(tmp_path / 'killed.log').read_text()[-2000:]}"
    assert time.monotonic() - t0 < 120
    assert (clean / "_state" / "lock").exists()  # the killed run held the lock; the kernel released it

    summary = run_flow(raw, clean)
    assert not summary.get("nothing_to_do")
    assert outputs(clean) == reference
    assert not [p for p in clean.rglob("*") if p.name.startswith(".tmp-")]
    assert not (clean / "_state" / "work").exists()
    again = run_flow(raw, clean)
    assert again.get("nothing_to_do"), "the state store does not match the outputs after the rerun"
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == raw_before


def test_stale_temp_files_are_swept(corpus, tmp_path: Path) -> None:
    """A temp file left by a write that was killed never survives the next run."""
    raw, reference = corpus
    clean = tmp_path / "clean"
    shutil.copytree(raw.parent / "reference", clean)
    some = next(p for p in clean.rglob("*.txt"))
    (some.parent / ".tmp-abc123").write_bytes(some.read_bytes()[:10])
    (clean / "_state" / ".tmp-state").write_text("{")
    (raw / "site-00").joinpath("zz-new.txt").write_text("A new title\n\nA new paragraph about nothing much.\n")
    try:
        run_flow(raw, clean)
        assert not [p for p in clean.rglob("*") if p.name.startswith(".tmp-")]
    finally:
        (raw / "site-00" / "zz-new.txt").unlink()
