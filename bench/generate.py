"""Deterministic benchmark corpus: English-like articles with planted problems and their ground truth.

Real corpora cannot be shared at benchmark sizes, so this writes synthetic ones whose answers are
known: per-site chrome lines, syndicated near-copies of paragraphs, mojibake paragraphs and
paragraphs in German, French or Spanish. The prose is a zipfian pseudo-vocabulary mixed with
real English function words at realistic rates, so the English pre-check of
`cleaners.language.quick_english` accepts it and near-duplicate detection sees realistic
shingle overlap between unrelated paragraphs.

    python -m bench.generate --out DIR --paragraphs N [--seed S]

writes DIR/raw/site-XX/NNNNNN.txt (title on line 1, blocks separated by blank lines, LF, UTF-8)
and DIR/truth.json. N counts body paragraphs (titles and chrome blocks excluded). Paragraph
indices in the truth are `Paragraph.index`: the position among the blank-line separated blocks
of the file, the title being 0. Documents are named by their path relative to DIR/raw.

Files are streamed one article at a time; memory grows only with the truth lists.
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Real English function words with approximate shares of running text (per cent).
EN_FUNCTION = {
    "the": 6.0, "of": 3.0, "and": 2.8, "to": 2.6, "a": 2.2, "in": 1.9, "is": 1.0, "that": 1.0,
    "for": 0.9, "it": 0.8, "was": 0.8, "on": 0.7, "with": 0.65, "as": 0.6, "he": 0.55, "by": 0.5,
    "at": 0.5, "from": 0.45, "his": 0.4, "be": 0.4, "said": 0.4, "this": 0.35, "are": 0.35,
    "have": 0.35, "were": 0.3, "had": 0.3, "which": 0.3, "not": 0.3, "but": 0.3, "they": 0.3,
    "or": 0.25, "their": 0.25, "an": 0.25, "has": 0.25, "been": 0.2, "who": 0.2, "will": 0.2,
    "would": 0.18, "its": 0.18, "she": 0.15, "we": 0.15, "also": 0.15, "after": 0.12, "more": 0.12,
    "than": 0.1, "into": 0.1, "about": 0.1, "there": 0.1, "all": 0.1, "one": 0.1, "over": 0.08,
    "when": 0.08, "new": 0.08, "two": 0.07, "year": 0.06, "last": 0.06, "people": 0.05,
    "government": 0.05, "could": 0.05, "before": 0.05, "under": 0.04, "between": 0.04,
}  # fmt: skip

# Common words of other languages: enough for langdetect to name the language of a paragraph.
FOREIGN_WORDS = {
    "de": (
        "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an als "
        "nach wie aus bei noch wird werden hat haben sind war wurde über so zum vor einer um am durch "
        "Jahr Regierung Stadt Menschen Zeit heute sagte gegen bis unter kann muss neue ersten Land "
        "zwischen Prozent Millionen Woche Minister wieder schon immer sollen weil dass aber oder "
        "wenn nur mehr Arbeit Wasser Gemeinde Haushalt Vertrag Gewerkschaft Bürger Hafen Strom"
    ).split(),
    "fr": (
        "le la les de des et est un une du en que qui dans pour pas sur au avec par plus il elle ils "
        "nous ce cette sont été aussi comme mais selon après contre leur leurs ont fait être tout "
        "gouvernement ville année semaine ministre pays travail eau depuis encore déjà très sans "
        "entre toujours avait avoir peut doit nouveau nouvelle premier habitants syndicat accord "
        "budget électricité région hausse prix maire conseil projet"
    ).split(),
    "es": (
        "el la los las de del y que en un una por con para es se no al lo como más pero sus su fue "
        "ha son también entre gobierno ciudad año semana ministro país trabajo agua desde todavía "
        "muy sin siempre había tiene puede debe nuevo nueva primer habitantes sindicato acuerdo "
        "presupuesto electricidad región subida precio alcalde consejo proyecto este esta según "
        "cuando donde porque sobre hasta durante"
    ).split(),
}

_ONSETS = "b c d f g h j k l m n p r s t v w z br cl dr fr gr pl pr st tr ch sh th".split()
_VOWELS = "a e i o u a e i o ai ea ou".split()
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk", "ng", "x"]
_TABLE = 1 << 22
_SECTIONS = "News Politics Economy Business Region City World Energy Society Culture".split()
_OUTLET_SUFFIX = "Herald Times Post Courier Daily Observer Gazette Review Monitor Tribune".split()


def pseudo_vocabulary(rng: random.Random, size: int) -> list[str]:
    """`size` distinct invented words, roughly shortest first so short words get the frequent ranks."""
    taken = set(EN_FUNCTION)
    for words in FOREIGN_WORDS.values():
        taken.update(w.lower() for w in words)
    words: dict[str, float] = {}
    while len(words) < size:
        n_syll = rng.choice((1, 2, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(n_syll)) + rng.choice(_CODAS)
        if len(word) >= 3 and word not in taken:
            words[word] = rng.random() * 4.0
    return sorted(words, key=lambda w: len(w) + words[w])


@dataclass
class Site:
    name: str
    outlet: str
    header: list[str]
    read_more: str | None
    links: list[str]
    footer: list[str]
    used: dict[str, None] = field(default_factory=dict)  # chrome lines emitted, in order


@dataclass
class Rates:
    """Share of body paragraphs that get each planted problem."""

    copy: float = 0.02
    mojibake: float = 0.01
    foreign: float = 0.01


class Generator:
    """Writes articles one at a time; all randomness comes from one seeded random.Random
    (and a numpy generator seeded from it for bulk word sampling)."""

    def __init__(self, seed: int, vocabulary: int = 20_000, sites: int = 20, rates: Rates | None = None):
        self.rng = random.Random(seed)
        self.np = np.random.Generator(np.random.PCG64(self.rng.getrandbits(64)))
        self.rates = rates or Rates()
        pseudo = pseudo_vocabulary(self.rng, vocabulary)
        fw_share = sum(EN_FUNCTION.values()) / 100.0
        ranks = np.arange(1, len(pseudo) + 1, dtype=np.float64)
        zipf = 1.0 / (ranks + 2.7) ** 1.05
        zipf *= (1.0 - fw_share) / zipf.sum()
        weights = np.concatenate([np.array(list(EN_FUNCTION.values())) / 100.0, zipf])
        self.words = np.array(list(EN_FUNCTION) + pseudo, dtype=object)
        cum = np.cumsum(weights / weights.sum())
        # Inverse-CDF lookup table: one integer draw and one gather per word instead of a binary
        # search; 2**22 buckets resolve every word of the 20k vocabulary.
        mids = (np.arange(_TABLE, dtype=np.float64) + 0.5) / _TABLE
        self.table = np.minimum(np.searchsorted(cum, mids, side="right"), len(self.words) - 1).astype(np.int32)
        # Token forms by kind: plain, sentence start, sentence end, before a comma.
        plain = list(self.words)
        self.forms = np.array(
            [plain, [w.capitalize() for w in plain], [w + "." for w in plain], [w + "," for w in plain]],
            dtype=object,
        )
        self.ready: deque[str] = deque()
        self.pseudo = pseudo
        self.foreign_cum = {}
        for lang, words in FOREIGN_WORDS.items():
            w = 1.0 / (np.arange(1, len(words) + 1) + 1.0) ** 0.9
            self.foreign_cum[lang] = (np.array(words, dtype=object), np.cumsum(w / w.sum()))
        self.sites = [self._site(i) for i in range(sites)]
        self.reservoir: deque[tuple[str, int, str, int]] = deque(maxlen=512)
        self.groups: dict[tuple[str, int], dict] = {}
        self.mojibake: list[dict] = []
        self.foreign: list[dict] = []

    # --- building blocks -------------------------------------------------------------------

    def _pseudo_cap(self, lo: int = 0, hi: int = 3000) -> str:
        return self.pseudo[self.rng.randrange(lo, hi)].capitalize()

    def _site(self, i: int) -> Site:
        rng = self.rng
        outlet = f"The {self._pseudo_cap(200, 4000)} {rng.choice(_OUTLET_SUFFIX)}"
        cookie = rng.choice(
            (
                f"We use cookies to give you the best experience on {outlet}. By continuing you accept "
                "our cookie policy. Accept | Settings",
                f"This website uses cookies. {outlet} and its partners use them to measure the audience. OK",
                "Cookies help us deliver our services. By using our services, you agree to our use of "
                "cookies. Learn more | Got it",
            )
        )
        crumb = f"Home › {rng.choice(_SECTIONS)} › {self._pseudo_cap()}"
        share = rng.choice(
            (
                "Share this article: Facebook · X · Email",
                "Share on Facebook | Share on X | Send by email",
                f"Follow {outlet} on Telegram for breaking news.",
            )
        )
        copyright_ = rng.choice(
            (f"© 2024 {outlet}. All rights reserved.", f"Copyright {outlet} 2024 – all rights reserved")
        )
        header = [cookie, crumb] if rng.random() < 0.7 else [crumb]
        read_more = rng.choice(("Read more:", "Related", "Read also:", None))
        links = [self._headline() for _ in range(6)] if read_more else []
        footer = [share, copyright_] if rng.random() < 0.8 else [copyright_]
        return Site(f"site-{i:02d}", outlet, header, read_more, links, footer)

    def _headline(self) -> str:
        if not self.ready:
            self._refill()
        words = self.ready.popleft().split(" ", 9)[: self.rng.randint(5, 9)]
        return " ".join(w.rstrip(".,") for w in words)

    def _sample_words(self, n: int) -> list[str]:
        return self.words[self.table[self.np.integers(0, _TABLE, size=n)]].tolist()

    def _sentences(self, words: list[str], lengths: list[int]) -> str:
        out, pos = [], 0
        for n in lengths:
            s = words[pos : pos + n]
            pos += n
            if n > 9:
                k = n // 2
                s[k] = s[k] + ","
            s[0] = s[0].capitalize()
            out.append(" ".join(s) + ".")
        return " ".join(out)

    def _refill(self, count: int = 2048) -> None:
        """Build `count` English-like paragraphs at once: per-paragraph numpy calls cost more
        than the text they produce."""
        n_sent = self.np.integers(2, 7, size=count)
        lengths = self.np.integers(7, 26, size=int(n_sent.sum()))
        total = int(lengths.sum())
        idx = self.table[self.np.integers(0, _TABLE, size=total)]
        ends = np.cumsum(lengths)
        starts = ends - lengths
        kinds = np.zeros(total, dtype=np.intp)
        long = lengths > 9
        kinds[starts[long] + lengths[long] // 2] = 3
        kinds[starts] = 1
        kinds[ends - 1] = 2
        tokens = self.forms[kinds, idx].tolist()
        bounds = np.concatenate(([0], ends[np.cumsum(n_sent) - 1])).tolist()
        self.ready.extend(" ".join(tokens[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))

    def _paragraph(self) -> str:
        if not self.ready:
            self._refill()
        text = self.ready.popleft()
        if self.rng.random() < 0.05:  # typographic apostrophes in clean text too
            text = self._typographic(text, accent=False)
        return text

    def _typographic(self, text: str, accent: bool) -> str:
        """Add a ’s possessive (and an é word): the characters mojibake damages."""
        words = text.split(" ")
        i = self.rng.randrange(len(words))
        if len(words[i]) > 3 and words[i][-1:].isalpha():
            words[i] += "’s"
        if accent:
            j = self.rng.randrange(len(words))
            w = words[j]
            k = w.find("e")
            words[j] = w[:k] + "é" + w[k + 1 :] if k >= 0 else w + "é"
        return " ".join(words)

    def _foreign(self, lang: str) -> str:
        vocab, cum = self.foreign_cum[lang]
        lengths = self.np.integers(8, 20, size=self.rng.randint(2, 4)).tolist()
        idx = np.searchsorted(cum, self.np.random(sum(lengths)), side="right")
        np.minimum(idx, len(vocab) - 1, out=idx)
        return self._sentences(vocab[idx].tolist(), lengths)

    def _near_copy(self, text: str) -> str:
        """A few words substituted or deleted, as a re-editing desk would."""
        words = text.split(" ")
        for _ in range(self.rng.randint(1, 3)):
            i = self.rng.randrange(len(words))
            tail = "".join(ch for ch in words[i][-1:] if ch in ".,")
            if self.rng.random() < 0.5 and len(words) > 8 and not tail:
                del words[i]
            else:
                head = self._sample_words(1)[0]
                if words[i][:1].isupper():
                    head = head.capitalize()
                words[i] = head + tail
        return " ".join(words)

    # --- articles --------------------------------------------------------------------------

    def article(self, doc: str, site: Site, n_body: int) -> str:
        """Text of one article; records planted problems under `doc`."""
        blocks = [self._headline()]
        for line in site.header:
            blocks.append(line)
            site.used.setdefault(line, None)
        rates, rng = self.rates, self.rng
        for _ in range(n_body):
            index = len(blocks)
            roll = rng.random()
            if roll < rates.copy and self.reservoir:
                src = self._pick_source(site.name)
                text = self._near_copy(src[2])
                key = (src[0], src[1])
                group = self.groups.get(key)
                if group is None:
                    group = {"source": {"doc": src[0], "paragraph": src[1]}, "members": []}
                    group["members"].append({"doc": src[0], "paragraph": src[1]})
                    self.groups[key] = group
                group["members"].append({"doc": doc, "paragraph": index})
            elif roll < rates.copy + rates.mojibake:
                original = self._typographic(self._paragraph(), accent=True)
                text = original.encode("utf-8").decode("cp1252")
                self.mojibake.append({"doc": doc, "paragraph": index, "original": original})
            elif roll < rates.copy + rates.mojibake + rates.foreign:
                lang = rng.choice(("de", "fr", "es"))
                text = self._foreign(lang)
                self.foreign.append({"doc": doc, "paragraph": index, "lang": lang})
            else:
                text = self._paragraph()
                self.reservoir.append((doc, index, text, int(site.name[5:])))
            blocks.append(text)
        if site.read_more:
            picks = rng.sample(site.links, 2)
            blocks.append("\n".join([site.read_more, *picks]))
            for line in (site.read_more, *picks):
                site.used.setdefault(line, None)
        for line in site.footer:
            blocks.append(line)
            site.used.setdefault(line, None)
        return "\n\n".join(blocks) + "\n"

    def _pick_source(self, site: str) -> tuple[str, int, str, int]:
        """A recent paragraph, preferably from another site (syndication)."""
        own = int(site[5:])
        for _ in range(4):
            src = self.reservoir[self.rng.randrange(len(self.reservoir))]
            if src[3] != own:
                break
        return src

    def truth(self, seed: int, paragraphs: int, documents: int) -> dict:
        return {
            "seed": seed,
            "paragraphs": paragraphs,
            "documents": documents,
            "paragraph_index": "position among blank-line separated blocks of the file; the title is 0",
            "chrome": {s.name: list(s.used) for s in self.sites if s.used},
            "near_copies": list(self.groups.values()),
            "mojibake": self.mojibake,
            "foreign": self.foreign,
        }


class _Writer:
    """Writes files on a background thread: creating many small files is syscall-bound and
    releases the GIL, so it overlaps with generating the next article. The queue is bounded,
    so memory stays flat."""

    def __init__(self, depth: int = 256) -> None:
        self.queue: queue.Queue[tuple[Path, bytes] | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bench-writer", daemon=True)

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    item[0].write_bytes(item[1])
                except BaseException as exc:  # reported on the main thread
                    self.error = exc

    def put(self, path: Path, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((path, data))

    def __enter__(self) -> _Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


def generate(
    out: Path,
    paragraphs: int,
    seed: int = 0,
    rates: Rates | None = None,
    sites: int = 20,
) -> dict:
    """Write the corpus under `out`/raw and `out`/truth.json; return a short summary."""
    started = time.perf_counter()
    gen = Generator(seed, sites=sites, rates=rates)
    raw = out / "raw"
    for site in gen.sites:
        (raw / site.name).mkdir(parents=True, exist_ok=True)
    # Sites differ in output: a few large ones, a long tail (deterministic weights).
    site_weights = [1.0 / (i + 1) ** 0.6 for i in range(len(gen.sites))]
    remaining, n_docs, n_bytes = paragraphs, 0, 0
    with _Writer() as writer:
        while remaining > 0:
            n_body = min(remaining, gen.rng.randint(8, 25))
            site = gen.rng.choices(gen.sites, weights=site_weights)[0]
            doc = f"{site.name}/{n_docs:06d}.txt"
            data = gen.article(doc, site, n_body).encode("utf-8")
            writer.put(raw / doc, data)
            n_bytes += len(data)
            n_docs += 1
            remaining -= n_body
    truth = gen.truth(seed, paragraphs, n_docs)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    return {
        "documents": n_docs,
        "paragraphs": paragraphs,
        "bytes": n_bytes,
        "seconds": round(seconds, 3),
        "mb_per_s": round(n_bytes / 1e6 / seconds, 1) if seconds else None,
        "near_copy_groups": len(truth["near_copies"]),
        "mojibake": len(truth["mojibake"]),
        "foreign": len(truth["foreign"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (raw/ and truth.json)")
    parser.add_argument("--paragraphs", type=int, required=True, help="number of body paragraphs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--copy-rate", type=float, default=Rates.copy)
    parser.add_argument("--mojibake-rate", type=float, default=Rates.mojibake)
    parser.add_argument("--foreign-rate", type=float, default=Rates.foreign)
    args = parser.parse_args(argv)
    if args.paragraphs < 1:
        parser.error("--paragraphs must be positive")
    rates = Rates(args.copy_rate, args.mojibake_rate, args.foreign_rate)
    summary = generate(args.out, args.paragraphs, args.seed, rates, args.sites)
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
