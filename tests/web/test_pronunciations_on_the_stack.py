"""Issue 40's pronunciations and listening place through the real local stack (moto server over
HTTP with its IAM, the worker of `make run`): a page that says "Dr. Smith" is heard as "doctor"
(Whisper base listening to speech.wav) while its text still says "Dr."; after the list changes,
"Read again" makes a recording in which the new pronunciation is heard; another user cannot keep
a place in the job."""
from __future__ import annotations

import re

import pytest
import requests

from tests import images
from tests.stackclient import login, register, upload, wait_job

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack]


def heard(job: dict) -> list[str]:
    """What Whisper base hears in the job's speech.wav: its words, lower case, without punctuation
    (not Whisper's English normaliser, which itself writes "dr" as "doctor"). Whisper writes a
    "doctor" said before a name as "Dr.": the page says "Dr." once without one too."""
    from chalicelib.engines.asr import get_engine
    from chalicelib.media.audio import decode

    wav = requests.get(job["audio_url"], timeout=60)
    assert wav.status_code == 200
    audio = decode(wav.content, max_bytes=50_000_000, max_seconds=600.0)
    text = get_engine("whisper").transcribe(audio.samples, audio.sample_rate, language="en").text
    return re.findall(r"[a-z']+", text.lower())


def put_lexicon(stack, headers, entries) -> None:
    r = requests.put(f"{stack.api_url}/me/lexicon", headers=headers, json={"entries": entries}, timeout=30)
    assert r.status_code == 200, r.text


def test_pronunciations_change_what_is_heard_not_what_is_shown(stack):
    headers = login(stack, register(stack))
    put_lexicon(stack, headers, [{"written": "Dr.", "spoken": "doctor"}])
    page = images.encode(images.text_image(["Dr. Smith is in.", "Ask the Dr. today."], size=52).image, "PNG")
    job_id = upload(stack, headers, "sign.png", page, "image/png")
    job = wait_job(stack, headers, job_id, timeout=240)
    assert job["status"] == "done", job.get("error")
    assert job["result"]["text"] == "Dr. Smith is in.\nAsk the Dr. today."  # what the page says
    assert job["result"]["speech"]["lexicon"] == {"entries": 1}
    words = heard(job)
    assert "doctor" in words and "smith" in words, words

    # The list changes; "Read again" makes the recording anew, through the worker.
    put_lexicon(stack, headers, [{"written": "Dr.", "spoken": "Drive"}])
    r = requests.post(f"{stack.api_url}/jobs/{job_id}/recording", headers=headers, timeout=30)
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text
    again = wait_job(stack, headers, job_id, timeout=240)
    assert again["status"] == "done", again.get("error")
    assert again["result"]["text"] == job["result"]["text"] and again["result"]["lines"] == job["result"]["lines"]
    words = heard(again)
    assert words.count("drive") == 2 and "doctor" not in words and "dr" not in words, words

    # The place is the owner's only: another user's PUT is a 404, as their GET is.
    r = requests.put(f"{stack.api_url}/jobs/{job_id}/position", headers=headers, json={"t": 1.0}, timeout=30)
    assert r.status_code == 204, r.text
    other = login(stack, register(stack))
    r = requests.put(f"{stack.api_url}/jobs/{job_id}/position", headers=other, json={"t": 2.0}, timeout=30)
    assert r.status_code == 404 and r.json()["message"], r.text
    mine = requests.get(f"{stack.api_url}/jobs/{job_id}", headers=headers, timeout=30).json()
    assert mine["position"]["t"] == 1.0
