"""References for the article-line model's features and tree walk (`cleaners.article`): the line-by-line
feature rows and the tree-by-tree walk they replace, written plainly."""

from __future__ import annotations

import math

import numpy as np

from cleaners.article import (
    _LINKISH,
    _SECTION,
    _SENTENCE_BREAK,
    _SEPARATORS,
    _TERMINAL,
    _WORD,
    CORE_NON_PROSE_COST,
    FEATURES,
    STOPWORDS,
    WINDOWS,
    LineModel,
    _flatten,
    _is_prose,
    _max_subarray,
    _prose_score,
    html_title_parts,
    title_key,
)


def line_row(text: str) -> list[float]:
    """One line's own features, character by character."""
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


def features(blocks: list[list[str]]) -> np.ndarray:
    """`cleaners.article.features`, one row at a time."""
    lines, block_of = _flatten(blocks)
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    rows = [line_row(line) for line in lines]
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


def probabilities(model: LineModel, rows: np.ndarray) -> np.ndarray:
    """`LineModel.probabilities`, tree by tree."""
    n = len(rows)
    raw = np.full(n, model.baseline)
    at = np.arange(n)
    for feature, threshold, left, right, leaf, value in model.trees:
        node = np.zeros(n, dtype=np.int64)
        while True:
            open_ = ~leaf[node]
            if not open_.any():
                break
            go_left = rows[at, feature[node]] <= threshold[node]
            node = np.where(open_, np.where(go_left, left[node], right[node]), node)
        raw += value[node]
    return 1.0 / (1.0 + np.exp(-raw))
