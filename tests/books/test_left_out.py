"""What a book's own bounds left out (chalicelib.books: `left_out`, answered by GET
/jobs/{id}/export's 200 and shown where the site offers the book): an MP3's chapter table of
255, its text of 65,536 characters, titles of 200, the EPUB's contents labels of 80 and page
labels of 20. Each is told once, with how many went, the bound, and a sentence for a person;
a book that fits tells nothing."""
from __future__ import annotations

import copy

import pytest

from chalicelib import books
from chalicelib.books import epub, mp3
from tests.books import unusual
from tests.books.test_mp3 import chapters_of, result_with, tags_of


@pytest.fixture(scope="module")
def recording() -> bytes:
    return unusual.silent_mp3(6.0)  # as the worker writes speech.mp3


def built(build, *args, **kwargs) -> tuple[bytes, list[dict]]:
    left: list[dict] = []
    return build(*args, left_out=left, **kwargs), left


def test_an_mp3_that_fits_leaves_nothing_out(recording):
    chapters = [{"title": "Methods", "level": 1, "block": 0, "start": 0.0}, {"title": "Results", "level": 1, "start": 2.0}]
    assert built(mp3.build, result_with(chapters), recording, title="A report")[1] == []


def test_an_mp3_says_which_headings_its_chapter_table_left_out(recording, tmp_path):
    chapters = []
    for k in range(40):  # 40 chapters of 8 sections: 360 headings, over CTOC's 255
        chapters.append({"title": f"Chapter {k}", "level": 1, "block": 0, "start": k * 0.15})
        chapters += [{"title": f"{k}.{j}", "level": 2, "block": j, "start": k * 0.15 + j * 0.015} for j in range(1, 9)]
    data, left = built(mp3.build, result_with(chapters), recording, title="Long")
    assert len(chapters_of(tags_of(data, tmp_path))) == 40
    assert left == [{"what": "chapters", "count": 320, "limit": 255,
                     "message": "320 of the 360 headings are not chapters: an MP3 lists at most 255 chapters "
                                "(the finest levels were left out first)."}]
    flat = [{"title": f"c{k}", "level": 1, "block": 0, "start": k * 0.02} for k in range(300)]
    data, left = built(mp3.build, result_with(flat), recording, title="Flat")
    assert len(chapters_of(tags_of(data, tmp_path))) == 255
    assert left == [{"what": "chapters", "count": 45, "limit": 255,
                     "message": "45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters."}]


def test_an_mp3_says_what_its_text_and_titles_lost(recording, tmp_path):
    text = "word " * 40_000
    named = [{"title": "A" * 250, "level": 1, "block": 0, "start": 0.0}, {"title": "B", "level": 1, "start": 1.0}]
    data, left = built(mp3.build, result_with(named, text=text), recording, title="T" * 500)
    lyrics = tags_of(data, tmp_path).getall("USLT")[0].text
    by = {e["what"]: e for e in left}
    assert list(by) == ["title", "chapter_titles", "text"]
    assert by["title"] == {"what": "title", "count": 301, "limit": 200, "message": "The title is cut to 200 characters."}
    assert by["chapter_titles"] == {"what": "chapter_titles", "count": 1, "limit": 200,
                                    "message": "1 chapter title is cut to 200 characters."}
    kept = len(lyrics.removesuffix("…"))
    assert by["text"] == {"what": "text", "count": len(text.strip()) - kept, "limit": 65_536,
                          "message": f"The text in the MP3's tag (its lyrics) stops at {kept:,} of its "
                                     f"{len(text.strip()):,} characters; the recording is whole."}


def test_an_epub_says_what_its_contents_and_page_labels_lost():
    audio = unusual.silent_mp3(12.0)
    assert built(epub.build, unusual.result(), audio, title="Rivers")[1] == []
    result = copy.deepcopy(unusual.result())
    result["chapters"][0]["title"] = "Rivers " * 20  # 139 characters
    result["pages"][0]["lines"][15] = unusual.line("Page four of the annual report")  # the printed page number
    _, left = built(epub.build, result, audio, title="R" * 300)
    assert left == [
        {"what": "title", "count": 101, "limit": books.TITLE_MAX, "message": "The title is cut to 200 characters."},
        {"what": "page_labels", "count": 1, "limit": epub.LABEL_MAX,
         "message": "1 printed page number is cut to 20 characters in the page list."},
        {"what": "chapter_titles", "count": 1, "limit": epub.TOC_LABEL_MAX,
         "message": "1 chapter title is cut to 80 characters in the contents."},
    ]
