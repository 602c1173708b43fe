"""Each deployed function is told the name of every table its role lets it reach: a function
that falls back on a default table name works in the dev stage and reaches the wrong table (or
none) under another `ResourcePrefix`."""
from __future__ import annotations

import json

from infra import template as template_module


def _role_of(function: dict, resources: dict) -> dict | None:
    role = function["Properties"].get("Role")
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        return resources[role["Fn::GetAtt"][0]]
    return None


def _reached(role: dict, logical: str) -> bool:
    text = json.dumps(role["Properties"].get("Policies", []))
    return json.dumps({"Fn::GetAtt": [logical, "Arn"]}) in text or f"${{{logical}.Arn}}" in text


def _named(function: dict, logical: str) -> bool:
    variables = function["Properties"].get("Environment", {}).get("Variables", {})
    return json.dumps({"Ref": logical}) in json.dumps(variables)


def test_every_table_a_functions_role_reaches_is_in_its_environment(template):
    resources = template["Resources"]
    checked = []
    for name, res in resources.items():
        if res["Type"] not in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            continue
        role = _role_of(res, resources)
        if role is None:
            continue
        for table in template_module.table_logical_ids():
            if _reached(role, table):
                checked.append((name, table))
                assert _named(res, table), f"{name}'s role reaches {table}, its environment does not name it"
    # The reader sees the known cases (the sweep reaches the auth table for retention and erasure).
    assert ("Sweep", "AuthTable") in checked and ("Worker", "JobsTable") in checked, checked
