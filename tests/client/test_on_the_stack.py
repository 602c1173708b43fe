"""The pagevoice command (client/, issue 57) against the real local stack whose multipart
threshold is 6 MiB (tests/conftest.py `multipart_stack`: larger files go as 5 MiB parts): a
folder of three documents read into MP3s, and an upload stopped part-way that the same command
finishes, sending only the parts S3 lacks."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import MULTIPART_PART as PART
from tests.media.documents import TextPage, padded_text_pdf, text_pdf
from tests.media.flow.docx_make import docx, p
from tests.stackclient import login, register

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

COMMAND = Path(sys.executable).with_name("pagevoice")  # the console script make venv installs


def api_key(stack) -> tuple[str, dict]:
    headers = login(stack, register(stack))
    answer = requests.post(f"{stack.api_url}/api-keys", json={"name": "pagevoice command"}, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["key"], headers


def jobs_of(stack, headers) -> list[dict]:
    return requests.get(f"{stack.api_url}/jobs", params={"limit": 100}, headers=headers, timeout=30).json()["jobs"]


def test_a_folder_of_three_documents_is_read_into_mp3s(multipart_stack, tmp_path):
    from mutagen.mp3 import MP3

    stack = multipart_stack
    key, headers = api_key(stack)
    folder, out = tmp_path / "reading", tmp_path / "heard"
    folder.mkdir()
    (folder / "letter.pdf").write_bytes(text_pdf([TextPage(["Dear Ada,", "The garden is full of bees."])]))
    (folder / "notes.md").write_text("# Notes\n\nBuy bread and milk on the way home.\n")
    (folder / "story.docx").write_bytes(docx(p("Once upon a time there was a lighthouse.")))
    env = {**os.environ, "PAGEVOICE_API_URL": stack.api_url, "PAGEVOICE_API_KEY": key,
           "PAGEVOICE_STATE": str(tmp_path / "state.json")}
    done = subprocess.run([str(COMMAND), "read", *sorted(map(str, folder.iterdir())), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr
    assert sorted(f.name for f in out.iterdir()) == ["letter.mp3", "notes.mp3", "story.mp3"]
    for mp3 in out.iterdir():
        assert MP3(mp3).info.length > 1.0, mp3  # a recording, not an empty file
    for name in ("letter", "notes", "story"):
        assert f"saved {out / name}.mp3" in done.stderr
    assert len(jobs_of(stack, headers)) == 3

    # Again: every output is there, nothing is sent.
    again = subprocess.run([str(COMMAND), "read", *sorted(map(str, folder.iterdir())), "--out", str(out)],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stderr.count("is already there") == 3, again.stderr
    assert len(jobs_of(stack, headers)) == 3


def test_an_upload_stopped_part_way_is_finished_by_the_same_command(multipart_stack, tmp_path, monkeypatch, capsys):
    from pagevoice_client import cli, transfer

    stack = multipart_stack
    key, headers = api_key(stack)
    lines = ["Call me Ishmael.", "Some years ago, never mind how long precisely."]
    book = tmp_path / "moby-dick.pdf"
    book.write_bytes(padded_text_pdf(lines, 2 * PART + 300_000))  # three parts
    monkeypatch.setenv("PAGEVOICE_API_URL", stack.api_url)
    monkeypatch.setenv("PAGEVOICE_API_KEY", key)
    monkeypatch.setenv("PAGEVOICE_STATE", str(tmp_path / "state.json"))
    argv = ["read", str(book), "--out", str(tmp_path / "out"), "--format", "txt"]
    real_put, sent, calls = requests.put, [], iter(range(99))

    def stopped_after_one(url, data, **kwargs):  # the first part goes whole, then Ctrl-C
        if next(calls):  # (the parts go from threads at once: only the first asked is sent)
            raise KeyboardInterrupt
        answer = real_put(url, data=data, **kwargs)
        sent.append(len(data))
        return answer

    monkeypatch.setattr(transfer.requests, "put", stopped_after_one)
    assert cli.main(argv) == 130
    assert "Run the same command again" in capsys.readouterr().err
    [job] = jobs_of(stack, headers)
    assert job["status"] == "uploading"
    held = requests.get(f"{stack.api_url}/uploads/{job['job_id']}/parts", headers=headers, timeout=30).json()
    assert [p["size"] for p in held["multipart"]["received"]] == sent  # S3 holds the part sent, whole
    first = sent[0]
    sent.clear()

    def counted(url, data, **kwargs):
        sent.append(len(data))
        return real_put(url, data=data, **kwargs)

    monkeypatch.setattr(transfer.requests, "put", counted)
    assert cli.main(argv) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "resuming: 1 of 3 parts are there" in err
    assert sum(sent) == book.stat().st_size - first and len(sent) == 2  # only what S3 lacked
    assert [j["job_id"] for j in jobs_of(stack, headers)] == [job["job_id"]]  # the same job, finished
    assert (tmp_path / "out" / "moby-dick.txt").read_text() == "\n".join(lines) + "\n"
    finished = requests.get(f"{stack.api_url}/jobs/{job['job_id']}", headers=headers, timeout=30).json()
    kept = requests.get(finished["image_url"], timeout=60).content  # the bytes the worker read
    assert hashlib.sha256(kept).hexdigest() == hashlib.sha256(book.read_bytes()).hexdigest()
    assert transfer.Pending().get(transfer.Pending.key(cli.Api(stack.api_url, key), book)) is None
