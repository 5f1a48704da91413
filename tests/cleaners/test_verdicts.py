"""A reviewer's verdicts (the overrides file): rejected removals are not redone, accepted suggestions are applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners.settings import Settings
from cleaners.verdicts import Verdicts, VerdictsError

TEXT = (
    "Harbour fees rise\n\n"
    "Home › News › Harbour\n\n"
    "The harbour board raised mooring fees by a tenth on Monday , saying that the breakwater repairs had cost "
    "far more than planned and that the board had no other money left for them this year.\n\n"
    "Skippers said at a meeting Last week that they would ask the council to delay the rise until the autumn.\n\n"
    "“We cannot pay more for a berth than for the boat, said Tamsin Ure, who fishes out of the harbour.\n"
)
# The unclosed quotation is flagged, never fixed (punctuation:unclosed_quote is not fixable): accepting it
# is what applies it.
QUOTE = "“We cannot pay more for a berth than for the boat,” said Tamsin Ure"


def run(raw: Path, clean: Path, **settings) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1, **settings))


def events(clean: Path) -> list[dict]:
    return [json.loads(x) for x in (clean / "_report" / "events.jsonl").read_text().splitlines()]


def test_rejected_removal_and_accepted_flag(tmp_path: Path, prefect_server) -> None:
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "a.txt").write_text(TEXT, encoding="utf-8")
    run(raw, clean)
    first = events(clean)
    crumb = next(e for e in first if e["kind"] == "chrome")
    assert "Home › News › Harbour" not in (clean / "a.txt").read_text()
    comma = next(e for e in first if e["rule"] == "punctuation:space_before")
    assert comma["action"] == "fixed"
    quote = next(e for e in first if e["rule"] == "punctuation:unclosed_quote")
    assert quote["action"] == "flagged" and quote["replacement"]
    assert QUOTE not in (clean / "a.txt").read_text()

    overrides = tmp_path / "corpusclean.overrides.toml"
    overrides.write_text(f'reject = ["{crumb["id"]}", "{comma["id"]}"]\n', encoding="utf-8")
    run(raw, clean, overrides=overrides)  # no --full needed: new verdicts re-clean every document
    out = (clean / "a.txt").read_text()
    assert "Home › News › Harbour" in out and "Monday , saying" in out
    second = {e["id"]: e for e in events(clean)}
    assert second[crumb["id"]]["action"] == "flagged" and second[crumb["id"]]["override"] == "rejected"
    assert second[comma["id"]]["action"] == "flagged"
    assert second[quote["id"]]["action"] == "flagged" and second[quote["id"]]["override"] is None

    # Accepting a flagged suggestion applies it; the rejections made before stay.
    overrides.write_text(f'reject = ["{crumb["id"]}", "{comma["id"]}"]\naccept = ["{quote["id"]}"]\n', encoding="utf-8")
    run(raw, clean, overrides=overrides)
    third = {e["id"]: e for e in events(clean)}
    assert third[quote["id"]]["action"] == "fixed" and third[quote["id"]]["override"] == "accepted"
    out = (clean / "a.txt").read_text()
    assert QUOTE in out and "Monday , saying" in out


def test_jsonl_verdicts_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "o.jsonl"
    good.write_text('{"id": "abc", "verdict": "reject", "note": "subheading"}\n\n{"id": "def", "verdict": "accept"}\n')
    assert Verdicts.load(good).by_id == {"abc": "reject", "def": "accept"}
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"id": "abc", "verdict": "maybe"}\n')
    with pytest.raises(VerdictsError, match="line 1"):
        Verdicts.load(bad)
    with pytest.raises(VerdictsError, match="cannot be read"):
        Verdicts.load(tmp_path / "missing.toml")
    assert Verdicts.load(None).by_id == {}
