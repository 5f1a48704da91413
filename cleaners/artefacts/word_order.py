"""German word order and casing carried into English.

Shapes, not word lists: a verb repeated at the end of its clause (after a relative word or an
auxiliary), a capitalised
common noun or time expression in mid-sentence, a particle left dangling after a
prepositional phrase, and paraphrase tautologies ("threatening threat").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from wordfreq import zipf_frequency

from cleaners import gates
from cleaners.artefacts.spans import Finding, sentences

KIND = "word_order"

_TOKEN = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*|\d+|[^\w\s]")
_RELATIVE = frozenset("which that who whom whose because when while if whether as".split())
_CLAUSE_END = frozenset(',.;:!?)”"')
_TIME_HEAD = frozenset("last next this every coming past previous".split())
_TIME_UNIT = frozenset("week month year weekend morning evening night afternoon spring summer autumn winter".split())
_DATA = Path(__file__).resolve().parent.parent / "data" / "english_particles.toml"
_PREPOSITIONS = frozenset("with in at from by for to of into about after without under before near".split())
_DETERMINERS = frozenset("the a an its his her their our this that these those and or".split())
_PUNCT = frozenset(",.;:!?)")
_CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_AUXILIARIES = frozenset(
    "have has had having will would shall should can could may might must is are was were be been being "
    "do does did".split()
)
_ADVERBS = frozenset("already not also just never now still even yet once again then".split())
_CLAUSE_OPENERS = frozenset(
    "he she it they we i you who which that what where when while because whereas but if".split()
)
_FUNCTION = frozenset(
    "the a an of to in on at for by with from and or but as is was were be been are has have had it its "
    "he she they we i you his her their our this that these those which who not no".split()
)


@dataclass(frozen=True)
class EnglishParticles:
    """English phrasal verbs (cleaners/data/english_particles.toml): what makes a clause-final
    particle English ("to pick it up", "and so on") rather than a German separable prefix."""

    particles: frozenset[str]
    verb_forms: frozenset[str]
    pronouns: frozenset[str]
    phrases: frozenset[tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = _DATA) -> EnglishParticles:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        forms = {f for verb in data["verbs"] for f in _regular_forms(verb)} | set(data["irregular"])
        return cls(
            particles=frozenset(data["particles"]),
            verb_forms=frozenset(forms),
            pronouns=frozenset(data["pronouns"]),
            phrases=frozenset(tuple(p.split()) for p in data["phrases"]),
        )


def _regular_forms(verb: str) -> set[str]:
    """A verb's regular inflections: pick picks picked picking; drive drives drived driving;
    drop drops dropped dropping; try tries tried trying; pass passes passed passing. Spelling
    variants that are not words ("drived") cost nothing: they never occur in text. "keepin" is the
    dropped-g spelling ("keep on keepin' on"), whose apostrophe is a token of its own."""
    forms = {verb, verb + "s", verb + "es", verb + "ed", verb + "d", verb + "ing", verb + "in"}
    if verb.endswith("e") and len(verb) > 2:
        forms.add(verb[:-1] + "ing")
    if verb.endswith("y") and len(verb) > 2 and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if len(verb) >= 3 and verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}  # drop -> dropped, shut -> shutting
    return forms


ENGLISH = EnglishParticles.load()
_PARTICLES = ENGLISH.particles


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    # `_TOKEN` has no look-around, so matching within (start, end) equals matching the slice
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


def find(
    text: str,
    names: frozenset[str] = frozenset(),
    institutions: frozenset[str] = frozenset(),
    gate: bool = True,
    allowed: tuple[bool, bool, bool, bool] = (True, True, True, True),
) -> list[Finding]:
    """Word-order findings in one English paragraph. `names`: lower-cased words the document
    capitalises more than once or inside multi-word names; `institutions`: nouns English capitalises
    after "the" (Commission, Ministry...). `gate=False` runs every rule without its pre-check (the
    same result, slower). `allowed`: the rules (repeated verb, capitals, dangling particle, tautology)
    that the column gates (`column_gates`) left open; the others cannot fire on `text`."""
    rules = _possible(text, allowed) if gate else _ALL_RULES
    if not any(rules):
        return []
    out: list[Finding] = []
    bounds = sentences(text)
    for s, e in bounds:
        # the gates hold for any text, a sentence too: tokenise only the sentences they let through
        repeat, capitals, dangle, tautology = _possible(text[s:e], rules) if gate and len(bounds) > 1 else rules
        if not (repeat or capitals or dangle or tautology):
            continue
        toks = _tokens(text, s, e)
        clauses = _clauses(toks) if repeat or dangle else []
        if repeat:
            out += _repeated_verb(text, clauses)
        if capitals:
            out += _capitals(text, toks, names, institutions)
        if dangle:
            out += _dangling_particle(text, clauses)
        if tautology:
            out += _tautology(text, toks)
    return out


_ALL_RULES = (True, True, True, True)


def column_gates() -> tuple[str | None, str | None, str | None, str | None]:
    """Column gates (`cleaners.gates`) of the four rules, in `_possible`'s order: the patterns of
    `_may_capitalise` and `_may_tautology`, loosened. The repeated verb and the dangling particle have
    none (their gates compare words with each other), so None: every paragraph is theirs to check."""
    capitals = gates.any_of(
        [
            gates.gate(_REV_CAPITAL_AFTER, reverse=True),
            gates.gate(_REV_CAPITAL_AFTER_ASCII, reverse=True),
            gates.gate(_CAPITAL_TIME),
        ]
    )
    tautology = gates.any_of([gates.gate(_REV_STEM_FIRST, reverse=True), gates.gate(_SUFFIX_THEN_WORD)])
    return None, capitals, None, tautology


def _possible(text: str, rules: tuple[bool, bool, bool, bool]) -> tuple[bool, bool, bool, bool]:
    """Which of the rules (repeated verb, capitals, dangling particle, tautology) that `rules`
    allows can fire on `text`, by their gates."""
    repeat, capitals, dangle, tautology = rules
    return (
        repeat and _may_repeat_verb(text),
        capitals and _may_capitalise(text),
        dangle and _may_dangle(text),
        tautology and _may_tautology(text),
    )


# Gates: a regular expression (or two) that every trigger of a rule matches, so that a paragraph
# without a match skips the rule. Rules that look back at the words before a mark scan the reversed
# text, where the rare mark comes first and the scan is fast. Tokens never straddle sentences, and
# two adjacent tokens have only whitespace or "_" between them (`_TOKEN` skips nothing else).
_L = r"[^\W\d_]"  # a letter-like character: what `_TOKEN` words are made of (a superset of str.isalpha)
_WORD_RE = rf"{_L}+(?:[’'-]{_L}+)*"
_ENDS = r"[,.;:!?)”\"]"  # the single-character tokens that close a clause


def _reversed_words(words: frozenset[str]) -> str:
    return "|".join(sorted((w[::-1] for w in words), key=len, reverse=True))


# A clause's last word, read backwards from the mark that closes the clause, or from the paragraph's
# end (a sentence that does not end in a mark ends the paragraph: every boundary follows one).
_REV_CLAUSE_LAST = re.compile(rf"{_ENDS}[\s_]*({_WORD_RE})")
_REV_PARAGRAPH_LAST = re.compile(rf"[\s_]*({_WORD_RE})")
_CLAUSE_MARK = re.compile(_ENDS)


_REV_PREPOSITION = re.compile(rf"(?<!{_L})(?:{_reversed_words(_PREPOSITIONS)})(?!{_L})")


def _may_repeat_verb(text: str) -> bool:
    """`_repeated_verb` needs a clause whose last word (4+ letters, lower case, not a function word)
    also stands earlier in the clause."""
    return _clause_end_gates(text)[0]


def _may_dangle(text: str) -> bool:
    """`_dangling_particle` needs a clause whose last word is a particle, with a preposition before it."""
    return _clause_end_gates(text)[1]


@lru_cache(maxsize=4)
def _clause_end_gates(text: str) -> tuple[bool, bool]:
    """`_may_repeat_verb` and `_may_dangle` in one pass over the clauses' last words (cached: both are
    asked). In the reversed text "earlier in the clause" is after the last word, before the next mark."""
    rev = text[::-1]
    repeat = dangle = False
    last = _REV_PARAGRAPH_LAST.match(rev)
    for m in chain([last] if last else [], _REV_CLAUSE_LAST.finditer(rev)):
        backwards, end = m.group(1), m.end()
        word = backwards[::-1]
        particle = word in _PARTICLES and not dangle
        verb = not repeat and len(word) >= 4 and word.islower() and word not in _FUNCTION
        if not (particle or verb):
            continue
        mark = _CLAUSE_MARK.search(rev, end)
        clause_start = mark.start() if mark else len(rev)
        repeat = repeat or (verb and rev.find(backwards, end, clause_start) >= 0)
        dangle = dangle or (particle and _REV_PREPOSITION.search(rev, end, clause_start) is not None)
        if repeat and dangle:
            break
    return repeat, dangle


# A capital (A-Z or any letter-like character beyond ASCII) after a determiner or an "-ed" word of
# five letters or more; in ASCII text the capital is A-Z.
_REV_AFTER_DETERMINER = rf"[\s_]+(?:(?:{_reversed_words(_DETERMINERS)})(?!{_L})|de{_L}{{3}})"
_REV_CAPITAL_AFTER = re.compile(rf"[^\W\d_a-z]{_REV_AFTER_DETERMINER}")
_REV_CAPITAL_AFTER_ASCII = re.compile(rf"[A-Z]{_REV_AFTER_DETERMINER}")
# "Last week": the capitalised head is ASCII (no other character lower-cases to one of its letters).
_CAPITAL_TIME = re.compile(
    rf"(?:{'|'.join(w.capitalize() for w in sorted(_TIME_HEAD))})[\s_]+(?i:{'|'.join(sorted(_TIME_UNIT))})"
)


def _may_capitalise(text: str) -> bool:
    """`_capitals` needs a capitalised word after a determiner or an "-ed" adjective, or a
    capitalised time expression ("Last week")."""
    rev = text[::-1]
    after = _REV_CAPITAL_AFTER_ASCII if text.isascii() else _REV_CAPITAL_AFTER
    return after.search(rev) is not None or _CAPITAL_TIME.search(text) is not None


_SUFFIXES = ("ing", "ening", "ed", "ful", "ive")  # `_tautology`'s
# Reversed: a word ending in a suffix (a lookbehind keeps the suffix at the word's end) whose stem of
# five letters or more is the whole word before it: "threat threatening".
_REV_STEM_FIRST = re.compile(
    "(?:" + "|".join(f"{s[::-1]}(?<!{_L}{s[::-1]})" for s in sorted(_SUFFIXES, key=len, reverse=True)) + ")"
    rf"({_L}{{5,}})[\s_]+\1(?!{_L})"
)
# A word ending in a suffix before a word of five letters or more (checked for being its stem).
_SUFFIX_THEN_WORD = re.compile(rf"(?:ing|ed|ful|ive)(?=[\s_]+({_L}{{5,}}))")


def _may_tautology(text: str) -> bool:
    """`_tautology` needs two adjacent words, one the other (of five letters or more) plus a suffix."""
    if _REV_STEM_FIRST.search(text[::-1]):
        return True
    for m in _SUFFIX_THEN_WORD.finditer(text):
        stem, pos = m.group(1), m.start()
        for before in (stem, stem + "en"):  # "threatening threat": "ening" is "en" + "ing"
            if pos >= len(before) and text.startswith(before, pos - len(before)):
                return True
    return False


def _clauses(toks: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    clauses, cur = [], []
    for tok in toks:
        if tok[0] in _CLAUSE_END:
            if cur:
                clauses.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        clauses.append(cur)
    return clauses


def _repeated_verb(text: str, clauses: list[list[tuple[str, int, int]]]) -> list[Finding]:
    """The clause's last word repeats an earlier verb, as a German verb-final clause leaves it:
    after a relative word ("which regulates the prices ... regulates") or after an auxiliary
    ("have rejected the plan in May rejected": the participle both in place and at the end)."""
    out = []
    for clause in clauses:
        if len(clause) < 4:
            continue
        last = clause[-1][0]
        if not last.islower() or len(last) < 4 or last in _FUNCTION:
            continue
        for i in range(len(clause) - 3, -1, -1):
            if clause[i][0] != last:
                continue
            if _in_identifier(text, clause[i]) or _in_identifier(text, clause[-1]):
                break  # "AS n FROM series_stddev ... FROM series": code, not prose
            aux = _auxiliary_before(clause, i)
            rel = next((j for j in range(i - 1, max(-1, i - 5), -1) if clause[j][0].lower() in _RELATIVE), None)
            if rel is not None and last.endswith(("s", "ed")) and _verb_after_relative(clause, i):
                start, rep_start, rule = clause[rel][1], clause[rel][1], "word_order:verb_final_repeat"
            elif aux is not None and _same_clause(clause[i + 1 : -1]) and _verb_after(clause[aux][0], last):
                start, rule = clause[aux][1], "word_order:participle_final_repeat"
                # "have rejected ... in May": a perfect with a past date is English simple past
                simple_past = clause[aux][0].lower() in ("have", "has") and last.endswith("ed")
                rep_start = clause[i][1] if simple_past and _past_time(clause) else start
            else:
                break
            end = clause[-1][2]
            rep = text[rep_start : clause[-2][2]]
            out.append(Finding(KIND, start, end, text[start:end], rep, rule, 0.8))
            break
    return out


def _in_identifier(text: str, tok: tuple[str, int, int]) -> bool:
    """The token is part of a code identifier ("series_stddev")."""
    _, start, end = tok
    return text[start - 1 : start] == "_" or text[end : end + 1] == "_"


def _verb_after_relative(clause: list[tuple[str, int, int]], i: int) -> bool:
    """clause[i] is a verb of the relative clause, not a noun ("that turn any business ... into a
    business"): no determiner or preposition right before it, and no second relative clause
    between it and the clause's end ("that happened ... and to entries that just happened")."""
    if clause[i - 1][0].lower() in _NP_START or clause[i - 1][0].lower() in _PREPOSITIONS:
        return False
    return not any(w.lower() in _RELATIVE for w, _, _ in clause[i + 1 : -1])


_HAVE_BE = frozenset("have has had having is are was were be been being".split())


def _verb_after(aux: str, word: str) -> bool:
    """After "have" or "be" a repeated verb is a participle ("has resurfaced ... resurfaced");
    "are worse ... a little bit worse" repeats an adjective, English emphasis. Modals and "do"
    take any verb."""
    if aux.lower() not in _HAVE_BE:
        return True
    return word.endswith(("ed", "en", "wn", "ne")) or (word in ENGLISH.verb_forms and not word.endswith("s"))


def _auxiliary_before(clause: list[tuple[str, int, int]], i: int) -> int | None:
    """Index of the auxiliary right before clause[i], over at most one adverb ("have already")."""
    for j in (i - 1, i - 2):
        if j < 0:
            return None
        word = clause[j][0].lower()
        if word in _AUXILIARIES:
            return j
        if not (word in _ADVERBS or (word.endswith("ly") and len(word) > 4)):
            return None
    return None


def _same_clause(between: list[tuple[str, int, int]]) -> bool:
    """No new subject or clause between the two verbs ("has said what he said" is English)."""
    if not between or between[-1][0].lower() in ("and", "or", "but"):
        return False
    return not any(w.lower() in _CLAUSE_OPENERS for w, _, _ in between)


def _past_time(clause: list[tuple[str, int, int]]) -> bool:
    """A definite past time in the clause: "in February", "on Monday", "in 2021", "ago", "yesterday"."""
    for k, (word, _, _) in enumerate(clause):
        low = word.lower()
        if low in ("ago", "yesterday"):
            return True
        if low in ("in", "on") and k + 1 < len(clause):
            nxt = clause[k + 1][0]
            if nxt.lower() in _CALENDAR or (nxt.isdigit() and len(nxt) == 4):
                return True
    return False


def _capitals(
    text: str, toks: list[tuple[str, int, int]], names: frozenset[str], institutions: frozenset[str]
) -> list[Finding]:
    """A capitalised common noun or time expression after a lowercase word: German noun
    capitals. A proper noun is told apart by recurring capitalised in the document (`names`),
    by being an institution noun, by standing where a name can (before another noun, in "the
    University of ..."), or by being no common English word; a heading's capitals are its style.
    One such word proves little: `german_capitals` keeps them only where the document shows the habit."""
    out = []
    for i in range(1, len(toks)):
        word, start, end = toks[i]
        prev = toks[i - 1][0]
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ""
        if not (word[:1].isupper() and word[1:].islower()) or "-" in word or not prev.isalpha():
            continue
        if not prev.islower():
            continue
        low = word.lower()
        if low in _TIME_HEAD and nxt.lower() in _TIME_UNIT:
            if _title_case_line(text, toks, i):
                continue  # "10 Books for Every Age and Every Summer Reading List"
            nend = toks[i + 1][2]
            span = text[start:nend]
            out.append(Finding(KIND, start, nend, span, span.lower(), "word_order:capitalised_time", 0.9))
            continue
        if low in names or low in institutions or low in _CALENDAR or len(word) < 3:
            continue
        adjective = prev.endswith("ed") and len(prev) > 4
        if not (prev in _CAPITAL_AFTER or adjective):
            continue
        if prev in ("and", "or") and (i < 2 or not toks[i - 2][0].islower()):
            continue  # "Russia and Ukraine": an enumeration of names
        if nxt in _PUNCT:
            if not adjective:
                continue  # "the Caucasus." — a proper noun as often as not
        elif adjective:
            continue  # "visited Paris and": a verb before a name
        elif not (nxt in _FUNCTION or (nxt.islower() and nxt.endswith(("s", "ed")) and len(nxt) > 3)):
            continue  # "the Dzhvari constituency": a name used as a modifier
        if _name_with_of(toks, i) or _title_case_line(text, toks, i) or not _common_word(low):
            continue
        span_start = toks[i - 1][1]
        span = text[span_start:end]
        rep = text[span_start:start] + low
        out.append(Finding(KIND, span_start, end, span, rep, "word_order:capitalised_noun", 0.6))
    return out


# "that" before a capital is the conjunction as often as not ("showed that Sweden does better").
_CAPITAL_AFTER = _DETERMINERS - {"that"}
# A common English word: wordfreq's Zipf frequency of its lower-case form (3: once per million words).
COMMON_ZIPF = 3.0
# Distinct capitalised nouns that show a German capitalisation habit on their own (`german_capitals`).
HABIT_NOUNS = 4


@lru_cache(maxsize=4096)
def _common_word(low: str) -> bool:
    """A word English text uses often: a German-capitalised common noun is one, most rare
    capitalised words are names ("the Artonans", "impacted Chozodia")."""
    return zipf_frequency(low, "en") >= COMMON_ZIPF


def _name_with_of(toks: list[tuple[str, int, int]], i: int) -> bool:
    """ "the University of California", "Attack of the Clones": capitalised words joined by
    "of" form a name."""
    after = [w for w, _, _ in toks[i + 1 : i + 4]]
    if after[:1] == ["of"]:
        rest = [w for w in after[1:] if w not in ("the", "a", "an")]
        if rest and rest[0][:1].isupper():
            return True
    return i >= 3 and toks[i - 2][0] == "of" and toks[i - 3][0][:1].isupper()


def _title_case_line(text: str, toks: list[tuple[str, int, int]], i: int) -> bool:
    """Token i stands in a title-cased line ("Peek Inside the Womb to See How Baby Grows"): half
    or more of the line's other words of four letters or more (the first word aside) are
    capitalised. Headlines and menu entries capitalise nouns by style, not by German habit."""
    lo = i
    while lo > 0 and "\n" not in text[toks[lo - 1][2] : toks[lo][1]]:
        lo -= 1
    hi = i
    while hi + 1 < len(toks) and "\n" not in text[toks[hi][2] : toks[hi + 1][1]]:
        hi += 1
    words = [
        toks[k][0]
        for k in range(lo + 1, hi + 1)
        if k != i and len(toks[k][0]) >= 4 and toks[k][0].isalpha() and toks[k][0].lower() not in _FUNCTION
    ]
    caps = sum(1 for w in words if w[:1].isupper())
    return len(words) >= 2 and 2 * caps >= len(words)


def german_capitals(findings: list[Finding]) -> list[Finding]:
    """Drop a document's `word_order:capitalised_noun` findings unless the document shows the
    German habit: another German word-order sign (a capitalised time expression, a verb repeated at
    a clause's end, a dangling particle, a tautology), or `HABIT_NOUNS` distinct capitalised nouns.
    English text has a stray capitalised noun now and then (a product, a title, a tarot card, a
    term the writer stresses); MT from German capitalises nouns with its other habits ("the Bill
    rises ... the commission had Last year ruled it out")."""
    nouns = {f.text.split()[-1].lower() for f in findings if f.rule == "word_order:capitalised_noun"}
    if not nouns or len(nouns) >= HABIT_NOUNS:
        return findings
    if any(f.kind == KIND and f.rule != "word_order:capitalised_noun" for f in findings):
        return findings
    return [f for f in findings if f.rule != "word_order:capitalised_noun"]


def _dangling_particle(text: str, clauses: list[list[tuple[str, int, int]]]) -> list[Finding]:
    """A clause ending "... with the state broadcaster on": a particle after a prepositional
    phrase (no verb between), as a German separable verb leaves it. English particles stand after
    their verb and its object ("to pick it up", "what is going on") or in set phrases ("and so
    on", "up or down"); `_english_particle` and the verbs of `ENGLISH` tell those apart."""
    out = []
    for clause in clauses:
        if len(clause) < 4 or clause[-1][0] not in _PARTICLES or _english_particle(clause):
            continue
        if text.startswith(("...", "…"), clause[-1][2]):
            continue  # "read about the compiler back...": a teaser cut short, not a finished clause
        body = clause[:-1]
        prep = None
        for j in range(len(body) - 1, -1, -1):
            if body[j][0] in _PREPOSITIONS:
                prep = j
                break
            if _verb_like(body[j][0]):
                break
        if prep is None or len(body) - prep < 2 or _infinitive(body, prep):
            continue
        if any(w.isdigit() or w.lower() in _NUMBERS for w, _, _ in body[prep + 1 :]):
            continue  # "200 feet in", "ten years on": a measure before an adverbial particle
        # extend left over the chain of prepositional phrases
        first = prep
        for j in range(prep - 1, -1, -1):
            w = body[j][0]
            if _verb_like(w):
                break
            if w in _PREPOSITIONS:
                if _infinitive(body, j):
                    break
                first = j
        if _phrasal_object(body, first):
            continue
        start, end = body[first][1], clause[-1][2]
        rep = text[start : body[-1][2]]
        out.append(Finding(KIND, start, end, text[start:end], rep, "word_order:dangling_particle", 0.6))
    return out


_NUMBERS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred "
    "thousand million few several dozen".split()
)
_NOUN_BEFORE = frozenset("the a an its his her their our my your".split())  # "on its back": a noun
_NP_START = frozenset("the a an its his her their our my your this these those some any every each no".split())


def _phrasal_object(body: list[tuple[str, int, int]], first: int) -> bool:
    """ "to pick the pieces of glass up": the prepositional phrase belongs to the object of an
    English phrasal verb, which may stand between verb and particle. German damage puts the phrase
    right after its verb ("came after three hours without charge free")."""
    for j in range(first - 1, -1, -1):
        word = body[j][0]
        if _verb_like(word):
            return j < first - 1 and word.lower() in ENGLISH.verb_forms
        if word in _PREPOSITIONS:
            return False
    return False


def _english_particle(clause: list[tuple[str, int, int]]) -> bool:
    """The particle is English by what stands right before it: an object pronoun ("to drive it
    away"), a determiner or possessive that makes it a noun ("on its back", "the insect's back"),
    a coordinated particle ("up or down"), an adverb ("the always on"), or a set phrase of
    `ENGLISH` ("and so on", "right away")."""
    before = clause[-2][0]
    low = before.lower()
    if low in ENGLISH.pronouns or low in _NOUN_BEFORE or low in ("and", "or") or _adverb(low):
        return True
    if before.endswith(("'s", "’s")):
        return True
    words = tuple(w.lower() for w, _, _ in clause[-4:])
    return any(words[-n:] in ENGLISH.phrases for n in range(1, len(words) + 1))


def _adverb(low: str) -> bool:
    """An adverb before a particle ("the always on", "early on", "slowly up"): "-ly" on a common
    word ("slow-ly"), not a noun that ends so ("the family on")."""
    if low in _ADVERBS or low in ("always", "right", "straight", "far"):
        return True
    return low.endswith("ly") and len(low) > 4 and _common_word(low[:-2])


def _infinitive(body: list[tuple[str, int, int]], j: int) -> bool:
    """ "to" before a verb ("to pick up") marks an infinitive, not a prepositional phrase: only
    "to" before a determiner, a number or a name opens one ("to the station")."""
    if body[j][0] != "to" or j + 1 >= len(body):
        return False
    nxt = body[j + 1][0]
    return not (nxt.lower() in _NP_START or nxt.isdigit() or nxt[:1].isupper())


def _verb_like(word: str) -> bool:
    """A verb form between the preposition and the particle makes the particle the verb's own:
    a verb of `ENGLISH`, an auxiliary, or any "-ed"/"-ing" form ("going on", "helping out")."""
    low = word.lower()
    return (
        _verbish(word)
        or low in ENGLISH.verb_forms
        or low in _AUXILIARIES
        or low in _CLAUSE_OPENERS
        or (low.endswith("ing") and len(low) > 4)
    )


def _verbish(word: str) -> bool:
    return word.endswith("ed") or word in ("is", "was", "were", "are", "be", "said", "says", "told")


def _tautology(text: str, toks: list[tuple[str, int, int]]) -> list[Finding]:
    """ "threatening threat": adjacent words where one is the other's stem plus a suffix."""
    out = []
    for i in range(len(toks) - 1):
        a, b = toks[i][0], toks[i + 1][0]
        if not (a.isalpha() and b.isalpha() and a.islower() and b.islower()) or a == b:
            continue
        short, long_ = sorted((a, b), key=len)
        if len(short) >= 5 and long_.startswith(short) and long_[len(short) :] in _SUFFIXES:
            start, end = toks[i][1], toks[i + 1][2]
            out.append(Finding(KIND, start, end, text[start:end], None, "word_order:tautology", 0.6))
    return out
