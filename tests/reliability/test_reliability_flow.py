"""Whole runs under attack: determinism, idempotence, hostile files and names, symbolic links,
unwritable outputs, tampered state and runaway documents. In-process flow runs on the test server;
the command line through typer's runner, so exit codes and messages are checked too."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaners.layout import Layout
from cleaners.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw"
PARA = (
    "The ferry company of Orlin Bay said on Thursday that it would add a second boat to the winter timetable, "
    "after months of complaints from commuters who had been left on the quay in the rain."
)
PARA2 = (
    "Velmora's harbour master, Ines Tarrow, told reporters that the new pontoon had passed its load test and "
    "would open to small fishing boats before the end of the month."
)


def run_flow(raw: Path, clean: Path, full: bool = False, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    data = {"workers": 1, **overrides}
    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(**data), full=full)


def cli(*args: str):
    from flows.cli import app

    return CliRunner().invoke(app, ["run", *args], catch_exceptions=False)


def tree(root: Path, skip_state: bool = True) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not (skip_state and rel.startswith("_state/")):
            out[rel] = p.read_bytes()
    return out


def records(clean: Path, name: str) -> list[dict]:
    return [json.loads(x) for x in (clean / "_report" / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory, prefect_server) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("determinism")
    run_flow(SAMPLE, root / "a")
    run_flow(SAMPLE, root / "b", workers=2, batch_size=3)
    return root / "a", root / "b"


def test_same_input_gives_byte_identical_outputs(sample_runs) -> None:
    a, b = sample_runs
    ta, tb = Layout(a).snapshot(), Layout(b).snapshot()
    assert sorted(ta) == sorted(tb)
    different = [name for name in ta if ta[name] != tb[name]]
    assert different == [], f"not byte-identical between runs: {different}"
    assert {"_report/report.html", "_report/manifest.json", "_report/summary.json"} <= set(ta)
    # the run records are set aside by the snapshot, but two runs of the same input name the same run
    assert sorted(os.listdir(a / "_report" / "runs")) == sorted(os.listdir(b / "_report" / "runs"))


def test_cleaning_clean_output_again_changes_nothing(sample_runs, tmp_path: Path) -> None:
    """Idempotence: the clean corpus, cleaned again, has no chrome, duplicates or fixable artefacts left."""
    a, _ = sample_runs
    raw2 = tmp_path / "raw"
    for rel, data in tree(a).items():
        if not Layout.reserved(rel):
            (raw2 / rel).parent.mkdir(parents=True, exist_ok=True)
            (raw2 / rel).write_bytes(data)
    run_flow(raw2, tmp_path / "clean2")
    events = records(tmp_path / "clean2", "events.jsonl")
    first = {(e["doc"], e["kind"], e["text"]) for e in records(a, "events.jsonl")}
    again = [
        (e["doc"], e["kind"], e["rule"], e["text"][:80])
        for e in events
        if e["kind"] in ("chrome", "duplicate", "encoding") or e["action"] in ("fixed", "removed")
    ]
    assert again == [], "the second pass still found something to remove or fix"
    # flags may repeat (they were only flagged), but only on text the first pass saw and flagged too
    assert {(e["doc"], e["kind"], e["text"]) for e in events if e["action"] == "flagged"} <= first
    for rel, data in tree(tmp_path / "clean2").items():
        if not Layout.reserved(rel):
            assert data == (a / rel).read_bytes(), rel


# --- hostile files and names ---------------------------------------------------------------------

NASTY_JSONL = "\n".join(
    [
        json.dumps({"id": "../../escape", "text": PARA}),
        json.dumps({"id": "/etc/passwd", "text": PARA2}),
        json.dumps({"id": "a\x00b\x1b[31m", "text": "Short one\n\nIt rained."}),
        json.dumps({"id": "../../escape", "text": "duplicate id"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": 7, "text": None}),
        json.dumps({"id": None, "text": "\x00\x00"}),
        "",
    ]
)


def hostile_raw(root: Path) -> Path:
    raw = root / "raw"
    site = raw / "site"
    site.mkdir(parents=True)
    files: dict[str, bytes] = {
        "ok.txt": f"Ferry timetable\n\n{PARA}\n".encode(),
        "binary.txt": bytes(range(256)) * 8,
        "empty.txt": b"",
        "blank.txt": b"\n \r\n\t\n",
        "bom-only.txt": b"\xef\xbb\xbf",
        "utf16.txt": f"Pontoon\n\n{PARA2}\n".encode("utf-16-le"),
        "cut-utf8.txt": "Café on the quay\n\nthé".encode()[:-1],
        "nuls.txt": b"T\x00itle\n\nText \x00with NULs.\n",
        "controls.txt": b"Title\x1b[2J\n\nA line with \x07 bell and \x08 backspace.\n",
        "long-line.txt": b"The " + b"word " * 400_000 + b"end.\n",
        "records.jsonl": NASTY_JSONL.encode(),
        "\x01ctrl\tname.txt": f"Control name\n\n{PARA2} Again.\n".encode(),
        "new\nline.txt": b"Newline name\n\nA short text.\n",
        "..dots.txt": b"Dots\n\nA second short text.\n",
        "-dash.txt": b"Dash\n\nA third short text.\n",
    }
    for name, data in files.items():
        (site / name).write_bytes(data)
    with open(os.path.join(os.fsencode(site), b"bad-\xff\xfe-utf8.txt"), "wb") as fh:
        fh.write(b"Undecodable name\n\nA text whose file name is not UTF-8.\n")
    os.mkfifo(site / "pipe.txt")  # would block a reader forever
    (site / "folder.txt").mkdir()
    return raw


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, prefect_server) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("hostile")
    raw = hostile_raw(root)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"Secret\n\n{PARA}\n")
    (raw / "site" / "link-out.txt").symlink_to(outside / "secret.txt")
    (raw / "linkdir").symlink_to(outside, target_is_directory=True)
    (raw / "site" / "link-in.txt").symlink_to(raw / "site" / "ok.txt")
    before = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    summary = run_flow(raw, root / "clean")
    return root, root / "clean", {"summary": summary, "before": before}


def test_hostile_files_end_ok_empty_or_error(hostile) -> None:
    _, clean, info = hostile
    docs = {d["doc"]: d for d in records(clean, "documents.jsonl")}
    for d in docs.values():
        assert d["status"] in ("ok", "empty", "error")
        if d["status"] == "error":
            assert d["error"], d
    assert docs["site/ok.txt"]["status"] == "ok"
    assert docs["site/binary.txt"]["status"] == "error" and "binary" in docs["site/binary.txt"]["error"]
    assert docs["site/empty.txt"]["status"] == docs["site/blank.txt"]["status"] == "empty"
    assert docs["site/utf16.txt"]["status"] == "ok"
    assert docs["site/long-line.txt"]["status"] == "ok"
    assert docs["site/records.jsonl#../../escape"]["status"] == "ok"
    errors = [d for d in docs.values() if d["doc"].startswith("site/records.jsonl") and d["status"] == "error"]
    assert len(errors) >= 4  # duplicate id, invalid JSON, not an object, no string text
    assert "Text with NULs." in (clean / "site" / "nuls.txt").read_text()
    assert "\x1b" not in (clean / "site" / "controls.txt").read_text()
    assert not any("pipe.txt" in d or "folder.txt" in d for d in docs)
    assert info["summary"]["documents"]["ok"] >= 8


def test_nothing_written_outside_clean(hostile) -> None:
    root, clean, info = hostile
    after = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    new = sorted(x for x in after - info["before"] if not x.startswith("clean"))
    assert new == []
    assert not Path("/etc/passwd.jsonl").exists()
    for p in clean.rglob("*"):
        assert p.resolve().is_relative_to(clean.resolve())
    out = json.loads((clean / "site" / "records.jsonl").read_text().splitlines()[0])
    assert out["id"] == "../../escape"  # ids stay data inside the one clean file


def test_symlinks_leading_outside_are_not_followed(hostile, tmp_path: Path) -> None:
    root, clean, _ = hostile
    docs = {d["doc"] for d in records(clean, "documents.jsonl")}
    assert "site/link-out.txt" not in docs and not any(d.startswith("linkdir/") for d in docs)
    assert "site/link-in.txt" in docs  # a link inside raw/ is fine
    raw = tmp_path / "raw"
    (raw / "s").mkdir(parents=True)
    (raw / "s" / "a.txt").write_text(f"A\n\n{PARA2}\n")
    (raw / "s" / "out.txt").symlink_to(root / "outside" / "secret.txt")
    (raw / "outdir").symlink_to(root / "outside", target_is_directory=True)
    (raw / "s" / "loop").symlink_to(raw, target_is_directory=True)
    run_flow(raw, tmp_path / "clean", follow_symlinks=True)
    docs = sorted(d["doc"] for d in records(tmp_path / "clean", "documents.jsonl"))
    assert "s/out.txt" in docs and "outdir/secret.txt" in docs
    assert len(docs) == 3, f"a symbolic link loop multiplied the documents: {docs}"


# --- unwritable outputs ----------------------------------------------------------------------------


def small_raw(root: Path) -> Path:
    raw = root / "raw"
    (raw / "s").mkdir(parents=True)
    (raw / "s" / "a.txt").write_text(f"Ferry\n\n{PARA}\n")
    (raw / "s" / "b.txt").write_text(f"Pontoon\n\n{PARA2}\n")
    return raw


@pytest.mark.parametrize("where", ["file", "proc"])
def test_unwritable_clean_is_a_clear_error(tmp_path: Path, prefect_server, where: str) -> None:
    raw = small_raw(tmp_path)
    before = tree(raw)
    if where == "file":
        clean = tmp_path / "clean"
        clean.write_text("I am a file, not a folder")
    else:
        clean = Path("/proc/corpusclean-cannot-write-here")
    result = cli(str(raw), str(clean), "--workers", "1")
    assert result.exit_code != 0
    assert "error" in result.output and str(clean) in result.output
    assert "Traceback" not in result.output
    assert tree(raw) == before


def test_full_disk_leaves_state_untouched(tmp_path: Path, prefect_server, monkeypatch) -> None:
    raw = small_raw(tmp_path)
    clean = tmp_path / "clean"
    assert cli(str(raw), str(clean), "--workers", "1").exit_code == 0
    state = (clean / "_state" / "state.json").read_bytes()
    outputs = tree(clean)
    (raw / "s" / "c.txt").write_text(f"Third\n\n{PARA} {PARA2}\n")
    raw_before = tree(raw)

    import cleaners.output

    real = cleaners.output.os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cleaners.output.os, "fsync", full)
    result = cli(str(raw), str(clean), "--workers", "1")
    assert result.exit_code != 0
    assert "No space left" in result.output and "Traceback" not in result.output
    assert (clean / "_state" / "state.json").read_bytes() == state
    assert tree(raw) == raw_before
    assert tree(clean) == outputs
    assert not [p for p in clean.rglob("*") if p.name.startswith(".tmp-")]
    monkeypatch.setattr(cleaners.output.os, "fsync", real)
    assert cli(str(raw), str(clean), "--workers", "1").exit_code == 0
    assert (clean / "s" / "c.txt").exists()


def test_obstructed_output_is_reported_and_recovers(tmp_path: Path, prefect_server) -> None:
    """A clean sub-path that cannot be written (a file where a folder must be) is an error record,
    and once the obstruction is gone the next run writes the output."""
    raw = small_raw(tmp_path)
    (raw / "t").mkdir()
    (raw / "t" / "c.txt").write_text(f"Third\n\n{PARA} {PARA2}\n")
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "t").write_text("obstruction")
    run_flow(raw, clean)
    docs = {d["doc"]: d for d in records(clean, "documents.jsonl")}
    assert docs["t/c.txt"]["status"] == "error" and "cannot write" in docs["t/c.txt"]["error"]
    assert docs["s/a.txt"]["status"] == "ok"
    (clean / "t").unlink()
    summary = run_flow(raw, clean)
    assert not summary.get("nothing_to_do"), "the failed output was recorded as done"
    assert (clean / "t" / "c.txt").read_text().startswith("Third")


# --- untrusted state -------------------------------------------------------------------------------


def _first_prepared(clean: Path) -> Path:
    """The cached documents of s/a.txt, a raw file the next run does not read again."""
    state = json.loads((clean / "_state" / "state.json").read_text())
    return clean / "_state" / "prepared" / state["sources"]["s/a.txt"]["file"]


TAMPER = {
    "bad-json": lambda c: (c / "_state" / "state.json").write_text("{ not json"),
    "wrong-schema": lambda c: _edit_state(c, lambda d: d.update(schema=99)),
    "foreign-key": lambda c: _edit_state(c, lambda d: next(iter(d["sources"].values())).update(key="../../x")),
    "sources-not-object": lambda c: _edit_state(c, lambda d: d.update(sources=[1, 2])),
    "pickle-bytes": lambda c: (c / "_state" / "state.json").write_bytes(b"\x80\x04\x95cos\nsystem\n."),
    "prepared-garbage": lambda c: _first_prepared(c).write_bytes(b"\x00garbage\xff\n{]"),
    "prepared-wrong-shape": lambda c: _first_prepared(c).write_text('{"id": 5, "paragraphs": "x"}\n[1, 2]\n'),
}


def _edit_state(clean: Path, fn) -> None:
    path = clean / "_state" / "state.json"
    data = json.loads(path.read_text())
    fn(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("kind", sorted(TAMPER))
def test_tampered_state_is_reported_and_full_rebuilds(tmp_path: Path, prefect_server, kind: str) -> None:
    raw = small_raw(tmp_path)
    clean = tmp_path / "clean"
    assert cli(str(raw), str(clean), "--workers", "1").exit_code == 0
    reference = Layout(clean).snapshot()
    TAMPER[kind](clean)
    (raw / "s" / "b.txt").write_text(f"Pontoon\n\n{PARA2}\n\nOne more line.\n")  # something to do
    result = cli(str(raw), str(clean), "--workers", "1")
    assert result.exit_code == 2, result.output
    assert "--full" in result.output and "Traceback" not in result.output
    (raw / "s" / "b.txt").write_text(f"Pontoon\n\n{PARA2}\n")
    result = cli(str(raw), str(clean), "--workers", "1", "--full")
    assert result.exit_code == 0, result.output
    assert Layout(clean).snapshot() == reference
    assert cli(str(raw), str(clean), "--workers", "1").exit_code == 0


# --- runaway documents -------------------------------------------------------------------------------


def test_runaway_document_becomes_an_error_record(tmp_path: Path, prefect_server) -> None:
    raw = small_raw(tmp_path)
    slow = " ".join(["The Big Harbour Board"] * 120_000)  # several seconds in the artefact stage
    (raw / "s" / "slow.txt").write_text(f"Slow\n\n{slow}.\n")
    clean = tmp_path / "clean"
    run_flow(raw, clean, workers=2, batch_size=8, doc_timeout=1.0)
    docs = {d["doc"]: d for d in records(clean, "documents.jsonl")}
    assert docs["s/slow.txt"]["status"] == "error"
    assert "limit" in docs["s/slow.txt"]["error"]
    assert docs["s/a.txt"]["status"] == docs["s/b.txt"]["status"] == "ok"
    assert (clean / "s" / "a.txt").read_text().startswith("Ferry")
    assert not (clean / "s" / "slow.txt").exists() or not (clean / "s" / "slow.txt").read_text()
