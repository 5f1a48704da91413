"""German word order and casing carried into English.

Shapes, not word lists: a verb repeated at the end of its clause (after a relative word or an
auxiliary), a capitalised
common noun or time expression in mid-sentence, a particle left dangling after a
prepositional phrase, and paraphrase tautologies ("threatening threat").
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from cleaners.artefacts.spans import Finding, sentences

KIND = "word_order"

_TOKEN = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*|\d+|[^\w\s]")
_RELATIVE = frozenset("which that who whom whose because when while if whether as".split())
_CLAUSE_END = frozenset(',.;:!?)”"')
_TIME_HEAD = frozenset("last next this every coming past previous".split())
_TIME_UNIT = frozenset("week month year weekend morning evening night afternoon spring summer autumn winter".split())
_PARTICLES = frozenset("on off out up down in away back free along over".split())
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


def _tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    # `_TOKEN` has no look-around, so matching within (start, end) equals matching the slice
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


def find(
    text: str,
    names: frozenset[str] = frozenset(),
    institutions: frozenset[str] = frozenset(),
    gate: bool = True,
) -> list[Finding]:
    """Word-order findings in one English paragraph. `names`: lower-cased words the document
    capitalises more than once or inside multi-word names; `institutions`: nouns English capitalises
    after "the" (Commission, Ministry...). `gate=False` runs every rule without its pre-check (the
    same result, slower)."""
    rules = _possible(text, _ALL_RULES) if gate else _ALL_RULES
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
            aux = _auxiliary_before(clause, i)
            rel = next((j for j in range(i - 1, max(-1, i - 5), -1) if clause[j][0].lower() in _RELATIVE), None)
            if rel is not None and last.endswith(("s", "ed")):
                start, rep_start, rule = clause[rel][1], clause[rel][1], "word_order:verb_final_repeat"
            elif aux is not None and _same_clause(clause[i + 1 : -1]):
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
    by being an institution noun, or by standing where a name can (before another noun)."""
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
            nend = toks[i + 1][2]
            span = text[start:nend]
            out.append(Finding(KIND, start, nend, span, span.lower(), "word_order:capitalised_time", 0.9))
            continue
        if low in names or low in institutions or low in _CALENDAR or len(word) < 3:
            continue
        adjective = prev.endswith("ed") and len(prev) > 4
        if not (prev in _DETERMINERS or adjective):
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
        span_start = toks[i - 1][1]
        span = text[span_start:end]
        rep = text[span_start:start] + low
        out.append(Finding(KIND, span_start, end, span, rep, "word_order:capitalised_noun", 0.6))
    return out


def _dangling_particle(text: str, clauses: list[list[tuple[str, int, int]]]) -> list[Finding]:
    """A clause ending "... with the state broadcaster on": a particle after a prepositional
    phrase (no verb between), as a German separable verb leaves it."""
    out = []
    for clause in clauses:
        if len(clause) < 4 or clause[-1][0] not in _PARTICLES:
            continue
        body = clause[:-1]
        prep = None
        for j in range(len(body) - 1, -1, -1):
            if body[j][0] in _PREPOSITIONS:
                prep = j
                break
            if _verbish(body[j][0]):
                break
        if prep is None or len(body) - prep < 2:
            continue
        # extend left over the chain of prepositional phrases
        first = prep
        for j in range(prep - 1, -1, -1):
            w = body[j][0]
            if _verbish(w):
                break
            if w in _PREPOSITIONS:
                first = j
        start, end = body[first][1], clause[-1][2]
        rep = text[start : body[-1][2]]
        out.append(Finding(KIND, start, end, text[start:end], rep, "word_order:dangling_particle", 0.6))
    return out


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
