"""The digits kind: its declaration, and its work on real files (no AWS): the result's shape is
its schema's, one word per digit, the number spoken (unsure digits said as "unclear")."""
from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import kinds
from chalicelib.engines.tts.base import wav_info
from chalicelib.errors import ImageError
from chalicelib.kinds.digits import pipeline as digits_pipeline
from tests.results import validate_result

DRAWN = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "digits-dev" / "images"


def drawn(name: str) -> bytes:
    path = DRAWN / name
    assert path.exists(), f"the digits tests need {path} (../shared/datasets/digits-dev)"
    return path.read_bytes()


def test_declaration():
    kind = kinds.get("digits")
    assert kind.accepts("image/png") and not kind.accepts("audio/wav")
    assert kind.outputs == ("speech.wav",) and kind.max_bytes() == 15 * 1024 * 1024


@pytest.mark.slow
def test_a_drawn_digit_is_read_and_said():
    out = kinds.get("digits").run(drawn("tathagat_7.png"))
    validate_result(out.result)
    assert out.result["text"] == "7" and out.result["sure"] is True
    [digit] = out.result["digits"]
    assert digit["digit"] == 7 and len(digit["probabilities"]) == 10 and digit["confidence"] > 0.9
    assert out.result["lines"][0]["words"][0]["box"] == digit["box"]
    channels, width, rate, seconds = wav_info(out.files["speech.wav"][0])
    assert (channels, width) == (1, 2) and 0.3 < seconds < 3  # "seven"
    assert out.result["speech"]["complete"] is True


def test_what_is_said():
    sure = {"sure": True, "lines": [{"text": "2024", "words": [{"text": c} for c in "2024"]}]}
    unsure = {"sure": False, "lines": [{"text": "2?4", "words": [{"text": c} for c in "2?4"]}]}
    assert digits_pipeline.spoken(sure) == "2024"  # the voice says the number
    assert digits_pipeline.spoken(unsure) == "2, unclear, 4"


def test_no_handwriting_is_a_success_without_speech(tmp_path):
    from PIL import Image

    from tests import images

    blank = images.encode(Image.new("RGB", (400, 300), "white"), "PNG")
    out = kinds.get("digits").run(blank)
    validate_result(out.result)
    assert out.result["text"] == "" and out.result["digits"] == [] and out.files == {}


def test_a_broken_image_fails_with_a_reason():
    with pytest.raises(ImageError, match="truncated or damaged|not an image"):
        kinds.get("digits").run(drawn("tathagat_7.png")[:60])


def test_an_unsure_digit_is_still_a_digit_marked_unsure(monkeypatch):
    """CONTRACTS section 8: `digit` is an integer; the "not sure" state is `unsure` (and "?" in
    the text), so a reader of the contract never meets a null digit."""
    from chalicelib.engines import digits as engines
    from chalicelib.engines.digits.base import Digit, box_quad

    class Unsure:
        name, version = "fake", "0"

        def read(self, rgb, alpha=None):
            probs = [0.02] * 10
            probs[3], probs[8] = 0.41, 0.39
            return [Digit(None, 0.41, probs, box_quad(1, 1, 20, 30)), Digit(7, 0.99, [0.001] * 7 + [0.99, 0.0, 0.0],
                                                                            box_quad(30, 1, 50, 30))]

    monkeypatch.setattr(engines, "get_engine", lambda name: Unsure())
    result = digits_pipeline.read(drawn("tathagat_7.png"))
    validate_result(result)
    assert [(d["digit"], d["unsure"]) for d in result["digits"]] == [(3, True), (7, False)]
    assert result["text"] == "?7" and result["sure"] is False
