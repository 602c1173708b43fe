"""MP3 with chapters (chalicelib.books.mp3): a real recording as the worker writes it (libmp3lame
through PyAV), the tag read back with mutagen (GPL-2.0-or-later: a test-only requirement), the
audio decoded again with PyAV."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from chalicelib.books import FORMATS, builder, mp3
from chalicelib.media.audio import RecordingWriter
from tests.books.epubtools import mp3_seconds

RATE = 22_050


@pytest.fixture(scope="module")
def recording() -> bytes:
    """Six seconds of a tone the way the worker writes speech.mp3 (with the encoder's own ID3 tag)."""
    t = np.arange(RATE * 6) / RATE
    writer = RecordingWriter(RATE)
    writer.write((np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2"))
    wav, data = writer.close()
    wav.close()
    body = data.read()
    data.close()
    assert body[:3] == b"ID3"  # the encoder's tag, which the book replaces
    return body


def result_with(chapters=None, *, seconds=6.0, text="One. Two. Three.", language="en") -> dict:
    out = {"text": text, "speech": {"seconds": seconds}, "language": {"code": language, "confidence": 1.0,
                                                                        "detected": True}}
    if chapters is not None:
        out["chapters"] = chapters
    return out


def tags_of(data: bytes, tmp_path: Path) -> ID3:
    path = tmp_path / "book.mp3"
    path.write_bytes(data)
    return ID3(path)


def chapters_of(tags: ID3) -> list[tuple[float, float, str]]:
    """(start s, end s, title) in the CTOC's order."""
    [toc] = tags.getall("CTOC")
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    return [(chaps[i].start_time / 1000, chaps[i].end_time / 1000, chaps[i].sub_frames["TIT2"].text[0])
            for i in toc.child_element_ids]


def test_chapters_read_back_at_their_times_and_the_audio_is_unchanged(recording, tmp_path):
    chapters = [{"title": "1. Opening", "level": 1, "page": 0, "block": 0, "start": 0.0},
                {"title": "2. Methods", "level": 1, "page": 1, "block": 0, "start": 2.345},
                {"title": "2.1 Samples", "level": 2, "page": 1, "block": 3, "start": 4.5}]
    book = builder(FORMATS["mp3"])(result_with(chapters), recording, title="A Report", progress=None)
    tags = tags_of(book, tmp_path)
    assert tags.version[:2] == (2, 3)
    read = chapters_of(tags)
    assert [name for _, _, name in read] == ["1. Opening", "2. Methods", "2.1 Samples"]
    for (start, _, _), chapter in zip(read, chapters, strict=True):
        assert abs(start - chapter["start"]) < 0.1
    # Each ends where the next starts; the last at the recording's end.
    assert [end for _, end, _ in read] == [2.345, 4.5, 6.0]
    [toc] = tags.getall("CTOC")
    assert toc.flags & 0x01 and toc.flags & 0x02  # ordered, top-level
    assert tags["TIT2"].text == ["A Report"] and tags["TALB"].text == ["A Report"]
    assert tags["TLAN"].text == ["eng"]
    [lyrics] = tags.getall("USLT")
    assert lyrics.text == "One. Two. Three." and lyrics.lang == "eng"
    assert "TSSE" not in tags  # the encoder's tag is replaced, not kept beside ours
    # The audio is the recording's own frames: PyAV decodes the same duration, mutagen finds one
    # stream of the same length.
    assert mp3_seconds(book) == pytest.approx(mp3_seconds(recording), abs=1e-6)
    assert abs(mp3_seconds(book) - 6.0) < 0.1
    path = tmp_path / "book.mp3"
    assert MP3(path).info.length == pytest.approx(MP3(io.BytesIO(recording)).info.length)
    assert book.endswith(mp3.audio_of(recording)) and len(book) < len(recording) + 4096


def test_a_result_without_chapters_is_one_chapter_the_whole(recording, tmp_path):
    read = chapters_of(tags_of(mp3.build(result_with(), recording, title="Sign"), tmp_path))
    assert read == [(0.0, 6.0, "Sign")]


def test_a_first_chapter_heard_late_gets_an_opening_before_it(recording, tmp_path):
    chapters = [{"title": "Chapter One", "level": 1, "block": 0, "start": 1.5},
                {"title": "No time yet", "level": 1, "block": 2},  # no start: not a chapter of the recording
                {"title": "Same moment", "level": 2, "block": 1, "start": 1.5}]
    read = chapters_of(tags_of(mp3.build(result_with(chapters), recording, title="Book"), tmp_path))
    assert read == [(0.0, 1.5, "Book"), (1.5, 6.0, "Chapter One")]


def test_a_first_chapter_heard_at_once_starts_at_the_beginning(recording, tmp_path):
    """The page kind's first heading is heard after the voice's lead-in (35 ms on a real photo):
    the chapter holds that lead-in, so the chapters cover the whole from 0."""
    chapters = [{"title": "THE GARDEN", "level": 1, "block": 0, "start": 0.035},
                {"title": "Paths", "level": 1, "block": 2, "start": 3.0}]
    read = chapters_of(tags_of(mp3.build(result_with(chapters), recording, title="garden"), tmp_path))
    assert read == [(0.0, 3.0, "THE GARDEN"), (3.0, 6.0, "Paths")]


def test_other_scripts_and_languages_travel_as_utf16_and_iso_639_2(recording, tmp_path):
    chapters = [{"title": "Глава первая", "level": 1, "block": 0, "start": 0.0},
                {"title": "第二章", "level": 1, "block": 0, "start": 3.0}]
    book = mp3.build(result_with(chapters, text="Привет, мир.", language="ru"), recording, title="Книга")
    tags = tags_of(book, tmp_path)
    assert [name for _, _, name in chapters_of(tags)] == ["Глава первая", "第二章"]
    assert tags["TIT2"].text == ["Книга"] and tags["TLAN"].text == ["rus"]
    assert tags.getall("USLT")[0].text == "Привет, мир."
    # A language with no ISO 639-2 code named: no TLAN, lyrics marked undetermined.
    tags = tags_of(mp3.build(result_with(language="xx"), recording, title="T"), tmp_path)
    assert "TLAN" not in tags and tags.getall("USLT")[0].lang == "und"


def test_many_chapters_keep_the_coarsest_levels_within_one_table(recording, tmp_path):
    chapters = []
    for k in range(40):  # 40 chapters of 8 sections: 360 marks, over CTOC's 255
        chapters.append({"title": f"Chapter {k}", "level": 1, "block": 0, "start": k * 0.15})
        chapters += [{"title": f"{k}.{j}", "level": 2, "block": j, "start": k * 0.15 + j * 0.015} for j in range(1, 9)]
    read = chapters_of(tags_of(mp3.build(result_with(chapters), recording, title="Long"), tmp_path))
    assert [name for _, _, name in read] == [f"Chapter {k}" for k in range(40)]
    # Only one level, and past 255 of it: the first 255, the last running to the end.
    flat = [{"title": f"c{k}", "level": 1, "block": 0, "start": k * 0.02} for k in range(300)]
    read = chapters_of(tags_of(mp3.build(result_with(flat), recording, title="Flat"), tmp_path))
    assert len(read) == mp3.MAX_CHAPTERS and read[-1][1] == 6.0


def test_long_text_and_titles_are_bounded(recording, tmp_path):
    text = "word " * 40_000
    tags = tags_of(mp3.build(result_with(text=text), recording, title="T" * 500), tmp_path)
    lyrics = tags.getall("USLT")[0].text
    assert len(lyrics) <= mp3.LYRICS_MAX_CHARS and lyrics.endswith("…") and lyrics.startswith("word word")
    assert len(tags["TIT2"].text[0]) == mp3.TITLE_MAX


def test_progress_is_told_the_end(recording):
    heard = []
    mp3.build(result_with(), recording, title="T", progress=heard.append)
    assert heard == [1.0]


def test_a_recording_without_a_tag_is_kept_whole():
    frames = b"\xff\xfb\x90\x00" + bytes(400)
    assert mp3.audio_of(frames) == frames
    tagged = b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"12345" + frames
    assert mp3.audio_of(tagged) == frames
    footer = b"ID3\x04\x00\x10\x00\x00\x00\x05" + b"12345" + b"3DI\x04\x00\x10\x00\x00\x00\x05" + frames
    assert mp3.audio_of(footer) == frames


def test_every_language_of_the_table_has_its_iso_639_2_code():
    from babel.core import get_global

    from chalicelib import languages

    assert set(languages.table()) <= set(mp3.ISO_639_2), set(languages.table()) - set(mp3.ISO_639_2)
    # CLDR (babel's data) maps each three-letter code back to the two-letter one, but for codes
    # with none (haw, yue) and where CLDR prefers another tag (jw is jv; tl is fil).
    aliases = get_global("language_aliases")
    differ = {code for code, three in mp3.ISO_639_2.items() if aliases.get(three) != code}
    assert differ == {"haw", "yue", "jw", "tl"}
    assert all(len(v) == 3 and v.isalpha() and v.islower() for v in mp3.ISO_639_2.values())
