"""The benchmark generator is only useful if it is reproducible and its truth file is right."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# bench/ is a top-level folder of the checkout, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.generate import Rates, generate, main  # noqa: E402
from cleaners.document import split_paragraphs  # noqa: E402
from cleaners.language import detect, quick_english  # noqa: E402

RATES = Rates(copy=0.05, mojibake=0.03, foreign=0.03)  # enough plants to check in 300 paragraphs


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _shingles(text: str) -> set[str]:
    t = " ".join(text.lower().split())
    return {t[i : i + 5] for i in range(len(t) - 4)}


def _jaccard(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench") / "a"
    generate(out, 300, seed=11, rates=RATES)
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


def _paragraphs(out: Path, doc: str) -> list[str]:
    return [p.text for p in split_paragraphs((out / "raw" / doc).read_text(encoding="utf-8"))]


def test_same_seed_same_bytes(corpus: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = corpus
    generate(tmp_path / "b", 300, seed=11, rates=RATES)
    assert _files(out) == _files(tmp_path / "b")
    generate(tmp_path / "c", 300, seed=12, rates=RATES)
    assert _files(out) != _files(tmp_path / "c")


def test_layout_and_paragraph_count(corpus: tuple[Path, dict]) -> None:
    out, truth = corpus
    docs = sorted(str(p.relative_to(out / "raw")) for p in (out / "raw").rglob("*.txt"))
    assert len(docs) == truth["documents"] > 5
    assert all(d.split("/")[0].startswith("site-") and d.endswith(".txt") for d in docs)
    body = 0
    for doc in docs:
        chrome = set(truth["chrome"][doc.split("/")[0]])
        paras = _paragraphs(out, doc)
        assert paras[0] not in chrome  # title
        body += sum(1 for p in paras[1:] if not all(line in chrome for line in p.split("\n")))
    assert body == truth["paragraphs"] == 300


def test_chrome_lines_repeat_within_their_site(corpus: tuple[Path, dict]) -> None:
    out, truth = corpus
    for site, lines in truth["chrome"].items():
        texts = [p.read_text(encoding="utf-8") for p in (out / "raw" / site).glob("*.txt")]
        assert lines and texts
        for line in lines:
            assert any(line in t.split("\n") for t in texts)
        if len(texts) > 1:  # fixed header/footer lines are on every page of the site
            assert sum(all(line in t.split("\n") for t in texts) for line in lines) >= 1


def test_near_copies_are_near(corpus: tuple[Path, dict]) -> None:
    out, truth = corpus
    assert truth["near_copies"]
    for group in truth["near_copies"]:
        src = group["source"]
        assert group["members"][0] == src and len(group["members"]) >= 2
        source_text = _paragraphs(out, src["doc"])[src["paragraph"]]
        for member in group["members"][1:]:
            text = _paragraphs(out, member["doc"])[member["paragraph"]]
            assert text != source_text
            assert _jaccard(text, source_text) >= 0.5


def test_mojibake_paragraphs_round_trip(corpus: tuple[Path, dict]) -> None:
    out, truth = corpus
    assert truth["mojibake"]
    for item in truth["mojibake"]:
        text = _paragraphs(out, item["doc"])[item["paragraph"]]
        assert "Ã©" in text
        assert text.encode("cp1252").decode("utf-8") == item["original"]


def test_foreign_paragraphs_are_detected_and_english_ones_are_quick(corpus: tuple[Path, dict]) -> None:
    out, truth = corpus
    assert truth["foreign"]
    planted = {(f["doc"], f["paragraph"]) for f in truth["foreign"]}
    planted |= {(m["doc"], m["paragraph"]) for m in truth["mojibake"]}
    for item in truth["foreign"]:
        text = _paragraphs(out, item["doc"])[item["paragraph"]]
        assert quick_english(text) is not True
        assert detect(text)[0] == item["lang"]
    doc = truth["near_copies"][0]["source"]["doc"]
    chrome = set(truth["chrome"][doc.split("/")[0]])
    for i, text in enumerate(_paragraphs(out, doc)[1:], start=1):
        if (doc, i) not in planted and not all(line in chrome for line in text.split("\n")):
            assert quick_english(text) is True


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--paragraphs", "40", "--seed", "3"]) == 0
    summary = json.loads(capsys.readouterr().err)
    assert summary["paragraphs"] == 40 and summary["documents"] >= 2
    assert json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))["paragraphs"] == 40


def test_per_stage_figures_run_on_the_code_as_it_is(corpus: tuple[Path, dict]) -> None:
    """`bench.run`'s single-core stage figures drive this release's stages (a renamed stage or field
    would break the benchmark only after a long flow run)."""
    from bench.run import stages
    from cleaners.pipeline import DOCUMENT_STAGES

    root, _ = corpus
    result = stages(root / "raw", 20, 0, 20)
    assert {s.name for s in DOCUMENT_STAGES} <= set(result["stages"])
    assert 0 < result["documents"] <= 20 and result["paragraphs"] > 0
