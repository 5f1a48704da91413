"""Artefact kinds: positive and negative cases on invented names and organisations."""

from __future__ import annotations

import pytest

from cleaners.artefacts import (
    TransliterationModel,
    calque,
    detect_artefacts,
    foreign,
    load_tables,
    punctuation,
    word_order,
)
from cleaners.corpus import fit
from cleaners.document import Document, Paragraph
from cleaners.settings import Settings

SETTINGS = Settings()
RES = load_tables(SETTINGS)


def _doc(doc_id: str, *paras: str, lang: str = "en") -> Document:
    doc = Document(id=doc_id, source=doc_id, language=lang)
    doc.paragraphs = [Paragraph(index=i, text=t, language=lang) for i, t in enumerate(paras)]
    return doc


def _kinds(findings):
    return [(f.kind, f.text, f.replacement) for f in findings]


# -- punctuation ------------------------------------------------------------------------------
def test_punctuation_positive():
    text = "The mayor spoke of the. report. that was leaked , and said: « we wait »."
    found = _kinds(punctuation.find(text, RES.gazetteer))
    assert ("punctuation", "the. report.", "the report") in found
    assert ("punctuation", "leaked , and", "leaked, and") in found
    assert any(t.startswith("«") and r == "“we wait”" for _, t, r in found)


def test_punctuation_quotes():
    assert _kinds(punctuation.find("“It is over.”” said Vedran Polk."))[0][2] == "over,”"
    rev = punctuation.find("”We stay here,“ she says.")
    assert rev[0].replacement == "“We stay here,”"
    unclosed = punctuation.find("“We will come back next year, said Orla Finch, a farmer.")
    assert unclosed and unclosed[0].replacement.startswith("“We will come back next year,” said")


def test_unclosed_quote_closes_before_a_named_speaker():
    for speaker in ("Halvorsen said", "she said", "Mira Okafor told"):
        found = punctuation.find(f"“The harbour will be rebuilt by spring, {speaker} reporters.")
        assert [f.rule for f in found] == ["punctuation:unclosed_quote"], speaker
        assert found[0].replacement == f"“The harbour will be rebuilt by spring,” {speaker} reporters.", speaker


def test_dangling_open_quote_is_the_closer_of_the_quotation_before_it():
    found = punctuation.find("“We can rebuild our town. “")
    assert [(f.rule, f.replacement) for f in found] == [("punctuation:dangling_open_quote", "town.”")]
    # it closes the quotation just before it, not an earlier one left open
    found = punctuation.find("“Nobody came, he said. The mayor left. “Help us. “")
    assert [f.rule for f in found] == ["punctuation:dangling_open_quote", "punctuation:unclosed_quote"]
    assert found[1].replacement == "“Nobody came,” he said."


def test_punctuation_negative():
    clean = "“We are ready,” said Dr. Ilse Morrow of the U.S. office. Prices rose 14%, e.g. bread."
    assert punctuation.find(clean) == []
    # a quotation continued in the next paragraph is the English convention
    assert punctuation.find("“We waited a long time.", next_text="“Then we left.”") == []


# -- word order -------------------------------------------------------------------------------
def test_word_order_positive():
    text = (
        "The board, which sets the fares for buses sets, met at a hearing Next Week and praised the "
        "Ferry for its work in a long talk with the harbour pilot off. It was a fearful fear."
    )
    rules = {f.rule for f in word_order.find(text)}
    assert {
        "word_order:verb_final_repeat",
        "word_order:capitalised_time",
        "word_order:capitalised_noun",
        "word_order:dangling_particle",
    } <= rules
    verb = next(f for f in word_order.find(text) if f.rule == "word_order:verb_final_repeat")
    assert verb.replacement == "which sets the fares for buses"


def test_word_order_negative():
    text = (
        "He pointed the risks out. Last year the mayor, Brenna Holt, visited Paris and Rome. "
        "The minister met the Dunmore delegation, which arrived on Friday."
    )
    assert word_order.find(text, frozenset({"holt", "brenna"})) == []


# -- calques ----------------------------------------------------------------------------------
def test_calque_gazetteer_synonyms_and_order():
    text = "The Council of Safety met, while Reporter without Frontiers and the Worldwide Bank objected."
    found = {t: r for _, t, r in _kinds(calque.find(text, RES.gazetteer))}
    assert found["Council of Safety"] == "Security Council"
    assert found["Reporter without Frontiers"] == "Reporters Without Borders"
    assert found["Worldwide Bank"] == "World Bank"


def test_calque_heuristic_and_negative():
    flagged = calque.find("A spokesman for the watchdog Liberty committee said so.", RES.gazetteer)
    assert flagged and flagged[0].replacement is None and flagged[0].text == "Liberty committee"
    assert flagged[0].rule == "calque:heuristic_shape" and not flagged[0].fixable
    # a name glued to a lowercase institution noun is ordinary English unless the name is a literal translation
    english = "He plays Rugby union, the Paris court ruled, and the Walkley board met on Friday."
    assert calque.find(english, RES.gazetteer) == []
    clean = "Freedom House, the World Bank and the Orvell Anti-Corruption Council agreed. House prices rose."
    assert calque.find(clean, RES.gazetteer) == []


# -- foreign fragments ------------------------------------------------------------------------
def test_foreign_fragment():
    text = "The poster read: Wir bleiben hier, bis die Regierung uns zuhört und handelt. Nobody answered."
    found = foreign.find(text, "en")
    assert found and found[0].lang == "de" and found[0].text.startswith("Wir bleiben")
    assert foreign.find("A man shouted: Мы не уйдём отсюда никогда, слышите вы!", "en")[0].lang in ("ru", "uk", "bg")
    assert foreign.find("The town council met on Monday and agreed to fund the new library.", "en") == []


def test_detect_artefacts_applies_fixes_and_keeps_offsets():
    before = "They met the Advice of Europe in May , and the mood was calm.”” said Ulla Brandt."
    doc = _doc("a.txt", before)
    detect_artefacts(doc, SETTINGS, RES)
    assert doc.paragraphs[0].text == "They met the Council of Europe in May, and the mood was calm,” said Ulla Brandt."
    for ev in doc.events:
        assert before[ev.start : ev.end] == ev.text
    assert {e.action for e in doc.events} == {"fixed"}


def test_non_english_document_untouched():
    doc = _doc("b.txt", "Die Kammer , sagte Herr Schwarz, tagt «morgen».", lang="de")
    detect_artefacts(doc, SETTINGS, RES)
    assert doc.events == [] and doc.paragraphs[0].text.endswith("«morgen».")


# -- transliteration --------------------------------------------------------------------------
def _run_names(*docs: Document, settings: Settings = SETTINGS) -> TransliterationModel:
    model = TransliterationModel(settings, RES)
    fit([model], docs)
    for d in docs:
        model.apply(d)
    return model


def test_corpus_variants_get_english_canonical():
    en = _doc("en.txt", "Mayor Radomir Zhelyabin opened the bridge in Vyshgorsk. Zhelyabin was pleased.")
    de = _doc(
        "de.txt",
        "Mayor Radomir Scheljabin opened the bridge in Wyschgorsk with Pjotr Kowaltschenko. Scheljabin spoke.",
    )
    _run_names(en, de)
    assert en.events == []
    assert "Zhelyabin" in de.paragraphs[0].text and "Vyshgorsk" in de.paragraphs[0].text
    ev = {e.text: e for e in de.events}
    assert ev["Wyschgorsk"].replacement == "Vyshgorsk" and ev["Wyschgorsk"].rule == "transliteration:corpus"
    assert ev["Wyschgorsk"].action == "fixed"
    # seen once, no English variant in the corpus: fingerprint flag with a rule-made suggestion
    assert ev["Pjotr Kowaltschenko"].rule == "transliteration:fingerprint"
    assert ev["Pjotr Kowaltschenko"].action == "flagged"
    assert ev["Pjotr Kowaltschenko"].replacement == "Pyotr Kovalchenko"


def test_french_fingerprint():
    fr = _doc("fr.txt", "The deputy Ilia Boudaltchouk met voters in Tchernovask on Sunday.")
    _run_names(fr)
    reps = {e.text: e.replacement for e in fr.events}
    assert reps["Ilia Boudaltchouk"] == "Ilia Budalchuk"
    assert reps["Tchernovask"] == "Chernovask"


def test_english_spellings_of_foreign_people_are_not_flagged():
    doc = _doc(
        "t.txt",
        "Gerhard Schmidtke, an economist in Hamburg, met Agnieszka Kowalik from Wrocław and Louis Dubourg "
        "of Strasbourg. Mikhail Zhukov and Lyudmila Tereshchenko joined them in Vienna, said Joseph Marlow.",
    )
    _run_names(doc)
    assert doc.events == []


def test_german_document_is_judged_in_its_own_language():
    de = _doc("de.txt", "Der Minister Wachtang Tscherkassow sprach in Schabrowo.", lang="de")
    en = _doc("en.txt", "Minister Vakhtang Cherkasov spoke in Zhabrovo.")
    _run_names(de, en)
    assert de.events == [] and en.events == []


def test_user_canonical_names_override(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Dariusz Velikan | Darius Welikan\n", encoding="utf-8")
    settings = Settings(canonical_names=names)
    doc = _doc("u.txt", "Darius Welikan said the port would open.")
    from cleaners.artefacts.tables import load_tables as load

    model = TransliterationModel(settings, load(settings))
    model.observe(doc)
    model.decide()
    model.apply(doc)
    assert doc.events[0].rule == "transliteration:user"
    assert doc.paragraphs[0].text.startswith("Dariusz Velikan")


def test_model_roundtrip_and_forget():
    en = _doc("en.txt", "Mayor Radomir Zhelyabin spoke.")
    de = _doc("de.txt", "Mayor Radomir Scheljabin spoke.")
    model = TransliterationModel(SETTINGS, RES)
    model.observe(en)
    other = TransliterationModel(SETTINGS, RES)
    other.observe(de)
    model.merge(other)
    clone = TransliterationModel.from_dict(model.to_dict(), SETTINGS, RES)
    clone.decide()
    clone.apply(de)
    assert de.events and de.events[0].replacement == "Radomir Zhelyabin"
    clone.forget("en.txt")
    clone.decide()
    assert "scheljabin" not in clone.spellings


@pytest.mark.parametrize("kind", ["punctuation", "calque"])
def test_policy_flag_never_rewrites(kind):
    settings = Settings(artefact_policy={**SETTINGS.artefact_policy, kind: "flag"})
    text = "They met the Advice of Europe , and left."
    doc = _doc("p.txt", text)
    detect_artefacts(doc, settings, RES)
    assert all(e.action == "flagged" for e in doc.events if e.kind == kind)


# -- generalisations (names and organisations in no other test file) ---------------------------
def test_french_system_spellings_meet_their_english_spelling():
    # no French fingerprint in these spellings (ch, ou, j); rendering them the French way gives
    # a spelling the corpus also uses, which is therefore the English one
    en = _doc("en.txt", "Ulyana Shumovets met Rostislav Tulupov in Zhabinsk. Shumovets praised the deal.")
    fr = _doc(
        "fr.txt",
        "JABINSK – Ulyana Choumovets met Rostislav Touloupov in Jabinsk, said Jacques Moreau, a notary "
        "from Rouen, and Louise Charbonnier.",
    )
    _run_names(en, fr)
    assert en.events == []
    reps = {e.text: (e.replacement, e.action) for e in fr.events}
    assert reps["JABINSK"] == ("ZHABINSK", "fixed")
    assert reps["Ulyana Choumovets"] == ("Ulyana Shumovets", "fixed")
    assert reps["Rostislav Touloupov"] == ("Rostislav Tulupov", "fixed")
    assert reps["Jabinsk"][0] == "Zhabinsk"
    # French people's names render to nothing the corpus spells: left alone
    assert not any("Moreau" in t or "Charbonnier" in t or "Rouen" in t for t in reps)


def test_system_spelling_needs_the_english_form_in_the_corpus():
    fr = _doc("fr.txt", "Ulyana Choumovets met Rostislav Touloupov in Jabinsk.")
    _run_names(fr)
    assert fr.events == []


def _gazetteer(tmp_path):
    from cleaners.artefacts.tables import load_gazetteer

    path = tmp_path / "gaz.toml"
    path.write_text(
        """
[match]
ignore = ["of", "the", "for", "in", "and"]
[synonyms]
groups = [["security", "safety"], ["agency", "office"]]
[[org]]
name = "Nordic Agency for Security and Co-operation in Shipping"
[[org]]
name = "Nordic Bank for Reconstruction and Shipping"
[[org]]
name = "Arctic Marine Research Institute"
[[org]]
name = "Ministry of Harbours"
""",
        encoding="utf-8",
    )
    return load_gazetteer(path)


def test_calque_matching_folds_synonyms_articles_hyphens_and_order(tmp_path):
    gaz = _gazetteer(tmp_path)
    text = (
        "Observers of the Nordic Office for the Safety and the Cooperation in Shipping and of the "
        "Institute of Marine Research of the Arctic arrived."
    )
    found = {t: r for _, t, r in _kinds(calque.find(text, gaz))}
    assert found["Nordic Office for the Safety and the Cooperation in Shipping"] == (
        "Nordic Agency for Security and Co-operation in Shipping"
    )
    assert found["Institute of Marine Research of the Arctic"] == "Arctic Marine Research Institute"


def test_calque_candidate_must_cover_the_span(tmp_path):
    gaz = _gazetteer(tmp_path)
    # shares words with two entries but is neither of them
    assert gaz.match("Nordic Bank for Shipping Safety") is None
    assert calque.find("The Nordic Bank for Shipping Safety lent money.", gaz) == []
    # one word missing, with translation damage (a synonym): still the organisation, scored lower
    canonical, score = gaz.match("Nordic Office for Security in Shipping")
    assert canonical == "Nordic Agency for Security and Co-operation in Shipping" and 0.8 < score < 1.0
    # one word missing but verbatim: an English short name, not a calque
    assert gaz.match("Arctic Marine Institute") is None
    # "Harbour Ministry" is English for "Ministry of Harbours"; "Ministry for Harbours" is not a name
    assert calque.find("The Harbour Ministry agreed.", gaz) == []
    assert _kinds(calque.find("The Ministry for Harbours agreed.", gaz)) == [
        ("calque", "Ministry for Harbours", "Ministry of Harbours")
    ]


def test_calque_food_synonym_in_shipped_gazetteer():
    found = _kinds(calque.find("The Global Feeding Program sent grain.", RES.gazetteer))
    assert found == [("calque", "Global Feeding Program", "World Food Programme")]


def test_stray_stops_keep_running_text_case():
    found = {
        t: r
        for _, t, r in _kinds(
            punctuation.find("The supreme. court. ruled, and the highest. court. sat.", RES.gazetteer)
        )
    }
    assert found["supreme. court."] == "supreme court"  # the name's own words: running text
    assert found["highest. court."] == "Supreme Court"  # changed by a synonym: the calque's name


def test_participle_repeated_at_clause_end():
    text = (
        "The port authority has resurfaced the quay already in March resurfaced. "
        "The ferry line will extend the timetable next season extend, the captain said."
    )
    found = {f.text: f.replacement for f in word_order.find(text)}
    assert found["has resurfaced the quay already in March resurfaced"] == "resurfaced the quay already in March"
    assert found["will extend the timetable next season extend"] == "will extend the timetable next season"


def test_repeated_verb_negative():
    text = "The mayor has promised what the council promised. They have tested and tested. It was known."
    assert [f for f in word_order.find(text) if "repeat" in f.rule] == []
