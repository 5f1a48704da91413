"""Nothing is lost: every paragraph of the decoded input is in the clean output or recorded as removed,
and every edit a stage makes is explained by its events. Also: no bytes crash the library.

The stages are run one by one, in the pipeline's order, and after each one the paragraph texts are
rebuilt from the texts before it plus the stage's events (removed spans dropped, fixes applied): the
rebuilt text must equal what the stage left. A removed paragraph needs one whole-paragraph event
holding its text. `test_staged_run_matches_pipeline` proves the staging is the pipeline's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaners.dedup import DedupModel
from cleaners.document import Document, Event
from cleaners.pipeline import (
    DOCUMENT_STAGES,
    CorpusModels,
    Resources,
    clean_prepared,
    finish_document,
    prepare_document,
)
from cleaners.reading import Source, decode, normalise_newlines, read_bytes
from cleaners.settings import Settings

SETTINGS = Settings(doc_timeout=0, workers=1)  # no SIGALRM inside hypothesis examples
RES = Resources.load(SETTINGS)
HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Invented prose and page furniture, so that every stage has something to find.
SENTENCES = [
    "The harbour board of Velmora said on Tuesday that the new crane would arrive in March.",
    "Residents of the Orlin valley have waited nine years for the bypass , officials admitted.",
    "“We will not wait any longer,” said Tamsin Quell, who chairs the Velmora traders’ guild.",
    "The council. decided. to delay the vote until the auditors had finished their report.",
    "Farmers near Brask said the Last Week rains had flooded more than forty fields.",
    "« The bridge is safe », the engineer told reporters after the inspection.",
    "Die Regierung hat nicht gesagt, wann die neue Brücke eröffnet wird.",
    "Le gouvernement ne sait pas encore quand le pont sera ouvert aux voitures.",
    "The mayor, Ferdo Ilvane, opened the library, which the town rebuilt after the fire rebuilt.",
    "Ð¢Ð°Ðº Ð²Ð¾Ñ‚ – the café reopened on Friday.",
]
CHROME = [
    "Read more",
    "Share this article",
    "Photo: Velmora Press Agency",
    "Comments are closed.",
    "Accept all cookies",
    "Home › News › Region",
    "Subscribe to our newsletter",
]
NASTY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=80
)
LINE = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(CHROME),
    NASTY,
    st.text(alphabet="\x01\x02\x07\x0b\x1b\x7f\x85\u200b\u2028\ufeff “”«».,!? a", max_size=40),
    st.builds(lambda s, n: s * n, st.sampled_from(["“", "!", "a", "The Big ", "(", ". "]), st.integers(1, 3000)),
)
PARAGRAPH = st.lists(LINE, min_size=1, max_size=4).map("\n".join)
DOCUMENT = st.lists(PARAGRAPH, min_size=0, max_size=8).map(lambda ps: "\n\n".join(["Title of the piece", *ps]))


def norm(text: str) -> str:
    return " ".join(text.split())


def snapshot(doc: Document) -> dict[int, tuple[str, str | None]]:
    return {p.index: (p.text, p.removed) for p in doc.paragraphs}


def check_stage(stage: str, doc: Document, before: dict[int, tuple[str, str | None]], events: list[Event]) -> None:
    """The stage's events explain every change it made to every paragraph."""
    assert sorted(p.index for p in doc.paragraphs) == sorted(before), f"{stage}: paragraphs appeared or vanished"
    for p in doc.paragraphs:
        old, was_removed = before[p.index]
        mine = [e for e in events if e.paragraph == p.index]
        for e in mine:
            assert e.rule and e.kind and e.action in ("removed", "fixed", "flagged"), (stage, e)
            if e.start is not None:
                assert old[e.start : e.end] == e.text, f"{stage}: offsets of {e.rule} do not point at its text"
        if was_removed:
            assert p.removed == was_removed and p.text == old, f"{stage}: edited a removed paragraph"
            continue
        if p.removed:
            whole = [e for e in mine if e.start is None and e.action == "removed" and e.kind == p.removed]
            assert whole and whole[0].text == old, f"{stage}: paragraph {p.index} removed without its text"
            continue
        rebuilt = old
        for e in mine:
            if e.start is None and e.action == "fixed":
                assert e.text == old and e.replacement is not None, (stage, e)
                rebuilt = e.replacement
        spans = [e for e in mine if e.start is not None and e.action in ("removed", "fixed")]
        for e in sorted(spans, key=lambda e: e.start, reverse=True):
            rebuilt = rebuilt[: e.start] + (e.replacement or "" if e.action == "fixed" else "") + rebuilt[e.end :]
        assert norm(rebuilt) == norm(p.text), f"{stage}: paragraph {p.index} changed beyond its events"


def staged_corpus(docs: list[Document]) -> list[Document]:
    """The pipeline's stages one at a time, each checked."""

    def run(stage: str, doc: Document, fn) -> None:
        before, n = snapshot(doc), len(doc.events)
        fn(doc)
        check_stage(stage, doc, before, doc.events[n:])

    for doc in docs:
        if doc.status != "ok":
            continue
        for stage in DOCUMENT_STAGES:
            run(stage.name, doc, lambda d, stage=stage: stage.run([d], RES))
    models = CorpusModels.empty(RES).fit(docs)
    dedup = DedupModel(SETTINGS, models.transliteration)
    for doc in docs:
        if doc.status == "ok":
            run("corpus models", doc, models.apply)
            dedup.observe(doc)
    dedup.decide()
    for doc in docs:
        if doc.status == "ok":
            run("dedup", doc, lambda d: finish_document(d, dedup))
    return docs


def read_txt(name: str, text: str) -> list[Document]:
    return read_bytes(Source(rel=name, path=Path(name)), text.encode("utf-8", "surrogatepass"), SETTINGS)


def check_read(data: bytes, doc: Document) -> None:
    """Reading keeps every non-blank character of the decoded text in some paragraph."""
    text, _ = decode(data, SETTINGS)
    kept = "".join("".join(p.text.split()) for p in doc.paragraphs)
    assert kept == "".join(normalise_newlines(text).split())
    assert doc.paragraphs_in == len(doc.paragraphs)


def check_final(doc: Document) -> None:
    assert [p.index for p in doc.paragraphs] == list(range(doc.paragraphs_in))
    for p in doc.paragraphs:
        if p.removed:
            assert any(e.paragraph == p.index and e.start is None and e.action == "removed" for e in doc.events)
    assert doc.clean_text() == "\n\n".join(p.text for p in doc.live)


@HYPO
@given(st.lists(DOCUMENT, min_size=1, max_size=4), st.booleans())
def test_every_paragraph_is_kept_or_recorded(texts: list[str], same_site: bool) -> None:
    texts = texts + texts[:1]  # a copy, so near-duplicates are found and removed
    docs = []
    for i, text in enumerate(texts):
        name = f"{'site' if same_site else f's{i}'}/doc{i}.txt"
        (doc,) = read_txt(name, text)
        if doc.status == "ok":
            check_read(text.encode("utf-8"), doc)
        docs.append(doc)
    refused = {d.id for d in docs if d.status == "error"}  # too many control characters: binary
    for doc in staged_corpus(docs):
        assert doc.status in ("ok", "empty") or doc.id in refused, doc.error
        if doc.status == "ok":
            check_final(doc)
    if docs[0].status == "ok":
        kinds = {p.removed for p in docs[-1].paragraphs}
        assert kinds - {None} <= {"chrome", "duplicate", "language"}


def test_accounting_sees_removals(tmp_path: Path) -> None:
    """The checker is not vacuous: chrome and duplicates are removed here and a lost edit is caught."""
    body = "\n\n".join(["Velmora crane delayed", SENTENCES[0], "Share this article", SENTENCES[1], "Read more"])
    docs = staged_corpus([read_txt("a/x.txt", body)[0], read_txt("b/y.txt", body)[0]])
    assert {"chrome"} <= {p.removed for p in docs[0].paragraphs}
    assert "duplicate" in {p.removed for p in docs[1].paragraphs}
    fixed = staged_corpus(read_txt("c.txt", "T\n\n" + SENTENCES[1]))[0]
    assert "bypass, officials" in fixed.clean_text() and any(e.action == "fixed" for e in fixed.events)
    doc = read_txt("d.txt", "T\n\nA line.\nRead more")[0]
    before = snapshot(doc)
    doc.paragraphs[1].text = "A line."  # edited without an event
    with pytest.raises(AssertionError):
        check_stage("tampered", doc, before, [])


@HYPO
@given(st.lists(DOCUMENT, min_size=1, max_size=3))
def test_staged_run_matches_pipeline(texts: list[str]) -> None:
    staged = staged_corpus([read_txt(f"s/{i}.txt", t)[0] for i, t in enumerate(texts)])
    docs = [prepare_document(read_txt(f"s/{i}.txt", t)[0], RES) for i, t in enumerate(texts)]
    clean_prepared(docs, RES)
    assert [d.to_dict() for d in docs] == [d.to_dict() for d in staged]


# --- no crash on any bytes ---------------------------------------------------------------------

PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff\xfe\x00\x00",
    b'{"text": "',
    b"\x00\x00",
    b"\x1f\x8b",
]
BYTES = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda p, b: p + b, st.sampled_from(PREFIXES), st.binary(max_size=400)),
    st.builds(lambda t: t.encode("utf-16-le"), NASTY),
    st.builds(lambda t, cut: t.encode("utf-8")[:cut], DOCUMENT, st.integers(0, 300)),
    st.builds(
        lambda rows: "\n".join(json.dumps(r) for r in rows).encode(),
        st.lists(
            st.dictionaries(
                st.sampled_from(["id", "text", "url", "site"]), st.one_of(NASTY, st.integers()), max_size=4
            ),
            max_size=4,
        ),
    ),
)


@HYPO
@given(st.lists(BYTES, min_size=1, max_size=4))
def test_no_bytes_crash_the_library(blobs: list[bytes]) -> None:
    docs = []
    for i, data in enumerate(blobs):
        for suffix in (".txt", ".jsonl"):
            name = f"f{i}{suffix}"
            docs += [prepare_document(d, RES) for d in read_bytes(Source(name, Path(name)), data, SETTINGS)]
    clean_prepared(docs, RES)
    for doc in docs:
        assert doc.status in ("ok", "empty", "error")
        if doc.status == "error":
            assert doc.error and doc.error.strip(), doc
        if doc.status == "ok":
            check_final(doc)
        json.dumps(doc.to_dict())  # the state store can hold it
