import codecs
from pathlib import Path

import pytest

from cleaners.reading import DecodeError, Source, decode, discover, read_bytes, site_of
from cleaners.settings import Settings

S = Settings()
TEXT = "Title “quoted” café\n\nSecond paragraph – with ’ marks.\n"


def src(rel: str = "site/a.txt") -> Source:
    return Source(rel=rel, path=Path(rel))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decodes_supported_encodings(data: bytes, encoding: str) -> None:
    text, used = decode(data, S)
    assert used == encoding
    assert text == TEXT


def test_cp1252_undefined_bytes_are_kept_as_latin1() -> None:
    data = "A naïve reader’s note on the matter ".encode("cp1252") + b"\x81 x"
    text, used = decode(data, S)
    assert used == "cp1252" and text == "A naïve reader’s note on the matter \x81 x"


def test_random_bytes_are_refused() -> None:
    import random

    rnd = random.Random(1)
    data = bytes(rnd.randrange(256) for _ in range(2048))
    with pytest.raises(DecodeError, match="binary"):
        decode(data, S)


def test_control_characters_make_binary() -> None:
    with pytest.raises(DecodeError, match="control"):
        decode(("\x01\x02\x03\x04" * 50 + "text").encode(), S)


def test_nul_bytes_in_text_are_dropped() -> None:
    docs = read_bytes(src(), b"A title\n\nSome te\x00xt here.\x00\n", S)
    assert docs[0].status == "ok"
    assert docs[0].paragraphs[1].text == "Some text here."


def test_empty_and_whitespace_files_are_empty_not_errors() -> None:
    for data in (b"", b"  \n\n \r\n"):
        (doc,) = read_bytes(src(), data, S)
        assert doc.status == "empty" and doc.error is None


def test_binary_file_is_error_with_message() -> None:
    (doc,) = read_bytes(src(), bytes(range(256)) * 8, S)
    assert doc.status == "error"
    assert "site/a.txt" in doc.error and "binary" in doc.error


def test_line_endings_normalised() -> None:
    (doc,) = read_bytes(src(), b"Title\r\n\r\nOne\r\ntwo\rthree\r\n", S)
    assert [p.text for p in doc.paragraphs] == ["Title", "One\ntwo\nthree"]


def test_jsonl_records_become_documents_named_by_id() -> None:
    data = (
        b'{"id": "a1", "text": "Hello world.\\n\\nSecond.", "url": "https://news.example.org/x"}\n'
        b"not json\n"
        b'{"id": "../../etc", "text": "Odd id."}\n'
        b'{"text": 5}\n'
    )
    docs = read_bytes(src("feeds/f.jsonl"), data, S)
    assert [d.id for d in docs] == [
        "feeds/f.jsonl#a1",
        "feeds/f.jsonl#line-2",
        "feeds/f.jsonl#../../etc",
        "feeds/f.jsonl#line-4",
    ]
    assert [d.status for d in docs] == ["ok", "error", "ok", "error"]
    assert docs[0].record == {"id": "a1", "url": "https://news.example.org/x"}
    assert docs[0].site == "news.example.org"
    assert "invalid JSON" in docs[1].error


def test_site_is_top_folder_or_record_field() -> None:
    assert site_of("herald/a.txt") == "herald"
    assert site_of("a.txt") == ""
    assert site_of("x/a.jsonl", {"site": "wire"}) == "wire"


def test_discover_sorted_and_skips_outside_symlinks(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "b").mkdir(parents=True)
    (raw / "b" / "2.txt").write_text("x")
    (raw / "a.txt").write_text("x")
    (raw / "notes.md").write_text("x")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (raw / "link.txt").symlink_to(outside)
    rels = [s.rel for s in discover(raw, S)]
    assert rels == ["a.txt", "b/2.txt"]
    assert [s.rel for s in discover(raw, Settings(follow_symlinks=True))] == ["a.txt", "b/2.txt", "link.txt"]


def test_five_megabyte_line_decodes_quickly() -> None:
    data = ("word " * 1_000_000).encode()
    (doc,) = read_bytes(src(), data, S)
    assert doc.status == "ok" and len(doc.paragraphs) == 1


def test_control_ratio_fast_path_counts_like_unicodedata() -> None:
    import unicodedata

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cleaners.reading import _control_ratio

    def by_category(text: str) -> float:
        bad = sum(
            1
            for ch in text
            if (ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")) or ch == "\ufffd"
        )
        return bad / len(text)

    @settings(max_examples=300, deadline=None)
    @given(st.text(min_size=1, max_size=80))
    def check(text: str) -> None:
        assert _control_ratio(text) == pytest.approx(by_category(text))

    check()
