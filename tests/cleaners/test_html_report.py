"""The review page: generated, well-formed, offline, escaped, and showing every kind of decision."""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cleaners import html_report
from cleaners.document import KINDS, Event
from cleaners.html_report import write_html_report

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}


class Checker(HTMLParser):
    """Collects tags and attributes and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert not checker.problems, checker.problems[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def ev(doc: str, paragraph: int, kind: str, action: str, text: str, **kw) -> dict:
    return Event(doc=doc, paragraph=paragraph, kind=kind, action=action, text=text, **kw).to_dict()


DOC_A = "gullport-gazette/001_ferry_timetable.txt"
DOC_B = "gullport-gazette/002_ferry_copy.txt"
FEED = "wirefeed/feed.jsonl"
EVIL = "<script>alert('x')</script>"


def rows() -> tuple[list[dict], list[dict], list[dict], dict]:
    docs = [
        {"doc": DOC_A, "status": "ok", "error": None, "language": "en", "site": "gullport-gazette",
         "paragraphs_in": 5, "paragraphs_out": 3},
        {"doc": DOC_B, "status": "ok", "error": None, "language": "en", "site": "gullport-gazette",
         "paragraphs_in": 2, "paragraphs_out": 1},
        {"doc": "broken/blob.txt", "status": "error", "error": "binary file refused: 41% control bytes <b>",
         "language": None, "site": "broken", "paragraphs_in": 0, "paragraphs_out": 0},
        {"doc": f"{FEED}#wf-7", "status": "ok", "error": None, "language": "de", "site": "wirefeed",
         "paragraphs_in": 1, "paragraphs_out": 1},
        {"doc": f"{FEED}#line-3", "status": "ok", "error": None, "language": "en", "site": "wirefeed",
         "paragraphs_in": 1, "paragraphs_out": 1},
        {"doc": "quiet/unchanged.txt", "status": "ok", "error": None, "language": "en", "site": "quiet",
         "paragraphs_in": 1, "paragraphs_out": 1},
    ]  # fmt: skip
    events = [
        ev(DOC_A, 0, "encoding", "fixed", "The cafÃ© by the ferry to Kelmarsh Isle opens at dawn, says Oduya.",
           replacement="The café by the ferry to Kelmarsh Isle opens at dawn, says Oduya.", rule="encoding:ftfy"),
        ev(DOC_A, 1, "chrome", "removed", "Accept cookies to continue reading at www.gullport.example",
           start=0, end=58, rule="chrome:cookie_banner", confidence=0.97),
        ev(DOC_A, 1, "transliteration", "fixed", "Oduja", start=10, end=15, replacement="Oduya",
           rule="names:canonical", confidence=0.8),
        ev(DOC_A, 2, "calque", "fixed", "take a decision", start=4, end=19, replacement="make a decision",
           rule="calque:table", confidence=0.9),
        ev(DOC_A, 2, "punctuation", "fixed", " ,", start=30, end=32, replacement=",", rule="punct:space_before"),
        ev(DOC_A, 3, "word_order", "flagged", "yesterday the council met", start=0, end=25,
           replacement="the council met yesterday", rule="order:adverb_front", confidence=0.6),
        ev(DOC_A, 3, "foreign_fragment", "flagged", "laut Angaben", start=40, end=52, replacement="according to",
           rule="fragment:de", lang="de"),
        ev(DOC_A, 4, "language", "removed", "Die Fähre fährt morgen wieder.", rule="language:paragraph",
           confidence=0.9, lang="de"),
        ev(DOC_A, 4, "chrome", "removed", f"Comment: {EVIL}", start=None, end=None, rule="chrome:learned"),
        ev(DOC_B, 1, "duplicate", "removed", "Harbour master Ilse Brandvik confirmed the new timetable.",
           rule="dedup:minhash", confidence=0.93, cluster=0, duplicate_of={"doc": DOC_A, "paragraph": 2}),
        ev(f"{FEED}#wf-7", 0, "language", "flagged", "Ein kurzer Satz.", rule="language:paragraph", lang="de"),
        ev(f"{FEED}#line-3", 0, "punctuation", "fixed", "!!", start=5, end=7, replacement="!", rule="punct:repeat"),
    ]  # fmt: skip
    clusters = [
        {
            "cluster": 0,
            "kept": {"doc": DOC_A, "paragraph": 2},
            "members": [
                {"doc": DOC_B, "paragraph": 1, "text": "Harbour master Ilse Brandvik confirmed the new timetable."},
                {"doc": DOC_A, "paragraph": 2, "text": "Harbour master Ilse Brandvik confirmed the timetable."},
            ],
        }
    ]
    summary = {
        "documents": {"ok": 5, "empty": 0, "error": 1},
        "paragraphs_in": 10,
        "paragraphs_out": 7,
        "events": {"chrome": {"removed": 2}, "duplicate": {"removed": 1}},
        "clusters": 1,
        "duplicates_removed": 1,
        "languages": {"de": 1, "en": 4},
        "errors": [{"doc": "broken/blob.txt", "error": "binary file refused"}],
        "timings": {"prepare": 0.12, "cluster": 0.03, "total": 0.4},
    }
    return docs, events, clusters, summary


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    (root / "gullport-gazette").mkdir(parents=True)
    (root / "gullport-gazette/001_ferry_timetable.txt").write_text(
        f"The ferry to Kelmarsh Isle leaves at dawn.\n\nQuoted reader: {EVIL}\n", encoding="utf-8"
    )
    (root / "gullport-gazette/002_ferry_copy.txt").write_text("Only the first paragraph stays.\n", encoding="utf-8")
    (root / "wirefeed").mkdir()
    records = [
        {"id": "wf-7", "title": "t", "text": "Clean text of record wf-7."},
        {"title": "no id", "text": "Clean text of the record without id!"},
    ]
    (root / FEED).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (root / "quiet").mkdir()
    (root / "quiet/unchanged.txt").write_text("Nothing happened here.\n", encoding="utf-8")
    return root


def test_report_is_written_well_formed_and_offline(clean: Path) -> None:
    docs, events, clusters, summary = rows()
    path = write_html_report(clean, docs, events, clusters, summary)
    assert path == clean / "_report" / "report.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    checker = parse(page)
    for tag in ("html", "head", "body", "style", "details", "summary", "table", "del", "ins", "mark"):
        assert checker.tags.get(tag), f"no <{tag}>"
    # Nothing is fetched or linked from elsewhere: no src at all, only in-page anchors.
    assert not [a for a in checker.attrs if a[1] == "src"]
    hrefs = [v for _, k, v in checker.attrs if k == "href"]
    assert hrefs and all(v and v.startswith("#") for v in hrefs)
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    assert not checker.tags.get("link") and not checker.tags.get("img")


def test_report_shows_every_kind_action_id_and_escapes(clean: Path) -> None:
    docs, events, clusters, summary = rows()
    page = write_html_report(clean, docs, events, clusters, summary).read_text(encoding="utf-8")
    text = "".join(parse(page).text)
    assert {e["kind"] for e in events} == set(KINDS)
    for kind in KINDS:
        assert f"<b>{kind}</b>" in page, kind
    for e in events:
        assert e["id"] in text, e
    for action in ("removed", "fixed", "flagged"):
        assert f'class="ev {action}"' in page
    # Corpus text is text, never markup: the script appears escaped, and the parser sees no script element.
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert EVIL in text
    # Labels: rule and reason; fixes before → after; flags with their suggestion; duplicates name their original.
    assert "chrome:cookie_banner" in text and "whole paragraph" in text
    assert "<del>take a decision</del>" in page and "<ins>make a decision</ins>" in page
    assert "<mark>laut Angaben</mark>" in page and "suggested:" in text
    assert f"copy of {DOC_A} ¶2 (cluster 0)" in text


def test_report_shows_errors_clean_texts_and_clusters(clean: Path) -> None:
    docs, events, clusters, summary = rows()
    page = write_html_report(clean, docs, events, clusters, summary).read_text(encoding="utf-8")
    text = "".join(parse(page).text)
    assert "binary file refused: 41% control bytes <b>" in text
    assert "&lt;b&gt;" in page
    # Clean text from disk, for .txt files and for .jsonl records with and without an id.
    assert "The ferry to Kelmarsh Isle leaves at dawn." in text
    assert "Clean text of record wf-7." in text
    assert "Clean text of the record without id!" in text
    # A document without events is only listed; its clean text is not printed.
    assert "quiet/unchanged.txt" in text and "Nothing happened here." not in text
    # The cluster: kept member first, then the copy.
    block = page[page.index('id="clusters"') :]
    assert block.index('class="member kept"') < block.index('class="member"')
    assert block.index(DOC_A) < block.index(DOC_B)
    # The copy marks the words that differ from the kept paragraph.
    assert '<span class="changed">new </span>' in block
    assert "the timetable." in block
    # Totals at the top, before the documents.
    assert page.index("Events by kind") < page.index('id="documents"')
    # Timings vary from run to run; the page leaves them out so one input gives one page.
    assert "<td>prepare</td>" not in page


def test_detail_is_capped_and_the_page_says_so(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "DETAIL_DOCS", 2)
    docs, events, clusters, summary = rows()
    page = write_html_report(clean, docs, events, clusters, summary).read_text(encoding="utf-8")
    parse(page)
    assert page.count('<details class="doc"') == 2
    assert "Full detail for the first 2 of" in page
    assert f"{FEED}#line-3" in page  # still listed, one line


def test_empty_run_and_unchanged_rewrite(clean: Path) -> None:
    summary = {"documents": {"ok": 0, "empty": 0, "error": 0}, "events": {}, "clusters": 0, "timings": {}}
    path = write_html_report(clean, [], [], [], summary)
    page = path.read_text(encoding="utf-8")
    parse(page)
    assert "No document failed." in page and "No near-duplicate paragraphs." in page
    mtime = path.stat().st_mtime_ns
    write_html_report(clean, [], [], [], summary)
    assert path.stat().st_mtime_ns == mtime  # same input, same bytes: the file is left alone


def test_large_corpus_stays_fast(tmp_path: Path) -> None:
    n = 20_000
    docs = [
        {"doc": f"site/{i:06d}.txt", "status": "ok", "language": "en", "site": "site", "paragraphs_in": 3,
         "paragraphs_out": 2}
        for i in range(n)
    ]  # fmt: skip
    events = [
        ev(f"site/{i:06d}.txt", 1, "chrome", "removed", "Share this story", rule="chrome:widget") for i in range(n)
    ]
    summary = {"documents": {"ok": n, "empty": 0, "error": 0}, "events": {"chrome": {"removed": n}}, "timings": {}}
    t = time.perf_counter()
    path = write_html_report(tmp_path, docs, events, [], summary)
    elapsed = time.perf_counter() - t
    assert elapsed < 10, elapsed
    page = path.read_text(encoding="utf-8")
    assert page.count('<details class="doc"') == html_report.DETAIL_DOCS
    assert f"Full detail for the first {html_report.DETAIL_DOCS:,} of {n:,}" in page


@pytest.mark.parametrize("text", ["plain words", "a\x00b\x1b[31m", "tab\tand\nnewline", "<&>\"'", "del\x7f", "é ␀"])
def test_escaping_shows_control_characters_and_skips_the_lookup_when_there_are_none(text: str) -> None:
    import html

    expected = html.escape(text, quote=True).translate(html_report._VISIBLE)
    assert html_report._e(text) == expected
    assert not any(ord(ch) < 32 and ch not in "\t\n" or ord(ch) == 127 for ch in html_report._e(text))
