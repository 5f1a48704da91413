"""What `corpusclean explain FILE` prints: each decision on a file's documents (removed, fixed,
flagged), the text it concerns and why, in words from `cleaners/data/explanations.toml`.

Only the per-document stages are explained (`cleaners.api.clean_file`): decisions that need the
corpus (lines a site repeats, name spellings, near-duplicates) are named as not judged, since one
file alone cannot decide them.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from cleaners.api import Cleaned
from cleaners.document import Event
from cleaners.settings import DATA_DIR

EXPLANATIONS = DATA_DIR / "explanations.toml"
SHOWN_CHARS = 300  # longer texts are cut in the listing (`--json` gives them whole)

NOT_JUDGED = (
    "Not judged here, as they need the whole corpus: lines a site repeats (chrome:learned), name spellings "
    "attested elsewhere (transliteration:corpus) and near-duplicate paragraphs (dedup). A run records "
    "them in clean/_report/events.jsonl."
)


@cache
def load_explanations(path: Path = EXPLANATIONS) -> dict[str, dict[str, str]]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {"kinds": dict(data.get("kinds", {})), "rules": dict(data.get("rules", {}))}


def why(event: Event, explanations: dict[str, dict[str, str]] | None = None) -> str:
    """The reason for one decision in words: its rule's, else its kind's (and a rule-bank family's name).

    >>> print(why(Event(doc="a", paragraph=0, kind="chrome", action="removed", text="x", rule="chrome:breadcrumb")))
    site furniture (menus, share bars, bylines, related links, footers) that is not part of the article; \
matched by the chrome rule bank's 'breadcrumb' family (chrome_rules.toml)
    """
    words = explanations or load_explanations()
    if event.rule in words["rules"]:
        return words["rules"][event.rule]
    reason = words["kinds"].get(event.kind, f"a {event.kind} decision")
    if event.rule.startswith("chrome:"):
        reason += f"; matched by the chrome rule bank's {event.rule.split(':', 1)[1]!r} family (chrome_rules.toml)"
    return reason


def _shown(text: str) -> str:
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    return f"{text[:SHOWN_CHARS]!r}... ({len(text) - SHOWN_CHARS} more characters)"


def explain_event(event: Event) -> list[str]:
    """The lines of one decision."""
    where = f"paragraph {event.paragraph}"
    if event.start is not None:
        where += f", characters {event.start}-{event.end}"
    notes = [event.rule, f"confidence {event.confidence:.2f}"]
    if event.lang:
        notes.append(f"language {event.lang}")
    if event.override:
        notes.append(f"reviewer {event.override}")
    lines = [f"  {event.action:<8} {event.kind:<16} {where}  ({', '.join(notes)})", f"    {_shown(event.text)}"]
    if event.replacement is not None:
        label = "->" if event.action == "fixed" else "suggestion:"
        lines.append(f"    {label} {_shown(event.replacement)}")
    lines.append(f"    why: {why(event)}")
    return lines


def explain_documents(cleaned: list[Cleaned]) -> str:
    """The whole listing for one file's documents."""
    out = []
    for c in cleaned:
        doc = c.document
        if c.status == "error":
            out.append(f"{doc.id}: error: {c.error}")
            continue
        if c.status == "empty":
            out.append(f"{doc.id}: empty (no text)")
            continue
        actions = {a: sum(e.action == a for e in c.events) for a in ("removed", "fixed", "flagged")}
        out.append(
            f"{doc.id}: {c.status}, language {c.language or 'und'}, paragraphs {doc.paragraphs_in} in, "
            f"{len(doc.live)} out; " + ", ".join(f"{n} {a}" for a, n in actions.items())
        )
        for event in c.events:
            out.extend(explain_event(event))
    out += ["", NOT_JUDGED]
    return "\n".join(out) + "\n"
