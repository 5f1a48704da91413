"""The dataset export of a real flow run, read by the tools downstream users run (Hugging Face datasets,
datatrove, polars) and checked against clean/ and the report; explain and clean_text against the run's
events; a run that fails while exporting."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from cleaners import dataset
from cleaners.api import clean_file
from cleaners.document import KINDS
from cleaners.layout import Layout
from cleaners.reading import discover
from cleaners.settings import Settings
from cleaners.state import file_hash

PIER = (
    "Divers found in March that three of the wooden piles under the old ferry pier had rotted through below "
    "the waterline, and the council closed the pier until they were replaced."
)
CAFE = "The caf\u00c3\u00a9 beside the pier reopened on Monday after a month of repairs , its owners said."
CHOIR = (
    "The village choir won first prize at the regional festival on Saturday, singing three songs written by "
    "its own conductor, who has led it for twenty years."
)
CONCERT = "Next month the choir sings at a concert for Doctors without Frontiers in the church on the square."
BRIDGE = "Drivers will pay more to cross the river bridge from June, when the toll rises for the first time in years."


def write_corpus(raw: Path) -> None:
    (raw / "lake-news").mkdir(parents=True)
    (raw / "river-post").mkdir()
    (raw / "broken").mkdir()
    (raw / "lake-news" / "pier.txt").write_text(
        f"Pier reopens\n\nHome > News > Region\n\n{PIER}\n\n{CAFE}\n\nShare on Facebook\n", encoding="utf-8"
    )
    (raw / "lake-news" / "choir.txt").write_text(
        f"Choir wins prize\n\nReading time: 2 min.\n\n{CHOIR}\n\n{CONCERT}\n", encoding="utf-8"
    )
    (raw / "river-post" / "copy.txt").write_text(f"{PIER}\n", encoding="utf-8")  # a copy and nothing else
    (raw / "river-post" / "feed.jsonl").write_text(
        json.dumps(
            {
                "id": "r1",
                "text": f"Toll to rise\n\n{BRIDGE}\n\n{PIER}\n\nShare on Facebook",
                "url": "https://river.example/1",
            }
        )
        + "\n{broken\n"
        + json.dumps({"text": f"Choir again\n\n{CHOIR.replace('Saturday', 'Sunday')}"})
        + "\n",
        encoding="utf-8",
    )
    (raw / "broken" / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (raw / "broken" / "empty.txt").write_bytes(b"")


def run(raw: Path, clean: Path, full: bool = False) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1), full=full)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, prefect_server):
    root = tmp_path_factory.mktemp("export")
    raw, clean = root / "raw", root / "clean"
    write_corpus(raw)
    run(raw, clean)
    return raw, clean


@pytest.fixture(scope="module")
def expected(corpus) -> dict[str, dict]:
    """What the export must hold, from clean/ and the report alone."""
    raw, clean = corpus
    report = Layout(clean).report
    events = defaultdict(Counter)
    for e in jsonl(report / "events.jsonl"):
        events[e["doc"]][e["kind"]] += 1
    texts = {}
    for path in sorted(clean.rglob("*")):
        rel = path.relative_to(clean).as_posix()
        if not path.is_file() or Layout.reserved(rel):
            continue
        if rel.endswith(".jsonl"):  # clean records in raw order, less the lines that were no record
            ids = []
            for n, line in enumerate((raw / rel).read_text(encoding="utf-8").splitlines(), start=1):
                try:
                    ids.append(f"{rel}#{json.loads(line).get('id') or f'line-{n}'}")
                except ValueError:
                    continue
            texts.update(zip(ids, [r["text"] for r in jsonl(path)], strict=True))
        else:
            texts[rel] = path.read_text(encoding="utf-8").removesuffix("\n")
    out = {}
    for d in jsonl(report / "documents.jsonl"):
        if d["status"] == "ok" and texts.get(d["doc"]):
            out[d["doc"]] = {
                "text": texts[d["doc"]],
                "paragraphs_out": d["paragraphs_out"],
                "language": d["language"],
                **{f"events_{k}": events[d["doc"]][k] for k in KINDS},
            }
    return out


def check(rows: list[dict], expected: dict[str, dict]) -> None:
    assert [r["id"] for r in rows] == sorted(expected)
    for row in rows:
        want = expected[row["id"]]
        assert {k: row[k] for k in want} == want, row["id"]


def test_the_corpus_covers_what_the_export_must_leave_out(corpus, expected) -> None:
    _, clean = corpus
    statuses = {d["doc"]: d["status"] for d in jsonl(Layout(clean).report / "documents.jsonl")}
    assert statuses["broken/blob.txt"] == "error" and statuses["broken/empty.txt"] == "empty"
    assert statuses["river-post/copy.txt"] == "ok" and "river-post/copy.txt" not in expected  # all duplicate
    assert "river-post/feed.jsonl#r1" in expected and "lake-news/pier.txt" in expected
    assert sum(v["events_duplicate"] for v in expected.values()) >= 1
    assert expected["lake-news/pier.txt"]["events_encoding"] == 1


def test_manifest_lists_the_export_as_written(corpus) -> None:
    _, clean = corpus
    layout = Layout(clean)
    manifest = json.loads(layout.manifest.read_text())
    listed = {f["path"]: f for f in manifest["dataset"]["files"]}
    on_disk = {f"_dataset/{p.name}" for p in layout.dataset.iterdir()}
    assert set(listed) == on_disk
    assert all(
        file_hash(clean / p) == f["hash"] and (clean / p).stat().st_size == f["bytes"] for p, f in listed.items()
    )
    card = layout.dataset_card.read_text()
    assert f"`{manifest['run']}`" in card and f"| records | {manifest['dataset']['records']} |" in card
    assert not layout.dataset_staging.exists() and not layout.dataset_retired.exists()


def test_hugging_face_datasets(corpus, expected, tmp_path: Path, monkeypatch) -> None:
    for name, value in {"HF_HOME": tmp_path / "hf", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}.items():
        monkeypatch.setenv(name, str(value))
    import datasets

    folder = Layout(corpus[1]).dataset
    ds = datasets.load_dataset("parquet", data_files=str(folder / "*.parquet"), split="train", cache_dir=str(tmp_path))
    check(list(ds), expected)
    from_card = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path))  # the card's YAML
    check(list(from_card), expected)
    as_json = datasets.load_dataset(
        "json", data_files=str(folder / "*.jsonl.gz"), split="train", cache_dir=str(tmp_path)
    )
    check(list(as_json), expected)


def test_datatrove_readers(corpus, expected) -> None:
    from datatrove.pipeline.readers import JsonlReader, ParquetReader

    folder = str(Layout(corpus[1]).dataset)
    for reader in (ParquetReader(folder, glob_pattern="*.parquet"), JsonlReader(folder, glob_pattern="*.jsonl.gz")):
        docs = list(reader.run())
        check([{"id": d.id, "text": d.text, **d.metadata} for d in docs], expected)


def test_polars(corpus, expected) -> None:
    import polars as pl

    folder = Layout(corpus[1]).dataset
    frame = pl.read_parquet(folder / "*.parquet")
    check(frame.to_dicts(), expected)
    lines = pl.concat([pl.read_ndjson(p) for p in sorted(folder.glob("*.jsonl.gz"))])
    assert lines.equals(frame)


def test_explain_gives_the_runs_per_document_events(corpus) -> None:
    """Per document, the run's events start with exactly those of the per-document stages, which
    explain and clean_file give; the rest are corpus decisions (learned chrome, names, duplicates)."""
    raw, clean = corpus
    flow = defaultdict(list)
    for e in jsonl(Layout(clean).report / "events.jsonl"):
        flow[e["doc"]].append(e)
    checked = 0
    for source in discover(raw, Settings()):
        for cleaned in clean_file(source.path, raw=raw, settings=Settings()):
            mine = [e.to_dict() for e in cleaned.events]
            theirs = flow[cleaned.document.id]
            assert theirs[: len(mine)] == mine, cleaned.document.id
            rest = theirs[len(mine) :]
            assert all(
                e["kind"] == "duplicate" or e["rule"] in ("chrome:learned", "transliteration:corpus") for e in rest
            )
            checked += bool(mine)
    assert checked >= 3


def test_failed_export_keeps_the_previous_one_and_the_next_run_completes(
    tmp_path: Path, prefect_server, monkeypatch
) -> None:
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    write_corpus(raw)
    run(raw, clean)
    layout = Layout(clean)
    manifest = layout.manifest.read_bytes()
    before = {p.name: p.read_bytes() for p in layout.dataset.iterdir()}

    (raw / "lake-news" / "choir.txt").write_text(f"Choir wins again\n\n{CHOIR}\n", encoding="utf-8")
    real = dataset._Shard.close

    def full_disk(shard) -> None:
        real(shard)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset._Shard, "close", full_disk)
    with pytest.raises(Exception, match="No space left"):
        run(raw, clean)
    assert layout.manifest.read_bytes() == manifest  # the manifest still names the previous export...
    assert {p.name: p.read_bytes() for p in layout.dataset.iterdir()} == before  # ...which is whole
    listed = json.loads(manifest)["dataset"]["files"]
    assert all(file_hash(clean / f["path"]) == f["hash"] for f in listed)

    monkeypatch.setattr(dataset._Shard, "close", real)
    run(raw, clean)
    assert "Choir wins again" in json.dumps(
        [r for p in layout.dataset.glob("*.jsonl.gz") for r in jsonl_gz(p)], ensure_ascii=False
    )
    shutil.rmtree(layout.dataset)  # an export lost (a crash between its two renames): the next run rebuilds it
    untouched = (clean / "lake-news" / "pier.txt").stat().st_mtime_ns
    assert not run(raw, clean).get("nothing_to_do")
    assert layout.dataset_card.exists() and (clean / "lake-news" / "pier.txt").stat().st_mtime_ns == untouched
    full = tmp_path / "full"
    run(raw, full)
    assert {p.name: p.read_bytes() for p in layout.dataset.iterdir()} == {
        p.name: p.read_bytes() for p in Layout(full).dataset.iterdir()
    }


def jsonl_gz(path: Path) -> list[dict]:
    import gzip

    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
