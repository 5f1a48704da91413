"""Duplicates keep their facts: a near-duplicate is removed only when its numbers and names are its
kept copy's (cleaners.dedup). Fixtures are invented: a harbour town's price list, its police blotter
and a photo caption its newspaper printed twice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import removed

from cleaners.corpus import fit
from cleaners.dedup import DedupModel, facts, names, normalise, numbers, sketch_texts
from cleaners.dedup import model as dedup_model
from cleaners.dedup.candidates import LshIndex
from cleaners.document import Document, Paragraph
from cleaners.settings import Settings


class Names:
    """A stand-in for the run's transliteration model: every capitalised word of 3+ letters outside `common` is a
    name; `links` maps a spelling to the key of the name it spells (what TransliterationModel.same_name gives)."""

    def __init__(self, links: dict[str, str] | None = None, common: tuple[str, ...] = ()) -> None:
        self.links = links or {}
        self.common = set(common)

    def same_name(self, token: str) -> str:
        low = token.lower()
        return self.links.get(low, low)

    def is_name(self, low: str) -> bool:
        return len(low) >= 3 and low not in self.common


# A price list: the same frame, other values in its slots.
PRICE_LINES = [
    "Harbour tour for a family of four, two hours with a guide: 1,250 crowns",
    "Harbour tour for a family of four, three hours with a guide: 1,520 crowns",
    "Harbour tour for a family of four, two hours with a guide: 1 250 crowns",
]
SHORT_PRICES = ["Rye loaf: $4.99", "Rye loaf: $6.49", "Rye loaf — $4.99"]

# Two arrest reports about different people, one with the first man's name spelled another way, one
# that leaves out his first name.
ARREST = (
    "Marek Tolvanen, 34, of Harbour Lane, was arrested on Friday evening on a charge of shoplifting "
    "at the covered market on Quay Street and released on bail."
)
ARREST_OTHER_MAN = ARREST.replace("Marek Tolvanen", "Ansel Brodny")
ARREST_RESPELT = ARREST.replace("Tolvanen", "Tolwanen")
ARREST_SURNAME_ONLY = ARREST.replace("Marek Tolvanen", "Tolvanen")
ARREST_OTHER_AGE = ARREST.replace("34", "43")

# A caption printed twice, once re-typeset, and a repeated short credit line.
CAPTION = (
    "Fishing boats wait out the storm in the inner harbour at Ostrigan, where 4,000 people live. Photo: Harbour Gazette"
)
CAPTION_RETYPESET = CAPTION.replace("4,000", "4 000").replace(", where", " — where")
CREDIT = "Photo: Harbour Gazette, 2023"


def doc(doc_id: str, *texts: str) -> Document:
    return Document(id=doc_id, source=doc_id, paragraphs=[Paragraph(index=i, text=t) for i, t in enumerate(texts)])


def run(*docs: Document, index: Names | None = None, settings: Settings | None = None) -> DedupModel:
    model = DedupModel(settings or Settings(), index)
    fit([model], docs)
    return model


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard of two paragraphs' sketches: the wording test every pair below passes."""
    sigs = sketch_texts([normalise(a), normalise(b)], Settings())
    return float(np.count_nonzero(sigs[0] == sigs[1])) / sigs.shape[1]


@pytest.fixture(autouse=True)
def _wording_alone_would_match() -> None:
    """Every template pair here is alike enough in wording to be clustered on wording alone, so each
    decision below is the facts' doing."""
    for a, b in [
        (PRICE_LINES[0], PRICE_LINES[1]),
        (ARREST, ARREST_OTHER_MAN),
        (ARREST, ARREST_OTHER_AGE),
        (ARREST, ARREST_RESPELT),
    ]:
        assert similarity(a, b) >= Settings().threshold
    assert normalise(SHORT_PRICES[0]) == normalise(SHORT_PRICES[1])


# --- numbers -------------------------------------------------------------------------------------


def test_numbers_fold_formats_but_not_values() -> None:
    assert numbers("4,000 or 4.000 or 4 000 or 4\u202f000 or 4000") == ["4000"] * 5
    assert numbers("$169.99") != numbers("$39.99")
    assert numbers("14 %") == numbers("14%") == numbers("14 per cent") == ["14"]
    assert numbers("at 08:00") == numbers("at 8:00") == ["8", "0"]
    assert numbers("on 27.01.2024") == ["27", "1", "2024"]
    assert numbers("1 5 Reply") == ["1", "5"]  # two vote counts, not one number
    assert numbers("1.234.567,89") == numbers("1,234,567.89") == ["123456789"]
    assert numbers("\u0663\u0664 boats") == ["34"]


def test_price_list_is_a_template_not_a_copy() -> None:
    d = doc("prices.txt", *PRICE_LINES)
    model = run(d)
    # other price and duration: kept; the same line with the thousands written another way: removed
    assert removed(model, d) == [2]
    assert d.events[0].duplicate_of == {"doc": "prices.txt", "paragraph": 0}


def test_short_lines_compare_digits_as_digits() -> None:
    d = doc("shop.txt", "Step 5", "Step 7", *SHORT_PRICES, "Step 5")
    model = run(d)
    assert removed(model, d) == [4, 5]  # "Rye loaf — $4.99" repeats "Rye loaf: $4.99"; "Step 5" repeats
    assert all(e.rule == "dedup:exact" for e in d.events)


def test_retypeset_copies_across_documents_still_cluster() -> None:
    a, b = doc("a.txt", CAPTION), doc("b.txt", CAPTION_RETYPESET)
    model = run(a, b, index=Names())
    assert removed(model, b) == [0]


# --- names ---------------------------------------------------------------------------------------


def test_names_through_the_name_model() -> None:
    index = Names(links={"tolwanen": "tolvanen"}, common=("photo",))
    assert names("Marek Tolwanen of Quay Street", index) == ["marek", "quay", "street", "tolvanen"]
    assert names("a Vienna-based analyst", index) == ["vienna"]  # counts by its capitalised part
    assert names("Photo: the harbour", index) == []
    assert names("Photo: the Harbour") == ["harbour", "photo"]  # no model: capitalised words as written


def test_arrest_reports_about_different_people_are_not_copies() -> None:
    a = doc("blotter.txt", ARREST, ARREST_OTHER_MAN, ARREST_OTHER_AGE)
    model = run(a, index=Names())
    assert removed(model, a) == []
    assert model.clusters() == []


def test_spellings_the_name_model_links_are_one_name() -> None:
    linked = Names(links={"tolwanen": "tolvanen"})
    a, b = doc("a.txt", ARREST), doc("b.txt", ARREST_RESPELT)
    assert removed(run(a, b, index=linked), b) == [0]
    a, b = doc("a.txt", ARREST), doc("b.txt", ARREST_RESPELT)
    assert removed(run(a, b, index=Names()), b) == []  # not linked: another man, as far as we know


def test_a_copy_naming_fewer_people_goes_one_naming_more_stays() -> None:
    """A removal never loses a fact: the copy without the first name may go, the one with it may not."""
    a, b = doc("a.txt", ARREST), doc("b.txt", ARREST_SURNAME_ONLY)
    assert removed(run(a, b, index=Names()), b) == [0]
    a, b = doc("a.txt", ARREST_SURNAME_ONLY), doc("b.txt", ARREST)
    assert removed(run(a, b, index=Names()), b) == []


# --- exact repeats -------------------------------------------------------------------------------


def test_a_repeated_caption_is_still_a_copy() -> None:
    d = doc("gazette.txt", CAPTION, CREDIT, "The council meets on Monday.", CAPTION, CREDIT)
    other = doc("website.txt", CAPTION)  # after gazette.txt: documents go in id order
    model = run(d, other, index=Names())
    assert removed(model, d) == [3, 4]
    assert removed(model, other) == [0]
    assert {e.rule for e in d.events} == {"dedup:exact"}


# --- both clustering paths, persistence, cached sketches -----------------------------------------


def _corpus() -> list[Document]:
    return [
        doc("a.txt", *PRICE_LINES, ARREST, CAPTION),
        doc("b.txt", ARREST_OTHER_MAN, ARREST_RESPELT, ARREST_SURNAME_ONLY, CAPTION_RETYPESET),
        doc("c.txt", ARREST_OTHER_AGE, CAPTION, PRICE_LINES[1]),
    ]


def test_minhashlsh_path_decides_like_the_compact_index() -> None:
    model = run(*_corpus(), index=Names(links={"tolwanen": "tolvanen"}))
    compact = model.to_dict(sketches=False)
    model.decide(LshIndex(model.settings, {"type": "dict"}))  # datasketch's MinHashLSH as the source
    assert model.to_dict(sketches=False) == compact
    assert len(compact["clusters"]) >= 3


def test_facts_travel_with_the_sketches() -> None:
    """The clustering phase has sketches only: a model rebuilt from them decides the same."""
    settings = Settings()
    model = run(*_corpus(), index=Names(links={"tolwanen": "tolvanen"}))
    rebuilt = DedupModel.from_dict(model.to_dict(), settings)
    rebuilt.decide()
    assert rebuilt.to_dict(sketches=False) == model.to_dict(sketches=False)


def test_a_reused_sketch_takes_its_facts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """An incremental run reuses the signatures of unchanged text, but the transliteration model may link new
    spellings: the facts are taken again, so the result equals a full run's."""
    a, b = doc("a.txt", ARREST), doc("b.txt", ARREST_RESPELT)
    before = run(a, b, index=Names())
    cached = {d.id: before.export_doc(d.id) for d in (a, b)}
    linked = Names(links={"tolwanen": "tolvanen"})
    full = run(doc("a.txt", ARREST), doc("b.txt", ARREST_RESPELT), index=linked)

    def no_sketching(*args: object, **kwargs: object) -> None:
        raise AssertionError("cached signatures were not reused")

    monkeypatch.setattr(dedup_model, "sketch_texts", no_sketching)
    incremental = DedupModel(Settings(), linked)
    for d in (a, b):
        incremental.observe(d, reuse=cached[d.id])
    incremental.decide()
    assert incremental.to_dict() == full.to_dict()
    assert removed(incremental, b) == [0]


def test_pipeline_compares_names_through_its_name_model(tmp_path: Path) -> None:
    """`clean_prepared` hands the run's transliteration model to dedup; the price list and the blotter keep every
    entry, and only the caption printed twice goes."""
    from cleaners.pipeline import run_library

    raw = tmp_path / "raw"
    raw.mkdir()
    text = "\n\n".join([*PRICE_LINES[:2], ARREST, ARREST_OTHER_MAN, CAPTION, CAPTION])
    (raw / "gazette.txt").write_text(text + "\n", encoding="utf-8")
    seen: list[object] = []
    real_init = DedupModel.__init__

    def recording_init(self: DedupModel, settings: Settings, name_index: object = None) -> None:
        seen.append(name_index)
        real_init(self, settings, name_index)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DedupModel, "__init__", recording_init)
        result = run_library(raw, Settings())
    assert seen == [result.models.transliteration]
    (gazette,) = result.documents
    gone = [p.index for p in gazette.paragraphs if p.removed == "duplicate"]
    assert gone == [5]  # the second caption (its credit line is chrome to the pipeline)


def test_ascii_fast_path_finds_the_same_capitalised_words() -> None:
    index = Names()
    for text in [ARREST, CAPTION, "x-Ray and McDonald met a Vienna-based 3D printer", "the DJ's set at Ostrigan-Nord"]:
        general = names(text + " é", index)  # not ASCII: every word, then its case
        assert names(text, index) == general
    assert names("x-Ray and McDonald met a Vienna-based 3D printer", index) == ["mcdonald", "vienna"]


def test_dates_agree_across_formats_and_months_count_as_numbers() -> None:
    assert sorted(facts("CHELVARI, Jan 27 (Agency)")[0]) == sorted(facts("CHELVARI, 27 January (Agency)")[0])
    assert sorted(facts("on 27.01.2024")[0]) == sorted(facts("on January 27, 2024")[0])
    assert facts("on 3 March")[0] != facts("on 3 May")[0]
    assert facts("Jan 27", Names())[1] == []  # a month is a number, not a name


def test_the_same_wording_with_digits_elsewhere_is_a_template() -> None:
    """Same digits in other places (a list sorted, scores swapped) is not the same paragraph."""
    scores = "Final scores after the harbour regatta, first and second heats: 12 and 7 points, then 9 and 4 points"
    swapped = "Final scores after the harbour regatta, first and second heats: 7 and 12 points, then 4 and 9 points"
    d = doc("regatta.txt", scores, swapped, scores)
    model = run(d, index=Names())
    assert removed(model, d) == [2]  # only the exact repeat
