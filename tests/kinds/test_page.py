"""The whole pipeline with the real default engines (rapidocr + piper), on images drawn here."""
from __future__ import annotations

import pytest

from chalicelib.engines.ocr.base import bounds
from chalicelib.engines.tts.base import wav_info
from chalicelib.errors import ImageError
from chalicelib.kinds import page_pipeline as pipeline
from tests import images
from tests.results import validate_result

LINES = ["PAGEVOICE READS PHOTOS", "ALOUD FOR EVERYONE"]


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


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

    full = pipeline.speak(LONG, tts_engine="piper")
    assert full.info["complete"] is True and full.info["characters"] == len(LONG)
    monkeypatch.setenv("PAGEVOICE_TTS_MAX_SECONDS", "0")
    cut = pipeline.speak(LONG, tts_engine="piper")
    assert cut.info["complete"] is False
    assert cut.info["characters"] == len(LONG.split(". ")[0]) + 1  # the first sentence, always spoken
    assert 0.5 < info(cut.wav)[3] < info(full.wav)[3] / 6
    assert cut.info["seconds"] == pytest.approx(info(cut.wav)[3], abs=0.01)


def test_speech_stops_at_the_callers_deadline():
    import time

    cut = pipeline.speak(LONG, tts_engine="piper", deadline=time.monotonic() - 1)
    assert cut.info["complete"] is False and cut.info["engine"] == "piper"
    assert pipeline.speak("   ", tts_engine="piper").wav is None


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
