"""Issue acceptance on the labelled data beside the checkout: seeds and the dev corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import shared_path
from scoring import chrome_scores, dup_pairs_clustered, load_report

from cleaners.settings import Settings


def run_flow(raw: Path, clean: Path, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(**overrides))


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory, prefect_server):
    seeds = shared_path("seeds")
    raw = tmp_path_factory.mktemp("seeds") / "raw"
    raw.mkdir()
    for f in seeds.glob("*.txt"):
        shutil.copy(f, raw / f.name)
    clean = raw.parent / "clean"
    run_flow(raw, clean, workers=1)
    return raw, clean, json.loads((seeds / "labels.json").read_text())


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory, prefect_server):
    dev = shared_path("dev-corpus")
    raw = tmp_path_factory.mktemp("dev") / "raw"
    shutil.copytree(dev / "raw", raw)
    clean = raw.parent / "clean"
    run_flow(raw, clean, workers=2)
    return raw, clean, json.loads((dev / "labels.json").read_text())


def test_seeds_chrome_removed_and_content_kept(seeds_run) -> None:
    raw, clean, labels = seeds_run
    s = chrome_scores(raw, clean, labels)
    print(
        f"seeds chrome: recall {s['recall']:.3f} precision {s['precision']:.3f} "
        f"({s['found']}/{s['lines']} lines, fragments {s['fragments']})"
    )
    assert not s["missed"], s["missed"]
    assert not s["lost_keep"], s["lost_keep"]


def test_seeds_duplicate_groups_clustered(seeds_run) -> None:
    raw, clean, labels = seeds_run
    misses, groups = dup_pairs_clustered(raw, clean, labels)
    assert groups >= 1 and not misses, misses


def test_dev_corpus_chrome(dev_run) -> None:
    raw, clean, labels = dev_run
    s = chrome_scores(raw, clean, labels)
    print(
        f"dev-corpus chrome: recall {s['recall']:.3f} precision {s['precision']:.3f} "
        f"({s['found']}/{s['lines']} lines, fragments {s['fragments']}); missed {s['missed']}; "
        f"false positives {s['false_positives']}"
    )
    assert s["recall"] >= 0.95
    assert not s["lost_keep"], s["lost_keep"]
    assert s["fragments"][0] == s["fragments"][1]


def test_dev_corpus_duplicates(dev_run) -> None:
    raw, clean, labels = dev_run
    misses, groups = dup_pairs_clustered(raw, clean, labels)
    print(f"dev-corpus duplicate groups clustered: {groups - len(misses)}/{groups}")
    assert groups == 11 and not misses, misses


def test_dev_corpus_bad_inputs(dev_run) -> None:
    _, clean, labels = dev_run
    docs = load_report(clean)["documents"]
    expected = {"ok-empty": "empty", "error": "error", "processed": "ok"}
    for name, outcome in labels["bad_inputs"].items():
        assert docs[name]["status"] == expected[outcome], (name, docs[name])
    assert "binary" in docs["bad/binary.txt"]["error"]
    assert "\x00" not in (clean / "bad/nul_bytes.txt").read_text(encoding="utf-8")
    assert (clean / "bad/nul_bytes.txt").stat().st_size > 100
    assert not (clean / "bad/binary.txt").exists()


def test_dev_corpus_languages(dev_run) -> None:
    _, clean, labels = dev_run
    docs = load_report(clean)["documents"]
    for name, lab in labels["docs"].items():
        assert docs[name]["language"] == lab["language"], name


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, prefect_server):
    """The repo's own sample corpus (raw/), labelled in tests/fixtures/sample_labels.json."""
    from conftest import FIXTURES, REPO

    clean = tmp_path_factory.mktemp("sample") / "clean"
    run_flow(REPO / "raw", clean, workers=2)
    return REPO / "raw", clean, json.loads((FIXTURES / "sample_labels.json").read_text())


def test_sample_corpus_chrome_and_duplicates(sample_run) -> None:
    raw, clean, labels = sample_run
    s = chrome_scores(raw, clean, labels)
    print(f"sample chrome: recall {s['recall']:.3f} precision {s['precision']:.3f}; missed {s['missed']}")
    assert s["recall"] >= 0.95 and s["precision"] >= 0.95
    assert not s["lost_keep"], s["lost_keep"]
    misses, groups = dup_pairs_clustered(raw, clean, labels)
    assert groups == 8 and not misses, misses


def test_sample_corpus_bad_inputs_and_encodings(sample_run) -> None:
    _, clean, labels = sample_run
    docs = load_report(clean)["documents"]
    expected = {"ok-empty": "empty", "error": "error", "processed": "ok"}
    for name, outcome in labels["bad_inputs"].items():
        assert docs[name]["status"] == expected[outcome], name
    for name, lab in labels["docs"].items():
        assert docs[name]["status"] == "ok" and docs[name]["language"] == lab["language"], name
