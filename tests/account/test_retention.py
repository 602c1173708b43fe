"""Delete my files after N days: set on the account (auth.users), enforced by the sweep (jobs.sweep)."""
from __future__ import annotations

import pytest

from chalicelib import clock
from chalicelib.jobs import keys, sweep
from tests.account.conftest import finished_job
from tests.apiclient import assert_error, send, signed_in

pytest_plugins = ["tests.apifixtures"]


def patch_me(client, headers, body):
    return send(client, "PATCH", "/me", body, headers)


def test_retention_is_off_by_default_and_set_or_cleared(client):
    _, headers = signed_in(client)
    assert client.http.get("/me", headers=headers).json_body["retention_days"] is None
    assert patch_me(client, headers, {"retention_days": 30}).json_body["retention_days"] == 30
    assert client.http.get("/me", headers=headers).json_body["retention_days"] == 30
    assert patch_me(client, headers, {"retention_days": None}).json_body["retention_days"] is None


@pytest.mark.parametrize("body", [{}, {"retention_days": 0}, {"retention_days": 3651}, {"retention_days": "7"},
                                  {"retention_days": True}, {"retention_days": 1.5}])
def test_retention_refusals(client, body):
    _, headers = signed_in(client)
    assert assert_error(patch_me(client, headers, body), 400)["field"] == "retention_days"


def test_the_sweep_deletes_jobs_older_than_the_chosen_days_only(client, stub_kind, monkeypatch):
    _, headers = signed_in(client)
    _, other = signed_in(client, email="bob@example.org", name="Bob")
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now - 3 * 86400)
    monkeypatch.setattr(keys, "_last_ulid", [0, 0])  # ids sort by time: made 3 days ago, as then
    old, others_old = finished_job(client, headers, "OLD"), finished_job(client, other, "KEPT")
    monkeypatch.setattr(clock, "now", lambda: now)
    new = finished_job(client, headers, "NEW")
    patch_me(client, headers, {"retention_days": 2})
    assert sweep.run(lambda event: None)["expired"] == 1
    listed = [j["job_id"] for j in client.http.get("/jobs", headers=headers).json_body["jobs"]]
    assert listed == [new] and old not in listed
    assert [j["job_id"] for j in client.http.get("/jobs", headers=other).json_body["jobs"]] == [others_old]
    patch_me(client, headers, {"retention_days": None})
    monkeypatch.setattr(clock, "now", lambda: now + 10 * 86400)
    assert sweep.run(lambda event: None)["expired"] == 0
