"""bench.voices' parts (issue 59): its material, its pitch measure, its table's writing."""
from __future__ import annotations

import numpy as np
import pytest

from bench import voices as bv
from bench.tts import LIST_3


def test_english_material_is_held_out_harvard_and_everyday_sentences_in_turn():
    got = bv.material("en")
    assert got[0] == LIST_3[0] and got[1].startswith("The pharmacy")  # --most keeps both kinds
    assert set(LIST_3) <= set(got) and len(got) == len(LIST_3) + 8
    assert len(bv.material("ja")) >= 8 and len(bv.material("de")) >= 8


def test_every_neural_and_standard_voice_is_judged_and_no_basic_one():
    judged = bv.judged()
    assert ("en", "piper:joe") in judged and ("en", "kokoro:bf_emma") in judged and ("ru", "rhvoice:aleksandr-hq") in judged
    assert len([v for _, v in judged if v.startswith("kokoro:")]) == 54
    assert not [v for _, v in judged if v.startswith(("espeak:", "gtts:"))]


@pytest.mark.parametrize("hz", [100.0, 210.0])
def test_pitch_is_the_fundamental_of_a_voiced_sound(hz):
    rate = 16000
    t = np.arange(rate) / rate
    voiced = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6))  # harmonics, as a voice has
    samples = np.concatenate([voiced, np.zeros(rate // 2)]).astype(np.float32) * 0.3
    assert bv.pitch(samples, rate) == pytest.approx(hz, rel=0.03)
    assert bv.pitch(np.zeros(100, np.float32)) is None


def test_the_table_keeps_the_voices_not_run_again(tmp_path):
    path = tmp_path / "measured.tsv"
    a = bv.Run("en", "kokoro:af_heart", edits=4, n=58, cpu=10.0, seconds=10.0, pitches=[190.0])
    b = bv.Run("en", "piper:joe", edits=6, n=58, cpu=1.0, seconds=10.0, pitches=[96.0])
    bv.write([a, b], path, "2026-11-27 bench.voices --most 6")
    bv.write([bv.Run("en", "kokoro:af_heart", edits=2, n=58, cpu=9.0, seconds=10.0)], path, "again")
    rows = [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    assert rows[0] == list(bv.COLUMNS)
    assert rows[1] == ["kokoro:af_heart", "en", "WER", "2", "58", "0.0345", "0.900", "-", "again"]
    assert rows[2][:2] == ["piper:joe", "en"] and rows[2][-1] == "2026-11-27 bench.voices --most 6"
