"""The corpus state beside the outputs (`clean/_state/`): what earlier runs read and concluded.

Only JSON and raw arrays are stored, never pickle, so a state file a user receives cannot run code.
The expensive per-document passes are cached per raw file (keyed by content hash); corpus
decisions are always recomputed from the cached documents, which is why an incremental run gives
exactly what a full run gives.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import xxhash

from cleaners.layout import Layout
from cleaners.output import write_atomic
from cleaners.settings import DATA_FILES, Settings

SCHEMA = 1


class StateError(RuntimeError):
    """The state cannot be used as it is; the message says how to rebuild."""


def source_key(rel: str) -> str:
    """File-name-safe key of a raw path (raw names never become state paths)."""
    return xxhash.xxh3_64_hexdigest(rel.encode("utf-8", "surrogatepass"))


def file_hash(path: Path) -> str:
    h = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _data_file_hash(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def fingerprint(settings: Settings) -> dict[str, Any]:
    """Everything the cached documents and signatures depend on."""
    fields = settings.fingerprint_fields()
    fields.pop("overrides", None)  # a reviewer's verdicts re-clean documents, they do not invalidate the state
    data_files = {}
    for name in DATA_FILES:
        value = fields.pop(name, None)
        data_files[name] = _data_file_hash(Path(value) if value else None)
    return {
        "settings": fields,
        "data_files": data_files,
        "versions": {d: _version(d) for d in ("corpusclean", "datasketch", "ftfy", "langdetect")},
    }


def verdicts_hash(settings: Settings) -> str | None:
    """The overrides file's hash: new verdicts re-clean every document (`cleaners.plan`)."""
    return _data_file_hash(settings.overrides)


def fingerprint_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of what changed between two fingerprints, e.g. 'settings.threshold'."""
    out = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section, {}), new.get(section, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(f"{section}.{key}")
    return out


def _file_name(value: object) -> str:
    """A batch file's name from the state file: a plain name inside `prepared/`, never a path."""
    name = str(value)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise StateError(f"{name!r} is not the name of a file in prepared/")
    return name


@dataclass
class SourceState:
    """One raw file as the last run saw it: its content hash, its stable key, its documents' ids, and
    the batch files in `prepared/` holding its cached documents (`file`) and their signatures
    (`sketches`; "" when none, or when they live in the store)."""

    hash: str
    key: str
    docs: list[str] = field(default_factory=list)
    file: str = ""
    sketches: str = ""


@dataclass
class CorpusState:
    """What the last completed run saw: raw files by content hash, and the fingerprint."""

    root: Path
    fingerprint: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, SourceState] = field(default_factory=dict)
    verdicts: str | None = None  # hash of the overrides file the cached documents were cleaned with

    @property
    def prepared_dir(self) -> Path:
        return self.root / "prepared"

    def referenced(self) -> set[str]:
        """The batch files of `prepared/` that some raw file's entry names."""
        return {name for s in self.sources.values() for name in (s.file, s.sketches) if name}

    @classmethod
    def load(cls, root: Path) -> CorpusState:
        path = root / "state.json"
        if not path.exists():
            return cls(root=root)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                raise StateError(f"{path} has schema {data.get('schema')!r}, this corpusclean writes {SCHEMA}")
            sources = {
                rel: SourceState(
                    hash=str(s["hash"]),
                    key=str(s["key"]),
                    docs=[str(d) for d in s["docs"]],
                    file=_file_name(s.get("file", "")),
                    sketches=_file_name(s.get("sketches", "")),
                )
                for rel, s in data["sources"].items()
            }
            for rel, s in sources.items():
                if s.key != source_key(rel):
                    raise StateError(f"{path}: entry for {rel!r} has a foreign key")
            verdicts = data.get("verdicts", data.get("review"))  # "review": earlier releases' key
            return cls(root=root, fingerprint=dict(data["fingerprint"]), sources=sources, verdicts=verdicts)
        except StateError as exc:
            raise StateError(f"{exc}; rebuild with `corpusclean run --full`") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateError(f"corrupted state file {path} ({exc}); rebuild with `corpusclean run --full`") from exc

    def save(self) -> None:
        data = {
            "schema": SCHEMA,
            "fingerprint": self.fingerprint,
            "verdicts": self.verdicts,
            "sources": {
                rel: {"hash": s.hash, "key": s.key, "docs": s.docs, "file": s.file, "sketches": s.sketches}
                for rel, s in sorted(self.sources.items())
            },
        }
        write_atomic(self.root / "state.json", json.dumps(data, ensure_ascii=False, indent=1).encode())

    def check(self, current: dict[str, Any]) -> None:
        """Refuse to mix results computed under other settings, data files or library versions."""
        if not self.sources or self.fingerprint == current:
            return
        changed = ", ".join(fingerprint_diff(self.fingerprint, current))
        raise StateError(
            f"the corpus state in {self.root} was built with different {changed}; rebuild with `corpusclean run --full`"
        )


class RunLock:
    """An OS file lock on clean/: released by the kernel when its holder dies."""

    def __init__(self, clean_dir: Path, wait: bool = False) -> None:
        self.path = Layout(clean_dir).lock
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            os.close(fd)
            raise StateError(
                f"another corpusclean run is working on {self.path.parent.parent} (lock {self.path}); "
                "wait for it to finish"
            ) from exc
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
