"""Shared fixtures: the labelled data beside the checkout, and one Prefect test server per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A folder of ../shared; in CI its absence is a failure, elsewhere a skip."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing (CI always has ../shared)")
        pytest.skip(f"{path} not available")
    return path


def paragraph_texts(folder: Path) -> list[str]:
    """Paragraph texts of every .txt file under `folder`."""
    from cleaners.document import split_paragraphs

    out = []
    for path in sorted(folder.rglob("*.txt")):
        out += [p.text for p in split_paragraphs(path.read_bytes().decode("utf-8", errors="replace"))]
    assert out, f"no paragraphs under {folder}"
    return out


@pytest.fixture(scope="module", params=["repo raw", "dev-corpus", "seeds"])
def corpus(request: pytest.FixtureRequest) -> list[str]:
    """Paragraph texts of one sample corpus: the repo's raw/ or the labelled data (read at test time,
    nothing copied into the repo); fast paths are compared with their plain versions on each."""
    if request.param == "repo raw":
        return paragraph_texts(REPO / "raw")
    return paragraph_texts(shared_path("dev-corpus", "raw") if request.param == "dev-corpus" else shared_path("seeds"))


@pytest.fixture(scope="session")
def prefect_server():
    """A real (temporary) Prefect API for flow tests, started once."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


def removed(model, doc) -> list[int]:
    """Apply a decided near-duplicate model to `doc`; the indexes of the paragraphs it removed."""
    model.apply(doc)
    return [p.index for p in doc.paragraphs if p.removed == "duplicate"]


# Invented prose shared by the near-duplicate tests: a ferry timetable cut, a re-edited copy of it,
# and an unrelated bakery story.
FERRY = (
    "The Velmora ferry company said on Tuesday that it would cut the winter timetable to three "
    "crossings a day, blaming higher fuel costs and a shortage of trained deckhands at the port of Ostrigan."
)
FERRY_EDITED = (
    "The Velmora ferry company said on Tuesday it would reduce the winter timetable to three "
    "crossings a day, blaming higher fuel costs and a lack of qualified deckhands at the port of Ostrigan."
)
BAKERY = (
    "A family bakery on Quay Street has opened a second shop near the lighthouse, hiring four apprentices "
    "from the vocational school and promising rye loaves baked to a recipe older than the harbour wall."
)
