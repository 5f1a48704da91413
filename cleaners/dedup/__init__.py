"""Near-duplicate paragraphs: MinHash sketches, LSH candidates, clustering without chaining.

A paragraph's text is normalised, shingled and sketched (`text`), its numbers and names taken as the
facts a removed copy must not lose (`numbers_names`), and both kept per document as arrays
(`signatures`). `decide` runs one greedy loop against representatives only (`cluster`), fed by the
candidate source the settings select (`candidates`: a compact in-memory band index, or datasketch's
MinHashLSH on a storage such as Redis). `DedupModel` (`model`) ties them together and persists them.

The names below are those the rest of the product, the benchmarks and the tests import from here.
"""

from cleaners.dedup.candidates import RULE_EXACT, RULE_MINHASH, _band_key, lsh_params
from cleaners.dedup.model import FORMAT_VERSION, DedupModel
from cleaners.dedup.numbers_names import NameIndex, facts, names, numbers
from cleaners.dedup.text import (
    MAX_SKETCH_CHARS,
    SCHEME,
    SEED,
    SIG_DTYPE,
    _normalise_unicode,
    normalise,
    shingles,
    sketch,
    sketch_texts,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_SKETCH_CHARS",
    "RULE_EXACT",
    "RULE_MINHASH",
    "SCHEME",
    "SEED",
    "SIG_DTYPE",
    "DedupModel",
    "NameIndex",
    "_band_key",
    "_normalise_unicode",
    "facts",
    "lsh_params",
    "names",
    "normalise",
    "numbers",
    "shingles",
    "sketch",
    "sketch_texts",
]
