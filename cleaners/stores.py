"""Where the shared state of a corpus lives: files beside the outputs (the default) or Redis (`store`).

The per-document cache and the signature cache are kept per *batch*: one file per batch that wrote
them (`_state/prepared/<name>.jsonl`, `<name>.sketch.json`), written once with one fsync, instead of a
file per raw file in a folder of a hundred thousand. Which file holds a raw file's results is recorded
in the corpus state (`SourceState.file`, `.sketches`), keyed by the raw file's stable key, so a later
run finds them however its batches are cut; files no source refers to any more are removed after the
state is saved (`remove_unreferenced`).

Only the duplicate index and the signature cache move to Redis. The per-document cache, the batches'
work files and `state.json` stay on the file system beside `clean/`: they hold whole documents, are
written once per batch by the worker that made them and read back by the next phases, and the outputs
next to them need a file system shared by all workers anyway; in Redis they would hold the corpus's
text in memory for no gain.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Protocol

import orjson
import xxhash

from cleaners.output import write_atomic
from cleaners.settings import Settings

PREPARED_SUFFIX = ".jsonl"
SKETCH_SUFFIX = ".sketch.json"


def batch_file(keys: list[str], suffix: str) -> str:
    """The name of a batch's file: a hash of the raw files' keys it holds. The same raw files give the
    same name (a file is then replaced whole, and every key it held is in the new one)."""
    return xxhash.xxh3_64_hexdigest("\n".join(keys).encode("ascii")) + suffix


class SketchCache(Protocol):
    def get_many(self, located: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """The cached sketches of raw files, by key, from (key, where the state says they are)."""

    def in_place(self, located: list[tuple[str, str]]) -> bool:
        """The raw files' sketches are where this batch would put them (nothing to move)."""

    def put_many(self, entries: dict[str, dict[str, Any]]) -> str:
        """Store the sketches of a batch's raw files; returns where (recorded in the state)."""

    def delete(self, keys: list[str]) -> None:
        """Forget the sketches of raw files that went."""

    def clear(self) -> None: ...


class FileSketches:
    """One `<prepared>/<name>.sketch.json` per batch, {key: {doc id: {digest, sketch}}}; the state's
    fingerprint check guards reuse."""

    def __init__(self, prepared_dir: str | Path) -> None:
        self.dir = Path(prepared_dir)

    def get_many(self, located: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """A missing or damaged file is a miss: its raw files are sketched again."""
        wanted: dict[str, set[str]] = {}
        for key, name in located:
            if name:
                wanted.setdefault(name, set()).add(key)
        out: dict[str, dict[str, Any]] = {}
        for name, keys in wanted.items():
            try:
                data = orjson.loads((self.dir / name).read_bytes())
            except (FileNotFoundError, ValueError):
                continue
            if isinstance(data, dict):
                out.update({k: v for k, v in data.items() if k in keys and isinstance(v, dict)})
        return out

    def in_place(self, located: list[tuple[str, str]]) -> bool:
        """In one file, written for exactly these raw files (its name says so)."""
        return {where for _, where in located} == {batch_file(sorted(key for key, _ in located), SKETCH_SUFFIX)}

    def put_many(self, entries: dict[str, dict[str, Any]]) -> str:
        # no fsync: a file a power cut damaged is read as a miss
        name = batch_file(sorted(entries), SKETCH_SUFFIX)
        write_atomic(self.dir / name, orjson.dumps(entries), durable=False)
        return name

    def delete(self, keys: list[str]) -> None:
        """Nothing to do: a file no raw file refers to is removed after the run (`remove_unreferenced`)."""

    def clear(self) -> None:
        for path in self.dir.glob(f"*{SKETCH_SUFFIX}"):
            path.unlink(missing_ok=True)


def remove_unreferenced(prepared_dir: str | Path, referenced: set[str]) -> int:
    """Delete the batch files of the prepared folder that no raw file's state entry names (left by
    raw files that changed or went, or by batches cut differently); how many went."""
    removed = 0
    for path in Path(prepared_dir).glob("*"):
        if path.name.endswith((PREPARED_SUFFIX, SKETCH_SUFFIX)) and path.name not in referenced:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


_NAMESPACES: dict[str, str] = {}


def _namespace(settings: Settings) -> str:
    """Short hash of the state's fingerprint (settings, data files, versions), computed once per process."""
    from cleaners.state import fingerprint

    key = settings.model_dump_json()
    if key not in _NAMESPACES:
        data = json.dumps(fingerprint(settings), sort_keys=True).encode()
        _NAMESPACES[key] = xxhash.xxh3_64_hexdigest(data)
    return _NAMESPACES[key]


def sketch_cache(settings: Settings, prepared_dir: str | Path) -> SketchCache:
    """The signature cache the settings select."""
    if settings.store:
        from cleaners.redis_store import RedisSketches

        return RedisSketches(settings, _namespace(settings))
    return FileSketches(prepared_dir)


def corpus_name(clean_dir: str | Path) -> str:
    """A stable key prefix for a clean folder: its name plus a hash of its absolute path, so two corpora
    never share keys and the same folder (on a shared file system) always gets the same ones."""
    path = Path(clean_dir).resolve()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.name).strip("-")[:40] or "corpus"
    return f"{stem}-{xxhash.xxh3_64_hexdigest(str(path).encode('utf-8', 'surrogatepass'))[:12]}"


def bind_corpus(settings: Settings, clean_dir: str | Path) -> Settings:
    """The settings with `corpus_name` filled in when a store is used and none was given."""
    if settings.store and not settings.corpus_name:
        return settings.model_copy(update={"corpus_name": corpus_name(clean_dir)})
    return settings


def check(settings: Settings) -> None:
    """Raise StoreUnavailable when the selected store cannot be reached (files always can)."""
    if settings.store:
        from cleaners.redis_store import check as check_redis

        check_redis(settings)
