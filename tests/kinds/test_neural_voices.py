"""Issue 42 through the real local stack (moto server over HTTP, the worker processes of
`make run`): a page in Spanish, Hindi and Mandarin (a Latin, an Indic and a Chinese script: each
its own path from the page to Kokoro's phonemes), rendered from everyday sentences, is read and
spoken by its Kokoro voice, with read-along timings from the voice's own durations (not
estimated). French through the stack: tests/languages/test_on_the_stack.py; every voice (Italian
and Portuguese too) in process: tests/engines/tts/test_kokoro_languages.py."""
from __future__ import annotations

import re

import pytest
import requests

from bench import render
from bench.languages import everyday
from tests import stackclient as sc

VOICES = {"es": "ef_dora", "hi": "hf_alpha", "zh": "zf_xiaoxiao"}
NEURAL = ("es", "fr", "it", "pt", "hi", "zh")  # every language GET /languages calls neural


@pytest.fixture(scope="module")
def finished(stack):
    """A rendered page per language, uploaded at once and waited for together."""
    headers = sc.login(stack, sc.register(stack))
    ids = {}
    for code in VOICES:
        page = render.render(" ".join(everyday(code)[:3]), code)
        ids[code] = sc.upload(stack, headers, f"{code}.png", page.png(), "image/png", language=code, patience=60)
    jobs = sc.wait_jobs(stack, headers, ids.values(), timeout=900)
    return {code: jobs[job_id] for code, job_id in ids.items()}, headers


@pytest.mark.parametrize("code", list(VOICES))
def test_the_page_is_spoken_by_its_kokoro_voice_with_timings(finished, code, stack):
    job = finished[0][code]
    assert job["status"] == "done", job.get("error")
    result = job["result"]
    voice = result["speech"]["voice"]
    assert voice == {"id": f"kokoro:{VOICES[code]}", "language": code, "engine": "kokoro", "name": VOICES[code],
                     "quality": "neural"}
    assert "timings" not in voice  # the voice's own durations, not estimated from the text
    assert all(p["voice"]["engine"] == "kokoro" for p in result["speech"]["parts"])
    assert result["speech"]["complete"] and result["speech"]["seconds"] > 2
    timed = {(w["line"], w["word"]) for w in result["speech"]["words"]}
    # Every word with a letter or digit (a lone "?", as French sets it apart, has no sound of its own).
    words = {(li, wi): word["text"] for li, line in enumerate(result["lines"]) for wi, word in enumerate(line["words"])
             if re.search(r"\w", word["text"])}
    assert words and not {k: w for k, w in words.items() if k not in timed}
    starts = [w["start"] for w in result["speech"]["words"]]
    assert starts == sorted(starts) and starts[-1] < result["speech"]["seconds"]
    assert all(w["end"] > w["start"] for w in result["speech"]["words"])
    audio = requests.get(job["audio_url"], timeout=60)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"


def test_get_languages_calls_them_neural(stack):
    listed = {lang["code"]: lang for lang in requests.get(f"{stack.api_url}/languages", timeout=30).json()["languages"]}
    # As GET /voices lists them, measured (issue 59): Kokoro's Hindi missed the goal, Whisper base
    # being unable to judge Hindi, so it is listed as basic although a neural voice speaks it.
    judged = {code: "basic" if code == "hi" else "neural" for code in NEURAL}
    assert {code: listed[code]["voice"] for code in NEURAL} == judged
