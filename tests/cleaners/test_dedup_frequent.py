"""Sketches leave out frequent shingles: the filter, its fallback, the shipped table and how a changed
table reaches the state, the caches and saved models."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import xxhash
from conftest import BAKERY, FERRY, FERRY_EDITED, removed
from datasketch import MinHash
from pydantic import ValidationError

from cleaners import sketching
from cleaners.corpus import fit
from cleaners.dedup import DedupModel, normalise, sketch_texts
from cleaners.dedup import model as dedup_model
from cleaners.dedup.frequent import for_settings, load, parse
from cleaners.dedup.signatures import reusable_sigs
from cleaners.document import Document, Paragraph
from cleaners.settings import DATA_DIR, Settings
from cleaners.state import CorpusState, StateError, fingerprint

REPO = Path(__file__).resolve().parents[2]
TABLE = DATA_DIR / "frequent_shingles.json"

# Lines of nothing but common English (`common_table` lists every 5-gram of them).
COMMON = ["There is one in the other, and the other is in it.", "It is not the one that was in the other one."]


def doc(doc_id: str, *texts: str) -> Document:
    return Document(id=doc_id, source=doc_id, paragraphs=[Paragraph(index=i, text=t) for i, t in enumerate(texts)])


def char_shingles(text: str, k: int = 5) -> list[bytes]:
    return sketching._char_shingles(text, k)


def minhash(shingle_sets: list[list[bytes]], num_perm: int = 128) -> np.ndarray:
    """datasketch's own MinHash of each shingle list: the reference the sketches must equal."""
    mhs = MinHash.bulk(shingle_sets, num_perm=num_perm, seed=sketching.SEED, hashfunc=xxhash.xxh32_intdigest)
    return np.stack([m.hashvalues for m in mhs]).astype(np.uint32)


def table_hashes(*shingles: str) -> np.ndarray:
    return np.unique(np.array([xxhash.xxh32_intdigest(s.encode()) for s in shingles], dtype=np.uint32))


def write_table(path: Path, shingles: list[str], size: int = 5) -> Path:
    path.write_text(json.dumps({"shingle": "char", "size": size, "shingles": shingles}), encoding="utf-8")
    return path


# --- the filter --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [normalise(FERRY), normalise(FERRY) + " café"])  # vectorised path, datasketch path
def test_frequent_shingles_are_left_out_rare_ones_kept(text: str) -> None:
    frequent = table_hashes(" the ", "the w", "he wi", " to t", "ferry")
    every = char_shingles(text)
    rare = [s for s in every if s.decode() not in {" the ", "the w", "he wi", " to t", "ferry"}]
    assert len(rare) < len(every) and b"velmo" in rare and b"ferry" not in rare
    got = sketching.sketch_char([text], 5, 128, frequent)
    assert np.array_equal(got, minhash([rare]))
    assert not np.array_equal(got, sketching.sketch_char([text], 5, 128))


def test_a_text_of_frequent_shingles_only_keeps_them_all() -> None:
    """An empty set would give every such line the same sketch: they fall back to all their shingles,
    on both paths, beside texts that are filtered in the same call."""
    texts = ["and the", "and then", "the end é", normalise(BAKERY)]
    frequent = table_hashes(*(s.decode() for s in char_shingles("and the") + char_shingles("the end é")))
    got = sketching.sketch_char(texts, 5, 128, frequent)
    assert np.array_equal(got[0], minhash([char_shingles("and the")])[0])  # vectorised path
    assert np.array_equal(got[1], minhash([[b" then"]])[0])  # its one rare shingle
    assert np.array_equal(got[2], minhash([char_shingles("the end é")])[0])  # datasketch path
    assert len({r.tobytes() for r in got}) == len(texts)  # no two texts share a sketch
    assert sketching.rare_shingles([b" the "], frequent) == [b" the "]
    assert sketching.rare_shingles([], frequent) == []


def test_shipped_table_drops_common_english_and_keeps_content() -> None:
    table = load(TABLE)
    probe = [" the ", "tion ", "and t", " of t", "velmo", "ferry", "ostri", "deckh"]
    found = table.contains(np.array([xxhash.xxh32_intdigest(p.encode()) for p in probe], dtype=np.uint32))
    assert dict(zip(probe, found.tolist(), strict=True)) == {
        " the ": True, "tion ": True, "and t": True, " of t": True,
        "velmo": False, "ferry": False, "ostri": False, "deckh": False,
    }  # fmt: skip
    assert 1_000 < len(table.hashes) < 20_000


def test_chance_overlap_drops_and_copies_stay_clustered() -> None:
    """Unrelated paragraphs share mostly common English: the shipped table takes it out of what their
    sketches estimate, while the edited copy still reaches the threshold and is removed."""
    table = load(TABLE).hashes

    def shared(a: str, b: str, frequent: np.ndarray | None) -> tuple[float, set[bytes]]:
        sa, sb = (set(sketching.rare_shingles(char_shingles(normalise(t)), frequent)) for t in (a, b))
        return len(sa & sb) / len(sa | sb), sa & sb

    (j_all, common), (j_rare, left) = shared(FERRY, BAKERY, None), shared(FERRY, BAKERY, table)
    assert {b" the ", b" and "} <= common and not {b" the ", b" and "} & left
    assert j_rare < j_all / 2
    assert shared(FERRY, FERRY_EDITED, table)[0] >= Settings().threshold
    a, b = doc("a.txt", FERRY, BAKERY), doc("b.txt", FERRY_EDITED)
    model = DedupModel(Settings())
    fit([model], [a, b])
    assert removed(model, b) == [0] and removed(model, a) == []


def test_exact_repeats_of_frequent_only_lines_are_still_removed(tmp_path: Path) -> None:
    """Lines made of common English only keep their exact repeats found, across documents too, and two
    different such lines are not taken for copies of each other."""
    every = sorted({s.decode() for c in COMMON for s in char_shingles(normalise(c))})
    settings = Settings(frequent_shingles=write_table(tmp_path / "common.json", every))
    assert len({r.tobytes() for r in sketch_texts([normalise(c) for c in COMMON], settings)}) == 2
    a = doc("a.txt", FERRY, COMMON[0], COMMON[1])
    b = doc("b.txt", COMMON[0].upper(), BAKERY)
    model = DedupModel(settings)
    fit([model], [a, b])
    assert removed(model, a) == [] and removed(model, b) == [0]
    assert b.events[0].rule == "dedup:exact" and b.events[0].duplicate_of == {"doc": "a.txt", "paragraph": 1}


def test_table_applies_only_to_the_shingles_it_lists() -> None:
    assert for_settings(Settings()) is not None
    assert for_settings(Settings(shingle_size=4)) is None
    assert for_settings(Settings(shingle="word", shingle_size=3)) is None
    assert for_settings(Settings(frequent_shingles=None)) is None
    texts = [normalise(FERRY)]
    four = Settings(shingle_size=4)
    assert np.array_equal(sketch_texts(texts, four), sketching.sketch_char(texts, 4, 128))


# --- the table as data ---------------------------------------------------------------------------------


def test_table_entries_must_be_normalised_shingles_of_its_size(tmp_path: Path) -> None:
    assert len(parse({"shingle": "char", "size": 5, "shingles": [" the ", "0 per", "écho "]}, "t").hashes) == 3
    for bad, words in [
        ({"shingle": "char", "size": 5, "shingles": ["The  "]}, "normalised text"),
        ({"shingle": "char", "size": 5, "shingles": [" the"]}, "5-character"),
        ({"shingle": "char", "size": 5, "shingles": ["a, b "]}, "normalised"),
        ({"shingle": "char", "size": 5, "shingles": ["12 ab"]}, "digit runs"),
        ({"shingle": "word", "size": 3, "shingles": []}, "character shingles"),
        ({"shingle": "char", "size": 0, "shingles": []}, "positive integer"),
        ([], "JSON object"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse(bad, "my-table.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match="broken.json"):
        Settings(frequent_shingles=broken)
    with pytest.raises(ValidationError, match="not found"):
        Settings(frequent_shingles=tmp_path / "missing.json")
    assert Settings(frequent_shingles="").frequent_shingles is None  # TOML's way of saying none


def test_table_hash_is_in_the_fingerprint_and_a_changed_table_asks_for_full(tmp_path: Path) -> None:
    mine = write_table(tmp_path / "mine.json", [" the ", "and t"])
    default, other = fingerprint(Settings()), fingerprint(Settings(frequent_shingles=mine))
    assert default["data_files"]["frequent_shingles"] == load(TABLE).digest
    assert other["data_files"]["frequent_shingles"] == load(mine).digest != load(TABLE).digest
    assert fingerprint(Settings(frequent_shingles=None))["data_files"]["frequent_shingles"] is None
    state = CorpusState(root=tmp_path, fingerprint=default)
    state.sources = {"a.txt": object()}  # a state that has seen files
    with pytest.raises(StateError, match=r"data_files\.frequent_shingles.*--full"):
        state.check(other)
    write_table(mine, [" the "])  # edited in place: another hash
    assert fingerprint(Settings(frequent_shingles=mine)) != other


def test_cached_sketches_of_another_table_are_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sketch cache entry records the table its sketches left out; under another table it is sketched
    again, under the same one it is reused."""
    mine = write_table(tmp_path / "mine.json", [" the ", "and t"])
    a = doc("a.txt", FERRY, BAKERY)
    shipped = DedupModel(Settings())
    shipped.observe(a)
    cached = shipped.export_doc("a.txt")
    assert cached["frequent_shingles"] == load(TABLE).digest
    legacy = {k: v for k, v in cached.items() if k != "frequent_shingles"}  # a previous release's entry
    rows = len(shipped._docs["a.txt"].sigs)
    assert reusable_sigs(legacy, rows, 128, load(TABLE).digest) is None
    assert reusable_sigs(cached, rows, 128, load(TABLE).digest) is not None
    other = DedupModel(Settings(frequent_shingles=mine))
    other.observe(a, reuse=cached)
    fresh = DedupModel(Settings(frequent_shingles=mine))
    fresh.observe(a)
    assert np.array_equal(other._docs["a.txt"].sigs, fresh._docs["a.txt"].sigs)
    assert not np.array_equal(other._docs["a.txt"].sigs, shipped._docs["a.txt"].sigs)

    def no_sketching(*args: object, **kwargs: object) -> None:
        raise AssertionError("cached signatures were not reused")

    monkeypatch.setattr(dedup_model, "sketch_texts", no_sketching)
    again = DedupModel(Settings())
    again.observe(a, reuse=cached)
    assert np.array_equal(again._docs["a.txt"].sigs, shipped._docs["a.txt"].sigs)


def test_saved_models_of_another_table_are_refused(tmp_path: Path) -> None:
    mine = write_table(tmp_path / "mine.json", [" the "])
    model = DedupModel(Settings())
    fit([model], [doc("a.txt", FERRY, BAKERY)])
    data = json.loads(json.dumps(model.to_dict()))
    assert DedupModel.from_dict(data, Settings()).to_dict() == model.to_dict()
    for settings in (Settings(frequent_shingles=mine), Settings(frequent_shingles=None)):
        with pytest.raises(ValueError, match="frequent_shingles"):
            DedupModel.from_dict(data, settings)
        with pytest.raises(ValueError, match="frequent_shingles"):
            DedupModel(Settings()).merge(DedupModel(settings))


def test_shipped_table_is_what_the_tool_builds() -> None:
    """The table is reproducible offline: the tool rebuilds it byte for byte (with the wordfreq and numpy
    versions it records)."""
    recorded = json.loads(TABLE.read_text(encoding="utf-8"))["reference"]["versions"]
    installed = {d: metadata.version(d) for d in recorded}
    if installed != recorded:
        pytest.skip(f"table built with {recorded}, installed {installed}")
    res = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_frequent_shingles.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "up to date" in res.stderr


def test_tool_builds_a_table_from_reference_texts(tmp_path: Path) -> None:
    """`--texts DIR`: the shingles in more than `--min-share` of the paragraphs of one's own texts, as a
    table the settings accept."""
    ref = tmp_path / "ref"
    ref.mkdir()
    paragraphs = ["Der Hafen ist offen.", "Der Hafen bleibt zu.", "Ein Schiff legt an."]
    (ref / "a.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    out = tmp_path / "table.json"
    res = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_frequent_shingles.py"), "--texts", str(ref), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["reference"]["paragraphs"] == 3
    assert "der h" in table["shingles"] and "hafen" in table["shingles"]  # in 2 of 3 paragraphs
    assert "schif" in table["shingles"]  # in 1 of 3: still more than 1 %
    assert for_settings(Settings(frequent_shingles=out)) is not None
