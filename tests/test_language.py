from cleaners.document import Document, split_paragraphs
from cleaners.language import detect, detect_languages, paragraph_language, quick_english
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
