"""CONTRACTS section 13 as the API publishes it: /openapi.json, GET /kinds and the result's
own checks say the same roles, the same `skip` and the same fields; an old result (no
`blocks`) is still a valid page result."""
from __future__ import annotations

import pytest

from chalicelib import kinds, structure
from chalicelib.kinds.common import check_text_result

pytest_plugins = ["tests.apifixtures"]


def test_openapi_and_kinds_say_the_roles_and_the_default_skip(client):
    spec = client.http.get("/openapi.json").json_body
    schemas = spec["components"]["schemas"]
    skip = schemas["UploadRequest"]["properties"]["skip"]["anyOf"]
    assert skip == [{"type": "array", "items": {"enum": list(structure.ROLES)}, "description": skip[0]["description"]},
                    {"type": "null"}]
    page = schemas[kinds.get("page").result_schema["title"]]
    block = page["properties"]["blocks"]["items"]
    assert block["properties"]["role"]["enum"] == list(structure.ROLES)
    assert {"skip", "skipped", "chapters"} <= set(page["properties"])
    assert "blocks" in page["properties"]["pages"]["items"]["properties"]
    listed = {k["name"]: k for k in client.http.get("/kinds").json_body["kinds"]}
    assert listed["page"]["options"]["skip"]["default"] == list(structure.DEFAULT_SKIP)
    assert listed["page"]["options"]["skip"]["roles"] == list(structure.ROLES)
    assert "chapters.vtt" in listed["page"]["outputs"]
    assert listed["digits"]["options"] == {} and listed["speech"]["options"] == {}


def test_an_old_result_without_blocks_is_still_a_page_result():
    old = {"schema": 1, "engine": "rapidocr", "width": 10, "height": 10, "text": "a b", "timings_ms": {},
           "lines": [{"text": "a b", "confidence": 1.0, "box": [[0, 0], [9, 0], [9, 9], [0, 9]],
                      "words": [{"text": "a", "confidence": 1.0, "box": [[0, 0], [4, 0], [4, 9], [0, 9]]},
                                {"text": "b", "confidence": 1.0, "box": [[5, 0], [9, 0], [9, 9], [5, 9]]}]}]}
    check_text_result(old)
    with pytest.raises(ValueError, match="exactly one block"):
        check_text_result({**old, "blocks": [{"role": "paragraph", "lines": [], "spoken": True}]})
