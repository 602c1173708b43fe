"""Choosing a voice on the real local stack (`make run`: the API, moto, the worker with its own
role): the account's voice for a new upload, an upload's voice over it, read again in another
voice, a bad voice refused with a sentence (CONTRACTS section 16)."""
from __future__ import annotations

import requests

from tests import images
from tests import stackclient as sc

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
    again = requests.post(f"{stack.api_url}/jobs/{mine}/recording", headers=headers, json={"voice": "piper:joe"},
                          timeout=30)
    assert again.status_code == 202, again.text
    job = sc.wait_job(stack, headers, mine, timeout=600)  # queued by the 202: done once made again
    assert job["voice"] == "piper:joe" and _voice(job) == "piper:joe"
    assert job["result"]["text"] == jobs[mine]["result"]["text"]
