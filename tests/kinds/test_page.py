"""The whole pipeline with the real default engines (rapidocr + piper), on images drawn here."""
from __future__ import annotations

import pytest

from chalicelib.engines.tts.base import wav_info
from chalicelib.errors import ImageError
from chalicelib.geometry import bounds
from chalicelib.kinds import voice
from chalicelib.kinds.page import pipeline
from tests import images
from tests.images import iou
from tests.results import validate_result

LINES = ["PAGEVOICE READS PHOTOS", "ALOUD FOR EVERYONE"]




def words_of(result) -> dict[str, tuple]:
    return {w["text"]: bounds(w["box"]) for ln in result["lines"] for w in ln["words"]}


@pytest.fixture(scope="module")
def drawn():
    return images.text_image(LINES)


def test_process_reads_and_speaks(drawn):
    done = pipeline.process(images.encode(drawn.image, "PNG"))
    validate_result(done.result)
    assert done.result["text"].split("\n") == LINES  # reading order, one line per line
    assert set(done.result["timings_ms"]) >= {"decode", "ocr", "tts"}
    channels, width, rate, seconds = wav_info(done.wav)
    assert (channels, width) == (1, 2) and rate >= 16000
    n_words = sum(len(line.split()) for line in LINES)
    assert 0.2 * n_words < seconds < 1.2 * n_words  # plausible speech, not silence or a loop


def test_word_boxes_land_on_words(drawn):
    result = pipeline.recognize(images.encode(drawn.image, "PNG"))
    found = words_of(result)
    for word, box in drawn.words.items():
        assert word in found, f"{word} not read: {result['text']!r}"
        assert iou(found[word], box) > 0.5, (word, found[word], box)


def test_exif_rotated_photo_boxes_in_upright_space(drawn):
    result = pipeline.recognize(images.exif_rotated_jpeg(drawn))
    assert (result["width"], result["height"]) == drawn.image.size
    found = words_of(result)
    for word, box in drawn.words.items():
        assert word in found, f"{word} not read: {result['text']!r}"
        assert iou(found[word], box) > 0.5, (word, found[word], box)


def test_no_text_is_success_without_audio():
    from PIL import Image

    done = pipeline.process(images.encode(Image.new("RGB", (640, 480), (200, 220, 240)), "JPEG"))
    validate_result(done.result)
    assert done.result["text"] == "" and done.result["lines"] == []
    assert done.wav is None


def test_broken_image_is_a_typed_error():
    with pytest.raises(ImageError):
        pipeline.process(b"GIF89a" + b"\x00" * 10)


def test_warm_up_without_speech_leaves_the_voice_for_later(monkeypatch):
    """The worker's Lambda init: OCR loads, the voice waits until the first text is out."""
    from chalicelib.engines import ocr, tts

    loaded = []
    monkeypatch.setattr(ocr, "get_engine", lambda name: loaded.append(("ocr", name)))
    monkeypatch.setattr(tts, "get_engine", lambda name: loaded.append(("tts", name)))
    pipeline.warm_up(speech=False)
    assert [kind for kind, _ in loaded] == ["ocr"]
    pipeline.warm_up()
    assert [kind for kind, _ in loaded] == ["ocr", "ocr", "tts"]


LONG = " ".join(f"Sentence number {i} of a long page that takes a while to read aloud." for i in range(12))


@pytest.mark.slow
def test_speech_stops_at_its_time_budget(monkeypatch):
    """A text too long for the time left gets a recording of its beginning, and says so."""
    from chalicelib.engines.tts.base import wav_info as info

    full = voice.speak(LONG, tts_engine="piper")
    assert full.info["complete"] is True and full.info["characters"] == len(LONG)
    monkeypatch.setenv("PAGEVOICE_TTS_MAX_SECONDS", "0")
    cut = voice.speak(LONG, tts_engine="piper")
    assert cut.info["complete"] is False
    assert cut.info["characters"] == len(LONG.split(". ")[0]) + 1  # the first sentence, always spoken
    assert 0.5 < info(cut.wav)[3] < info(full.wav)[3] / 6
    assert cut.info["seconds"] == pytest.approx(info(cut.wav)[3], abs=0.01)


def test_speech_stops_at_the_callers_deadline():
    import time

    cut = voice.speak(LONG, tts_engine="piper", deadline=time.monotonic() - 1)
    assert cut.info["complete"] is False and cut.info["engine"] == "piper"
    assert voice.speak("   ", tts_engine="piper").wav is None


def test_a_reading_cut_short_says_so_in_the_result(drawn, monkeypatch):
    """The line cap (or the OCR time budget) leaves the end of the page unread: the result says
    so in `ocr`, and what was read is the top of the page."""
    monkeypatch.setenv("PAGEVOICE_OCR_MAX_LINES", "1")
    result = pipeline.recognize(images.encode(drawn.image, "PNG"))
    validate_result(result)
    assert result["text"] == LINES[0]
    assert result["ocr"] == {"complete": False, "reason": "lines", "lines_found": 2}
    monkeypatch.delenv("PAGEVOICE_OCR_MAX_LINES")
    assert "ocr" not in pipeline.recognize(images.encode(drawn.image, "PNG"))


def test_the_recording_is_published_part_by_part_then_whole(drawn):
    """Listening starts with the first part; parts back to back are speech.wav; the words are timed."""
    from chalicelib.kinds.common import check_text_result

    published = []
    done = pipeline.run(images.encode(drawn.image, "PNG"), publish=published.append)
    assert "speech" not in published[0].result and not published[0].files  # the text comes first
    parts = [name for p in published[1:] for name in p.files]
    assert parts and parts == [p["file"] for p in done.result["speech"]["parts"]]
    joined = b"".join(wav_body(f) for p in published[1:] for f in p.files.values())
    wav = done.files["speech.wav"][0].read()
    assert wav_body((wav, None)) == joined
    check_text_result(done.result)
    validate_result(done.result)
    words = done.result["speech"]["words"]
    assert len(words) == sum(len(line.split()) for line in LINES)
    assert done.result["speech"]["download"] == "speech.mp3" and done.files["speech.mp3"][0].read(3) in (b"ID3", b"\xff\xfb")


def wav_body(file) -> bytes:
    import io
    import wave

    with wave.open(io.BytesIO(file[0]), "rb") as w:
        return w.readframes(w.getnframes())


def test_a_run_out_of_time_is_continued_where_it_stopped(drawn):
    """A deadline before the recording is done: `more`, and a second run with `resume` finishes
    it from the published parts, with no word recorded twice."""
    import time

    from chalicelib.kinds.base import Resume

    long_text = [f"Line number {n} of the page." for n in ("one", "two", "three")]
    data = images.encode(images.text_image(long_text).image, "PNG")
    stored = {}
    published = []

    def publish(outputs):
        published.append(outputs.result)
        stored.update({name: body for name, (body, _) in outputs.files.items()})

    first = pipeline.run(data, publish=publish, deadline=time.monotonic() + 0.01)
    assert first.more and "lines" in first.result
    second = pipeline.run(data, publish=publish, resume=Resume(published[-1], stored.__getitem__))
    assert not second.more and second.result["speech"]["complete"]
    assert second.result["text"] == first.result["text"]
    files = [p["file"] for p in second.result["speech"]["parts"]]
    assert len(files) == len(set(files))
    starts = [w["start"] for w in second.result["speech"]["words"]]
    assert starts == sorted(starts) and len(starts) == len(second.result["text"].split())


def test_the_worker_init_loads_the_voice_behind_the_ocr_at_the_processs_priority(monkeypatch):
    """Lambda init / a local worker process: the OCR model now, the voice in a background thread
    once no job is making its text (worker._TextFirst), so an idle worker has it ready and a
    busy first job is not slowed by it. Not at a lower priority: the threads a session starts
    keep the priority of the thread that built it (kinds.base.Kind.warm_in_background)."""
    import os
    import threading

    from chalicelib.engines import ocr, tts
    from chalicelib.jobs import worker
    from chalicelib.kinds.base import Kind

    loaded, threads = [], []
    monkeypatch.setattr(ocr, "get_engine", lambda name: loaded.append(("ocr", threading.current_thread().name)))
    monkeypatch.setattr(tts, "get_engine", lambda name: loaded.append(
        ("tts", threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))))
    real = Kind.warm_in_background
    monkeypatch.setattr(Kind, "warm_in_background", lambda self, wait: threads.append(real(self, wait)) or threads[-1])
    monkeypatch.setenv("PAGEVOICE_WARM_KINDS", "page")
    worker.warm_up()
    for t in filter(None, threads):
        t.join(10)
    assert loaded[0] == ("ocr", "MainThread")
    assert loaded[1] == ("tts", "warm-page", os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))


def test_a_voice_loaded_in_the_background_synthesizes_on_threads_of_the_processs_priority():
    """Every thread the voice's session started runs at the process's priority: one left at a
    lower one did a third of each synthesis, at a starved thread's pace on a busy machine."""
    import json
    import os
    import subprocess
    import sys

    from chalicelib import settings

    child = """
import glob, json
from chalicelib.kinds import get
from chalicelib.engines.tts import get_engine
thread = get("page").warm_in_background()
thread.join(120)
get_engine("piper").synthesize("A few words, said to start the voice's threads.")
print(json.dumps(sorted(int(open(d + "/stat").read().rsplit(")", 1)[1].split()[16]) for d in glob.glob("/proc/self/task/*"))))
"""
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=180,
                         cwd=settings.ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    nices = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(nices) >= 2 and set(nices) == {os.getpriority(os.PRIO_PROCESS, 0)}, nices


# A new worker process that ends while its voice is still loading in the background.
_EXIT_WHILE_WARMING = """
import sys, time
from chalicelib.jobs import worker
end = time.monotonic() + 60
while "piper" not in sys.modules and time.monotonic() < end:
    time.sleep(0.005)
time.sleep(0.3)  # inside the voice's model load
"""


def test_a_worker_ending_while_its_voice_loads_exits_cleanly():
    import os
    import subprocess
    import sys

    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "test-worker", "PAGEVOICE_WARM_KINDS": "page"}
    # ~8 s alone (it runs alone: tests/conftest.py ALONE); six at once on a loaded machine took
    # 68-89 s each. A worker that hangs at exit hangs for good: the bound only has to be finite.
    done = subprocess.run([sys.executable, "-c", _EXIT_WHILE_WARMING], env=env, capture_output=True, text=True,
                          timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_token_split_into_several_ocr_words_shares_its_timing():
    """'10/26/92' spoken as one word but read as the OCR words '10/', '26/', '92': each of them
    gets its share of the word's time, by length, in order."""
    from chalicelib.kinds.page.pipeline import spoken_words

    result = {"lines": [{"text": "Date: 10/26/92", "words": [{"text": t} for t in ("Date:", "10/", "26/", "92")]}]}
    where = spoken_words(result)
    assert [[w for w, _ in token] for token in where] == [[{"line": 0, "word": 0}],
                                                          [{"line": 0, "word": k} for k in (1, 2, 3)]]
    shared = voice._shared(where[1], 1.0, 1.8)
    assert [(w["word"], w["start"], w["end"]) for w in shared] == [(1, 1.0, 1.3), (2, 1.3, 1.6), (3, 1.6, 1.8)]


def test_a_file_that_is_neither_an_image_nor_a_document_is_refused_with_what_the_kind_reads():
    """(a notebook or a LaTeX file once met 'not an image we can read', which names images only)"""
    from chalicelib.errors import UnknownFile

    with pytest.raises(UnknownFile) as refused:
        pipeline.read(b"\x01\x02 a format nobody reads " * 40)
    assert "Jupyter notebook, LaTeX or text" in refused.value.message and "PDF" in refused.value.message
    with pytest.raises(UnknownFile) as damaged:  # an image's signature, damaged: said as an image
        pipeline.read(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert "not an image we can read" in damaged.value.message
