"""Site chrome: lines that belong to the web page, not to the article.

Two passes. `strip_chrome` applies the rule bank (`data/chrome_rules.toml`, families of
patterns) to one document. `ChromeModel` learns, over a whole corpus, the short lines that a
site repeats in many of its documents (mostly near the head or tail) and removes them too.
Precision comes first: the title is never touched, prose is never learned, and header rules
only take headline-like lines after them.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from cleaners import article, gates
from cleaners.chrome_fast import FastRules
from cleaners.document import Document, Event, Paragraph
from cleaners.language import foreign_prose, quick_english
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts

KINDS = ("line", "fragment", "header")
# Rounds of the article-line model over what is left of a page, at most (`_judge_lines`).
MAX_MODEL_ROUNDS = 4
# Rules of the article-line model's removals (`_judge_lines`).
MODEL_RULES = frozenset({"chrome:article_model", "chrome:outside_article"})
ZONES = ("any", "head", "tail")
TAKES = ("links", "block")

# Where a glued fragment may start: right after sentence punctuation (or a closing quote or
# bracket); a bracketed fragment ("... at dawn (Photo: Agency)") may also follow a plain space.
_FRAGMENT_LEAD = re.compile(r"[.!?…\"”’»)\]]\s*|\s(?=[(\[])")
_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’»)]*\s+\S")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Family:
    """One kind of chrome: a name, how its patterns are applied, and the compiled patterns."""

    name: str
    kind: str
    patterns: tuple[re.Pattern[str], ...]
    tails: tuple[re.Pattern[str], ...]  # fragment kind: the patterns anchored at line end
    confidence: float = 0.9
    zone: str = "any"
    take: str = "links"

    @property
    def rule(self) -> str:
        return f"chrome:{self.name}"


@dataclass(frozen=True)
class ChromeRules:
    families: tuple[Family, ...]
    max_line_chars: int = 1000
    fragment_window: int = 300
    edge_paragraphs: int = 4
    max_link_words: int = 20
    max_link_chars: int = 200
    # the article-line model (`cleaners.article`); None: rules only
    lines: article.LineModel | None = None

    @cached_property
    def fast(self) -> FastRules:
        """The families compiled for speed (built once per rule bank, on first use)."""
        return FastRules(self.families)


def load_rules(path: Path, model: Path | None = None) -> ChromeRules:
    """Compile the rule bank once per process (cached by resolved path), with the article-line model
    of `model` when one is given."""
    rules = _load_rules(str(Path(path).resolve()))
    if model is None:
        return rules
    return _with_model(rules, str(Path(model).resolve()))


@lru_cache(maxsize=8)
def _with_model(rules: ChromeRules, model: str) -> ChromeRules:
    return dataclasses.replace(rules, lines=article.load_model(model))


@lru_cache(maxsize=8)
def _load_rules(path: str) -> ChromeRules:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return rules_from_dict(data, source=path)


def rules_from_dict(data: dict[str, Any], source: str = "<dict>") -> ChromeRules:
    """Build rules from the TOML structure (also used by tests with inline rule banks)."""
    limits = data.get("limits", {})
    families = []
    for i, raw in enumerate(data.get("family", [])):
        name = raw.get("name") or f"family{i}"
        kind = raw.get("kind", "line")
        zone = raw.get("zone", "any")
        take = raw.get("take", "links")
        if kind not in KINDS or zone not in ZONES or take not in TAKES:
            raise ValueError(f"{source}: family {name!r} has an unknown kind, zone or take")
        flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
        try:
            patterns = tuple(re.compile(p, flags) for p in raw.get("patterns", []))
            tails = ()
            if kind == "fragment":
                tails = tuple(re.compile(f"(?P<frag>{p.pattern})\\s*$", flags) for p in patterns)
        except re.error as exc:
            raise ValueError(f"{source}: family {name!r}: bad pattern: {exc}") from exc
        families.append(Family(name, kind, patterns, tails, float(raw.get("confidence", 0.9)), zone, take))
    return ChromeRules(
        families=tuple(families),
        max_line_chars=int(limits.get("max_line_chars", 1000)),
        fragment_window=int(limits.get("fragment_window", 300)),
        edge_paragraphs=int(limits.get("edge_paragraphs", 4)),
        max_link_words=int(limits.get("max_link_words", 20)),
        max_link_chars=int(limits.get("max_link_chars", 200)),
    )


# --- matching ----------------------------------------------------------------------------


def match_line(rules: ChromeRules, line: str, zone: frozenset[str] = frozenset({"any"})) -> Family | None:
    """The first family whose pattern matches the whole line (None: not chrome by rule)."""
    text = line.strip()
    if not text or len(text) > rules.max_line_chars:
        return None
    return rules.fast.match(text, zone)


def find_fragments(rules: ChromeRules, line: str) -> list[tuple[int, int, Family]]:
    """Chrome glued to the end of a content line: (start, end, family), left to right.

    A fragment starts after sentence punctuation and runs to the end of the line. Only the last
    `fragment_window` characters are searched, so a huge line costs little; at each possible
    start the earliest (longest) fragment wins.
    """
    rest = line.rstrip()
    tails = rules.fast.tails(rest)
    if tails is None:
        return []
    return _fragments(rules, rest, tails.first_match)


def _fragments(rules: ChromeRules, rest: str, first_match: Any) -> list[tuple[int, int, Family]]:
    """The fragment loop; `first_match(rest, start)` gives the first family's fragment at `start`."""
    found: list[tuple[int, int, Family]] = []
    for _ in range(3):  # a line rarely carries more than a credit and a prompt
        hit = None
        for lead in _FRAGMENT_LEAD.finditer(rest, max(0, len(rest) - rules.fragment_window)):
            hit = first_match(rest, lead.end())
            if hit:
                break
        if hit is None:
            break
        head = rest[: hit[0]].rstrip()
        if not head:
            break
        found.insert(0, hit)
        rest = head
    return found


def headline_like(line: str, max_words: int = 20, max_chars: int = 200) -> bool:
    """A link teaser: short, one sentence, no final sentence punctuation ('?' is allowed)."""
    text = line.strip()
    if not text or text[0].islower() or len(text) > max_chars or len(text.split()) > max_words:
        return False
    if text[-1] in ".!;:,…":
        return False
    return not _SENTENCE_BREAK.search(text)


def prose_like(line: str, max_words: int) -> bool:
    """Long, or made of several real sentences: content, never learned as chrome."""
    text = line.strip()
    if len(text.split(None, max_words)) > max_words:  # more than max_words words: the split stops after those
        return True
    sentences = [s for s in _SENTENCE_SPLIT.split(text) if len(s.split()) >= 4]
    return len(sentences) >= 2


def _is_title(p: Paragraph, li: int) -> bool:
    return p.index == 0 and li == 0


# --- the per-document rule pass ----------------------------------------------------------


@dataclass
class _Plan:
    removed: dict[int, tuple[str, float]]
    cuts: dict[int, list[tuple[int, int, str, float]]]


@dataclass(frozen=True)
class KnownLines:
    """What the chrome stage's columns tell of a batch's lines (`chrome_columns`): their article-line
    features and English verdicts where computed, the lines no fragment pattern can match, and those no
    family's pattern can match whole."""

    article: article.KnownLines = article.NO_LINES
    english: dict[str, tuple[int, bool | None]] = dataclasses.field(default_factory=dict)
    no_fragment: frozenset[str] = frozenset()
    no_rule: frozenset[str] = frozenset()
    # per document id: the article-line model's first round (the page as read), as (its lines, their
    # feature rows, their probabilities)
    first_round: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = dataclasses.field(default_factory=dict)
    # per document id: what `strip_chrome(..., defer=True)` left for `finish_chrome`
    deferred: dict[str, _Page] = dataclasses.field(default_factory=dict)


def chrome_columns(docs: list[Document], rules: ChromeRules) -> KnownLines:
    """The chrome stage's columns over every line of the batch's documents: the gates (`cleaners.gates`) of
    the fragment patterns, on the line without its trailing space as `find_fragments` searches it, and of
    each family, on the stripped line as `match_line` matches it; for the article-line model, the lines'
    own features and the model's first round over every page (`first_round`), which sees the page as
    read, before any rule took a line: its feature rows built for the pages together
    (`article.features_many`) and its trees walked for a few thousand rows at a time. (The English
    pre-check over a column costs about what it saves here: it stops at half a page's long lines.)"""
    # each page's non-blank lines by paragraph (the model's rounds read them), and the batch's distinct lines
    pages = [[[line for line in p.lines if line.strip()] for p in doc.live] for doc in docs]
    lines = list(dict.fromkeys(line for page in pages for block in page for line in block))
    if not lines:
        return KnownLines()
    fragments = gates.any_of(gates.gate(p) for fam in rules.families if fam.kind == "fragment" for p in fam.patterns)
    open_ = gates.Column([line.rstrip() for line in lines]).open(fragments)
    no_fragment = frozenset(line for line, is_open in zip(lines, open_, strict=True) if not is_open)
    stripped = gates.Column([line.strip() for line in lines])
    open_ = np.zeros(len(lines), dtype=bool)
    family_gates = rules.fast.family_gates
    for k in range(0, len(family_gates), _FAMILIES_PER_PASS):
        open_ |= stripped.open(gates.any_of(family_gates[k : k + _FAMILIES_PER_PASS]))
    no_rule = frozenset(line for line, is_open in zip(lines, open_, strict=True) if not is_open)
    if rules.lines is None:
        return KnownLines(no_fragment=no_fragment, no_rule=no_rule)
    own = article.line_columns(lines)
    first_round = {}
    for doc, page, (rows, probabilities) in zip(
        docs, pages, article.page_probabilities(rules.lines, pages, own), strict=True
    ):
        first_round[doc.id] = ([line for block in page for line in block], rows, probabilities)
    return KnownLines(own, no_fragment=no_fragment, no_rule=no_rule, first_round=first_round)


# Family gates run in one pass over the column: a union of all of them is too large for the column
# engine's fast automaton (twice as slow as one pass per family), four take half the time of one each.
_FAMILIES_PER_PASS = 4


def strip_chrome(
    doc: Document,
    rules: ChromeRules,
    known: KnownLines | None = None,
    verdicts: Verdicts = NO_VERDICTS,
    defer: bool = False,
) -> None:
    """Remove chrome lines and glued fragments found by the rule bank and, when `rules.lines` holds the
    article-line model, the lines it judges outside the article; append events. `known`: the batch's
    `chrome_columns` (what they hold is what the functions here would compute, only sooner).

    The first line is the headline and never removed, unless it is the page's HTML title ("Headline -
    Site name") with the headline itself printed below it: then that line is the headline, and a document
    without a site (a flat folder) takes the site the title names.

    `defer` (with `known`): only the rule pass, which runs user patterns and so belongs under the
    document's time limit; the model's later rounds and the rewrite are left in `known` for
    `finish_chrome`, which runs the rounds of the whole batch together (one feature build and tree walk
    for all its pages instead of one per page: a third of the stage's time). The document is not
    changed until then (but for the site an HTML title names)."""
    if defer and known is None:
        raise ValueError("defer needs the batch's columns (known) to leave the rest in")
    known = known or KnownLines()
    page = _rule_pass(doc, rules, known)
    if defer:
        known.deferred[doc.id] = page
        return
    if page.rounds is not None:
        _judge_together(page.rounds.model, [page.rounds], known)
    _rewrite_page(doc, page, verdicts)


def finish_chrome(docs: list[Document], known: KnownLines, verdicts: Verdicts = NO_VERDICTS) -> dict[int, Exception]:
    """The work `strip_chrome(..., defer=True)` left for the batch: the article-line model's rounds over
    every page at once, then each document's rewrite. Returns the documents whose rewrite failed, by
    position, with why. If the rounds fail, no document's text or events have been changed (and
    `strip_chrome` without `defer` then gives each one the same result alone)."""
    pages = [known.deferred.pop(doc.id) for doc in docs]
    rounds = [page.rounds for page in pages if page.rounds is not None]
    if rounds:
        _judge_together(rounds[0].model, rounds, known)
    failed: dict[int, Exception] = {}
    for k, (doc, page) in enumerate(zip(docs, pages, strict=True)):
        try:
            _rewrite_page(doc, page, verdicts)
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
            failed[k] = exc
    return failed


@dataclass
class _Page:
    """A document between the rule pass and its rewrite: its live paragraphs, their plans, the headline
    and the article-line model's rounds (None without the model, or on a page it leaves alone)."""

    live: list[Paragraph]
    plans: list[_Plan]
    headline: tuple[int, int]
    rounds: _Rounds | None


def _rule_pass(doc: Document, rules: ChromeRules, known: KnownLines) -> _Page:
    """The rule bank over the document's lines (removals and cuts planned, nothing changed yet), and the
    article-line model's rounds ready to run where the page has English prose for it."""
    live = doc.live
    n = len(live)
    plans = [_Plan({}, {}) for _ in live]
    headline = _headline(live)
    if headline != (0, 0):
        plans[0].removed[0] = ("chrome:html_title", 0.9)
        if not doc.site:
            doc.site = _site_in_title(live[0].lines[0], live[headline[0]].lines[headline[1]])
    for pi, p in enumerate(live):
        lines = p.lines
        zone = _zone(pi, n, edge_size(n, rules.edge_paragraphs))
        plan = plans[pi]
        for li, line in enumerate(lines):
            if li in plan.removed or (pi, li) == headline or not line.strip():
                continue
            fam = None if line in known.no_rule else match_line(rules, line, zone)
            if fam is None:
                cuts = [] if line in known.no_fragment else find_fragments(rules, line)
                if cuts:
                    plan.cuts[li] = [(s, e, f.rule, f.confidence) for s, e, f in cuts]
                continue
            plan.removed[li] = (fam.rule, fam.confidence)
            if fam.kind == "header":
                _take_after_header(rules, live, plans, pi, li, fam)
    rounds = None
    if rules.lines is not None and _english_prose(live, known.english):
        rounds = _Rounds(rules.lines, live, plans, headline, known.first_round.get(doc.id))
    return _Page(live, plans, headline, rounds)


def _rewrite_page(doc: Document, page: _Page, verdicts: Verdicts) -> None:
    for p, plan in zip(page.live, page.plans, strict=True):
        if plan.removed or plan.cuts:
            _rewrite(doc, p, plan.removed, plan.cuts, verdicts)


def _headline(live: list[Paragraph]) -> tuple[int, int]:
    """(paragraph, line) of the headline among the live paragraphs: the first line, unless it is an HTML
    title whose headline part (a piece before " - ", " | "...) is printed again on a later line of its own.
    A first line printed again whole is a repeated title, and stays the headline."""
    if not live:
        return (0, 0)
    first = live[0].lines[0]
    parts = article.html_title_parts(first)
    if len(parts) < 2:
        return (0, 0)
    whole = article.title_key(first)
    keys = {article.title_key(part) for part in parts} - {"", whole}
    for pi, p in enumerate(live):
        for li, line in enumerate(p.lines):
            if (pi, li) != (0, 0) and line.strip() and article.title_key(line) in keys:
                return (pi, li)
    return (0, 0)


def _site_in_title(title: str, headline: str) -> str:
    """The site an HTML title names beside its headline ("Headline - The Daily Example" -> "the daily
    example"): pages of a flat folder have no site of their own, and the learned chrome is per site."""
    parts = article.html_title_parts(title)
    key = article.title_key(headline)
    rest = [p for p in parts if article.title_key(p) != key]
    return " ".join(rest[-1].split()).casefold() if rest else ""


class _Rounds:
    """The article-line model's rounds over one page, which mark the lines it puts outside the article:
    below `keep_inside` in the main region, below `keep_outside` out of it (`chrome:article_model`,
    `chrome:outside_article`).

    The first round sees the page as read, as the model was trained. A line's verdict depends on its
    neighbours, so the model then judges what is left again, as a second cleaning of the output would,
    until it takes nothing more: the clean text is a fixed point (cleaning it again changes nothing).
    A round at a time (`pending`, then `take`), so that `_judge_together` can build the rows of many
    pages' rounds at once. `first_round`: the first round's lines, rows and probabilities from
    `chrome_columns`, used when the lines are the page's."""

    def __init__(
        self,
        model: article.LineModel,
        live: list[Paragraph],
        plans: list[_Plan],
        headline: tuple[int, int],
        first_round: tuple[list[str], np.ndarray, np.ndarray] | None,
    ) -> None:
        self.model, self.live, self.plans, self.headline = model, live, plans, headline
        self.first_round = first_round
        self.lines_of = [p.lines for p in live]
        self.round = 0
        self.done = False
        self.where: list[tuple[int, int]] = []  # the lines of the round under way, as (paragraph, line)

    def pending(self) -> list[list[str]] | None:
        """The blocks (paragraphs' lines) of the next round whose rows must be built, or None when the
        page is done. A round whose rows are known (the first, from the batch's columns) is taken here."""
        while not self.done and self.round < MAX_MODEL_ROUNDS:
            where = [
                (pi, li)
                for pi, lines in enumerate(self.lines_of)
                for li, line in enumerate(lines)
                if line.strip() and (self.round == 0 or li not in self.plans[pi].removed)
            ]
            if not where or where == self.where:
                break  # the same lines as the round before, which took none of them: the same verdicts
            self.where = where
            first = self.first_round
            if self.round == 0 and first is not None and first[0] == [self.lines_of[pi][li] for pi, li in where]:
                self.take(first[1], first[2])
                continue
            blocks: list[list[str]] = [[] for _ in self.live]
            for pi, li in where:
                blocks[pi].append(self.lines_of[pi][li])
            return blocks
        self.done = True
        return None

    def take(self, rows: np.ndarray, probabilities: np.ndarray) -> None:
        """Mark what the round under way takes, from its rows and their probabilities."""
        model, where = self.model, self.where
        inside = rows[:, _F["in_region"]] > 0
        # below its threshold, and not a sentence beside the region (kept outside it): the lines to take
        below = probabilities < np.where(inside, model.keep_inside, model.keep_outside)
        lines = [self.lines_of[pi][li] for pi, li in where]
        taken = 0
        for k in np.flatnonzero(below & (inside | ~_sentences_by_region(rows, lines))).tolist():
            pi, li = where[k]
            if (pi, li) == self.headline or li in self.plans[pi].removed:
                continue
            rule = "chrome:article_model" if inside[k] else "chrome:outside_article"  # MODEL_RULES
            self.plans[pi].removed[li] = (rule, round(float(1.0 - probabilities[k]), 2))
            taken += 1
        if not taken and self.round > 0:
            self.done = True
        self.round += 1


def _judge_together(model: article.LineModel, pages: list[_Rounds], known: KnownLines) -> None:
    """Every page's rounds to the end, each round of all the pages that still have one built and walked
    at once (`article.page_probabilities`): the same rows and probabilities as page by page."""
    while True:
        active = [(page, blocks) for page in pages if (blocks := page.pending()) is not None]
        if not active:
            return
        judged = article.page_probabilities(model, [blocks for _, blocks in active], known.article)
        for (page, _), (rows, probabilities) in zip(active, judged, strict=True):
            page.take(rows, probabilities)


_F = {name: i for i, name in enumerate(article.FEATURES)}


def _sentences_by_region(rows: np.ndarray, lines: list[str]) -> np.ndarray:
    """Per row: a line next to the main region (two lines away at most) that is a sentence: a talk's
    opening line, a closing remark, an article's last line after a quote. The region is drawn around
    long prose; a short sentence at its edge is the article's more often than not. A sentence in English
    has the English function words the model reads prose by; one in another Latin-script language (a
    quotation, a paragraph left untranslated) has its own (`foreign_prose`), and the language stage
    flags it: a removal would hide it."""
    near = (
        (rows[:, _F["region_distance"]] <= np.log1p(2))
        & (rows[:, _F["terminal"]] > 0)
        & (rows[:, _F["logwords"]] >= np.log1p(5))
    )
    english = rows[:, _F["stop_ratio"]] >= 0.25
    kept = near & english
    for k in np.flatnonzero(near & ~english).tolist():
        kept[k] = foreign_prose(lines[k])
    return kept


def _english_prose(live: list[Paragraph], english: dict[str, tuple[int, bool | None]]) -> bool:
    """The page has English prose for the article-line model to find: half its lines of ten words or
    more read as English. The model measures prose by English function words, so on a page in another
    language every line would look like chrome; a page without prose gives it nothing to anchor on."""
    long = [line for p in live for line in p.lines if len(line.split()) >= 10]
    found, left = 0, len(long)
    for line in long:  # stops as soon as the answer is known
        verdict = english[line][1] if line in english else quick_english(line)
        found += verdict is True
        left -= 1
        if 2 * found >= len(long) or 2 * (found + left) < len(long):
            break
    return bool(long) and 2 * found >= len(long)


def edge_size(n: int, edge: int) -> int:
    """Paragraphs at each end that make a document's head and tail; a short document is not
    all head and tail."""
    return min(edge, max(1, n // 3))


def _zone(pi: int, n: int, edge: int) -> frozenset[str]:
    zone = {"any"}
    if pi < edge:
        zone.add("head")
    if pi >= n - edge:
        zone.add("tail")
    return frozenset(zone)


def _take_after_header(
    rules: ChromeRules, live: list[Paragraph], plans: list[_Plan], pi: int, li: int, fam: Family
) -> None:
    """Mark the lines a header owns: its links (or its block), in and after its paragraph."""
    lines = live[pi].lines
    mark = (fam.rule, fam.confidence)
    rest = [j for j in range(li + 1, len(lines)) if lines[j].strip()]
    if fam.take == "block":
        for j in rest:
            plans[pi].removed[j] = mark
        if not rest and pi + 1 < len(live) and _short_block(live[pi + 1].text):
            plans[pi + 1].removed.update({j: mark for j in range(len(live[pi + 1].lines))})
        return
    if rest:
        for j in rest:
            if not headline_like(lines[j], rules.max_link_words, rules.max_link_chars):
                break
            plans[pi].removed[j] = mark
        return
    # The header stands alone: its links are the following one-line-ish paragraphs.
    run: list[int] = []
    q = pi + 1
    while q < len(live):
        qlines = [x for x in live[q].lines if x.strip()]
        if any(match_line(rules, x) for x in qlines):
            break
        if not all(headline_like(x, rules.max_link_words, rules.max_link_chars) for x in qlines):
            break
        run.append(q)
        q += 1
    if run and q < len(live) and not _chrome_paragraph(rules, live[q]):
        # Prose follows: the last headline-like paragraph may be a subheading; keep it.
        run.pop()
    for q in run:
        plans[q].removed.update({j: mark for j in range(len(live[q].lines))})


def _short_block(text: str) -> bool:
    return len(text.split()) <= 80 and len([s for s in _SENTENCE_SPLIT.split(text) if s.strip()]) <= 3


def _chrome_paragraph(rules: ChromeRules, p: Paragraph) -> bool:
    lines = [x for x in p.lines if x.strip()]
    return bool(lines) and all(match_line(rules, x) for x in lines)


def _rewrite(
    doc: Document,
    p: Paragraph,
    removed: dict[int, tuple[str, float]],
    cuts: dict[int, list[tuple[int, int, str, float]]],
    verdicts: Verdicts,
) -> None:
    """Apply line removals and fragment cuts to one paragraph, recording every change."""
    lines = p.lines
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if nonblank and all(i in removed for i in nonblank):
        rule, conf = removed[nonblank[0]]  # the first removed line names the rule (a set lookup: linear)
        if doc.add(_event(doc, p, p.text, None, None, rule, conf), verdicts):
            p.removed = "chrome"
        return
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i in removed:
            rule, conf = removed[i]
            if doc.add(_event(doc, p, line, offsets[i], offsets[i] + len(line), rule, conf), verdicts):
                continue
        elif i in cuts:
            done = [
                s
                for s, e, rule, conf in cuts[i]
                if doc.add(_event(doc, p, line[s:e], offsets[i] + s, offsets[i] + e, rule, conf), verdicts)
            ]
            if done:
                line = line[: min(done)].rstrip()
        kept.append(line)
    p.text = "\n".join(kept)


def _event(doc: Document, p: Paragraph, text: str, start: int | None, end: int | None, rule: str, conf: float) -> Event:
    return Event(
        doc=doc.id,
        paragraph=p.index,
        kind="chrome",
        action="removed",
        text=text,
        start=start,
        end=end,
        rule=rule,
        confidence=conf,
    )


# --- the corpus model ----------------------------------------------------------------------


def _nearest_anchors(anchors: list[str], k: int = 2) -> list[str]:
    """For each position, the k nearest anchors before it (two, so that one repeated prose
    line such as an author bio does not make every document look alike)."""
    out, recent = [], []
    for a in anchors:
        out.append(":".join(recent))
        if a:
            recent = [a, *recent][:k]
    return out


def _fingerprint(line: str) -> str:
    text = line.casefold()
    if not _single_spaced(text):
        text = " ".join(text.split())
    return xxhash.xxh3_64_hexdigest(text.encode("utf-8", "surrogatepass"))[:12]


def _single_spaced(text: str) -> bool:
    """Whether `" ".join(text.split()) == text`, cheaply: every whitespace character but " " is unprintable, so a
    printable text has only spaces, and they are single and inside when not doubled or at an end."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def line_key(line: str) -> str:
    """Normalised form for counting: case, digits, punctuation and spacing do not matter."""
    text = _DIGITS.sub("0", unicodedata.normalize("NFKC", line).casefold())
    chars = [" " if unicodedata.category(c)[0] in "PSZC" else c for c in text]
    return " ".join("".join(chars).split())


class ChromeModel:
    """Short lines that a site repeats across its documents are chrome.

    State is per document, `docs[doc_id] = {"site", "lines": {key: [at_edge, only_title, context]}}`,
    so a document can be forgotten. `context` fingerprints the two nearest anchor lines (the title
    or a prose line) before and after the line: a copy of the same article repeats its short lines
    in the same context, chrome repeats around different articles. `decide` counts, per site and
    key, the distinct contexts: a key is learned when it sits in the head or tail in at least
    `chrome_min_docs` distinct contexts, or anywhere in twice that many, and is not only ever a
    title (titles are content and never removed).
    """

    def __init__(self, settings: Settings, resources: Any = None) -> None:
        self.settings = settings
        self.docs: dict[str, dict[str, Any]] = {}
        self.learned: dict[str, dict[str, list[int]]] = {}

    def observe(self, doc: Document) -> None:
        live = doc.live
        # A paragraph's place in the page as read: the head and tail are the page's, whatever the chrome
        # stage has taken out of them already.
        n = len(doc.paragraphs)
        edge = edge_size(n, self.settings.chrome_edge_paragraphs)
        flat = [(p.index, p, li, line) for p in live for li, line in enumerate(p.lines)]
        prose = [prose_like(line, self.settings.chrome_max_words) for *_, line in flat]  # once per line
        anchors = [
            _fingerprint(line) if _is_title(p, li) or is_prose else ""
            for (_, p, li, line), is_prose in zip(flat, prose, strict=True)
        ]
        before = _nearest_anchors(anchors)
        after = _nearest_anchors(anchors[::-1])[::-1]
        lines: dict[str, list[Any]] = {}
        for i, (pos, p, li, line) in enumerate(flat):
            key = self._learnable(line, prose[i])
            if key is None:
                continue
            entry = lines.setdefault(key, [0, 1, f"{before[i]}|{after[i]}"])
            entry[0] |= int(pos < edge or pos >= n - edge)
            entry[1] &= int(_is_title(p, li))
        # Lines the article-line model already took out are still the site's lines: the model judges a
        # line in its page's context and may take it from one page and not from another, and the site's
        # repetition then takes it from the rest. They count as edge lines of a context of their own.
        for e in doc.events:
            if e.kind == "chrome" and e.rule in MODEL_RULES:
                for line in e.text.split("\n"):
                    key = self._learnable(line)
                    if key is not None:
                        lines.setdefault(key, [1, 0, f"model:{_fingerprint(doc.id)}"])
        self.docs[doc.id] = {"site": doc.site or "", "lines": dict(sorted(lines.items()))}

    def _learnable(self, line: str, prose: bool | None = None) -> str | None:
        """The line's key, unless it is blank, prose (`prose`: `prose_like(line)` when known) or has no letter."""
        text = line.strip()
        if not text or (prose_like(text, self.settings.chrome_max_words) if prose is None else prose):
            return None
        key = line_key(text)
        if not any(c.isalpha() for c in key):
            return None
        return key

    def forget(self, doc_id: str) -> None:
        self.docs.pop(doc_id, None)

    def merge(self, other: ChromeModel) -> ChromeModel:
        for doc_id in sorted(other.docs):
            self.docs[doc_id] = other.docs[doc_id]
        return self

    def decide(self) -> None:
        contexts: dict[str, dict[str, tuple[set[str], set[str]]]] = {}
        not_title: dict[str, set[str]] = {}
        for doc_id in sorted(self.docs):
            entry = self.docs[doc_id]
            site = contexts.setdefault(entry["site"], {})
            for key, (at_edge, only_title, context) in entry["lines"].items():
                anywhere, edges = site.setdefault(key, (set(), set()))
                anywhere.add(context)
                if at_edge:
                    edges.add(context)
                if not only_title:
                    not_title.setdefault(entry["site"], set()).add(key)
        need = max(1, self.settings.chrome_min_docs)
        self.learned = {}
        for site in sorted(contexts):
            keep = {
                key: [len(anywhere), len(edges)]
                for key, (anywhere, edges) in sorted(contexts[site].items())
                if (len(edges) >= need or len(anywhere) >= 2 * need) and key in not_title.get(site, ())
            }
            if keep:
                self.learned[site] = keep

    def apply(self, doc: Document, verdicts: Verdicts = NO_VERDICTS) -> None:
        learned = self.learned.get(doc.site or "", {})
        if not learned:
            return
        need = max(1, self.settings.chrome_min_docs)
        for p in doc.live:
            removed: dict[int, tuple[str, float]] = {}
            for li, line in enumerate(p.lines):
                if _is_title(p, li) or not line.strip():
                    continue
                key = self._learnable(line)
                if key is not None and key in learned:
                    n_docs = learned[key][0]
                    removed[li] = ("chrome:learned", round(min(0.95, 0.6 + 0.1 * (n_docs - need)), 2))
            if removed:
                _rewrite(doc, p, removed, {}, verdicts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "docs": {k: self.docs[k] for k in sorted(self.docs)},
            "learned": self.learned,
        }

    def decisions(self) -> dict[str, Any]:
        """What `apply` needs after `decide`: the learned lines, without the per-document observations."""
        return {"learned": self.learned}

    @classmethod
    def from_decisions(cls, data: dict[str, Any], settings: Settings, resources: Any = None) -> ChromeModel:
        """A decided model that can `apply` (and only that)."""
        return cls.from_dict(data, settings)

    @classmethod
    def from_dict(cls, data: dict[str, Any], settings: Settings, resources: Any = None) -> ChromeModel:
        model = cls(settings)
        model.docs = {k: {"site": v["site"], "lines": dict(v["lines"])} for k, v in data.get("docs", {}).items()}
        model.learned = {s: dict(keys) for s, keys in data.get("learned", {}).items()}
        return model
