"""The frequent shingles that sketches leave out: what unrelated English paragraphs share by chance.

Why: a near-duplicate is a paragraph that shares *rare* content with another. Character 5-grams such
as " the ", "tion " or "and t" occur in a large share of all English paragraphs, so two unrelated
paragraphs share many of them; they carry no evidence of copying, and they are what makes LSH propose
chance candidates whose number grows with the square of the corpus. Sketches are therefore made from
a paragraph's other shingles (`cleaners.sketching.sketch_char`).

The table is data (`cleaners/data/frequent_shingles.json`, built by `tools/build_frequent_shingles.py`
from a seeded reference text, never from the corpus being cleaned): a table computed from today's
files would change every sketch whenever a file is added, and so break "an incremental run gives what
a full run gives", the signature cache and the Redis index. The file's hash is part of the corpus
state's fingerprint (`cleaners.settings.DATA_FILES`), so a changed table asks for `run --full`.

Rules kept here, in one place:
- The table lists shingles of one kind and size (char 5-grams for the shipped one); sketches of other
  shingles (word shingles, another size) use all their shingles.
- A paragraph made only of frequent shingles is sketched from all of them: an empty sketch would make
  every such paragraph collide with every other. Exact repeats are found either way: the same text
  always has the same sketch and the same exact hash.
- Entries are written as the sketches see text (`normalise`: lower case, no punctuation, digit runs as
  "0", single spaces), so a user can add shingles of their own domain; an entry in another form could
  never match and is refused with the file's name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import xxhash

from cleaners.settings import Settings
from cleaners.sketching import in_table  # the one lookup the sketches use


@dataclass(frozen=True)
class FrequentShingles:
    """A loaded table: the shingles' kind and size, and their hashes as the sketches compute them."""

    shingle: str  # "char" (the only kind the sketches filter)
    size: int
    hashes: np.ndarray  # sorted unique uint32: xxh32 (seed 0) of each shingle's UTF-8 bytes
    digest: str  # sha256 of the file, first 16 hex digits (as the state's fingerprint has it)

    def applies_to(self, settings: Settings) -> bool:
        """Whether these are the shingles the settings sketch."""
        return settings.shingle == self.shingle and settings.shingle_size == self.size

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """For each xxh32 value, whether its shingle is in the table (bool array).

        >>> table = parse({"shingle": "char", "size": 5, "shingles": [" the "]}, "example")
        >>> table.contains(np.array([xxhash.xxh32_intdigest(b" the "), 7], dtype=np.uint32)).tolist()
        [True, False]
        """
        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=bool)
        return in_table(np.asarray(hashes, dtype=np.uint32), self.hashes)


def parse(data: object, source: str, digest: str = "") -> FrequentShingles:
    """A table from its JSON form; ValueError naming `source` when it is not one."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a frequent-shingle table is a JSON object")
    shingle, size, entries = data.get("shingle"), data.get("size"), data.get("shingles")
    if shingle != "char":
        raise ValueError(f"{source}: 'shingle' must be \"char\" (character shingles), not {shingle!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"{source}: 'size' must be a positive integer, not {size!r}")
    if not isinstance(entries, list):
        raise ValueError(f"{source}: 'shingles' must be a list of strings")
    hashes = np.empty(len(entries), dtype=np.uint32)
    for n, entry in enumerate(entries):
        if not isinstance(entry, str) or len(entry) != size or not _normalised(entry):
            raise ValueError(
                f"{source}: entry {n} ({entry!r}) is not a {size}-character shingle of normalised text "
                "(lower case, no punctuation, digit runs written 0, single spaces)"
            )
        hashes[n] = xxhash.xxh32_intdigest(entry.encode("utf-8"))
    return FrequentShingles(shingle, size, np.unique(hashes), digest)


def _normalised(entry: str) -> bool:
    """Whether `entry` can occur in normalised text: the letters around it keep its edge spaces
    where `normalise` would strip them."""
    from cleaners.dedup.text import normalise  # here: the sketches (`text`) read this module's tables

    return normalise("x" + entry + "x")[1:-1] == entry


def load(path: str | Path) -> FrequentShingles:
    """The table in `path`, read once per process while the file stays the same."""
    p = Path(path)
    stat = p.stat()
    return _load(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> FrequentShingles:
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    return parse(data, path, hashlib.sha256(raw).hexdigest()[:16])


def for_settings(settings: Settings) -> FrequentShingles | None:
    """The table the settings' sketches leave out, or None (no table, or one of other shingles)."""
    if settings.frequent_shingles is None:
        return None
    table = load(settings.frequent_shingles)
    return table if table.applies_to(settings) else None


def digest(settings: Settings) -> str | None:
    """What identifies the sketches' filter: the applied table's hash, or None when none applies."""
    table = for_settings(settings)
    return table.digest if table is not None else None
