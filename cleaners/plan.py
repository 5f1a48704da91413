"""What a run has to do, decided from the corpus state and a scan of raw/ before any work starts.

A raw file is read again when it is new, its content hash changed, its cached documents are missing,
or the reviewer's verdicts changed (every document is then cleaned again); files gone from raw/ are
forgotten. Corpus-level decisions are always recomputed from every cached document, so the plan only
decides what to *read*; what to *rewrite* follows from comparing outputs.

>>> from pathlib import Path
>>> from cleaners.state import CorpusState
>>> plan = plan_run(CorpusState(root=Path("/nonexistent")), [("a.txt", "/raw/a.txt", "k1", "h1")])
>>> plan.changed, plan.gone
([('a.txt', '/raw/a.txt', 'k1')], [])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cleaners.state import CorpusState, SourceState


@dataclass
class RunPlan:
    """The raw files of this run and what happens to each."""

    current: dict[str, tuple[str, str, str]]  # raw path -> (file path, state key, content hash)
    changed: list[tuple[str, str, str]]  # (raw path, file path, state key) to read and prepare again
    gone: list[str]  # raw paths the last run saw and this one does not
    previous: set[str] = field(default_factory=set)  # raw paths the last run saw

    @property
    def keys(self) -> dict[str, str]:
        """State key of every current raw file."""
        return {rel: key for rel, (_, key, _) in self.current.items()}

    def settle(
        self, state: CorpusState, prepared_ids: dict[str, list[str]], files: dict[str, str] | None = None
    ) -> list[str]:
        """Bring the state's sources up to this run once the changed files are prepared: the gone ones
        leave (their state keys are returned, to delete their caches), every current one records its
        hash, documents and, when prepared now, the batch file holding them (`files`, by raw path)."""
        gone_keys = [state.sources.pop(rel).key for rel in self.gone]
        for rel, (_, key, digest) in self.current.items():
            entry = state.sources.get(rel) or SourceState(hash=digest, key=key)
            entry.hash = digest
            entry.docs = prepared_ids.get(rel, entry.docs)
            entry.file = (files or {}).get(rel, entry.file)
            state.sources[rel] = entry
        return gone_keys

    def located(self, state: CorpusState, rels: list[str]) -> list[tuple[str, str, str]]:
        """(key, prepared file, sketch file) of raw files, in order: what a batch step reads."""
        return [(state.sources[rel].key, state.sources[rel].file, state.sources[rel].sketches) for rel in rels]

    def record(self, rewritten: list[str], removed_outputs: list[str]) -> dict[str, Any]:
        """What this run added, changed and removed, and which outputs it wrote or deleted."""
        return {
            "added": sorted(rel for rel, *_ in self.changed if rel not in self.previous),
            "changed": sorted(rel for rel, *_ in self.changed if rel in self.previous),
            "removed": self.gone,
            "outputs_rewritten": sorted(rewritten),
            "outputs_removed": removed_outputs,
        }


def plan_run(state: CorpusState, scanned: list[tuple[str, str, str, str]], reviewed_again: bool = False) -> RunPlan:
    """The plan for `scanned` raw files, (raw path, file path, state key, content hash) each, against the
    state of the last run."""
    current = {rel: (path, key, digest) for rel, path, key, digest in scanned}
    present: dict[str, bool] = {}  # batch file -> on disk (one stat per file, not per raw file)

    def cached(entry: SourceState) -> bool:
        if entry.file not in present:
            present[entry.file] = bool(entry.file) and (state.prepared_dir / entry.file).is_file()
        return present[entry.file]

    changed = [
        (rel, path, key)
        for rel, (path, key, digest) in current.items()
        if reviewed_again
        or rel not in state.sources
        or state.sources[rel].hash != digest
        or not cached(state.sources[rel])
    ]
    previous = set(state.sources)
    return RunPlan(current=current, changed=changed, gone=sorted(previous - set(current)), previous=previous)
