"""Reference for the batch runner (`cleaners.pipeline.prepare_documents`): the per-document stages one
document at a time, each stage's Python part alone, without the columns (gates and counts over the batch)
the runner computes first."""

from __future__ import annotations

from cleaners.document import Document
from cleaners.pipeline import DOCUMENT_STAGES, Resources, _fail


def prepare_document(doc: Document, res: Resources) -> Document:
    if doc.status != "ok":
        return doc
    for stage in DOCUMENT_STAGES:
        try:
            stage.each(doc, None, res)
        except Exception as exc:  # noqa: BLE001 - as the runner: the document becomes an error record
            _fail(doc, stage.name, exc)
            break
    return doc
