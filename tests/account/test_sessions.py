"""Sessions the account holder ends: everywhere at once; and the account's list of them."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.auth import table
from tests.apiclient import assert_error, bearer, login, post, signed_in

pytest_plugins = ["tests.apifixtures"]


def test_sign_out_everywhere_ends_every_session_this_one_too(client):
    user, here = signed_in(client)
    others = [bearer(login(client)) for _ in range(3)]
    key = post(client, "/api-keys", {}, headers=here).json_body["key"]
    assert post(client, "/auth/logout-everywhere", headers=here).status_code == 204
    for headers in [here, *others]:
        assert_error(client.http.get("/me", headers=headers), 401)
    assert client.http.get("/me", headers={"X-Api-Key": key}).status_code == 200  # keys are revoked one by one
    assert not table.get(f"USER#{user['id']}").get("sessions")
    assert client.http.get("/me", headers=bearer(login(client))).status_code == 200


def test_logout_forgets_the_session_and_login_forgets_expired_ones(client, monkeypatch):
    user, here = signed_in(client)
    assert post(client, "/auth/logout", headers=here).status_code == 204
    assert not table.get(f"USER#{user['id']}").get("sessions")
    login(client)
    later = clock.now() + 8 * 24 * 3600  # past the session lifetime
    monkeypatch.setattr(clock, "now", lambda: later)
    login(client)
    assert len(table.get(f"USER#{user['id']}")["sessions"]) == 1
