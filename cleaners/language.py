"""Per-paragraph language identification with langdetect, made deterministic and cheap.

langdetect is random by default and costs milliseconds per call, so a seeded factory is used
and a stop-word pre-check settles plain English paragraphs without calling it.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import LangDetectException

from cleaners.document import Document, Event
from cleaners.settings import Settings

UNDETERMINED = "und"

_WORD = re.compile(r"[^\W\d_]+")
# Function words that are frequent in English prose and rare as whole words in other
# Latin-script languages; a paragraph dense in them is English without asking langdetect.
_EN_STOP = frozenset(
    "the of and to in is was that for on with as by at from it be are were has have had "
    "this which will would not but an their its they he she said been who also after".split()
)
_FOREIGN_STOP = frozenset(
    "der die das und ist nicht ein eine den dem des mit auf für sich le la les et est une des "
    "dans pour que qui pas sur au du el los las por con una para es y como".split()
)


@lru_cache(maxsize=4)
def _factory(seed: int) -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    factory.seed = seed
    return factory


# Scripts used by one language that langdetect has no profile for.
_SCRIPT_LANGS = (("ka", 0x10A0, 0x10FF), ("hy", 0x0530, 0x058F))


def _script_language(text: str) -> str | None:
    letters = [ord(ch) for ch in text if ch.isalpha()]
    if not letters:
        return None
    for lang, lo, hi in _SCRIPT_LANGS:
        if sum(1 for c in letters if lo <= c <= hi) / len(letters) > 0.5:
            return lang
    return None


def detect(text: str, seed: int = 0) -> tuple[str, float]:
    """Most probable language of `text` and its probability; ('und', 0.0) when unknown."""
    by_script = _script_language(text)
    if by_script:
        return by_script, 1.0
    try:
        det = _factory(seed).create()
        det.append(text)
        probs = det.get_probabilities()
    except LangDetectException:
        return UNDETERMINED, 0.0
    if not probs:
        return UNDETERMINED, 0.0
    return probs[0].lang, float(probs[0].prob)


def quick_english(text: str) -> bool | None:
    """True when the text is plainly English, False when plainly not Latin-script English,
    None when langdetect has to decide."""
    letters = sum(1 for ch in text if ch.isalpha())
    if letters == 0:
        return None
    non_ascii = sum(1 for ch in text if ch.isalpha() and ord(ch) > 0x24F)
    if non_ascii / letters > 0.3:
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 8:
        return None
    en = sum(1 for w in words if w in _EN_STOP)
    foreign = sum(1 for w in words if w in _FOREIGN_STOP)
    if en / len(words) >= 0.12 and foreign <= en / 4:
        return True
    return None


def paragraph_language(text: str, settings: Settings) -> str:
    """Language code of one paragraph; 'und' when too short to tell."""
    if sum(1 for ch in text if ch.isalpha()) < settings.min_language_chars:
        return UNDETERMINED
    verdict = quick_english(text)
    if verdict is True:
        return "en"
    lang, _ = detect(text, settings.language_seed)
    return lang


def detect_languages(doc: Document, settings: Settings) -> None:
    """Label each paragraph, pick the document's language by letters, flag the odd ones out."""
    weights: Counter[str] = Counter()
    for para in doc.live:
        para.language = paragraph_language(para.text, settings)
        if para.language != UNDETERMINED:
            weights[para.language] += len(para.text)
    if not weights:
        # Short documents: judge the whole text at once.
        whole = doc.clean_text()
        lang = paragraph_language(whole, settings.model_copy(update={"min_language_chars": 10}))
        doc.language = lang
        return
    doc.language = weights.most_common(1)[0][0]
    for para in doc.live:
        if para.language in (UNDETERMINED, doc.language):
            continue
        drop = settings.drop_foreign_paragraphs
        doc.add(
            Event(
                doc=doc.id,
                paragraph=para.index,
                kind="language",
                action="removed" if drop else "flagged",
                text=para.text,
                rule="language:paragraph",
                confidence=0.9,
                lang=para.language,
            )
        )
        if drop:
            para.removed = "language"
