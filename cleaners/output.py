"""Where outputs go, and writing them so a crash never leaves half a file.

Every path is derived from a raw file's relative path and checked to stay inside `clean/`;
record ids never become paths.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleaners import clib
from cleaners.document import Document
from cleaners.layout import RESERVED

_UMASK = os.umask(0)
os.umask(_UMASK)


class UnsafePathError(ValueError):
    """A raw path that would write outside clean/ or over its report/state folders."""


def output_path(clean_dir: Path, rel: str) -> Path:
    parts = Path(rel).parts
    if (
        not parts
        or Path(rel).is_absolute()
        or any(p in ("..", "") for p in parts)
        or parts[0] in RESERVED
        or any(ord(ch) < 32 for ch in rel)
    ):
        raise UnsafePathError(f"refusing to write {rel!r}: not a safe relative path inside clean/")
    target = (clean_dir / rel).resolve()
    if not target.is_relative_to(clean_dir.resolve()):
        raise UnsafePathError(f"refusing to write {rel!r}: it resolves outside clean/")
    return clean_dir / rel


def write_atomic(path: Path, data: bytes, durable: bool = True) -> bool:
    """Replace `path` with `data` via a temp file and rename; returns False when unchanged
    (an unchanged file is not touched, so its mtime tells downstream tools nothing changed).
    `durable=False` skips the fsync, for caches whose readers treat a damaged file as missing: the
    rename still keeps readers from seeing half a file, but a power cut may leave an empty one."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp = _write_temp(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    return True


def write_atomic_many(items: list[tuple[Path, bytes]]) -> list[bool | OSError]:
    """`write_atomic` of each (path, data), made durable together: every temp file is written, the file
    system is synced once (`_sync`), then each is renamed over its path. A crash leaves each output old or
    new, never partial, as one fsync per file would; but one sync costs what a few fsyncs cost, where a
    batch of a thousand outputs paid a thousand. Per item: whether it was rewritten (False: unchanged, not
    touched), or the OSError that stopped it (the others are written all the same)."""
    results: list[bool | OSError] = [False] * len(items)
    pending: list[tuple[int, str, Path]] = []  # (item, temp file, path)
    made: set[Path] = set()  # folders made (or found) already: a batch's outputs share a few
    for k, (path, data) in enumerate(items):
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            pass
        try:
            pending.append((k, _write_temp(path, data, made=made), path))
        except OSError as exc:
            results[k] = exc
    try:
        _sync([tmp for _, tmp, _ in pending])
    except OSError as exc:
        for k, tmp, _ in pending:
            results[k] = exc
            _unlink(tmp)
        return results
    for k, tmp, path in pending:
        try:
            os.replace(tmp, path)
            results[k] = True
        except OSError as exc:
            results[k] = exc
            _unlink(tmp)
    return results


def _write_temp(path: Path, data: bytes, durable: bool = False, made: set[Path] | None = None) -> str:
    """`data` in a new temp file beside `path`, fsynced when `durable`, readable as outputs are. `made`:
    the folders known to exist (this one is added), so that a batch's outputs make each folder once."""
    if made is None or path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for other tools to read
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _sync(files: list[str]) -> None:
    """Make the files' data durable: one `syncfs` per file system they are on (Linux), else an fsync each."""
    if not files:
        return
    syncfs = clib.function("syncfs")
    if syncfs is None:
        for name in files:
            fd = os.open(name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return
    done: set[int] = set()
    for name in files:
        device = os.stat(name).st_dev
        if device in done:
            continue
        fd = os.open(name, os.O_RDONLY)
        try:
            if syncfs(fd) != 0:
                err = clib.errno()
                raise OSError(err, f"syncfs: {os.strerror(err)}")
        finally:
            os.close(fd)
        done.add(device)


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


# One encoder for every row: `json.dumps` with options builds a new one per call (a sixth of its cost on
# a report's small rows). Its output is `json.dumps(row, ensure_ascii=False)`'s.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def jsonl_bytes(rows: Iterable[dict[str, Any]]) -> bytes:
    encode = _ENCODER.encode
    return "".join(encode(r) + "\n" for r in rows).encode("utf-8")


def clean_text_bytes(doc: Document) -> bytes:
    text = doc.clean_text()
    return (text + "\n").encode("utf-8") if text else b""


def source_output(clean_dir: Path, source_rel: str, docs: list[Document]) -> tuple[Path, bytes]:
    """The clean file for one raw file: its text, or for `.jsonl` its records with cleaned text."""
    path = output_path(clean_dir, source_rel)
    if source_rel.endswith(".jsonl"):
        rows = []
        for doc in docs:
            if doc.status == "error" or doc.record is None:
                continue
            row = dict(doc.record)
            row["text"] = doc.clean_text()
            rows.append(row)
        return path, jsonl_bytes(rows)
    return path, clean_text_bytes(docs[0]) if docs and docs[0].status != "error" else b""
