import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.generate import Generator  # noqa: E402
from cleaners.document import Document, split_paragraphs
from cleaners.language import count_letters, detect, detect_languages, paragraph_language, quick_english
from cleaners.settings import Settings

S = Settings()
EN = (
    "The council of the small river town voted on Tuesday to rebuild the old bridge, which has been "
    "closed to traffic since the spring floods damaged two of its pillars."
)
DE = (
    "Der Gemeinderat der kleinen Stadt am Fluss hat am Dienstag beschlossen, die alte Brücke neu zu bauen, "
    "die seit dem Hochwasser im Frühjahr für den Verkehr gesperrt ist."
)
FR = (
    "Le conseil municipal de la petite ville a voté mardi la reconstruction du vieux pont, fermé à la "
    "circulation depuis les inondations du printemps."
)


def test_detect_is_deterministic() -> None:
    assert {detect(DE) for _ in range(5)} == {detect(DE)}
    assert detect(DE)[0] == "de" and detect(FR)[0] == "fr"


def test_script_languages_without_langdetect_profile() -> None:
    assert detect("ეს არის ქართული წინადადება.")[0] == "ka"
    assert detect("Սա հայերեն նախադասություն է։")[0] == "hy"


def test_quick_english_precheck() -> None:
    assert quick_english(EN) is True
    assert quick_english(DE) is None
    assert quick_english("Это предложение написано по-русски, а не по-английски.") is False


def test_short_paragraph_is_undetermined() -> None:
    assert paragraph_language("Read more", S) == "und"


def test_foreign_paragraph_flagged_and_kept() -> None:
    doc = Document(id="d", source="d", paragraphs=split_paragraphs(f"Bridge vote\n\n{EN}\n\n{DE}\n\n{EN}"))
    detect_languages(doc, S)
    assert doc.language == "en"
    assert [p.language for p in doc.paragraphs] == ["und", "en", "de", "en"]
    (event,) = doc.events
    assert (event.kind, event.action, event.paragraph, event.lang) == ("language", "flagged", 2, "de")
    assert len(doc.live) == 4


def test_foreign_paragraph_dropped_when_set() -> None:
    doc = Document(id="d", source="d", paragraphs=split_paragraphs(f"{EN}\n\n{DE}\n\n{EN}"))
    detect_languages(doc, Settings(drop_foreign_paragraphs=True))
    assert doc.events[0].action == "removed"
    assert [p.index for p in doc.live] == [0, 2]


def test_german_document_is_german() -> None:
    doc = Document(id="d", source="d", paragraphs=split_paragraphs(f"{DE}\n\n{DE}"))
    detect_languages(doc, S)
    assert doc.language == "de" and not doc.events


# --- the English pre-check: fast, and never wrong on clear cases ---------------------------------

CLEAR_EN = [
    EN,
    "Harbour officials in Tarnwick said the new crane would be delivered in the autumn, and that the "
    "old one, which has been in service since the war, will be sold for scrap.",
    "The union said its members had voted to accept the offer after two days of talks, but warned that "
    "the dispute over night shifts was not over and could flare up again before the summer.",
    "Residents who live near the quarry say they were never asked about the new road. It was built in "
    "six weeks and it is used by lorries at all hours of the night, they told the inquiry.",
    "She said that the budget for the festival would be cut by a third this year, because the sponsors "
    "from the energy sector had pulled out of the deal at the last minute.",
]
NOT_EN = [
    # Dutch and Italian share a few short words with English; the pre-check must leave them to langdetect.
    "De gemeenteraad van Tarnwick heeft dinsdag besloten dat de oude brug wordt afgebroken, omdat die "
    "niet meer veilig is voor het verkeer en een nieuwe brug in het voorjaar klaar moet zijn.",
    "Il consiglio comunale di Tarnwick ha deciso martedì di demolire il vecchio ponte, che non è più "
    "sicuro per il traffico, e di costruirne uno nuovo entro la primavera.",
    DE,
    FR,
]


@pytest.mark.parametrize("text", CLEAR_EN)
def test_quick_english_agrees_with_langdetect_on_clear_english(text: str) -> None:
    assert quick_english(text) is True
    assert detect(text)[0] == "en"
    assert paragraph_language(text, S) == "en"


@pytest.mark.parametrize("text", NOT_EN)
def test_quick_english_leaves_other_languages_to_langdetect(text: str) -> None:
    assert quick_english(text) is not True
    assert paragraph_language(text, S) != "en"


@pytest.mark.parametrize(
    "text", ["", "abc def", "Zoë and Øystein met at 10:30 — ½ past", "Straße №5 ²³ ǅ", "日本語 テキスト", "a_b 1 2"]
)
def test_count_letters_is_isalpha_count(text: str) -> None:
    assert count_letters(text) == sum(ch.isalpha() for ch in text)


def test_foreign_recall_on_generated_paragraphs() -> None:
    """Generated German, French and Spanish paragraphs are never taken for English by the pre-check,
    and langdetect names at least 98 % of them."""
    gen = Generator(seed=3, vocabulary=2000, sites=1)
    total = right = 0
    for lang in ("de", "fr", "es"):
        for _ in range(60):
            text = gen._foreign(lang)
            assert quick_english(text) is not True, text
            total += 1
            right += paragraph_language(text, S) == lang
    assert right / total >= 0.98
