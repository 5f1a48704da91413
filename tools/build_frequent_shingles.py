"""Build the table of frequent shingles that sketches leave out (`cleaners/data/frequent_shingles.json`).

    python tools/build_frequent_shingles.py                 # rebuild the shipped table
    python tools/build_frequent_shingles.py --check         # exit 1 when the shipped table differs
    python tools/build_frequent_shingles.py --out FILE [--paragraphs N] [--seed S] [--min-share F]
    python tools/build_frequent_shingles.py --texts DIR --out FILE   # from your own reference texts

What the table is (`cleaners.dedup.frequent`): the character 5-grams, in the sketches' normalisation,
found in more than `--min-share` (1 %) of the paragraphs of a reference text. They are what unrelated
English paragraphs share by chance, so they are no evidence of copying.

The reference text, and why: it must not be the corpus being cleaned (the table would change with
every new file, and every sketch with it) and it must be rebuilt offline, byte for byte. It is
therefore running text sampled from the English word frequencies of `wordfreq` (already a dependency:
its list merges Wikipedia, subtitles, news, books and web text): `--paragraphs` paragraphs whose
lengths are log-uniform between 8 and 100 words (the paragraphs of real pages and news run from a
single line to a long block; the median is about 28 words), each word drawn independently from the
`--vocabulary` most frequent words, with a seeded numpy PCG64 generator. The same `wordfreq` and
numpy versions give the same file (the versions are recorded in it).

Its limits: words are drawn independently, so shingles that span two words ("of th", "n the") have the
frequencies that the words' own frequencies give, not those of real word pairs (real "of the" is
more frequent, so some such shingles just under the threshold are missing); there is no topic, so a
corpus's own frequent words (a country's name in its news) stay in the sketches; and the table is
English: text in other languages keeps all its shingles, as before. Checked against real English (the
Readability test pages, human and machine translations of TED talks), the table removes nearly as
much chance overlap as a table computed from those texts themselves (see bench/README.md).

`--texts DIR` builds the table from the paragraphs (blank-line separated blocks) of the `*.txt` files
under DIR instead: for a corpus in another language, or of a domain whose own vocabulary is frequent.
Use a frozen sample that is not itself cleaned with the table, keep it, and point the setting
`frequent_shingles` at the output; changing the table later changes every sketch (`run --full`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.dedup import normalise  # noqa: E402
from cleaners.settings import DATA_DIR  # noqa: E402

OUT = DATA_DIR / "frequent_shingles.json"
SIZE = 5  # the default shingle_size: char 5-grams
MIN_WORDS, MAX_WORDS = 8, 100


def vocabulary(size: int) -> tuple[list[str], np.ndarray]:
    """The `size` most frequent English words of wordfreq and their shares (summing to 1)."""
    import wordfreq

    freq = wordfreq.get_frequency_dict("en")
    words = sorted(freq, key=lambda w: (-freq[w], w))[:size]
    shares = np.array([freq[w] for w in words], dtype=np.float64)
    return words, shares / shares.sum()


def reference_paragraphs(paragraphs: int, seed: int, words: list[str], shares: np.ndarray) -> list[str]:
    """Seeded running text: normalised paragraphs of words drawn by their frequency."""
    rng = np.random.Generator(np.random.PCG64(seed))
    lengths = np.rint(np.exp(rng.uniform(np.log(MIN_WORDS), np.log(MAX_WORDS), size=paragraphs))).astype(np.int64)
    cum = np.cumsum(shares)
    drawn = np.searchsorted(cum, rng.random(int(lengths.sum())) * cum[-1], side="right")
    drawn = np.minimum(drawn, len(words) - 1).tolist()
    out, pos = [], 0
    for n in lengths.tolist():
        out.append(normalise(" ".join(words[i] for i in drawn[pos : pos + n])))
        pos += n
    return out


def frequent(texts: list[str], size: int, min_share: float) -> tuple[list[str], float]:
    """Shingles found in more than `min_share` of the texts, sorted; and the share of all shingle
    occurrences they account for."""
    df: Counter[str] = Counter()
    occurrences: Counter[str] = Counter()
    for t in texts:
        grams = [t[i : i + size] for i in range(len(t) - size + 1)]
        occurrences.update(grams)
        df.update(set(grams))
    keep = sorted(g for g, c in df.items() if c > min_share * len(texts))
    total = sum(occurrences.values())
    return keep, sum(occurrences[g] for g in keep) / total if total else 0.0


def text_paragraphs(folder: Path) -> list[str]:
    """Normalised paragraphs of the `*.txt` files under `folder`, in path order."""
    from cleaners.document import split_paragraphs

    out = []
    for path in sorted(folder.rglob("*.txt")):
        for p in split_paragraphs(path.read_text(encoding="utf-8", errors="replace")):
            norm = normalise(p.text)
            if norm:
                out.append(norm)
    return out


def build_from_texts(folder: Path, min_share: float) -> dict:
    texts = text_paragraphs(folder)
    if not texts:
        raise SystemExit(f"no paragraphs in *.txt files under {folder}")
    shingles, covered = frequent(texts, SIZE, min_share)
    return {
        "about": "Character 5-grams of normalised text found in more than min_share of the paragraphs of the "
        "reference texts below: left out of MinHash sketches (cleaners/dedup/frequent.py). Built by "
        "tools/build_frequent_shingles.py --texts.",
        "shingle": "char",
        "size": SIZE,
        "reference": {
            "source": f"the *.txt files under {folder.name}",
            "paragraphs": len(texts),
            "min_share": min_share,
            "share_of_shingle_occurrences": round(covered, 4),
        },
        "shingles": shingles,
    }


def build(paragraphs: int, seed: int, min_share: float, vocab: int) -> dict:
    words, shares = vocabulary(vocab)
    texts = reference_paragraphs(paragraphs, seed, words, shares)
    shingles, covered = frequent(texts, SIZE, min_share)
    return {
        "about": "Character 5-grams of normalised text found in more than min_share of the paragraphs of a "
        "seeded reference text drawn from wordfreq's English word frequencies: shared by unrelated English "
        "paragraphs, so left out of MinHash sketches (cleaners/dedup/frequent.py). Rebuilt by "
        "tools/build_frequent_shingles.py; entries may be added by hand, in normalised form.",
        "shingle": "char",
        "size": SIZE,
        "reference": {
            "source": "wordfreq English word frequencies, words drawn independently",
            "vocabulary": vocab,
            "paragraphs": paragraphs,
            "words_per_paragraph": f"log-uniform {MIN_WORDS}-{MAX_WORDS}",
            "seed": seed,
            "min_share": min_share,
            "share_of_shingle_occurrences": round(covered, 4),
            "versions": {d: metadata.version(d) for d in ("wordfreq", "numpy")},
        },
        "shingles": shingles,
    }


def dumps(table: dict) -> bytes:
    return (json.dumps(table, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-share", type=float, default=0.01)
    parser.add_argument("--vocabulary", type=int, default=100_000)
    parser.add_argument("--texts", type=Path, help="reference texts (*.txt under this folder) instead of wordfreq")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    if args.texts is not None:
        table = build_from_texts(args.texts, args.min_share)
    else:
        table = build(args.paragraphs, args.seed, args.min_share, args.vocabulary)
    data = dumps(table)
    ref = table["reference"]
    print(
        f"{len(table['shingles'])} shingles in more than {args.min_share:.1%} of {ref['paragraphs']} paragraphs "
        f"({ref['share_of_shingle_occurrences']:.1%} of shingle occurrences); {ref.get('versions', ref['source'])}",
        file=sys.stderr,
    )
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'differs from a rebuild'}", file=sys.stderr)
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
