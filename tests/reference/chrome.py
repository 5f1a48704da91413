"""References for `cleaners.chrome.match_line` and `find_fragments`."""

from __future__ import annotations

from cleaners.chrome import ChromeRules, Family, _fragments


def match_line(rules: ChromeRules, line: str, zone: frozenset[str] = frozenset({"any"})) -> Family | None:
    """`match_line` written plainly, pattern by pattern."""
    text = line.strip()
    if not text or len(text) > rules.max_line_chars:
        return None
    for fam in rules.families:
        if fam.zone != "any" and fam.zone not in zone:
            continue
        if any(p.fullmatch(text) for p in fam.patterns):
            return fam
    return None


def find_fragments(rules: ChromeRules, line: str) -> list[tuple[int, int, Family]]:
    """`find_fragments` written plainly, tail by tail."""
    tails = [(tail, fam) for fam in rules.families if fam.kind == "fragment" for tail in fam.tails]

    def first_match(rest: str, start: int) -> tuple[int, int, Family] | None:
        return next(((start, m.end("frag"), fam) for tail, fam in tails if (m := tail.match(rest, start))), None)

    return _fragments(rules, line.rstrip(), first_match)
