"""The chrome rule bank compiled for speed, answering exactly as the plain loops in
`cleaners.chrome` would, pattern by pattern (`tests/reference/chrome.py`); the tests hold them equal.

Matching every line against every pattern one by one was the chrome stage's whole cost. Two exact
shortcuts: the patterns are joined into one alternation per use (the engine tries alternatives in
order, so the first family still wins), and a pattern that walks along the line (a lookahead, a
leading `.{0,n}`) is skipped when a cheap test proves it cannot match: the line is too long or
short for it, or lacks every literal it requires. Both are read off the pattern's parse tree
(CPython's `re._parser`, read only); a pattern with backreferences keeps the plain order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from re import _constants as sre
from re import _parser as sre_parse
from typing import TYPE_CHECKING, Any

from cleaners import gates

if TYPE_CHECKING:
    from cleaners.chrome import Family

_CASE_FLAGS = re.IGNORECASE | re.ASCII
_SCOPED_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x", re.ASCII: "a"}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ASCII = "".join(map(chr, range(128)))
_Needles = list[tuple[str, int]]  # literal strings with the flags they are matched under


def _required(items: Any, flags: int) -> list[_Needles]:
    """Sets of literals such that every text `items` (a parse tree) matches holds a member of each set.

    Consecutive literals match consecutive characters; what a group, a repeat taken at least once or a
    lookahead requires is required too (they match inside the text); a branch requires one of the
    sets of each alternative (here its least likely one)."""
    options: list[_Needles] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append([("".join(run), flags)])
            run = []
        if op is sre.SUBPATTERN:
            options += _required(av[3], (flags | av[1]) & ~av[2])
        elif op is sre.ATOMIC_GROUP:
            options += _required(av, flags)
        elif op in _REPEATS and av[0] >= 1:
            options += _required(av[2], flags)
        elif op is sre.ASSERT and av[0] == 1:
            options += _required(av[1], flags)
        elif op is sre.BRANCH:
            alternatives = [_required(alt, flags) for alt in av[1]]
            if all(alternatives):
                options.append([needle for alt in alternatives for needle in min(alt, key=_chance)])
    return sorted(options, key=_chance)


def _chance(needles: _Needles) -> float:
    """Rough odds that one of `needles` occurs by chance: longer and fewer needles are rarer."""
    return sum(26.0 ** -len(s) for s, _ in needles)


def _length_bounds(tree: Any, flags: int) -> tuple[int, int]:
    """Lengths a text can have when the pattern matches all of it: the pattern's own width, narrowed by a
    leading `(?=.{0,n}$)` (at position 0, so `$` is the end of the text, or before a final newline)."""
    lo, hi = tree.getwidth()
    for op, av in tree:
        if op is sre.ASSERT and av[0] == 1 and not flags & re.MULTILINE:
            body = list(av[1])
            if body and body[-1] == (sre.AT, sre.AT_END):
                hi = min(hi, av[1].getwidth()[1] + 1)
        elif op is not sre.AT and op is not sre.ASSERT_NOT:  # anything else may move past position 0
            break
    return lo, hi


def _walks(items: Any) -> bool:
    """Whether the pattern may walk along the text before it fails: it opens with a lookaround or a long
    repeat of almost any character, not with a character to compare. Only these get a pre-filter."""
    for op, av in items:
        if op is sre.AT:
            continue
        if op is sre.SUBPATTERN:
            return _walks(av[3])
        if op is sre.ATOMIC_GROUP:
            return _walks(av)
        if op is sre.BRANCH:
            return any(_walks(alt) for alt in av[1])
        if op in _REPEATS:
            return av[1] > 8 and len(av[2]) == 1 and _wide(*av[2][0])
        return op in (sre.ASSERT, sre.ASSERT_NOT)
    return False


def _wide(op: Any, av: Any) -> bool:
    return op in (sre.ANY, sre.NOT_LITERAL) or (op is sre.IN and av[:1] == [(sre.NEGATE, None)])


def _has_backrefs(items: Any) -> bool:
    """Backreferences count groups, so a pattern that has them cannot be moved into a joint alternation."""
    for op, av in items.data:
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            return True
        subs = av[1] if op is sre.BRANCH else [av[-1]] if isinstance(av, tuple) else [av]
        if any(isinstance(sub, sre_parse.SubPattern) and _has_backrefs(sub) for sub in subs):
            return True
    return False


# A set of more needles than this costs more to test than the pattern does, so it is not tested; the
# regex test (text the lower-case copy cannot stand for) is slower still.
_MAX_NEEDLES = 12
_MAX_PROBE_NEEDLES = 3

# How a line can be tested for needles (see `_fold`).
ASCII_TEXT, FOLDED_TEXT, RAW_TEXT = 0, 1, 2
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_LOOKALIKE = re.compile(r"[\x00-\x7f]", re.IGNORECASE)  # in non-ASCII text: "ſ", "K" (Kelvin)...


def _fold(text: str) -> tuple[str, int]:
    """`text.lower()` and which needle test it supports. ASCII text: every lower-cased needle. Other text
    where no character matches an ASCII one case-insensitively: needles written in ASCII (their matches
    are then ASCII, lower-cased one to one). Else the needles' regex on the text itself."""
    if text.isascii():
        return text.lower(), ASCII_TEXT
    if _ASCII_LOOKALIKE.search("".join(_NON_ASCII.findall(text))):
        return text, RAW_TEXT
    return text.lower(), FOLDED_TEXT


@dataclass(frozen=True)
class _Hint:
    """Necessary conditions for one pattern to match a text: a length range, and a member of a needle set
    occurring in the text. `tests[kind]` is that set for a text of that kind (`_fold`), lower-cased, or
    for RAW_TEXT a regex of the needles under the pattern's own case rules; None: no test."""

    min_len: int
    max_len: int
    tests: tuple[Any, Any, Any]

    def may_occur(self, text: str, folded: tuple[str, int]) -> bool:
        """A needle may occur in `text`; `folded` is `_fold(text)`."""
        low, kind = folded
        test = self.tests[kind]
        if test is None:
            return True
        if kind == RAW_TEXT:
            return test.search(text) is not None
        return any(map(low.__contains__, test))

    def may_match(self, text: str, folded: tuple[str, int]) -> bool:
        """False only when the pattern cannot match all of `text`."""
        return self.min_len <= len(text) <= self.max_len and self.may_occur(text, folded)


_Fragment = tuple["Family", re.Pattern[str], re.Pattern[str], _Hint]  # family, pattern, its tail, its hint
_Loose = tuple[int, re.Pattern[str], int, int, tuple[Any, Any, Any]]  # family index, pattern, `_Hint` fields


def _hint(pattern: re.Pattern[str], tree: Any) -> _Hint:
    """The hint of a pattern, from its parse tree."""
    flags = tree.state.flags
    lo, hi = _length_bounds(tree, flags)
    options = [needles for needles in _required(tree, flags) if len(needles) <= _MAX_NEEDLES]
    ascii_sets = [s for s in map(_ascii_needles, options) if s is not None]
    folded = next(
        (
            s
            for s, needles in zip(map(_ascii_needles, options), options, strict=True)
            if s and _written_in_ascii(needles)
        ),
        None,
    )
    needles = next((needles for needles in options if len(needles) <= _MAX_PROBE_NEEDLES), None)
    probe = None
    if needles:
        probe = re.compile("|".join(f"(?{_letters(f & _CASE_FLAGS)}:{re.escape(s)})" for s, f in needles))
    return _Hint(lo, hi, (ascii_sets[0] if ascii_sets else None, folded, probe))


def _written_in_ascii(needles: _Needles) -> bool:
    return all(s.isascii() for s, _ in needles)


def _ascii_needles(needles: _Needles) -> tuple[str, ...] | None:
    """The needles as they can appear in ASCII text, lower-cased: each character becomes the one lower-case
    ASCII character it matches (asked of the engine itself); a needle no ASCII text can hold is dropped.
    None when a character would match two letters (then the set is not tested)."""
    out = []
    for s, f in needles:
        chars = []
        for ch in s:
            matched = _ascii_matches(ch, f & _CASE_FLAGS)
            if len(matched) > 1:
                return None
            chars.append(next(iter(matched)) if matched else None)
        if None not in chars:
            out.append("".join(chars))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1024)
def _ascii_matches(ch: str, flags: int) -> frozenset[str]:
    """The ASCII characters (lower-cased) that the literal `ch` matches under `flags`."""
    return frozenset(c.lower() for c in re.findall(re.escape(ch), _ASCII, flags))


def _letters(flags: int) -> str:
    return "".join(letter for flag, letter in _SCOPED_FLAGS.items() if flags & flag)


def _scoped(pattern: re.Pattern[str], inner: str) -> str:
    """`inner` (the pattern's source, possibly wrapped) under the pattern's flags, as a scoped group; the
    global flags the source opens with move into the scope."""
    source = pattern.pattern
    while m := re.match(r"\(\?[aiLmsux]+\)", source):
        source = source[m.end() :]
    verbose = pattern.flags & re.VERBOSE
    body = inner.format(source + ("\n" if verbose else ""))  # a newline ends a trailing verbose comment
    return f"(?{_letters(pattern.flags)}:{body})"


class FastRules:
    """A rule bank compiled for speed; answers exactly as the plain loops do."""

    def __init__(self, families: tuple[Family, ...]) -> None:
        self.families = families
        self.loose: list[tuple[int, re.Pattern[str], _Hint]] = []  # tried one by one, after their pre-filter
        self.joint: list[tuple[int, re.Pattern[str]]] = []  # tried together, in one alternation
        self.fragments: list[_Fragment] = []
        self._zones: dict[frozenset[str], list[_Loose]] = {}  # the loose patterns of each zone's families
        self.joinable = True
        hints: dict[re.Pattern[str], _Hint] = {}
        for fi, fam in enumerate(families):
            for pi, p in enumerate(fam.patterns):
                tree = sre_parse.parse(p.pattern, p.flags)
                self.joinable &= not (p.groups and _has_backrefs(tree))
                hint = hints[p] = _hint(p, tree)
                if fam.zone != "any" or _walks(tree):  # a zone's families stay out: one alternation serves all
                    self.loose.append((fi, p, hint))
                else:
                    self.joint.append((fi, p))
                if fam.kind == "fragment":
                    self.fragments.append((fam, p, fam.tails[pi], hint))
        # A fragment needs a member of its needle set: if no fragment's can occur, none can.
        self.fragment_needles = [
            tuple({n for *_, hint in self.fragments for n in hint.tests[kind]})
            if all(hint.tests[kind] is not None for *_, hint in self.fragments)
            else None
            for kind in (ASCII_TEXT, FOLDED_TEXT)
        ]
        if not self.joinable:  # keep the plain order: everything one by one
            self.loose = [(fi, p, hints[p]) for fi, fam in enumerate(families) for p in fam.patterns]
            self.joint = []

    def match(self, text: str, zone: frozenset[str]) -> Family | None:
        """The first family (in bank order) with a pattern matching all of `text`."""
        loose = self._zones.get(zone)
        if loose is None:
            loose = self._zones[zone] = [
                (fi, p, h.min_len, h.max_len, h.tests)
                for fi, p, h in self.loose
                if self.families[fi].zone == "any" or self.families[fi].zone in zone
            ]
        first = len(self.families)
        if self.joint_lines is not None and (m := self.joint_lines.fullmatch(text)):
            first = int(m.lastgroup[2:])
        low, kind = _fold(text)
        n = len(text)
        for fi, p, lo, hi, tests in loose:
            if fi >= first:
                break
            if not lo <= n <= hi:  # `_Hint.may_match`, inline: this loop runs for every line
                continue
            test = tests[kind]
            if test is not None and not (test.search(text) if kind == RAW_TEXT else any(map(low.__contains__, test))):
                continue
            if p.fullmatch(text):
                first = fi
                break
        return self.families[first] if first < len(self.families) else None

    @cached_property
    def family_gates(self) -> list[str | None]:
        """Each family's column gate (`cleaners.gates`): a line none of them opens matches no family."""
        return [gates.any_of(gates.gate(p) for p in fam.patterns) for fam in self.families]

    @cached_property
    def joint_lines(self) -> re.Pattern[str] | None:
        """The joint patterns as one alternation; group `_f<i>` names the family that matched."""
        groups: dict[int, list[str]] = {}
        for fi, p in self.joint:
            groups.setdefault(fi, []).append(_scoped(p, "{}"))
        if not groups:
            return None
        return re.compile("|".join(f"(?P<_f{fi}>{'|'.join(alts)})" for fi, alts in groups.items()))

    @cached_property
    def joint_tails(self) -> _Tails:
        return _Tails(self.fragments, self.joinable)

    def warm(self) -> None:
        """Compile the joint alternations and the column gates now."""
        _ = self.joint_lines, self.joint_tails, self.family_gates

    def tails(self, line: str) -> _Tails | None:
        """The fragment patterns, joined, unless none of them can occur in `line` (then None)."""
        folded = _fold(line)
        low, kind = folded
        union = self.fragment_needles[kind] if kind != RAW_TEXT else None
        if union is not None and not any(map(low.__contains__, union)):
            return None
        if not any(hint.may_occur(line, folded) for *_, hint in self.fragments):
            return None
        return self.joint_tails


class _Tails:
    """Fragment patterns anchored at the end of the line, tried in bank order at one start position."""

    def __init__(self, fragments: list[_Fragment], joinable: bool) -> None:
        self.fragments = fragments
        self.joint = None
        if joinable:
            alts = [_scoped(p, f"(?P<_t{i}>{{}})\\s*$") for i, (_, p, _, _) in enumerate(fragments)]
            self.joint = re.compile("|".join(alts))

    def first_match(self, rest: str, start: int) -> tuple[int, int, Family] | None:
        """The first fragment family matching from `start` to the end, as (start, end, family)."""
        if self.joint is None:
            return next(
                ((start, m.end("frag"), f) for f, _, tail, _ in self.fragments if (m := tail.match(rest, start))), None
            )
        m = self.joint.match(rest, start)
        return (start, m.end(m.lastgroup), self.fragments[int(m.lastgroup[2:])][0]) if m else None
