"""Per-paragraph language identification with langdetect, made deterministic and cheap.

langdetect is random by default and costs milliseconds per call, so a seeded factory is used
and a stop-word pre-check settles plain English paragraphs without calling it.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from langdetect import DetectorFactory, detector_factory
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from cleaners.document import Document, Event
from cleaners.gates import Column, per_text, pl
from cleaners.settings import Settings
from cleaners.verdicts import NO_VERDICTS, Verdicts

UNDETERMINED = "und"

_WORD = re.compile(r"[^\W\d_]+")
# Function words that are frequent in English prose and rare as whole words in other
# Latin-script languages; a paragraph dense in them is English without asking langdetect.
# Words that are also common in Dutch, German or the Romance languages (in, over, we, so, do) are
# left out of the relaxed rule's evidence on purpose.
_EN_STOP = frozenset(
    "the of and to in is was that for on with as by at from it be are were has have had "
    "this which will would not but an their its they he she said been who also after".split()
)
_EN_MORE = frozenset(
    "his her them than into about there when could should before under between because while "
    "these those what your our you more most other such only just people year government".split()
)
_FOREIGN_STOP = frozenset(
    "der die das und ist nicht ein eine den dem des mit auf für sich le la les et est une des "
    "dans pour que qui pas sur au du el los las por con una para es y como "
    "een zijn niet voor wordt il di gli della sono anche não uma och att är".split()
)
# ASCII bytes that are not letters: deleting them leaves exactly the characters str.isalpha() counts.
_ASCII_NON_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())
# The bytes of a UTF-8 text below 0x80 are its ASCII characters: deleting the others and the non-letters
# leaves the ASCII letters.
_NOT_ASCII_LETTERS = _ASCII_NON_LETTERS + bytes(range(128, 256))
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]+")
# An ASCII text's letters lowered and every other byte a space: its lowered words (`_WORD`) are then its
# `split()` (five times faster than the Unicode pattern, which the other texts still go through).
_LOWER_LETTERS_OR_SPACE = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))
_BEYOND_LATIN = re.compile(r"[^\x00-\u024f]+")


def count_letters(text: str) -> int:
    """Number of alphabetic characters (str.isalpha): the ASCII ones by bytes, the others one by one."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
    ascii_letters = len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ASCII_LETTERS))
    return ascii_letters + sum(map(str.isalpha, "".join(_BEYOND_ASCII.findall(text))))


@lru_cache(maxsize=4)
def _factory(seed: int) -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    factory.seed = seed
    return factory


class FastDetector(Detector):
    """langdetect's Detector, its trial loop on numpy vectors: each step multiplies all languages'
    probabilities by the n-gram's weights, which langdetect does one language at a time in Python
    (most of a call's cost); `weight + row` is computed once per trial for every n-gram of the
    text, and the draws call `random.choice`'s own `_randbelow`. The random draws,
    the element-wise operations and their order are langdetect's own (normalising sums left to
    right, as `sum` does), so the probabilities are the same to the last bit; the tests compare
    them with langdetect's Detector."""

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        row_of: dict[str, int] = {}
        codes = [row_of.setdefault(w, len(row_of)) for w in ngrams]  # drawn like the n-grams themselves
        rows = np.stack([self._row(w) for w in row_of])
        init = np.array(self._init_probability(), dtype=np.float64)
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        below = self.random._randbelow  # what `random.choice(seq)` draws: seq[_randbelow(len(seq))]
        n = len(codes)
        for _ in range(self.n_trial):
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            factors = (alpha / self.BASE_FREQ) + rows  # `weight + row` of every n-gram of the text
            prob = init * factors[codes[below(n)]]  # step 0, then a normalisation
            i = 0
            while True:
                values = prob.tolist()
                total = sum(values)
                prob /= total
                # division is monotonic, so the largest normalised value is the largest value / total
                if max(0.0, *values) / total > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                    break
                for _ in range(5):
                    prob *= factors[codes[below(n)]]
                i += 5
            for j, p in enumerate(prob.tolist()):
                self.langprob[j] += p / self.n_trial

    def _extract_ngrams(self) -> list[str]:
        """langdetect's n-grams of the text, in its order (`Detector._extract_ngrams`, checked against it in
        the tests): its character-by-character loop amounts to the n-grams of each word (a run of
        characters that normalise to no space) padded with the space before it and, when one follows, the
        space after it; so each distinct padded word is worked out once per process (`_word_ngrams`)."""
        known = self.word_lang_prob_map
        words = self.text.translate(_NGRAM_CHARS).split(" ")
        last = len(words) - 1
        out: list[str] = []
        for k, word in enumerate(words):
            if word:
                out += _word_ngrams(" " + word + " " if k < last else " " + word, known)
        return out

    def _row(self, word: str) -> np.ndarray:
        row = _ROWS.get(word)
        if row is None:
            row = _ROWS[word] = np.array(self.word_lang_prob_map[word], dtype=np.float64)
        return row


_ROWS: dict[str, np.ndarray] = {}  # n-gram -> its per-language weights (one profile set per process)


class _NGramChars(dict):
    """str.translate table of langdetect's per-character normalisation (`NGram.normalize`), built lazily."""

    def __missing__(self, code: int) -> str:
        value = self[code] = NGram.normalize(chr(code))
        return value


_NGRAM_CHARS = _NGramChars()
_WORD_NGRAMS: dict[str, list[str]] = {}
_MAX_WORD_NGRAMS = 100_000


def _word_ngrams(padded: str, known: dict[str, Any]) -> list[str]:
    """The n-grams langdetect's loop takes from one padded word: at each character after the leading space,
    the 1-, 2- and 3-grams ending there (as far as the word reaches back) that the profiles know, except
    where this character and the one before are both capitals (an acronym). The profiles are langdetect's
    one set, so the cache holds for every detector of the process."""
    found = _WORD_NGRAMS.get(padded)
    if found is None:
        found = []
        for i in range(1, len(padded)):
            if padded[i].isupper() and padded[i - 1].isupper():
                continue
            for n in (1, 2, 3):
                if n > i + 1:
                    break
                gram = padded[i + 1 - n : i + 1]
                if gram != " " and gram in known:
                    found.append(gram)
        if len(_WORD_NGRAMS) >= _MAX_WORD_NGRAMS:
            _WORD_NGRAMS.clear()
        _WORD_NGRAMS[padded] = found
    return found


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


@lru_cache(maxsize=4096)
def detect(text: str, seed: int = 0) -> tuple[str, float]:
    """Most probable language of `text` and its probability; ('und', 0.0) when unknown.
    Cached: langdetect re-seeds its generator on every call, so a text always gets the same answer,
    and syndicated copies repeat sentences."""
    by_script = _script_language(text)
    if by_script:
        return by_script, 1.0
    try:
        det = FastDetector(_factory(seed))
        det.append(text)
        probs = det.get_probabilities()
    except LangDetectException:
        return UNDETERMINED, 0.0
    if not probs:
        return UNDETERMINED, 0.0
    return probs[0].lang, float(probs[0].prob)


def foreign_prose(text: str) -> bool:
    """A sentence of five words or more, a quarter of them function words of German, French, Spanish,
    Dutch, Italian, Portuguese or Swedish: prose in another Latin-script language, which English function
    words cannot show.

    >>> foreign_prose("Die Regierung hat das Gesetz nicht mit der Mehrheit beschlossen."), foreign_prose("Im Netz")
    (True, False)
    """
    words = lower_words(text)
    return len(words) >= 5 and 4 * sum(map(_FOREIGN_STOP.__contains__, words)) >= len(words)


def lower_words(text: str) -> list[str]:
    """The text's words (runs of letters), lower-cased.

    >>> lower_words("Ärger über 3 Tabs_und Köpfe"), lower_words("Don't stop 4ever")
    (['ärger', 'über', 'tabs', 'und', 'köpfe'], ['don', 't', 'stop', 'ever'])
    """
    if text.isascii():
        return text.encode("ascii").translate(_LOWER_LETTERS_OR_SPACE).decode("ascii").split()
    return [w.lower() for w in _WORD.findall(text)]


def quick_english(text: str) -> bool | None:
    """True when the text is plainly English, False when plainly not Latin-script English,
    None when langdetect has to decide.

    Plainly English: at least 8 words, no function word of German, French, Spanish, Dutch,
    Italian, Portuguese or Swedish, and either dense English function words (12 %), or, for
    text with ASCII letters only, at least three English function words making 6 % of the words."""
    letters = count_letters(text)
    if letters == 0:
        return None
    ascii_letters = True  # no letter outside ASCII (typographic quotes and dashes are fine)
    if not text.isascii():
        non_latin = sum(map(str.isalpha, "".join(_BEYOND_LATIN.findall(text))))
        if non_latin / letters > 0.3:
            return False
        ascii_letters = not any(map(str.isalpha, "".join(_BEYOND_ASCII.findall(text))))
    words = lower_words(text)
    if len(words) < 8:
        return None
    en = sum(map(_EN_STOP.__contains__, words))
    foreign = sum(map(_FOREIGN_STOP.__contains__, words))
    if en / len(words) >= 0.12 and foreign <= en / 4:
        return True
    if foreign == 0 and ascii_letters:
        en += sum(map(_EN_MORE.__contains__, words))
        if en >= 3 and en / len(words) >= 0.06:
            return True
    return None


# What `english_columns` gives for one text: its `count_letters` and `quick_english`.
Known = dict[str, tuple[int, bool | None]]


# Each word's tally in `english_columns`: English function words count in the lowest bits, `_EN_MORE` and
# the foreign ones `_SHIFT` and 2 * `_SHIFT` bits higher (a text of fewer than 2 ** `_SHIFT` words cannot
# carry from one count into the next).
_SHIFT = 21
_TALLY = {
    **{w: 1 for w in _EN_STOP},
    **{w: 1 << _SHIFT for w in _EN_MORE},
    **{w: 1 << (2 * _SHIFT) for w in _FOREIGN_STOP},
}


def english_columns(texts: list[str]) -> Known:
    """`count_letters` and `quick_english` of the plain texts among `texts` (`gates.Column.plain`), over the
    column at once: on a plain text Python's rules are ASCII rules, so the words are [A-Za-z]+ runs
    lowered, the letters are theirs, and no letter is beyond Latin. The others are left to the
    functions themselves."""
    column = Column(texts)
    words = column.series.str.to_lowercase().str.extract_all("[a-z]+")
    counts = per_text(
        words,
        n=pl.col("w").list.len(),
        letters=pl.col("w").list.eval(pl.element().str.len_bytes()).list.sum(),
        tally=pl.col("w").list.eval(pl.element().replace_strict(_TALLY, default=0, return_dtype=pl.Int64)).list.sum(),
    )
    n, letters, tally = counts["n"], counts["letters"], counts["tally"]
    mask = (1 << _SHIFT) - 1
    en, more, foreign = tally & mask, (tally >> _SHIFT) & mask, tally >> (2 * _SHIFT)
    share = np.divide(en, n, out=np.zeros(len(n)), where=n > 0)
    relaxed = np.divide(en + more, n, out=np.zeros(len(n)), where=n > 0)
    dense = (share >= 0.12) & (foreign <= en / 4)
    english = (letters > 0) & (n >= 8) & (dense | ((foreign == 0) & (en + more >= 3) & (relaxed >= 0.06)))
    plain = column.plain & (n < mask)
    return {text: (int(letters[k]), True if english[k] else None) for k, text in enumerate(texts) if plain[k]}


def paragraph_language(text: str, settings: Settings, known: Known | None = None) -> str:
    """Language code of one paragraph; 'und' when too short to tell. `known`: `english_columns` answers."""
    letters, verdict = known.get(text, (None, None)) if known else (None, None)
    if letters is None:
        letters = count_letters(text)
        if letters >= settings.min_language_chars:
            verdict = quick_english(text)
    if letters < settings.min_language_chars:
        return UNDETERMINED
    if verdict is True:
        return "en"
    lang, _ = detect(text, settings.language_seed)
    return lang


def language_columns(docs: list[Document]) -> list[Known]:
    """The language stage's columns: `english_columns` over every live paragraph of the batch, one answer
    shared by all its documents."""
    known = english_columns(list({p.text: None for doc in docs for p in doc.live}))
    return [known] * len(docs)


def detect_languages(
    doc: Document, settings: Settings, known: Known | None = None, verdicts: Verdicts = NO_VERDICTS
) -> None:
    """Label each paragraph, pick the document's language by letters, flag the odd ones out."""
    weights: Counter[str] = Counter()
    for para in doc.live:
        para.language = paragraph_language(para.text, settings, known)
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
        carried_out = doc.add(
            Event(
                doc=doc.id,
                paragraph=para.index,
                kind="language",
                action="removed" if drop else "flagged",
                text=para.text,
                rule="language:paragraph",
                confidence=0.9,
                lang=para.language,
            ),
            verdicts,
        )
        if drop and carried_out:
            para.removed = "language"
