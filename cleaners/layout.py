"""The layout of a clean folder, in one place: where the outputs, the report and the state live.

>>> from pathlib import Path
>>> layout = Layout(Path("clean"))
>>> layout.manifest.as_posix(), layout.prepared.as_posix(), layout.dataset.as_posix()
('clean/_report/manifest.json', 'clean/_state/prepared', 'clean/_dataset')
>>> Layout.reserved("_report/summary.json"), Layout.reserved("_dataset/README.md"), Layout.reserved("news/a.txt")
(True, True, False)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

REPORT_DIR = "_report"
STATE_DIR = "_state"
DATASET_DIR = "_dataset"
# Top-level names of a clean folder that are never a raw file's output.
RESERVED = (REPORT_DIR, STATE_DIR, DATASET_DIR)
# What may differ between two runs over the same input and settings: the state (a cache), the run
# records (one per run: an incremental run has more of them) and the summary's wall-clock timings.
RUN_SPECIFIC_DIRS = (f"{STATE_DIR}/", f"{REPORT_DIR}/runs/")
RUN_SPECIFIC_KEYS = {f"{REPORT_DIR}/summary.json": ("timings",)}


@dataclass(frozen=True)
class Layout:
    """Paths of one clean folder. Outputs mirror raw/ at the top; `_report/` is what downstream tools read
    (the manifest last), `_dataset/` the same documents as one dataset, `_state/` what the next run reads."""

    root: Path

    @staticmethod
    def reserved(rel: str) -> bool:
        """`rel` (a path inside the clean folder) is the report's or the state's, not an output."""
        return rel.split("/", 1)[0] in RESERVED

    @property
    def report(self) -> Path:
        return self.root / REPORT_DIR

    @property
    def manifest(self) -> Path:
        return self.report / "manifest.json"

    @property
    def summary(self) -> Path:
        return self.report / "summary.json"

    @property
    def runs(self) -> Path:
        return self.report / "runs"

    @property
    def html(self) -> Path:
        return self.report / "report.html"

    @property
    def dataset(self) -> Path:
        """The dataset export: Parquet and JSONL shards and a dataset card, replaced whole by each run."""
        return self.root / DATASET_DIR

    @property
    def dataset_card(self) -> Path:
        return self.dataset / "README.md"

    @property
    def dataset_staging(self) -> Path:
        """Where a run builds the next export before swapping it in (inside `_state/`: never an output,
        and on the same file system as `_dataset/`, so the swap is a rename)."""
        return self.state / "dataset.new"

    @property
    def dataset_retired(self) -> Path:
        """The previous export between the swap's two renames; removed right after."""
        return self.state / "dataset.old"

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR

    @property
    def prepared(self) -> Path:
        """Per raw file, its documents after the per-document stages (and their sketches)."""
        return self.state / "prepared"

    @property
    def work(self) -> Path:
        """Files passed between the phases of one run; removed when the run ends."""
        return self.state / "work"

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    def snapshot(self) -> dict[str, bytes]:
        """Every file two runs over the same input and settings must write alike, by path: the outputs and
        the report, byte for byte, without what may differ between runs (`RUN_SPECIFIC_DIRS`, and
        `RUN_SPECIFIC_KEYS` taken out of their JSON files). Incremental, full, local, Dask and Redis runs
        are all held to it (the tests, and `python -m bench.same` between two releases)."""
        out = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if not path.is_file() or rel.startswith(RUN_SPECIFIC_DIRS):
                continue
            data = path.read_bytes()
            if rel in RUN_SPECIFIC_KEYS:
                parsed = json.loads(data)
                for key in RUN_SPECIFIC_KEYS[rel]:
                    parsed.pop(key, None)
                data = json.dumps(parsed, sort_keys=True).encode()
            out[rel] = data
        return out
