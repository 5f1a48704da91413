"""Cleaning one text in one call, for a tool with its own stream of texts (a crawler, a notebook).

`clean_text` runs the per-document stages of a run (`cleaners.pipeline.DOCUMENT_STAGES`: encoding
repair, chrome, language, artefacts) on one string and returns the clean text with its events, the
same events a run records for that text. What needs a corpus is not done here: lines a site repeats,
name spellings attested elsewhere (`CORPUS_MODELS`) and near-duplicate paragraphs are decided over
many documents. A caller who has a corpus fits the models once (`fit_models`) and passes them in;
near-duplicates stay a run's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaners.document import Document, Event
from cleaners.pipeline import CorpusModels, Resources, prepare_document
from cleaners.reading import Source, read_bytes, read_source
from cleaners.settings import Settings


@dataclass(frozen=True)
class Cleaned:
    """One cleaned document: its clean `text` (paragraphs separated by one blank line, no final
    newline), every decision as an `Event` (with the original text), its `language` and `status`
    (`ok`, `empty`, or `error` with the message in `error`)."""

    text: str
    events: list[Event]
    language: str | None
    status: str
    error: str | None = None
    document: Document = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @classmethod
    def of(cls, doc: Document) -> Cleaned:
        text = doc.clean_text() if doc.status == "ok" else ""
        return cls(text, list(doc.events), doc.language, doc.status, doc.error, doc)


def clean_text(
    text: str,
    *,
    name: str = "text.txt",
    site: str | None = None,
    settings: Settings | None = None,
    models: CorpusModels | Mapping[str, Any] | None = None,
) -> Cleaned:
    r"""Clean one text with the per-document stages, ftfy-style: text in, clean text and events out.

    `name` is the document id a run would give it (its path under raw/, e.g. `courier/a.txt`): event
    ids derive from it, and its top folder is the site unless `site` says otherwise. `settings`
    default to `Settings()` (no config file is read). `models` are decided corpus models
    (`fit_models`, or their `decisions()` as JSON) to apply after the stages, as a run does.

    >>> from cleaners import clean_text
    >>> result = clean_text("Pier reopens\n\nHome > News > Region\n\n"
    ...                     "The caf\u00c3\u00a9 by the pier reopened on Monday, its owners said.\n\n"
    ...                     "Share on Facebook")
    >>> print(result.text)
    Pier reopens
    <BLANKLINE>
    The café by the pier reopened on Monday, its owners said.
    >>> for e in result.events:
    ...     print(e.action, e.kind, e.rule)
    fixed encoding encoding:ftfy
    removed chrome chrome:breadcrumb
    removed chrome chrome:share_prompt
    >>> fix = result.events[0]
    >>> fix.text[:9], fix.replacement[:8]
    ('The cafÃ©', 'The café')
    """
    if name.endswith(".jsonl"):
        raise ValueError(f"{name!r}: name one document; a .jsonl file holds many (use clean_file)")
    res = _resources(settings)
    (doc,) = read_bytes(Source(rel=name, path=Path(name)), _utf8(text), res.settings)
    if site is not None:
        doc.site = site
    return _clean(doc, res, models)


def clean_file(
    path: Path,
    *,
    raw: Path | None = None,
    settings: Settings | None = None,
    models: CorpusModels | Mapping[str, Any] | None = None,
) -> list[Cleaned]:
    """Clean one raw file read the way a run reads it (encodings, binary refused, one document per
    `.jsonl` record). `raw` is the raw folder it belongs to, so document ids and sites are the run's;
    without it the file's name is its id."""
    path = Path(path)
    rel = path.resolve().relative_to(Path(raw).resolve()).as_posix() if raw is not None else path.name
    res = _resources(settings)
    return [_clean(doc, res, models) for doc in read_source(Source(rel=rel, path=path), res.settings)]


def fit_models(
    texts: Iterable[str | tuple[str, str]],
    *,
    settings: Settings | None = None,
) -> CorpusModels:
    """Decide the corpus models (lines a site repeats, name spellings) over a corpus of texts, for
    `clean_text(..., models=...)`. Items are texts or `(name, text)` pairs; the name's top folder is
    the site, and chrome is learned per site. `models.decisions()` is their JSON form to keep."""
    res = _resources(settings)
    docs = []
    for i, item in enumerate(texts):
        name, text = item if isinstance(item, tuple) else (f"text-{i}.txt", item)
        (doc,) = read_bytes(Source(rel=name, path=Path(name)), _utf8(text), res.settings)
        docs.append(prepare_document(doc, res))
    return CorpusModels.empty(res).fit(docs)


def _utf8(text: str) -> bytes:
    """The text as the UTF-8 file a run would read; a lone surrogate (no UTF-8 has one) becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text).encode("utf-8")


def _resources(settings: Settings | None) -> Resources:
    """Data files loaded once per settings. A run's per-document time limit is a SIGALRM timer; in a
    caller's process the caller owns its signals, so none is set here (the limit changes no result)."""
    settings = settings or Settings()
    return Resources.load(settings.model_copy(update={"doc_timeout": 0.0}))


def _clean(doc: Document, res: Resources, models: CorpusModels | Mapping[str, Any] | None) -> Cleaned:
    prepare_document(doc, res)
    if models is not None:
        if not isinstance(models, CorpusModels):
            models = CorpusModels.from_decisions(dict(models), res)
        models.apply(doc)
    return Cleaned.of(doc)
