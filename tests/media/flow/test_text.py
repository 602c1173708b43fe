"""Plain text read into flow blocks (media/flow/text.py).

Real texts: Brotli 1.2.1's sdist (MIT) ships the Canterbury corpus' public-domain Project
Gutenberg texts in tests/testdata: alice29.txt (Alice's Adventures in Wonderland, CRLF, twelve
"CHAPTER I" lines each followed by its title), plrabn12.txt (Paradise Lost, verse in twelve
"Book I" parts) and lcet10.txt (a 1992 workshop's proceedings); fetched and pinned by
tests/samples.py, nothing downloaded is committed. Small texts built here pin exact features
(a modern Gutenberg header and licence, encodings made from the real text).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import samples
from tests.media.flow import shapes
from tests.media.flow.shapes import blocks

BROTLI = ("Brotli", "1.2.1", "02b2f7b5a83485efe448a44ddf7983def05c3bb1dcf917d4f7154070260e13de")
_CHAPTER = re.compile(r"^CHAPTER [IVXL]+ / ")


def read(data: bytes | str, hint: str | None = "text/plain", **caps) -> dict:
    return shapes.read(data, hint, **caps)


@pytest.fixture(scope="module")
def testdata() -> Path:
    return samples.pypi_sdist(*BROTLI) / "brotli-1.2.1" / "tests" / "testdata"


@pytest.fixture(scope="module")
def alice_bytes(testdata) -> bytes:
    return (testdata / "alice29.txt").read_bytes()


def test_alice_chapters_titles_and_joined_paragraphs(alice_bytes):
    doc = read(alice_bytes)
    assert doc["format"] == "text" and doc["cut"] is None
    got = blocks(doc)
    chapters = [(t, lv) for role, t, lv in got if role == "heading" and _CHAPTER.match(t)]
    assert len(chapters) == 12 and all(lv == 1 for _, lv in chapters)
    assert chapters[0][0] == "CHAPTER I / Down the Rabbit-Hole"
    assert chapters[10][0] == "CHAPTER XI / Who Stole the Tarts?"
    assert [o["title"] for o in doc["outline"] if o["level"] == 1][:2] == [
        "CHAPTER I: Down the Rabbit-Hole", "CHAPTER II: The Pool of Tears"]
    # the outline points at the section that holds the chapter's heading
    for o in doc["outline"]:
        section = doc["sections"][o["section"]]
        texts = [" / ".join(section["lines"][i]["text"] for i in bl["lines"]) for bl in section["blocks"]]
        assert o["title"].replace(": ", " / ") in texts or o["title"] in texts
    assert doc["title"] == "ALICE'S ADVENTURES IN WONDERLAND"
    assert got[0][:2] == ("title", "ALICE'S ADVENTURES IN WONDERLAND")
    # hard-wrapped lines joined into one paragraph, one line
    first = next(t for role, t, _ in got if role == "paragraph" and t.startswith("Alice was beginning"))
    assert " / " not in first
    assert "pictures or conversations in it, `and what is the use of a book,' thought Alice" in first
    assert first.endswith("`without pictures or conversation?'")
    # every other heading is an all-caps line; no sentence became one
    others = [t for role, t, _ in got if role == "heading" and not _CHAPTER.match(t)]
    assert all(t == t.upper() for t in others), others
    paragraphs = [t for role, t, _ in got if role == "paragraph"]
    assert "So she set to work, and very soon finished off the cake." in paragraphs
    assert "`What a curious feeling!' said Alice; `I must be shutting up like a telescope.'" in paragraphs
    assert len(paragraphs) > 700


def test_crlf_latin1_utf16_and_bomless_utf16_read_alike(alice_bytes):
    text = alice_bytes.decode("ascii").replace("\r\n", "\n")
    text = text.replace("Alice was beginning", "Alic\u00e9 was beginning").replace("`Curiouser", "\u201cCuriouser")
    want = blocks(read(text))
    assert any("Alic\u00e9 was beginning" in t for _, t, _ in want)
    for name, data in [("cp1252", text.encode("cp1252")),
                       ("utf-16 BOM", text.encode("utf-16")),
                       ("utf-16-le no BOM", text.encode("utf-16-le")),
                       ("utf-8 BOM CR", b"\xef\xbb\xbf" + text.replace("\n", "\r").encode("utf-8"))]:
        assert blocks(read(data)) == want, name


def test_latin1_declared_in_the_content_type(alice_bytes):
    text = "CHAPTER I\n\nLe caf\u00e9 \u00e9tait ferm\u00e9, dit-elle \u00e0 sa s\u0153ur.\n"
    doc = read(text.encode("cp1252"), "text/plain; charset=ISO-8859-1")
    assert blocks(doc)[1] == ("paragraph", "Le caf\u00e9 \u00e9tait ferm\u00e9, dit-elle \u00e0 sa s\u0153ur.", None)


def test_paradise_lost_books_and_verse_lines(testdata):
    doc = read((testdata / "plrabn12.txt").read_bytes())
    got = blocks(doc)
    books = [t for role, t, lv in got if role == "heading"]
    assert books == [f"Book {n}" for n in ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]]
    assert [o["level"] for o in doc["outline"]] == [1] * 12
    verse = next(t for role, t, _ in got if role == "paragraph" and t.startswith("Of Man's first"))
    # verse keeps its lines
    assert verse.startswith("Of Man's first disobedience, and the fruit / Of that forbidden tree whose mortal taste / ")
    # the prose introduction is joined
    intro = next(t for role, t, _ in got if t.startswith("This etext was originally created"))
    assert " / " not in intro


def test_lcet10_sections_lists_and_no_false_headings(testdata):
    got = blocks(read((testdata / "lcet10.txt").read_bytes()))
    headings = [t for role, t, _ in got if role == "heading"]
    assert "PRESERVATION AND IMAGING" in headings and "OPTIONS FOR DISSEMINATION" in headings
    assert all(t == t.upper() or t in ("Introduction",) for t in headings), headings
    items = [t for role, t, _ in got if role == "list-item"]
    assert "* Imaging" in items and "* Searchable coded texts" in items


GUTENBERG = """\ufeffThe Project Gutenberg eBook of The Storm Book

This ebook is for the use of anyone anywhere in the United States and
most other parts of the world at no cost and with almost no restrictions
whatsoever.

Title: The Storm Book

Author: A. Writer

Language: English

*** START OF THE PROJECT GUTENBERG EBOOK THE STORM BOOK ***


Produced by A. Volunteer and the Online Distributed
Proofreading Team.


THE STORM BOOK

by A. Writer


CONTENTS

 CHAPTER I. The Harbour
 CHAPTER II. The Wind
 CHAPTER III. The Storm


BOOK ONE

CHAPTER I.
The Harbour

The harbour lay quiet in the grey morning, and the fishing boats rocked
gently at their moorings while the gulls wheeled and cried above them.

Yes.

"Come in," she said, and he came in out of the rain that had begun to
fall along the quay.

CHAPTER II. The Wind

The wind rose at noon.

[Illustration: The harbour wall in
the storm]

[Illustration]

[Footnote 1: Gales were common
that year.]

Things they carried:

- rope, and more rope
- a lantern
* a knife

1. First they ran.
2. Then they hid,
   under the nets.

a) north
b) south

BOOK TWO

XII

The last chapter, numbered alone on its line as old books do.

Setext Heading
==============

Under a setext heading.

*** END OF THE PROJECT GUTENBERG EBOOK THE STORM BOOK ***

Updated editions will replace the previous one--the old editions will
be renamed.

START: FULL LICENSE

THE FULL PROJECT GUTENBERG LICENSE
PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK
"""


def test_gutenberg_furniture_headings_levels_and_lists():
    doc = read(GUTENBERG)
    got = blocks(doc)
    assert doc["title"] == "The Storm Book" and doc["language"] == "en"
    header = [t for role, t, _ in got if role == "page-header"]
    assert header[0] == "The Project Gutenberg eBook of The Storm Book"
    assert header[-2] == "*** START OF THE PROJECT GUTENBERG EBOOK THE STORM BOOK ***"
    assert header[-1] == "Produced by A. Volunteer and the Online Distributed Proofreading Team."
    footer = [t for role, t, _ in got if role == "page-footer"]
    assert footer[0] == "*** END OF THE PROJECT GUTENBERG EBOOK THE STORM BOOK ***"
    assert "START: FULL LICENSE" in footer
    assert not any("LICENSE" in t for role, t, _ in got if role not in ("page-footer",))
    # the roles between are the book's
    body = [(role, t, lv) for role, t, lv in got if role not in ("page-header", "page-footer")]
    assert body[0] == ("title", "THE STORM BOOK", None)
    headings = [(t, lv) for role, t, lv in body if role == "heading"]
    assert headings == [("CONTENTS", 3), ("BOOK ONE", 1), ("CHAPTER I. / The Harbour", 2),
                        ("CHAPTER II. The Wind", 2), ("BOOK TWO", 1), ("XII", 2), ("Setext Heading", 1)]
    # a contents list is a list, not three empty chapters
    items = [t for role, t, _ in body if role == "list-item"]
    assert items[:3] == ["CHAPTER I. The Harbour", "CHAPTER II. The Wind", "CHAPTER III. The Storm"]
    assert items[3:] == ["- rope, and more rope", "- a lantern", "* a knife", "1. First they ran.",
                         "2. Then they hid, under the nets.", "a) north", "b) south"]
    paragraphs = [t for role, t, _ in body if role == "paragraph"]
    # a one-line paragraph of one word or a few is not a heading
    assert "Yes." in paragraphs and "The wind rose at noon." in paragraphs and "Things they carried:" in paragraphs
    assert "\"Come in,\" she said, and he came in out of the rain that had begun to fall along the quay." in paragraphs
    assert ("figure", "The harbour wall in the storm", None) in body
    assert ("footnote", "1 Gales were common that year.", None) in body
    assert not any("Illustration" in t for _, t, _ in body)
    outline = [(o["title"], o["level"]) for o in doc["outline"]]
    assert ("CHAPTER I.: The Harbour", 2) not in outline and ("CHAPTER I. The Harbour", 2) in outline


def test_old_gutenberg_small_print_header():
    text = ("The Project Gutenberg Etext of A Story\n\n**Welcome To The World of Free Plain Vanilla "
            "Electronic Texts**\n\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\n"
            "CHAPTER I\n\nOnce upon a time.\n\nEnd of the Project Gutenberg Etext of A Story\n")
    got = blocks(read(text))
    assert [role for role, _, _ in got] == ["page-header"] * 3 + ["heading", "paragraph", "page-footer"]


def test_chapter_line_forms():
    text = "\n\n".join(["Chapter 12. The Storm", "It rained.", "CHAPTER XIV\u2014THE CALM", "It stopped.",
                       "PART III", "Then it was over.", "Prologue", "Before.", "Part of the problem was the rain, which fell.",
                       "Chapter and verse were quoted at length by everyone there that night."])
    got = blocks(read(text))
    assert [(t, lv) for role, t, lv in got if role == "heading"] == [
        ("Chapter 12. The Storm", 2), ("CHAPTER XIV\u2014THE CALM", 2), ("PART III", 1), ("Prologue", 2)]


def test_chapter_line_over_its_text_and_a_title_page_illustration():
    text = ("[Illustration:\n\n      GEORGE ALLEN\n        PUBLISHER\n\n   156 CHARING CROSS ROAD\n\n        ]\n\n"
            "CHAPTER I.\nIt is a truth universally acknowledged, that a single man in possession\n"
            "of a good fortune must be in want of a wife.\n\nCHAPTER II.\nThe Visit\n\nMr. Bennet was among the "
            "earliest of those who waited on Mr. Bingley.\n")
    got = blocks(read(text))
    assert got == [("figure", "GEORGE ALLEN PUBLISHER 156 CHARING CROSS ROAD", None),
                   ("heading", "CHAPTER I.", 1),
                   ("paragraph", "It is a truth universally acknowledged, that a single man in possession of a good "
                                 "fortune must be in want of a wife.", None),
                   ("heading", "CHAPTER II. / The Visit", 1),
                   ("paragraph", "Mr. Bennet was among the earliest of those who waited on Mr. Bingley.", None)]


def test_a_plays_speakers_are_not_sections():
    speech = "Words of the speech that runs for a line or so here."
    text = "ACT I. Elsinore\n\n" + "\n\n".join(f"{'HAMLET' if i % 2 else 'HORATIO'}\n\n{speech}" for i in range(60))
    got = blocks(read(text))
    assert [t for role, t, _ in got if role == "heading"] == ["ACT I. Elsinore"]
    assert ("paragraph", "HAMLET", None) in got


def test_contents_first_is_not_the_title():
    doc = read("CONTENTS\n\nChapter 1. Rain ...... 1\nChapter 2. Sun ...... 9\n\nCHAPTER 1. Rain\n\nIt rained.\n")
    assert blocks(doc)[0] == ("heading", "CONTENTS", 2)
    assert doc["title"] == "CHAPTER 1. Rain"


def test_unwrapped_text_is_a_paragraph_per_line():
    line = "A long paragraph written on one line as editors save it, " * 4
    got = blocks(read("\n".join([line + "one.", line + "two.", line + "three."])))
    assert [role for role, _, _ in got] == ["paragraph"] * 3
    assert got[2][1].endswith("three.")


def test_paragraphs_without_blank_lines_between(alice_bytes):
    # Alice with its blank lines taken out: paragraphs still end where a sentence ends a short line
    text = alice_bytes.decode("ascii").replace("\r\n", "\n")
    start = text.index("  Alice was beginning")
    end = text.index("                           CHAPTER II")
    chapter = "\n".join(line.strip() for line in text[start:end].split("\n") if line.strip())
    want = [t for role, t, _ in blocks(read(text[start:end]))]
    got = [t for role, t, _ in blocks(read("Some words here.\n\n" + chapter))][1:]
    assert len(want) > 20
    # a paragraph whose last line happens to fill the width runs on into the next (5 of 24)
    assert sum(1 for t in got if t in want) >= 0.75 * len(want), (len(got), len(want))
    assert not any("* * *" in t for t in got)


def test_form_feed_starts_a_section():
    doc = read("First page text.\n\f\nSecond page text.\n")
    assert [blocks({"sections": [s]}) for s in doc["sections"]] == [
        [("paragraph", "First page text.", None)], [("paragraph", "Second page text.", None)]]


def test_caps_cut_the_text_and_count_the_rest(alice_bytes):
    doc = read(alice_bytes, max_words=2000)
    assert doc["cut"]["reason"] == "words" and doc["cut"]["kept"] == 2000
    assert 26_000 < doc["cut"]["found"] < 28_000  # Alice is some 26,500 words
    kept = sum(len(line["words"]) for s in doc["sections"] for line in s["lines"])
    assert kept == 2000
    assert not any(role == "page-footer" for role, _, _ in blocks(doc))


def test_ten_megabytes_within_the_caps(alice_bytes):
    """(Its time, goal under 8 s, is a figure of `make bench`: bench/timings.py.)"""
    data = alice_bytes * (10_000_000 // len(alice_bytes) + 1)
    assert len(data) > 10_000_000
    doc = read(data, max_words=50_000, max_chars=500_000)
    assert doc["cut"]["reason"] in ("words", "chars")
    assert doc["cut"]["found"] > 1_700_000
    assert sum(len(line["words"]) for s in doc["sections"] for line in s["lines"]) <= 50_000


def test_empty_and_blank_texts_have_no_sections():
    assert read(b"")["sections"] == [] and read(b"\n\n  \n")["sections"] == []
