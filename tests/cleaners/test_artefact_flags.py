"""Flags must not fire on ordinary English: one decision per rule, on invented sentences.

Each word-order, punctuation and foreign-fragment rule is shown a shape English writers use (it must
stay quiet) and the machine-translation damage it is for (it must fire).
"""

from __future__ import annotations

import pytest

from cleaners.artefacts import detect_artefacts, foreign, load_tables, punctuation, word_order
from cleaners.document import Document, Paragraph
from cleaners.settings import Settings

SETTINGS = Settings()
RES = load_tables(SETTINGS)


def _rules(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in word_order.find(text)]


def _doc_events(*paras: str) -> list[tuple[str, str]]:
    doc = Document(id="d.txt", source="d.txt", language="en")
    doc.paragraphs = [Paragraph(index=i, text=t, language="en") for i, t in enumerate(paras)]
    detect_artefacts(doc, SETTINGS, RES)
    return [(e.rule, e.text) for e in doc.events]


# -- word_order:dangling_particle -------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The crew rowed out to the wreck to pick up.",
        "The crew went back to the quay to pick them up.",
        "Nobody on the ferry could tell us about what's going on.",
        "The charts are useful for tide tables and so on.",
        "Now the buoy starts to move in the swell up or down.",
        "A gull landed with a crab on its back.",
        "The skipper tried to chase the seals away.",
        "They wanted to pick the pieces of glass up.",
        "The town rebuilt the pier with new timber two years on.",
        "I first read about the harbour tax back...",
        "The pilot had to factor the cost of fuel in.",
    ],
)
def test_english_particles_are_not_flagged(text: str) -> None:
    assert [r for r in _rules(text) if r[0] == "word_order:dangling_particle"] == []


def test_separable_prefix_left_at_the_clause_end_is_flagged() -> None:
    found = _rules("The mayor announced the plan in a long interview with the harbour radio on.")
    assert ("word_order:dangling_particle", "in a long interview with the harbour radio on") in found


# -- word_order:capitalised_noun --------------------------------------------------------------
def test_proper_noun_after_the_is_not_flagged() -> None:
    events = _doc_events(
        "The barge drifted down the Tamworth towards the sea, and the Canadian crews waved.",
        "A study showed that Norway does better than most, said a professor at the University of Leeds.",
    )
    assert [e for e in events if e[0].startswith("word_order")] == []


def test_a_lone_capitalised_noun_in_english_is_not_flagged() -> None:
    text = "The committee praised the Constitution for its clarity."
    assert ("word_order:capitalised_noun", "the Constitution") in _rules(text)  # the shape alone
    assert _doc_events(text) == []  # one such word in a document shows no German habit


def test_german_capitals_with_other_signs_are_flagged() -> None:
    events = _doc_events(
        "For a family of four the Tariff rises by around five euros a month.",
        "The board had Last year still ruled out an increase.",
    )
    assert ("word_order:capitalised_noun", "the Tariff") in events
    assert ("word_order:capitalised_time", "Last year") in events


def test_headlines_and_rare_names_are_not_flagged() -> None:
    assert _rules("How to Paint a Tulip in Watercolor and Other Tips") == []
    assert _rules("The probe impacted Vorrelhant, the moon it had circled for years.") == []


# -- word_order:participle_final_repeat / verb_final_repeat -----------------------------------
def test_repeated_adjective_is_not_a_participle() -> None:
    assert _rules("These problems are worse in poor towns, not just a little worse.") == []


def test_participle_repeated_at_clause_end_is_flagged() -> None:
    rules = {r for r, _ in _rules("The port authority has resurfaced the old quay in March resurfaced.")}
    assert "word_order:participle_final_repeat" in rules


def test_repeated_noun_in_a_relative_clause_is_not_a_verb() -> None:
    assert _rules("They sell tools that turn any workshop into a better workshop.") == []
    assert _rules("Rows that arrived an hour ago and rows that just arrived count the same.") == []
    assert _rules("Then select avg as series_mean FROM series.") == []


def test_verb_repeated_after_a_relative_word_is_flagged() -> None:
    rules = {r for r, _ in _rules("The board, which sets the fares for river ferries sets, met today.")}
    assert "word_order:verb_final_repeat" in rules


# -- punctuation:stray_stops ------------------------------------------------------------------
def test_stray_stops_in_code_and_emphasis_are_not_flagged() -> None:
    assert punctuation.find('var n = res. headers. get ("Date");') == []
    assert punctuation.find("Well done, Captain, well. done. you.") == []


def test_stray_stops_in_prose_are_flagged() -> None:
    found = punctuation.find("The engineers checked the. pumps. before the flood came.")
    assert [(f.rule, f.text) for f in found] == [("punctuation:stray_stops", "the. pumps.")]


# -- punctuation:unclosed_quote / space_before ------------------------------------------------
def test_quotes_closed_by_other_marks_or_nested_are_not_flagged() -> None:
    assert punctuation.find('“We will stay," the skipper said.') == []
    assert punctuation.find("The film “Night Tide 2″ opens today.") == []
    nested = "“She read it twice. The “harbour notes” were wrong. Then she left,” he said."
    assert punctuation.find(nested) == []


def test_unclosed_quote_is_flagged() -> None:
    found = punctuation.find("The skipper said: “We will not pay more than last year.")
    assert [f.rule for f in found] == ["punctuation:unclosed_quote"]


def test_space_before_a_stop_is_not_fixed_in_ellipses_or_gaps() -> None:
    assert punctuation.find("The ferry was Delayed . . . Again") == []
    assert punctuation.find("This post has been edited since .") == []
    assert [f.replacement for f in punctuation.find("Fares rose to 400 .")] == ["400."]


# -- foreign:script_run -----------------------------------------------------------------------
def test_cjk_run_inside_an_english_sentence_is_flagged() -> None:
    found = foreign.find("The shop sign read 欢迎光临 in bright red letters.", "en")
    assert [(f.rule, f.text, f.lang) for f in found] == [("foreign:script_run", "欢迎光临", "zh")]


def test_other_script_runs_are_flagged_without_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("langdetect was asked")

    monkeypatch.setattr(foreign, "detect", refuse)
    found = foreign.find("She wrote Москва on the envelope and posted it.", "en")
    assert [(f.rule, f.text) for f in found] == [("foreign:script_run", "Москва")]


def test_symbols_and_menu_lines_are_not_fragments() -> None:
    assert foreign.find("The β coefficient rose while α stayed flat.", "en") == []
    assert foreign.find("English\n日本語\n한국어\nDeutsch", "en") == []
