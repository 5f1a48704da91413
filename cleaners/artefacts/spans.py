"""Turn findings on one paragraph into events and apply the confident ones.

All findings of a stage are computed on the text as it stood before the stage; fixes are
applied right to left and never overlap, so every event's offsets refer to that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cleaners.document import Document, Event, Paragraph
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts


@dataclass
class Finding:
    kind: str
    start: int
    end: int
    text: str
    replacement: str | None
    rule: str
    confidence: float
    fixable: bool = False
    lang: str | None = None


def apply_findings(
    doc: Document, para: Paragraph, findings: list[Finding], settings: Settings, verdicts: Verdicts = NO_VERDICTS
) -> None:
    """Record every finding as an event; rewrite `para.text` with the fixable, non-overlapping ones."""
    if not findings:
        return
    findings = sorted(findings, key=lambda f: (f.start, -f.confidence, -(f.end - f.start)))
    fixes: list[Finding] = []
    last_end = -1
    for f in findings:
        policy = settings.artefact_policy.get(f.kind, "flag")
        fix = policy == "fix" and f.fixable and f.replacement is not None and f.start >= last_end
        carried_out = doc.add(
            Event(
                doc=doc.id,
                paragraph=para.index,
                kind=f.kind,
                action="fixed" if fix else "flagged",
                text=f.text,
                start=f.start,
                end=f.end,
                replacement=f.replacement,
                rule=f.rule,
                confidence=round(f.confidence, 3),
                lang=f.lang,
            ),
            verdicts,
        )
        if carried_out and f.replacement is not None and f.start >= last_end:
            fixes.append(f)
            last_end = f.end
    text = para.text
    for f in sorted(fixes, key=lambda f: f.start, reverse=True):
        text = text[: f.start] + (f.replacement or "") + text[f.end :]
    para.text = text


# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace and a
# capital/quote/digit, or at a colon before whitespace. Linear: no nested quantifiers.
_BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’»]))\s+(?=[\"“«A-ZА-ЯЁ0-9\u10A0-\u10FF])|(?<=:)\s+")


@lru_cache(maxsize=8)
def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence or colon-separated clause in `text`. Cached (a tuple, so
    callers cannot alter it): the foreign, word-order and punctuation detectors split the same paragraph."""
    spans = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return tuple(spans)
