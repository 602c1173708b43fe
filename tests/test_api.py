"""Every route of CONTRACTS section 3 through chalice.test.Client: shapes, error codes, CORS,
bad input never a 500, and no way into another user's jobs."""
from __future__ import annotations

import io
import json
import logging

import pytest
from chalice.config import Config
from chalice.local import LocalGateway

from app import app
from chalicelib import logs
from chalicelib.jobs import keys
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view
from tests.apiclient import JSON, PASSWORD, assert_error, bearer, post, signed_in

pytest_plugins = ["tests.apifixtures"]

ORIGIN = "http://127.0.0.1:8080"  # the local stage's PAGEVOICE_CORS_ORIGIN

AUTHENTICATED = [("POST", "/auth/logout"), ("GET", "/me"), ("POST", "/uploads"), ("GET", "/jobs"),
                 ("GET", "/jobs/01M800Z3DD9NDMHEDG9P9KD5XD"), ("DELETE", "/jobs/01M800Z3DD9NDMHEDG9P9KD5XD"),
                 ("POST", "/api-keys"), ("GET", "/api-keys"), ("DELETE", "/api-keys/0123456789ab")]
BODY_ROUTES = {"/auth/register": {"name": "Ann", "email": "ann@example.org", "password": PASSWORD,
                                  "password_confirmation": PASSWORD},
               "/auth/login": {"email": "ann@example.org", "password": PASSWORD},
               "/uploads": {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10}}


def upload(client, headers, name="a.jpg"):
    r = post(client, "/uploads", {"filename": name, "content_type": "image/jpeg", "size": 10}, headers=headers)
    assert r.status_code == 201, r.body
    return r.json_body["job_id"]


# --- The contract, route by route ---

def test_health(client):
    r = client.http.get("/health")
    assert r.status_code == 200 and r.json_body == {"status": "ok"}
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_contract_walkthrough(client):
    r = post(client, "/auth/register", BODY_ROUTES["/auth/register"])
    assert r.status_code == 201 and set(r.json_body["user"]) >= {"id", "name", "email"}
    assert "password_hash" not in r.json_body["user"]
    user = r.json_body["user"]
    r = post(client, "/auth/login", BODY_ROUTES["/auth/login"])
    assert r.status_code == 200 and r.json_body["user"] == user and isinstance(r.json_body["token"], str)
    headers = bearer(r.json_body["token"])
    me = client.http.get("/me", headers=headers).json_body
    assert me.pop("usage")["storage_bytes"] == 0 and me == user  # the account, and its usage (quotas)

    r = post(client, "/uploads", BODY_ROUTES["/uploads"], headers=headers)
    assert r.status_code == 201 and set(r.json_body) >= {"job_id", "upload"}
    assert set(r.json_body["upload"]) == {"url", "fields"}
    job_id = r.json_body["job_id"]

    r = client.http.get("/jobs", headers=headers)
    assert r.status_code == 200 and set(r.json_body) == {"jobs", "next"} and r.json_body["next"] is None
    assert set(r.json_body["jobs"][0]) >= {"job_id", "status", "filename", "created_at"}

    r = client.http.get(f"/jobs/{job_id}", headers=headers)
    assert r.status_code == 200
    assert set(r.json_body) >= {"job_id", "status", "filename", "created_at", "error", "result",
                                "audio_url", "image_url"}
    assert r.json_body["status"] in jobs.STATUSES

    r = client.http.delete(f"/jobs/{job_id}", headers=headers)
    assert r.status_code == 204 and r.body == b""
    assert_error(client.http.get(f"/jobs/{job_id}", headers=headers), 404)

    r = client.http.post("/auth/logout", headers=headers)
    assert r.status_code == 204
    assert_error(client.http.get("/me", headers=headers), 401)


def test_done_job_shows_result_and_urls(client):
    from chalicelib import aws, settings

    user, headers = signed_in(client)
    job_id = upload(client, headers)
    result = {"schema": 1, "engine": "rapidocr", "width": 2, "height": 2, "text": "HI", "lines": [],
              "timings_ms": {"ocr": 3}}
    bucket = settings.get().aws.bucket
    aws.s3().put_object(Bucket=bucket, Key=keys.result_key(user["id"], job_id), Body=json.dumps(result))
    jobs.claim(user["id"], job_id, 60)
    jobs.finish(user["id"], job_id, result_key=keys.result_key(user["id"], job_id),
                outputs={"speech.wav": keys.audio_key(user["id"], job_id)}, timings_ms={"ocr": 3}, summary={"lines": 0})
    body = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert body["status"] == "done" and body["result"] == result
    assert f"/{user['id']}/{job_id}/speech.wav" in body["audio_url"]
    assert f"/uploads/{user['id']}/{job_id}/source" in body["image_url"]


@pytest.mark.parametrize("pages", ["x", " 1-2", "-1-4", "1-2-3", "", "12345678-1", "1-"])
def test_a_bad_page_range_is_a_400_with_a_sentence(client, pages):
    _, headers = signed_in(client)
    job_id = upload(client, headers)
    r = client.http.get(f"/jobs/{job_id}?pages={pages}", headers=headers)
    assert r.status_code == 400 and "'pages' must be FROM-TO" in r.json_body["message"], r.json_body
    for fine in ("0-64", "5-5", "7-3", "5-9999999"):  # a range of none, or more than 64: the first 64
        assert client.http.get(f"/jobs/{job_id}?pages={fine}", headers=headers).status_code == 200


def test_a_page_range_gives_at_most_64_pages():
    from chalicelib.web.job_view import page_range

    assert page_range("5-9999999") == (5, 69) and page_range("7-3") == (7, 7) and page_range(None) is None


def test_failed_job_shows_its_error(client):
    user, headers = signed_in(client)
    job_id = upload(client, headers)
    jobs.fail(user["id"], job_id, "This file is not an image.")
    body = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert body["status"] == "failed" and body["error"] == "This file is not an image." and body["result"] is None
    listed = client.http.get("/jobs", headers=headers).json_body["jobs"][0]
    assert listed["status"] == "failed"


def test_jobs_pagination_through_the_route(client):
    _, headers = signed_in(client)
    made = [upload(client, headers, name=f"{i}.jpg") for i in range(5)]
    seen, path = [], "/jobs?limit=2"
    while True:
        body = client.http.get(path, headers=headers).json_body
        seen += [j["job_id"] for j in body["jobs"]]
        if not body["next"]:
            break
        path = f"/jobs?limit=2&next={body['next']}"
    assert seen == made[::-1]
    for bad in ("/jobs?limit=0", "/jobs?limit=101", "/jobs?limit=ten", "/jobs?next=garbage!"):
        assert_error(client.http.get(bad, headers=headers), 400)


@pytest.mark.parametrize("method,path", AUTHENTICATED)
def test_authenticated_routes_need_credentials(client, method, path):
    r = client.http.request(method, path, headers=JSON, body=b"{}")
    body = assert_error(r, 401)
    assert body["error"] == "unauthorized"


# --- Another user's jobs do not exist for you ---

def test_cross_user_job_access_is_404_like_a_missing_job(client):
    ann, ann_headers = signed_in(client)
    _, bob_headers = signed_in(client, email="bob@example.org", name="Bob")
    job_id = upload(client, ann_headers)
    missing = keys.new_job_id()
    assert client.http.get("/jobs", headers=bob_headers).json_body["jobs"] == []
    other = client.http.get(f"/jobs/{job_id}", headers=bob_headers)
    absent = client.http.get(f"/jobs/{missing}", headers=bob_headers)
    assert other.status_code == absent.status_code == 404 and other.json_body == absent.json_body
    assert_error(client.http.delete(f"/jobs/{job_id}", headers=bob_headers), 404)
    assert client.http.get(f"/jobs/{job_id}", headers=ann_headers).status_code == 200  # untouched
    assert_error(client.http.get("/jobs/not-a-job-id", headers=ann_headers), 404)


# --- Bad input is a 400 with a message, never a 500 ---

@pytest.mark.parametrize("path", list(BODY_ROUTES))
@pytest.mark.parametrize("raw,part", [
    (b"{not json", "not valid json"),
    (b'["a", "list"]', "json object"),
    (b'"a string"', "json object"),
    (b"null", "json object"),
    (b"", "json object"),
    (b"\xff\xfe\x00{", "utf-8"),
    (b"{}", "required"),
    (b"[" * 5000 + b"]" * 5000, "not valid json"),
    (b'{"size": NaN, "name": Infinity}', None),
    (b'{"size": ' + b"9" * 5000 + b"}", "not valid json"),
    (b'{"email": 1, "password": 2, "name": 3, "password_confirmation": 4, "filename": 5, '
     b'"content_type": 6, "size": "7"}', "must be"),
    (b'{"x": "' + b"a" * 20_000 + b'"}', "too large"),
])
def test_bad_bodies(client, path, raw, part):
    _, headers = signed_in(client)
    body = assert_error(post(client, path, raw=raw, headers=headers), 400, part)
    assert body["error"] == "bad_request"


def test_wrong_content_type_is_415_json(client):
    r = client.http.post("/auth/login", headers={"Content-Type": "text/plain"}, body=b"{}")
    body = assert_error(r, 415, "application/json")
    assert body["error"] == "unsupported_media_type"


def test_wrong_method_is_405_json(client):
    body = assert_error(client.http.request("PUT", "/jobs", headers=JSON, body=b"{}"), 405)
    assert body["error"] == "method_not_allowed"


def test_unknown_route_is_not_a_500(client):
    # Answered by API Gateway itself (403 "Missing Authentication Token"), before our code.
    r = client.http.get("/no/such/route")
    assert r.status_code == 403 and r.json_body["message"]


def test_unexpected_errors_are_json_500_without_details(client, monkeypatch):
    _, headers = signed_in(client)
    monkeypatch.setattr(job_view, "describe", lambda *a: 1 / 0)
    body = assert_error(client.http.get(f"/jobs/{keys.new_job_id()}", headers=headers), 500)
    assert body == {"error": "internal_error", "message": "Something went wrong on our side. Please try again."}


# --- CORS ---

def preflight(path, method):
    """API Gateway answers OPTIONS itself; chalice's test client cannot read that bodiless
    answer, so ask the local gateway directly."""
    gateway = LocalGateway(app, Config.create())
    return gateway.handle_request("OPTIONS", path, {"origin": ORIGIN, "access-control-request-method": method},
                                  None)


@pytest.mark.parametrize("path", sorted({p for _, p in AUTHENTICATED} | set(BODY_ROUTES) | {"/health"}))
def test_preflight_for_every_route(client, monkeypatch, path):
    monkeypatch.setenv("PAGEVOICE_CORS_ORIGIN", "https://pagevoice.example")
    methods = {m for m, p in AUTHENTICATED if p == path} | ({"POST"} if path in BODY_ROUTES else set()) or {"GET"}
    response = preflight(path, sorted(methods)[0])
    headers = response["headers"]
    assert response["statusCode"] == 200
    assert headers["Access-Control-Allow-Origin"] == "https://pagevoice.example"  # read at request time
    assert methods <= set(headers["Access-Control-Allow-Methods"].split(","))
    assert {"Authorization", "Content-Type", "X-Api-Key"} <= set(headers["Access-Control-Allow-Headers"].split(","))


def test_cors_on_success_and_error_follows_settings(client, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_CORS_ORIGIN", "https://pagevoice.example")
    for r in (client.http.get("/health"), client.http.get("/me"),
              post(client, "/auth/login", raw=b"[1]"),
              client.http.post("/auth/login", headers={"Content-Type": "text/plain"}, body=b"x")):
        assert r.headers["Access-Control-Allow-Origin"] == "https://pagevoice.example", r.status_code
        assert "Retry-After" in r.headers["Access-Control-Expose-Headers"]


# --- Request ids ---

def test_every_response_and_log_line_has_a_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("pagevoice")
    logger.addHandler(handler)
    try:
        r = client.http.get("/health")
        assert_error(client.http.get("/me"), 401)
    finally:
        logger.removeHandler(handler)
    request_id = r.headers["X-Request-Id"]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line.get("request_id") for line in lines)
    assert request_id in {line["request_id"] for line in lines}


def test_request_id_comes_from_api_gateway_when_present():
    from chalice import Response

    from chalicelib.web import edge as api

    class Request:
        context = {"requestId": "gw-123", "identity": {"sourceIp": "203.0.113.9"}}
        method, path = "GET", "/health"

    response = api.middleware(Request(), lambda request: Response(body={"status": "ok"}))
    assert response.headers["X-Request-Id"] == "gw-123"
    assert api.client_ip(Request()) == "203.0.113.9"



def test_answers_are_never_cached_or_sniffed(client):
    """The login answer carries the token, others presigned URLs and people's text."""
    user, headers = signed_in(client)
    for r in (post(client, "/auth/login", {"email": user["email"], "password": PASSWORD}),
              client.http.get("/health"), client.http.get("/me", headers=headers), client.http.get("/me")):
        assert r.headers["Cache-Control"] == "no-store", r.headers
        assert r.headers["X-Content-Type-Options"] == "nosniff"
