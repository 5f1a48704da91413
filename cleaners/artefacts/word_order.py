"""German word order and casing carried into English.

Shapes, not word lists: a verb repeated at the end of its clause (after a relative word or an
auxiliary), a capitalised
common noun or time expression in mid-sentence, a particle left dangling after a
prepositional phrase, and paraphrase tautologies ("threatening threat").
"""

from __future__ import annotations

import re

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
    return [(m.group(0), start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]


def find(text: str, names: frozenset[str] = frozenset(), institutions: frozenset[str] = frozenset()) -> list[Finding]:
    """Word-order findings in one English paragraph. `names`: lower-cased words the document
    capitalises more than once or inside multi-word names; `institutions`: nouns English capitalises
    after "the" (Commission, Ministry...)."""
    out: list[Finding] = []
    for s, e in sentences(text):
        toks = _tokens(text, s, e)
        out += _repeated_verb(text, toks)
        out += _capitals(text, toks, names, institutions)
        out += _dangling_particle(text, toks)
        out += _tautology(text, toks)
    return out


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


def _repeated_verb(text: str, toks: list[tuple[str, int, int]]) -> list[Finding]:
    """The clause's last word repeats an earlier verb, as a German verb-final clause leaves it:
    after a relative word ("which regulates the prices ... regulates") or after an auxiliary
    ("have rejected the plan in May rejected": the participle both in place and at the end)."""
    out = []
    for clause in _clauses(toks):
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


def _dangling_particle(text: str, toks: list[tuple[str, int, int]]) -> list[Finding]:
    """A clause ending "... with the state broadcaster on": a particle after a prepositional
    phrase (no verb between), as a German separable verb leaves it."""
    out = []
    for clause in _clauses(toks):
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
        if len(short) >= 5 and long_.startswith(short) and long_[len(short) :] in ("ing", "ening", "ed", "ful", "ive"):
            start, end = toks[i][1], toks[i + 1][2]
            out.append(Finding(KIND, start, end, text[start:end], None, "word_order:tautology", 0.6))
    return out
