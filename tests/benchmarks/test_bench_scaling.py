"""bench.scaling reads the signatures a run cached, in the cache's own format."""

from pathlib import Path

import numpy as np

from bench.scaling import real_signatures
from cleaners.dedup import DedupModel
from cleaners.document import Document, split_paragraphs
from cleaners.settings import Settings
from cleaners.stores import sketch_cache


def test_real_signatures_reads_the_per_batch_signature_cache(tmp_path: Path) -> None:
    settings = Settings()
    model = DedupModel(settings)
    text = (
        "The ferry left the harbour at noon with forty passengers on board.\n\n"
        "The council will meet again next week to discuss the new timetable."
    )
    doc = Document(id="a.txt", source="a.txt", paragraphs=split_paragraphs(text))
    doc.language = "en"
    model.observe(doc)
    entry = {"digest": "0" * 16, "sketch": model.export_doc(doc.id)}
    sketch_cache(settings, tmp_path).put_many({"k1": {doc.id: entry}})
    assert list(tmp_path.glob("*.sketch.json"))
    sigs = real_signatures(10, settings.num_perm, tmp_path)
    assert sigs is not None and sigs.shape == (2, settings.num_perm) and sigs.dtype == np.dtype("<u4")
    assert real_signatures(10, settings.num_perm, tmp_path / "none") is None
