"""The flow documents' frame: the Builder's sections, caps and block shapes, and how a file's
format is told from its bytes and its declared type (chalicelib/media/flow/__init__.py)."""
from __future__ import annotations

import io
import zipfile

import pytest

from chalicelib.media import flow
from chalicelib.media.flow import Builder, FlowError, format_of, sniff
from chalicelib.structure import ROLES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def zipped(parts: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n)


def test_blocks_have_the_shape_of_section_13_with_null_boxes():
    b = Builder(max_words=1000, max_chars=10_000)
    b.add("heading", "  Chapter\n 1 ", level=1)
    b.add("list-item", "", lines=["1. First", "  "])
    b.table([[("Name", True), ("Age", True)], [("Ann", False), ("", False)]], caption="Table 1. People")
    doc = b.finish(format="docx", title=" A  title ", language="en-GB")
    (section,) = doc["sections"]
    assert [line["text"] for line in section["lines"]] == ["Chapter 1", "1. First", "Table 1. People", "Name", "Age", "Ann"]
    assert all(line["box"] is None and all(w["box"] is None for w in line["words"]) for line in section["lines"])
    heading, item, caption, table = section["blocks"]
    assert heading == {"role": "heading", "level": 1, "lines": [0], "spoken": True, "box": None}
    assert item["role"] == "list-item" and item["lines"] == [1]
    assert caption["role"] == "caption"
    assert table["cells"] == [{"row": 0, "col": 0, "header": True, "lines": [3]},
                              {"row": 0, "col": 1, "header": True, "lines": [4]},
                              {"row": 1, "col": 0, "header": False, "lines": [5]}]
    assert (table["rows"], table["cols"]) == (2, 2)
    assert doc["title"] == "A title" and doc["cut"] is None and doc["language"] == "en-GB"


def test_every_role_of_the_contract_is_taken_and_no_other():
    b = Builder(max_words=100, max_chars=1000)
    for role in ROLES:
        assert b.add(role, "text", level=2)
    with pytest.raises(ValueError):
        b.add("sidebar", "text")


def test_sections_end_at_big_headings_and_at_their_size():
    b = Builder(max_words=100_000, max_chars=1_000_000, section_words=100)
    b.add("title", "The Book")
    b.add("heading", "Part One", level=1)  # the title's section holds words: a new one
    b.add("heading", "Chapter 1", level=2)  # an empty section's heading stays with it? no: it holds "Part One"
    for _ in range(5):
        b.add("paragraph", words(30))
    b.add("heading", "A small heading", level=3)  # level 3 never starts a section by itself
    doc = b.finish(format="text")
    sizes = [sum(len(line["words"]) for line in s["lines"]) for s in doc["sections"]]
    firsts = [s["lines"][0]["text"] for s in doc["sections"]]
    assert firsts[:3] == ["The Book", "Part One", "Chapter 1"]
    assert all(size <= 100 + 30 for size in sizes)  # a section ends at the first block past its size
    assert sum(sizes) == 2 + 2 + 2 + 150 + 3


def test_explicit_sections_and_the_outline_index():
    b = Builder(max_words=1000, max_chars=10_000)
    b.section()
    assert b.section_index == 0
    b.add("paragraph", "one")
    assert b.section_index == 0
    b.section()
    outline = [{"title": "Two", "level": 1, "section": b.section_index}, {"title": "Nowhere", "level": 1, "section": 9}]
    b.add("paragraph", "two")
    doc = b.finish(format="epub", outline=outline)
    assert [s["lines"][0]["text"] for s in doc["sections"]] == ["one", "two"]
    assert doc["outline"] == [{"title": "Two", "level": 1, "section": 1}]  # entries past the sections dropped


def test_the_caps_keep_the_first_words_and_count_the_rest():
    b = Builder(max_words=5, max_chars=1000)
    b.add("paragraph", "one two three")
    b.add("paragraph", "four five six seven")
    assert b.full
    assert not b.add("paragraph", "eight nine")
    doc = b.finish(format="text")
    assert [line["text"] for line in doc["sections"][0]["lines"]] == ["one two three", "four five"]
    assert doc["cut"] == {"reason": "words", "kept": 5, "found": 9}
    chars = Builder(max_words=100, max_chars=8)
    chars.add("paragraph", "abcd efgh ijkl")
    assert chars.finish(format="text")["cut"] == {"reason": "chars", "kept": 2, "found": 3}


def test_control_characters_and_odd_spaces_are_cleaned():
    b = Builder(max_words=100, max_chars=1000)
    b.add("paragraph", "a\x00b\u00a0c\t\td\r\n e\x1b")
    assert b.finish(format="text")["sections"][0]["lines"][0]["text"] == "ab c d e"


@pytest.mark.parametrize("data, declared, expected", [
    (b"%PDF-1.7 ...", None, None),
    (b"\x89PNG\r\n\x1a\n", "text/plain", None),
    (b"<!DOCTYPE html><html><p>Hi", None, "html"),
    (b"\xef\xbb\xbf  <html lang=en>", "text/plain", "html"),
    ("<!doctype html>".encode("utf-16"), None, "html"),
    (b"# Title\n\nText", "text/markdown", "markdown"),
    (b"# Title\n\nText", "text/plain; charset=utf-8", "text"),
    ("Caf\u00e9".encode("utf-16"), None, "text"),
    ("A text in UTF-16 with no byte order mark".encode("utf-16-le"), "text/plain", "text"),
    (b"\x00\x01\x02binary", "text/plain", None),
])
def test_text_formats_are_told_by_bytes_then_declared_type(data, declared, expected):
    assert sniff(data, declared) == expected


def test_zip_formats_are_told_by_their_parts_not_their_name():
    docx = zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    epub = zipped({"mimetype": flow.EPUB_MIME, "META-INF/container.xml": b"<x/>"}, stored_first="mimetype")
    odt = zipped({"mimetype": flow.ODT_MIME, "content.xml": b"<x/>"}, stored_first="mimetype")
    assert [sniff(d) for d in (docx, epub, odt)] == ["docx", "epub", "odt"]
    assert sniff(zipped({"a.txt": b"x"})) is None
    assert sniff(b"PK\x03\x04 not really a zip") is None


def test_a_declared_type_the_bytes_contradict_is_refused_with_a_reason():
    epub = zipped({"mimetype": flow.EPUB_MIME}, stored_first="mimetype")
    with pytest.raises(FlowError, match="uploaded as a Word document .DOCX., but it is not one"):
        format_of(epub, DOCX)
    with pytest.raises(FlowError, match="uploaded as a Word document"):
        format_of(b"%PDF-1.4", DOCX)
    with pytest.raises(FlowError, match="not a text document"):
        format_of(b"\x00\x00\x00 binary", "text/plain")
    with pytest.raises(FlowError, match="not a text document"):
        format_of(epub, "text/plain")  # a zip declared as text


def test_only_flow_types_or_zips_go_the_flow_way():
    assert format_of(b"%PDF-1.4", "application/pdf") is None
    assert format_of(b"\xff\xd8\xff", "image/jpeg") is None
    assert format_of(b"plain words", None) is None  # no declared type: only a zip's parts tell
    assert format_of(b"plain words", "text/plain") == "text"
    docx = zipped({"word/document.xml": b"<x/>"})
    assert format_of(docx, None) == "docx" and format_of(docx, DOCX) == "docx"


def test_a_flow_error_is_a_media_error_so_the_job_fails_with_its_message():
    from chalicelib.errors import MediaError

    assert issubclass(FlowError, MediaError)
