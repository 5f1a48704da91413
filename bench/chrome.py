"""The chrome stage on labelled real pages with whole sites held out from the article-line model.

    python -m bench.chrome PAGES_DIR [--exclude NAME,...]

PAGES_DIR is a folder of pages labelled line by line (`raw/`, `labels.jsonl`, `score.py`: the layout
`tools/train_chrome_model.py` trains from). For every site, the model is trained on the other sites
only (the thresholds are the shipped model's), and the library cleans that site's pages with it; the
pages' outputs are then scored together by the folder's `score.py`. The figures answer "how does the
chrome stage do on a site it has never seen", which scoring the shipped model on its own training
pages cannot.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from train_chrome_model import _classifier, export, load_pages  # noqa: E402

from cleaners.article import FEATURES, load_model  # noqa: E402
from cleaners.pipeline import run_library  # noqa: E402
from cleaners.settings import Settings  # noqa: E402


def held_out_run(pages: Path, out: Path) -> None:
    """Clean every page with a model that never saw its site; write `out/<name>.txt`."""
    x, y, chars, sites, _ = load_pages(pages)
    shipped = load_model(Settings().chrome_model)
    by_site: dict[str, list[str]] = defaultdict(list)
    for line in (pages / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        by_site[page.get("site") or page["doc"]].append(page["doc"])
    site_of_row = np.array(sites)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n, (site, docs) in enumerate(sorted(by_site.items())):
            train = site_of_row != site
            clf = _classifier().fit(x[train], y[train], sample_weight=np.sqrt(chars[train] + 1.0))
            model = {"features": list(FEATURES), "keep_inside": shipped.keep_inside}
            model |= {"keep_outside": shipped.keep_outside, **export(clf)}
            path = work / f"model{n}.json"
            path.write_text(json.dumps(model), encoding="utf-8")
            raw = work / f"raw{n}"
            raw.mkdir()
            for doc in docs:
                (raw / doc).write_bytes((pages / "raw" / doc).read_bytes())
            result = run_library(raw, Settings(chrome_model=path))
            for doc in result.documents:
                (out / doc.id).write_text(doc.clean_text() + "\n", encoding="utf-8")
            print(f"{n + 1}/{len(by_site)} {site}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", type=Path)
    ap.add_argument("--exclude", default="", help="pages left out of the scoring (score.py --exclude)")
    ap.add_argument("--keep", type=Path, help="keep the cleaned pages in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        held_out_run(args.pages, out)
        cmd = [sys.executable, str(args.pages / "score.py"), str(out)]
        if args.exclude:
            cmd += ["--exclude", args.exclude]
        print(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
