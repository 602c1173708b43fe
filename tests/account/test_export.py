"""The account's export: a zip of every job, built on the worker side, fetched by a presigned link."""
from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import unquote, urlsplit

from chalicelib import aws, settings
from chalicelib.account import export
from tests.account.conftest import finished_job
from tests.apiclient import post, signed_in

pytest_plugins = ["tests.apifixtures"]


def zip_of(answer) -> zipfile.ZipFile:
    bucket = settings.get().aws.bucket
    key = unquote(urlsplit(answer["export"]["url"]).path).lstrip("/").removeprefix(f"{bucket}/")
    body = aws.s3().get_object(Bucket=settings.get().aws.bucket, Key=key)["Body"].read()
    return zipfile.ZipFile(io.BytesIO(body))


def test_export_holds_every_job_with_its_result_text_outputs_and_source(client, queue, stub_kind):
    _, headers = signed_in(client)
    ids = [finished_job(client, headers, "HELLO", "first.txt"), finished_job(client, headers, "WORLD", "second.txt")]
    queue.queued()  # the sign-up's mail
    started = client.http.get("/me/export", headers=headers)
    assert started.status_code == 202 and started.json_body["export"]["status"] == "queued"
    assert post(client, "/me/export", headers=headers).json_body["export"]["id"] == \
        started.json_body["export"]["id"]  # one at a time
    assert queue.run() == ["export"]
    ready = client.http.get("/me/export", headers=headers)
    body = ready.json_body["export"]
    assert ready.status_code == 200 and body["status"] == "ready" and body["complete"] is True
    assert body["progress"] == {"done": 2, "total": 2} and body["size"] > 0
    assert "X-Amz-Expires=900" in body["url"] and "pagevoice-export-" in body["url"]
    z = zip_of(ready.json_body)
    names = set(z.namelist())
    assert {"account.json", "jobs.json", "README.txt"} <= names
    assert json.loads(z.read("account.json"))["email"] == "ann@example.org"
    assert sorted(j["job_id"] for j in json.loads(z.read("jobs.json"))) == sorted(ids)
    for job_id, text, filename in zip(ids, ["HELLO", "WORLD"], ["first.txt", "second.txt"], strict=True):
        [folder] = {n.rsplit("/", 1)[0] for n in names if job_id in n}
        assert json.loads(z.read(f"{folder}/result.json"))["text"] == text
        assert z.read(f"{folder}/text.txt").decode() == text + "\n"
        assert z.read(f"{folder}/echo.txt").decode() == text
        assert z.read(f"{folder}/source-{filename}").decode() == f"echo:{text}"


def test_a_new_export_replaces_the_last_zip(client, queue, stub_kind):
    _, headers = signed_in(client)
    finished_job(client, headers, "HELLO")
    queue.queued()
    post(client, "/me/export", headers=headers)
    queue.run()
    first = client.http.get("/me/export", headers=headers).json_body["export"]
    post(client, "/me/export", headers=headers)
    queue.run()
    second = client.http.get("/me/export", headers=headers).json_body["export"]
    assert second["id"] != first["id"] and second["status"] == "ready"
    keys = [o["Key"] for o in aws.s3().list_objects_v2(Bucket=settings.get().aws.bucket, Prefix="exports/")["Contents"]]
    assert len(keys) == 1 and second["id"] in keys[0]


def test_an_export_past_its_cap_says_what_it_left_out(client, queue, stub_kind, monkeypatch):
    _, headers = signed_in(client)
    ids = [finished_job(client, headers, "A" * 40) for _ in range(3)]
    queue.queued()
    monkeypatch.setenv("PAGEVOICE_EXPORT_MAX_BYTES", "1")
    post(client, "/me/export", headers=headers)
    queue.run()
    answer = client.http.get("/me/export", headers=headers).json_body
    assert answer["export"]["complete"] is False
    readme = zip_of(answer).read("README.txt").decode()
    assert "not in it" in readme and all(i in readme for i in ids[1:])


def test_an_export_that_fails_says_so_and_a_new_one_can_start(client, queue, stub_kind, monkeypatch):
    _, headers = signed_in(client)
    finished_job(client, headers, "HELLO")
    queue.queued()
    post(client, "/me/export", headers=headers)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export.objects, "store_file", broken)
    queue.run()
    failed = client.http.get("/me/export", headers=headers)
    assert failed.status_code == 200 and failed.json_body["export"]["status"] == "failed"
    assert failed.json_body["export"]["message"] == export.FAILED_MESSAGE
    monkeypatch.undo()
    assert post(client, "/me/export", headers=headers).json_body["export"]["status"] == "queued"


def test_an_api_key_may_export(client, queue):
    _, headers = signed_in(client)
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    queue.queued()
    assert client.http.get("/me/export", headers=key).status_code == 202
    queue.run()
    assert client.http.get("/me/export", headers=key).json_body["export"]["status"] == "ready"


def test_a_finished_jobs_recording_parts_are_left_out_of_the_export(client, queue, stub_kind):
    """speech.wav repeats them, and the lifecycle rule removes them a day after the job: the
    zip held empty part files then."""
    from chalicelib.jobs import keys
    from chalicelib.jobs import table as jobs

    user, headers = signed_in(client)
    job_id = finished_job(client, headers, "HELLO")
    user_id = user["id"]
    part = keys.output_key(user_id, job_id, "speech-000.wav")
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=part, Body=b"RIFF part")
    record = jobs.get(user_id, job_id)
    aws.jobs_table().update_item(
        Key={"user_id": user_id, "job_id": job_id}, UpdateExpression="SET outputs = :o, transient_outputs = :t",
        ExpressionAttributeValues={":o": {**record["outputs"], "speech-000.wav": part}, ":t": ["speech-000.wav"]})
    queue.queued()
    client.http.get("/me/export", headers=headers)
    queue.run()
    names = zip_of(client.http.get("/me/export", headers=headers).json_body).namelist()
    assert any(n.endswith(f"{job_id}/echo.txt") for n in names)
    assert not any(n.endswith("speech-000.wav") for n in names)


def test_the_export_holds_the_accounts_voices(client, queue):
    """Issue 59: the account's voice per language is its data, so it goes with the export."""
    _, headers = signed_in(client)
    r = client.http.patch("/me", headers={**headers, "Content-Type": "application/json"},
                          body=json.dumps({"voices": {"en": "kokoro:bf_emma", "de": "pico:de-DE"}}))
    assert r.status_code == 200
    queue.queued()
    post(client, "/me/export", headers=headers)
    assert queue.run() == ["export"]
    z = zip_of(client.http.get("/me/export", headers=headers).json_body)
    assert json.loads(z.read("account.json"))["voices"] == {"en": "kokoro:bf_emma", "de": "pico:de-DE"}
