"""The article-line model's fast paths change no number: the feature rows built column by column and the
trees walked all at once, and the lines' own rows computed over a column (`line_columns`), equal bit for
bit the line-by-line rows and the tree-by-tree walk of `tests/reference/article.py`, on the pages of the
sample corpora and on generated pages."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import article as ref

from cleaners import article
from cleaners.document import split_paragraphs

MODEL = article.load_model(REPO / "cleaners" / "data" / "chrome_lines.json")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def pages(folder) -> list[list[list[str]]]:
    out = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        out.append([p.text.split("\n") for p in split_paragraphs(text)])
    return out


def check(blocks: list[list[str]]) -> None:
    rows = article.features(blocks)
    expected = ref.features(blocks)
    assert rows.dtype == expected.dtype and rows.shape == expected.shape
    assert np.array_equal(rows, expected), np.argwhere(rows != expected)[:5]
    lines = [line for block in blocks for line in block]
    known = article.line_columns(lines)
    assert np.array_equal(article.features(blocks, known), expected)
    for line in lines:  # the column answers are the functions' own
        if line in known.rows:
            assert known.matrix[known.rows[line]].tolist() == ref.line_row(line), line
            assert known.title_keys[line] == article.title_key.__wrapped__(line), line
    probs = MODEL.probabilities(rows)
    assert np.array_equal(probs, ref.probabilities(MODEL, expected))


@pytest.mark.parametrize("where", ["repo raw", "real-pages", "real-mt", "dev-corpus"])
def test_pages(where: str) -> None:
    folder = {
        "repo raw": lambda: REPO / "raw",
        "real-pages": lambda: shared_path("real-pages", "raw"),
        "real-mt": lambda: shared_path("real-mt", "raw"),
        "dev-corpus": lambda: shared_path("dev-corpus", "raw"),
    }[where]()
    for blocks in pages(folder):
        check(blocks)
        for k in range(1, 3):  # later rounds see what is left of a page
            check([block[k:] for block in blocks])
    check_many(pages(folder))


def check_many(many: list[list[list[str]]]) -> None:
    """`features_many` gives each page the rows `features` gives it alone, with and without the
    lines' own rows from a column."""
    lines = [line for blocks in many for block in blocks for line in block]
    for known in (article.NO_LINES, article.line_columns(lines)):
        rows = article.features_many(many, known)
        assert len(rows) == len(many)
        for page, got in zip(many, rows, strict=True):
            expected = article.features(page, known)
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert np.array_equal(got, expected), np.argwhere(got != expected)[:5]


LINE = st.one_of(
    st.sampled_from(
        [
            "Home",
            "Share this article",
            "Headline of the day - The Daily Example",
            "Headline of the day",
            "The council said on Monday that the harbour would be closed for two weeks after the storm.",
            "Residents of the valley have waited nine years for the bypass, and they will wait longer still.",
            "Comments",
            "12 comments",
            "Related stories",
            "PHOTO: AGENCY",
            "“We will not wait,” she said. “Not again.”",
            "Ⅻ ² ½ ٣ 𝟘 ſ İ K — ’ «»",
            " “It’s 12:30,” she said. (Photo: AFP) ",
            "Home | News - Sport • More › Page",
            "www.example.com @agency https://x.org/a. Mail: a@b.net",
            "[Updated] 3 min read\x1c",
            "ALL CAPS HEADLINE!",
            "Rock’n’roll isn’t dead... it's 2024",
            "",
            "   ",
        ]
    ),
    st.text(max_size=60),
)


@FAST
@given(st.lists(st.lists(LINE, min_size=1, max_size=5), min_size=1, max_size=40))
def test_generated_pages(blocks: list[list[str]]) -> None:
    check(blocks)


@FAST
@given(st.lists(st.lists(st.lists(LINE, min_size=1, max_size=4), max_size=12), max_size=8))
def test_generated_pages_together(many: list[list[list[str]]]) -> None:
    """Pages of every shape side by side (empty pages and blank lines too): each keeps its own rows."""
    check_many(many)


def test_line_counts_beyond_ascii() -> None:
    for line in ["café ² ½ ٣ 𝟘 Ⅻ", "\ud800 lone surrogate 12", "ASCII only 123", "ÀÉÎ ÕÜ", ""]:
        assert list(article._line_row(line)) == ref.line_row(line)


def test_empty_forest_and_stumps() -> None:
    rows = np.zeros((3, len(article.FEATURES)))
    empty = article.LineModel(article.FEATURES, 0.25, (), 0.1, 0.5)
    assert np.array_equal(empty.probabilities(rows), ref.probabilities(empty, rows))


def test_many_rows_are_walked_in_parts_with_the_same_probabilities() -> None:
    """More rows than one walk takes (`_ROWS_PER_WALK`): walked in parts, each row's probability is the
    reference's; and `page_probabilities` gives each page what it gets alone."""
    rng = np.random.default_rng(5)
    rows = rng.random((article._ROWS_PER_WALK * 2 + 17, len(article.FEATURES))) * 4
    assert np.array_equal(MODEL.probabilities(rows), ref.probabilities(MODEL, rows))
    pages = [[["Home", "News"], ["The council met on Monday and agreed to rebuild the harbour wall."]], [["Sign in"]]]
    for (rows_of, probs), page in zip(article.page_probabilities(MODEL, pages), pages, strict=True):
        assert np.array_equal(rows_of, article.features(page))
        assert np.array_equal(probs, MODEL.probabilities(article.features(page)))
