"""Choosing a voice on the real local stack (`make run`: the API, moto, the worker and the tasks
function with their own roles): a voice's sample heard before choosing it, the account's voice for
a new upload, an upload's voice over it, read again in another voice, a bad voice refused with a
sentence (CONTRACTS section 16)."""
from __future__ import annotations

import time

import requests

from tests import images
from tests import stackclient as sc
from tests.voices.hearing import heard

CHOSEN = "kokoro:af_heart"


def _upload(stack, headers, data: bytes, **extra) -> requests.Response:
    return requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                         json={"filename": "a.png", "content_type": "image/png", "size": len(data), **extra})


def _sent(stack, headers, data: bytes, **extra) -> str:
    r = _upload(stack, headers, data, **extra)
    assert r.status_code == 201, r.text
    sc.send_file(r.json()["upload"], "a.png", data, "image/png")
    return r.json()["job_id"]


def _voice(job: dict) -> str:
    assert job["status"] == "done", job.get("error")
    speech = job["result"]["speech"]
    assert len({p["voice"]["id"] for p in speech["parts"]}) == 1
    return speech["voice"]["id"]


def test_voices_chosen_per_account_per_upload_and_again(stack):
    headers = sc.login(stack, sc.register(stack))
    data = images.encode(images.text_image(["THE TRAIN LEAVES AT EIGHT"]).image, "PNG")
    r = requests.patch(f"{stack.api_url}/me", headers=headers, json={"voices": {"en": CHOSEN}}, timeout=30)
    assert r.status_code == 200 and r.json()["voices"] == {"en": CHOSEN}
    bad = _upload(stack, headers, data, voice="kokoro:nobody")
    assert bad.status_code == 400 and "English voices: piper:joe" in bad.json()["message"]
    mine, own = _sent(stack, headers, data), _sent(stack, headers, data, voice="pico:en-GB")
    jobs = sc.wait_jobs(stack, headers, [mine, own], timeout=600)
    assert _voice(jobs[mine]) == CHOSEN and _voice(jobs[own]) == "pico:en-GB"
    before = requests.get(jobs[mine]["audio_url"], timeout=30).content
    again = requests.post(f"{stack.api_url}/jobs/{mine}/recording", headers=headers, json={"voice": "piper:joe"},
                          timeout=30)
    assert again.status_code == 202, again.text
    job = sc.wait_job(stack, headers, mine, timeout=600)  # queued by the 202: done once made again
    assert job["voice"] == "piper:joe" and _voice(job) == "piper:joe"
    assert job["result"]["text"] == jobs[mine]["result"]["text"]
    # Whisper hears the same words; the pitch tells Heart (~190 Hz) from joe (~96 Hz) apart.
    (said_before, hz_before), (said_after, hz_after) = heard(before), heard(requests.get(job["audio_url"], timeout=30).content)
    assert said_before.replace(" 8", " eight") == said_after.replace(" 8", " eight") == "the train leaves at eight"
    assert hz_after < 130 < 160 < hz_before


def test_a_voices_sample_is_made_once_and_heard(stack):
    listed = requests.get(f"{stack.api_url}/voices", timeout=30).json()["voices"]
    lewis = next(v for v in listed if v["id"] == "kokoro:bm_lewis")
    assert lewis["sample_url"] == f"{stack.api_url}/voices/kokoro:bm_lewis/sample?language=en"
    deadline, answers = time.monotonic() + 300, []
    while True:  # as the site does: ask, wait as told, ask again
        r = requests.get(lewis["sample_url"], timeout=30)
        answers.append(r.status_code)
        if r.status_code != 202 or time.monotonic() > deadline:
            break
        time.sleep(int(r.headers["Retry-After"]))
    assert answers[0] == 202 and r.status_code == 200, (answers, r.text)
    mp3 = requests.get(r.json()["url"], timeout=30)
    assert mp3.status_code == 200 and mp3.headers["Content-Type"] == "audio/mpeg"
    said, hz = heard(mp3.content)
    assert said.startswith("all human beings are born free and equal in dignity and rights"), said
    assert hz < 140  # Lewis, a low voice (94 Hz in bench.voices), not a woman's (Heart 188 Hz)
    again = requests.get(lewis["sample_url"], timeout=30)  # kept: the next listener has it at once
    assert again.status_code == 200
