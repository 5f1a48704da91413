"""Machine-translation artefacts: find them by their pattern, fix the confident ones, flag the rest.

Per-document kinds (punctuation, word_order, calque, foreign_fragment) run in
`detect_artefacts`; the transliteration kind needs the whole run and lives in `NameModel`.
"""

from __future__ import annotations

from cleaners.artefacts import calque, foreign, punctuation, word_order
from cleaners.artefacts.names import NameModel
from cleaners.artefacts.resources import ArtefactResources, load_resources
from cleaners.artefacts.spans import Finding, apply_findings
from cleaners.document import Document
from cleaners.settings import Settings

__all__ = ["ArtefactResources", "NameModel", "detect_artefacts", "load_resources"]


def detect_artefacts(doc: Document, settings: Settings, resources: ArtefactResources) -> None:
    """Punctuation, word order, calques and foreign fragments of an English document.

    Other languages have their own conventions (guillemets, capitalised nouns), so only
    documents whose language is English are judged."""
    if doc.language != "en":
        return
    gaz = resources.gazetteer
    names = _multiword_name_words(doc)
    institutions = gaz.nouns | gaz.vocabulary
    live = doc.live
    for n, para in enumerate(live):
        text = para.text
        fragments = foreign.find(text, "en", settings.language_seed)
        covered = sum(f.end - f.start for f in fragments)
        if para.language not in (None, "en", "und") and covered >= 0.6 * len(text.strip()):
            continue  # a whole foreign paragraph is the language stage's finding
        spans = [(f.start, f.end) for f in fragments]
        findings: list[Finding] = []
        findings += punctuation.find(text, gaz, live[n + 1].text if n + 1 < len(live) else "")
        findings += word_order.find(text, names, institutions)
        findings += calque.find(text, gaz)
        findings = [f for f in findings if not _inside(f, spans)]
        calques = [(f.start, f.end) for f in findings if f.kind == "calque"]
        findings = [f for f in findings if f.kind != "word_order" or not _inside(f, calques)]
        apply_findings(doc, para, findings + fragments, settings)


def _multiword_name_words(doc: Document) -> frozenset[str]:
    """Lower-cased words the document capitalises inside runs of capitalised words, or in
    mid-sentence more than once: proper nouns, not German noun capitals."""
    out: set[str] = set()
    counts: dict[str, int] = {}
    for para in doc.live:
        raw = para.text.split()
        words = [w.strip(".,;:!?’'\"”“()") for w in raw]
        for k, (a, b) in enumerate(zip(words, words[1:], strict=False)):
            if raw[k][-1:] in ".,;:!?)”":
                continue
            if b[:1].isupper() and a[:1].islower():
                counts[b.lower()] = counts.get(b.lower(), 0) + 1
            if a[:1].isupper() and b[:1].isupper() and a.isalpha():
                out.add(a.lower())
                out.add(b.lower())
    out.update(w for w, n in counts.items() if n > 1)
    return frozenset(out)


def _inside(f: Finding, spans: list[tuple[int, int]]) -> bool:
    return any(f.start < e and s < f.end for s, e in spans)
