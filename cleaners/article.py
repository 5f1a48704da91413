"""Where the article is: the lines of a page judged by their shape and by their neighbours.

A scraper keeps every visible line of a page: menus, share bars, related headlines, comments,
footers. The article is the stretch dominated by prose, and plain text keeps that signal. Each line
gets shallow features that carry no word of any page (length, density of English function words,
punctuation, capitals, digits, position, the block it sits in, its neighbours, and whether it lies in
the main region found by a maximum-subarray scan over prose lines, as Body Text Extraction does), and a
small gradient-boosted model (`LineModel`, trained by `tools/train_chrome_model.py`, shipped as
`data/chrome_lines.json`) gives each line the probability that it belongs to the article.

>>> lines = ["Home", "News", "Sport", "Storm closes the harbour",
...          "The harbour was closed on Monday after a storm damaged the outer wall, the port said.",
...          "Repairs will take at least two weeks, and ferries will use the northern pier until then.",
...          "Share on Facebook", "Most read", "Ten things to do this weekend"]
>>> rows = features([[line] for line in lines])
>>> rows.shape == (len(lines), len(FEATURES))
True
>>> main_region([[line] for line in lines])   # the prose lines, as (first, last) line numbers
(4, 5)
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from cleaners.gates import ASCII_SPACE, ASCII_SPACE_CLASS, Column, literal, per_text, pl

# General English function words (no word of any page): their density tells running prose from
# labels, names and menus.
STOPWORDS = frozenset(
    """a an the of and or but to in on at by for with from as into onto about over under after before
    between through during without within against among is are was were be been being am has have had do
    does did will would shall should can could may might must it its this that these those there here he
    she they we you i me him her them us my your his our their who whom whose which what when where why how
    not no nor so than then too very also just only if because while though although since until unless
    whether all any both each few more most other some such own same said says one two""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’)]*\s+[A-Z“\"‘(]")
_TERMINAL = tuple(".!?\"”’'")
_SEPARATORS = ("|", "»", "›", "•", "·", "/ ", " - ")
_LINKISH = re.compile(r"https?://|www\.|@\w|\.(?:com|org|net)\b")
# A line scores as prose in the region scan when it has this many words and this share of function words.
PROSE_WORDS = 10
PROSE_STOP_RATIO = 0.25
# What a non-prose line costs in the region scan (a prose line earns 3 * log(1 + words) * stop ratio).
NON_PROSE_COST = 1.5
WINDOWS = (1, 3, 10)

_LINE_FEATURES = (
    "logchars",
    "logwords",
    "stop_ratio",
    "stops",
    "cap_ratio",
    "digit_ratio",
    "alpha_ratio",
    "terminal",
    "comma",
    "sentences",
    "allcaps",
    "starts_lower",
    "separator",
    "colon_end",
    "mean_word_len",
    "bracketed",
    "linkish",
    "starts_symbol",
)
FEATURES = (
    *_LINE_FEATURES,
    *(f"{name}_win{w}" for w in WINDOWS for name in ("prose", "words", "stops")),
    "prev_prose",
    "next_prose",
    "in_region",
    "region_distance",
    "before_region",
    "after_region",
    "relative_position",
    "first_line",
    "block_lines",
    "block_prose",
    "repeated_in_page",
    "repeats_first_line",
    "in_core",
    "core_distance",
    "region_position",
    "short_run_before",
    "short_run_after",
    "after_headline",
    "headline_distance",
    "after_section",
)
# Headings that open what follows an article on a web page: its comments, related and recommended
# stories. General web vocabulary (like the rule bank's), not words of any page.
_SECTION = re.compile(
    r"^(?:\W*\d+\s+)?(?:comments?|responses?|replies|discussion|related(?:\s+\w+)?|more\s+(?:stories|news|from|on|"
    r"in|like\s+this)\b.*|recommended(?:\s+\w+)*|trending(?:\s+\w+)*|most\s+(?:read|popular|viewed|shared)\b.*|"
    r"you\s+(?:may|might)\s+also\s+like\b.*|read\s+(?:more|next|also)\b.*|leave\s+a\s+(?:reply|comment)|"
    r"(?:there\s+(?:are|is)\s+)?\d+\s+comments?|join\s+the\s+(?:discussion|conversation)|"
    r"(?:popular|latest|top)\s+(?:stories|news|posts|articles)\b.*)\W*$",
    re.IGNORECASE,
)
# The core of the region: the same scan with non-prose lines costing this much, so that a band of
# short lines (a share bar, a "related" header) cuts off the teasers and comments beyond it.
CORE_NON_PROSE_COST = 4.0


# Bytes to delete from a line's UTF-8 so that only its ASCII digits (letters) remain: every byte of a
# character beyond ASCII is 0x80 or more, so the ASCII characters of the text are its bytes below 0x80.
_KEEP_ASCII_DIGITS = bytes(c for c in range(256) if not (c < 128 and chr(c).isdigit()))
_KEEP_ASCII_LETTERS = bytes(c for c in range(256) if not (c < 128 and chr(c).isalpha()))
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=1 << 16)
def _line_row(text: str) -> tuple[float, ...]:
    """The line's own features. Cached: the model judges a page in rounds over the same lines, and sites
    repeat their chrome lines. Characters are counted by C routines (`bytes.translate` on the ASCII part,
    the str predicates only on the characters beyond it); `tests/reference/article.py` counts them one by
    one."""
    t = text.strip()
    words = _WORD.findall(t)
    n = len(words)
    stops = sum(map(STOPWORDS.__contains__, map(str.lower, words)))
    caps = sum(1 for w in words if w[0].isupper())
    data = t.encode("utf-8", "surrogatepass")
    digits = len(data.translate(None, _KEEP_ASCII_DIGITS))
    alpha = len(data.translate(None, _KEEP_ASCII_LETTERS))
    if len(data) != len(t):  # characters beyond ASCII
        beyond = "".join(_BEYOND_ASCII.findall(t))
        digits += sum(map(str.isdigit, beyond))
        alpha += sum(map(str.isalpha, beyond))
    size = max(1, len(t))
    return (
        math.log1p(len(t)),
        math.log1p(n),
        stops / n if n else 0.0,
        math.log1p(stops),
        caps / n if n else 0.0,
        digits / size,
        alpha / size,
        float(t.endswith(_TERMINAL)),
        float("," in t),
        math.log1p(len(_SENTENCE_BREAK.findall(t))),
        float(t.isupper() and alpha > 3),
        float(t[:1].islower()),
        float(any(s in t for s in _SEPARATORS)),
        float(t.endswith(":")),
        sum(map(len, words)) / n if n else 0.0,
        float(t[:1] in "([" and t[-1:] in ")]"),
        float(bool(_LINKISH.search(t))),
        float(bool(t) and not t[0].isalnum() and t[0] not in "\"“‘'(["),
    )


@dataclass(frozen=True)
class KnownLines:
    """`_line_row` and `title_key` of lines computed over a column at once (`line_columns`): a line's own
    row is `matrix[rows[line]]`."""

    rows: dict[str, int]
    matrix: np.ndarray
    title_keys: dict[str, str]

    def own(self, lines: list[str]) -> np.ndarray:
        """The `_line_row` of each line, from the matrix where it has the line."""
        at = np.array([self.rows.get(line, -1) for line in lines], dtype=np.int64)
        own = self.matrix[np.maximum(at, 0)] if len(self.matrix) else np.zeros((len(lines), len(_LINE_FEATURES)))
        for k in np.flatnonzero(at < 0).tolist():
            own[k] = _line_row(lines[k])
        return own


_PLAIN_WORD = r"[A-Za-z0-9]+(?:['’][A-Za-z0-9]+)*"  # `_WORD` on plain text
NO_LINES = KnownLines({}, np.zeros((0, len(_LINE_FEATURES))), {})


def line_columns(lines: list[str]) -> KnownLines:
    """`_line_row` and `title_key` of the plain lines among `lines` (`gates.Column.plain`), over the column at
    once. On plain text Python's rules are ASCII rules: `_WORD` is `_PLAIN_WORD`, `strip()` and `\\s` take
    the ASCII whitespace, letters are A-Z and a-z, digits 0-9, casefold() lowers A-Z. Every letter and
    digit lies in a word, so their counts are the characters a run of them replaces. The rest is left
    to the functions themselves (`tests/cleaners/test_fast_paths_article.py` holds them equal)."""
    if not lines:
        return NO_LINES
    column = Column(lines)
    t = column.series.str.strip_chars(ASCII_SPACE)
    words = t.str.extract_all(_PLAIN_WORD)
    size = t.str.len_bytes()

    def has(pattern: str) -> pl.Expr:
        return pl.col("t").str.contains(pattern)

    lowered = words.list.eval(pl.element().str.to_lowercase())
    counts = per_text(
        pl.DataFrame({"w": words, "low": lowered}),
        n=pl.col("w").list.len(),
        stops=pl.col("low").list.eval(pl.element().is_in(sorted(STOPWORDS))).list.sum(),
        caps=pl.col("w").list.eval(pl.element().str.contains("^[A-Z]")).list.sum(),
        chars=pl.col("w").list.eval(pl.element().str.len_chars()).list.sum(),
        key=pl.col("low").list.join(" "),
    )
    frame = pl.DataFrame({"t": t, "size": size}).select(
        "size",
        digits=pl.col("size") - pl.col("t").str.replace_all("[0-9]+", "").str.len_bytes(),
        alpha=pl.col("size") - pl.col("t").str.replace_all("[A-Za-z]+", "").str.len_bytes(),
        breaks=pl.col("t").str.count_matches(f'[.!?]["”’)]*{ASCII_SPACE_CLASS}+[A-Z“"‘(]'),
        terminal=has("[.!?\"”’']$"),
        comma=has(","),
        upper=has("[A-Z]") & ~has("[a-z]"),
        starts_lower=has("^[a-z]"),
        separator=has("|".join(map(literal, _SEPARATORS))),
        colon_end=has(":$"),
        bracketed=(pl.col("size") == 0) | has(r"^[(\[]") & has(r"[)\]]$"),  # Python: "" is in "(["
        linkish=has(r"https?://|www\.|@[A-Za-z0-9_]|\.(?:com|org|net)(?:[^A-Za-z0-9_]|$)"),
        symbol=(pl.col("size") > 0) & ~has("^[A-Za-z0-9\"“‘'(\\[]"),
    )
    c = {name: frame[name].to_numpy() for name in frame.columns}
    c.update((name, counts[name]) for name in ("n", "stops", "caps", "chars"))
    n, chars = c["n"], c["chars"]
    # `t` is plain: its length in characters is its length in bytes, but for the `PLAIN_EXTRA` characters
    size = t.str.len_chars().to_numpy().astype(np.int64)
    per_word = np.maximum(n, 1)
    floats = [
        _log1p(size),
        _log1p(n),
        np.where(n > 0, c["stops"] / per_word, 0.0),
        _log1p(c["stops"]),
        np.where(n > 0, c["caps"] / per_word, 0.0),
        c["digits"] / np.maximum(size, 1),
        c["alpha"] / np.maximum(size, 1),
        c["terminal"],
        c["comma"],
        _log1p(c["breaks"]),
        c["upper"] & (c["alpha"] > 3),
        c["starts_lower"],
        c["separator"],
        c["colon_end"],
        np.where(n > 0, chars / per_word, 0.0),
        c["bracketed"],
        c["linkish"],
        c["symbol"],
    ]
    keys = counts["key"]
    plain = column.plain
    return KnownLines(
        rows={line: k for k, line in enumerate(lines) if plain[k]},
        matrix=np.column_stack(floats).astype(np.float64),
        title_keys={line: keys[k] for k, line in enumerate(lines) if plain[k]},
    )


def _is_prose(row: tuple[float, ...]) -> bool:
    return row[1] >= math.log1p(PROSE_WORDS) and row[2] >= PROSE_STOP_RATIO


def _prose_score(row: tuple[float, ...], cost: float = NON_PROSE_COST) -> float:
    if _is_prose(row):
        return 3.0 * row[1] * row[2]
    return -cost


def _max_subarray(scores: list[float]) -> tuple[int, int]:
    """(first, last) of the stretch with the largest sum; (0, -1) when every score is negative."""
    best, current, start, first, last = 0.0, 0.0, 0, 0, -1
    for k, s in enumerate(scores):
        if current <= 0:
            current, start = s, k
        else:
            current += s
        if current > best:
            best, first, last = current, start, k
    return first, last


def _flatten(blocks: list[list[str]]) -> tuple[list[str], list[int]]:
    """The non-blank lines of the blocks, and each one's block number."""
    lines, block_of = [], []
    for b, block in enumerate(blocks):
        for line in block:
            if line.strip():
                lines.append(line)
                block_of.append(b)
    return lines, block_of


def main_region(blocks: list[list[str]]) -> tuple[int, int]:
    """The main region of a page, as (first, last) numbers of its non-blank lines: the stretch where
    prose lines outweigh the others most (Body Text Extraction's maximum subarray, over lines)."""
    lines, _ = _flatten(blocks)
    return _max_subarray([_prose_score(_line_row(line)) for line in lines])


@lru_cache(maxsize=1 << 16)
def title_key(text: str) -> str:
    """A line's words, case folded: how a headline is recognised under its HTML title (cached, as `_line_row`)."""
    return " ".join(_WORD.findall(text.casefold()))


@lru_cache(maxsize=1 << 14)
def _repeat_key(text: str) -> str:
    """A line as it is compared with the page's other lines for `repeated_in_page`: single-spaced, case
    folded. Cached for a chunk's lines (`pipeline.CHUNK_DOCUMENTS` pages): their first round is built
    for the chunk at once, the later rounds page by page."""
    return " ".join(text.split()).casefold()


def html_title_parts(first: str) -> list[str]:
    """The pieces of a page's first line that an HTML title joins with a site name ("Headline - Site")."""
    parts = re.split(r"\s+[|–—-]\s+|\s+::\s+|\s+»\s+", first.strip())
    return [p for p in parts if p]


_LOG1P = np.zeros(0)


def _log1p(values: np.ndarray) -> np.ndarray:
    """`math.log1p` of whole numbers 0..n, from a table of its own values: numpy's `log1p` may round
    differently from the C library's, and the features must be the ones the model was trained on."""
    global _LOG1P
    top = int(values.max(initial=0))
    if top >= len(_LOG1P):
        _LOG1P = np.array([math.log1p(i) for i in range(max(1024, 2 * top + 1))])
    return _LOG1P[values.astype(np.int64)]


def features(blocks: list[list[str]], known: KnownLines = NO_LINES) -> np.ndarray:
    """One row of `FEATURES` per non-blank line of the blocks (paragraphs), in order, with the lines' own
    rows and title keys taken from `known` where it has them: `features_many` of the one page.
    `tests/reference/article.py` builds the same rows one line at a time, and the tests hold them equal."""
    return features_many([blocks], known)[0]


def features_many(pages: list[list[list[str]]], known: KnownLines = NO_LINES) -> list[np.ndarray]:
    """`features` of each page (a list of blocks), column by column over the pages' lines in one array:
    numpy's per-call cost exceeds its arithmetic on a page of twenty lines, so the chrome stage builds
    the first round of a whole batch in one call. Positions are page-local and running sums run page by
    page, so a page's rows do not depend on its neighbours (`tests/cleaners/test_fast_paths_article.py`
    holds them equal to the page's alone)."""
    lines: list[str] = []
    block_of: list[int] = []  # each line's block, numbered across the pages
    sizes: list[int] = []
    for blocks in pages:
        page_lines, page_blocks = _flatten(blocks)
        base = block_of[-1] + 1 if block_of else 0
        lines += page_lines
        block_of += [base + b for b in page_blocks]
        sizes.append(len(page_lines))
    count = len(lines)
    size = np.asarray(sizes, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    if count == 0:
        return [np.zeros((0, len(FEATURES))) for _ in pages]
    page_of = np.repeat(np.arange(len(pages)), size)
    start, n = starts[page_of], size[page_of]
    g = np.arange(count)
    k = g - start  # each line's position in its page
    own = known.own(lines)
    words, stops = own[:, 1], own[:, 2]
    prose = ((words >= math.log1p(PROSE_WORDS)) & (stops >= PROSE_STOP_RATIO)).astype(np.float64)
    earned = (3.0 * words * stops).tolist()
    is_prose = prose.tolist()
    bounds = np.zeros((len(pages), 4), dtype=np.int64)  # per page: first, last, core_first, core_last
    headline = np.full(len(pages), -1, dtype=np.int64)  # per page: its headline's position, -1 for none
    section = np.full(len(pages), -1, dtype=np.int64)
    is_title = np.zeros(count, dtype=bool)
    repeated = np.zeros(count, dtype=bool)
    cum_at = starts + np.arange(len(pages))  # where each page's running sums begin in `cums`
    cums = [np.zeros(count + len(pages)) for _ in range(3)]
    keyed = known.title_keys
    for p, (lo, m) in enumerate(zip(starts.tolist(), sizes, strict=True)):
        if m == 0:
            continue
        hi = lo + m
        pe, pp = earned[lo:hi], is_prose[lo:hi]
        bounds[p, :2] = _max_subarray([e if q else -NON_PROSE_COST for e, q in zip(pe, pp, strict=True)])
        bounds[p, 2:] = _max_subarray([e if q else -CORE_NON_PROSE_COST for e, q in zip(pe, pp, strict=True)])
        page = lines[lo:hi]
        keys = list(map(_repeat_key, page))
        seen = Counter(keys)
        repeated[lo:hi] = [seen[key] > 1 for key in keys]
        title_keys = {title_key(part) for part in html_title_parts(page[0])} - {""}
        titles = [j > 0 and (keyed.get(line) or title_key(line)) in title_keys for j, line in enumerate(page)]
        is_title[lo:hi] = titles
        if any(titles):
            headline[p] = titles.index(True)
        third = int(np.searchsorted(np.cumsum(prose[lo:hi]), 3))
        found = next((j for j in range(third, m) if len(page[j]) < 80 and _SECTION.match(page[j].strip())), None)
        if found is not None:
            section[p] = found
        at = cum_at[p]
        for c, a in zip(cums, (prose, words, stops), strict=True):
            c[at + 1 : at + m + 1] = np.cumsum(a[lo:hi])
    first, last, core_first, core_last = (bounds[page_of, i] for i in range(4))
    is_first = k == 0
    is_last = k == n - 1
    # the last prose line before each line in its page (start - 1: none), and the first after it (end: none)
    prose_at = np.where(prose > 0, g, start - 1)
    before = np.maximum(np.concatenate([[-1], np.maximum.accumulate(prose_at)[:-1]]), start - 1)
    end = start + n
    after_at = np.where(prose > 0, g, end)[::-1]
    after = np.minimum(np.concatenate([np.minimum.accumulate(after_at)[:-1][::-1], [count]]), end)
    run_before = k - 1 - (before - start)
    run_after = after - g - 1
    blocks_at = np.asarray(block_of)
    block_lines = np.bincount(blocks_at)[blocks_at]
    block_prose = np.bincount(blocks_at, weights=prose)[blocks_at]
    windows = []
    base = cum_at[page_of]
    for w in WINDOWS:
        lo_w, hi_w = np.maximum(0, k - w), np.minimum(n, k + w + 1)
        windows += [(c[base + hi_w] - c[base + lo_w]) / (hi_w - lo_w) for c in cums]
    inside = (first <= k) & (k <= last)
    core = (core_first <= k) & (k <= core_last)
    head, sect = headline[page_of], section[page_of]
    columns = [
        *own.T,
        *windows,
        np.where(is_first, 0.0, np.concatenate([[0.0], prose[:-1]])),
        np.where(is_last, 0.0, np.concatenate([prose[1:], [0.0]])),
        inside,
        _log1p(np.where(inside, 0, np.where(k < first, first - k, k - last))),
        k < first,
        k > last,
        k / np.maximum(1, n - 1),
        is_first,
        _log1p(block_lines),
        block_prose / block_lines,
        repeated,
        is_title,
        core,
        _log1p(np.where(core, 0, np.where(k < core_first, core_first - k, k - core_last))),
        np.where(inside, (k - first) / np.maximum(1, last - first), np.where(k < first, -1.0, 2.0)),
        _log1p(run_before),
        _log1p(run_after),
        np.where(head >= 0, k >= head, False),
        np.where(head >= 0, _log1p(np.abs(k - head)), -1.0),
        np.where(sect >= 0, k >= sect, False),
    ]
    rows = np.column_stack(columns).astype(np.float64)
    return np.split(rows, starts[1:])


# Rows whose trees are walked at once: enough to spread numpy's per-call cost, few enough that the
# walk's (rows x trees) index arrays stay in the processor's cache.
_ROWS_PER_WALK = 2048


def page_probabilities(
    model: LineModel, pages: list[list[list[str]]], known: KnownLines = NO_LINES
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each page's feature rows (`features_many`) and their probabilities, the pages' rows built and
    walked together: a page's rows do not depend on its neighbours, so each page gets what it gets alone."""
    rows = features_many(pages, known)
    every = np.concatenate(rows) if rows else np.zeros((0, len(FEATURES)))
    probabilities = model.probabilities(every)
    out, at = [], 0
    for page_rows in rows:
        out.append((page_rows, probabilities[at : at + len(page_rows)]))
        at += len(page_rows)
    return out


@dataclass(frozen=True)
class LineModel:
    """Gradient-boosted trees over `FEATURES` (scikit-learn's HistGradientBoostingClassifier, exported):
    the probability that a line belongs to the article, and the thresholds below which a line inside
    and outside the main region is chrome."""

    features: tuple[str, ...]
    baseline: float
    trees: tuple[tuple[np.ndarray, ...], ...]  # per tree: feature, threshold, left, right, leaf, value
    keep_inside: float
    keep_outside: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(article) per row: every row down every tree at once, one level per step (a leaf leads to
        itself, so rows that reach one early stay there), `_ROWS_PER_WALK` rows at a time. The trees'
        values are summed in tree order, as `tests/reference/article.py` walks them one tree at a time."""
        if len(rows) <= _ROWS_PER_WALK:
            return self._walk(rows)
        walks = range(0, len(rows), _ROWS_PER_WALK)
        return np.concatenate([self._walk(rows[lo : lo + _ROWS_PER_WALK]) for lo in walks])

    def _walk(self, rows: np.ndarray) -> np.ndarray:
        feature, threshold, children, value, width, depth = self._forest
        n, trees = len(rows), len(self.trees)
        if trees == 0:
            return 1.0 / (1.0 + np.exp(-np.full(n, self.baseline)))
        # per row and tree: a node, as an index into the flat arrays
        node = np.broadcast_to(np.arange(trees, dtype=np.intp) * width, (n, trees)).copy()
        flat = np.ascontiguousarray(rows, dtype=np.float64).ravel()
        start = (np.arange(n, dtype=np.intp) * rows.shape[1])[:, None]  # where each row begins in `flat`
        for _ in range(depth):
            go_left = flat[start + feature[node]] <= threshold[node]
            node = children[2 * node + go_left]  # one gather instead of both children's and a choice
        raw = np.cumsum(np.concatenate([np.full((n, 1), self.baseline), value[node]], axis=1), axis=1)[:, -1]
        return 1.0 / (1.0 + np.exp(-raw))

    @cached_property
    def _forest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
        """The trees as flat arrays (tree t's node i at t * width + i): feature, threshold, children
        (node i's right child at 2i, its left at 2i + 1, as flat indexes; a leaf is its own child),
        value; the nodes per tree (`width`) and the depth of the deepest leaf."""
        width = max((len(t[0]) for t in self.trees), default=1)
        size = len(self.trees) * width
        feature = np.zeros(size, dtype=np.intp)
        threshold = np.zeros(size)
        left = np.arange(size, dtype=np.intp)
        right = np.arange(size, dtype=np.intp)
        value = np.zeros(size)
        depth = 0
        for t, (f, th, lo, hi, leaf, v) in enumerate(self.trees):
            base, m = t * width, len(f)
            own = np.arange(m)
            feature[base : base + m] = np.where(leaf, 0, f)
            threshold[base : base + m] = th
            left[base : base + m] = base + np.where(leaf, own, lo)
            right[base : base + m] = base + np.where(leaf, own, hi)
            value[base : base + m] = v
            depth = max(depth, _depth(lo, hi, leaf))
        children = np.stack([right, left], axis=1).ravel()
        return feature, threshold, children, value, width, depth


def _depth(left: np.ndarray, right: np.ndarray, leaf: np.ndarray) -> int:
    """Steps from the root to the deepest leaf (a node visited twice stops the count: no tree loops)."""
    depth, level, seen = 0, [0], set()
    while level:
        seen.update(level)
        level = [c for i in level if not leaf[i] for c in (int(left[i]), int(right[i])) if c not in seen]
        depth += bool(level)
    return depth


def load_model(path: Path | str) -> LineModel:
    """The model of a `chrome_lines.json` file (cached per path)."""
    return _load_model(str(Path(path).resolve()))


@lru_cache(maxsize=4)
def _load_model(path: str) -> LineModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: the model was trained on other features; retrain it (tools/train_chrome_model.py)")
    trees = tuple(
        (
            np.asarray(t["feature"], dtype=np.int64),
            np.asarray(t["threshold"], dtype=np.float64),
            np.asarray(t["left"], dtype=np.int64),
            np.asarray(t["right"], dtype=np.int64),
            np.asarray(t["leaf"], dtype=bool),
            np.asarray(t["value"], dtype=np.float64),
        )
        for t in data["trees"]
    )
    return LineModel(
        features=FEATURES,
        baseline=float(data["baseline"]),
        trees=trees,
        keep_inside=float(data["keep_inside"]),
        keep_outside=float(data["keep_outside"]),
    )
