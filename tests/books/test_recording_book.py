"""A long recording as a book (chalicelib.books.transcript; issue 57: exports of a long recording):
its own audio, joined from its windows' MP3s, with chapters where they are heard (MP3, M4B, a ZIP
of chapters), and an EPUB whose transcript is lit word by word as the recording plays (EPUBCheck
and Ace clean). A 15-minute recording here; bench/recording_exports.py makes a 2-hour one's."""
from __future__ import annotations

import io
import zipfile

import pytest
from mutagen.mp4 import MP4

from chalicelib.books import transcript
from chalicelib.kinds.speech import outline
from tests.apiclient import assert_error, signed_in
from tests.books import epubtools, recordingjob
from tests.books.test_export import ask, key_of_url, stored
from tests.books.test_m4b import onsets
from tests.books.test_mp3 import chapters_of, tags_of
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]


@pytest.fixture
def queue(api_env):
    return Tasks()


def test_a_window_is_a_section_of_paragraphs_timed_from_its_own_start():
    segments = recordingjob.window_segments(3, 210.0, 300.0)
    sentences = outline.shape(segments)
    page, timings = transcript.section(3, segments, sentences, 210.0, "en")
    said = [w for s in segments for w in s["words"]]
    assert [w["text"] for line in page["lines"] for w in line["words"]] == [w["text"].strip() for w in said]
    assert len(page["blocks"]) == sum(1 for s in segments if s.get("paragraph")) >= 2
    assert [li for b in page["blocks"] for li in b["lines"]] == list(range(len(page["lines"])))
    assert page["language"] == {"code": "en"}
    # Every word on the part's clock (its MP3 starts at the window's start), in order.
    assert timings["words"][0] == {"page": 3, "line": 0, "word": 0, "start": 0.5, "end": 0.82}
    assert [w["start"] for w in timings["words"]] == [round(w["start"] - 210.0, 3) for w in said]
    # Each sentence at its first word: one every SENTENCE_WORDS words and at each paragraph.
    firsts = {(s["line"], s["word"]) for s in timings["sentences"]}
    assert (0, 0) in firsts and len(timings["sentences"]) == len(sentences)
    assert all(page["lines"][li]["words"][wi]["text"][0].isupper() for li, wi in firsts)


def test_a_recordings_head_names_its_windows_parts_and_the_sections_its_chapters_open():
    result = {"kind": "speech", "language": "fr", "duration_s": 900.0, "complete": True,
              "document": {"format": "wav", "windows": 3, "book": True},
              "parts": [{"file": "book-window-0000.mp3", "window": 0, "start": 0.0, "seconds": 300.0},
                        {"file": "book-window-0002.mp3", "window": 2, "start": 600.0, "seconds": 300.0}],
              "chapters": [{"title": "Bonjour", "level": 1, "start": 0.5, "segment": 0},
                           {"title": "Ensuite", "level": 1, "start": 600.4, "segment": 80}]}
    head = transcript.head_of(result)
    assert [p["first"]["page"] for p in head["speech"]["parts"]] == [0, 2]
    assert [(c["page"], c["block"], c["start"]) for c in head["chapters"]] == [(0, 0, 0.5), (2, 0, 600.4)]
    assert head["flow"] is True and head["language"] == {"code": "fr"}
    # A window without its MP3: the recording is not whole (its EPUB does not say it is heard whole).
    assert head["speech"]["complete"] is False and head["speech"]["recorded"] is True


def export(client, headers, queue, job_id, fmt) -> tuple[bytes, dict]:
    assert ask(client, job_id, headers, fmt).status_code == 202
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers, fmt)
    assert made.status_code == 200, made.body
    return stored(key_of_url(made.json_body["url"])), made.json_body


@pytest.mark.slow
def test_a_long_recording_exports_its_audio_with_chapters_and_an_epub_of_its_transcript(client, queue, tmp_path):
    user, headers = signed_in(client)
    queue.queued()
    seconds = 15 * 60.0
    job_id, cut, starts = recordingjob.finished_recording(user["id"], seconds)
    assert len(cut) == 6 and starts == [0.5, 450.5, 750.5]
    # MP3: the windows' frames joined, a chapter where each is heard (its beep).
    data, answer = export(client, headers, queue, job_id, "mp3")
    assert answer["left_out"] == []
    opening, *marks = chapters_of(tags_of(data, tmp_path))
    assert opening == (0.0, marks[0][0], "lecture")  # before the first words: the title (the file's name)
    assert [title for _, _, title in marks][:2] == ["The harbour wall was built of grey stone.",
                                                    "News of the weather and the tide the."]
    heard = onsets(data)
    for start, _, title in marks:
        assert min(abs(t - start) for t in heard) < 0.1, (title, start, heard)
    # Each join adds its MP3's encoder delay and padding (a tenth of a second of silence, at a
    # pause), so a chapter is that much later in the book than in the upload.
    joins = [sum(1 for a, _ in cut if 0 < a <= t) for t in starts]
    assert all(0 <= mark[0] - t < 0.1 + 0.12 * n for mark, t, n in zip(marks, starts, joins, strict=True)), marks
    assert abs(epubtools.mp3_seconds(data) - seconds) < 0.12 * len(cut)
    # M4B: the same chapters where they are heard.
    data, _ = export(client, headers, queue, job_id, "m4b")
    path = tmp_path / "lecture.m4b"
    path.write_bytes(data)
    audiobook = MP4(str(path))
    heard = onsets(data)
    # (An M4B's parts are decoded and encoded again, their encoders' delay and padding trimmed: it
    # keeps the upload's clock; its first chapter holds the half second before the first words.)
    assert abs(audiobook.info.length - seconds) < 0.1
    assert [round(c.start, 1) for c in audiobook.chapters] == [0.0, *[round(t, 1) for t in starts[1:]]]
    for chapter in audiobook.chapters[1:]:
        assert min(abs(t - chapter.start) for t in heard) < 0.1, (chapter.start, heard)
    # A ZIP of one MP3 a chapter, together the recording.
    data, _ = export(client, headers, queue, job_id, "chapters")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len([n for n in names if n.endswith(".mp3")]) == 4
    # EPUB: the transcript, every word lit in its window's MP3; EPUBCheck and Ace clean.
    data, _ = export(client, headers, queue, job_id, "epub")
    z = zipfile.ZipFile(io.BytesIO(data))
    assert 1 <= len([n for n in z.namelist() if n.startswith("EPUB/text/")]) <= len(cut)
    assert len([n for n in z.namelist() if n.startswith("EPUB/audio/")]) == len(cut)
    words = sum(len(s["words"]) for r, (a, b) in enumerate(cut) for s in recordingjob.window_segments(r, a, b))
    clips = epubtools.overlays(data)
    assert len(clips) == words
    # (the clips tile each window's MP3: a word's runs to the next's start, the first from 0)
    assert [c["begin"] for c in clips[:3]] == pytest.approx([0.0, recordingjob.WORD_AT + recordingjob.WORD_S,
                                                             recordingjob.WORD_AT + 2 * recordingjob.WORD_S], abs=0.01)
    assert {c["audio"] for c in clips} == {f"../audio/part-{k + 1:04d}.mp3" for k in range(len(cut))}
    opf = z.read("EPUB/package.opf").decode()
    assert "media:narrator" not in opf and "transcript" in opf  # a person's recording, not our voice
    path = tmp_path / "lecture.epub"
    path.write_bytes(data)
    report = epubtools.epubcheck(path)
    assert report["checker"]["nError"] == 0 and report["checker"]["nFatal"] == 0, epubtools.problems(report)
    ace = epubtools.ace(path, tmp_path / "ace")
    assert epubtools.violations(ace) == []


def test_a_window_whose_mp3_was_not_made_is_left_out_and_said(client, queue, tmp_path):
    user, headers = signed_in(client)
    queue.queued()
    job_id, cut, starts = recordingjob.finished_recording(user["id"], 210.0, lose=(1,))
    data, answer = export(client, headers, queue, job_id, "mp3")
    assert [(x["what"], x["count"], x["limit"]) for x in answer["left_out"]] == [("parts", 1, 3)]
    assert "1 of the 3 pieces of the recording" in answer["left_out"][0]["message"]
    assert abs(epubtools.mp3_seconds(data) - (210.0 - 60.0)) < 0.3


def test_a_recording_transcribed_before_its_windows_were_kept_is_a_409_with_a_sentence(client, queue):
    user, headers = signed_in(client)
    queue.queued()
    job_id, _, _ = recordingjob.finished_recording(user["id"], 90.0, lose=(0, 1))
    assert ask(client, job_id, headers, "mp3").status_code == 202
    assert queue.run() == ["book"]
    assert_error(ask(client, job_id, headers, "mp3"), 409, "Upload it again")


def test_a_short_recording_is_a_409_that_says_why_and_what_to_download(client, queue):
    from chalicelib.jobs import table as jobs

    user, headers = signed_in(client)
    queue.queued()
    record = jobs.create(user["id"], filename="memo.m4a", content_type="audio/mp4", size=1, kind="speech")
    assert jobs.claim(user["id"], record["job_id"], 60)
    assert jobs.finish(user["id"], record["job_id"], result_key=f"results/{user['id']}/{record['job_id']}/result.json",
                       timings_ms={}, summary={"characters": 40}, kind="speech")
    assert_error(ask(client, record["job_id"], headers, "epub"), 409, "over 10 minutes")
    assert queue.names() == []
