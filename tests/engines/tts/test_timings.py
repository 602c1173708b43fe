"""Read-along timings from the real voice, judged by an independent listener.

The judge is Whisper base (faster-whisper's word timestamps, from its cross-attention): it never
sees piper's durations, only the recording. Whisper's word times are coarse and run early (its
attention anticipates the sound), so the judge's times may first be moved later by their median
lead against ours, at most 0.15 s and never earlier: a word lasts longer than that, so no shift
by a whole word is corrected away. A written word's interval "lands" when, of it and its two
neighbours, it is the one that overlaps most the word the judge heard (same letters,
normalised). The same score for timings shifted by one word shows the judge tells them apart.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from chalicelib.engines import asr
from chalicelib.engines.tts.piper_engine import PiperConfig, PiperEngine
from chalicelib.kinds import voice

TEXT = ("Please read the attached letter before Monday. The meeting moved to room 12 on the third "
        "floor, next to the library. Doctor Smith will bring the new budget and the signed forms. "
        "Call the front desk if you need help finding the building.")


MAX_LEAD = 0.15  # seconds Whisper's word times may run early


def norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


@pytest.fixture(scope="module")
def spoken():
    engine = PiperEngine(PiperConfig(deterministic=True))
    audio = engine.synthesize(TEXT)
    judge = asr.get_engine("whisper")
    heard = judge.transcribe(audio.samples.astype(np.float32) / 32768.0, audio.sample_rate)
    return audio, [w for seg in heard.segments for w in seg.words]


def overlap(a, b) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def landed(ours, heard) -> tuple[int, int]:
    """(words matched by text in order, of them those whose intervals land on the word heard)."""
    pairs, j = [], 0
    for k, word in enumerate(norm(w) for w in TEXT.split()):
        for jj in range(j, min(j + 4, len(heard))):  # in order, a small look-ahead
            if norm(heard[jj].text) == word:
                j = jj + 1
                if ours[k] is not None:
                    pairs.append((k, heard[jj]))
                break
    lead = float(np.median([ours[k][0] - h.start for k, h in pairs])) if pairs else 0.0
    lead = min(MAX_LEAD, max(0.0, lead))
    agree = 0
    for k, h in pairs:
        said = (h.start + lead, h.end + lead)
        best = max((n for n in (k - 1, k, k + 1) if 0 <= n < len(ours) and ours[n] is not None),
                   key=lambda n: overlap(ours[n], said))
        agree += best == k
    return len(pairs), agree


def test_each_word_interval_lands_on_that_word(spoken):
    audio, heard = spoken
    assert audio.words is not None and len(audio.words) == len(TEXT.split())
    matched, agree = landed(audio.words, heard)
    print(f"\ntimings judged by Whisper base: {agree}/{matched} matched words agree "
          f"({len(TEXT.split())} words written, {len(heard)} heard)")
    assert matched >= 0.8 * len(TEXT.split())
    assert agree >= 0.9 * matched


def test_the_judge_rejects_timings_one_word_off(spoken):
    audio, heard = spoken
    shifted = [None, *audio.words[:-1]]
    matched, agree = landed(shifted, heard)
    print(f"\nshifted by one word: {agree}/{matched} agree")
    assert agree < 0.3 * matched


def test_numbers_and_abbreviations_keep_their_written_word():
    """'12/03/1985' is many spoken words and 'of the' is one: timings still map one per
    written word, in order, covering the recording."""
    engine = PiperEngine(PiperConfig(deterministic=True))
    text = "On 12/03/1985, Dr. Smith paid $42.50 for 3 items of the list."
    audio = engine.synthesize(text)
    assert len(audio.words) == len(text.split()) and all(w is not None for w in audio.words)
    starts = [w[0] for w in audio.words]
    assert starts == sorted(starts)
    date = audio.words[1]
    assert date[1] - date[0] > 1.5  # "twelve slash zero three slash nineteen eighty-five"
    assert audio.words[-1][1] <= audio.seconds


def test_a_voice_without_timings_gets_an_estimate_over_its_sound():
    rate = 22050
    tone = (np.sin(np.arange(rate) * 0.1) * 9000).astype(np.int16)
    samples = np.concatenate([np.zeros(rate // 2, np.int16), tone, np.zeros(rate // 2, np.int16)])
    from chalicelib.engines.tts.base import Audio

    est = voice.estimate("one three", Audio(samples, rate))
    assert est[0][0] == pytest.approx(0.5, abs=0.02) and est[-1][1] == pytest.approx(1.5, abs=0.02)
    assert est[0][1] == pytest.approx(0.5 + 4 / 10, abs=0.02)  # by length: "one " of "one three "
