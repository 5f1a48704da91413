"""One text in one call (`cleaners.clean_text`) and `corpusclean explain`: the same decisions as a run's
per-document stages. That a real flow run gives the same events is checked in
tests/flows/test_dataset_export.py."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaners import Cleaned, api, clean_file, clean_text, explain, fit_models
from cleaners.document import KINDS, Event
from cleaners.pipeline import CorpusModels, Resources, prepare_document
from cleaners.reading import Source, read_source
from cleaners.settings import Settings

ARTICLE = (
    "Pier reopens after repairs\n\n"
    "Home > News > Region\n\n"
    "The caf\u00c3\u00a9 beside the old ferry pier reopened on Monday after a month of repairs , its owners said.\n\n"
    "Divers found in March that three wooden piles had rotted through below the waterline, and the council "
    "closed the pier until they were replaced.\n\n"
    "Share on Facebook"
)
# Lines of one site that no rule knows: only their repeats across the site's pages make them chrome.
SITE_LINE = "Lakeside Courier, independent since 1921"
FOOTER = ["Courier Weekend Edition", "Lakeside Courier on the radio every Friday"]


def page(title: str, *paras: str) -> str:
    return "\n\n".join([title, SITE_LINE, *paras, *FOOTER]) + "\n"


PAGES = [
    page(
        "Ferry pier to close",
        "The council agreed on Wednesday to close the ferry pier for repairs this summer, after divers found rot.",
        "Passengers will use a temporary landing stage near the boatyard until the work is finished.",
    ),
    page(
        "Choir wins prize",
        "The village choir won first prize at the regional festival on Saturday evening, singing three songs.",
        "Its conductor has led the choir for twenty years and wrote all three of the songs himself.",
    ),
    page(
        "Bridge toll to rise",
        "Drivers will pay more to cross the river bridge from June, the county said on Tuesday.",
        "The toll has not changed in eight years, and the money goes to repairs of the bridge deck.",
    ),
]
NEW_PAGE = page(
    "Market moves",
    "The Saturday market moves to the harbour car park from next month, traders said on Friday.",
    "Stall holders asked the council for more parking spaces near the new site.",
)


def test_doctests_run() -> None:
    for module in (api, explain):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_same_events_and_text_as_the_pipeline_on_a_file(tmp_path: Path) -> None:
    (tmp_path / "news").mkdir()
    path = tmp_path / "news" / "pier.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    settings = Settings()
    res = Resources.load(settings)
    (doc,) = [prepare_document(d, res) for d in read_source(Source(rel="news/pier.txt", path=path), settings)]

    cleaned = clean_text(ARTICLE, name="news/pier.txt")
    assert [e.to_dict() for e in cleaned.events] == [e.to_dict() for e in doc.events]
    assert cleaned.text == doc.clean_text()
    assert {(e.kind, e.action) for e in cleaned.events} >= {("encoding", "fixed"), ("chrome", "removed")}
    assert "café" in cleaned.text and "Home > News" not in cleaned.text and "repairs, its" in cleaned.text
    assert cleaned.language == "en" and cleaned.status == "ok"
    assert all(e.doc == "news/pier.txt" for e in cleaned.events)


def test_corpus_models_fitted_elsewhere_are_applied() -> None:
    models = fit_models([(f"courier/{i}.txt", text) for i, text in enumerate(PAGES)])
    new_page = NEW_PAGE

    alone = clean_text(new_page, name="courier/new.txt")
    assert SITE_LINE in alone.text  # one page cannot tell a site's repeated line from its text
    with_models = clean_text(new_page, name="courier/new.txt", models=models)
    assert SITE_LINE not in with_models.text
    assert ("chrome", "removed", "chrome:learned", SITE_LINE) in [
        (e.kind, e.action, e.rule, e.text) for e in with_models.events
    ]
    elsewhere = clean_text(new_page, name="other-site/new.txt", models=models)
    assert SITE_LINE in elsewhere.text  # learned chrome is per site

    as_json = json.loads(json.dumps(models.decisions()))  # what a caller keeps between sessions
    again = clean_text(new_page, name="courier/new.txt", models=as_json)
    assert [e.to_dict() for e in again.events] == [e.to_dict() for e in with_models.events]
    assert isinstance(models, CorpusModels)


def test_bad_input_is_a_status_not_an_exception() -> None:
    assert clean_text("").status == "empty"
    binary = clean_text("\x01\x02\x03\x04" * 20)
    assert binary.status == "error" and "binary data" in binary.error and binary.text == ""
    lone = clean_text("A lone \ud800 surrogate in a sentence long enough to be judged as a paragraph.")
    assert lone.status == "ok" and "\ufffd" in lone.text
    with pytest.raises(ValueError, match="clean_file"):
        clean_text("{}", name="feed.jsonl")


def test_clean_file_reads_as_a_run_reads(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "wire").mkdir(parents=True)
    feed = raw / "wire" / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "r1", "text": ARTICLE, "url": "https://river.example/1"})
        + "\nnot json\n"
        + json.dumps({"text": "Second record.\n\nShare on Facebook"})
        + "\n",
        encoding="utf-8",
    )
    out = clean_file(feed, raw=raw)
    assert [c.document.id for c in out] == ["wire/feed.jsonl#r1", "wire/feed.jsonl#line-2", "wire/feed.jsonl#line-3"]
    assert [c.status for c in out] == ["ok", "error", "ok"]
    assert out[0].document.site == "river.example"
    assert [c.document.id for c in clean_file(feed)][0] == "feed.jsonl#r1"  # without raw/: the file's name


def test_every_kind_has_a_reason() -> None:
    words = explain.load_explanations()
    assert set(KINDS) <= set(words["kinds"])
    unknown = Event(doc="a", paragraph=0, kind="calque", action="flagged", text="x", rule="calque:new_rule")
    assert explain.why(unknown) == words["kinds"]["calque"]


def test_listing_shows_before_after_suggestion_and_why() -> None:
    cleaned = clean_text(ARTICLE, name="news/pier.txt")
    flag = Event(doc="news/pier.txt", paragraph=2, kind="word_order", action="flagged", text="Monday", start=3,
                 end=9, replacement="monday", rule="word_order:capitalised_time", confidence=0.9)  # fmt: skip
    cleaned.events.append(flag)
    listing = explain.explain_documents([cleaned])
    assert listing.startswith("news/pier.txt: ok, language en")
    assert "  removed  chrome" in listing and "'Home > News > Region'" in listing
    assert "-> 'The café beside" in listing  # a fix: before -> after
    assert "suggestion: 'monday'" in listing and "characters 3-9" in listing
    assert listing.count("why: ") == len(cleaned.events)
    assert explain.NOT_JUDGED in listing


def test_explain_command(tmp_path: Path) -> None:
    from flows.cli import app

    raw = tmp_path / "raw"
    (raw / "news").mkdir(parents=True)
    (raw / "news" / "pier.txt").write_text(ARTICLE, encoding="utf-8")
    (raw / "news" / "scan.txt").write_bytes(bytes(range(256)) * 4)
    runner = CliRunner()

    shown = runner.invoke(app, ["explain", str(raw / "news" / "pier.txt"), "--raw", str(raw)])
    assert shown.exit_code == 0, shown.output
    assert "news/pier.txt: ok" in shown.stdout and "'Share on Facebook'" in shown.stdout and "why: " in shown.stdout

    as_json = runner.invoke(app, ["explain", "--json", str(raw / "news" / "pier.txt"), "--raw", str(raw)])
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert events == [e.to_dict() for e in clean_text(ARTICLE, name="news/pier.txt").events]

    refused = runner.invoke(app, ["explain", str(raw / "news" / "scan.txt")])
    assert refused.exit_code == 1 and "binary data" in refused.stderr
    assert runner.invoke(app, ["explain", str(raw / "missing.txt")]).exit_code == 2
    outside = runner.invoke(app, ["explain", str(raw / "news" / "pier.txt"), "--raw", str(tmp_path / "elsewhere")])
    assert outside.exit_code == 2 and "not inside" in outside.stderr


def test_cleaned_holds_its_document() -> None:
    cleaned = clean_text("Short note.")
    assert isinstance(cleaned, Cleaned) and cleaned.document.id == "text.txt"
