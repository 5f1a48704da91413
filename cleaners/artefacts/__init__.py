"""Machine-translation artefacts: find them by their pattern, fix the confident ones, flag the rest.

Per-document kinds (punctuation, word_order, calque, foreign_fragment) run in
`detect_artefacts`; the transliteration kind needs the whole run and lives in `TransliterationModel`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cleaners.artefacts import calque, foreign, punctuation, word_order
from cleaners.artefacts.spans import Finding, apply_findings
from cleaners.artefacts.tables import ArtefactTables, load_tables
from cleaners.artefacts.transliteration.model import TransliterationModel
from cleaners.document import Document
from cleaners.gates import Column
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts

__all__ = ["ArtefactTables", "Closed", "TransliterationModel", "artefact_columns", "detect_artefacts", "load_tables"]


@dataclass(frozen=True)
class Closed:
    """What the artefact stage's column gates (`artefact_columns`) closed: per detector, the paragraph texts
    it cannot find anything in. A text no gate saw is open to every detector."""

    punctuation: frozenset[str] = frozenset()
    calque: frozenset[str] = frozenset()
    foreign: frozenset[str] = frozenset()
    capitals: frozenset[str] = frozenset()
    tautology: frozenset[str] = frozenset()


def artefact_columns(docs: list[Document], resources: ArtefactTables) -> Closed:
    """The column gates of the detectors over every live paragraph of the batch's English documents, one
    pass per gate (`cleaners.gates`)."""
    texts = list({p.text: None for doc in docs if doc.language == "en" for p in doc.live})
    if not texts:
        return Closed()
    column = Column(texts)
    _, capitals, _, tautology = word_order.column_gates()
    by_kind = {
        "punctuation": punctuation.column_gate(),
        "calque": calque.column_gate(resources.gazetteer),
        "foreign": foreign.column_gate(),
        "capitals": capitals,
        "tautology": tautology,
    }
    closed = {}
    for kind, gate in by_kind.items():
        opened = column.open(gate)
        closed[kind] = frozenset(text for text, is_open in zip(texts, opened, strict=True) if not is_open)
    return Closed(**closed)


def detect_artefacts(
    doc: Document,
    settings: Settings,
    resources: ArtefactTables,
    closed: Closed | None = None,
    verdicts: Verdicts = NO_VERDICTS,
) -> None:
    """Punctuation, word order, calques and foreign fragments of an English document. `closed`: the batch's
    `artefact_columns`, the detectors a paragraph's text need not go to (they would find nothing).

    Other languages have their own conventions (guillemets, capitalised nouns), so only
    documents whose language is English are judged."""
    if doc.language != "en":
        return
    closed = closed or Closed()
    gaz = resources.gazetteer
    names = _multiword_name_words(doc)
    institutions = gaz.nouns | gaz.vocabulary
    live = doc.live
    found: list[tuple[int, list[Finding]]] = []
    for n, para in enumerate(live):
        text = para.text
        foreign_para = para.language not in (None, "en", "und")
        whole = 0.6 * len(text.strip())
        enough = math.ceil(whole) if foreign_para else None
        fragments = [] if text in closed.foreign else foreign.find(text, "en", settings.language_seed, enough=enough)
        if foreign_para and sum(f.end - f.start for f in fragments) >= whole:
            continue  # a whole foreign paragraph is the language stage's finding
        spans = [(f.start, f.end) for f in fragments]
        findings: list[Finding] = []
        if text not in closed.punctuation:
            findings += punctuation.find(text, gaz, live[n + 1].text if n + 1 < len(live) else "")
        allowed = (True, text not in closed.capitals, True, text not in closed.tautology)
        findings += word_order.find(text, names, institutions, allowed=allowed)
        if text not in closed.calque:
            findings += calque.find(text, gaz)
        findings = [f for f in findings if not _inside(f, spans)]
        calques = [(f.start, f.end) for f in findings if f.kind == "calque"]
        findings = [f for f in findings if f.kind != "word_order" or not _inside(f, calques)]
        found.append((n, findings + fragments))
    # a capitalised noun is a German habit only where the document has several (the whole document decides)
    kept = set(map(id, word_order.german_capitals([f for _, fs in found for f in fs])))
    for n, findings in found:
        apply_findings(doc, live[n], [f for f in findings if id(f) in kept], settings, verdicts)


_STRIP = ".,;:!?’'\"”“()"
# Both rules of `_multiword_name_words` need a pair of whitespace-separated words whose second word,
# once `_STRIP` is stripped, starts with a capital: A-Z, or (in text beyond ASCII) any character
# beyond ASCII outside `_STRIP` and whitespace.
_CAPITAL_ASCII = re.compile(r"[A-Z]")
_CAPITAL = re.compile(r"[A-Z]|[^\x00-\x7f’”“\s]")
# Read backwards from such a capital: the stripped marks and whitespace before it, then the last
# character of the first word, which is not one of the marks after which the pair is skipped.
_REV_PAIR_BEFORE = re.compile(r"[.,;:!?’'\"”“()]*\s+[^\s.,;:!?)”]")
_WORD_AT = re.compile(r"\S+")


def _multiword_name_words(doc: Document) -> frozenset[str]:
    """Lower-cased words the document capitalises inside runs of capitalised words, or in
    mid-sentence more than once: proper nouns, not German noun capitals.

    Only pairs whose second word is capitalised count, so the scan visits the capitals and reads
    the first word backwards (in the reversed text)."""
    out: set[str] = set()
    counts: dict[str, int] = {}
    for para in doc.live:
        text = para.text
        rev = ""
        for c in (_CAPITAL_ASCII if text.isascii() else _CAPITAL).finditer(text):
            if not c.group(0).isupper():
                continue
            rev = rev or text[::-1]
            before = _REV_PAIR_BEFORE.match(rev, len(text) - c.start())
            if before is None:
                continue  # inside a word, the paragraph's first word, or after a skipped mark
            a = _WORD_AT.match(rev, before.end() - 1).group(0)[::-1].strip(_STRIP)
            b = _WORD_AT.match(text, c.start()).group(0).rstrip(_STRIP)  # the marks before it are stripped
            if a[:1].islower():
                counts[b.lower()] = counts.get(b.lower(), 0) + 1
            if a[:1].isupper() and a.isalpha():
                out.add(a.lower())
                out.add(b.lower())
    out.update(w for w, n in counts.items() if n > 1)
    return frozenset(out)


def _inside(f: Finding, spans: list[tuple[int, int]]) -> bool:
    return any(f.start < e and s < f.end for s, e in spans)
