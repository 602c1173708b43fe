"""What the default voice is given (issue 55 item 7): plain sentences reach piper one at a time,
exactly as written (no normalisation, no pronunciation pass without entries), at the voice's own
sample rate, joined by GAP_SECONDS, in the `tts` command and in a recording alike. That is what
1e55a26 gave piper: with noise scales of zero (PAGEVOICE_TTS_DETERMINISTIC, set for the tests)
both commits' `tts` command wrote byte-identical WAVs for Harvard sentences, so a change to this
path shows up here as audio, before any listener (or bench.tts's Whisper) hears it."""
from __future__ import annotations

import io
import wave

import numpy as np

from chalicelib import cli
from chalicelib.engines import tts
from chalicelib.engines.tts.base import concat
from chalicelib.kinds import voice

# Harvard sentences (IEEE 1969, public domain), list 3's first five: bench.tts's held-out set.
SENTENCES = [
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "It snowed, rained, and hailed the same morning.",
]


GAP = 0.12  # seconds between two sentences of a line, as at 1e55a26 (base.GAP_SECONDS)


def _alone() -> np.ndarray:
    """Each sentence as piper says it alone, joined by 1e55a26's gap."""
    engine = tts.get_engine("piper")
    return concat([engine.synthesize(s) for s in SENTENCES], gap_seconds=GAP).samples


def _samples(data: bytes) -> tuple[int, np.ndarray]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def test_the_tts_command_gives_piper_each_sentence_as_written(tmp_path):
    out = tmp_path / "said.wav"
    assert cli.main(["tts", " ".join(SENTENCES), "-o", str(out)]) == 0
    rate, said = _samples(out.read_bytes())
    assert rate == 22050  # the voice's own rate: no resampling on the way
    expected = _alone()
    assert len(said) == len(expected)  # the same pieces and pauses
    assert np.array_equal(said, expected)  # the same words said the same way


def test_a_recording_gives_piper_each_sentence_as_written():
    take = voice.record(" ".join(SENTENCES), language="en", tts_engine="piper")
    parts = [_samples(p.wav) for p in take.parts]
    assert {rate for rate, _ in parts} == {22050}
    heard = np.concatenate([s for _, s in parts])
    expected = _alone()
    tail = int(22050 * GAP)  # a part ends with the pause after its last piece
    assert len(heard) == len(expected) + tail
    assert np.array_equal(heard[:len(expected)], expected) and not heard[len(expected):].any()
