"""Encoding repair with ftfy: mojibake, HTML entities, control characters, NFC.

Curly quotes are kept (`uncurl_quotes=False`): the punctuation detectors read them. ftfy is the
slowest per-character stage, so paragraphs made only of characters ftfy never changes skip it;
`tests/cleaners/test_encoding.py` proves the skip gives identical output.
"""

from __future__ import annotations

import re

import ftfy

from cleaners.document import Document, Event
from cleaners.verdicts import NO_VERDICTS, Verdicts

FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)

# Printable ASCII without '&' (entities), LF, and the typographic punctuation of clean news text.
# Encoded in cp1252/latin-1/cp1251 these are all UTF-8 continuation bytes and in MacRoman all lead
# bytes, so no sequence of them can be mojibake; ftfy's other fixers (width, ligatures, controls,
# NFC) leave them alone too.
_SAFE = re.compile("[\n -%'-~\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb]*")


def needs_fixing(text: str) -> bool:
    """False when ftfy provably leaves `text` unchanged."""
    return _SAFE.fullmatch(text) is None


def fix_text(text: str) -> str:
    if not needs_fixing(text):
        return text
    return ftfy.fix_text(text, config=FTFY_CONFIG)


def repair(doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
    """Fix each paragraph in place and record every changed one with its original text."""
    for para in doc.paragraphs:
        fixed = fix_text(para.text)
        if fixed == para.text:
            continue
        if doc.add(
            Event(
                doc=doc.id,
                paragraph=para.index,
                kind="encoding",
                action="fixed",
                text=para.text,
                replacement=fixed,
                rule="encoding:ftfy",
                confidence=1.0,
            ),
            verdicts,
        ):
            para.text = fixed
