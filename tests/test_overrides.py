"""A reviewer's overrides file: rejected removals are not redone, accepted suggestions are applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaners.overrides import OverridesError, load_overrides
from cleaners.settings import Settings

TEXT = (
    "Harbour fees rise\n\n"
    "Home › News › Harbour\n\n"
    "The harbour board raised mooring fees by a tenth on Monday , saying that the breakwater repairs had cost "
    "far more than planned and that the board had no other money left for them this year.\n\n"
    "Skippers said at a meeting Last week that they would ask the council to delay the rise until the autumn.\n"
)


def run(raw: Path, clean: Path, **overrides) -> dict:
    from flows.clean_corpus import clean_corpus

    return clean_corpus(raw_dir=str(raw), clean_dir=str(clean), settings=Settings(workers=1, **overrides))


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
    comma = next(e for e in first if e["kind"] == "punctuation")
    assert comma["action"] == "fixed"

    overrides = tmp_path / "corpusclean.overrides.toml"
    overrides.write_text(f'reject = ["{crumb["id"]}", "{comma["id"]}"]\n', encoding="utf-8")
    run(raw, clean, overrides=overrides)  # no --full needed: new verdicts re-clean every document
    out = (clean / "a.txt").read_text()
    assert "Home › News › Harbour" in out and "Monday , saying" in out
    second = {e["id"]: e for e in events(clean)}
    assert second[crumb["id"]]["action"] == "flagged" and second[crumb["id"]]["override"] == "rejected"
    assert second[comma["id"]]["action"] == "flagged"

    # Accepting a flagged suggestion applies it.
    flagged = next(
        (
            e
            for e in second.values()
            if e["action"] == "flagged" and e["replacement"] and e["id"] not in (crumb["id"], comma["id"])
        ),
        None,
    )
    if flagged is not None:
        overrides.write_text(f'accept = ["{flagged["id"]}"]\n', encoding="utf-8")
        run(raw, clean, overrides=overrides)
        third = {e["id"]: e for e in events(clean)}
        assert third[flagged["id"]]["action"] == "fixed" and third[flagged["id"]]["override"] == "accepted"


def test_jsonl_overrides_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "o.jsonl"
    good.write_text('{"id": "abc", "verdict": "reject", "note": "subheading"}\n\n{"id": "def", "verdict": "accept"}\n')
    assert load_overrides(good) == {"abc": "reject", "def": "accept"}
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"id": "abc", "verdict": "maybe"}\n')
    with pytest.raises(OverridesError, match="line 1"):
        load_overrides(bad)
    with pytest.raises(OverridesError, match="cannot be read"):
        load_overrides(tmp_path / "missing.toml")
    assert load_overrides(None) == {}
