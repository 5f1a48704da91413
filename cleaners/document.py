"""Types shared by every stage: documents, paragraphs and the decisions (events) made on them.

A `Document` is plain data so it can be written to the state store as JSON and
read back in another process; stages edit it in place and append `Event`s.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Literal, TypeVar, get_args

import xxhash

from cleaners.verdicts import NO_VERDICTS, Verdicts

_T = TypeVar("_T")
Status = Literal["ok", "empty", "error"]
Kind = Literal[
    "encoding",
    "chrome",
    "duplicate",
    "transliteration",
    "calque",
    "punctuation",
    "word_order",
    "foreign_fragment",
    "language",
]
Action = Literal["removed", "fixed", "flagged"]

KINDS: tuple[str, ...] = get_args(Kind)


@dataclass
class Event:
    """One decision. `text` is the affected text as it stood before the stage that made it,
    `start`/`end` its offsets in the paragraph at that moment (None: the whole paragraph)."""

    doc: str
    paragraph: int
    kind: str
    action: str
    text: str
    start: int | None = None
    end: int | None = None
    replacement: str | None = None
    rule: str = ""
    confidence: float = 1.0
    cluster: int | None = None
    duplicate_of: dict[str, Any] | None = None
    lang: str | None = None
    override: str | None = None  # "rejected" / "accepted" when a reviewer's override changed the action
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = event_id(self.doc, self.kind, self.rule, self.text, self.paragraph)

    def to_dict(self) -> dict[str, Any]:
        # fields hold plain values (duplicate_of: a small dict of them), so a shallow copy is what
        # asdict's deep copy gives, several times faster
        data = dict(self.__dict__)
        if self.duplicate_of is not None:
            data["duplicate_of"] = dict(self.duplicate_of)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return _build(cls, data)


@cache
def _field_names(cls: type) -> frozenset[str]:
    """A dataclass's field names (documents and events are rebuilt from JSON between every phase)."""
    return frozenset(f.name for f in fields(cls))


def _build(cls: type[_T], data: dict[str, Any]) -> _T:
    """`cls(**data)` without the keys `cls` has no field for (a file written by another version). The
    keys are tried as they are first: documents and events are rebuilt from JSON between every phase,
    and filtering each one's keys tripled an event's cost."""
    try:
        return cls(**data)
    except TypeError:
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


def event_id(doc: str, kind: str, rule: str, text: str, paragraph: int) -> str:
    """Stable across runs: the same decision on the same text gets the same id."""
    key = "\x1f".join((doc, kind, rule, str(paragraph), text))
    return xxhash.xxh3_64_hexdigest(key.encode("utf-8", "surrogatepass"))


@dataclass
class Paragraph:
    """A block of lines separated from its neighbours by a blank line.

    `index` is its position in the decoded document and never changes; `text` is its
    current content (lines joined by LF). `removed` names the stage that dropped it.
    """

    index: int
    text: str
    language: str | None = None
    removed: str | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Document:
    """One article: a `.txt` file or one record of a `.jsonl` file."""

    id: str
    source: str
    site: str = ""
    record: dict[str, Any] | None = None
    status: str = "ok"
    error: str | None = None
    encoding: str | None = None
    language: str | None = None
    bytes_in: int = 0
    content_hash: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    paragraphs_in: int = 0

    @property
    def live(self) -> list[Paragraph]:
        """Paragraphs still in the clean text."""
        return [p for p in self.paragraphs if p.removed is None and p.text.strip()]

    def clean_text(self) -> str:
        return "\n\n".join(p.text for p in self.live)

    def fail(self, error: str) -> Document:
        """Turn the document into an error record (the one way to): no paragraphs, the message kept.

        >>> Document(id="a.txt", source="a.txt").fail("read failed: binary").status
        'error'
        """
        self.status = "error"
        self.error = error
        self.paragraphs = []
        return self

    def add(self, event: Event, verdicts: Verdicts = NO_VERDICTS) -> bool:
        """Record a decision and say whether to carry it out, after the reviewer's `verdicts`."""
        carry_out = verdicts.judge(event)
        self.events.append(event)
        return carry_out

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["record"] = copy.deepcopy(self.record)  # a JSON record of the source: nested values
        data["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        data["events"] = [e.to_dict() for e in self.events]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        data = dict(data)
        data["paragraphs"] = [Paragraph(**p) for p in data.get("paragraphs", [])]
        data["events"] = [_build(Event, e) for e in data.get("events", [])]
        return _build(cls, data)


def split_paragraphs(text: str) -> list[Paragraph]:
    r"""Blank lines separate paragraphs. A text without any blank line between its lines (blank lines
    at its start or end do not count: a file ends with a newline) is the one-line-per-paragraph layout,
    so each line is a paragraph.

    >>> [p.text for p in split_paragraphs("a\nb\nc\n")]
    ['a', 'b', 'c']
    >>> [p.text for p in split_paragraphs("Menu\nHome\n\nThe story.\n")]
    ['Menu\nHome', 'The story.']
    """
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    inner = lines[first : last + 1]
    if len(inner) > 1 and all(line.strip() for line in inner):
        blocks = inner
    else:
        blocks, current = [], []
        for line in lines:
            if line.strip():
                current.append(line)
            elif current:
                blocks.append("\n".join(current))
                current = []
        if current:
            blocks.append("\n".join(current))
    return [Paragraph(index=i, text=b) for i, b in enumerate(blocks)]
