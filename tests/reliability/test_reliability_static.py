"""Untrusted data is never executed, and nothing is served beyond loopback: checked on the sources."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Modules and builtins that turn bytes into running code or arbitrary objects.
FORBIDDEN = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "eval", "exec", "__import__"}


def code_names(path: Path) -> set[str]:
    """Names used in code (comments and strings, where "never pickle" may be written, excluded). An
    attribute is another object's (polars' `list.eval` evaluates an expression over a list, not code),
    but an attribute of `builtins` is the builtin."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    code = [t for t in tokens if t.type in (tokenize.NAME, tokenize.OP)]
    return {
        t.string
        for k, t in enumerate(code)
        if t.type == tokenize.NAME and not (k >= 2 and code[k - 1].string == "." and code[k - 2].string != "builtins")
    }


def test_no_unpickling_or_eval_in_the_code() -> None:
    sources = sorted((REPO / "cleaners").rglob("*.py")) + sorted((REPO / "flows").rglob("*.py"))
    assert len(sources) > 10
    found = {p.relative_to(REPO).as_posix(): sorted(code_names(p) & FORBIDDEN) for p in sources}
    assert {k: v for k, v in found.items() if v} == {}


def test_checker_sees_forbidden_names(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""never pickle"""\nimport pickle\nx = eval("1")  # exec\n')
    assert code_names(bad) & FORBIDDEN == {"pickle", "eval"}
    bad.write_text('import builtins\nbuiltins.exec("1")\nexpr = col.list.eval(element)\n')
    assert code_names(bad) & FORBIDDEN == {"exec"}


def test_services_bind_to_loopback_only() -> None:
    everywhere = ".".join(["0"] * 4)
    files = [REPO / "README.md", *sorted((REPO / "tests").rglob("*.py"))]
    hits = [p.relative_to(REPO).as_posix() for p in files if everywhere in p.read_text(encoding="utf-8")]
    assert hits == []
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "--host 127.0.0.1" in readme
