"""Writing outputs: each is replaced whole or not at all, and a batch's outputs are made durable by one
sync before any of them is renamed into place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cleaners import output
from cleaners.output import jsonl_bytes, write_atomic, write_atomic_many


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".tmp-*"))


def test_many_outputs_are_written_unchanged_ones_left_alone_and_errors_kept_apart(tmp_path: Path) -> None:
    same = tmp_path / "same.txt"
    same.write_bytes(b"kept\n")
    before = same.stat()
    (tmp_path / "blocker").write_bytes(b"a file where a folder should be")
    items = [
        (tmp_path / "new.txt", b"new\n"),
        (same, b"kept\n"),
        (tmp_path / "blocker" / "inside.txt", b"cannot be\n"),
        (tmp_path / "deep" / "er" / "story.txt", b"story\n"),
    ]
    results = write_atomic_many(items)
    assert results[0] is True and results[1] is False and results[3] is True
    assert isinstance(results[2], OSError)
    assert (tmp_path / "new.txt").read_bytes() == b"new\n"
    assert (tmp_path / "deep" / "er" / "story.txt").read_bytes() == b"story\n"
    assert (same.stat().st_ino, same.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert oct((tmp_path / "new.txt").stat().st_mode & 0o777) == oct(0o666 & ~output._UMASK)
    assert _leftovers(tmp_path) == []


def test_the_outputs_are_synced_before_any_is_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "a.txt"
    old.write_bytes(b"old\n")
    seen: list[tuple[list[bytes], bytes]] = []
    real = output._sync

    def watch(files: list[str]) -> None:
        seen.append(([Path(f).read_bytes() for f in files], old.read_bytes()))
        real(files)

    monkeypatch.setattr(output, "_sync", watch)
    assert write_atomic_many([(old, b"new\n"), (tmp_path / "b.txt", b"b\n")]) == [True, True]
    assert seen == [([b"new\n", b"b\n"], b"old\n")]  # both temp files synced while a.txt was still old
    assert old.read_bytes() == b"new\n"


def test_a_failed_sync_leaves_every_output_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "a.txt"
    old.write_bytes(b"old\n")

    def failing(files: list[str]) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(output, "_sync", failing)
    results = write_atomic_many([(old, b"new\n"), (tmp_path / "b.txt", b"b\n")])
    assert all(isinstance(r, OSError) for r in results)
    assert old.read_bytes() == b"old\n" and not (tmp_path / "b.txt").exists()
    assert _leftovers(tmp_path) == []


def test_without_syncfs_each_file_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(output.clib, "function", lambda name: None)
    monkeypatch.setattr(output.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    assert write_atomic_many([(tmp_path / f"{n}.txt", b"x\n") for n in range(3)]) == [True] * 3
    assert len(synced) == 3


def test_one_output_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    assert write_atomic(path, b"first\n") is True
    assert write_atomic(path, b"first\n") is False
    assert write_atomic(path, b"second\n", durable=False) is True
    assert path.read_bytes() == b"second\n" and _leftovers(tmp_path) == []


def test_jsonl_rows_are_json_dumps_of_each_row() -> None:
    """The report and `.jsonl` outputs: one `json.dumps(row, ensure_ascii=False)` per line, whatever
    the rows hold."""
    rows = [
        {"id": 1, "text": "Zoë said “hi”\n\ttab", "meta": {"tags": ["a", None, True], "score": 0.5}},
        {"nan": float("nan"), "inf": float("-inf"), "big": 10**20, "empty": {}, "list": []},
        {},
    ]
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    assert jsonl_bytes(rows) == expected
    assert jsonl_bytes([]) == b""
