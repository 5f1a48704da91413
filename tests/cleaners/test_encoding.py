import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.document import Document, split_paragraphs
from cleaners.encoding import FTFY_CONFIG, fix_text, needs_fixing, repair


def doc_of(text: str) -> Document:
    return Document(id="d.txt", source="d.txt", paragraphs=split_paragraphs(text))


def test_mojibake_and_entities_fixed_and_recorded() -> None:
    doc = doc_of("The ministryâ€™s plan\n\nCafÃ© &amp; bar&nbsp;here\n\nPlain text stays.")
    repair(doc)
    assert [p.text for p in doc.paragraphs] == [
        "The ministry’s plan",
        "Café & bar\xa0here",
        "Plain text stays.",
    ]
    assert [(e.paragraph, e.kind, e.action, e.text) for e in doc.events] == [
        (0, "encoding", "fixed", "The ministryâ€™s plan"),
        (1, "encoding", "fixed", "CafÃ© &amp; bar&nbsp;here"),
    ]
    assert doc.events[0].replacement == "The ministry’s plan"


def test_curly_quotes_are_kept() -> None:
    assert fix_text("He said “no” and ‘maybe’.") == "He said “no” and ‘maybe’."
    assert fix_text("é “x”") == "é “x”"


def test_nfc_and_controls() -> None:
    assert fix_text("cafe\u0301\x07") == "café"


def test_fast_path_decisions() -> None:
    assert not needs_fixing("Plain “quoted” text – fine… «ok»\nsecond line")
    assert needs_fixing("caf&eacute;")
    assert needs_fixing("Ã©")
    assert needs_fixing("ﬁne")


_SAFE_ALPHABET = st.sampled_from(
    list("\n !\"#$%'()*+,-./0123456789:;<=>?@AZaz[]^_{|}~ÂÃâ€™")
    + list("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb")
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SAFE_ALPHABET, max_size=40).map("".join))
def test_fast_path_equals_ftfy_everywhere(text: str) -> None:
    """Skipping ftfy never changes the result, whichever characters the text holds."""
    assert fix_text(text) == ftfy.fix_text(text, config=FTFY_CONFIG)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fast_path_equals_ftfy_on_any_unicode(text: str) -> None:
    assert fix_text(text) == ftfy.fix_text(text, config=FTFY_CONFIG)
