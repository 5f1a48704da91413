"""Curated knowledge for the artefact stage, loaded once per process."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cleaners.artefacts.translit import Translit
from cleaners.settings import Settings

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Gazetteer:
    """Organisations by normalised bag of content words, plus the calque heuristic's vocabulary."""

    by_bag: dict[tuple[str, ...], str]
    canonical_forms: frozenset[tuple[str, ...]]
    ignore: frozenset[str]
    synonyms: dict[str, str]
    phrases: tuple[tuple[str, str], ...]
    spelling: dict[str, str]
    nouns: frozenset[str]
    markers: tuple[re.Pattern[str], ...]
    vocabulary: frozenset[str]

    def words(self, text: str) -> list[str]:
        """Lower-cased words of a span, possessives and hyphens split off."""
        text = text.lower().replace("’s", "").replace("'s", "").replace("’", "").replace("-", " ")
        return _WORD.findall(text)

    def bag(self, text: str) -> tuple[str, ...]:
        """Normalised content words, sorted: the key a calque shares with its organisation."""
        low = " ".join(self.words(text))
        for phrase, head in self.phrases:
            low = low.replace(phrase, head)
        out = []
        for word in low.split():
            if word in self.ignore:
                continue
            word = self.synonyms.get(word, word)
            word = self.synonyms.get(_singular(word), _singular(word))
            out.append(word)
        return tuple(sorted(out))

    def spelled(self, text: str) -> tuple[str, ...]:
        """Word sequence with spelling variants unified: equal to a canonical means no calque."""
        return tuple(self.spelling.get(w, w) for w in self.words(text))


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
        canonical_forms=frozenset(),
        ignore=frozenset(data.get("match", {}).get("ignore", [])),
        synonyms=synonyms,
        phrases=tuple(sorted(phrases, key=lambda p: -len(p[0]))),
        spelling=spelling,
        nouns=frozenset(heur.get("nouns", [])),
        markers=tuple(re.compile(m) for m in heur.get("markers", [])),
        vocabulary=frozenset(),
    )
    by_bag: dict[tuple[str, ...], str] = {}
    canon: set[tuple[str, ...]] = set()
    vocab: set[str] = set()
    for org in data.get("org", []):
        name = org["name"]
        canon.add(gaz.spelled(name))
        for form in [name, *org.get("variants", [])]:
            by_bag.setdefault(gaz.bag(form), name)
            vocab.update(gaz.words(form))
    object.__setattr__(gaz, "by_bag", by_bag)
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
class ArtefactResources:
    gazetteer: Gazetteer
    translit: Translit
    user_names: UserNames


_CACHE: dict[tuple, ArtefactResources] = {}


def load_resources(settings: Settings) -> ArtefactResources:
    """Gazetteer, transliteration tables and user canonical names; cached per process by path."""
    key = (str(settings.gazetteer), str(settings.transliteration_rules), str(settings.canonical_names))
    if key not in _CACHE:
        with open(settings.transliteration_rules, "rb") as fh:
            translit = Translit.from_toml(tomllib.load(fh))
        _CACHE[key] = ArtefactResources(
            gazetteer=load_gazetteer(settings.gazetteer),
            translit=translit,
            user_names=load_user_names(settings.canonical_names),
        )
    return _CACHE[key]
