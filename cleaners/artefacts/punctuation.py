"""MT punctuation damage: stray full stops in a noun phrase, spaces before commas, doubled or
wrong-way quotation marks, guillemets in English text, unclosed quotations.

Each rule looks for a shape, never for particular words, so it works on any article.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from cleaners import gates
from cleaners.artefacts.spans import Finding, sentences
from cleaners.artefacts.tables import Gazetteer

KIND = "punctuation"
_ABBREV = frozenset("mr mrs ms dr st no vs etc co inc ltd jr sr gen col lt prof approx dept est fig".split())

# "the. study." / "it. had. been": a lowercase word cut off by stops from its neighbours.
_STRAY_STOPS = re.compile(r"\b([A-Za-z]{2,})\. ([a-z]{2,})\.(?=( [a-z])|(\s*$)|( [A-Z]))")
# Patterns that open with a word start at a word's first character (`(?<!\w)`): otherwise a
# 10 MB word is retried from each of its characters, quadratic time.
# "word , next" / "word ." / "14 %"
_SPACE_BEFORE = re.compile(r"(?<!\w)(\w+) ([,.;:%])(?=\s|$|[”\"’])(?: (\w+))?")
# "investor. , United": a stop followed by a comma
_STOP_COMMA = re.compile(r"(?<!\w)(\w+)\. ,")
# doubled closing quotes: "years.””" or "powerful?” ”"
_DOUBLE_CLOSE = re.compile(r"(?<!\w)(\w+)([.,!?]?)”( ?)”")
# wrong-direction pair: ”text“
_REVERSED = re.compile(r"”(?=\S)([^“”\n]{1,400}?)(?<=\S)“")
# guillemets « text » with optional spaces and a comma after
_GUILLEMETS = re.compile(r"« ?([^«»\n]{1,600}?) ?»(,?)")
# a stray opening quote at the end of a sentence: "our nation. “" at paragraph end
_DANGLING_OPEN = re.compile(r"([.!?]) “(?=\s*$)")
_OPEN_QUOTE = re.compile("“")
# ", said …", ", she said …", ", Mallinson said …", ", Anna Petrova told …": where the quotation ends
_SPEECH = re.compile(
    r", (?=(?:(?:he|she|they|we|I|it) |(?:[A-Z][\w’'-]+ ){1,3})?"
    r"(said|says|told|tells|added|adds|asked|explained|stressed|wrote|declared)\b)"
)


# Gates: each rule's pattern needs the literal its gate looks for, so a paragraph without it
# cannot match the rule, and one cheap scan saves the pattern's.
# _STRAY_STOPS needs ". " before two lowercase letters.
_STRAY_GATE = re.compile(r"\. [a-z]{2}")
# _SPACE_BEFORE needs a space directly before one of its marks.
_SPACE_GATE = re.compile(r" [,.;:%]")


def find(text: str, gazetteer: Gazetteer | None = None, next_text: str = "", gate: bool = True) -> list[Finding]:
    """All punctuation findings in one English paragraph. With a gazetteer, a phrase cut by
    stray stops that is an organisation ("security. advice.") gets its name as the fix;
    `next_text` (the following paragraph) tells a quotation continued there from an unclosed one.
    `gate=False` runs every rule without its literal pre-check (the same result, slower)."""
    out: list[Finding] = []
    if not gate or _STRAY_GATE.search(text):
        out += _stray_stops(text, gazetteer)
    if not gate or _SPACE_GATE.search(text):
        out += _space_before(text)
    if not gate or ". ," in text:
        for m in _STOP_COMMA.finditer(text):
            out.append(Finding(KIND, m.start(), m.end(), m.group(0), None, "punctuation:stop_comma", 0.7))
    if not gate or "”" in text:
        out += _double_close(text)
    reversed_pairs = list(_REVERSED.finditer(text)) if not gate or ("”" in text and "“" in text) else []
    for m in reversed_pairs:
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        rep = f"“{m.group(1)}”"
        out.append(Finding(KIND, m.start(), m.end(), m.group(0), rep, "punctuation:reversed_quotes", 0.85))
    if not gate or "«" in text:
        out += _guillemets(text)
    if not gate or "“" in text:
        dangling = list(_DANGLING_OPEN.finditer(text))
        for m in dangling:
            start = m.start() - _word_before(text, m.start())
            rep = text[start : m.start()] + m.group(1) + "”"
            span = text[start : m.end()]
            out.append(Finding(KIND, start, m.end(), span, rep, "punctuation:dangling_open_quote", 0.85))
        closers = {m.end() - 1 for m in dangling}  # the dangling fix turns each into a closing ”
        skip = closers | {m.end() - 1 for m in reversed_pairs}
        out.extend(_unclosed(text, skip, closers, next_text.lstrip().startswith(("“", '"'))))
    return out


def column_gate() -> str | None:
    """The column gate (`cleaners.gates`) of `find`: every finding comes from a match of one of these."""
    patterns = (_STRAY_STOPS, _SPACE_BEFORE, _STOP_COMMA, _DOUBLE_CLOSE, _REVERSED, _GUILLEMETS, _OPEN_QUOTE)
    return gates.any_of(gates.gate(p) for p in patterns)


# Code set in prose with spaces after its dots ("reqHeaders. append (", "response. headers. get ("):
# braces, an assignment, an empty call, or a dotted name before a call.
_CODE = re.compile(r"[{}]|\s=\s|\(\s*\)|\w\.\s\w+\s?\(")
# Emphasis by a stop after every word: "good. on. you." / "all. of. you…" (a third stopped word).
_EMPHASIS = re.compile(r"\s*[A-Za-z]+(?:\.|…)")


def _emphasis(text: str, m: re.Match[str]) -> bool:
    """A clause spelt out word by word, each word stopped ("You, good. on. you."): a third stopped
    word follows, and the run opens a clause (after a mark or at the start), where MT's stray stops
    cut a phrase after an ordinary word ("the highest. court. sat.")."""
    before = text[: m.start()].rstrip()
    return _EMPHASIS.match(text, m.end()) is not None and (not before or before[-1] in ",;:.!?…—–-")


def _stray_stops(text: str, gazetteer: Gazetteer | None) -> list[Finding]:
    """ "the. study. that says": stops that cut a phrase of lower-case words. Not in code written
    with spaces after its dots, nor in emphasis that stops after every word ("good. on. you.")."""
    out = []
    for m in _STRAY_STOPS.finditer(text):
        if m.group(1).lower() in _ABBREV:
            continue
        if _emphasis(text, m) or _CODE.search(_line(text, m.start())):
            continue
        continues = m.group(3) is not None
        joined = f"{m.group(1)} {m.group(2)}"
        found = gazetteer.match(joined) if gazetteer is not None else None
        if found is not None and not _verbatim_running_text(joined, found[0], gazetteer):
            joined = found[0]
        rep = joined + ("" if continues else ".")
        out.append(Finding(KIND, m.start(), m.end(), m.group(0), rep, "punctuation:stray_stops", 0.8))
    return out


# Words that cannot end a sentence: a stop after them, spaced, marks a word lost before it.
_OPEN_ENDED = frozenset("the a an of to at in on by for with from since and or".split())


def _space_before(text: str) -> list[Finding]:
    out = []
    for m in _SPACE_BEFORE.finditer(text):
        mark = m.group(2)
        if mark == "%" and not m.group(1).isdigit():
            continue
        if mark == "." and m.group(3):
            continue  # "word . next": a spaced ellipsis or list, not clearly damage
        if mark == "." and text.startswith(" .", m.end()):
            continue  # "Fighting . . . And": a spaced ellipsis
        if mark == "." and m.group(1).lower() in _OPEN_ENDED:
            continue  # "editing this post since .": a value is missing, the space is not the error
        rep = f"{m.group(1)}{mark}" + (f" {m.group(3)}" if m.group(3) else "")
        out.append(Finding(KIND, m.start(), m.end(), m.group(0), rep, "punctuation:space_before", 0.95, True))
    return out


def _double_close(text: str) -> list[Finding]:
    out = []
    for m in _DOUBLE_CLOSE.finditer(text):
        stop = m.group(2)
        after = text[m.end() : m.end() + 2]
        # "day.”” said" / "day.”” Name said": the stop of a quote followed by attribution is a comma
        if stop == "." and after.startswith(" "):
            stop = ","
        rep = f"{m.group(1)}{stop}”"
        out.append(Finding(KIND, m.start(), m.end(), m.group(0), rep, "punctuation:double_quote", 0.95, True))
    return out


def _guillemets(text: str) -> list[Finding]:
    out = []
    for m in _GUILLEMETS.finditer(text):
        inner = m.group(1).strip()
        comma = m.group(2)
        if comma and inner[-1:] not in ".!?,":
            inner += ","
        rep = f"“{inner}”"
        out.append(Finding(KIND, m.start(), m.end(), m.group(0), rep, "punctuation:guillemets", 0.85))
    return out


def _verbatim_running_text(phrase: str, canonical: str, gazetteer: Gazetteer) -> bool:
    """A lowercase phrase that spells an organisation's name word for word ("national bank") is
    running text, kept in its own case; one a synonym changed ("security advice") is its calque."""
    return phrase.islower() and gazetteer.spelled(phrase) == gazetteer.spelled(canonical)


def _word_before(text: str, pos: int) -> int:
    """Length of the word directly before `pos` (to include it in the span)."""
    i = pos
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return pos - i


def _line(text: str, pos: int) -> str:
    """The line of `text` around `pos`."""
    end = text.find("\n", pos)
    return text[text.rfind("\n", 0, pos) + 1 : end if end >= 0 else len(text)]


# Marks that close a “ quotation: writers mix curly and straight quotes ("“We left," she said)
# and scraped pages turn some closing marks into double primes (“Evil Dead 2″).
_CLOSERS = ("”", '"', "″")


def _unclosed(text: str, skip: set[int], closers: set[int], continued: bool) -> list[Finding]:
    """Opening “ never closed before the next “ or the paragraph's end. A quotation running
    to the paragraph's end is the multi-paragraph convention when the next one opens a quote.
    A dangling “ (in `closers`) is the misplaced closing mark of the quotation before it. A
    paragraph with as many ” as “ nests quotations in the same marks ("“He said the “fans” left.”"):
    every quotation is closed, whichever mark closes which."""
    opens = [m.start() for m in _OPEN_QUOTE.finditer(text) if m.start() not in skip]
    if not skip and len(opens) <= text.count("”"):
        return []
    out = []
    bounds = sentences(text)
    starts = [s for s, _ in bounds]
    for n, pos in enumerate(opens):
        nxt = opens[n + 1] if n + 1 < len(opens) else len(text)
        if any(text.find(c, pos, nxt) >= 0 for c in _CLOSERS) or any(pos < c < nxt for c in closers):
            continue
        k = bisect_right(starts, pos) - 1  # bisect, not a scan: a paragraph of 10^5 quotes stays linear
        sent_end = bounds[k][1] if k >= 0 and pos < bounds[k][1] else len(text)
        if nxt < len(text) and nxt < sent_end:
            continue  # another quote opens in the same sentence: nesting we cannot resolve
        if nxt >= len(text) and continued:
            continue
        end = min(sent_end, nxt) if nxt < len(text) else len(text)
        span = text[pos:end].rstrip()
        end = pos + len(span)
        speech = _SPEECH.search(span)
        if speech:
            rep = span[: speech.start()] + ",”" + span[speech.start() + 1 :]
        else:
            rep = span + "”"
        out.append(Finding(KIND, pos, end, span, rep, "punctuation:unclosed_quote", 0.7))
    return out
