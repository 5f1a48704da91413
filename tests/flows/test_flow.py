"""The clean-corpus flow end to end on a small corpus written here, and the CLI around it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaners.settings import Settings
from cleaners.state import CorpusState

REPO = Path(__file__).resolve().parents[2]

WIRE = (
    "Engineers at the northern reservoir said on Monday that the spillway repairs would take at least "
    "three more weeks, because the replacement gates ordered in the autumn arrived with the wrong fittings."
)
WIRE_EDITED = (
    "Engineers at the northern reservoir said on Monday that the spillway repairs would take at least "
    "three more weeks, as the replacement gates ordered in autumn arrived with the wrong fittings."
)
OTHER = (
    "The regional council meets again on Thursday to discuss the budget for school transport, which "
    "parents say has not kept pace with the number of pupils in the valley villages."
)


def write_corpus(raw: Path) -> None:
    (raw / "lake-news").mkdir(parents=True)
    (raw / "river-post").mkdir(parents=True)
    (raw / "broken").mkdir(parents=True)
    (raw / "lake-news" / "a.txt").write_text(
        f"Spillway repairs delayed\n\nHome › News › Region\n\n{WIRE}\n\n{OTHER}\n\nComments are closed.\n",
        encoding="utf-8",
    )
    (raw / "river-post" / "b.txt").write_bytes(
        f"Reservoir gates late\n\n{WIRE_EDITED}\n\nThe caf\u00e9 owners by the dam are worried.\n".encode("cp1252")
    )
    (raw / "river-post" / "feed.jsonl").write_text(
        json.dumps({"id": "r1", "text": f"Budget talks\n\n{OTHER}", "url": "https://river.example/1"}) + "\n",
        encoding="utf-8",
    )
    (raw / "broken" / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (raw / "broken" / "empty.txt").write_bytes(b"")


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_flow(raw: Path, clean: Path, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1, **overrides))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, prefect_server):
    root = tmp_path_factory.mktemp("corpus")
    raw = root / "raw"
    write_corpus(raw)
    before = tree_digest(raw)
    summary = run_flow(raw, root / "clean")
    return raw, root / "clean", summary, before


def test_outputs_and_report(corpus) -> None:
    raw, clean, summary, _ = corpus
    a = (clean / "lake-news" / "a.txt").read_text(encoding="utf-8")
    assert a == f"Spillway repairs delayed\n\n{WIRE}\n\n{OTHER}\n"
    b = (clean / "river-post" / "b.txt").read_text(encoding="utf-8")
    assert WIRE_EDITED not in b and "café" in b
    feed = [json.loads(x) for x in (clean / "river-post" / "feed.jsonl").read_text().splitlines()]
    assert feed == [{"id": "r1", "url": "https://river.example/1", "text": "Budget talks"}]
    assert not (clean / "broken" / "blob.txt").exists()

    rep = clean / "_report"
    docs = {json.loads(x)["doc"]: json.loads(x) for x in (rep / "documents.jsonl").read_text().splitlines()}
    assert docs["broken/blob.txt"]["status"] == "error" and "binary" in docs["broken/blob.txt"]["error"]
    assert docs["broken/empty.txt"]["status"] == "empty"
    assert docs["river-post/b.txt"]["encoding"] == "cp1252"
    assert docs["river-post/feed.jsonl#r1"]["paragraphs_out"] == 1
    assert set(docs["lake-news/a.txt"]) >= {
        "doc",
        "status",
        "error",
        "encoding",
        "language",
        "paragraphs_in",
        "paragraphs_out",
        "bytes_in",
        "bytes_out",
    }
    events = [json.loads(x) for x in (rep / "events.jsonl").read_text().splitlines()]
    kinds = {(e["doc"], e["kind"]) for e in events}
    assert ("lake-news/a.txt", "chrome") in kinds
    dups = [e for e in events if e["kind"] == "duplicate"]
    assert {(e["doc"], e["duplicate_of"]["doc"]) for e in dups} == {
        ("river-post/b.txt", "lake-news/a.txt"),
        ("river-post/feed.jsonl#r1", "lake-news/a.txt"),
    }
    for e in events:
        assert set(e) >= {
            "doc",
            "paragraph",
            "kind",
            "action",
            "text",
            "start",
            "end",
            "replacement",
            "rule",
            "confidence",
            "id",
        }
    clusters = [json.loads(x) for x in (rep / "clusters.jsonl").read_text().splitlines()]
    assert len(clusters) == 2
    assert all(c["kept"]["doc"] == "lake-news/a.txt" for c in clusters)
    assert summary["documents"] == {"ok": 3, "empty": 1, "error": 1}
    assert json.loads((rep / "summary.json").read_text())["clusters"] == 2
    assert not (clean / "_state" / "work").exists()  # the run's work folder is cleared
    # the caches are one file per batch, each named by the state, and nothing else is left there
    state = CorpusState.load(clean / "_state")
    assert all(s.file and s.sketches for s in state.sources.values()) and len(state.sources) == 5
    assert {p.name for p in (clean / "_state" / "prepared").iterdir()} == state.referenced()


def test_raw_untouched(corpus) -> None:
    raw, _, _, before = corpus
    assert tree_digest(raw) == before


def test_no_temporary_files_left(corpus) -> None:
    _, clean, _, _ = corpus
    assert not [p for p in clean.rglob(".tmp-*")]


def test_deterministic(corpus, tmp_path) -> None:
    raw, clean, _, _ = corpus
    again = tmp_path / "clean"
    run_flow(raw, again, batch_size=2)
    first, second = tree_digest(clean), tree_digest(again)
    for name in (first.keys() | second.keys()) - {"_report/summary.json"}:
        assert first.get(name) == second.get(name), name


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("corpusclean")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_cli_help_lists_options() -> None:
    out = cli("run", "--help").stdout
    for option in ("--config", "--threshold", "--shingle", "--workers", "--max-error-ratio"):
        assert option in out


def test_cli_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert cli("run", str(tmp_path / "missing"), str(tmp_path / "clean")).returncode == 2
    (tmp_path / "raw").mkdir()
    bad = cli("run", str(tmp_path / "raw"), str(tmp_path / "clean"), "--threshold", "lots")
    assert bad.returncode == 2
    cfg = tmp_path / "c.toml"
    cfg.write_text("threshold = 'high'\n")
    assert cli("run", str(tmp_path / "raw"), str(tmp_path / "clean"), "--config", str(cfg)).returncode == 2


def test_cli_broken_feed_exit_1(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"{i}.txt").write_bytes(bytes(range(256)) * 4)
    (raw / "ok.txt").write_text(f"Title\n\n{OTHER}\n")
    res = cli("run", str(raw), str(tmp_path / "clean"), "--workers", "1")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "3 of 4 documents failed" in res.stderr
    assert (tmp_path / "clean" / "ok.txt").exists()
