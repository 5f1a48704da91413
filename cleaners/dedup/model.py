"""`DedupModel`: the corpus model of near-duplicate paragraphs (see cleaners.corpus.CorpusModel).

It observes documents (sketches and facts, `cleaners.dedup.signatures`), decides clusters with the
one greedy loop (`cleaners.dedup.cluster`) on the candidate source the settings select
(`cleaners.dedup.candidates`), applies the decisions to documents as events, and persists itself as
JSON (its decisions, for the write batches; a document's sketches, for the sketch cache) or as a few
packed arrays (a batch's sketches, for the clustering).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from cleaners.dedup import frequent
from cleaners.dedup.candidates import CandidateSource, candidate_source
from cleaners.dedup.cluster import Cluster, greedy_clusters
from cleaners.dedup.numbers_names import NameIndex, facts, name_hashes, numbers, numbers_key
from cleaners.dedup.signatures import DocSigs, pack, reusable_sigs, unpack
from cleaners.dedup.text import SCHEME, SEED, SKETCH_CHUNK_TEXTS, exact_hash, normalise, sketch_texts
from cleaners.document import Document, Event
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts

FORMAT_VERSION = 3  # 2: facts (numbers, names) beside the sketches; 3: sketches without frequent shingles
_SHINGLING = ("shingle", "shingle_size", "num_perm", "min_dedup_tokens")


@dataclass(frozen=True)
class _Member:
    cluster: int
    kept: bool
    of_doc: str
    of_paragraph: int
    confidence: float
    rule: str


class DedupModel:
    """Corpus model (see cleaners.corpus.CorpusModel) for near-duplicate paragraphs."""

    def __init__(self, settings: Settings, name_index: NameIndex | None = None) -> None:
        """`name_index`: the run's decided transliteration model, through which paragraphs' names are compared
        (spellings it links are one name); None compares capitalised words as they are written."""
        self.settings = settings
        self.name_index = name_index
        self._frequent = frequent.digest(settings)  # the table the sketches leave out (None: all shingles)
        self._name_keys: dict[str, list[str]] = {}
        self._docs: dict[str, DocSigs] = {}
        self._members: dict[tuple[str, int], _Member] = {}
        self._clusters: list[dict[str, Any]] = []

    # statistics ---------------------------------------------------------------------------------
    def observe(self, doc: Document, reuse: dict[str, Any] | None = None) -> None:
        """Sketch the document's live paragraphs (their current text), and take their facts. `reuse`:
        this document's `export_doc` from an earlier run over the same text; its signatures are reused,
        its facts never (they depend on the transliteration model, which may have changed)."""
        self.observe_many([(doc, reuse)])

    def observe_many(self, docs: list[tuple[Document, dict[str, Any] | None]]) -> None:
        """`observe` of each (document, reuse), the paragraphs of all of them sketched in one call: per
        call the vectorised sketching has a fixed cost that a document's twenty paragraphs do not
        amortise. The signatures are the same as document by document. Texts are held until a chunk
        (`SKETCH_CHUNK_TEXTS`) is full, so memory holds one chunk's, not the documents'."""
        s = self.settings
        pending: list[tuple[str, dict[str, Any]]] = []  # documents whose texts are in `texts`
        texts: list[str] = []

        def sketch_pending() -> None:
            sigs = sketch_texts(texts, s)
            at = 0
            for doc_id, fields in pending:
                rows = int(fields["sketched"].sum())
                self._docs[doc_id] = DocSigs(**{**fields, "sigs": sigs[at : at + rows]})
                at += rows
            pending.clear()
            texts.clear()

        for doc, reuse in docs:
            fields, norms = self._facts(doc)
            fields["sigs"] = reusable_sigs(reuse, len(norms), s.num_perm, self._frequent) if reuse is not None else None
            if fields["sigs"] is not None:
                self._docs[doc.id] = DocSigs(**fields)
                continue
            pending.append((doc.id, fields))
            texts += norms
            if len(texts) >= SKETCH_CHUNK_TEXTS:
                sketch_pending()
        if pending:
            sketch_pending()

    def _facts(self, doc: Document) -> tuple[dict[str, Any], list[str]]:
        """A document's `DocSigs` fields but its signatures (hashes and facts of its live paragraphs), and
        the normalised texts of the paragraphs long enough to sketch."""
        index, exact, wording, sketched, norms, nums, counts, hashes = [], [], [], [], [], [], [], []
        for p in doc.live:
            norm = normalise(p.text)
            if not norm:
                continue
            digits = numbers(p.text)
            found, name_keys = facts(p.text, self.name_index, self._name_keys, digits)
            keys = name_hashes(name_keys)
            index.append(p.index)
            exact.append(exact_hash(norm, digits))
            wording.append(exact_hash(norm))
            nums.append(numbers_key(found))
            counts.append(len(keys))
            hashes += keys
            long_enough = norm.count(" ") + 1 >= self.settings.min_dedup_tokens  # normalised: single spaces
            sketched.append(long_enough)
            if long_enough:
                norms.append(norm)
        fields = {
            "index": np.asarray(index, dtype=np.int32),
            "exact": np.asarray(exact, dtype=np.uint64),
            "sketched": np.asarray(sketched, dtype=bool),
            "wording": np.asarray(wording, dtype=np.uint64),
            "numbers": np.asarray(nums, dtype=np.uint64),
            "name_counts": np.asarray(counts, dtype=np.int32),
            "names": np.asarray(hashes, dtype=np.uint64),
        }
        return fields, norms

    def forget(self, doc_id: str) -> None:
        self._docs.pop(doc_id, None)

    def export_doc(self, doc_id: str) -> dict[str, Any]:
        """One document's sketches, JSON-safe, for the state store's cache; with the hash of the table of
        frequent shingles they were made without, so sketches made otherwise are never reused."""
        return {**self._docs[doc_id].to_dict(), "frequent_shingles": self._frequent}

    def import_doc(self, doc_id: str, data: dict[str, Any]) -> None:
        """Reuse sketches exported by an earlier run (same settings: the state's fingerprint)."""
        self._docs[doc_id] = DocSigs.from_dict(data, self.settings.num_perm)

    def merge(self, other: DedupModel) -> DedupModel:
        """Union of observed documents; a document seen by both keeps `other`'s (later) sketch."""
        self._check_compatible(other.settings)
        self._docs.update(other._docs)
        return self

    def _check_compatible(self, other: Settings) -> None:
        mine = self.settings
        for name in _SHINGLING:
            if getattr(mine, name) != getattr(other, name):
                raise ValueError(f"dedup models built with different {name} cannot be merged")
        if self._frequent != frequent.digest(other):
            raise ValueError("dedup models built with different frequent_shingles tables cannot be merged")

    # decisions ----------------------------------------------------------------------------------
    def decide(self, source: CandidateSource | None = None) -> None:
        """Greedy clustering in (doc id, paragraph index) order against representatives only, on the
        candidate source `store` selects (`candidate_source`: the band index, in memory or in Redis), or
        on `source` (e.g. `LshIndex`, datasketch's MinHashLSH on any storage); all give the same clusters."""
        order = sorted(self._docs)
        if source is None:
            source = candidate_source(self.settings, [self._docs[k] for k in order])
        self._record(greedy_clusters(self._docs, source))

    def _record(self, clusters: list[Cluster]) -> None:
        self._members = {}
        self._clusters = []
        for cluster_id, cluster in enumerate(clusters):
            kept_doc, kept_row = cluster.kept
            kept_par = int(self._docs[kept_doc].index[kept_row])
            self._members[(kept_doc, kept_par)] = _Member(cluster_id, True, kept_doc, kept_par, 1.0, "")
            listed = [{"doc": kept_doc, "paragraph": kept_par}]
            for doc_id, row, score, rule in cluster.copies:
                par = int(self._docs[doc_id].index[row])
                self._members[(doc_id, par)] = _Member(cluster_id, False, kept_doc, kept_par, score, rule)
                listed.append({"doc": doc_id, "paragraph": par})
            self._clusters.append(
                {"cluster": cluster_id, "kept": {"doc": kept_doc, "paragraph": kept_par}, "members": listed}
            )

    # output -------------------------------------------------------------------------------------
    def apply(self, doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
        """Drop every non-first member of a cluster from the clean text, with one event each."""
        for p in doc.paragraphs:
            m = self._members.get((doc.id, p.index))
            if m is None or m.kept or p.removed is not None:
                continue
            if doc.add(
                Event(
                    doc=doc.id,
                    paragraph=p.index,
                    kind="duplicate",
                    action="removed",
                    text=p.text,
                    start=None,
                    end=None,
                    rule=m.rule,
                    confidence=round(m.confidence, 4),
                    cluster=m.cluster,
                    duplicate_of={"doc": m.of_doc, "paragraph": m.of_paragraph},
                ),
                verdicts,
            ):
                p.removed = "duplicate"

    def members(self, doc: Document) -> list[dict[str, Any]]:
        """Rows for clusters.jsonl: this document's paragraphs in clusters of two or more."""
        rows = []
        for p in doc.paragraphs:
            m = self._members.get((doc.id, p.index))
            if m is not None:
                rows.append(
                    {
                        "cluster": m.cluster,
                        "doc": doc.id,
                        "paragraph": p.index,
                        "text": p.text,
                        "kept": m.kept,
                    }
                )
        return rows

    def clusters(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self._clusters]

    # persistence --------------------------------------------------------------------------------
    def to_dict(self, sketches: bool = True) -> dict[str, Any]:
        """JSON-safe model; without `sketches`, only the decisions (what `apply` and `members` need)."""
        return {
            **self._header(),
            "docs": {k: self._docs[k].to_dict() for k in sorted(self._docs)} if sketches else {},
            "decisions": [
                {
                    "doc": doc_id,
                    "paragraph": par,
                    "cluster": m.cluster,
                    "kept": m.kept,
                    "of": [m.of_doc, m.of_paragraph],
                    "confidence": m.confidence,
                    "rule": m.rule,
                }
                for (doc_id, par), m in sorted(self._members.items())
            ],
            "clusters": self._clusters,
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The sketches as a few arrays (`signatures.pack`) with `to_dict`'s header, without decisions: a
        batch's work file for the clustering, saved with `np.savez` and read back by `from_arrays`."""
        header = json.dumps(self._header()).encode()
        return {**pack({k: self._docs[k] for k in sorted(self._docs)}), "header": np.frombuffer(header, np.uint8)}

    @classmethod
    def from_arrays(cls, arrays: Any, settings: Settings) -> DedupModel:
        """`to_arrays`' model back (`arrays`: its dict, or the `np.load` of the file it was saved in)."""
        model = cls(settings)
        model._check(json.loads(bytes(np.asarray(arrays["header"], dtype=np.uint8))))
        model._docs = unpack(arrays, settings.num_perm)
        return model

    def _header(self) -> dict[str, Any]:
        s = self.settings
        return {
            "version": FORMAT_VERSION,
            "scheme": SCHEME,
            "seed": SEED,
            "hash": "xxh32",
            "shingle": s.shingle,
            "shingle_size": s.shingle_size,
            "num_perm": s.num_perm,
            "min_dedup_tokens": s.min_dedup_tokens,
            "frequent_shingles": self._frequent,
        }

    def _check(self, header: dict[str, Any]) -> None:
        """Sketches made with other shingling settings, or another table of frequent shingles, cannot be reused."""
        if header.get("version") != FORMAT_VERSION or header.get("scheme") != SCHEME:
            raise ValueError("dedup state has an unknown format")
        for name in _SHINGLING:
            if header.get(name) != getattr(self.settings, name):
                raise ValueError(f"dedup state was built with another {name}; observe the documents again")
        if header.get("frequent_shingles") != self._frequent:
            raise ValueError("dedup state was built with another frequent_shingles table; observe the documents again")

    @classmethod
    def from_dict(cls, data: dict[str, Any], settings: Settings) -> DedupModel:
        """Rebuild a model; sketches made with other shingling settings cannot be reused."""
        model = cls(settings)
        model._check(data)
        model._docs = {k: DocSigs.from_dict(v, settings.num_perm) for k, v in data.get("docs", {}).items()}
        for row in data.get("decisions", []):
            model._members[(row["doc"], int(row["paragraph"]))] = _Member(
                int(row["cluster"]),
                bool(row["kept"]),
                row["of"][0],
                int(row["of"][1]),
                float(row["confidence"]),
                row["rule"],
            )
        model._clusters = list(data.get("clusters", []))
        return model
