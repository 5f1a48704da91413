"""Bounded time: pathological documents cost time linear in their size in every per-document stage
(repair, chrome, language, artefacts, the corpus models, near-duplicates). Each input is timed at
1x and 4x its size: a quadratic stage would take 16x, a linear one about 4x."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaners.pipeline import Resources, clean_prepared, prepare_document
from cleaners.reading import Source, read_bytes
from cleaners.settings import Settings

SETTINGS = Settings(doc_timeout=0, workers=1)
RES = Resources.load(SETTINGS)
BASE = 60_000  # characters at 1x
MAX_RATIO = 8.0  # 4x the input may cost at most 8x the time (quadratic: 16x)
CEILING = 30.0  # seconds for the 4x input, generous for a slow CI machine

CASES: dict[str, Callable[[int], str]] = {
    "one word of a's": lambda n: "a" * n,
    "repeated punctuation": lambda n: "!" * n,
    "full stops and spaces": lambda n: ". " * (n // 2),
    "opening quotes": lambda n: "“" * n,
    "quote per sentence": lambda n: "“A word. " * (n // 9),
    "closing quote pairs": lambda n: "a.”” " * (n // 5),
    "reversed quotes": lambda n: "” a “" * (n // 5),
    "guillemets": lambda n: "« a " * (n // 4),
    "capitalised words": lambda n: " ".join(["The Big Harbour"] * (n // 16)),
    "nested brackets": lambda n: "(" * (n // 2) + ")" * (n // 2),
    "space before commas": lambda n: "word , " * (n // 7),
    "stray stops": lambda n: "the. study. " * (n // 12),
    "header lines": lambda n: "\n".join(["Read more"] * (n // 10)),
    "colon and spaces": lambda n: ":" + " " * n + "x",
    "combining marks": lambda n: "a" * (n // 2) + "\u0301" * (n // 2),
    "mojibake": lambda n: "CafÃ© " * (n // 6),
}


def pipeline_seconds(text: str) -> float:
    """Read, per-document passes, corpus models and near-duplicates for one document."""
    t0 = time.perf_counter()
    docs = read_bytes(Source("s/doc.txt", Path("s/doc.txt")), f"A title\n\n{text}\n".encode(), SETTINGS)
    docs = [prepare_document(d, RES) for d in docs]
    clean_prepared(docs, RES)
    for doc in docs:
        assert doc.status in ("ok", "empty"), doc.error
    return time.perf_counter() - t0


@pytest.mark.parametrize("name", sorted(CASES))
def test_pathological_input_is_linear(name: str) -> None:
    build = CASES[name]
    small, large = build(BASE), build(4 * BASE)
    for _attempt in range(2):  # one retry: a busy machine can stall a single measurement
        t1 = max(pipeline_seconds(small), 0.02)
        t4 = pipeline_seconds(large)
        if t4 / t1 < MAX_RATIO:
            break
    assert t4 < CEILING, f"{name}: {t4:.1f} s for {len(large)} characters"
    assert t4 / t1 < MAX_RATIO, f"{name}: 4x the input took {t4 / t1:.1f}x the time ({t1:.2f} s -> {t4:.2f} s)"


def test_ten_megabyte_line_finishes() -> None:
    for line in ("a" * 10_000_000, "word, " * 1_700_000):
        seconds = pipeline_seconds(line)
        assert seconds < 90, f"{seconds:.1f} s for a {len(line) / 1e6:.0f} MB line"


def test_million_punctuation_marks_finish() -> None:
    assert pipeline_seconds("?!" * 500_000) < 30
