"""Find raw files and turn their bytes into documents without ever crashing on bad input.

Every failure becomes a document with status `error` and a message a person can act on.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import xxhash

from cleaners.document import Document, split_paragraphs
from cleaners.settings import Settings

SUFFIXES = (".txt", ".jsonl")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")

# cp1252 leaves five bytes undefined; latin-1 maps them, so no byte is ever lost.
codecs.register_error("latin1-fallback", lambda e: (e.object[e.start : e.end].decode("latin-1"), e.end))


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


@dataclass(frozen=True)
class Source:
    """One raw file: `rel` is its POSIX path relative to the raw folder."""

    rel: str
    path: Path

    @property
    def kind(self) -> str:
        return "jsonl" if self.rel.endswith(".jsonl") else "txt"


def discover(raw_dir: Path, settings: Settings) -> list[Source]:
    """Raw files in a stable order. Only regular files count (a FIFO named `x.txt` would block a
    reader forever); links leading outside `raw_dir` are skipped unless allowed, and a followed
    link back to a folder already walked is not walked again (no loop, no duplicates)."""
    root = raw_dir.resolve()
    found: list[Source] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=settings.follow_symlinks):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SUFFIXES) or name.startswith("."):
                continue
            path = Path(dirpath) / name
            try:
                if not stat.S_ISREG(os.stat(path).st_mode):
                    continue
            except OSError:  # a dangling link
                continue
            if path.is_symlink() and not settings.follow_symlinks:
                target = path.resolve()
                if not target.is_relative_to(root):
                    continue
            rel = path.relative_to(raw_dir).as_posix()
            found.append(Source(rel=_printable_name(rel), path=path))
    found.sort(key=lambda s: s.rel)
    return found


def _printable_name(rel: str) -> str:
    """A file name that is not UTF-8 reaches Python with surrogate escapes, which no report or state
    file can hold: such a name is spelled with backslash escapes (and refused by `read_source`)."""
    if not _has_surrogates(rel):
        return rel
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def site_of(rel: str, record: dict | None = None) -> str:
    """A site is the top-level folder, or a record's `site`/`url` host, else the whole corpus."""
    if record:
        if isinstance(record.get("site"), str) and record["site"]:
            return record["site"]
        url = record.get("url")
        if isinstance(url, str) and "://" in url:
            return url.split("://", 1)[1].split("/", 1)[0].lower()
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else ""


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: one byte of most pairs is NUL, consistently on one side."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    zero_even = even.count(0) / len(even)
    zero_odd = odd.count(0) / len(odd)
    if zero_odd > 0.6 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.6 and zero_odd < 0.05:
        return "utf-16-be"
    return None


_ASCII_CONTROL = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])  # all but \t \n \r \f
_ASCII = bytes(range(0x80))


class _Unwanted(dict):
    """str.translate table deleting the control, surrogate, private-use, unassigned and replacement
    characters (kept, as themselves, are the rest), filled as characters are met: binary data decoded
    as UTF-16 meets many, so at most `_MAX_UNWANTED` verdicts are kept."""

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        value = None if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else code
        if len(self) < _MAX_UNWANTED:
            self[code] = value
        return value


_MAX_UNWANTED = 1 << 16
_UNWANTED = _Unwanted()


def _control_ratio(text: str) -> float:
    """Share of control, unassigned, private-use and replacement characters, counted on the UTF-8 bytes
    (bytes.translate runs in C; a regex scan for the non-ASCII characters cost seven times as much): no
    character but ASCII encodes to a byte below 0x80, so the ASCII ones are counted there, and the
    others looked up one by one among the (few) non-ASCII characters."""
    if not text:
        return 0.0
    data = text.encode("utf-8", "surrogatepass")
    bad = len(data) - len(data.translate(None, _ASCII_CONTROL))
    if not text.isascii():  # the UTF-8 bytes without the ASCII ones are the other characters' encodings
        rest = data.translate(None, _ASCII).decode("utf-8", "surrogatepass")
        bad += len(rest) - len(rest.translate(_UNWANTED))
    return bad / len(text)


def decode(data: bytes, settings: Settings) -> tuple[str, str]:
    """Decode bytes to text and name the encoding used; raise DecodeError for binary data."""
    encoding: str
    if data.startswith(codecs.BOM_UTF8):
        encoding, text = "utf-8-sig", data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0:
        encoding, text = "utf-32", data.decode("utf-32", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, text = "utf-16", data.decode("utf-16", errors="replace")
    elif utf16 := _looks_utf16(data):
        encoding, text = utf16, data.decode(utf16, errors="replace")
    else:
        try:
            encoding, text = "utf-8", data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
            text = data.decode("cp1252", errors="latin1-fallback")
            letters = [ch for ch in text if ch.isalpha()]
            high = sum(1 for ch in text if ord(ch) > 0x7F)
            if b"\x00" in data or (text and high / len(text) > 0.3) or not letters:
                raise DecodeError(
                    "binary data: not valid UTF-8/UTF-16, and as cp1252 it is mostly non-text bytes"
                ) from None
    text = text.replace("\x00", "")
    ratio = _control_ratio(text)
    if ratio > settings.max_control_ratio:
        raise DecodeError(f"binary data: {ratio:.0%} control or undecodable characters after decoding as {encoding}")
    return text, encoding


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _new_doc(
    doc_id: str, source: Source, text: str, encoding: str, size: int, digest: str, record: dict | None = None
) -> Document:
    text = normalise_newlines(text)
    paragraphs = split_paragraphs(text)
    return Document(
        id=doc_id,
        source=source.rel,
        site=site_of(source.rel, record),
        record=record,
        status="ok" if paragraphs else "empty",
        encoding=encoding,
        bytes_in=size,
        content_hash=digest,
        paragraphs=paragraphs,
        paragraphs_in=len(paragraphs),
    )


def _error_doc(doc_id: str, source: Source, message: str, size: int, digest: str) -> Document:
    return Document(
        id=doc_id,
        source=source.rel,
        site=site_of(source.rel),
        bytes_in=size,
        content_hash=digest,
    ).fail(message)


def _empty_doc(source: Source, size: int, digest: str, encoding: str | None) -> Document:
    return Document(
        id=source.rel,
        source=source.rel,
        site=site_of(source.rel),
        status="empty",
        bytes_in=size,
        content_hash=digest,
        encoding=encoding,
    )


def read_source(source: Source, settings: Settings) -> list[Document]:
    """All documents of one raw file (one for `.txt`, one per record for `.jsonl`)."""
    if _has_surrogates(os.fspath(source.path)):
        message = f"{source.rel}: the file name is not valid UTF-8; rename the file"
        return [_error_doc(source.rel, source, message, 0, "")]
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return [_error_doc(source.rel, source, f"{source.rel}: cannot read ({exc.strerror})", 0, "")]
    return read_bytes(source, data, settings)


def read_bytes(source: Source, data: bytes, settings: Settings) -> list[Document]:
    digest = xxhash.xxh3_128_hexdigest(data)
    if not data.strip():
        return [_empty_doc(source, len(data), digest, None)]
    try:
        text, encoding = decode(data, settings)
    except DecodeError as exc:
        return [_error_doc(source.rel, source, f"{source.rel}: {exc}", len(data), digest)]
    if source.kind == "txt":
        return [_new_doc(source.rel, source, text, encoding, len(data), digest)]
    return _read_jsonl(source, text, encoding, digest)


def _read_jsonl(source: Source, text: str, encoding: str, digest: str) -> list[Document]:
    docs: list[Document] = []
    seen: set[str] = set()
    for lineno, line in enumerate(normalise_newlines(text).split("\n"), start=1):
        if not line.strip():
            continue
        fallback_id = f"{source.rel}#line-{lineno}"
        size = len(line.encode("utf-8", "surrogatepass"))
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            docs.append(
                _error_doc(fallback_id, source, f"{source.rel} line {lineno}: invalid JSON ({exc.msg})", size, digest)
            )
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            docs.append(
                _error_doc(
                    fallback_id,
                    source,
                    f"{source.rel} line {lineno}: record needs a string 'text' field",
                    size,
                    digest,
                )
            )
            continue
        rid = record.get("id")
        rid = str(rid) if rid is not None and str(rid).strip() else f"line-{lineno}"
        doc_id = f"{source.rel}#{rid}"
        if doc_id in seen:
            docs.append(
                _error_doc(
                    f"{fallback_id}",
                    source,
                    f"{source.rel} line {lineno}: duplicate id {rid!r}",
                    size,
                    digest,
                )
            )
            continue
        seen.add(doc_id)
        body = record["text"].replace("\x00", "")
        meta = {k: v for k, v in record.items() if k != "text"}
        docs.append(_new_doc(doc_id, source, body, encoding, size, digest, record=meta))
    if not docs:
        return [_empty_doc(source, len(text), digest, encoding)]
    return docs
