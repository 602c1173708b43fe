"""Uploads of whole books (issue 54, CONTRACTS section 15): a document may be as large as a book
while a photo keeps the photo limit; a file over the multipart threshold is sent as parts to
presigned URLs, resumed from what S3 holds, and completed by the API."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib import aws, clock, kinds, resources, settings
from chalicelib.jobs import multipart
from tests.apiclient import assert_error, post, send, signed_in

pytest_plugins = ["tests.apifixtures"]

MB = 1024 * 1024
PART = multipart.MIN_PART_BYTES  # S3's smallest part: the threshold's tests use it
SIZE = 2 * PART + 1000  # three parts: two whole ones and a short last one


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MULTIPART_BYTES", str(PART))
    monkeypatch.setenv("PAGEVOICE_MULTIPART_PART_BYTES", str(PART))


def ask(client, headers, size=SIZE, content_type="application/pdf", filename="moby dick.pdf"):
    return post(client, "/uploads", {"filename": filename, "content_type": content_type, "size": size},
                headers=headers)


def book_bytes(size=SIZE) -> bytes:
    # Each part's bytes differ, so parts put in the wrong place would show.
    return bytes((i * 7 + i // PART) % 251 for i in range(size))


def put_part(url: str, data: bytes) -> requests.Response:
    r = requests.put(url, data=data, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"]
    return r


def part_bytes(data: bytes, number: int, part: int) -> bytes:
    return data[(number - 1) * part:number * part]


def parts_of(client, headers, job_id):
    return client.http.get(f"/uploads/{job_id}/parts", headers=headers)


def complete(client, headers, job_id):
    return post(client, f"/uploads/{job_id}/complete", headers=headers)


# --- limits --------------------------------------------------------------------------------------

def test_kinds_say_both_limits_and_which_types_are_documents(client):
    page = next(k for k in client.http.get("/kinds").json_body["kinds"] if k["name"] == "page")
    assert page["max_bytes"] == 15 * MB  # photos, as before
    assert page["max_document_bytes"] == 500 * MB == settings.get().books.max_book_bytes
    assert {"application/pdf", "image/tiff", "application/epub+zip", "text/plain", "text/html",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} <= set(page["document_types"])
    assert not {"image/jpeg", "image/png", "image/heic"} & set(page["document_types"])
    assert page["max_pixels"] and page["max_pages"]  # the keys it had stay
    digits = next(k for k in client.http.get("/kinds").json_body["kinds"] if k["name"] == "digits")
    assert digits["max_bytes"] == 15 * MB and "max_document_bytes" not in digits


def test_a_kinds_limit_follows_the_type():
    page = kinds.get("page")
    assert page.max_bytes("application/pdf") == page.max_bytes("image/tiff") == 500 * MB
    assert page.max_bytes("text/markdown; charset=utf-8") == 500 * MB
    assert page.max_bytes("image/jpeg") == page.max_bytes("IMAGE/PNG") == 15 * MB
    assert page.max_bytes() == 500 * MB  # of any type it takes
    assert kinds.get("digits").max_bytes("image/tiff") == 15 * MB
    assert kinds.get("speech").max_bytes("audio/wav") == kinds.get("speech").max_bytes()


@pytest.mark.parametrize("content_type", ["application/pdf", "image/tiff", "application/epub+zip",
                                          "text/plain", "application/vnd.oasis.opendocument.text"])
def test_a_document_may_be_as_large_as_a_book(client, content_type):
    _, headers = signed_in(client)
    r = ask(client, headers, size=500 * MB, content_type=content_type)
    assert r.status_code == 201, r.json_body
    assert "multipart" in r.json_body["upload"]  # over 100 MB
    body = assert_error(ask(client, headers, size=500 * MB + 1, content_type=content_type), 400, "at most 500 MB")
    assert body["field"] == "size"


def test_a_photo_keeps_the_photo_limit(client):
    _, headers = signed_in(client)
    body = assert_error(ask(client, headers, size=15 * MB + 1, content_type="image/jpeg", filename="a.jpg"),
                        400, "a JPEG file may be at most 15 MB")
    assert body["field"] == "size"
    r = ask(client, headers, size=15 * MB, content_type="image/jpeg", filename="a.jpg")
    assert r.status_code == 201 and set(r.json_body["upload"]) == {"url", "fields"}


def test_the_presigned_post_of_a_document_allows_a_documents_size(client):
    import base64
    import json

    _, headers = signed_in(client)
    r = ask(client, headers, size=40 * MB)  # over the photo limit, under the multipart threshold
    assert r.status_code == 201
    policy = json.loads(base64.b64decode(r.json_body["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 500 * MB] in policy["conditions"]


def test_the_description_says_the_limit_by_type(client):
    spec = client.http.get("/openapi.json").json_body
    rules = spec["components"]["schemas"]["UploadRequest"]["anyOf"]
    page = [r for r in rules if "page" in r["properties"]["kind"].get("enum", []) and "url" not in r["required"]]
    caps = {r["properties"]["size"]["maximum"]: set(r["properties"]["content_type"]["enum"]) for r in page}
    assert set(caps) == {15 * MB, 500 * MB}
    assert "application/pdf" in caps[500 * MB] and "image/jpeg" in caps[15 * MB]
    paths = spec["paths"]
    assert "get" in paths["/uploads/{job_id}/parts"] and "post" in paths["/uploads/{job_id}/complete"]
    assert "multipart" in spec["components"]["schemas"]["Upload"]["properties"]["upload"]["oneOf"][1]["properties"]


# --- multipart -----------------------------------------------------------------------------------

def test_under_the_threshold_the_presigned_post_is_unchanged(client, small_threshold):
    _, headers = signed_in(client)
    r = ask(client, headers, size=PART)
    assert set(r.json_body["upload"]) == {"url", "fields"}
    assert_error(parts_of(client, headers, r.json_body["job_id"]), 400, "not a multipart upload")
    assert_error(complete(client, headers, r.json_body["job_id"]), 400, "not a multipart upload")


def test_over_the_threshold_the_api_starts_a_multipart_upload_of_exactly_the_key(client, small_threshold):
    user, headers = signed_in(client)
    r = ask(client, headers)
    assert r.status_code == 201
    job_id, up = r.json_body["job_id"], r.json_body["upload"]
    assert set(up) == {"multipart"}
    mp = up["multipart"]
    key = f"uploads/{user['id']}/{job_id}/source"
    assert (mp["size"], mp["part_bytes"], mp["count"]) == (SIZE, PART, 3)
    assert [(p["number"], p["size"]) for p in mp["parts"]] == [(1, PART), (2, PART), (3, 1000)]
    assert mp["received"] == [] and mp["expires_in"] <= 600
    assert mp["resume"] == f"/uploads/{job_id}/parts" and mp["complete"] == f"/uploads/{job_id}/complete"
    uploads = aws.s3().list_multipart_uploads(Bucket=settings.get().aws.bucket, Prefix=f"uploads/{user['id']}/")
    assert [(u["Key"], u["UploadId"]) for u in uploads["Uploads"]] == [(key, mp["upload_id"])]
    for p in mp["parts"]:
        url = urlsplit(p["url"])
        query = parse_qs(url.query)
        assert url.path.endswith(f"/{key}") and url.scheme == "https"
        assert query["partNumber"] == [str(p["number"])] and query["uploadId"] == [mp["upload_id"]]
        assert 0 < int(query["X-Amz-Expires"][0]) <= 600
        assert query["X-Amz-SignedHeaders"] == ["host"]  # a browser's PUT sends nothing else it must sign


def test_parts_resume_and_complete_into_the_declared_file(client, small_threshold):
    user, headers = signed_in(client)
    data = book_bytes()
    r = ask(client, headers)
    job_id, mp = r.json_body["job_id"], r.json_body["upload"]["multipart"]
    put_part(mp["parts"][2]["url"], part_bytes(data, 3, PART))  # the last one first: any order
    # The connection drops. What S3 holds, and fresh URLs for the rest:
    again = parts_of(client, headers, job_id)
    assert again.status_code == 200
    resumed = again.json_body["multipart"]
    assert again.json_body["job_id"] == job_id and resumed["upload_id"] == mp["upload_id"]
    assert resumed["received"] == [{"number": 3, "size": 1000}]
    assert [p["number"] for p in resumed["parts"]] == [1, 2]
    # Completing now names what is missing, and changes nothing.
    body = assert_error(complete(client, headers, job_id), 400, "2 of the 3 parts have not arrived whole")
    assert "part 1, 2" in body["message"] and f"/uploads/{job_id}/parts" in body["message"]
    assert client.http.get(f"/jobs/{job_id}", headers=headers).json_body["status"] == "uploading"
    for p in resumed["parts"]:
        put_part(p["url"], part_bytes(data, p["number"], PART))
    done = complete(client, headers, job_id)
    assert done.status_code == 200, done.json_body
    assert done.json_body == {"job_id": job_id, "size": SIZE, "status": "uploading"}
    key = f"uploads/{user['id']}/{job_id}/source"
    s3 = aws.s3()
    obj = s3.get_object(Bucket=settings.get().aws.bucket, Key=key)
    assert obj["Body"].read() == data
    assert obj["ContentType"] == "application/pdf"  # pinned when the upload began
    tags = s3.get_object_tagging(Bucket=settings.get().aws.bucket, Key=key)["TagSet"]
    tag = resources.BUCKET["abandoned_upload_tag"]
    assert tags == [{"Key": tag[0], "Value": tag[1]}]  # pending, as the presigned POST's uploads are
    # Completing again (an answer lost on the way) answers alike; nothing is left to resume.
    assert complete(client, headers, job_id).json_body == done.json_body
    assert_error(parts_of(client, headers, job_id), 409, "finished")


def test_a_part_of_the_wrong_size_is_asked_for_again(client, small_threshold):
    _, headers = signed_in(client)
    data = book_bytes()
    r = ask(client, headers)
    job_id, mp = r.json_body["job_id"], r.json_body["upload"]["multipart"]
    put_part(mp["parts"][0]["url"], part_bytes(data, 1, PART)[:-1])  # one byte short
    put_part(mp["parts"][1]["url"], part_bytes(data, 2, PART))
    put_part(mp["parts"][2]["url"], part_bytes(data, 3, PART) + b"x")  # one byte long: the file would grow
    resumed = parts_of(client, headers, job_id).json_body["multipart"]
    assert [p["number"] for p in resumed["parts"]] == [1, 3]
    assert_error(complete(client, headers, job_id), 400, "part 1, 3")
    for p in resumed["parts"]:  # sent again: a part replaces what was sent before
        put_part(p["url"], part_bytes(data, p["number"], PART))
    assert complete(client, headers, job_id).status_code == 200


def test_only_the_owner_sees_or_completes_an_upload(client, small_threshold):
    _, ann = signed_in(client)
    _, bob = signed_in(client, email="bob@example.org", name="Bob")
    job_id = ask(client, ann).json_body["job_id"]
    assert_error(parts_of(client, bob, job_id), 404, "no such upload")
    assert_error(complete(client, bob, job_id), 404, "no such upload")
    assert_error(parts_of(client, ann, "01J0000000000000000000000Z"), 404)
    assert client.http.get(f"/uploads/{job_id}/parts").status_code == 401
    assert post(client, f"/uploads/{job_id}/complete").status_code == 401
    assert parts_of(client, ann, job_id).status_code == 200


def test_deleting_the_job_drops_the_parts(client, small_threshold):
    user, headers = signed_in(client)
    data = book_bytes()
    r = ask(client, headers)
    job_id, mp = r.json_body["job_id"], r.json_body["upload"]["multipart"]
    put_part(mp["parts"][0]["url"], part_bytes(data, 1, PART))
    assert send(client, "DELETE", f"/jobs/{job_id}", headers=headers).status_code == 204
    listed = aws.s3().list_multipart_uploads(Bucket=settings.get().aws.bucket, Prefix=f"uploads/{user['id']}/")
    assert listed.get("Uploads", []) == []
    assert_error(parts_of(client, headers, job_id), 404)


def test_parts_dropped_by_the_lifecycle_rule_say_to_upload_again(client, small_threshold):
    _, headers = signed_in(client)
    r = ask(client, headers)
    job_id, mp = r.json_body["job_id"], r.json_body["upload"]["multipart"]
    key = urlsplit(mp["parts"][0]["url"]).path.split("/", 2)[2]
    aws.s3().abort_multipart_upload(Bucket=settings.get().aws.bucket, Key=key, UploadId=mp["upload_id"])
    assert_error(parts_of(client, headers, job_id), 409, "upload the file again")
    assert_error(complete(client, headers, job_id), 409, "upload the file again")


def test_a_multipart_upload_stays_uploading_past_the_posts_expiry(client, small_threshold, monkeypatch):
    """A book's upload may take hours or be resumed the next morning: while S3 keeps its parts
    (a day), its job is not failed as 'never arrived'; a presigned POST's job still is."""
    _, headers = signed_in(client)
    book = ask(client, headers).json_body["job_id"]
    photo = ask(client, headers, size=1000, content_type="image/jpeg", filename="a.jpg").json_body["job_id"]
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + 6 * 3600)
    assert client.http.get(f"/jobs/{photo}", headers=headers).json_body["status"] == "failed"
    assert client.http.get(f"/jobs/{book}", headers=headers).json_body["status"] == "uploading"
    monkeypatch.setattr(clock, "now", lambda: now + 2 * 86400)  # the lifecycle rule has dropped it
    assert client.http.get(f"/jobs/{book}", headers=headers).json_body["status"] == "failed"


def test_a_part_size_fits_s3s_rules():
    assert multipart.plan(100 * MB + 1) == (16 * MB, 7)
    assert multipart.plan(500 * MB) == (16 * MB, 32)
    assert multipart.plan(10 * MB) == (16 * MB, 1)
    big = 10_000 * 16 * MB + 1  # more than S3's 10,000 parts at 16 MB: the parts grow
    part, count = multipart.plan(big)
    assert count <= multipart.MAX_PARTS and part * count >= big


def test_a_part_size_below_s3s_least_is_raised_to_it(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_MULTIPART_PART_BYTES", "1000")
    assert multipart.plan(12 * MB) == (5 * MB, 3)
