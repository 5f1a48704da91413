"""Incremental runs give exactly what a full run of the same input gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleaners.layout import Layout
from cleaners.settings import Settings
from cleaners.state import CorpusState, RunLock, StateError

# Site lines no rule knows: only the corpus statistics (repeats across the site's pages) find them.
CHROME = [
    "Lakeside Courier, independent since 1921",
    "Courier Weekend Edition",
    "Lakeside Courier on the radio every Friday",
]
A_PARAS = [
    "The lakeside council agreed on Wednesday to close the old ferry pier for repairs, after divers found that "
    "three of its wooden piles had rotted through below the waterline.",
    "Ferry passengers will use a temporary landing stage near the boatyard until the work is finished, which "
    "the council expects to take most of the summer.",
    "Local traders said they were worried about losing visitors during the busiest weeks of the year.",
]


def article(title: str, paras: list[str]) -> str:
    return "\n\n".join([title, CHROME[0], *paras, CHROME[1], CHROME[2]]) + "\n"


def run(raw: Path, clean: Path, full: bool = False, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1, **overrides), full=full)


def assert_same_as_full(raw: Path, clean: Path, tmp: Path) -> None:
    full = tmp / f"full-{len(list(tmp.iterdir()))}"
    run(raw, full)
    mine, ref = Layout(clean).snapshot(), Layout(full).snapshot()
    assert sorted(mine) == sorted(ref)
    assert {"_dataset/README.md", "_dataset/data-00000-of-00001.parquet"} <= set(ref)  # the export, byte for byte
    for name in ref:
        assert mine[name] == ref[name], name
    manifest = json.loads((clean / "_report" / "manifest.json").read_text())
    assert manifest == json.loads((full / "_report" / "manifest.json").read_text())


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    (raw / "courier").mkdir(parents=True)
    (raw / "other").mkdir()
    return raw, tmp_path / "clean"


def test_add_earlier_copy_then_remove(site, tmp_path: Path, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "m_ferry.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    (raw / "other" / "z_unrelated.txt").write_text(
        "Choir wins prize\n\nThe village choir won first prize at the regional festival on Saturday, singing "
        "three songs written by its own conductor, who has led it for twenty years.\n",
        encoding="utf-8",
    )
    run(raw, clean)
    a_out = clean / "courier" / "m_ferry.txt"
    assert CHROME[0] in a_out.read_text()  # one page alone: its chrome cannot be learned yet
    unrelated = clean / "other" / "z_unrelated.txt"
    untouched_ns = unrelated.stat().st_mtime_ns

    # B sorts before A, copies A's first two paragraphs and carries the same site chrome.
    b_paras = [
        A_PARAS[0].replace("Wednesday", "Wednesday evening"),
        A_PARAS[1],
        "A new paragraph only B has about the ferry timetable, which changes from Monday for the rest of the season.",
    ]
    (raw / "courier" / "b_wire.txt").write_text(article("Pier closes for summer", b_paras), encoding="utf-8")
    summary = run(raw, clean)
    assert summary["documents"]["ok"] == 3
    a_text = a_out.read_text()
    assert CHROME[0] not in a_text and CHROME[2] not in a_text  # learned from B, A rewritten
    assert A_PARAS[1] not in a_text  # A's copy now comes after B's: A loses it
    assert unrelated.stat().st_mtime_ns == untouched_ns  # unaffected documents are not touched
    run_record = json.loads((clean / "_report" / "runs" / f"{summary['run']}.json").read_text())
    assert run_record["added"] == ["courier/b_wire.txt"]
    assert "courier/m_ferry.txt" in run_record["outputs_rewritten"]
    assert_same_as_full(raw, clean, tmp_path)

    # Removing B (which held the kept copies) gives A its paragraphs back.
    (raw / "courier" / "b_wire.txt").unlink()
    summary = run(raw, clean)
    assert not (clean / "courier" / "b_wire.txt").exists()
    assert A_PARAS[1] in a_out.read_text()
    assert_same_as_full(raw, clean, tmp_path)

    # Changing A's content is seen by hash, not by mtime.
    a_raw = raw / "courier" / "m_ferry.txt"
    late = "The council later said that the repairs would begin in May, a month earlier than it had announced."
    a_raw.write_text(article("Ferry pier to close", [*A_PARAS, late]), encoding="utf-8")
    run(raw, clean)
    assert late in a_out.read_text()
    assert_same_as_full(raw, clean, tmp_path)


def test_second_run_is_a_no_op(site, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    run(raw, clean)
    before = {p: p.stat().st_mtime_ns for p in clean.rglob("*") if p.is_file() and p.name != "lock"}
    summary = run(raw, clean)
    assert summary["nothing_to_do"] is True
    after = {p: p.stat().st_mtime_ns for p in clean.rglob("*") if p.is_file() and p.name != "lock"}
    assert after == before


def test_changed_settings_refused_until_full(site, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    run(raw, clean)
    with pytest.raises(StateError, match=r"settings\.threshold.*--full"):
        run(raw, clean, threshold=0.9)
    assert run(raw, clean, full=True, threshold=0.9)["documents"]["ok"] == 1


def test_corrupted_state_detected_and_rebuilt(site, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    run(raw, clean)
    (clean / "_state" / "state.json").write_text('{"schema": 1, "sources": [oops', encoding="utf-8")
    with pytest.raises(StateError, match="corrupted"):
        run(raw, clean)
    run(raw, clean, full=True)
    assert json.loads((clean / "_state" / "state.json").read_text())["schema"] == 1


def test_concurrent_run_refused(site, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    with RunLock(clean):
        with pytest.raises(StateError, match="another corpusclean run"):
            run(raw, clean)
    run(raw, clean)  # the lock is free again
    shutil.rmtree(clean)


def test_full_rebuild_removes_outputs_of_gone_files(site, prefect_server) -> None:
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    (raw / "courier" / "b.txt").write_text(article("Choir wins", [A_PARAS[2] + " Again."]), encoding="utf-8")
    run(raw, clean)
    (raw / "courier" / "b.txt").unlink()
    run(raw, clean, full=True)
    assert not (clean / "courier" / "b.txt").exists()
    manifest = json.loads((clean / "_report" / "manifest.json").read_text())
    assert [d["doc"] for d in manifest["documents"]] == ["courier/a.txt"]


def test_damaged_sketch_caches_are_sketched_again(site, tmp_path: Path, prefect_server) -> None:
    """Sketch caches are written without fsync: one a power cut left empty or cut short is a miss."""
    raw, clean = site
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close", A_PARAS), encoding="utf-8")
    (raw / "other" / "b.txt").write_text(article("Pier closes", A_PARAS[:2]), encoding="utf-8")
    (raw / "other" / "c.txt").write_text(article("Quay works", A_PARAS[1:]), encoding="utf-8")
    run(raw, clean)
    caches = sorted((clean / "_state" / "prepared").glob("*.sketch.json"))
    assert caches
    damage = [lambda b: b"", lambda b: b[:40], lambda b: b"[]"]
    for n, path in enumerate(caches):
        path.write_bytes(damage[n % 3](path.read_bytes()))
    (raw / "courier" / "a.txt").write_text(article("Ferry pier to close soon", A_PARAS), encoding="utf-8")
    run(raw, clean)
    assert_same_as_full(raw, clean, tmp_path)
    prepared = clean / "_state" / "prepared"
    named = {s.sketches for s in CorpusState.load(clean / "_state").sources.values()}
    assert named and all(isinstance(json.loads((prepared / name).read_bytes()), dict) for name in named)
