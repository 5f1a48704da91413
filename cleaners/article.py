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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

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


def _line_row(text: str) -> list[float]:
    t = text.strip()
    words = _WORD.findall(t)
    n = len(words)
    stops = sum(w.lower() in STOPWORDS for w in words)
    caps = sum(w[:1].isupper() for w in words)
    digits = sum(c.isdigit() for c in t)
    alpha = sum(c.isalpha() for c in t)
    size = max(1, len(t))
    return [
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
    ]


def _is_prose(row: list[float]) -> bool:
    return row[1] >= math.log1p(PROSE_WORDS) and row[2] >= PROSE_STOP_RATIO


def _prose_score(row: list[float], cost: float = NON_PROSE_COST) -> float:
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


def title_key(text: str) -> str:
    """A line's words, case folded: how a headline is recognised under its HTML title."""
    return " ".join(_WORD.findall(text.casefold()))


def html_title_parts(first: str) -> list[str]:
    """The pieces of a page's first line that an HTML title joins with a site name ("Headline - Site")."""
    parts = re.split(r"\s+[|–—-]\s+|\s+::\s+|\s+»\s+", first.strip())
    return [p for p in parts if p]


def features(blocks: list[list[str]]) -> np.ndarray:
    """One row of `FEATURES` per non-blank line of the blocks (paragraphs), in order."""
    lines, block_of = _flatten(blocks)
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    rows = [_line_row(line) for line in lines]
    prose = np.array([float(_is_prose(r)) for r in rows])
    words = np.array([r[1] for r in rows])
    stops = np.array([r[2] for r in rows])
    first, last = _max_subarray([_prose_score(r) for r in rows])
    core_first, core_last = _max_subarray([_prose_score(r, CORE_NON_PROSE_COST) for r in rows])
    run_before = np.zeros(n)
    for k in range(1, n):
        run_before[k] = 0.0 if prose[k - 1] else run_before[k - 1] + 1
    run_after = np.zeros(n)
    for k in range(n - 2, -1, -1):
        run_after[k] = 0.0 if prose[k + 1] else run_after[k + 1] + 1
    block_lines: dict[int, int] = {}
    block_prose: dict[int, float] = {}
    for b, p in zip(block_of, prose, strict=True):
        block_lines[b] = block_lines.get(b, 0) + 1
        block_prose[b] = block_prose.get(b, 0.0) + p
    keys = [" ".join(line.split()).casefold() for line in lines]
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
    title_keys = {title_key(part) for part in html_title_parts(lines[0])} - {""}
    headline = next((k for k in range(1, n) if title_key(lines[k]) in title_keys), None)
    # the first section heading after three prose lines
    started = np.cumsum(prose)
    section = next(
        (k for k in range(n) if started[k] >= 3 and len(lines[k]) < 80 and _SECTION.match(lines[k].strip())), None
    )
    out = np.zeros((n, len(FEATURES)))
    cum = {name: np.concatenate([[0.0], np.cumsum(a)]) for name, a in (("p", prose), ("w", words), ("s", stops))}
    for k in range(n):
        row = list(rows[k])
        for w in WINDOWS:
            lo, hi = max(0, k - w), min(n, k + w + 1)
            size = hi - lo
            row += [(cum[c][hi] - cum[c][lo]) / size for c in ("p", "w", "s")]
        inside = first <= k <= last
        distance = 0 if inside else (first - k if k < first else k - last)
        b = block_of[k]
        row += [
            prose[k - 1] if k else 0.0,
            prose[k + 1] if k + 1 < n else 0.0,
            float(inside),
            math.log1p(distance),
            float(k < first),
            float(k > last),
            k / max(1, n - 1),
            float(k == 0),
            math.log1p(block_lines[b]),
            block_prose[b] / block_lines[b],
            float(seen[keys[k]] > 1),
            float(k > 0 and title_key(lines[k]) in title_keys),
            float(core_first <= k <= core_last),
            math.log1p(0 if core_first <= k <= core_last else (core_first - k if k < core_first else k - core_last)),
            (k - first) / max(1, last - first) if inside else (-1.0 if k < first else 2.0),
            math.log1p(run_before[k]),
            math.log1p(run_after[k]),
            float(headline is not None and k >= headline),
            math.log1p(abs(k - headline)) if headline is not None else -1.0,
            float(section is not None and k >= section),
        ]
        out[k] = row
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
        """P(article) per row, all rows at once: every tree is walked level by level."""
        n = len(rows)
        raw = np.full(n, self.baseline)
        at = np.arange(n)
        for feature, threshold, left, right, leaf, value in self.trees:
            node = np.zeros(n, dtype=np.int64)
            while True:
                open_ = ~leaf[node]
                if not open_.any():
                    break
                go_left = rows[at, feature[node]] <= threshold[node]
                node = np.where(open_, np.where(go_left, left[node], right[node]), node)
            raw += value[node]
        return 1.0 / (1.0 + np.exp(-raw))


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
