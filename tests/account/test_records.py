"""The account's records (chalicelib.account.records): an export's item is moved only while it is
still that export, against moto."""
from __future__ import annotations

from chalicelib.account import records

pytest_plugins = ["tests.apifixtures"]


def test_an_export_replaced_meanwhile_is_not_moved(api_env):
    assert records.export("u1") is None
    assert not records.update_export("u1", "e1", status="building")  # none yet: nothing written
    assert records.export("u1") is None
    records.put_export({"user_id": "u1", "export_id": "e1", "status": "queued", "done": 0})
    assert records.update_export("u1", "e1", status="building", done=3)
    item = records.export("u1")
    assert (item["pk"], item["status"], item["done"]) == ("EXPORT#u1", "building", 3) and item["updated"] > 0
    records.put_export({"user_id": "u1", "export_id": "e2", "status": "queued", "done": 0})
    assert not records.update_export("u1", "e1", status="ready")
    assert records.export("u1")["status"] == "queued"
