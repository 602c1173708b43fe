"""The languages benchmark's judge (bench/languages.py) scores around its own script habits, the
same for every voice and recording: Whisper base writes Mandarin in Traditional characters and
Hindi in Urdu or Latin letters, while the truths are Simplified and Devanagari."""
from __future__ import annotations

import re

import pytest

from bench import languages as lb
from chalicelib.media.audio import decode
from tests.engines.asr.audiofiles import DATASETS

HINDI = DATASETS / "languages-dev" / "speech" / "hi_s2p_tts_deepak.wav"  # "शयनकक्ष का दीपक को चालू करो"


def test_mandarin_in_traditional_characters_is_the_same_words():
    # What Whisper wrote for Kokoro's Mandarin (bench run of 2026-11-25).
    assert lb.error_rate("火车早上8点出发。", "火車早上8點出發", "zh") == (0, 8)
    assert lb.error_rate("请问公共汽车站在哪里？", "請問公共汽車站在哪裡?", "zh") == (0, 10)
    # A real slip still counts: 鸡脚 (chicken feet) for 街角 (street corner).
    assert lb.error_rate("这本书在街角的书店卖12块钱。", "這本書在雞腳的書店賣12塊錢", "zh") == (2, 14)
    assert lb.simplified("過車", "ja") == "過車"  # other languages as written


@pytest.fixture(scope="module")
def judge():
    return lb.Transcriber()


def test_told_hindi_the_judge_writes_devanagari_and_the_prompt_stays_with_hindi(judge):
    audio = decode(HINDI.read_bytes(), max_bytes=10_000_000, max_seconds=60)
    heard, language = judge(audio.samples, "hi")
    assert language == "hi"
    # Without the prompt: "Shain kaksha kadeepak ko chalo karo" (the right sounds, Latin letters).
    assert len(re.findall(r"[\u0900-\u097f]", heard)) >= 10, heard
    assert not re.search(r"[A-Za-z\u0600-\u06ff]", heard), heard
    assert "initial_prompt" in judge._engine._model.transcribe.keywords  # noqa: SLF001
    judge(audio.samples[:16000], "es")  # another language: no Hindi prompt
    assert "transcribe" not in vars(judge._engine._model)  # noqa: SLF001


def test_the_told_part_judges_real_recordings_told_their_language(judge):
    rows = lb.dev_speech(DATASETS, False, judge, told=("hi",))
    assert [(r.set, r.name, r.language, r.detected, r.n) for r in rows] == [
        ("told", HINDI.name, "hi", "hi", 6)]
    assert re.search(r"[\u0900-\u097f]", rows[0].said)  # prompted as the voices are
