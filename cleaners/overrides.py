"""A reviewer's verdicts on events, by event id, read from `corpusclean.overrides.toml` or `.jsonl`.

TOML:   reject = ["<event id>", ...]    accept = ["<event id>", ...]
JSONL:  {"id": "<event id>", "verdict": "reject" | "accept", "note": "optional"}

A rejected removal or fix is recorded as a flag and not carried out; an accepted suggestion (a
flag with a replacement) is applied. Event ids are stable across runs (see `Event.id`).
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from pathlib import Path

VERDICTS = ("reject", "accept")


class OverridesError(ValueError):
    """The overrides file cannot be read; the message names the file and the line."""


def load_overrides(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise OverridesError(f"overrides file {path} cannot be read: {exc.strerror}") from exc
    return dict(_parse(path.suffix, str(path), content))


@lru_cache(maxsize=4)
def _parse(suffix: str, path: str, content: bytes) -> tuple[tuple[str, str], ...]:
    verdicts: dict[str, str] = {}
    text = content.decode("utf-8", errors="replace")
    if suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                eid, verdict = str(row["id"]), str(row["verdict"])
            except (ValueError, KeyError, TypeError) as exc:
                raise OverridesError(f'{path} line {n}: expected {{"id": ..., "verdict": ...}}') from exc
            if verdict not in VERDICTS:
                raise OverridesError(f"{path} line {n}: verdict must be one of {VERDICTS}, not {verdict!r}")
            verdicts[eid] = verdict
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise OverridesError(f"{path}: {exc}") from exc
        for verdict in VERDICTS:
            for eid in data.get(verdict, []):
                verdicts[str(eid)] = verdict
    return tuple(sorted(verdicts.items()))
