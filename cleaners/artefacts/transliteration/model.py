"""The `transliteration` kind: names spelled the German or French way in English text.

A fix needs the evidence a careful editor would accept, never mere similarity of strings:

- *the same name*: a rendering of the variant under a romanisation convention (German `sch`/`tsch`/`w`/`-ow`,
  French `ch`/`ou`/`dj`...; `cleaners/data/transliteration.toml`) spells the canonical exactly, and
- *evidence of that convention*: the variant carries the convention's fingerprints, or occurs in a document
  that does (its names weigh `DOC_CONVENTION_THRESHOLD` or more), and
- *an attested canonical*: the English spelling occurs unmarked in an English-convention document of the
  run, or in the user's canonical-names file.

"Mojang" is never "Modding" and "Anna" never "Ana": no convention renders one into the other. A name
with fingerprints but no attested English spelling is flagged with a rendered suggestion, and only in a
document written through that convention, and only when the spelling is not common in English text.
A German `sch` can stand for Russian ж: when the corpus spells the name with zh (or j) and with sh
beside the German spelling, the sh spelling is the trace of a German pivot and joins the zh spelling.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from cleaners.artefacts.spans import Finding, apply_findings
from cleaners.artefacts.tables import ArtefactTables, load_tables
from cleaners.artefacts.transliteration.conventions import match_case
from cleaners.document import Document
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts

KIND = "transliteration"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# The `_WORD` matches that do not start with a-z (so may be capitalised). A `_WORD` match starts at a letter
# that follows neither a letter nor a letter and a hyphen (those continue the previous, greedy match); the
# lookbehinds, checked once the first letter is consumed (so that the engine can skip to candidates), put
# exactly those starts back, so the matches are the same, minus the a-z ones.
_CAPITALISED = re.compile(r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_]-.)[^\W\d_]*(?:-[^\W\d_]+)*")
# The same for ASCII text, whose letters are A-Z and a-z: a plain character set is much faster to scan.
_CAPITALISED_ASCII = re.compile(r"[A-Z](?<![A-Za-z].)(?<![A-Za-z]-.)[A-Za-z]*(?:-[A-Za-z]+)*")
# `_words`: the non-ASCII characters that are not letters of `_WORD` become spaces, then every byte that is not
# an ASCII letter or "-" (UTF-8 bytes of the other characters: letters), then hyphens that do not join two letters.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_NON_LETTER = re.compile(r"[\W\d_]")
_LETTERS_AND_HYPHENS = bytes(b if b >= 0x80 or chr(b).isalpha() or b == ord("-") else ord(" ") for b in range(256))
_LOOSE_HYPHEN = re.compile(r"-(?:(?<![^ -]-)|(?![^ -]))")
# Words whose kind (`TransliterationModel._word_kind`) is remembered, at most: a corpus's vocabulary, bounded.
_MAX_WORD_KINDS = 200_000
# Sum of fingerprint weights over a document's distinct, clearly fingerprinted names from which the
# document counts as transliterated through that convention (its names are then never canonical):
# more than two names' worth, as an English article often carries two German names of its own
# ("Goetsch", "Deutschland").
DOC_CONVENTION_THRESHOLD = 2.5
# Letters of the longest part (between hyphens) of a word taken as a name.
MAX_NAME_PART = 16


def _words(text: str) -> list[str]:
    """`_WORD.findall(text)`, by splitting: with every character that is neither a letter of `_WORD` nor a hyphen
    joining two letters made a space, the words are what lies between spaces. A translation table and `split`
    cost far less than a regex match per word; only the (rare) non-ASCII characters are checked by regex."""
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _NON_LETTER.sub(" ", m[0]), text)
    spaced = text.encode().translate(_LETTERS_AND_HYPHENS).decode()
    if "-" in spaced:
        spaced = _LOOSE_HYPHEN.sub(" ", spaced)
    return spaced.split()


def _pivot_trace(trace: str, zh_form: str) -> bool:
    """`trace` is `zh_form` with its zh (Russian ж) read another way: sh, what a German `sch` written for ж
    becomes when read back the English way, or j, the French spelling of ж taken over as it stands."""
    return trace != zh_form and "zh" in zh_form and any(trace.replace(c, "zh") == zh_form for c in ("sh", "j"))


def _zh_over_sh(token: str, targets: list[str]) -> bool:
    """Among attested spellings, the zh one wins over its sh or j twin (see `_pivot_trace`)."""
    return any(_pivot_trace(other, token) for other in targets if other != token)


def _name_shaped(word: str) -> bool:
    """Capitalised the way a person's or place's name is: not an acronym of four letters or fewer ("WMS"),
    not camelCase ("IOUtils", "DeliciousJinx"), no part longer than `MAX_NAME_PART` letters (user handles
    such as "Themostawesomeninja", compounds): product names and handles are never transliterated, and a
    long string gathers chance fingerprints."""
    parts = word.split("-")
    if any(len(part) > MAX_NAME_PART for part in parts):
        return False
    if word.isupper():
        return len(word) > 4
    return not any(ch.isupper() for part in parts for ch in part[1:])


class _Observed(NamedTuple):
    """What `decide` needs of one English document: its convention, its names in order of first
    occurrence with the form each is displayed in, and its lowercase words (sorted)."""

    convention: str
    names: tuple[str, ...]
    forms: tuple[str, ...]
    lower: tuple[str, ...]


@dataclass
class _Decision:
    canonical: str  # lower-cased token
    source: str  # "corpus" | "user"


class TransliterationModel:
    """cleaners.corpus.CorpusModel for name spellings across the run."""

    def __init__(self, settings: Settings, resources: ArtefactTables | None = None) -> None:
        self.settings = settings
        self.res = resources or load_tables(settings)
        self.tl = self.res.conventions
        self.docs: dict[str, _Observed] = {}
        self.spellings: dict[str, _Decision] = {}  # variant (lower-cased) -> its canonical spelling
        self.display: dict[str, str] = {}
        self.lowercase: set[str] = set()
        self.written_through: dict[str, str] = {}  # doc id -> "de" | "fr", for the documents not in English convention
        self._word_kinds: dict[str, str | bool] = {}  # word -> `_word_kind(word)`, across documents
        # of the document being applied (`apply`): decided, or its texts to judge it by when a span needs it
        self._doc_convention: str | None = "en"
        self._doc_texts: list[str] = []

    # -- observation -------------------------------------------------------------------------
    def observe(self, doc: Document) -> None:
        """Capitalised tokens with counts, and the lowercase vocabulary, of an English document."""
        if doc.language != "en":
            self.docs.pop(doc.id, None)
            return
        words = _words("\n".join(para.text for para in doc.live))  # no word runs across "\n"
        names, forms, lower = self._count_words(words)
        self.docs[doc.id] = _Observed(
            self._convention(names, lower), tuple(names), tuple(forms[t] for t in names), tuple(sorted(lower))
        )

    def _count_words(self, words: list[str]) -> tuple[dict[str, int], dict[str, str], set[str]]:
        """Name counts, each name's display form, and the lowercase words, once per distinct word.

        The same as counting word by word (`tests/reference/transliteration.py`): `Counter` keeps first
        occurrences in order, so the dicts get their keys in the same order; a name's form is its last
        spelling that is not all capitals, else its first spelling."""
        names: dict[str, int] = {}
        forms: dict[str, str] = {}
        spellings: dict[str, list[str]] = {}  # a name's spellings that are not all capitals
        lower: set[str] = set()
        kinds = self._word_kinds
        if len(kinds) > _MAX_WORD_KINDS:
            kinds.clear()
        for word, count in Counter(words).items():
            low = kinds.get(word)
            if low is None:
                low = kinds[word] = self._word_kind(word)
            if not low:
                if low == "":
                    lower.add(word)
                continue
            names[low] = names.get(low, 0) + count
            forms.setdefault(low, word)
            if not word.isupper():
                spellings.setdefault(low, []).append(word)
        last: dict[str, int] = {}
        for low, found in spellings.items():
            if len(found) > 1 and not last:
                last = {word: i for i, word in enumerate(words)}
            forms[low] = max(found, key=last.__getitem__) if len(found) > 1 else found[0]
        return names, forms, lower

    def _word_kind(self, word: str) -> str | bool:
        """A counted name (its lower-cased form), a lowercase word (""), or neither (False)."""
        if word[:1].isupper():
            low = word.lower()
            return low if len(word) >= 3 and low not in self.tl.stopwords and _name_shaped(word) else False
        return "" if word.islower() and len(word) >= 3 else False

    def _convention(self, names: dict[str, int], lower: set[str]) -> str:
        """The convention a document's names were written in: "de" or "fr" when the fingerprints of its
        distinct, clearly fingerprinted names (each weighing `flag_threshold` or more) add up to
        `DOC_CONVENTION_THRESHOLD`, else "en". One weak mark ("w" in "Gatwick") is common in English
        names; names the document also uses in lower case, and spellings common in English text
        ("Sweden", "Howard"), are no evidence either."""
        totals: dict[str, float] = defaultdict(float)
        for token in names:
            if token in lower:
                continue
            scores = self.tl.mark_scores(token)
            if max(scores.values(), default=0.0) >= self.tl.flag_threshold and not self.tl.common_in_english(token):
                for conv, score in scores.items():
                    totals[conv] += score
        if totals:
            conv, score = max(totals.items(), key=lambda kv: kv[1])
            if score >= DOC_CONVENTION_THRESHOLD:
                return conv
        return "en"

    def forget(self, doc_id: str) -> None:
        self.docs.pop(doc_id, None)

    def merge(self, other: TransliterationModel) -> TransliterationModel:
        self.docs.update(other.docs)
        return self

    # -- decisions ---------------------------------------------------------------------------
    def is_name(self, low: str) -> bool:
        return (
            len(low) >= 3
            and low not in self.tl.stopwords
            and low not in self.lowercase
            and low not in self.res.gazetteer.vocabulary
        )

    def decide(self) -> None:
        """Link each spelling to the attested English spelling of the same name, where the evidence holds."""
        self.lowercase = set()
        for data in self.docs.values():
            self.lowercase.update(data.lower)
        doc_freq: dict[str, int] = defaultdict(int)
        en_freq: dict[str, int] = defaultdict(int)
        conventions: dict[str, set[str]] = defaultdict(set)  # token -> conventions of the documents it is in
        self.display = {}
        for data in self.docs.values():
            for token, form in zip(data.names, data.forms, strict=True):
                if not self.is_name(token):
                    continue
                doc_freq[token] += 1
                conventions[token].add(data.convention)
                self.display.setdefault(token, form)
                if data.convention == "en":
                    en_freq[token] += 1
        user = self.res.user_names
        english = {t for t in en_freq if self._marks(t) == 0.0} | set(user.canonical_tokens)
        for token in user.canonical_tokens:
            self.display.setdefault(token, token.title())
        by_key: dict[str, list[str]] = defaultdict(list)
        for token in english:
            by_key[self.tl.key(token)].append(token)
        # A document whose names render onto attested spellings in two places or more is written through
        # that convention too, as one whose fingerprints say so is.
        self.written_through = {doc_id: data.convention for doc_id, data in self.docs.items()}
        for doc_id, data in self.docs.items():
            if data.convention != "en":
                continue
            for token in data.names:
                conv = self._double_link(token, by_key) if token in doc_freq else None
                if conv is not None:
                    self.written_through[doc_id] = conv
                    for other in data.names:
                        conventions[other].add(conv)
                    break
        self.written_through = {d: c for d, c in sorted(self.written_through.items()) if c != "en"}
        links: dict[str, dict[str, str]] = {}  # variant -> {attested spelling: convention}
        for token in sorted(doc_freq):
            if token in user.canonical_tokens:
                continue
            found: dict[str, str] = {}
            for conv in self._evidenced(token, conventions[token]):
                for rendering in self.tl.render[conv].variants(token):
                    for other in by_key.get(self.tl.key(rendering), ()):
                        if other != token:
                            found.setdefault(other, conv)
            if found:
                links[token] = found
        self.spellings = {}
        freq = {t: doc_freq.get(t, 0) for t in english}
        for token, found in links.items():
            # two attested spellings that render into each other: no direction, left alone
            targets = [t for t in found if token not in links.get(t, {})]
            if not targets:
                continue
            best = max(
                targets, key=lambda t: (t in user.canonical_tokens, _zh_over_sh(t, targets), freq[t], -len(t), t)
            )
            self.spellings[token] = _Decision(best, "user" if best in user.canonical_tokens else "corpus")
            if found[best] == "de":
                for other in targets:
                    if other != best and _pivot_trace(other, best) and other not in user.canonical_tokens:
                        self.spellings.setdefault(other, _Decision(best, "corpus"))
        for alias, canonical in user.aliases.items():
            self.spellings[alias] = _Decision(canonical.lower(), "user")
            self.display.setdefault(canonical.lower(), canonical)

    def _double_link(self, token: str, by_key: dict[str, list[str]]) -> str | None:
        """The convention under which `token` renders, changed in two places or more, onto an attested
        spelling of another name ("Choumovets" -> "Shumovets"), if any."""
        for conv, rules in self.tl.render.items():
            if conv == "en":
                continue
            for rendering, changed in rules.changes(token):
                if changed >= 2 and any(o != token for o in by_key.get(self.tl.key(rendering), ())):
                    return conv
        return None

    def _evidenced(self, token: str, doc_conventions: set[str]) -> list[str]:
        """The conventions the token may be written in: those whose fingerprints it carries clearly (weighing
        `flag_threshold`), or that the names of a document it occurs in were written through."""
        scores = self.tl.mark_scores(token)
        strong = self.tl.flag_threshold
        return [c for c in self.tl.render if c != "en" and (scores.get(c, 0.0) >= strong or c in doc_conventions)]

    def _marks(self, token: str) -> float:
        return max(self.tl.mark_scores(token).values(), default=0.0)

    def same_name(self, token: str) -> str:
        """The key under which the model links spellings of one name: the canonical spelling (lower-cased)
        of a variant it decided on, whether the variant is rewritten or only flagged; else the token itself."""
        low = token.lower()
        decision = self.spellings.get(low)
        return decision.canonical if decision is not None else low

    # -- application -------------------------------------------------------------------------
    def apply(self, doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
        """Events for name spans with variant or fingerprinted tokens; fixes per policy."""
        if doc.language != "en":
            return
        foreign: dict[int, list[str]] = {}  # collected once: the events added below are never foreign fragments
        for e in doc.events:
            if e.kind == "foreign_fragment":
                foreign.setdefault(e.paragraph, []).append(e.text)
        # Most documents are never asked (only a fingerprinted span without an attested spelling is):
        # their own convention is judged on first need, from their text as it stood before this step.
        self._doc_convention = self.written_through.get(doc.id)
        self._doc_texts = [para.text for para in doc.live]
        for para in doc.live:
            ranges = [(i, i + len(t)) for t in foreign.get(para.index, ()) if (i := para.text.find(t)) >= 0]
            findings = [f for f in self._spans(para.text) if not any(f.start < e and s < f.end for s, e in ranges)]
            apply_findings(doc, para, findings, self.settings, verdicts)

    def _spans(self, text: str) -> list[Finding]:
        """Findings for the runs of name words joined by single spaces.

        Only the words not starting with a-z are visited (`_CAPITALISED`): any other word between two
        visited ones leaves more than a space between them, which ends the run just as the word would."""
        return self._runs(text, (_CAPITALISED_ASCII if text.isascii() else _CAPITALISED).finditer(text))

    def _runs(self, text: str, words: Iterator[re.Match[str]]) -> list[Finding]:
        out: list[Finding] = []
        run: list[re.Match[str]] = []
        prev_end = -1
        for m in words:
            word = m.group(0)
            if word[:1].isupper() and self.is_name(word.lower()) and _name_shaped(word):
                if run and text[prev_end : m.start()] != " ":
                    out += self._judge(text, run)
                    run = []
                run.append(m)
            elif run:
                out += self._judge(text, run)
                run = []
            prev_end = m.end()
        if run:
            out += self._judge(text, run)
        return out

    def _judge(self, text: str, run: list[re.Match[str]]) -> list[Finding]:
        if not run:
            return []
        tokens = [m.group(0).lower() for m in run]
        sources: list[str | None] = []
        replacements: list[str] = []
        totals: dict[str, float] = defaultdict(float)
        for token in tokens:
            for conv, score in self.tl.mark_scores(token).items():
                totals[conv] += score
        conv, weight = max(totals.items(), key=lambda kv: kv[1]) if totals else ("en", 0.0)
        for m, token in zip(run, tokens, strict=True):
            decision = self.spellings.get(token)
            if decision is not None:
                rep = self.display.get(decision.canonical, decision.canonical)
                sources.append(decision.source)
            elif self._fingerprinted(conv, weight) and not self.tl.common_in_english(token):
                # the whole span came through one convention: render every part of it
                rep = self.tl.render[conv].first(token)
                sources.append("fingerprint" if rep != token else None)
            else:
                rep = m.group(0)
                sources.append(None)
            replacements.append(match_case(m.group(0), rep) if rep != m.group(0) else rep)
        if all(s is None for s in sources):
            return []
        start, end = run[0].start(), run[-1].end()
        pieces, pos = [], start
        for m, rep in zip(run, replacements, strict=True):
            pieces.append(text[pos : m.start()])
            pieces.append(rep)
            pos = m.end()
        replacement = "".join(pieces)
        if replacement == text[start:end]:
            return []
        used = {s for s in sources if s}
        source = "user" if "user" in used else "corpus" if "corpus" in used else "fingerprint"
        fixable = "fingerprint" not in used
        confidence = 0.9 if fixable else min(0.85, 0.5 + weight / 4)
        return [
            Finding(KIND, start, end, text[start:end], replacement, f"transliteration:{source}", confidence, fixable)
        ]

    def _own_convention(self) -> str:
        """The convention of the document being applied, when `decide` did not find it written through
        one: from its own fingerprints."""
        if self._doc_convention is None:
            names, _, lower = self._count_words(_words("\n".join(self._doc_texts)))
            self._doc_convention = self._convention(names, lower)
        return self._doc_convention

    def _fingerprinted(self, conv: str, weight: float) -> bool:
        """A span's fingerprints are evidence enough for a flag: they weigh `flag_threshold`, and the
        document's names as a whole were written through the same convention (a German surname in an
        English article, "Goetsch", "Schultz", is the person's own spelling)."""
        return weight >= self.tl.flag_threshold and conv in self.tl.render and conv == self._own_convention()

    # -- state -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The observations, each distinct word written once (`words`) and referred to by its index:
        the documents of a batch share most of their vocabulary."""
        index: dict[str, int] = {}

        def ids(words: tuple[str, ...]) -> list[int]:
            return [index.setdefault(w, len(index)) for w in words]

        docs = {
            doc_id: [data.convention, ids(data.names), ids(data.forms), ids(data.lower)]
            for doc_id, data in self.docs.items()
        }
        return {"words": list(index), "docs": docs}

    def decisions(self) -> dict[str, Any]:
        """What `apply` needs after `decide`, without the per-document observations (which grow
        with the corpus): the decisions, the display forms and the corpus's lowercase words."""
        return {
            "decisions": {t: [d.canonical, d.source] for t, d in sorted(self.spellings.items())},
            "display": dict(sorted(self.display.items())),
            "lowercase": sorted(self.lowercase),
            "written_through": self.written_through,
        }

    @classmethod
    def from_decisions(
        cls, data: dict[str, Any], settings: Settings, resources: ArtefactTables | None = None
    ) -> TransliterationModel:
        """A decided model that can `apply` (and only that)."""
        model = cls(settings, resources)
        model.spellings = {t: _Decision(c, source) for t, (c, source) in data["decisions"].items()}
        model.display = dict(data["display"])
        model.lowercase = set(data["lowercase"])
        model.written_through = dict(data.get("written_through", {}))
        return model

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], settings: Settings, resources: ArtefactTables | None = None
    ) -> TransliterationModel:
        model = cls(settings, resources)
        # interned: a word is one string object however many batches and documents hold it
        words = [sys.intern(w) for w in data.get("words", ())]
        model.docs = {
            doc_id: _Observed(conv, *(tuple(map(words.__getitem__, ids)) for ids in (names, forms, lower)))
            for doc_id, (conv, names, forms, lower) in data.get("docs", {}).items()
        }
        return model
