"""Chapters as separate MP3 files (chalicelib.books.chapters, `format=chapters`): a ZIP of one MP3
per chapter, of a whole book's parts (made as the worker makes them, a tone starting each
chapter) or of a page job's speech.mp3. Each file holds its chapter's audio (its length the
chapter's span in the book's MP3 within 0.1 s, its tone heard at once), the ZIP is valid as
zipfile and unzip read it, and memory holds one part whatever the book's length."""
from __future__ import annotations

import io
import shutil
import subprocess
import tracemalloc
import zipfile

import av
import jsonschema
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from chalicelib.books import FORMATS, HEAD_BYTES, chapters, mp3, zipstream
from chalicelib.books import export as books
from tests.apiclient import assert_error, signed_in
from tests.books.bookjob import finished_book
from tests.books.test_export import ask, finished, key_of_url, stored
from tests.books.test_mp3_book import RATE, book, onsets, part
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]


@pytest.fixture
def queue(api_env):
    return Tasks()


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples for frame in container.decode(audio=0)) / RATE


def chaps_of(data: bytes) -> list[tuple[str, float, float]]:
    """The MP3's chapters as players read them: (title, start s, end s)."""
    chaps = sorted(ID3(io.BytesIO(data)).getall("CHAP"), key=lambda c: c.start_time)
    return [(c.sub_frames["TIT2"].text[0], c.start_time / 1000, c.end_time / 1000) for c in chaps]


def assert_each_chapter_holds_its_audio(archive: bytes, whole_mp3: bytes, tones: dict[str, int]) -> None:
    """Every entry of the ZIP is stored, named in order, and is the chapter of the book's MP3 of
    its title: as long as that chapter's span within 0.1 s (decoded, and as players measure
    it), its own tones only (`tones`: how many each title has), the first heard at once."""
    z = zipfile.ZipFile(io.BytesIO(archive))
    assert z.testzip() is None
    infos = z.infolist()
    assert all(i.compress_type == zipfile.ZIP_STORED and not i.flag_bits & 0x08 for i in infos)
    spans = chaps_of(whole_mp3)
    assert [i.filename for i in infos] == [f"{n:02d} {title}.mp3" for n, (title, _, _) in enumerate(spans, 1)]
    for info, (title, start, end) in zip(infos, spans, strict=True):
        data = z.read(info)
        tag = ID3(io.BytesIO(data))
        assert tag["TIT2"].text == [title] and tag["TRCK"].text == [f"{infos.index(info) + 1}/{len(infos)}"]
        assert abs(decoded_seconds(data) - (end - start)) < 0.1, (title, decoded_seconds(data), end - start)
        assert abs(MP3(io.BytesIO(data)).info.length - (end - start)) < 0.1
        heard = onsets(data)
        assert len(heard) == tones.get(title, 0), (title, heard)
        if heard:  # (a first heading heard within 0.5 s starts the first chapter at 0, as in the MP3)
            assert heard[0] < (0.1 if start > 0 else 0.6), (title, heard)
    # Joined again, the chapters are the book's MP3's audio, frame for frame.
    assert b"".join(mp3.audio_of(z.read(i)) for i in infos) == mp3.audio_of(whole_mp3)


def test_a_books_chapters_are_one_mp3_each_with_its_audio(tmp_path):
    parts_mp3, head = book([0.5, 0.8, 1.0])
    read = []

    def read_part(k: int) -> bytes:
        read.append(k)
        return parts_mp3[k]

    done = []
    pieces = chapters.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], read_part, title="A book",
                                 progress=done.append)
    assert read == []  # nothing read before it is asked for
    archive = b"".join(pieces)
    assert done[-1] == 1.0 and set(read) == {0, 1, 2}
    whole = b"".join(mp3.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], parts_mp3.__getitem__,
                                    title="A book"))
    # The first heading is heard 0.55 s in: an opening chapter named with the book's title.
    assert [t for t, _, _ in chaps_of(whole)] == ["A book", "One", "Two", "Two, later", "Three"]
    assert_each_chapter_holds_its_audio(archive, whole, {"One": 1, "Two": 1, "Two, later": 1, "Three": 1})
    if shutil.which("unzip"):  # as a person's unzipper reads it
        (tmp_path / "c.zip").write_bytes(archive)
        tested = subprocess.run(["unzip", "-t", str(tmp_path / "c.zip")], capture_output=True, text=True)
        assert tested.returncode == 0 and "No errors detected" in tested.stdout, tested.stdout


def test_a_books_chapters_of_voices_of_two_rates_play_at_the_books(monkeypatch):
    # The second part in Kokoro's voice (24 kHz, encoded again at piper's 22,050 Hz, the book's).
    parts_mp3, head = book([0.5, 0.8, 1.0], rates=(RATE, 24000, RATE))
    encoded, encode = [], mp3.encoded_again
    monkeypatch.setattr(mp3, "encoded_again", lambda parts, k, data: encoded.append(k) or encode(parts, k, data))
    archive = b"".join(chapters.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], parts_mp3.__getitem__,
                                           title="A book"))
    assert encoded == [1]  # once, though its chapter's frames are read twice (summed, then written)
    whole = b"".join(mp3.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], parts_mp3.__getitem__,
                                    title="A book"))
    assert_each_chapter_holds_its_audio(archive, whole, {"One": 1, "Two": 1, "Two, later": 1, "Three": 1})
    streams = [mp3.stream_of(p[:HEAD_BYTES]) for p in parts_mp3]
    z = zipfile.ZipFile(io.BytesIO(archive))
    assert sum(decoded_seconds(z.read(i)) for i in z.infolist()) == pytest.approx(sum(s.seconds for s in streams),
                                                                                 abs=0.1)


def test_a_page_jobs_recording_makes_one_mp3_per_chapter():
    recording = part(12.0, [0.2, 4.0, 7.5])
    result = {"text": "Methods. Results. Discussion.", "language": {"code": "en"},
              "speech": {"seconds": 12.0, "download": "speech.mp3"},
              "chapters": [{"title": t, "level": 1, "start": s}
                           for t, s in (("Methods", 0.2), ("Results", 4.0), ("Discussion: what it means?", 7.5))]}
    left_out: list[dict] = []
    archive = chapters.build(result, recording, title="Report", left_out=left_out)
    whole = mp3.build_book({**result, "speech": {"parts": [{"start": 0.0}]}}, "", lambda k: recording,
                           lambda k: recording, title="Report")
    whole = b"".join(whole)
    assert [t for t, _, _ in chaps_of(whole)] == ["Methods", "Results", "Discussion: what it means?"]
    z = zipfile.ZipFile(io.BytesIO(archive))
    assert z.namelist() == ["01 Methods.mp3", "02 Results.mp3", "03 Discussion what it means.mp3"]
    assert left_out == []
    spans = chaps_of(whole)
    for info, (_, start, end) in zip(z.infolist(), spans, strict=True):
        data = z.read(info)
        assert abs(decoded_seconds(data) - (end - start)) < 0.1
        assert len(onsets(data)) == 1 and onsets(data)[0] < (0.1 if start > 0 else 0.6)
        assert ID3(io.BytesIO(data))["TALB"].text == ["Report"]
    assert sum(decoded_seconds(z.read(i)) for i in z.infolist()) == pytest.approx(decoded_seconds(whole), abs=0.03)


def test_file_names_are_numbered_and_titled_in_safe_characters():
    assert chapters.file_name(3, 12, 'Chapter 1: The "Harbour"/Pier?') == "03 Chapter 1 The Harbour Pier.mp3"
    assert chapters.file_name(7, 120, "Été à Paris") == "007 Été à Paris.mp3"
    assert chapters.file_name(1, 2, "第一章　海") == "01 第一章 海.mp3"
    assert chapters.file_name(1, 2, "../..\\etc") == "01 etc.mp3"
    assert chapters.file_name(2, 2, "*** ///") == "02.mp3"
    assert chapters.file_name(1, 9, "\x00bell\x07 ") == "01 bell.mp3"
    long = chapters.file_name(1, 2, "word " * 50)
    assert len(long) <= 3 + chapters.NAME_CHARS + 4 and long.endswith("word.mp3")


def test_an_archive_past_the_classic_fields_takes_zip64(monkeypatch):
    """Past 4 GiB (a 100-hour book at 48 kbit/s is 2.2 GB; the bound is made small here) sizes
    and offsets go in ZIP64's fields, as zipfile reads them."""
    parts_mp3, head = book([0.5, 0.8, 1.0])
    plain = b"".join(chapters.build_book(head, "", parts_mp3.__getitem__, parts_mp3.__getitem__, title="A book"))
    monkeypatch.setattr(zipstream, "LIMIT", 30_000)
    big = b"".join(chapters.build_book(head, "", parts_mp3.__getitem__, parts_mp3.__getitem__, title="A book"))
    assert b"PK\x06\x06" in big and b"PK\x06\x06" not in plain
    a, b = zipfile.ZipFile(io.BytesIO(plain)), zipfile.ZipFile(io.BytesIO(big))
    assert b.testzip() is None and a.namelist() == b.namelist()
    assert all(a.read(n) == b.read(n) for n in a.namelist())


@pytest.mark.parametrize("other_rate", [None, 24000], ids=["one-rate", "a-part-at-24k"])
def test_memory_holds_one_part_whatever_the_books_length(other_rate):
    """40 parts of 75 s (18 MB): the builder's peak is a part or two (the one read, and the one
    whose last piece the writer still holds while the next is read), not the book; a part of
    another voice's rate, encoded again, holds its own MP3 and what it is encoded into."""
    one = part(75.0, [0.5])
    other = part(75.0, [0.5], other_rate) if other_rate else one
    count = 40
    head = {"speech": {"parts": [{"file": f"p{k}.mp3", "start": k * 75.0, "seconds": 75.0} for k in range(count)]},
            "chapters": [{"title": f"Chapter {k}", "level": 1, "start": k * 75.0 * 4 + 0.5} for k in range(count // 4)]}
    tracemalloc.start()
    try:
        size = 0
        for piece in chapters.build_book(head, "", lambda k: (other if k == 5 else one)[:HEAD_BYTES],
                                         lambda k: bytes(other if k == 5 else one), title="Long"):
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > count * len(one) * 0.99
    assert peak < (3 if other_rate is None else 4) * len(one), (peak, len(one))


# --- GET /jobs/{id}/export?format=chapters ------------------------------------------------------

@pytest.mark.parametrize("rates", [(RATE, RATE, RATE), (RATE, 24000, RATE)], ids=["one-voice", "two-voices"])
def test_a_book_read_by_many_workers_downloads_as_a_zip_of_its_chapters(client, queue, rates):
    user, headers = signed_in(client)
    queue.queued()
    parts_mp3, head = book([0.3, 0.8, 1.0], rates=rates)  # (two voices: once a 409, now encoded again)
    job_id = finished_book(user["id"], head, parts_mp3, filename="Été book.pdf")
    first = ask(client, job_id, headers, "chapters")
    assert first.status_code == 202, first.body
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers, "chapters")
    assert made.status_code == 200, made.body
    assert made.json_body["format"] == "chapters" and made.json_body["left_out"] == []
    url = made.json_body["url"]
    assert "Ete%20book-chapters.zip" in url and "application%2Fzip" in url
    archive = stored(key_of_url(url))
    assert made.json_body["size"] == len(archive)
    whole = b"".join(mp3.build_book(head, "", parts_mp3.__getitem__, parts_mp3.__getitem__, title="Été book"))
    assert [t for t, _, _ in chaps_of(whole)] == ["One", "Two", "Two, later", "Three"]
    assert_each_chapter_holds_its_audio(archive, whole, {"One": 1, "Two": 1, "Two, later": 1, "Three": 1})
    assert books.ready_books(books.jobs.get(user["id"], job_id)) == {"book-chapters.zip": key_of_url(url)}
    if len(set(rates)) > 1:  # its MP3 too: the same frames under the book's tag
        assert ask(client, job_id, headers, "mp3").status_code == 202 and queue.run() == ["book"]
        made = ask(client, job_id, headers, "mp3")
        assert made.status_code == 200, made.body
        assert mp3.audio_of(stored(key_of_url(made.json_body["url"]))) == mp3.audio_of(whole)


def test_a_book_with_more_of_other_voices_than_an_export_encodes_again_is_a_409_that_says_so(client, queue,
                                                                                               monkeypatch):
    user, headers = signed_in(client)
    queue.queued()
    parts_mp3, head = book([0.3, 0.8, 1.0], rates=(RATE, 24000, RATE))
    job_id = finished_book(user["id"], head, parts_mp3)
    monkeypatch.setattr(mp3, "MAX_ENCODED_AGAIN_SECONDS", 10)  # (the second part lasts 11 s)
    for fmt in ("mp3", "chapters"):
        assert ask(client, job_id, headers, fmt).status_code == 202 and queue.run() == ["book"]
        assert_error(ask(client, job_id, headers, fmt), 409, "This book's recording cannot be made into one file: "
                     "0 h 00 min of it are in voices of other sample rates than most of it (22,050 Hz)")
        assert "format=epub keeps each part as it was made." in ask(client, job_id, headers, fmt).json_body["message"]


def test_a_page_job_downloads_as_a_zip_of_its_chapters(client, queue):
    user, headers = signed_in(client)
    queue.queued()
    recording = part(6.0, [0.2, 3.0])
    job_id = finished(client, headers, user["id"], recording,
                      chapters=[{"title": "Methods", "level": 1, "block": 0, "start": 0.2},
                                {"title": "Results", "level": 1, "block": 1, "start": 3.0}])
    assert ask(client, job_id, headers, "chapters").status_code == 202
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers, "chapters")
    assert made.status_code == 200, made.body
    z = zipfile.ZipFile(io.BytesIO(stored(key_of_url(made.json_body["url"]))))
    assert z.namelist() == ["01 Methods.mp3", "02 Results.mp3"]
    assert [len(onsets(z.read(n))) for n in z.namelist()] == [1, 1]


def test_a_book_whose_recording_is_not_finished_says_so(client, queue):
    """While its parts are still being made, a book's chapters are not offered (as its MP3 is
    not): a 409 saying so, nothing started."""
    user, headers = signed_in(client)
    queue.queued()
    parts_mp3, head = book([0.3, 0.8, 1.0])
    job_id = finished_book(user["id"], head, parts_mp3, done=False)
    for fmt in ("chapters", "mp3"):
        assert_error(ask(client, job_id, headers, fmt), 409, "still being read or recorded; ask for its book once")
    assert queue.queued() == []


def test_a_book_whose_parts_could_not_all_be_made_offers_what_exists_and_says_so(client, queue):
    """Two of five sections failed (their parts have no file): every format of the book is made
    of the three that exist, and its 200 says what is not in it."""
    user, headers = signed_in(client)
    queue.queued()
    parts_mp3, head = book([0.3, 0.8, 1.0])
    job_id = finished_book(user["id"], head, parts_mp3, sections=5)
    for fmt in ("chapters", "mp3"):
        assert ask(client, job_id, headers, fmt).status_code == 202
    assert queue.run() == ["book", "book"]
    for fmt in ("chapters", "mp3"):
        made = ask(client, job_id, headers, fmt)
        assert made.status_code == 200, made.body
        assert made.json_body["left_out"] == [{
            "what": "parts", "count": 2, "limit": 5,
            "message": "2 of the 5 parts of the recording could not be made, so the book does not say what they "
                       "cover (the text has it, and the job's result says which)."}]
    spec = client.http.get("/openapi.json").json_body
    jsonschema.validate(made.json_body, {"$ref": "#/components/schemas/Book", "components": spec["components"]})


def test_the_format_is_listed_as_the_api_describes_it(client):
    assert "chapters" in FORMATS and FORMATS["chapters"].suffix == "-chapters.zip"
    spec = client.http.get("/openapi.json").json_body
    [param] = [p for p in spec["paths"]["/jobs/{job_id}/export"]["get"]["parameters"] if p["name"] == "format"]
    assert param["schema"]["enum"] == ["epub", "mp3", "m4b", "chapters"]
    assert books.FORMAT_NAMES == "format=epub, format=mp3, format=m4b or format=chapters"
