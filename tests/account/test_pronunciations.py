"""The account's pronunciations (CONTRACTS section 14): GET/PUT /me/lexicon with a signed-in session
only, bounded and checked with a sentence naming the entry at fault, in the account's export, gone
with the account."""
from __future__ import annotations

import json

import pytest

from chalicelib.auth import pronunciations
from chalicelib.auth import table as auth_table
from chalicelib.kinds.pronunciation import LIMITS
from tests.account.test_export import zip_of
from tests.apiclient import JSON, PASSWORD, assert_error, post, send, signed_in

pytest_plugins = ["tests.apifixtures"]

DR = {"written": "Dr.", "spoken": "doctor", "whole_word": True, "match_case": False}


def put(client, headers, body=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return client.http.put("/me/lexicon", headers={**JSON, **headers}, body=data)


def test_an_account_starts_with_none_and_a_put_replaces_the_list(client):
    user, headers = signed_in(client)
    r = client.http.get("/me/lexicon", headers=headers)
    assert r.status_code == 200 and r.json_body == {"entries": [], "limits": LIMITS}
    who = {"written": "WHO", "spoken": "World Health Organization", "match_case": True}
    r = put(client, headers, {"entries": [DR, who], "limits": {"entries": 1}})  # limits are ignored
    assert r.status_code == 200
    stored = [DR, {**who, "whole_word": True}]  # a flag left out takes its default
    assert r.json_body == {"entries": stored, "limits": LIMITS}
    assert client.http.get("/me/lexicon", headers=headers).json_body["entries"] == stored
    assert put(client, headers, {"entries": [{**DR, "spoken": "  Doctor  "}]}).json_body["entries"] == \
        [{**DR, "spoken": "Doctor"}]  # replaced, not added to; trimmed
    assert pronunciations.get(user["id"]) == [{**DR, "spoken": "Doctor"}]
    assert put(client, headers, {"entries": []}).json_body["entries"] == []
    assert auth_table.get(pronunciations.key(user["id"])) is None  # nothing kept for an empty list


def test_only_a_session_may_read_or_change_them(client):
    _, headers = signed_in(client)
    key = {"X-Api-Key": post(client, "/api-keys", {}, headers=headers).json_body["key"]}
    assert_error(client.http.get("/me/lexicon", headers=key), 403)
    assert_error(put(client, key, {"entries": [DR]}), 403)
    assert_error(client.http.get("/me/lexicon"), 401)
    assert_error(put(client, {}, {"entries": [DR]}), 401)
    assert client.http.get("/me/lexicon", headers=headers).json_body["entries"] == []


def test_each_account_has_its_own(client):
    _, ann = signed_in(client)
    _, bob = signed_in(client, email="bob@example.org", name="Bob")
    put(client, ann, {"entries": [DR]})
    assert client.http.get("/me/lexicon", headers=bob).json_body["entries"] == []


def _many(n, **change):
    return [{"written": f"w{i}", "spoken": f"s{i}", **change} for i in range(n)]


@pytest.mark.parametrize("body,part", [
    ({}, "'entries' is required"),
    ({"entries": "Dr.=doctor"}, "must be a list"),
    ({"entries": {"Dr.": "doctor"}}, "must be a list"),
    ({"entries": _many(LIMITS["entries"] + 1)}, f"at most {LIMITS['entries']}"),
    ({"entries": [DR, "Dr. doctor"]}, "entry 2 must be an object"),
    ({"entries": [{"spoken": "doctor"}]}, "entry 1: 'written' must be text"),
    ({"entries": [{"written": "   ", "spoken": "doctor"}]}, "entry 1: 'written' is empty"),
    ({"entries": [DR, {"written": "Mr.", "spoken": ""}]}, "entry 2: 'spoken' is empty"),
    ({"entries": [{"written": "x" * (LIMITS["written"] + 1), "spoken": "y"}]}, f"longer than {LIMITS['written']}"),
    ({"entries": [{"written": "x", "spoken": "y" * (LIMITS["spoken"] + 1)}]}, f"longer than {LIMITS['spoken']}"),
    ({"entries": [{**DR, "whole_word": "yes"}]}, "'whole_word' must be true or false"),
    ({"entries": [{**DR, "match_case": 1}]}, "'match_case' must be true or false"),
    ({"entries": [DR, {**DR, "spoken": "drive"}]}, "entries 1 and 2 both"),
    ({"entries": [DR, {"written": "DR.", "spoken": "drive"}]}, "entries 1 and 2 both"),  # DR. ignores case
    ({"entries": [{"written": "a\u0007b", "spoken": "x"}]}, "control characters"),
])
def test_bad_lists_are_400s_naming_the_entry(client, body, part):
    _, headers = signed_in(client)
    put(client, headers, {"entries": [DR]})
    assert_error(put(client, headers, body), 400, part)
    assert client.http.get("/me/lexicon", headers=headers).json_body["entries"] == [DR]  # unchanged


@pytest.mark.parametrize("raw", [b"", b"[]", b"{not json", b'{"entries": NaN}'])
def test_bad_bodies_are_400s(client, raw):
    _, headers = signed_in(client)
    assert_error(put(client, headers, raw=raw), 400)


def test_the_same_form_in_two_cases_is_two_entries_when_both_match_case(client):
    _, headers = signed_in(client)
    us = [{"written": "US", "spoken": "United States", "match_case": True},
          {"written": "us", "spoken": "us", "match_case": True}]
    assert put(client, headers, {"entries": us}).status_code == 200


def test_a_full_list_fits_though_it_is_larger_than_other_bodies(client):
    _, headers = signed_in(client)
    full = [{"written": f"{i:03d}" + "w" * (LIMITS["written"] - 3), "spoken": "s" * LIMITS["spoken"]}
            for i in range(LIMITS["entries"])]
    r = put(client, headers, {"entries": full})
    assert r.status_code == 200, r.json_body
    assert len(client.http.get("/me/lexicon", headers=headers).json_body["entries"]) == LIMITS["entries"]
    # Only very long entries in scripts of several bytes a character pass what one item can hold.
    wide = [{**e, "written": f"{i:03d}" + "\U0001F600" * 97, "spoken": "\U0001F600" * 200} for i, e in enumerate(full)]
    assert_error(put(client, headers, {"entries": wide}), 400, "KB")
    assert_error(put(client, headers, raw=b'{"entries": [], "x": "' + b"a" * (2 << 20) + b'"}'), 400, "too large")


def test_the_export_holds_them_and_deleting_the_account_removes_them(client, queue):
    user, headers = signed_in(client)
    put(client, headers, {"entries": [DR]})
    queue.queued()
    post(client, "/me/export", headers=headers)
    assert queue.run() == ["export"]
    z = zip_of(client.http.get("/me/export", headers=headers).json_body)
    assert json.loads(z.read("pronunciations.json")) == {"entries": [DR]}
    assert "pronunciations.json" in z.read("README.txt").decode()
    assert send(client, "DELETE", "/me", {"password": PASSWORD}, headers).status_code == 204
    assert auth_table.get(pronunciations.key(user["id"])) is None  # at once, with the account's own items


def test_the_routes_are_described(client):
    spec = client.http.get("/openapi.json").json_body
    assert spec["paths"]["/me/lexicon"]["get"]["security"] == [{"bearer": []}]
    assert set(spec["paths"]["/me/lexicon"]["put"]["responses"]) >= {"200", "400", "401", "403"}
    entry = spec["components"]["schemas"]["PronunciationEntry"]
    assert entry["properties"]["written"]["maxLength"] == LIMITS["written"]
    assert spec["components"]["schemas"]["LexiconRequest"]["properties"]["entries"]["maxItems"] == LIMITS["entries"]
