"""The one greedy clustering loop of near-duplicate paragraphs, fed by a candidate source.

Why this shape:
- Paragraphs are walked in (document id, paragraph index) order and each one is compared with
  cluster representatives only (first occurrences): comparing with representatives only is what
  stops chains (A~B, B~C does not pull C to A). The order makes the result independent of the order
  in which documents were observed.
- A paragraph joins the representative it resembles most (the highest score; on a tie, the earliest
  representative), whichever source proposed and verified the candidates (`cleaners.dedup.candidates`).
- Paragraphs too short to shingle are compared by exact normalised hash inside their own document
  only: a repeated one-line subheading in another article is not a copy, and empty sketches would
  all collide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cleaners.dedup.candidates import RULE_EXACT, CandidateSource
from cleaners.dedup.signatures import DocSigs


@dataclass
class Cluster:
    """A representative (document id, row) and the paragraphs removed as its copies:
    (document id, row, score, rule), in the loop's order. Rows index the documents' `DocSigs`."""

    kept: tuple[str, int]
    copies: list[tuple[str, int, float, str]]


def greedy_clusters(docs: dict[str, DocSigs], source: CandidateSource) -> list[Cluster]:
    """Clusters of two or more paragraphs, in the order their representatives were met."""
    reps: list[tuple[str, int]] = []  # representative key -> its document id and row
    copies: dict[int, list[tuple[str, int, float, str]]] = {}  # rep key -> non-kept members
    pos = 0  # sketched paragraphs met so far
    for doc_id in sorted(docs):
        d = docs[doc_id]
        sig_rows = np.cumsum(d.sketched) - 1
        local_exact: dict[int, int] = {}  # normalised hash -> rep key, short paragraphs only
        for row in range(len(d.index)):
            if not d.sketched[row]:
                h = int(d.exact[row])
                rep = local_exact.get(h)
                if rep is None:
                    local_exact[h] = len(reps)
                    reps.append((doc_id, row))
                else:
                    copies.setdefault(rep, []).append((doc_id, row, 1.0, RULE_EXACT))
                continue
            sig_row = int(sig_rows[row])
            best: tuple[int, float, str] | None = None
            for key, score, rule in source.candidates(pos, d, row, sig_row):
                if best is None or score > best[1] or (score == best[1] and key < best[0]):
                    best = (key, score, rule)
            if best is None:
                source.add(len(reps), pos, d, row, sig_row)
                reps.append((doc_id, row))
            else:
                copies.setdefault(best[0], []).append((doc_id, row, best[1], best[2]))
            pos += 1
    return [Cluster(reps[key], copies[key]) for key in sorted(copies)]
