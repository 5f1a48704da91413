"""The numpy trial loop of `FastDetector` gives langdetect's own probabilities, bit for bit, and the English
pre-check, by itself and over a column (`english_columns`), gives the answers of the plain
`count_letters` and `quick_english` of `tests/reference/language.py`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect.detector import Detector
from langdetect.lang_detect_exception import LangDetectException
from reference import language as ref_language

from cleaners import gates, language
from cleaners.document import split_paragraphs
from cleaners.language import FastDetector, _factory

REPO_RAW = Path(__file__).resolve().parents[2] / "raw"
SENTENCES = [
    "Die Regierung hat am Montag einen neuen Haushalt vorgelegt, der viele Kürzungen enthält.",
    "Le gouvernement a présenté lundi un nouveau budget qui prévoit de nombreuses coupes.",
    "El gobierno presentó el lunes un nuevo presupuesto con muchos recortes.",
    "Правительство в понедельник представило новый бюджет с многочисленными сокращениями.",
    "De regering heeft maandag een nieuwe begroting gepresenteerd met veel bezuinigingen.",
    "Il governo ha presentato lunedì un nuovo bilancio con molti tagli.",
    "The government presented a new budget on Monday with many cuts.",
    "ok",
]


def _probabilities(cls: type[Detector], text: str, seed: int = 0) -> list[tuple[str, float]] | str:
    det = cls(_factory(seed))
    det.append(text)
    try:
        return [(p.lang, p.prob) for p in det.get_probabilities()]
    except LangDetectException as exc:
        return f"error: {exc}"


def _paragraphs(root: Path, limit: int) -> list[str]:
    texts = []
    for path in sorted(root.rglob("*.txt"))[:limit]:
        texts += [p.text for p in split_paragraphs(path.read_text(encoding="utf-8", errors="replace"))]
    return texts


@pytest.mark.parametrize("seed", [0, 7])
def test_fast_detector_equals_langdetect_on_sentences(seed: int) -> None:
    for text in SENTENCES:
        assert _probabilities(FastDetector, text, seed) == _probabilities(Detector, text, seed), text


def test_fast_detector_equals_langdetect_on_the_sample_corpus() -> None:
    texts = _paragraphs(REPO_RAW, 60)
    assert len(texts) > 200
    for text in texts:
        assert _probabilities(FastDetector, text) == _probabilities(Detector, text), text


def test_fast_detector_equals_langdetect_on_labelled_data() -> None:
    texts = _paragraphs(shared_path("dev-corpus", "raw"), 20) + _paragraphs(shared_path("seeds"), 4)
    for text in texts:
        assert _probabilities(FastDetector, text) == _probabilities(Detector, text), text[:80]


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="abcdeéfghijklmnopqrstuvwxyzäöüßабвгдежз 0123456789.,", max_size=120))
def test_fast_detector_equals_langdetect_on_any_text(text: str) -> None:
    assert _probabilities(FastDetector, text) == _probabilities(Detector, text)


def _ngrams(cls: type[Detector], text: str) -> list[str]:
    det = cls(_factory(0))
    det.append(text)
    det.cleaning_text()
    return det._extract_ngrams()


NGRAM_ALPHABET = "abcxyzABCXYZéÉäÄßабвгАБВ北京東京ひらがなカタカナ한국 \u2019\u2014-.,'0123456789\t\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=NGRAM_ALPHABET, max_size=80))
def test_fast_ngrams_are_langdetects_in_its_order(text: str) -> None:
    """Word by word (cached) the n-grams are those of langdetect's character loop, in the same order (the
    trial loop draws them by position): capitals, acronyms, other scripts, punctuation, runs of spaces."""
    assert _ngrams(FastDetector, text) == _ngrams(Detector, text)


def test_fast_ngrams_on_the_sample_corpus() -> None:
    for text in _paragraphs(REPO_RAW, 30) + ["NATO and the UN met in NEW York.", "  lead and trail  ", "EU"]:
        assert _ngrams(FastDetector, text) == _ngrams(Detector, text), text[:80]


# --- the English pre-check over a column ------------------------------------------------------------

WORDS = [
    *"Мы не уйдём Тбилиси გამარჯობა 北京 Ünal Éire".split(),
    *"the of and to in is was that for it he she said been who also his her them than into about there".split(),
    *"der die das und ist nicht le la les et est une el los por con een zijn och att".split(),
    *"harbour council Monday bridge ferry residents The Der LE And THE I".split(),
    *["’s", "“", "”", "—", "…", "«", "»", "é", "İ", "ſ", "K", "²", "\u00a0", "\x1c", "Мы", "12", "_", "-", "."],
]


def check_english_columns(texts: list[str]) -> None:
    known = language.english_columns(texts)
    plain = gates.Column(texts).plain
    for text, is_plain in zip(texts, plain, strict=True):
        expected = (ref_language.count_letters(text), ref_language.quick_english(text))
        assert (language.count_letters(text), language.quick_english(text)) == expected, text
        if is_plain:
            assert known[text] == expected, text
        else:
            assert text not in known


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join), min_size=1, max_size=30))
def test_english_columns_equal_the_pre_check(texts: list[str]) -> None:
    check_english_columns(texts)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=30))
def test_english_columns_on_any_text(texts: list[str]) -> None:
    check_english_columns(texts)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=60))
def test_lower_words_are_the_letter_runs_lowered(text: str) -> None:
    """`lower_words` splits an ASCII text by bytes, any other with the Unicode pattern: the same words."""
    assert language.lower_words(text) == [w.lower() for w in re.findall(r"[^\W\d_]+", text)]


@pytest.mark.parametrize("where", ["repo raw", "real-pages", "real-mt", "dev-corpus"])
def test_english_columns_on_real_paragraphs(where: str) -> None:
    root = {
        "repo raw": lambda: REPO_RAW,
        "real-pages": lambda: shared_path("real-pages", "raw"),
        "real-mt": lambda: shared_path("real-mt", "raw"),
        "dev-corpus": lambda: shared_path("dev-corpus", "raw"),
    }[where]()
    texts = _paragraphs(root, 200)
    check_english_columns(texts + [line for t in texts for line in t.split("\n")])
    assert any(gates.Column(texts).plain)
