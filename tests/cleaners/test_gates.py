"""Gates (`cleaners.gates`) never refuse a text their rule matches: every pattern of the rule banks and
detectors, and patterns built to hold every construct the compiler loosens, are searched in Python on
generated and real text, forwards and backwards, and wherever one matches its gate must be open. The
character classes are checked over all of Unicode."""

from __future__ import annotations

import re

import polars as pl
import pytest
from conftest import REPO, paragraph_texts, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners import article, chrome, gates, language
from cleaners.artefacts import calque, foreign, load_tables, punctuation, spans, word_order
from cleaners.settings import Settings

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
RULES = chrome.load_rules(REPO / "cleaners" / "data" / "chrome_rules.toml")


def module_patterns(*modules) -> list[re.Pattern[str]]:
    return [v for m in modules for v in vars(m).values() if isinstance(v, re.Pattern) and isinstance(v.pattern, str)]


TRICKY = [
    r"(?<!\w)(\w+) ([,.;:%])(?=\s|$)",
    r"(a|bc)\1(?=x)",
    r"(?P<q>[\"“])(?P<w>\w+)(?P=q)",
    r"(<)?\w+(?(1)>|!)",
    r"(?>ab|a)c",
    r"a*+b",
    r"x{20,40}y",
    r"(?i)straße|ǅ|İstanbul|ſ|K|µ|ﬁ",
    r"(?ia)kelvin|s",
    r"(?m)^word$",
    r"(?s)a.b",
    r"a.b$",
    r"\Aabc\Z",
    r"\bthe\B",
    r"[^\W\d_]{3}[\s\S]",
    r"(?i)[^a-z0-9]{2}",
    r"(?x) one \  two # comment",
    r"(?<=\.)\s+(?=[A-Z])",
    r"[\u0400-\u04ff]+\s*[«»]",
    r"(?:(?!,)\w)+,",
]
PATTERNS = sorted(
    {
        *(p for fam in RULES.families for p in (*fam.patterns, *fam.tails)),
        *module_patterns(punctuation, word_order, calque, foreign, spans, chrome, article, language),
        *(re.compile(p) for p in TRICKY),
        calque._gate(load_tables(Settings()).gazetteer.nouns, True),
        calque._gate(load_tables(Settings()).gazetteer.nouns, False),
    },
    key=lambda p: (p.pattern, p.flags),
)
PIECES = [
    *"“”«»\"'’‘-_,.;:!?%()&<>[]{}0123456789 \n\t\u00a0\u2028\x1c",
    *"""the a an and or which that have has The A Last Next week Week threat threatening help helpful
    said told Council of Europe Security house House Read more: Photo: PHOTO Credit © 2024 Share cookies
    accept you our privacy Related Comments 12 comments ago reply Advertisement der die und le la les et
    el los Мы не уйдём Тбилиси ſ K İ ı µ straße STRASSE ǅ ﬁ x y ab bc abc kelvin word one two study. it.""".split(),
]
TEXTS = st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map(" ".join), min_size=20, max_size=20) | st.lists(
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join), min_size=20, max_size=20
)


def check(texts: list[str], patterns: list[re.Pattern[str]] = PATTERNS) -> None:
    column = gates.Column(texts)
    for p in patterns:
        for reverse in (False, True):
            opened = column.open(gates.gate(p, reverse=reverse))
            for text, is_open in zip(texts, opened, strict=True):
                if p.search(text[::-1] if reverse else text):
                    assert is_open, (p.pattern, reverse, text)


@FAST
@given(TEXTS)
def test_a_gate_is_open_wherever_its_pattern_matches(texts: list[str]) -> None:
    check(texts)


@pytest.mark.parametrize("where", ["repo raw", "real-pages", "dev-corpus"])
def test_on_real_text(where: str) -> None:
    folder = {"repo raw": lambda: REPO / "raw", "real-pages": lambda: shared_path("real-pages", "raw")}.get(
        where, lambda: shared_path("dev-corpus", "raw")
    )()
    texts = paragraph_texts(folder)
    check(texts + [line for t in texts for line in t.split("\n")])


def test_the_column_engine_takes_every_gate() -> None:
    """Every pattern of the banks translates, and the engine compiles its gate (no silent all-open)."""
    series = pl.Series(["a text"])
    for p in PATTERNS:
        for reverse in (False, True):
            g = gates.gate(p, reverse=reverse)
            assert g is not None, p.pattern
            series.str.contains(g)


def test_gates_refuse_texts() -> None:
    """The gates are worth running: each detector's gate refuses plain prose."""
    prose = "The harbour board said on Tuesday that the new crane would arrive in March"
    for p in (punctuation._STRAY_STOPS, punctuation._GUILLEMETS, word_order._CAPITAL_TIME, foreign._NON_LATIN):
        assert not gates.Column([prose]).open(gates.gate(p))[0], p.pattern
    cookie = RULES.families[0].patterns[0]
    assert not gates.Column([prose]).open(gates.gate(cookie))[0]  # the look-aheads at its start are not lost


CLASSES = [r"\w", r"\W", r"\s", r"\d", r"[^\W\d_]", r"(?i)k", r"(?i)[a-z]", r"(?ia)s", r"(?i)[^ǅ]", r"(?i)ß", r"."]


@pytest.mark.parametrize("source", CLASSES)
def test_classes_are_pythons_own(source: str) -> None:
    """A class holds every character Python's engine matches there, and only those in ASCII, Latin-1 and the
    general punctuation (beyond them a class of many ranges is coarsened)."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    pattern = re.compile(source)
    opened = gates.Column(chars).open("^" + gates.gate(pattern) + "$")
    for ch, is_open in zip(chars, opened, strict=True):
        matched = pattern.fullmatch(ch) is not None
        if matched or any(lo <= ord(ch) <= hi for lo, hi in gates._EXACT):
            assert is_open == matched, (source, hex(ord(ch)))


def test_what_is_not_translated_has_no_gate_and_unheld_texts_are_open() -> None:
    assert gates.gate(re.compile(rb"bytes")) is None
    assert gates.any_of([r"a", None]) is None
    assert gates.Column(["abc", "x\ud800y", "zzz"]).open("q").tolist() == [False, True, False]
    assert gates.Column(["abc"]).open("(?=look-around)").tolist() == [True]  # the engine refuses it: open
