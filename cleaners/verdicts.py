"""A reviewer's verdicts on events, by event id, read from the overrides file
(`corpusclean.overrides.toml` or `.jsonl`, setting `overrides`).

TOML:   reject = ["<event id>", ...]    accept = ["<event id>", ...]
JSONL:  {"id": "<event id>", "verdict": "reject" | "accept", "note": "optional"}

A rejected removal or fix is recorded as a flag and not carried out; an accepted suggestion (a
flag with a replacement) is applied. Event ids are stable across runs (see `Event.id`).

`Verdicts` is the one owner of that rule. A run loads them once (`Resources.verdicts`) and passes them to
every step that records events; a document never carries them:

>>> from cleaners.document import Event
>>> verdicts = Verdicts({"e1": "reject"})
>>> event = Event(doc="a.txt", paragraph=1, kind="chrome", action="removed", text="Home > News", id="e1")
>>> verdicts.judge(event), event.action, event.override
(False, 'flagged', 'rejected')
>>> NO_VERDICTS.judge(Event(doc="a.txt", paragraph=2, kind="chrome", action="removed", text="Menu"))
True
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cleaners.document import Event

VERDICTS = ("reject", "accept")


class VerdictsError(ValueError):
    """The overrides file cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Verdicts:
    """A reviewer's verdict ("reject" | "accept") per event id."""

    by_id: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> Verdicts:
        """The verdicts of an overrides file; none without one. A bad file is a `VerdictsError`."""
        if path is None:
            return NO_VERDICTS
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise VerdictsError(f"overrides file {path} cannot be read: {exc.strerror}") from exc
        return cls(dict(_parse(path.suffix, str(path), content)))

    def judge(self, event: Event) -> bool:
        """Apply the reviewer's verdict to a decision and say whether to carry it out: a rejected
        removal or fix becomes a flag, an accepted suggestion (a flag with a replacement) a fix."""
        verdict = self.by_id.get(event.id)
        if verdict == "reject" and event.action in ("removed", "fixed"):
            event.action, event.override = "flagged", "rejected"
        elif verdict == "accept" and event.action == "flagged" and event.replacement is not None:
            event.action, event.override = "fixed", "accepted"
        return event.action != "flagged"


NO_VERDICTS = Verdicts()


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
                raise VerdictsError(f'{path} line {n}: expected {{"id": ..., "verdict": ...}}') from exc
            if verdict not in VERDICTS:
                raise VerdictsError(f"{path} line {n}: verdict must be one of {VERDICTS}, not {verdict!r}")
            verdicts[eid] = verdict
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise VerdictsError(f"{path}: {exc}") from exc
        for verdict in VERDICTS:
            for eid in data.get(verdict, []):
                verdicts[str(eid)] = verdict
    return tuple(sorted(verdicts.items()))
