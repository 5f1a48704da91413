"""Organisation names translated word by word.

Capitalised runs of the text (with connectors such as "of the" or "in", and a lowercase institution
noun glued to a capitalised word) are compared with the gazetteer by their normalised bag
of content words: synonyms and word order are folded away, so "Council of Security" and
"Liberty house" meet "Security Council" and "Freedom House" without being listed; a span
missing one word of a long name matches only when it also shows translation damage. Runs no
entry explains are flagged when they carry the broken proper-name shape or a calque marker.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cleaners import gates
from cleaners.artefacts.spans import Finding
from cleaners.artefacts.tables import Gazetteer

KIND = "calque"
MAX_WORDS = 12
_TOKEN = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*|&")
_CONNECTORS = frozenset("of the for on in and & without de".split())


# Where a `_TOKEN` word may start with a capital: a letter-like character other than a-z that is not
# inside a word (after a letter, or after a hyphen or apostrophe joined to a letter).
_CAP_START = re.compile(r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_][’'-].)")
_CAP_START_ASCII = re.compile(r"[A-Z](?<![A-Za-z].)(?<![A-Za-z]['-].)")  # the same on ASCII text


def _runs(text: str, gaz: Gazetteer) -> list[list[tuple[str, int, int]]]:
    """Maximal runs of capitalised words joined by connectors or single spaces.

    A run starts at a capitalised word (connectors and glued nouns only continue one), so only
    those are visited; each run then takes the following words while one space joins them."""
    runs: list[list[tuple[str, int, int]]] = []
    done = 0  # text before here belongs to a run already taken
    for c in (_CAP_START_ASCII if text.isascii() else _CAP_START).finditer(text):
        if c.start() < done or not c.group(0).isupper():
            continue
        m = _TOKEN.match(text, c.start())
        cur = [(m.group(0), m.start(), m.end())]
        # a space cannot start a token, so a token right after one space is the next token, joined
        while text.startswith(" ", m.end()) and (m := _TOKEN.match(text, m.end() + 1)) is not None:
            word, last = m.group(0), cur[-1][0]
            glued_noun = word in gaz.nouns and last[:1].isupper() and not _possessive(last)
            if not (word[:1].isupper() or glued_noun or word in _CONNECTORS):
                break
            cur.append((word, m.start(), m.end()))
        done = cur[-1][2]
        _close(cur, runs)
    return runs


def _close(cur: list[tuple[str, int, int]], runs: list[list[tuple[str, int, int]]]) -> None:
    while cur and cur[-1][0].lower() in _CONNECTORS:
        cur.pop()
    while cur and cur[0][0].lower() in _CONNECTORS:
        cur.pop(0)
    if cur:
        runs.append(cur)


def find(text: str, gaz: Gazetteer, gate: bool = True) -> list[Finding]:
    """Calque findings in one English paragraph. `gate=False` looks at every run without the
    pre-check `_may_find` (the same result, slower)."""
    if gate and not _may_find(text, gaz):
        return []
    out: list[Finding] = []
    for run in _runs(text, gaz):
        taken: list[tuple[int, int]] = []
        n = len(run)
        connector = [w.lower() in _CONNECTORS for w, _, _ in run]
        for length in range(min(n, MAX_WORDS), 0, -1):
            for i in range(0, n - length + 1):
                j = i + length - 1
                if connector[i] or connector[j]:
                    continue
                if taken and any(not (j < a or i > b) for a, b in taken):
                    continue
                start, end = run[i][1], run[j][2]
                span = text[start:end]
                found = gaz.lookup(span)
                if found is True:
                    taken.append((i, j))
                    continue
                if found is None:
                    continue
                canonical, overlap = found
                taken.append((i, j))
                rule = "calque:gazetteer" if overlap == 1.0 else "calque:gazetteer_partial"
                # a proper name with English words changed is a calque to show, not one to rewrite
                fixable = gaz.evidence(span, canonical) != "english"
                confidence = round((0.9 if fixable else 0.6) * overlap, 3)
                out.append(Finding(KIND, start, end, span, canonical, rule, confidence, fixable))
        if not taken:
            heuristic = _heuristic(text, run, gaz)
            if heuristic:
                out.append(heuristic)
    return out


# Gate. A finding needs a span the gazetteer matches, or a run of two words or more (`_heuristic`).
# A run of one token without a joint or an "İ" is one word in `Gazetteer.words` ("İ", lower-cased, is
# "i" and a combining dot: the only letter-like character whose lower case is not one), so its bag
# has one word at most, fewer than any entry's when `Gazetteer.fewest_words` > 1.
_L = r"[^\W\d_]"
_CAP = r"[^\W\d_a-z]"  # where a capitalised word may start (a superset of the upper-case letters)


def _may_find(text: str, gaz: Gazetteer) -> bool:
    """False when `find` cannot report anything: every run is a single token of one word."""
    return gaz.fewest_words <= 1 or _gate(gaz.nouns, text.isascii()).search(text) is not None


@lru_cache(maxsize=8)
def _gate(nouns: frozenset[str], ascii_text: bool) -> re.Pattern[str]:
    """A capitalised token with a joint, or followed by connectors and then a word that continues a run:
    every run of two words or more (after `_close`) holds the latter, as its last word is capitalised or
    a noun glued to a capitalised word. Words are matched by their beginning only: a superset.
    On ASCII text `_CAP` and `_L` are [A-Z] and [A-Za-z], which the regex engine scans faster."""
    cap, letter = ("[A-Z]", "[A-Za-z]") if ascii_text else (_CAP, _L)
    connectors = "|".join(re.escape(c) for c in sorted(_CONNECTORS))
    continues = "|".join([cap, *(re.escape(n) for n in sorted(nouns) if n)])
    pattern = rf"{cap}{letter}*+(?:[’'-]{letter}|(?: (?:{connectors}))* (?:{continues}))"
    return re.compile(pattern if ascii_text else pattern + "|İ")


def column_gate(gaz: Gazetteer) -> str | None:
    """The column gate (`cleaners.gates`) of `_may_find`: its pattern for either kind of text."""
    if gaz.fewest_words <= 1:
        return None
    return gates.any_of([gates.gate(_gate(gaz.nouns, True)), gates.gate(_gate(gaz.nouns, False))])


def _heuristic(text: str, run: list[tuple[str, int, int]], gaz: Gazetteer) -> Finding | None:
    """Broken proper-name shape: "Liberty house" (a capitalised literal translation glued to a lowercase
    institution noun) where a name is expected, or an institution name carrying a calque marker."""
    if len(run) < 2:
        return None  # both shapes need two words
    # the glued noun ends the name ("Harbour house in Tovrin": the run goes on after it)
    k = next((k for k in range(1, len(run)) if run[k][0] in gaz.nouns and run[k - 1][0][:1].isupper()), None)
    if k is not None:
        run = run[: k + 1]
    start, end = run[0][1], run[-1][2]
    span = text[start:end]
    low = span.lower()
    words = [w.lower() for w, _, _ in run]
    glued = k is not None
    if glued and not _sentence_start(text, run[-2][1]) and run[-2][0].lower() not in gaz.nouns and _literal(words, gaz):
        rule = "calque:heuristic_shape"
    elif len(run) >= 2 and any(w in gaz.nouns for w in words) and any(m.search(low) for m in gaz.markers):
        rule = "calque:heuristic_marker"
    else:
        return None
    if run[0][0] == "The":
        start = run[1][1]
        span = text[start:end]
    return Finding(KIND, start, end, span, None, rule, 0.5)


def _literal(words: list[str], gaz: Gazetteer) -> bool:
    """A word a literal translation puts where English has its synonym group's head ("Liberty" for
    "Freedom"): the capitalised word glued to "house" is otherwise any English name ("Rugby union",
    "Walkley board", "Paris court")."""
    return any(gaz.synonyms.get(w, w) != w and w not in gaz.english for w in words)


def _possessive(word: str) -> bool:
    return word.endswith(("’s", "'s", "’", "'"))


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(' “"‘(')
    return not before or before[-1] in ".!?:"
