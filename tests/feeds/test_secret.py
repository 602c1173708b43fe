"""The feed's switch (PATCH /me `feed`) and its secret: off by default, on, off, a new address
whose old one is a 404 at once, refusals, and the feed gone with the account (chalicelib.feeds.secret)."""
from __future__ import annotations

import re

import pytest

from chalicelib.auth import table
from chalicelib.feeds import paths, secret
from tests.apiclient import assert_error, send, signed_in

pytest_plugins = ["tests.apifixtures"]

FEED_URL = re.compile(r"^http://api\.test/feeds/([A-Za-z0-9_-]{43})\.xml$")
HOST = {"Host": "api.test"}  # what every real request names: the feed's address is absolute


def patch_me(client, headers, body):
    return send(client, "PATCH", "/me", body, {**headers, **HOST})


def feed_url(client, headers) -> str | None:
    return client.http.get("/me", headers={**headers, **HOST}).json_body["feed_url"]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_off_by_default_then_on_off_and_rotated(client):
    _, headers = signed_in(client)
    assert feed_url(client, headers) is None
    on = patch_me(client, headers, {"feed": True})
    assert on.status_code == 200, on.body
    url = on.json_body["feed_url"]
    assert FEED_URL.match(url), url
    assert feed_url(client, headers) == url
    assert client.http.get(path_of(url)).status_code == 200
    assert patch_me(client, headers, {"feed": True}).json_body["feed_url"] == url  # on already: the same address

    rotated = patch_me(client, headers, {"feed": "rotate"}).json_body["feed_url"]
    assert FEED_URL.match(rotated) and rotated != url
    assert_error(client.http.get(path_of(url)), 404)  # the old address, at once
    assert client.http.get(path_of(rotated)).status_code == 200

    assert patch_me(client, headers, {"feed": False}).json_body["feed_url"] is None
    assert feed_url(client, headers) is None
    assert_error(client.http.get(path_of(rotated)), 404)
    assert not [i for i in table._table().scan()["Items"] if i["pk"].startswith("FEED#")]
    # Turned on again: a new address, never the old one.
    again = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    assert again not in (url, rotated)


def test_login_says_the_address_too(client):
    from tests.apiclient import post

    _, headers = signed_in(client)
    url = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    r = client.http.post("/auth/login", headers={"Content-Type": "application/json", **HOST},
                         body=b'{"email": "ann@example.org", "password": "correct horse battery staple"}')
    assert r.json_body["user"]["feed_url"] == url
    assert post(client, "/auth/register", {"name": "Bob", "email": "bob@example.org", "password": "a long passphrase!",
                                           "password_confirmation": "a long passphrase!"}).json_body["user"][
        "feed_url"] is None


def test_other_fields_keep_the_feed_and_say_its_address(client):
    _, headers = signed_in(client)
    url = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    both = patch_me(client, headers, {"retention_days": 30, "voices": {}})
    assert both.json_body["feed_url"] == url and both.json_body["retention_days"] == 30
    assert patch_me(client, headers, {"feed": "rotate", "retention_days": None}).json_body["retention_days"] is None


@pytest.mark.parametrize("value", ["x", "ROTATE", 1, 0, None, [], {}, "true"])
def test_refusals(client, value):
    _, headers = signed_in(client)
    body = assert_error(patch_me(client, headers, {"feed": value}), 400, "must be true")
    assert body["field"] == "feed"
    assert feed_url(client, headers) is None


def test_an_api_key_cannot_switch_it(client):
    from tests.apiclient import post

    _, headers = signed_in(client)
    key = post(client, "/api-keys", {"name": "script"}, headers).json_body["key"]
    assert_error(patch_me(client, {"X-Api-Key": key}, {"feed": True}), 403)
    assert client.http.get("/me", headers={"X-Api-Key": key}).json_body["feed_url"] is None


def test_a_secret_is_looked_up_by_its_hash_alone(client):
    user, headers = signed_in(client)
    url = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    token = FEED_URL.match(url)[1]
    assert secret.owner(token) == user["id"]
    items = [i for i in table._table().scan()["Items"] if i["pk"].startswith("FEED#")]
    assert [i["pk"] for i in items] == [secret.key(token)] and token not in items[0]["pk"]
    assert secret.owner(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert secret.owner("../" + token[3:]) is None and not paths.is_secret(token + "=")


@pytest.mark.parametrize("name", ["x.xml", "", ".xml", "A" * 43, "A" * 43 + ".json", "%00.xml", "A" * 500 + ".xml"])
def test_addresses_that_are_no_feed_are_404(client, name):
    assert_error(client.http.get(f"/feeds/{name}" if name else "/feeds/x"), 404)


def test_the_feed_goes_with_the_account(client):
    _, headers = signed_in(client)
    url = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    assert send(client, "DELETE", "/me", {"password": "correct horse battery staple"}, headers).status_code == 204
    assert_error(client.http.get(path_of(url)), 404)
    assert not [i for i in table._table().scan()["Items"] if i["pk"].startswith("FEED#")]
