"""Train the article-line model (`cleaners/data/chrome_lines.json`) from pages labelled line by line.

    pip install scikit-learn            # the training extra: `pip install -e '.[train]'`
    python tools/train_chrome_model.py PAGES_DIR [--out cleaners/data/chrome_lines.json]

PAGES_DIR holds `raw/<name>.txt` (pages as a scraper saves them: one block per line, blank lines
between blocks) and `labels.jsonl`, one object per page:
`{"doc": "<name>.txt", "site": "example.com", "lines": [{"i": 0, "label": "chrome"}, ...]}` with `i`
the 0-based line number in the file and `label` `content` or `chrome`.

The features are `cleaners.article.FEATURES`: shapes, never words of the pages. Validation holds out
whole sites (pages of one site are never split between training and test), prints what the held-out
predictions keep and remove, and picks the two thresholds from them: the largest share of chrome
characters removed while at least `--min-kept` of the content characters stay. The shipped model is then
fitted on every page.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaners.article import FEATURES, features  # noqa: E402
from cleaners.document import split_paragraphs  # noqa: E402

GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def load_pages(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Feature rows, labels (1: content), characters, site of each line, and whether it is in the region."""
    rows, labels, chars, sites = [], [], [], []
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        text = (folder / "raw" / page["doc"]).read_text(encoding="utf-8")
        blocks = [p.lines for p in split_paragraphs(text)]
        numbers = [i for i, raw in enumerate(text.split("\n")) if raw.strip()]
        found = features(blocks)
        if len(found) != len(numbers):
            raise SystemExit(f"{page['doc']}: {len(found)} lines in blocks, {len(numbers)} in the file")
        where = {i: k for k, i in enumerate(numbers)}
        raw_lines = text.split("\n")
        for item in page["lines"]:
            k = where[item["i"]]
            rows.append(found[k])
            labels.append(int(item["label"] == "content"))
            chars.append(len("".join(raw_lines[item["i"]].split())))
            sites.append(page.get("site") or page["doc"])
    x = np.array(rows)
    return x, np.array(labels), np.array(chars), sites, x[:, FEATURES.index("in_region")] > 0


def _classifier():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_depth=4, max_iter=150, learning_rate=0.05, random_state=0)


def held_out(x: np.ndarray, y: np.ndarray, chars: np.ndarray, sites: list[str]) -> np.ndarray:
    """P(content) of every line from a model that never saw its site (one fold per site)."""
    from sklearn.model_selection import LeaveOneGroupOut

    pred = np.zeros(len(y))
    weight = np.sqrt(chars + 1.0)
    for train, test in LeaveOneGroupOut().split(x, y, sites):
        pred[test] = _classifier().fit(x[train], y[train], sample_weight=weight[train]).predict_proba(x[test])[:, 1]
    return pred


def choose(pred: np.ndarray, y: np.ndarray, chars: np.ndarray, inside: np.ndarray, min_kept: float) -> dict:
    """The thresholds (inside, outside the main region) that remove most chrome characters with at least
    `min_kept` of the content characters kept."""
    content, chrome = chars[y == 1].sum(), chars[y == 0].sum()
    best = None
    for t_in in GRID:
        for t_out in GRID:
            keep = np.where(inside, pred >= t_in, pred >= t_out)
            kept = chars[keep & (y == 1)].sum() / content
            removed = chars[~keep & (y == 0)].sum() / chrome
            if kept >= min_kept and (best is None or removed > best["chrome_removed"]):
                best = {"keep_inside": t_in, "keep_outside": t_out, "content_kept": kept, "chrome_removed": removed}
    if best is None:
        raise SystemExit(f"no thresholds keep {min_kept} of the content")
    return best


def export(clf) -> dict:
    """The fitted trees as plain lists (`cleaners.article.LineModel` walks them with numpy)."""
    trees = []
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].tolist(),
                "threshold": nodes["num_threshold"].tolist(),
                "left": nodes["left"].tolist(),
                "right": nodes["right"].tolist(),
                "leaf": nodes["is_leaf"].astype(bool).tolist(),
                "value": nodes["value"].tolist(),
            }
        )
    return {"baseline": float(np.ravel(clf._baseline_prediction)[0]), "trees": trees}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", type=Path, help="folder with raw/ and labels.jsonl")
    ap.add_argument("--out", type=Path, default=Path("cleaners/data/chrome_lines.json"))
    ap.add_argument("--min-kept", type=float, default=0.975, help="content characters to keep (held-out sites)")
    args = ap.parse_args(argv)
    x, y, chars, sites, inside = load_pages(args.pages)
    print(f"{len(y)} lines, {len(set(sites))} sites, {y.mean():.3f} content", flush=True)
    pred = held_out(x, y, chars, sites)
    chosen = choose(pred, y, chars, inside, args.min_kept)
    print("held-out sites, by characters:", json.dumps({k: round(v, 4) for k, v in chosen.items()}))
    clf = _classifier().fit(x, y, sample_weight=np.sqrt(chars + 1.0))
    model = {
        "about": "P(article) per line of a page; trained by tools/train_chrome_model.py, validated with sites held out",
        "features": list(FEATURES),
        "keep_inside": chosen["keep_inside"],
        "keep_outside": chosen["keep_outside"],
        "held_out": {k: round(v, 4) for k, v in chosen.items() if k in ("content_kept", "chrome_removed")},
        "training": {"lines": int(len(y)), "sites": len(set(sites))},
        **export(clf),
    }
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    from cleaners.article import load_model

    check = load_model(args.out).probabilities(x)
    gap = float(np.abs(check - clf.predict_proba(x)[:, 1]).max())
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); largest difference to scikit-learn: {gap:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
