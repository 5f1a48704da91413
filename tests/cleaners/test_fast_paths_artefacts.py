"""The artefact stage's fast paths change no result.

Every gate (a cheap pre-check that lets a detector skip a paragraph) is checked against the ungated
detector, and every rewritten routine against a copy of the straightforward version it replaced, on
the paragraphs of the sample corpora and on generated text dense in the shapes the detectors look for.
The column gates (`artefact_columns`) likewise: a detector they close on a paragraph finds nothing
there, and the stage gives the same events with and without them.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaners.artefacts import (
    _multiword_name_words,
    artefact_columns,
    calque,
    detect_artefacts,
    foreign,
    load_tables,
    punctuation,
    word_order,
)
from cleaners.artefacts.calque import _CONNECTORS, MAX_WORDS, _close, _heuristic, _possessive
from cleaners.artefacts.spans import sentences
from cleaners.document import Document, Paragraph
from cleaners.settings import Settings

SETTINGS = Settings()
RESOURCES = load_tables(SETTINGS)
GAZ = RESOURCES.gazetteer
INSTITUTIONS = GAZ.nouns | GAZ.vocabulary
WORD_ORDER_GATES = {
    "word_order:verb_final_repeat": word_order._may_repeat_verb,
    "word_order:participle_final_repeat": word_order._may_repeat_verb,
    "word_order:capitalised_time": word_order._may_capitalise,
    "word_order:capitalised_noun": word_order._may_capitalise,
    "word_order:dangling_particle": word_order._may_dangle,
    "word_order:tautology": word_order._may_tautology,
}

# Pieces that build the detectors' shapes: quotes, guillemets, spaced marks, capitals after
# determiners, repeated clause-final verbs, particles, stems with suffixes, organisation words,
# foreign function words, Cyrillic, digits, underscores and odd whitespace.
PIECES = [
    *"“”«»\"'’‘-_,.;:!?%()&0123456789 \n\t\u00a0",
    *"""the a an and or its this that which who have has was is will The A Last Next This Every week Week
    month year weekend on in up out away back over with from regulates regulated rejected threat
    threatening threatened help helpful security Security advice Council council Ministry ministry of
    Defence Defense house House Bank Harbour Red Cross Freedom Liberty National supreme court Commission
    der die und nicht le la les et el los Мы не уйдём Тбилиси გამარჯობა Ünal Éire ſ K İ study
    it had been Zotkin Quay""".split(),
    *[" , ", " . ", ". ,", "14 %", "”” ", ".” ”", "  ", ". “", "’s "],
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=60).map(" ".join) | st.lists(
    st.sampled_from(PIECES), max_size=60
).map("".join)
# Short phrases joined by spaces, so that the shapes (a capital after "the", "Last week", a clause
# ending in a particle or a repeated verb, "threat threatening", "the. study.") come up often.
SHAPE_PHRASES = [
    *"""the with which have on up threat threatening helpful help Farmers were state , . ” “ « » %""".split(),
    *["with Last week", "the. study.", "it. is.", "which regulates", "regulates", "have rejected", "rejected"],
    *["threat threatening", "threatening threat", "with the broadcaster on", "the Farmers were", "14 %"],
]
SHAPES = st.lists(st.sampled_from(SHAPE_PHRASES), max_size=10).map(" ".join)
CHARS = st.text(alphabet="“”«»\"'’ ,.;:%!?()-_aeAEdgilnstuvwхыЯ0123\n", max_size=80)
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the checks, one text at a time ---------------------------------------------------------


def check_punctuation(text: str, next_text: str = "") -> None:
    gated = punctuation.find(text, GAZ, next_text)
    assert gated == punctuation.find(text, GAZ, next_text, gate=False), text


def check_word_order(text: str) -> None:
    full = word_order.find(text, frozenset(), INSTITUTIONS, gate=False)
    for f in full:
        assert WORD_ORDER_GATES[f.rule](text), (f.rule, text)
    assert word_order.find(text, frozenset(), INSTITUTIONS) == full, text


def check_foreign(text: str) -> None:
    if foreign._may_have_foreign(text):
        return
    for s, e in sentences(text):
        assert foreign._suspect(text[s:e].strip()) is None, text
        assert foreign._latin_share(text[s:e].strip()) == 1.0, text


def check_foreign_enough(text: str) -> None:
    """With `enough`, the caller's decision (whole paragraph foreign, or these fragments) is unchanged."""
    full = foreign.find(text, "en")
    covered = sum(f.end - f.start for f in full)
    for enough in {1, covered, covered + 1, math.ceil(0.6 * len(text.strip()))}:
        part = foreign.find(text, "en", enough=enough)
        assert (sum(f.end - f.start for f in part) >= enough) == (covered >= enough), (enough, text)
        if covered < enough:
            assert part == full, text
        assert all(f in full for f in part), text


def check_latin_share(text: str) -> None:
    letters = [ch for ch in text if ch.isalpha()]
    expected = sum(1 for ch in letters if ord(ch) <= 0x24F) / len(letters) if letters else 1.0
    assert foreign._latin_share(text) == expected, text


def check_calque(text: str) -> None:
    assert calque._runs(text, GAZ) == reference_runs(text), text
    if not calque._may_find(text, GAZ):  # closed gate: runs of one token, one word each
        assert all(len(run) == 1 and len(GAZ.words(run[0][0])) <= 1 for run in reference_runs(text)), text
    assert calque.find(text, GAZ) == calque.find(text, GAZ, gate=False) == reference_calques(text), text


def check_all(text: str, next_text: str = "") -> None:
    check_punctuation(text, next_text)
    check_word_order(text)
    check_foreign(text)
    check_latin_share(text)
    check_calque(text)


def test_corpus_paragraphs(corpus: list[str]) -> None:
    for n, text in enumerate(corpus):
        check_all(text, corpus[n + 1] if n + 1 < len(corpus) else "")


def test_foreign_search_stops_once_the_paragraph_is_foreign(corpus: list[str]) -> None:
    suspects = [t for t in corpus if foreign._may_have_foreign(t)]
    for text in suspects:
        check_foreign_enough(text)


def test_corpus_name_words(corpus: list[str]) -> None:
    doc = _doc(corpus)
    assert _multiword_name_words(doc) == reference_name_words(doc)


@FAST
@given(TEXTS, TEXTS)
@example("They met İnce in İzmir, not O'Neill.", "")
def test_generated_pieces(text: str, next_text: str) -> None:
    check_all(text, next_text)


@FAST
@given(SHAPES, SHAPES)
def test_generated_shapes(text: str, next_text: str) -> None:
    check_all(text, next_text)


@FAST
@given(CHARS)
def test_generated_characters(text: str) -> None:
    check_all(text)


@FAST
@given(st.lists(TEXTS | CHARS, max_size=6))
@example(["ab( Cd and ef( Cd", "“Big Harbour” and «Small» 'Red' Cross."])
def test_generated_name_words(texts: list[str]) -> None:
    doc = _doc(texts)
    assert _multiword_name_words(doc) == reference_name_words(doc)


@pytest.mark.parametrize(
    "text",
    [
        "the plan which regulates the prices regulates.",
        "They have rejected the plan in May rejected.",
        "Yesterday the Farmers were angry and the Officials said so.",
        "We meet Last week with them.",
        "The talks with the state broadcaster on.",
        "It was a threatening threat, and a threat threatening.",
        "“We will come back, said Orla Finch.",
        "”We stay here,“ she says. « Non » , he said . 14 % of them. the. study. sat",
        "Der Mann und die Frau sind nicht hier, sagte er mit uns.",
        "A man shouted: Мы не уйдём отсюда никогда, слышите вы!",
        "The Council of Security met the Liberty house and the Harbour house in Tovrin.",
    ],
)
def test_gates_open_on_the_shapes(text: str) -> None:
    """The examples trigger their detectors, so the checks above compare real findings."""
    check_all(text)
    found = (
        punctuation.find(text, GAZ)
        + word_order.find(text)
        + calque.find(text, GAZ)
        + [s for s, e in sentences(text) if foreign._suspect(text[s:e].strip())]
    )
    assert found


def test_lookups_are_cached_answers() -> None:
    for span in ["Council of Security", "Security Council", "Liberty house", "Harbour", "Red Cross"]:
        expected = True if GAZ.known(span) else GAZ.match(span)
        assert GAZ.lookup(span) == expected
        assert GAZ.lookup(span) == expected


def test_only_dotted_capital_i_lowers_to_a_non_letter() -> None:
    """The calque gate's premise: a token of letters other than "İ" is one word once lower-cased."""
    letter, word = re.compile(r"[^\W\d_]"), re.compile(r"[^\W\d_]+")
    odd = [c for c in map(chr, range(sys.maxunicode + 1)) if letter.fullmatch(c) and not word.fullmatch(c.lower())]
    assert odd == ["İ"]


def test_one_word_entries_open_the_calque_gate() -> None:
    gaz = dataclasses.replace(GAZ, by_bag={**GAZ.by_bag, ("nato",): "North Atlantic Treaty Organization"})
    assert GAZ.fewest_words == 2 and gaz.fewest_words == 1
    text = "They met the Nato chief."
    assert not calque._may_find(text, GAZ) and calque.find(text, gaz) == calque.find(text, gaz, gate=False) != []


def _doc(texts: list[str]) -> Document:
    paragraphs = [Paragraph(index=n, text=t) for n, t in enumerate(texts)]
    return Document(id="d", source="d", paragraphs=paragraphs, language="en")


# -- the straightforward versions the fast paths replaced -------------------------------------


def reference_runs(text: str) -> list[list[tuple[str, int, int]]]:
    runs: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    prev_end = -1
    for m in calque._TOKEN.finditer(text):
        word = m.group(0)
        gap = text[prev_end : m.start()] if prev_end >= 0 else ""
        joined = cur and gap == " "
        cap = word[:1].isupper()
        glued_noun = joined and word in GAZ.nouns and cur[-1][0][:1].isupper() and not _possessive(cur[-1][0])
        if cap or glued_noun or (joined and word in _CONNECTORS):
            if not joined:
                _close(cur, runs)
                cur = []
            cur.append((word, m.start(), m.end()))
        else:
            _close(cur, runs)
            cur = []
        prev_end = m.end()
    _close(cur, runs)
    return runs


def reference_calques(text: str) -> list[calque.Finding]:
    out = []
    for run in reference_runs(text):
        taken: list[tuple[int, int]] = []
        n = len(run)
        for length in range(min(n, MAX_WORDS), 0, -1):
            for i in range(0, n - length + 1):
                j = i + length - 1
                if run[i][0].lower() in _CONNECTORS or run[j][0].lower() in _CONNECTORS:
                    continue
                if any(not (j < a or i > b) for a, b in taken):
                    continue
                start, end = run[i][1], run[j][2]
                span = text[start:end]
                if GAZ.known(span):
                    taken.append((i, j))
                    continue
                found = GAZ.match(span)
                if found is None:
                    continue
                canonical, overlap = found
                taken.append((i, j))
                rule = "calque:gazetteer" if overlap == 1.0 else "calque:gazetteer_partial"
                out.append(calque.Finding("calque", start, end, span, canonical, rule, round(0.9 * overlap, 3), True))
        if not taken:
            heuristic = _heuristic(text, run, GAZ)
            if heuristic:
                out.append(heuristic)
    return out


def reference_name_words(doc: Document) -> frozenset[str]:
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


@pytest.mark.parametrize(
    "text",
    [
        "Der Vertrag ist nicht gültig, sagte er. Die Regierung hat das nicht gewollt. It was signed on Monday.",
        "The minister spoke first. Nous ne sommes pas d'accord avec le gouvernement et les autres. He left.",
        "La decisión del gobierno es muy clara para los ciudadanos. El ministro no quiso hablar con la prensa.",
    ],
)
def test_foreign_search_stops_on_mixed_paragraphs(text: str) -> None:
    assert foreign.find(text, "en"), text  # the shapes reach langdetect
    check_foreign_enough(text)


# -- the column gates (`artefact_columns`): a closed detector finds nothing ---------------------------


def check_columns(texts: list[str]) -> None:
    doc = _doc(texts)
    closed = artefact_columns([doc], RESOURCES)
    for text in set(texts):
        if text in closed.punctuation:
            assert punctuation.find(text, GAZ, "", gate=False) == [], text
            assert punctuation.find(text, GAZ, "“Quoted", gate=False) == [], text
        if text in closed.calque:
            assert calque.find(text, GAZ, gate=False) == [], text
        if text in closed.foreign:
            assert not foreign._may_have_foreign(text), text
        if text in closed.capitals:
            assert not word_order._may_capitalise(text), text
        if text in closed.tautology:
            assert not word_order._may_tautology(text), text
    plain = _doc(texts)
    detect_artefacts(doc, SETTINGS, RESOURCES, closed)
    detect_artefacts(plain, SETTINGS, RESOURCES)
    assert doc.to_dict() == plain.to_dict()


def test_column_gates_on_the_corpus(corpus: list[str]) -> None:
    check_columns(corpus)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TEXTS | SHAPES | CHARS, min_size=1, max_size=12))
def test_column_gates_on_generated_text(texts: list[str]) -> None:
    check_columns(texts)


def test_column_gates_close_on_plain_prose() -> None:
    prose = "The harbour board said on Tuesday that the new crane would arrive in March."
    closed = artefact_columns([_doc([prose])], RESOURCES)
    assert prose in closed.punctuation and prose in closed.calque and prose in closed.foreign
    assert prose in closed.capitals
