"""Transliteration and calque decisions on right text: a fix needs evidence, never mere similarity.

Every fixture is written for these tests: a right name beside a look-alike the corpus also spells, a
German or French surname in an English article, a valid English name of an institution.
"""

from __future__ import annotations

from cleaners.artefacts import TransliterationModel, calque, load_tables
from cleaners.corpus import fit
from cleaners.document import Document, Paragraph
from cleaners.settings import Settings

SETTINGS = Settings()
RES = load_tables(SETTINGS)


def _doc(doc_id: str, *paras: str) -> Document:
    doc = Document(id=doc_id, source=doc_id, language="en")
    doc.paragraphs = [Paragraph(index=i, text=t, language="en") for i, t in enumerate(paras)]
    return doc


def _run(*docs: Document) -> TransliterationModel:
    model = TransliterationModel(SETTINGS, RES)
    fit([model], docs)
    for doc in docs:
        model.apply(doc)
    return model


def _events(*docs: Document) -> dict[str, tuple[str | None, str]]:
    return {e.text: (e.replacement, e.action) for d in docs for e in d.events}


# -- a right name beside a look-alike ---------------------------------------------------------------
def test_look_alike_names_are_left_alone():
    """Spellings one edit apart, or close as strings, are different names: no convention links them."""
    a = _doc("a.txt", "The studio Mojang shipped an update. Anna Tirel and Kai Brook reviewed it for Massa Weekly.")
    b = _doc("b.txt", "Modding tools followed. Ana Tirel, Kay Brook and Masa Lund wrote about Valentin Oreo.")
    c = _doc("c.txt", "Valentine Oreo and Benjamin Pask spoke; Benyamin Pask did not. México and Mexico agreed.")
    _run(a, b, c)
    assert _events(a, b, c) == {}


def test_german_surname_in_an_english_article_is_not_flagged():
    """One German name is the person's own spelling: the document as a whole was not written through German."""
    doc = _doc("d.txt", "Sallie Goetsch runs a design studio. Goetsch said the Deutschland tour sold out in a week.")
    _run(doc)
    assert doc.events == []


def test_acronyms_handles_and_camel_case_are_not_names():
    doc = _doc("e.txt", "The WMS team met VMS users. IOUtils and DeliciousJinx posted; Themostawesomeninja replied.")
    other = _doc("f.txt", "Deliciousjinx and Ioutils were mentioned in passing by Vms fans.")
    _run(doc, other)
    assert doc.events == []


# -- the same name under a romanisation convention ----------------------------------------------------
def test_german_spellings_are_fixed_onto_the_attested_english_spelling():
    en = _doc("en.txt", "Governor Yevgeny Dzharkov met Pavel Shubin in Vorontsovka on Monday.")
    de = _doc("de.txt", "Governor Jewgenij Dscharkow met Pawel Schubin in Woronzowka, said Tschernow.")
    _run(en, de)
    found = _events(en, de)
    assert found["Jewgenij Dscharkow"] == ("Yevgeny Dzharkov", "fixed")
    assert found["Pawel Schubin"] == ("Pavel Shubin", "fixed")
    assert found["Woronzowka"] == ("Vorontsovka", "fixed")
    assert en.events == []


def test_a_fingerprinted_name_without_an_attested_spelling_is_only_flagged():
    de = _doc("de.txt", "Jewgenij Dscharkow met Wladislaw Tschernow and Pawel Schubin in the capital.")
    _run(de)
    found = _events(de)
    assert found and all(action == "flagged" for _, action in found.values())


def test_pivot_trace_joins_the_zh_spelling():
    """German sch writes Russian zh: beside a zh spelling and a German sch spelling of one name, an sh
    spelling that looks English is what the German pivot left behind."""
    en = _doc("en.txt", "Zhelyabin spoke in Tver. Zhelyabin later met the press.")
    de = _doc("de.txt", "Scheljabin sprach mit Tschernow, Dschaparow und Woronzow in Tver.")
    pivot = _doc("pv.txt", "Shelyabin said the talks would go on.")
    model = _run(en, de, pivot)
    assert model.spellings["scheljabin"].canonical == "zhelyabin"
    assert _events(pivot)["Shelyabin"][0] == "Zhelyabin"


# -- calques -------------------------------------------------------------------------------------------
def test_english_names_of_institutions_are_not_calques():
    """A ministry of justice is the Justice Department in English too; a high court is a court."""
    text = (
        "The Justice Department and the Department of Justice both replied, the High Court sat, and the "
        "Foreign Office and the Accounts Chamber said nothing."
    )
    assert calque.find(text, RES.gazetteer) == []


def test_literal_translations_of_institutions_are_fixed():
    text = "The Constitutional Trial ruled, the Advice of Europe objected, and the Counting Chamber audited."
    found = {f.text: (f.replacement, f.fixable) for f in calque.find(text, RES.gazetteer)}
    assert found["Constitutional Trial"] == ("Constitutional Court", True)
    assert found["Advice of Europe"] == ("Council of Europe", True)
    assert found["Counting Chamber"] == ("Audit Chamber", True)


def test_evidence_of_a_calque():
    gaz = RES.gazetteer
    assert gaz.evidence("Ministry of Energetics", "Ministry of Energy") == "literal"
    assert gaz.evidence("Department of Justice", "Ministry of Justice") == "english"
    assert gaz.evidence("Commission of Venice", "Venice Commission") == "literal"
    assert gaz.evidence("International Transparency", "Transparency International") == "order"
