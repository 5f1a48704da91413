"""Are two clean folders the same run's output? `python -m bench.same A B [A2 B2 ...]`

Compares what two runs over the same input and settings must write alike (`Layout.snapshot`: every
output and report file byte for byte, without the state, the run records and the summary's timings).
Used to show that a change of code changes no output: clean the same raw folders with the release
before and with this one, then compare the pairs. Exits 1 when any pair differs, naming the files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cleaners.layout import Layout


def differences(a: Path, b: Path) -> list[str]:
    """Paths (inside the clean folders) whose bytes differ or that only one folder has."""
    sa, sb = Layout(a).snapshot(), Layout(b).snapshot()
    return sorted(rel for rel in set(sa) | set(sb) if sa.get(rel) != sb.get(rel))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="pairs of clean folders: A B [A2 B2 ...]")
    args = parser.parse_args(argv)
    if len(args.folders) % 2:
        parser.error("give clean folders in pairs")
    status = 0
    for a, b in zip(args.folders[::2], args.folders[1::2], strict=True):
        diff = differences(a, b)
        print(f"{a} == {b}: {'identical' if not diff else f'{len(diff)} files differ'}")
        for rel in diff[:20]:
            print(f"  {rel}")
        status |= bool(diff)
    return status


if __name__ == "__main__":
    sys.exit(main())
