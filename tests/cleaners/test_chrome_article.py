"""The chrome stage on a page as a scraper saves it: the article is found, what surrounds it goes.

The page below is written for these tests. It has the families real pages carry: an HTML title line,
a menu block, a share bar, a byline, a photo credit, the article with a dateline, a subheading, a short
quote and a list, a related-headlines list, a comment thread and a footer.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cleaners import article, chrome
from cleaners.document import Document, split_paragraphs
from cleaners.settings import Settings

SETTINGS = Settings()
RULES = chrome.load_rules(SETTINGS.chrome_rules, SETTINGS.chrome_model)

PARAGRAPHS = [
    "Harbour wall to be rebuilt after winter storms - The Tovrin Courier",
    "Home\nNews\nSport\nBusiness\nWeather\nOpinion\nSign in",
    "Harbour wall to be rebuilt after winter storms",
    "Share on Facebook\nShare on Twitter\nEmail",
    "By Mira Solberg",
    "TOVRIN, March 3 - The town council agreed on Monday to rebuild the eastern harbour wall, which was "
    "breached twice during the winter storms and left the fishing fleet without a safe mooring for weeks.",
    "Engineers told the council that the old wall, built of loose stone in the nineteenth century, could not "
    "be repaired and that a concrete wall would last for at least eighty years if it was maintained.",
    "Photo: Jonas Berg/Tovrin Courier",
    "What the work involves",
    "The contract covers the demolition of the breached section, new foundations and a wider walkway, and "
    "the council expects the first boats to return to the eastern basin before the summer season begins.",
    "“We have waited long enough,” said the harbour master.",
    "The council will pay for the work from its reserves and from a grant that the regional government "
    "promised after the second storm, when the water reached the shops along the quay and closed the market.",
    "Fishermen said they welcomed the decision but asked the council to keep the western pier open while the "
    "builders are at work, because the boats that now moor there have nowhere else to go in bad weather.",
    "Related stories",
    "Ferry timetable changes for the spring\nNew bridge opens to traffic\nSchool repairs delayed again\n"
    "Market moves to the square",
    "12 Comments",
    "kestrel_77 · March 3, 2024 at 10:12 am",
    "About time too. The wall has been falling apart for years and everyone in the town knew it would go.",
    "harbourwatch · March 3, 2024 at 11:40 am",
    "Who is going to pay when the grant runs out? The council always finds money for the harbour and never "
    "for the roads in the upper town, which are in a far worse state than the wall ever was.",
    "© 2024 The Tovrin Courier. All rights reserved.\nPrivacy Policy\nTerms of Use\nContact us",
]


def _page() -> Document:
    doc = Document(id="page.txt", source="page.txt", language="en")
    doc.paragraphs = split_paragraphs("\n\n".join(PARAGRAPHS) + "\n")
    chrome.strip_chrome(doc, RULES)
    return doc


def _kept(doc: Document) -> list[str]:
    return [line for p in doc.live for line in p.lines if line.strip()]


@pytest.fixture(scope="module")
def page() -> Document:
    return _page()


def test_the_article_stays(page: Document) -> None:
    kept = _kept(page)
    for para in PARAGRAPHS[5:7] + PARAGRAPHS[9:13]:
        assert para in kept, para
    assert "Harbour wall to be rebuilt after winter storms" in kept  # the headline under the HTML title


def test_subheading_short_quote_and_dateline_stay(page: Document) -> None:
    kept = _kept(page)
    assert "What the work involves" in kept
    assert "“We have waited long enough,” said the harbour master." in kept
    assert any(line.startswith("TOVRIN, March 3 - ") for line in kept)


def test_html_title_menu_share_bar_and_footer_go(page: Document) -> None:
    kept = _kept(page)
    assert PARAGRAPHS[0] not in kept
    for line in ("Home", "Sport", "Sign in", "Share on Twitter", "Privacy Policy", "Terms of Use"):
        assert line not in kept, line


def test_photo_credit_related_list_and_comments_go(page: Document) -> None:
    kept = _kept(page)
    assert "Photo: Jonas Berg/Tovrin Courier" not in kept
    for line in ("Related stories", "New bridge opens to traffic", "Market moves to the square"):
        assert line not in kept, line
    for line in PARAGRAPHS[15:20]:
        assert line not in kept, line


def test_every_removal_is_an_event_with_its_rule(page: Document) -> None:
    removed = [e for e in page.events if e.kind == "chrome"]
    rules = {e.rule for e in removed}
    assert "chrome:html_title" in rules
    assert rules & {"chrome:outside_article", "chrome:article_model"}
    assert all(e.text and 0 < e.confidence <= 1 for e in removed)
    original = "\n\n".join(PARAGRAPHS)
    assert all(line in original for e in removed for line in e.text.split("\n"))


def test_a_flat_folder_page_takes_the_site_its_title_names(page: Document) -> None:
    assert page.site == "the tovrin courier"


def test_a_first_line_printed_again_whole_is_the_headline() -> None:
    """The seeds' layout: the headline is the first line, and a copy of it is the duplicate stage's."""
    doc = Document(id="t.txt", source="t.txt", language="en")
    title = "Port reopens - for now"
    doc.paragraphs = split_paragraphs(f"{title}\n\n{title}\n\n" + PARAGRAPHS[5] + "\n")
    chrome.strip_chrome(doc, RULES)
    assert doc.live[0].text == title


def test_pages_in_another_language_are_left_to_the_rules() -> None:
    german = (
        "Der Gemeinderat hat am Montag beschlossen, die östliche Hafenmauer neu zu bauen, die im Winter "
        "zweimal gebrochen ist und die Fischer wochenlang ohne sicheren Liegeplatz gelassen hat."
    )
    doc = Document(id="de.txt", source="de.txt", language="de")
    doc.paragraphs = split_paragraphs(f"Hafenmauer wird neu gebaut\n\n{german}\n\n{german}\n")
    chrome.strip_chrome(doc, RULES)
    assert doc.events == []


def test_without_the_model_only_rules_remove() -> None:
    rules_only = chrome.load_rules(SETTINGS.chrome_rules)
    doc = Document(id="page.txt", source="page.txt", language="en")
    doc.paragraphs = split_paragraphs("\n\n".join(PARAGRAPHS) + "\n")
    chrome.strip_chrome(doc, rules_only)
    assert not {e.rule for e in doc.events} & {"chrome:outside_article", "chrome:article_model"}
    assert Settings(chrome_model="").chrome_model is None


def test_main_region_is_the_prose() -> None:
    lines = [[line] for para in PARAGRAPHS for line in para.split("\n")]
    first, last = article.main_region(lines)
    flat = [b[0] for b in lines]
    assert flat[first].startswith("TOVRIN") and "Sign in" not in flat[first : last + 1]


def test_tree_walk(tmp_path) -> None:
    """`LineModel.probabilities` walks the exported trees: a stump on one feature, by hand."""
    k = article.FEATURES.index("logwords")
    stump = {
        "feature": [k, 0, 0],
        "threshold": [1.0, 0.0, 0.0],
        "left": [1, 0, 0],
        "right": [2, 0, 0],
        "leaf": [False, True, True],
        "value": [0.0, -2.0, 3.0],
    }
    path = tmp_path / "m.json"
    data = {"features": list(article.FEATURES), "keep_inside": 0.1, "keep_outside": 0.5, "baseline": 0.5}
    path.write_text(json.dumps(data | {"trees": [stump]}), encoding="utf-8")
    model = article.load_model(path)
    rows = np.zeros((2, len(article.FEATURES)))
    rows[1, k] = 2.0
    expected = 1 / (1 + np.exp(-np.array([0.5 - 2.0, 0.5 + 3.0])))
    assert np.allclose(model.probabilities(rows), expected)


def test_a_model_of_other_features_is_refused(tmp_path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"features": ["logchars"], "trees": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        article.load_model(path)


def test_one_paragraph_per_line_with_a_final_newline() -> None:
    assert [p.text for p in split_paragraphs("a\nb\nc\n")] == ["a", "b", "c"]
    assert [p.text for p in split_paragraphs("\na\nb\n\n")] == ["a", "b"]
    assert [p.text for p in split_paragraphs("Menu\nHome\n\nThe story.\n")] == ["Menu\nHome", "The story."]


def test_the_later_rounds_of_a_batch_are_each_pages_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline leaves the model's later rounds to the batch (`defer`, `finish_chrome`), which builds
    each round's rows for every page that has one at once: each page gets what it gets alone."""
    texts = [
        "\n\n".join(PARAGRAPHS),
        "\n\n".join(PARAGRAPHS[2:]),  # without the title line and the menu
        "\n\n".join(PARAGRAPHS[:5] + PARAGRAPHS[8:] + PARAGRAPHS[5:8]),  # two lines of the article after it
        "\n\n".join(PARAGRAPHS[:-4]),  # no comments or footer
        "\n\n".join(reversed(PARAGRAPHS)),
    ]

    def pages() -> list[Document]:
        made = [Document(id=f"p{i}", source="t", language="en") for i in range(len(texts))]
        for doc, text in zip(made, texts, strict=True):
            doc.paragraphs = split_paragraphs(text)
        return made

    alone = pages()
    for doc in alone:
        chrome.strip_chrome(doc, RULES)
    together = pages()
    known = chrome.chrome_columns(together, RULES)
    built: list[int] = []
    features_many = article.features_many

    def counted(pages: list, known: article.KnownLines = article.NO_LINES) -> list[np.ndarray]:
        built.append(len(pages))
        return features_many(pages, known)

    monkeypatch.setattr(article, "features_many", counted)
    for doc in together:
        chrome.strip_chrome(doc, RULES, known, defer=True)
    assert chrome.finish_chrome(together, known) == {}
    assert [d.to_dict() for d in together] == [d.to_dict() for d in alone]
    assert built and built[0] >= 3  # a later round built for several pages at once
    assert any(e.rule in chrome.MODEL_RULES for d in together for e in d.events)
    with pytest.raises(ValueError, match="defer needs"):  # nowhere to leave the rest: refused, not lost
        chrome.strip_chrome(pages()[0], RULES, defer=True)
