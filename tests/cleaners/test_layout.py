"""The clean folder's layout: what two runs must write alike (`Layout.snapshot`) and `bench.same`."""

from __future__ import annotations

import json
from pathlib import Path

from bench.same import differences, main
from cleaners.layout import Layout


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def folder(root: Path, timings: float, run: str, clean_text: str = "Clean text.\n") -> Path:
    return write(
        root,
        {
            "news/a.txt": clean_text,
            "_report/summary.json": json.dumps({"documents": 1, "timings": {"total": timings}}),
            "_report/manifest.json": '{"run": "r1"}',
            f"_report/runs/{run}.json": "{}",
            "_state/state.json": run,
        },
    )


def test_timings_state_and_run_records_may_differ(tmp_path: Path) -> None:
    a = folder(tmp_path / "a", 1.5, "r1")
    b = folder(tmp_path / "b", 9.0, "r2")
    assert Layout(a).snapshot() == Layout(b).snapshot()
    assert set(Layout(a).snapshot()) == {"news/a.txt", "_report/summary.json", "_report/manifest.json"}
    assert differences(a, b) == [] and main([str(a), str(b)]) == 0


def test_an_output_or_a_count_that_differs_is_named(tmp_path: Path, capsys) -> None:
    a = folder(tmp_path / "a", 1.0, "r1")
    b = folder(tmp_path / "b", 1.0, "r1", clean_text="Clean text!\n")
    (b / "_report" / "extra.jsonl").write_text("{}\n")
    assert differences(a, b) == ["_report/extra.jsonl", "news/a.txt"]
    (a / "_report" / "summary.json").write_text(json.dumps({"documents": 2, "timings": {}}))
    assert "_report/summary.json" in differences(a, b)
    assert main([str(a), str(b)]) == 1 and "news/a.txt" in capsys.readouterr().out
