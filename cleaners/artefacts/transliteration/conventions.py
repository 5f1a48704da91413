"""Transliteration conventions as data: one-pass rewriting rules, skeletons and fingerprints.

A name's German or French spelling is turned back into English convention by rule, and every
spelling is reduced to a convention-neutral skeleton, so variants of names nobody listed
still meet. The tables live in `cleaners/data/transliteration.toml`.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from wordfreq import zipf_frequency

MAX_RENDERINGS = 64


@dataclass(frozen=True)
class RuleSet:
    """Rules applied in one left-to-right pass: the first pattern matching at a position wins."""

    pattern: re.Pattern[str] | None
    replacements: tuple[tuple[str, ...], ...]

    @classmethod
    def build(cls, rules: list[list[str]]) -> RuleSet:
        if not rules:
            return cls(None, ())
        alternation = "|".join(f"({pat})" for pat, _ in rules)
        return cls(re.compile(alternation), tuple(tuple(rep.split("|")) for _, rep in rules))

    def variants(self, text: str) -> list[str]:
        """All renderings of `text` (alternative replacements multiply, capped)."""
        return [rendering for rendering, _ in self.changes(text)]

    def changes(self, text: str) -> list[tuple[str, int]]:
        """All renderings of `text`, each with the number of places where a rule changed it: two
        independent correspondences of one convention ("Choumovets": ch -> sh, ou -> u) are better
        evidence of that convention than one, which English spellings meet by chance ("Valentine")."""
        if self.pattern is None:
            return [(text, 0)]
        pieces: list[tuple[tuple[str, int], ...]] = []
        pos = 0
        for match in self.pattern.finditer(text):
            pieces.append(((text[pos : match.start()], 0),))
            found = match.group(0)
            pieces.append(tuple((rep, int(rep != found)) for rep in self.replacements[match.lastindex - 1]))
            pos = match.end()
        pieces.append(((text[pos:], 0),))
        out: list[tuple[str, int]] = []
        for combo in itertools.islice(itertools.product(*pieces), MAX_RENDERINGS):
            out.append(("".join(p for p, _ in combo), sum(n for _, n in combo)))
        return out

    def first(self, text: str) -> str:
        return self.variants(text)[0]


@dataclass(frozen=True)
class Marks:
    """Weighted fingerprint patterns of one convention."""

    convention: str
    patterns: tuple[tuple[re.Pattern[str], float], ...]

    def score(self, token: str) -> float:
        if self.any_pattern is not None and not self.any_pattern.search(token):
            return 0  # what the sum gives when no pattern matches: most tokens carry no fingerprint
        return sum(w for pat, w in self.patterns if pat.search(token))

    @cached_property
    def any_pattern(self) -> re.Pattern[str] | None:
        """The patterns as one alternation, which finds a match where one of them does; None when a pattern has
        groups (which an alternation would renumber) or flags of its own."""
        if not self.patterns or any(p.groups or p.flags != re.UNICODE for p, _ in self.patterns):
            return None
        return re.compile("|".join(f"(?:{p.pattern})" for p, _ in self.patterns))


@dataclass(frozen=True)
class Conventions:
    render: dict[str, RuleSet]
    fold: RuleSet
    marks: tuple[Marks, ...]
    flag_threshold: float
    common_zipf: float
    stopwords: frozenset[str]
    # Per-token results of the pure functions below (names repeat across documents and passes).
    _scores: dict[str, dict[str, float]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _skeletons: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_toml(cls, data: dict) -> Conventions:
        return cls(
            render={conv: RuleSet.build(tab.get("rules", [])) for conv, tab in data.get("render", {}).items()},
            fold=RuleSet.build(data.get("fold", {}).get("rules", [])),
            marks=tuple(
                Marks(m["convention"], tuple((re.compile(p), float(w)) for p, w in m.get("patterns", [])))
                for m in data.get("marks", [])
            ),
            flag_threshold=float(data.get("flag_threshold", 1.0)),
            common_zipf=float(data.get("common_zipf", 3.0)),
            stopwords=frozenset(w.lower() for w in data.get("names", {}).get("stopwords", [])),
        )

    def mark_scores(self, token: str) -> dict[str, float]:
        """Fingerprint weight per convention for a lower-cased token (cached: callers only read it)."""
        scores = self._scores.get(token)
        if scores is None:
            scores = self._scores[token] = {m.convention: m.score(token) for m in self.marks}
        return scores

    def renderings(self, token: str) -> dict[str, list[str]]:
        """English-convention candidates of a lower-cased token under each convention."""
        return {conv: rules.variants(token) for conv, rules in self.render.items()}

    def key(self, token: str) -> str:
        """What two spellings must share to be one spelling: lower case, accents stripped."""
        return strip_accents(token.lower())

    def same_name(self, variant: str, convention: str, canonical: str) -> bool:
        """`variant`, written the `convention` way, is `canonical` written the English way: one of the
        convention's renderings of it spells `canonical` (case and accents aside).

        >>> from cleaners.artefacts.tables import load_tables
        >>> from cleaners.settings import Settings
        >>> tl = load_tables(Settings()).conventions
        >>> tl.same_name("woronzow", "de", "vorontsov"), tl.same_name("kovaltchouk", "fr", "kovalchuk")
        (True, True)
        >>> tl.same_name("mojang", "fr", "modding")  # similar strings, not one name
        False
        """
        rules = self.render.get(convention)
        if rules is None:
            return False
        want = self.key(canonical)
        return any(self.key(r) == want for r in rules.variants(variant.lower()))

    def common_in_english(self, token: str) -> bool:
        """`token` is a common English word or name (wordfreq's Zipf frequency at `common_zipf` or more)."""
        return english_zipf(token.lower()) >= self.common_zipf

    def skeleton(self, token: str) -> str:
        """Convention-neutral key: sibilants, y/j/i, w/v, z/s... folded, doubled letters collapsed (cached)."""
        skeleton = self._skeletons.get(token)
        if skeleton is None:
            folded = strip_accents(self.fold.first(token.lower()))
            skeleton = self._skeletons[token] = re.sub(r"(.)\1", r"\1", folded)
        return skeleton


@functools.lru_cache(maxsize=100_000)
def english_zipf(word: str) -> float:
    """How common `word` is in English text, on wordfreq's Zipf scale (0: unseen; 3: once per million words)."""
    return zipf_frequency(word, "en")


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def match_case(model: str, replacement: str) -> str:
    """Give `replacement` the casing pattern of `model` (UPPER, Title or lower; per hyphen part)."""
    if model.isupper() and len(model) > 1:
        return replacement.upper()
    parts_m = model.split("-")
    parts_r = replacement.split("-")
    if len(parts_m) == len(parts_r):
        return "-".join(_title_like(m, r) for m, r in zip(parts_m, parts_r, strict=True))
    return _title_like(model, replacement)


def _title_like(model: str, rep: str) -> str:
    if model[:1].isupper():
        return rep[:1].upper() + rep[1:].lower()
    return rep.lower()
