"""Gates: a cheap test, over a whole column of texts at once, that a rule's regular expression may match.

The rules are Python `re` patterns, curated in data files and extended by users; the column engine
(polars, over Rust's regex crate) has no look-around and no back-references, and its `\\w`, `\\s`,
`\\b` and case folding are not Python's. So a gate is a looser pattern derived from the rule's parse
tree:

- every character class, literal and `.` becomes the set of characters Python's engine matches there
  under the pattern's flags (asked of the engine itself, over all of Unicode), so classes and case
  folding mean what they mean in Python; a class of many ranges is coarsened beyond ASCII, Latin-1
  and the general punctuation (`MAX_RANGES`), which only adds characters;
- look-arounds and word boundaries become empty (a look-ahead at the pattern's end, a look-behind at
  its start, the text they read; a look-ahead choosier than the rest of the pattern, the text before
  it followed by the look-ahead's own pattern), a back-reference the group's own pattern, a conditional either of
  its branches, possessive and atomic parts ordinary ones, `$` any line end, and counts above
  `MAX_COUNT` unbounded.

Each change only lets more texts through, so a text the gate refuses cannot match the rule anywhere;
the texts it lets through go to the rule itself, in Python. A pattern the compiler cannot translate
(`Untranslatable`) has no gate (None) and every text goes to Python. `gate(p, reverse=True)` is the
gate of `p` on reversed text, written for the text itself (detectors that read backwards).

>>> import re
>>> gate(re.compile(r"(?<!\\d) ?%"))  # the look-behind is gone
'(?:[\\\\x{20}]){0,1}[\\\\x{25}]'
>>> Column(["a b , c", "a b, c"]).open(gate(re.compile(r"(?<!\\w)(\\w+) ,"))).tolist()
[True, False]
"""

from __future__ import annotations

import _sre
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property, lru_cache
from re import _casefix
from re import _compiler as sre_compile
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

import numpy as np

# One thread per process: the batches already run in one worker process per core.
os.environ.setdefault("POLARS_MAX_THREADS", "1")
import polars as pl  # noqa: E402

# Counts above this become unbounded (`{m,n}` is unrolled by the column engine; a loose bound is still a gate).
MAX_COUNT = 16
_CHAR_FLAGS = re.IGNORECASE | re.ASCII | re.UNICODE | re.LOCALE
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_SURROGATES = (0xD800, 0xE000)


class Untranslatable(ValueError):
    """A construct the gate compiler does not know; the rule gets no gate."""


@lru_cache(maxsize=1)
def _all_characters() -> str:
    """Every code point a column can hold (surrogates cannot be UTF-8), in order."""
    lo, hi = _SURROGATES
    return "".join(map(chr, range(lo))) + "".join(map(chr, range(hi, 0x110000)))


def _code_point(i: int) -> int:
    return i if i < _SURROGATES[0] else i + (_SURROGATES[1] - _SURROGATES[0])


@lru_cache(maxsize=4096)
def _matched(node: str, flags: int) -> tuple[tuple[int, int], ...]:
    """Ranges of the code points that one character node (its repr from `_node_key`) matches under
    `flags`, asked of Python's engine over all of Unicode."""
    op, av = _NODES[node]
    state = sre_parse.State()
    state.flags = flags
    one = sre_parse.SubPattern(state, [(op, av)])
    runs = sre_parse.SubPattern(state, [(sre.MAX_REPEAT, (1, sre.MAXREPEAT, one))])
    pattern = sre_compile.compile(runs, flags)
    out = []
    for m in pattern.finditer(_all_characters()):
        lo, hi = _code_point(m.start()), _code_point(m.end() - 1)
        if lo < _SURROGATES[0] <= hi:  # a run over the gap left by the surrogates
            out += [(lo, _SURROGATES[0] - 1), (_SURROGATES[1], hi)]
        else:
            out.append((lo, hi))
    return tuple(out)


_NODES: dict[str, tuple[Any, Any]] = {}


@lru_cache(maxsize=2)
def _lowered_from(ascii_only: bool) -> dict[int, list[int]]:
    """For each lower-case form the engine folds to, the characters that fold to it (where not themselves)."""
    lower = _sre.ascii_tolower if ascii_only else _sre.unicode_tolower
    out: dict[int, list[int]] = {}
    for c in map(ord, _all_characters()):
        low = lower(c)
        if low != c:
            out.setdefault(low, []).append(c)
    return out


@lru_cache(maxsize=4096)
def _caseless(c: int, ascii_only: bool) -> tuple[int, ...]:
    """The characters a literal `c` matches under IGNORECASE, sorted: those the engine folds to the same
    lower-case form as `c` or to one of its extra case forms (`re._casefix`), each confirmed by the
    engine itself on the literal."""
    lower = _sre.ascii_tolower if ascii_only else _sre.unicode_tolower
    forms = {lower(c), *(() if ascii_only else _casefix._EXTRA_CASES.get(lower(c), ()))}
    folded = _lowered_from(ascii_only)
    candidates = {c, *forms, *(x for f in forms for x in folded.get(f, ()))}
    flags = re.IGNORECASE | (re.ASCII if ascii_only else re.UNICODE)
    literal = re.compile(re.escape(chr(c)), flags)
    return tuple(
        sorted(x for x in candidates if not _SURROGATES[0] <= x < _SURROGATES[1] and literal.fullmatch(chr(x)))
    )


def _node_key(op: Any, av: Any) -> str:
    key = repr((op, av))
    _NODES.setdefault(key, (op, av))
    return key


# A class of more ranges than this is coarsened (its closest ranges joined, a superset) so that a gate stays
# small and fast; classes stay exact where English text lives: ASCII and Latin-1, the general punctuation.
MAX_RANGES = 24
_EXACT = ((0, 0xFF), (0x2000, 0x206F))


def _coarse(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """`ranges` (sorted, apart) joined across their smallest gaps until at most `MAX_RANGES` are left, never
    across a gap holding a character of `_EXACT`. (Joining two ranges leaves the other gaps as they were, so
    the gaps to close are simply the smallest ones.)"""
    if len(ranges) <= MAX_RANGES:
        return list(ranges)
    gaps = sorted(
        (ranges[i + 1][0] - ranges[i][1], i)
        for i in range(len(ranges) - 1)
        if not any(ranges[i][1] < hi and lo < ranges[i + 1][0] for lo, hi in _EXACT)
    )
    closed = {i for _, i in gaps[: len(ranges) - MAX_RANGES]}
    out = [list(ranges[0])]
    for i in range(1, len(ranges)):
        if i - 1 in closed:
            out[-1][1] = ranges[i][1]
        else:
            out.append(list(ranges[i]))
    return [(lo, hi) for lo, hi in out]


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    ranges = _coarse(sorted(ranges))
    parts = [f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in ranges]
    return f"[{''.join(parts)}]" if parts else r"[^\x{0}-\x{10FFFF}]"


def _characters(op: Any, av: Any, flags: int) -> str:
    """A character node as a class of the characters Python matches there (cached: rule banks repeat them)."""
    return _characters_of(_node_key(op, av), flags)


@lru_cache(maxsize=4096)
def _characters_of(node: str, flags: int) -> str:
    op, av = _NODES[node]
    if flags & re.LOCALE:
        raise Untranslatable("locale-dependent matching")
    if op is sre.ANY:
        return r"(?s:.)" if flags & re.DOTALL else r"[^\n]"
    caseless = flags & re.IGNORECASE
    if op in (sre.LITERAL, sre.NOT_LITERAL):
        same = _caseless(av, bool(flags & re.ASCII) or not flags & re.UNICODE) if caseless else (av,)
        if op is sre.LITERAL:
            return _class((c, c) for c in same)
        bounds = [-1, *same, 0x110000]
        return _class((a + 1, b - 1) for a, b in zip(bounds, bounds[1:], strict=False) if a + 1 <= b - 1)
    if op is sre.IN and not caseless and all(o in (sre.LITERAL, sre.RANGE) for o, _ in av):
        ranges = sorted((a, a) if o is sre.LITERAL else a for o, a in av)
        return _class(ranges)
    return _class(_matched(_node_key(op, av), flags & _CHAR_FLAGS))


def _at(code: Any, flags: int, reverse: bool) -> str:
    """Anchors: exact where the column engine has them, `$` as any line end (a superset of Python's
    end-or-before-a-final-newline); word boundaries, whose `\\w` differs, as nothing."""
    multiline = bool(flags & re.MULTILINE)
    start, end = ("(?m:^)" if multiline else "^"), "(?m:$)"
    table = {
        sre.AT_BEGINNING: (start, "(?m:$)" if multiline else "$"),
        sre.AT_BEGINNING_STRING: (r"\A", r"\z"),
        sre.AT_END: (end, "(?m:^)"),
        sre.AT_END_STRING: (r"\z", r"\A"),
        sre.AT_BOUNDARY: ("", ""),
        sre.AT_NON_BOUNDARY: ("", ""),
    }
    if code not in table:
        raise Untranslatable(f"anchor {code}")
    return table[code][reverse]


class _Translator:
    """One pattern's translation. `groups` holds each group's translation, for its back-references."""

    def __init__(self, reverse: bool) -> None:
        self.reverse = reverse
        self.groups: dict[int, str] = {}

    def sequence(self, items: Sequence[tuple[Any, Any]], flags: int, edges: tuple[bool, bool] = (False, False)) -> str:
        """`edges`: whether the sequence starts / ends where the whole pattern does. A look-behind there
        (a look-ahead at the end) reads text the match is next to, so, for a search, it can stand as
        text to match: `X(?=Y)` matches somewhere only where `XY` does."""
        items = list(items)
        last = len(items) - 1
        parts = [
            self.node(op, av, flags, (edges[0] and k == 0, edges[1] and k == last)) for k, (op, av) in enumerate(items)
        ]
        return "".join(reversed(parts) if self.reverse else parts)

    def node(self, op: Any, av: Any, flags: int, edges: tuple[bool, bool]) -> str:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            return _characters(op, av, flags)
        if op is sre.AT:
            return _at(av, flags, self.reverse)
        if op is sre.ASSERT:
            direction, body = av
            if (direction == 1 and edges[1]) or (direction == -1 and edges[0]):
                return self.group(self.sequence(body, flags, (direction == -1, direction == 1)))
            return ""  # a look-around only ever forbids a match
        if op is sre.ASSERT_NOT:
            return ""
        if op is sre.SUBPATTERN:
            group, add, remove, body = av
            inner = self.group(self.sequence(body, (flags | add) & ~remove, edges))
            if group is not None:
                self.groups[group] = inner
            return inner
        if op is sre.ATOMIC_GROUP:
            return self.group(self.sequence(av, flags, edges))
        if op is sre.BRANCH:
            return "(?:" + "|".join(self.sequence(alt, flags, edges) for alt in av[1]) + ")"
        if op in _REPEATS:
            lo, hi, body = av
            inner = self.sequence(body, flags)
            if not inner:
                return ""
            lo = min(lo, MAX_COUNT)
            count = f"{{{lo},}}" if hi is sre.MAXREPEAT or hi > MAX_COUNT else f"{{{lo},{hi}}}"
            return f"(?:{inner}){count}"
        if op is sre.GROUPREF:
            return self.groups.get(av, "(?s:.*)")  # whatever the group matched, it matches again
        if op is sre.GROUPREF_EXISTS:
            _, yes, no = av
            return f"(?:{self.sequence(yes, flags)}|{self.sequence(no, flags) if no else ''})"
        raise Untranslatable(f"operator {op}")

    @staticmethod
    def group(inner: str) -> str:
        return f"(?:{inner})" if inner else ""


def _weight(items: Sequence[tuple[Any, Any]]) -> int:
    """Characters a match needs that are not almost any character: how choosy a pattern is (roughly)."""
    total = 0
    for op, av in items:
        if op is sre.LITERAL:
            total += 1
        elif op is sre.IN:
            total += all(o is sre.LITERAL or o is sre.RANGE and av_[1] - av_[0] < 4 for o, av_ in av)
        elif op is sre.SUBPATTERN:
            total += _weight(av[3])
        elif op is sre.ATOMIC_GROUP:
            total += _weight(av)
        elif op is sre.BRANCH:
            total += min(map(_weight, av[1]))
        elif op in _REPEATS:
            total += min(av[0], MAX_COUNT) * _weight(av[2])
    return total


def _conjuncts(items: Sequence[tuple[Any, Any]], before: tuple = ()) -> Iterable[tuple[list, Any]]:
    """(what comes before, body) of each look-ahead the pattern passes through on its way (not inside a
    repeat or a branch): a match holds the text before and then, from there, a match of the body."""
    for k, (op, av) in enumerate(items):
        if op is sre.ASSERT and av[0] == 1:
            yield [*before, *items[:k]], av[1]
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:
            yield from _conjuncts(av[3], (*before, *items[:k]))
        elif op is sre.ATOMIC_GROUP:
            yield from _conjuncts(av, (*before, *items[:k]))


@lru_cache(maxsize=1024)
def _gate(source: str, flags: int, reverse: bool) -> str | None:
    """The pattern's gate: the pattern loosened, or, when one of its look-aheads is choosier than the rest
    of it ("(?=.*?cookie).+$"), the text before that look-ahead followed by the look-ahead's own pattern."""
    try:
        tree = sre_parse.parse(source, flags)
        flags = tree.state.flags
        best = (_weight(tree.data), list(tree.data))
        for before, body in _conjuncts(tree.data):
            items = [*before, (sre.SUBPATTERN, (None, 0, 0, body))]
            best = max(best, (_weight(items), items), key=lambda c: c[0])
        return _Translator(reverse).sequence(best[1], flags, (True, True))
    except (Untranslatable, re.error, RecursionError):
        return None


def gate(pattern: re.Pattern[str], reverse: bool = False) -> str | None:
    """The gate of `pattern` (column-engine syntax): it finds a match in every text where `pattern.search`
    does (in the reversed text, with `reverse`). None: no gate, every text is a candidate."""
    if not isinstance(pattern.pattern, str):
        return None
    return _gate(pattern.pattern, pattern.flags, reverse)


@contextmanager
def engine_errors() -> Iterator[None]:
    """A panic inside the column engine (Rust's, raised as a BaseException) turned into a RuntimeError, which
    the batch runner handles like any other failure of a stage's columns."""
    try:
        yield
    except pl.exceptions.PanicException as exc:
        raise RuntimeError(f"column engine: {exc}") from None


def literal(text: str) -> str:
    """`text` as a column-engine pattern matching exactly it."""
    return "".join(f"\\x{{{ord(c):X}}}" for c in text)


def any_of(gates: Iterable[str | None]) -> str | None:
    """One gate for several: open where any of them is (None if one of them is None)."""
    gates = list(gates)
    if any(g is None for g in gates):
        return None
    return "|".join(f"(?:{g})" for g in gates) if gates else r"[^\x{0}-\x{10FFFF}]"


# Characters beyond ASCII that are no letter, digit, space or cased character for Python's str methods
# and `re` classes. In a text of ASCII and these ("plain", `Column.plain`), Python's Unicode rules act as
# ASCII rules (`\w` is [A-Za-z0-9_], `lower()` lowers A-Z only, `strip()` and `\s` take the ASCII
# whitespace and \x1c-\x1f), so the column engine's ASCII patterns compute what Python computes.
_PLAIN_CANDIDATES = "‘’“”„‚–—…•·«»›‹€£©®™°§¶†‡′″¡¿¦¨¯´¸×÷"
PLAIN_EXTRA = "".join(
    c
    for c in _PLAIN_CANDIDATES
    if not (c.isalnum() or c.isspace() or c.isdigit() or c.isnumeric()) and c.lower() == c.upper() == c.casefold() == c
)
# Python's whitespace (str.isspace, `\s`) within ASCII.
ASCII_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())
ASCII_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in ASCII_SPACE) + "]"


def per_text(words: pl.Series | pl.DataFrame, **aggregations: pl.Expr) -> dict[str, Any]:
    """For each text of a column of word lists, `aggregations` of its list (the column `w`, through the
    list functions: `pl.col("w").list.len()`, `pl.col("w").list.eval(...).list.sum()`): a numpy array of
    int64 for a number (0 for a text without words), else a list ("" for one). Over the lists, not an
    exploded column of words grouped back by text: a third to a half cheaper on a batch's lines.
    `words` may be a frame of such columns (`w` and others the aggregations read).

    >>> words = pl.Series(["Rain, more rain", "---"]).str.extract_all("[A-Za-z]+")
    >>> per_text(words, n=pl.col("w").list.len(), key=pl.col("w").list.join(" "))
    {'n': array([3, 0]), 'key': ['Rain more rain', '']}
    """
    frame = words if isinstance(words, pl.DataFrame) else pl.DataFrame({"w": words})
    found = frame.select(**aggregations)
    out: dict[str, Any] = {}
    for name in aggregations:
        column = found[name]
        if column.dtype.is_numeric():
            out[name] = column.fill_null(0).to_numpy().astype(np.int64)
        else:
            out[name] = column.fill_null("").to_list()
    return out


class Column:
    """Texts as one column of the column engine. Texts it cannot hold (lone surrogates) are candidates
    of every gate, and never plain."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self.unheld = np.zeros(self.size, dtype=bool)
        try:
            self.series = pl.Series(texts, dtype=pl.String)
        except UnicodeEncodeError:
            held = []
            for i, text in enumerate(texts):
                try:
                    text.encode("utf-8")
                    held.append(text)
                except UnicodeEncodeError:
                    self.unheld[i] = True
                    held.append("")
            self.series = pl.Series(held, dtype=pl.String)

    @cached_property
    def plain(self) -> np.ndarray:
        """Per text: made of ASCII and `PLAIN_EXTRA` only."""
        extra = "".join(f"\\x{{{ord(c):X}}}" for c in PLAIN_EXTRA)
        return ~self.series.str.contains(f"[^\\x00-\\x7F{extra}]").to_numpy() & ~self.unheld

    def open(self, gate: str | None) -> np.ndarray:
        """Per text: may the gate's rule match it (False only where it cannot)."""
        if gate is None or self.size == 0:
            return np.ones(self.size, dtype=bool)
        try:
            found = self.series.str.contains(gate).to_numpy().copy()
        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):  # a pattern it refuses: no gate
            return np.ones(self.size, dtype=bool)
        found |= self.unheld
        return found
