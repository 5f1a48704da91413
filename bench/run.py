"""Benchmark: the real flow on a generated corpus, per-stage figures, quality against the planted
truth, and a naive baseline of each heavy stage side by side.

    python -m bench.run --size 10000 [--size 100000 ...] [--out bench/results] [--work bench/work]

Corpora are generated once per size and seed (`bench.generate`) and cached under `--work`.
The flow runs in Prefect's local ephemeral mode with default settings; the ephemeral server's
start-up is timed with a no-op flow first and reported as its own line (counted end to end).
Per-stage single-core figures and the baselines are measured in this process on a sample of
documents (every number says which). Results go to `<out>/<size>.json`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import same
from bench.services import Services

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("prefect", "datasketch", "ftfy", "langdetect", "xxhash", "numpy", "orjson", "pydantic")


# --- machine and memory --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


# --- corpus ----------------------------------------------------------------------------------


def corpus(work: Path, size: int, seed: int) -> Path:
    from bench.generate import generate

    out = work / f"p{size}-s{seed}"
    if not (out / "truth.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        generate(out, size, seed=seed)
    return out


def raw_bytes(raw: Path) -> int:
    return sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())


# --- the real flow ---------------------------------------------------------------------------


def release_code(work: Path, rev: str) -> Path:
    """`cleaners/` and `flows/` of an earlier release (a git revision), exported once under `work`: put
    first on PYTHONPATH, they run that release's flow with this release's benchmark."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=12", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    out = work / f"code-{sha}"
    if not (out / "cleaners").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "cleaners", "flows"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def run_flow(raw: Path, clean: Path, code: Path = ROOT, api_url: str | None = None) -> dict[str, Any]:
    """The real flow over `raw` in a process of its own (`bench.flow`), with the code at `code`; against
    the Prefect server at `api_url`, or an ephemeral one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(code), str(ROOT)]))
    if api_url:
        env["PREFECT_API_URL"] = api_url
    out = clean.parent / f"{clean.name}.flow.json"
    # Started outside the checkout: `python -m` puts its working folder first on sys.path, which would
    # put this checkout's cleaners/ before the release under test.
    subprocess.run(
        [sys.executable, "-m", "bench.flow", str(raw), str(clean), str(out)], env=env, check=True, cwd=clean.parent
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    if Path(result["code"]).resolve() != Path(code).resolve():
        raise SystemExit(f"the flow ran the code in {result['code']}, not {code}")
    return result


def flow_figures(flow: dict[str, Any], n_bytes: int) -> dict[str, Any]:
    """End to end, the flow and its phases in seconds and MB/s, CPU and memory, of one `run_flow`."""
    summ = flow["summary"]
    timings = summ.get("timings", {})
    mb = n_bytes / 1e6
    paragraphs = summ.get("paragraphs_in", 0)
    end_to_end = flow["startup_s"] + flow["flow_wall_s"]
    phases = {}
    for name in ("prepare", "corpus_models", "apply_and_sketch", "cluster", "write"):
        if timings.get(name):
            secs = timings[name]
            phases[name] = {"seconds": secs, "mb_s": mb / secs, "paragraphs_s": paragraphs / secs}
    inside = timings.get("total", flow["flow_wall_s"])
    phases["flow other (scan, report, artifacts)"] = {"seconds": max(0.0, flow["flow_wall_s"] - inside)}
    overhead = flow["tasks"] * flow["per_task_overhead_s"]
    cpus = os.cpu_count() or 1
    return {
        "code": flow["code"],
        "server": flow["server"],
        "end_to_end": {
            "seconds": end_to_end,
            "mb_s": mb / end_to_end,
            "paragraphs_s": paragraphs / end_to_end,
            "startup_s": flow["startup_s"],
            "flow_s": flow["flow_wall_s"],
            "flow_mb_s": mb / flow["flow_wall_s"],
        },
        "flow_phases": phases,
        "prefect": {
            "tasks": flow["tasks"],
            "per_task_overhead_s": flow["per_task_overhead_s"],
            "overhead_share": overhead / flow["flow_wall_s"],
            "how": "no-op tasks timed in one flow; share = tasks x per-task cost / flow wall time",
            "cpu_seconds": flow["cpu_seconds"],
            "server_cpu_share": flow["cpu_seconds"].get("Prefect API server", 0.0) / (cpus * flow["flow_wall_s"]),
            "cpu_how": "CPU seconds of each part of the process tree during the flow (from /proc); "
            "server share = the API server's CPU seconds / (cores x flow wall time)",
            "cpu_by_phase": flow.get("cpu_by_phase", {}),
            "cpu_by_phase_how": "per phase, between the samples that bracket it: CPU seconds of each part of "
            "the tree, and cores_busy = their sum / the phase's seconds (near 1: serial, near the cores: parallel)",
        },
        "memory": {
            "peak_rss_tree_bytes": flow["peak_rss_tree"],
            "peak_rss_flow_process_bytes": flow["peak_rss_flow_process"],
            "ru_maxrss_self_bytes": flow["ru_maxrss_self"],
            "ru_maxrss_children_bytes": flow["ru_maxrss_children"],
            "peak_by_phase_bytes": flow["peak_rss_by_phase"],
            "how": "tree: sampled sum over the flow process, its worker processes and the ephemeral server",
        },
        "summary": {k: summ.get(k) for k in ("documents", "clusters", "duplicates_removed", "events")},
    }


# --- per stage, single core, with baselines --------------------------------------------------


def _sample_docs(raw: Path, n_docs: int, seed: int) -> list[Path]:
    files = sorted(p for p in raw.rglob("*.txt"))
    random.Random(seed).shuffle(files)
    return sorted(files[:n_docs])


def stages(raw: Path, n_docs: int, seed: int, lang_baseline: int) -> dict[str, Any]:
    """Each stage of the library on the same sample of documents, in this process, with a naive
    baseline for the heavy ones."""
    import ftfy
    import xxhash  # noqa: F401 - imported for its side effect of being warm
    from datasketch import MinHash, MinHashLSH

    from cleaners import language
    from cleaners.dedup import DedupModel, lsh_params, normalise, shingles
    from cleaners.pipeline import DOCUMENT_STAGES, CorpusModels, Resources
    from cleaners.reading import Source, read_source
    from cleaners.settings import Settings

    settings = Settings(workers=1)
    res = Resources.load(settings)
    # The rule bank's joint patterns and gates, compiled before the clock starts, as a worker compiles them
    # once before its first document (`prepare_documents`): a stage's figure is its throughput, not the
    # process's start-up. (Releases that compiled them while loading need nothing here.)
    warm = getattr(res.chrome_rules.fast, "warm", None)
    if warm is not None:
        warm()
    timings: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args)
        timings[name] += time.perf_counter() - t
        return out

    calls = {"n": 0}
    real_detect = language.detect

    def counting_detect(text: str, seed: int = 0) -> tuple[str, float]:
        calls["n"] += 1
        return real_detect(text, seed)

    files = _sample_docs(raw, n_docs, seed)
    docs = []
    real_detect("Ein deutscher Satz, damit die Profile geladen sind.", settings.language_seed)  # once per process
    language.detect = counting_detect
    try:
        for path in files:
            docs += timed("read", read_source, Source(rel=str(path.relative_to(raw)), path=path), settings)
        ok = [doc for doc in docs if doc.status == "ok"]
        for stage in DOCUMENT_STAGES:  # the sample as one batch, stage by stage, as `prepare_documents` runs it
            timed(stage.name, stage.run, ok, res)
    finally:
        language.detect = real_detect
    models = CorpusModels.empty(res)
    timed("corpus models", models.fit, docs)
    for doc in docs:
        timed("corpus models", models.apply, doc)
    dedup = DedupModel(settings, models.transliteration)
    for doc in docs:
        timed("near-duplicates", dedup.observe, doc)
    timed("near-duplicates", dedup.decide)

    texts = [p.text for d in docs for p in d.paragraphs]
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    n_lang = sum(1 for d in docs for p in d.live if sum(ch.isalpha() for ch in p.text) >= settings.min_language_chars)

    # Baselines on the same paragraphs (their state before the stage is close enough: same sizes).
    base: dict[str, dict[str, Any]] = {}
    t = time.perf_counter()
    for text in texts:
        ftfy.fix_text(text)
    base["repair"] = {"seconds": time.perf_counter() - t, "what": "ftfy.fix_text defaults on every paragraph"}

    live = [p.text for d in docs for p in d.live]
    sample = random.Random(seed).sample(live, min(lang_baseline, len(live)))
    t = time.perf_counter()
    for text in sample:
        real_detect.__wrapped__(text, 0)  # uncached: the baseline calls langdetect every time
    secs = time.perf_counter() - t
    scale = len(live) / max(1, len(sample))
    base["language"] = {
        "seconds": secs * scale,
        "what": f"langdetect on every paragraph (timed on {len(sample)} of {len(live)}, extrapolated)",
    }

    t = time.perf_counter()
    lsh = MinHashLSH(num_perm=settings.num_perm, params=lsh_params(settings))
    for i, text in enumerate(live):
        norm = normalise(text)
        if len(norm.split()) < settings.min_dedup_tokens:
            continue
        m = MinHash(num_perm=settings.num_perm)
        for sh in shingles(norm, settings):
            m.update(sh)
        lsh.query(m)
        lsh.insert(i, m)
    base["near-duplicates"] = {
        "seconds": time.perf_counter() - t,
        "what": "datasketch MinHash per-shingle update (sha1_hash32) + MinHashLSH query/insert",
    }

    out = {
        "documents": len(docs),
        "paragraphs": len(texts),
        "bytes": n_bytes,
        "stages": {},
        "langdetect_calls": calls["n"],
        "language_candidates": n_lang,
    }
    for name, secs in timings.items():
        row: dict[str, Any] = {"seconds": secs, "mb_s": n_bytes / 1e6 / secs if secs else None}
        row["paragraphs_s"] = len(texts) / secs if secs else None
        if name in base:
            b = base[name]
            row["baseline_seconds"] = b["seconds"]
            row["baseline_mb_s"] = n_bytes / 1e6 / b["seconds"] if b["seconds"] else None
            row["speedup"] = b["seconds"] / secs if secs else None
            row["baseline"] = b["what"]
        out["stages"][name] = row
    return out


# --- quality against the planted truth -------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quality(root: Path, clean: Path, sample: int, seed: int) -> dict[str, Any]:
    from cleaners.dedup import normalise
    from cleaners.document import split_paragraphs
    from cleaners.settings import Settings

    settings = Settings()
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    raw = root / "raw"
    report = clean / "_report"
    events = _read_jsonl(report / "events.jsonl")
    clusters = _read_jsonl(report / "clusters.jsonl")

    # Foreign paragraphs: a language event on the planted paragraph.
    flagged = {(e["doc"], e["paragraph"]) for e in events if e["kind"] == "language"}
    foreign = truth["foreign"]
    found = sum(1 for f in foreign if (f["doc"], f["paragraph"]) in flagged)

    # Chrome: planted chrome lines still present in the clean files.
    planted = kept = 0
    for path in raw.rglob("*.txt"):
        rel = str(path.relative_to(raw))
        lines = set(truth["chrome"].get(rel.split("/")[0], ()))
        planted += sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line in lines)
        out = clean / rel
        if out.exists():
            kept += sum(1 for line in out.read_text(encoding="utf-8").split("\n") if line in lines)

    # Mojibake: the original text is back in the clean file.
    fixed = 0
    for m in truth["mojibake"]:
        out = clean / m["doc"]
        if out.exists() and m["original"] in out.read_text(encoding="utf-8"):
            fixed += 1

    # Near-duplicates: brute-force exact Jaccard on a sample of paragraphs (cluster members and random
    # ones), predicted pairs = member -> kept representative edges and same-cluster pairs.
    texts: dict[tuple[str, int], str] = {}
    rng = random.Random(seed)
    files = sorted(raw.rglob("*.txt"))
    cluster_of: dict[tuple[str, int], int] = {}
    kept_of: dict[int, tuple[str, int]] = {}
    for c in clusters:
        kept_of[c["cluster"]] = (c["kept"]["doc"], c["kept"]["paragraph"])
        for m in c["members"]:
            cluster_of[(m["doc"], m["paragraph"])] = c["cluster"]
    chosen_clusters = rng.sample(clusters, min(len(clusters), sample // 6))
    keys = {(m["doc"], m["paragraph"]) for c in chosen_clusters for m in c["members"]}
    groups = rng.sample(truth["near_copies"], min(len(truth["near_copies"]), sample // 6))
    keys |= {(m["doc"], m["paragraph"]) for g in groups for m in g["members"]}
    docs_needed = {k[0] for k in keys}
    extra = rng.sample(files, min(len(files), max(1, sample // 20)))
    for path in extra:
        docs_needed.add(str(path.relative_to(raw)))
    for doc in sorted(docs_needed):
        paras = split_paragraphs((raw / doc).read_text(encoding="utf-8"))
        for p in paras:
            if (doc, p.index) in keys or (p.index > 0 and rng.random() < 0.5):
                texts[(doc, p.index)] = p.text
    chrome_lines = {line for lines in truth["chrome"].values() for line in lines}
    k = settings.shingle_size
    sets = {}
    for key, text in texts.items():
        if text in chrome_lines or all(line in chrome_lines for line in text.split("\n")):
            continue
        norm = normalise(text)
        if len(norm.split()) < settings.min_dedup_tokens:
            continue
        sets[key] = {norm[i : i + k] for i in range(max(1, len(norm) - k + 1))}
    items = sorted(rng.sample(sorted(sets), min(sample, len(sets))))  # unbiased: clusters and random ones
    true_pairs = pred_pairs = hits = pred_hits = 0
    for a in range(len(items)):
        sa = sets[items[a]]
        ca = cluster_of.get(items[a])
        for b in range(a + 1, len(items)):
            sb = sets[items[b]]
            inter = len(sa & sb)
            similar = bool(inter) and inter / (len(sa) + len(sb) - inter) >= settings.threshold
            cb = cluster_of.get(items[b])
            same = ca is not None and ca == cb
            # What the clustering asserts: each member is a near-copy of its cluster's kept paragraph.
            edge = same and kept_of[ca] in (items[a], items[b])
            true_pairs += similar
            hits += similar and same
            pred_pairs += edge
            pred_hits += edge and similar
    # Every planted near-copy pair, exact Jaccard on the raw paragraphs: those at or above the
    # threshold must share a cluster (recall on the whole planted truth, not a sample).
    raw_paras: dict[str, dict[int, str]] = {}

    def raw_text(doc: str, index: int) -> str:
        if doc not in raw_paras:
            raw_paras[doc] = {p.index: p.text for p in split_paragraphs((raw / doc).read_text(encoding="utf-8"))}
        return raw_paras[doc].get(index, "")

    planted_pairs = planted_found = 0
    for g in truth["near_copies"]:
        keys = [(m["doc"], m["paragraph"]) for m in g["members"]]
        grams = {}
        for key in keys:
            norm = normalise(raw_text(*key))
            grams[key] = {norm[i : i + k] for i in range(max(1, len(norm) - k + 1))}
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                sa, sb = grams[keys[a]], grams[keys[b]]
                inter = len(sa & sb)
                if inter / (len(sa) + len(sb) - inter) >= settings.threshold:
                    planted_pairs += 1
                    ca = cluster_of.get(keys[a])
                    planted_found += ca is not None and ca == cluster_of.get(keys[b])

    # Every clustering decision (a member and the paragraph it was judged a copy of), exact Jaccard
    # on the raw paragraphs: precision over all decisions, not a sample.
    def grams_of(key: tuple[str, int]) -> set[str]:
        norm = normalise(raw_text(*key))
        return {norm[i : i + k] for i in range(max(1, len(norm) - k + 1))}

    edges = edges_ok = 0
    for c in clusters:
        rep = (c["kept"]["doc"], c["kept"]["paragraph"])
        sk = grams_of(rep)
        for m in c["members"]:
            key = (m["doc"], m["paragraph"])
            if key == rep:
                continue
            sm = grams_of(key)
            inter = len(sk & sm)
            edges += 1
            edges_ok += inter / (len(sk) + len(sm) - inter) >= settings.threshold
    return {
        "cluster_decisions": edges,
        "cluster_decisions_at_threshold": edges_ok,
        "cluster_decision_precision": edges_ok / edges if edges else None,
        "planted_pairs_at_threshold": planted_pairs,
        "planted_pairs_clustered": planted_found,
        "planted_pair_recall": planted_found / planted_pairs if planted_pairs else None,
        "foreign_planted": len(foreign),
        "foreign_found": found,
        "foreign_recall": found / len(foreign) if foreign else None,
        "chrome_lines_planted": planted,
        "chrome_lines_left": kept,
        "chrome_removed_share": 1 - kept / planted if planted else None,
        "mojibake_planted": len(truth["mojibake"]),
        "mojibake_restored": fixed,
        "dup_sample_paragraphs": len(items),
        "dup_true_pairs": true_pairs,
        "dup_pred_pairs": pred_pairs,
        "dup_recall": hits / true_pairs if true_pairs else None,
        "dup_precision": pred_hits / pred_pairs if pred_pairs else None,
    }


# --- output ----------------------------------------------------------------------------------


def measure(
    size: int,
    work: Path,
    seed: int,
    sample_docs: int,
    lang_baseline: int,
    dup_sample: int,
    baseline: str | None = None,
    server: bool = False,
) -> dict:
    """This release's flow (ephemeral server), then, on the same corpus in the same run, the release
    `baseline` (a git revision) and this release against an already-running Prefect server."""
    root = corpus(work, size, seed)
    raw, clean = root / "raw", root / "clean"
    n_bytes = raw_bytes(raw)
    flow = run_flow(raw, clean)
    result = {
        "size": size,
        "seed": seed,
        "machine": machine(),
        "corpus": {"bytes": n_bytes, "documents": flow["summary"]["documents"]},
        **flow_figures(flow, n_bytes),
    }
    result["corpus"]["paragraphs_in"] = flow["summary"].get("paragraphs_in", size)
    others: dict[str, Any] = {}
    if server:
        with Services(work / "prefect-server") as svc:
            env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            api, _ = svc.prefect_server({**env, "PREFECT_HOME": str(work / "prefect-server" / "home")})
            others["this release, running server"] = flow_figures(
                run_flow(raw, root / "clean-server", api_url=api), n_bytes
            )
        others["this release, running server"]["same_outputs"] = not same.differences(clean, root / "clean-server")
    if baseline:
        code = release_code(work, baseline)
        label = f"release {baseline}"
        others[label] = flow_figures(run_flow(raw, root / "clean-baseline", code=code), n_bytes)
        others[label]["differing_files"] = same.differences(root / "clean-baseline", clean)
    result["compared"] = others
    result["stages_single_core"] = stages(raw, sample_docs, seed, lang_baseline)
    result["quality"] = quality(root, clean, dup_sample, seed)
    return result


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def show(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    e2e = result["end_to_end"]
    mb = result["corpus"]["bytes"] / 1e6
    title = (
        f"{result['size']:,} paragraphs, {mb:.1f} MB, {result['machine']['cpus']} cpus "
        f"({result['machine']['cpu_model']})"
    )
    t = Table(title=f"flow (real, parallel): {title}")
    for col in ("stage", "seconds", "MB/s", "paragraphs/s"):
        t.add_column(col, justify="right" if col != "stage" else "left")
    t.add_row("ephemeral server start-up", _f(e2e["startup_s"]), "", "")
    for name, row in result["flow_phases"].items():
        t.add_row(name, _f(row["seconds"]), _f(row.get("mb_s")), _f(row.get("paragraphs_s"), "{:,.0f}"))
    t.add_row("[b]end to end (incl. start-up)", _f(e2e["seconds"]), _f(e2e["mb_s"]), _f(e2e["paragraphs_s"], "{:,.0f}"))
    mem = result["memory"]
    pre = result["prefect"]
    t.caption = (
        f"peak RSS: tree {mem['peak_rss_tree_bytes'] / 2**30:.2f} GiB, flow process "
        f"{mem['peak_rss_flow_process_bytes'] / 2**30:.2f} GiB; Prefect: {pre['tasks']} tasks x "
        f"{pre['per_task_overhead_s'] * 1000:.1f} ms = {pre['overhead_share']:.1%} of the flow; CPU seconds: "
        + ", ".join(f"{k} {v:.1f}" for k, v in pre["cpu_seconds"].items())
        + f" (API server {pre['server_cpu_share']:.1%} of the cores); peak tree RSS by phase: "
        + ", ".join(f"{k} {v['tree'] / 2**30:.2f}" for k, v in mem["peak_by_phase_bytes"].items())
        + " GiB"
    )
    console.print(t)
    if pre.get("cpu_by_phase"):
        roles = sorted({r for row in pre["cpu_by_phase"].values() for r in row["cpu_seconds"]})
        t = Table(title="CPU seconds of the process tree by phase (cores busy: near 1 serial, near the cores parallel)")
        for col in ("phase", "seconds", *roles, "cores busy"):
            t.add_column(col, justify="right" if col != "phase" else "left")
        for name, row in pre["cpu_by_phase"].items():
            cpu = row["cpu_seconds"]
            t.add_row(name, _f(row["seconds"]), *(_f(cpu.get(r, 0.0)) for r in roles), _f(row["cores_busy"]))
        console.print(t)
    if result.get("compared"):
        runs = {"this release": result, **result["compared"]}
        t = Table(title="side by side, same corpus, same benchmark run")
        t.add_column("")
        for label in runs:
            t.add_column(label, justify="right")
        rows = {
            "Prefect start-up, s": lambda r: _f(r["end_to_end"]["startup_s"]),
            "flow, s": lambda r: _f(r["end_to_end"]["flow_s"]),
            "flow, MB/s": lambda r: _f(r["end_to_end"]["flow_mb_s"]),
            "end to end, MB/s": lambda r: _f(r["end_to_end"]["mb_s"]),
            "peak RSS of the tree, GiB": lambda r: _f(r["memory"]["peak_rss_tree_bytes"] / 2**30),
        }
        for phase in result["flow_phases"]:
            rows[f"{phase}, s"] = lambda r, phase=phase: _f(r["flow_phases"].get(phase, {}).get("seconds"))
        for name, cell in rows.items():
            t.add_row(name, *(cell(r) for r in runs.values()))
        notes = []
        for label, r in result["compared"].items():
            if "differing_files" in r:
                notes.append(f"{label}: {len(r['differing_files'])} output files differ from this release's")
            if "same_outputs" in r:
                notes.append(f"{label}: outputs {'identical' if r['same_outputs'] else 'DIFFER'}")
        t.caption = "; ".join(notes)
        console.print(t)
    st = result["stages_single_core"]
    t = Table(title=f"per stage, one core, {st['documents']} documents / {st['paragraphs']} paragraphs sample")
    for col in ("stage", "MB/s", "paragraphs/s", "baseline MB/s", "ours/baseline"):
        t.add_column(col, justify="right" if col != "stage" else "left")
    for name, row in st["stages"].items():
        t.add_row(
            name,
            _f(row["mb_s"]),
            _f(row["paragraphs_s"], "{:,.0f}"),
            _f(row.get("baseline_mb_s")),
            _f(row.get("speedup"), "{:.1f}x"),
        )
    share = st["langdetect_calls"] / max(1, st["paragraphs"])
    t.caption = f"langdetect reached by {st['langdetect_calls']} of {st['paragraphs']} paragraphs ({share:.2%})"
    console.print(t)
    q = result["quality"]
    t = Table(title="quality against the planted truth")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row(
        "foreign paragraphs found (recall)",
        f"{q['foreign_found']}/{q['foreign_planted']} = {_f(q['foreign_recall'], '{:.3f}')}",
    )
    t.add_row(
        "chrome lines removed", f"{q['chrome_lines_planted'] - q['chrome_lines_left']}/{q['chrome_lines_planted']}"
    )
    t.add_row("mojibake paragraphs restored", f"{q['mojibake_restored']}/{q['mojibake_planted']}")
    t.add_row(
        f"near-duplicates vs exact Jaccard ({q['dup_sample_paragraphs']} sampled paragraphs)",
        f"P {_f(q['dup_precision'], '{:.3f}')} ({q['dup_pred_pairs']} pairs), "
        f"R {_f(q['dup_recall'], '{:.3f}')} ({q['dup_true_pairs']} pairs)",
    )
    t.add_row(
        "planted near-copy pairs at or above the threshold (exact Jaccard), clustered",
        f"{q['planted_pairs_clustered']}/{q['planted_pairs_at_threshold']} = {_f(q['planted_pair_recall'], '{:.3f}')}",
    )
    t.add_row(
        "clustering decisions at or above the threshold (exact Jaccard), all clusters",
        f"{q['cluster_decisions_at_threshold']}/{q['cluster_decisions']} = "
        f"{_f(q['cluster_decision_precision'], '{:.3f}')}",
    )
    console.print(t)


def _round(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, action="append", help="body paragraphs (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample-docs", type=int, default=300, help="documents for per-stage figures")
    parser.add_argument("--lang-baseline", type=int, default=500, help="paragraphs timed for the langdetect baseline")
    parser.add_argument("--dup-sample", type=int, default=1500, help="paragraphs for brute-force Jaccard")
    parser.add_argument(
        "--baseline", metavar="REV", help="also run the release at this git revision on the same corpus, side by side"
    )
    parser.add_argument("--server", action="store_true", help="also run against an already-running Prefect server")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    for size in args.size or [10_000]:
        result = _round(
            measure(
                size,
                args.work,
                args.seed,
                args.sample_docs,
                args.lang_baseline,
                args.dup_sample,
                baseline=args.baseline,
                server=args.server,
            )
        )
        (args.out / f"{size}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        show(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
