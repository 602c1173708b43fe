"""The auth table's door (chalicelib.auth.table), against moto: a failed condition comes out as
the domain's ConditionFailed (naming a transaction's failed actions), never as botocore's error."""
from __future__ import annotations

import pytest

from chalicelib.auth import table
from chalicelib.errors import ConditionFailed

pytest_plugins = ["tests.apifixtures"]


def test_a_failed_condition_is_condition_failed_and_writes_nothing(api_env):
    table.put({"pk": "T#1", "n": 1})
    assert table.update("T#1", "SET n = :n", condition="n = :old", values={":n": 2, ":old": 1},
                        returns="ALL_NEW") == {"pk": "T#1", "n": 2}
    with pytest.raises(ConditionFailed):
        table.update("T#1", "SET n = :n", condition="n = :old", values={":n": 3, ":old": 1})
    assert table.get("T#1", consistent=True)["n"] == 2
    assert table.update("T#1", "SET n = :n", values={":n": 4}) == {}  # nothing asked back


def test_a_cancelled_transaction_names_the_actions_whose_condition_failed(api_env):
    table.put({"pk": "T#taken"})
    with pytest.raises(ConditionFailed) as raised:
        table.transact({"Put": {"Item": {"pk": "T#new"}, "ConditionExpression": "attribute_not_exists(pk)"}},
                       {"Put": {"Item": {"pk": "T#taken"}, "ConditionExpression": "attribute_not_exists(pk)"}})
    assert raised.value.failed == {1}
    assert table.get("T#new", consistent=True) is None  # all or nothing


def test_many_items_read_and_listed_by_the_sweep_index(api_env):
    for i in range(3):
        table.put({"pk": f"T#{i}", "sweep": "retain" if i else "erase"})
    assert sorted(i["pk"] for i in table.get_many(["T#0", "T#2", "T#9", "T#2"])) == ["T#0", "T#2"]
    assert table.get_many([]) == []
    assert sorted(i["pk"] for i in table.listed("sweep", "retain")) == ["T#1", "T#2"]
    table.delete("T#1")
    assert [i["pk"] for i in table.listed("sweep", "retain")] == ["T#2"]
