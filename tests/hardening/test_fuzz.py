"""Fuzzing: the OpenAPI description is true to the routes, schemathesis finds no 5xx on the
running stack (a small budget of bench/fuzz.py), and raw JSON bodies that schemas never
generate (lone surrogates, odd numbers, deep nesting) are answered with a 4xx."""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from app import app
from bench.fuzz import fuzz
from chalicelib import kinds
from chalicelib.web import openapi
from tests.apiclient import PASSWORD, assert_error, post, signed_in
from tests.stackclient import login, register

pytest_plugins = ["tests.apifixtures"]


# --- The description ---

def test_the_description_is_valid_and_covers_every_route(client):
    r = client.http.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json_body
    validate(doc)
    described = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert described == {(m, p) for p, methods in app.routes.items() for m in methods}
    assert doc["servers"] == [{"url": "/"}]
    # Limits that are settings are read per request, like the routes read them; each kind's
    # types and size limit, and its result schema, come from its declaration (chalicelib.kinds).
    schemas = doc["components"]["schemas"]
    # The page kind: a photo up to 15 MB, a document (PDF, TIFF, DOCX, ...) up to a book's 500 MB.
    photos, documents = [rule for rule in schemas["UploadRequest"]["anyOf"]
                         if rule["properties"]["kind"] == {"enum": ["page", None]} and "url" not in rule["required"]]
    # ...and a link, read as a page or a recording (CONTRACTS section 18), names no file.
    links = [rule for rule in schemas["UploadRequest"]["anyOf"] if "url" in rule["required"]]
    assert [rule["properties"]["kind"] for rule in links] == [{"enum": ["page", None]}, {"const": "speech"}]
    assert all(rule["properties"]["size"] is False for rule in links)
    assert photos["properties"]["size"]["maximum"] == 15 * 1024 * 1024
    assert documents["properties"]["size"]["maximum"] == 500 * 1024 * 1024
    assert "image/jpeg" in photos["properties"]["content_type"]["enum"]
    assert {"application/pdf", "image/tiff"} <= set(documents["properties"]["content_type"]["enum"])
    assert sorted(photos["properties"]["content_type"]["enum"] + documents["properties"]["content_type"]["enum"]) \
        == sorted(kinds.get("page").content_types)
    assert schemas["PageResult"] == kinds.get("page").result_schema


def test_a_route_without_a_description_is_refused():
    with pytest.raises(ValueError, match="undescribed"):
        openapi.document({**app.routes, "/new": {"GET": object()}})


def test_the_server_url_follows_the_stage():
    class Request:
        context = {"path": "/api/openapi.json", "resourcePath": "/openapi.json"}

    assert openapi.server_url(Request()) == "/api"


# --- Raw JSON the schemas never generate ---

def test_lone_surrogates_are_a_400_not_a_500(client):
    """"\\ud800" is valid JSON but not encodable text: unchecked, it would reach DynamoDB and fail there."""
    _, headers = signed_in(client)
    bodies = {
        "/auth/register": b'{"name": "Ann\\ud800", "email": "x@example.org", "password": "p", '
                          b'"password_confirmation": "p"}',
        "/auth/login": b'{"email": "a\\udfff@example.org", "password": "x"}',
        "/uploads": b'{"filename": "a\\ud800.png", "content_type": "image/png", "size": 10}',
        "/api-keys": b'{"name": "k\\udc00"}',
    }
    for path, raw in bodies.items():
        assert_error(post(client, path, raw=raw, headers=headers), 400, "invalid character")


def test_nesting_just_under_the_parser_limit_is_a_400(client):
    deep = b'{"a": ' + b"[" * 990 + b"]" * 990 + b"}"
    assert_error(post(client, "/auth/login", raw=deep), 400)


def test_whole_numbers_written_as_floats_are_accepted(client):
    _, headers = signed_in(client)
    for size in ("2e3", "2000.0"):
        raw = b'{"filename": "a.png", "content_type": "image/png", "size": ' + size.encode() + b"}"
        assert post(client, "/uploads", raw=raw, headers=headers).status_code == 201
    for size in ("2000.5", "NaN", "Infinity", "1e400"):
        raw = b'{"filename": "a.png", "content_type": "image/png", "size": ' + size.encode() + b"}"
        assert_error(post(client, "/uploads", raw=raw, headers=headers), 400)


# Any JSON value; strings from any code point, lone surrogates often (schemathesis never sends them).
_LONE_SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
_TEXT = st.lists(st.characters(codec=None) | _LONE_SURROGATE, max_size=40).map("".join)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)
# A valid body per route; each example replaces one field, so the odd value gets past the
# checks of the others and as deep into the route as it can go.
VALID = {
    "/auth/register": {"name": "Ann", "email": "", "password": PASSWORD, "password_confirmation": PASSWORD},
    "/auth/login": {"email": "fuzz@example.org", "password": PASSWORD},
    "/uploads": {"filename": "a.png", "content_type": "image/png", "size": 10},
    "/api-keys": {"name": "key"},
    "/auth/password": {"current_password": "wrong", "new_password": PASSWORD[::-1],
                       "new_password_confirmation": PASSWORD[::-1]},
    "/auth/password-reset": {"email": "fuzz@example.org"},
    "/auth/password-reset/confirm": {"token": "t" * 43, "new_password": PASSWORD, "new_password_confirmation": PASSWORD},
    "/auth/verify-email": {"token": "t" * 43},
}


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(sorted(VALID)), data=st.data())
@pytest.mark.slow
def test_any_json_value_in_any_field_gets_a_4xx_or_success(fuzz_client, path, data):
    client, headers = fuzz_client
    body = {**VALID[path], "email": f"u{next(_emails)}@example.org"} if path == "/auth/register" else dict(VALID[path])
    body[data.draw(st.sampled_from(sorted(body)), label="field")] = data.draw(_TEXT | _JSON, label="value")
    body.update(data.draw(st.dictionaries(_TEXT, _JSON, max_size=2), label="extra"))
    raw = json.dumps(body).encode()  # ensure_ascii: surrogates travel as \u escapes
    r = post(client, path, raw=raw, headers=headers)
    assert r.status_code < 500, (path, raw[:300], r.body)


_emails = itertools.count()


@pytest.fixture(scope="module")
def fuzz_client(_moto_module):
    """One client and account for all the examples (a function-scoped fixture would be reset
    per test, not per example). The sign-up limit is lifted: examples register freely."""
    from chalice.test import Client

    mp = pytest.MonkeyPatch()
    mp.setenv("PAGEVOICE_ARGON2_MEMORY_KIB", "1024")
    mp.setenv("PAGEVOICE_ARGON2_TIME_COST", "1")
    mp.setenv("PAGEVOICE_REGISTER_LIMIT_PER_IP", "100000")
    mp.setenv("PAGEVOICE_UPLOAD_LIMIT_PER_USER", "100000")
    mp.setenv("PAGEVOICE_MAX_API_KEYS_PER_USER", "100000")
    from tests.apifixtures import ROOT

    with Client(app, stage_name="local", project_dir=str(ROOT)) as c:
        _, headers = signed_in(c, email=VALID["/auth/login"]["email"])
        yield c, headers
    mp.undo()


# --- Schemathesis against the running stack ---

def test_schemathesis_finds_no_5xx_on_the_stack(stack):
    """A small budget of bench/fuzz.py on the session's stack, with an account of its own: its
    per-account limits (exports an hour, uploads a minute) are not spent by the files before it
    in this worker. POST /auth/register is left out here: sign-ups are counted per address on the
    shared stack (the full `python -m bench.fuzz` run, on its own stack, covers it)."""
    key = _api_key(stack, register(stack, name="Fuzz"))
    report = fuzz(stack.api_url, key, max_examples=12, time_cap=90, exclude=("register",))
    print("\n" + report.summary())
    from chalicelib.web.openapi import OPERATIONS

    assert report.requests >= 150 and report.operations == len(OPERATIONS) - 1  # every one but register
    assert report.server_errors == []
    assert dict(report.failures) == {}


def _api_key(stack, email) -> str:
    import requests

    r = requests.post(f"{stack.api_url}/api-keys", json={"name": "fuzz"}, headers=login(stack, email), timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["key"]


def test_the_fuzzer_refuses_addresses_off_this_machine():
    with pytest.raises(SystemExit, match="loopback"):
        fuzz("http://10.0.0.8:8000", "key")
