"""The curated tables the artefact detectors read (gazetteer, romanisation conventions, the user's names),
loaded once per process; `cleaners.pipeline.Resources` holds them with the rest of a run's data files."""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cleaners.artefacts.transliteration.conventions import Conventions
from cleaners.settings import Settings

_WORD = re.compile(r"[^\W\d_]+")
# "co-operation" / "cooperation", "re-election": a hyphenated prefix of up to three letters is
# glued to its word, as English spells these both ways; longer parts ("Cross-Red") stay words.
_SHORT_PREFIX = re.compile(r"\b([^\W\d_]{1,3})-(?=[^\W\d_])")
# A partial name only counts as a calque when it lacks at most this many of the entry's words
# and keeps at least NEAR_MIN_WORDS of them.
NEAR_MISSING = 1
NEAR_MIN_WORDS = 3
_MAX_ANSWERS = 100_000  # cached `Gazetteer.lookup` answers, at most


@dataclass(frozen=True)
class Gazetteer:
    """Organisations by normalised bag of content words, plus the calque heuristic's vocabulary."""

    by_bag: dict[tuple[str, ...], str]
    # bag of an entry's form minus NEAR_MISSING words -> (canonical, entry's folded word order);
    # None when two entries share it (ambiguous)
    near: dict[tuple[str, ...], tuple[str, tuple[str, ...]] | None]
    canonical_forms: frozenset[tuple[str, ...]]
    ignore: frozenset[str]
    synonyms: dict[str, str]
    phrases: tuple[tuple[str, str], ...]
    spelling: dict[str, str]
    nouns: frozenset[str]
    markers: tuple[re.Pattern[str], ...]
    vocabulary: frozenset[str]
    # words English itself uses in an institution's name for their synonym group's head ("department" for
    # "ministry", "high" for "supreme"): a difference in them alone is no evidence of a calque
    english: frozenset[str] = frozenset()
    # entries that name a type of institution every country has ("Ministry of Justice", "Supreme Court")
    generic: frozenset[str] = frozenset()
    # `lookup` answers per span: names recur across documents, and `known`/`match` are pure.
    _answers: dict[str, bool | tuple[str, float] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def lookup(self, span: str) -> bool | tuple[str, float] | None:
        """True when `span` is an organisation's English name (`known`), else `match(span)`; cached."""
        answers = self._answers
        if span in answers:
            return answers[span]
        if len(answers) >= _MAX_ANSWERS:
            answers.clear()
        found = answers[span] = True if self.known(span) else self.match(span)
        return found

    @cached_property
    def fewest_words(self) -> int:
        """The fewest content words a span that `match` answers has: its bag is a key of `by_bag`, or of
        `near` with NEAR_MIN_WORDS words at least."""
        return min([NEAR_MIN_WORDS, *map(len, self.by_bag)])

    def words(self, text: str) -> list[str]:
        """Lower-cased words of a span, possessives and hyphens split off."""
        text = text.lower().replace("’s", "").replace("'s", "").replace("’", "")
        return _WORD.findall(_SHORT_PREFIX.sub(r"\1", text).replace("-", " "))

    def sequence(self, text: str, synonyms: bool = True) -> tuple[str, ...]:
        """Normalised content words in text order (articles and prepositions dropped, plurals
        singular; with `synonyms`, every word folded to its synonym group's head)."""
        low = " ".join(self.words(text))
        if synonyms:
            for phrase, head in self.phrases:
                low = low.replace(phrase, head)
        out = []
        for word in low.split():
            if word in self.ignore:
                continue
            word = self.spelling.get(word, word)
            if synonyms:
                word = self.synonyms.get(word, word)
                word = self.synonyms.get(_singular(word), _singular(word))
                word = self.spelling.get(word, word)
            else:
                word = _singular(word)
            out.append(word)
        return tuple(out)

    def bag(self, text: str) -> tuple[str, ...]:
        """Normalised content words, sorted: the key a calque shares with its organisation."""
        return tuple(sorted(self.sequence(text)))

    def match(self, text: str) -> tuple[str, float] | None:
        """The organisation `text` is a literal translation of, with a score (overlap on both sides).

        Same bag of content words as an entry (synonyms and word order folded away): score 1.
        A span covering all but NEAR_MISSING of an entry's words, every one of its own words
        inside the entry, is accepted only when it also carries translation damage (a word
        changed by a synonym, or the entry's words reordered): "International Red Cross" is
        English, "International Committee of the Cross-Red" is not. Otherwise None."""
        seq = self.sequence(text)
        bag = tuple(sorted(seq))
        if bag in self.by_bag:
            canonical = self.by_bag[bag]
            if self.english_form(text, canonical) or not self._evident(text, canonical):
                return None
            return canonical, 1.0
        near = self.near.get(bag) if len(bag) >= NEAR_MIN_WORDS else None
        if near is None:
            return None
        canonical, order = near
        literal = self.sequence(text, synonyms=False)
        if literal == seq and _subsequence(seq, order) or not self._evident(text, canonical):
            return None
        return canonical, 2 * len(bag) / (len(bag) + len(order))

    def evidence(self, text: str, canonical: str) -> str:
        """What sets `text` apart from the organisation's name `canonical`:

        - "literal": a word English does not use there, a word-for-word translation ("Advice of Europe",
          "Constitutional Trial", "Ministry of Energetics");
        - "english": only words English itself uses for the same role ("Department of Justice", "High
          Court"), or a word dropped;
          "Commission of Venice" (a name English writes as a compound, put into the "of" order) counts here;
        - "order": the same words in another order ("International Transparency").

        >>> from cleaners.settings import Settings
        >>> gaz = load_gazetteer(Settings().gazetteer)
        >>> gaz.evidence("Advice of Europe", "Council of Europe"), gaz.evidence("High Court", "Supreme Court")
        ('literal', 'english')
        """
        own = self.sequence(text, synonyms=False)
        names = set(self.sequence(canonical, synonyms=False))
        changed = [w for w in own if w not in names]
        if any(w not in self.english for w in changed):
            return "literal"
        if "of" in self.words(text) and "of" not in self.words(canonical):
            return "literal"  # "Council of Security" for "Security Council": the French and German word order
        if changed or len(own) != len(self.sequence(canonical, synonyms=False)):
            return "english"
        return "order"

    def _evident(self, text: str, canonical: str) -> bool:
        """A span may be a calque of `canonical`: for a type of institution every country has, only a literal
        translation is ("Justice Department" is the English name of a ministry of justice)."""
        return canonical not in self.generic or self.evidence(text, canonical) == "literal"

    def known(self, text: str) -> bool:
        """`text` is an organisation's English name (or short form), not a calque of it."""
        if self.spelled(text) in self.canonical_forms:
            return True
        canonical = self.by_bag.get(self.bag(text))
        return canonical is not None and self.english_form(text, canonical)

    def english_form(self, text: str, canonical: str) -> bool:
        """`text` is the name itself, or its English short form: "Defense Ministry" for "Ministry of
        Defence" (the words after "of" moved before the head, nothing else changed). The reverse,
        "Agency of Atomic Energy" for "Atomic Energy Agency", is the French/German calque."""
        if self.spelled(text) == self.spelled(canonical):
            return True
        words = self.words(canonical)
        if "of" not in words or any(w in self.ignore for w in self.words(text)):
            return False
        k = words.index("of")
        compound = self.sequence(" ".join(words[k + 1 :]), False) + self.sequence(" ".join(words[:k]), False)
        return self.sequence(text, synonyms=False) == compound

    def spelled(self, text: str) -> tuple[str, ...]:
        """Word sequence with spelling variants unified: equal to a canonical means no calque."""
        return tuple(self.spelling.get(w, w) for w in self.words(text))


def _subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(word in it for word in short)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def load_gazetteer(path: Path) -> Gazetteer:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    synonyms: dict[str, str] = {}
    phrases: list[tuple[str, str]] = []
    for group in data.get("synonyms", {}).get("groups", []):
        head = group[0]
        for member in group:
            if " " in member:
                phrases.append((member, head))
            else:
                synonyms[member] = head
    spelling = {a: b for a, b in data.get("spelling", {}).get("pairs", [])}
    heur = data.get("heuristic", {})
    gaz = Gazetteer(
        by_bag={},
        near={},
        canonical_forms=frozenset(),
        ignore=frozenset(data.get("match", {}).get("ignore", [])),
        synonyms=synonyms,
        phrases=tuple(sorted(phrases, key=lambda p: -len(p[0]))),
        spelling=spelling,
        nouns=frozenset(heur.get("nouns", [])),
        markers=tuple(re.compile(m) for m in heur.get("markers", [])),
        vocabulary=frozenset(),
        english=frozenset(data.get("synonyms", {}).get("english", [])),
        generic=frozenset(org["name"] for org in data.get("org", []) if org.get("generic")),
    )
    by_bag: dict[tuple[str, ...], str] = {}
    near: dict[tuple[str, ...], tuple[str, tuple[str, ...]] | None] = {}
    canon: set[tuple[str, ...]] = set()
    vocab: set[str] = set()
    for org in data.get("org", []):
        name = org["name"]
        canon.add(gaz.spelled(name))
        canon.update(gaz.spelled(other) for other in org.get("english_names", []))
        for form in [name, *org.get("variants", [])]:
            seq = gaz.sequence(form)
            by_bag.setdefault(tuple(sorted(seq)), name)
            vocab.update(gaz.words(form))
            for drop in itertools.combinations(range(len(seq)), NEAR_MISSING):
                sub = tuple(sorted(w for i, w in enumerate(seq) if i not in drop))
                if len(sub) < NEAR_MIN_WORDS:
                    continue
                if sub in near and (near[sub] is None or near[sub][0] != name):
                    near[sub] = None  # two organisations share it: ambiguous
                else:
                    near[sub] = (name, seq)
    object.__setattr__(gaz, "by_bag", by_bag)
    object.__setattr__(gaz, "near", near)
    object.__setattr__(gaz, "canonical_forms", frozenset(canon))
    object.__setattr__(gaz, "vocabulary", frozenset(vocab))
    return gaz


@dataclass(frozen=True)
class UserNames:
    """User canonical names: `Canonical Name | alias | alias` per line, '#' comments."""

    canonical_tokens: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)


def load_user_names(path: Path | None) -> UserNames:
    if path is None or not Path(path).is_file():
        return UserNames()
    tokens: set[str] = set()
    aliases: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [p.strip() for p in line.split("|") if p.strip()]
        canonical, others = names[0], names[1:]
        canon_tokens = canonical.split()
        tokens.update(t.lower() for t in canon_tokens)
        for alias in others:
            alias_tokens = alias.split()
            if len(alias_tokens) == len(canon_tokens):
                for a, c in zip(alias_tokens, canon_tokens, strict=True):
                    if a.lower() != c.lower():
                        aliases[a.lower()] = c
    return UserNames(frozenset(tokens), aliases)


@dataclass(frozen=True)
class ArtefactTables:
    gazetteer: Gazetteer
    conventions: Conventions
    user_names: UserNames


_CACHE: dict[tuple, ArtefactTables] = {}


def load_tables(settings: Settings) -> ArtefactTables:
    """Gazetteer, transliteration tables and user canonical names; cached per process by path."""
    key = (str(settings.gazetteer), str(settings.transliteration_rules), str(settings.canonical_names))
    if key not in _CACHE:
        with open(settings.transliteration_rules, "rb") as fh:
            conventions = Conventions.from_toml(tomllib.load(fh))
        _CACHE[key] = ArtefactTables(
            gazetteer=load_gazetteer(settings.gazetteer),
            conventions=conventions,
            user_names=load_user_names(settings.canonical_names),
        )
    return _CACHE[key]
