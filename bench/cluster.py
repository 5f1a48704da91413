"""Near-duplicate clustering alone, before and after the sketches leave out frequent shingles, in
memory and with Redis, on the benchmark's generated corpus.

    python -m bench.cluster --size 100000 [--size 1000000] [--prose bench|english] [--table FILE] [--repeat 3]
                            [--redis 100000] [--redis-before 3000] [--no-quality] [--out bench/results]

For each size, the articles `bench.generate` writes for that size and seed are made in memory (the
same generator calls, no files), their chrome blocks marked removed as the chrome stage would, and
every document observed by two `DedupModel`s side by side in this process: "before" sketches all
shingles (`frequent_shingles = None`, the sketches of the previous release), "after" leaves out the
shipped table's frequent shingles (the default). Then, for each:

- `decide()` is timed alone (candidates, verification and the greedy loop: the flow's cluster phase
  without reading the batches' files), per sketched paragraph: `--repeat` times, the two models in
  turn, the fastest run kept (the machine may be shared);
- band collisions (pairs of paragraphs sharing a bucket in one of the LSH bands, counted per band)
  per paragraph: the work that grows with the square of the corpus;
- recall against the planted truth, judged on the exact Jaccard of *unfiltered* character 5-grams of
  the paragraphs (the texts the models saw): planted pairs at or above the threshold that share a
  cluster; and the share of all clustering decisions whose pair reaches the threshold.

With `--redis N`, a `redis-server` on a free loopback port (a temporary folder, no persistence) holds
the index: "after" clusters the first N paragraphs' documents with `store` set (buckets gathered in
bulk), which must equal the in-memory decisions, and `--redis-before M` does the same for the first M
paragraphs with the previous release's path (datasketch's MinHashLSH on Redis, queried paragraph by
paragraph, unfiltered sketches). Results go to `<out>/cluster-<size>[-english].json`.

`--prose english` makes the same articles with real English words in place of the generator's invented
ones (wordfreq's most frequent English words, ranked by frequency, on the same Zipf curve). The
invented vocabulary's most frequent words ("ban", "tex": up to 2.5 % of all words each) play the part
that function words play in English, but no English table lists their shingles, so on that prose
chance collisions still grow with the corpus; English prose shows what the table does on English.
`--table FILE` makes "after" leave out another table's shingles, e.g. one built by
`tools/build_frequent_shingles.py --texts` from generated articles of another seed (the invented
language's own reference text).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench.services import Services

ROOT = Path(__file__).resolve().parents[1]


def english_vocabulary(rng: Any, size: int) -> list[str]:
    """`size` English words, most frequent first (wordfreq), other than the generator's function words
    and foreign words: stands in for `bench.generate.pseudo_vocabulary`."""
    import wordfreq

    from bench.generate import EN_FUNCTION, FOREIGN_WORDS

    taken = set(EN_FUNCTION) | {w.lower() for words in FOREIGN_WORDS.values() for w in words}
    out = []
    for word in wordfreq.top_n_list("en", size * 3):
        if word.isascii() and word.isalpha() and len(word) >= 2 and word not in taken:
            out.append(word)
            if len(out) == size:
                break
    return out


def articles(paragraphs: int, seed: int, prose: str = "bench") -> tuple[Iterator[tuple[str, str, Any]], Any]:
    """(doc id, text, site) of the corpus `bench.generate.generate` writes, in its order (with English
    words for `prose="english"`), and the generator (its `groups` hold the planted copies once the
    articles are consumed)."""
    from unittest import mock

    from bench.generate import Generator

    if prose == "english":
        with mock.patch("bench.generate.pseudo_vocabulary", english_vocabulary):
            gen = Generator(seed)
    else:
        gen = Generator(seed)
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(gen.sites))]

    def run() -> Iterator[tuple[str, str, Any]]:
        remaining, n_docs = paragraphs, 0
        while remaining > 0:
            n_body = min(remaining, gen.rng.randint(8, 25))
            site = gen.rng.choices(gen.sites, weights=weights)[0]
            doc = f"{site.name}/{n_docs:06d}.txt"
            yield doc, gen.article(doc, site, n_body), site
            n_docs += 1
            remaining -= n_body

    return run(), gen


def document(doc_id: str, text: str, site: Any) -> Any:
    """The article as the dedup stage sees it: its site's chrome blocks removed."""
    from cleaners.document import Document, split_paragraphs

    chrome = set(site.header) | set(site.footer)
    d = Document(id=doc_id, source=doc_id, paragraphs=split_paragraphs(text))
    for p in d.paragraphs:
        if p.text in chrome or (site.read_more and p.text.startswith(site.read_more + "\n")):
            p.removed = "chrome"
    return d


def band_collisions(model: Any) -> int:
    """Pairs of sketched paragraphs sharing a bucket, summed over the LSH bands."""
    from cleaners.dedup import lsh_params
    from cleaners.dedup.candidates import _band_keys

    sigs = np.concatenate([model._docs[k].sigs for k in sorted(model._docs)])
    bands, rows = lsh_params(model.settings)
    total = 0
    for band in range(bands):
        _, counts = np.unique(_band_keys(sigs, band, rows), return_counts=True)
        total += int((counts * (counts - 1) // 2).sum())
    return total


def grams(text: str, k: int) -> set[str]:
    from cleaners.dedup import normalise

    norm = normalise(text)
    return {norm[i : i + k] for i in range(max(1, len(norm) - k + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if a or b else 0.0


def quality(model: Any, groups: list[dict], texts: dict[tuple[str, int], str]) -> dict[str, Any]:
    """Recall on the planted pairs and precision of all decisions, on unfiltered exact Jaccard."""
    s = model.settings
    cluster_of = {(m["doc"], m["paragraph"]): c["cluster"] for c in model.clusters() for m in c["members"]}
    cache: dict[tuple[str, int], set[str]] = {}

    def g(key: tuple[str, int]) -> set[str]:
        if key not in cache:
            cache[key] = grams(texts[key], s.shingle_size)
        return cache[key]

    planted = found = facts_differ = found_facts_agree = 0
    missed: list[dict] = []
    for group in groups:
        keys = sorted((m["doc"], m["paragraph"]) for m in group["members"])  # the loop's order: kept first
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                j = jaccard(g(keys[a]), g(keys[b]))
                if j >= s.threshold:
                    planted += 1
                    same = cluster_of.get(keys[a]) is not None and cluster_of.get(keys[a]) == cluster_of.get(keys[b])
                    found += same
                    agree = facts_agree(model, keys[a], keys[b])
                    facts_differ += not agree
                    found_facts_agree += same and agree
                    if not same and agree and len(missed) < 5:
                        missed.append({"pair": [list(keys[a]), list(keys[b])], "jaccard": round(j, 3)})
    decisions = at_threshold = 0
    for c in model.clusters():
        kept = (c["kept"]["doc"], c["kept"]["paragraph"])
        for m in c["members"]:
            key = (m["doc"], m["paragraph"])
            if key != kept:
                decisions += 1
                at_threshold += jaccard(g(kept), g(key)) >= s.threshold
    return {
        "planted_pairs_at_threshold": planted,
        "planted_pairs_clustered": found,
        "planted_pair_recall": round(found / planted, 4) if planted else None,
        # pairs the facts rule refuses (other numbers, or a name the kept paragraph lacks: the generator's
        # substituted capitalised words), whatever the sketches say; recall on the others
        "planted_pairs_facts_differ": facts_differ,
        "planted_pair_recall_facts_agree": (
            round(found_facts_agree / (planted - facts_differ), 4) if planted > facts_differ else None
        ),
        "missed_sample": missed,
        "cluster_decisions": decisions,
        "cluster_decisions_at_threshold": at_threshold,
    }


def facts_agree(model: Any, kept: tuple[str, int], removed: tuple[str, int]) -> bool:
    """Whether the facts rule lets `removed` go as a copy of `kept` (`keeps_facts`), or their texts are equal."""
    from cleaners.dedup.candidates import keeps_facts

    (kd, kr), (rd, rr) = ((model._docs[d], int(np.searchsorted(model._docs[d].index, p))) for d, p in (kept, removed))
    return int(kd.exact[kr]) == int(rd.exact[rr]) or keeps_facts(kd, kr, rd, rr)


def decisions(model: Any) -> tuple:
    data = model.to_dict(sketches=False)
    return data["decisions"], data["clusters"]


def sub_model(model: Any, paragraphs: int, settings: Any) -> Any:
    """A model of the first documents holding at least `paragraphs` sketched paragraphs."""
    from cleaners.dedup import DedupModel

    sub = DedupModel(settings)
    n = 0
    for doc_id in sorted(model._docs):  # the loop's order
        if n >= paragraphs:
            break
        sub.import_doc(doc_id, model.export_doc(doc_id))
        n += len(model._docs[doc_id].sigs)
    return sub


def timed_decide(model: Any, source: Any = None) -> float:
    t = time.perf_counter()
    model.decide(source)
    return time.perf_counter() - t


@contextmanager
def redis_server() -> Iterator[str | None]:
    """redis://127.0.0.1:PORT/0 of a fresh server in a temporary folder, stopped on exit; None when
    redis-server is not installed."""
    if shutil.which("redis-server") is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp, Services(Path(tmp)) as svc:
        yield svc.redis()


def on_redis(path: str, sub: Any, store: str, seconds_memory: float, expected: Any, source: Any = None) -> dict:
    """One clustering of `sub` against Redis (its settings or `source` say how), timed and measured beside
    the in-memory run that gave `expected` in `seconds_memory`."""
    base = redis_used_memory(store)
    seconds = timed_decide(sub, source)
    n = sum(len(d.sigs) for d in sub._docs.values())
    return {
        "path": path,
        "paragraphs": n,
        "seconds": round(seconds, 2),
        "ms_per_paragraph": round(seconds / n * 1000, 3),
        "in_memory_ms_per_paragraph": round(seconds_memory / n * 1000, 4),
        "index_bytes_per_paragraph": round((redis_used_memory(store) - base) / n, 1),
        "same_as_in_memory": decisions(sub) == expected,
    }


def redis_used_memory(store: str) -> int:
    import redis

    return int(redis.Redis.from_url(store).info("memory")["used_memory"])


def redis_figures(before: Any, after: Any, paragraphs: int, paragraphs_before: int) -> dict[str, Any]:
    """Redis-backed clustering, ms per sketched paragraph: the previous release's path (MinHashLSH on
    Redis, one query per paragraph, unfiltered sketches) and the bulk path, each checked against the
    in-memory band index on the same documents."""
    from cleaners.dedup.candidates import LshIndex
    from cleaners.redis_store import LSH, prefix

    out: dict[str, Any] = {}
    with redis_server() as store:
        if store is None:
            return {"skipped": "redis-server not installed"}
        if paragraphs_before:
            s = before.settings.model_copy(update={"corpus_name": "bench-before"})
            sub = sub_model(before, paragraphs_before, s)
            seconds_memory = timed_decide(sub)
            expected = decisions(sub)
            port = int(store.rsplit(":", 1)[1].split("/")[0])
            datasketch_redis = {
                "type": "redis",
                "basename": prefix(s) + LSH,
                "redis": {"host": "127.0.0.1", "port": port, "db": 0},
            }
            sub.settings = s
            out["before"] = on_redis(
                "datasketch MinHashLSH on Redis, queried per paragraph (unfiltered sketches)",
                sub,
                store,
                seconds_memory,
                expected,
                LshIndex(s, datasketch_redis),
            )
        if paragraphs:
            s = after.settings.model_copy(update={"corpus_name": "bench-after"})
            sub = sub_model(after, paragraphs, s)
            seconds_memory = timed_decide(sub)
            expected = decisions(sub)
            sub.settings = s.model_copy(update={"store": store})
            out["after"] = on_redis(
                "band index, buckets in Redis gathered in bulk (frequent shingles left out)",
                sub,
                store,
                seconds_memory,
                expected,
            )
    return out


def summary(res: dict[str, Any]) -> str:
    line = (
        f"decide {res['decide_s']:7.2f} s = {res['decide_us_per_paragraph']:6.1f} us/paragraph, "
        f"{res['band_collisions_per_paragraph']:8.3f} band collisions/paragraph, {res['clusters']} clusters"
    )
    q = res.get("quality")
    if q:
        line += (
            f", planted recall {q['planted_pairs_clustered']}/{q['planted_pairs_at_threshold']}"
            f" ({q['planted_pair_recall_facts_agree']} where the facts agree), decisions at threshold"
            f" {q['cluster_decisions_at_threshold']}/{q['cluster_decisions']}"
        )
    return line


def redis_summary(res: dict[str, Any]) -> str:
    return (
        f"{res['ms_per_paragraph']:.3f} ms/paragraph on {res['paragraphs']:,} paragraphs ({res['seconds']} s; "
        f"in memory {res['in_memory_ms_per_paragraph']} ms), index {res['index_bytes_per_paragraph']:.0f} "
        f"B/paragraph, same as in memory: {res['same_as_in_memory']}"
    )


def bench_size(
    size: int,
    seed: int,
    prose: str,
    repeat: int,
    redis_n: int,
    redis_before_n: int,
    keep_texts: bool,
    table_path: Path | None = None,
) -> dict[str, Any]:
    from cleaners.dedup import DedupModel
    from cleaners.dedup.frequent import load
    from cleaners.settings import Settings

    after_settings = Settings() if table_path is None else Settings(frequent_shingles=table_path)
    table = load(after_settings.frequent_shingles)
    models = {"before": DedupModel(Settings(frequent_shingles=None)), "after": DedupModel(after_settings)}
    texts: dict[tuple[str, int], str] = {}
    t = time.perf_counter()
    docs, gen = articles(size, seed, prose)
    for doc_id, text, site in docs:
        d = document(doc_id, text, site)
        for model in models.values():
            model.observe(d)
        if keep_texts:
            texts.update({(doc_id, p.index): p.text for p in d.live})
    observe_s = time.perf_counter() - t
    groups = list(gen.groups.values())
    record: dict[str, Any] = {
        "size": size,
        "seed": seed,
        "prose": prose,
        "documents": len(models["after"]._docs),
        "observe_both_s": round(observe_s, 1),
        "table": {"file": str(after_settings.frequent_shingles), "digest": table.digest, "shingles": len(table.hashes)},
    }
    best = dict.fromkeys(models, float("inf"))
    for _ in range(max(1, repeat)):
        for name, model in models.items():
            best[name] = min(best[name], timed_decide(model))
    for name, model in models.items():
        n = sum(len(d.sigs) for d in model._docs.values())
        seconds = best[name]
        collisions = band_collisions(model)
        res = {
            "sketched_paragraphs": n,
            "decide_s": round(seconds, 3),
            "decide_us_per_paragraph": round(seconds / n * 1e6, 2),
            "band_collisions": collisions,
            "band_collisions_per_paragraph": round(collisions / n, 3),
            "clusters": len(model.clusters()),
            "removed": sum(len(c["members"]) - 1 for c in model.clusters()),
        }
        if keep_texts:
            res["quality"] = quality(model, groups, texts)
        record[name] = res
        print(f"{size:>9,} {name:6s}: {summary(res)}", flush=True)
    if redis_n or redis_before_n:
        record["redis"] = redis_figures(models["before"], models["after"], redis_n, redis_before_n)
        for name, res in record["redis"].items():
            if isinstance(res, dict):
                print(f"{size:>9,} redis {name:6s}: {redis_summary(res)}", flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from bench.run import machine
    from flows import memory

    memory.start_process()  # the clustering runs as in the flow's process (arrays on ordinary pages)

    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, action="append", help="body paragraphs (repeatable; default 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prose", choices=("bench", "english"), default="bench", help="the generator's words")
    parser.add_argument("--table", type=Path, help="frequent-shingle table of 'after' (default: the shipped one)")
    parser.add_argument("--repeat", type=int, default=3, help="decide() runs per model; the fastest is kept")
    parser.add_argument("--redis", type=int, default=0, help="paragraphs clustered with the bulk Redis path (0: none)")
    parser.add_argument(
        "--redis-before", type=int, default=0, help="paragraphs clustered with the previous per-paragraph Redis path"
    )
    parser.add_argument("--no-quality", action="store_true", help="skip the exact-Jaccard checks (keeps no texts)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    ok = True
    for size in args.size or [100_000]:
        record = bench_size(
            size, args.seed, args.prose, args.repeat, args.redis, args.redis_before, not args.no_quality, args.table
        )
        record["machine"] = machine()
        ok &= all(r.get("same_as_in_memory", True) for r in record.get("redis", {}).values() if isinstance(r, dict))
        suffix = ("" if args.prose == "bench" else f"-{args.prose}") + (f"-{args.table.stem}" if args.table else "")
        path = args.out / f"cluster-{size}{suffix}.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"written {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
