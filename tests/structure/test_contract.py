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


def test_documents_without_pages_are_listed_alike_by_kinds_openapi_and_the_result_schema(client):
    """Issue 39: GET /kinds and /openapi.json name the same document types (DOCX, ODT, EPUB,
    HTML, Markdown, text) and endings; the result schema takes `flow` with null sizes and boxes,
    and the result's own checks refuse null boxes on a result that is not `flow`."""
    from chalicelib.media.types import FLOW_TYPES

    listed = {k["name"]: k for k in client.http.get("/kinds").json_body["kinds"]}["page"]
    assert set(FLOW_TYPES) <= set(listed["content_types"])
    assert {".docx", ".odt", ".epub", ".html", ".htm", ".md", ".txt"} <= set(listed["extensions"])
    assert {"DOCX", "ODT", "EPUB", "HTML", "Markdown", "plain text"} <= set(listed["formats"])
    spec = client.http.get("/openapi.json").json_body
    rules = spec["components"]["schemas"]["UploadRequest"]["anyOf"]  # per kind (the page kind's: photos, documents)
    page_types = {t for r in rules if "page" in r["properties"]["kind"].get("enum", []) and "url" not in r["required"]
                  for t in r["properties"]["content_type"]["enum"]}  # (a link's rule names no type)
    assert set(FLOW_TYPES) <= page_types
    page = spec["components"]["schemas"][kinds.get("page").result_schema["title"]]
    assert page["properties"]["flow"]["const"] is True
    assert {"integer", "null"} == set(page["properties"]["width"]["type"])
    line = {"text": "a", "confidence": 1.0, "box": None, "words": [{"text": "a", "confidence": 1.0, "box": None}]}
    flow = {"schema": 1, "engine": "text", "flow": True, "width": None, "height": None, "text": "a", "lines": [line],
            "timings_ms": {}, "pages": [{"width": None, "height": None, "text": "a", "lines": [line], "source": "text",
                                         "image": None, "blocks": [{"role": "paragraph", "lines": [0], "spoken": True}]}]}
    check_text_result(flow)
    with pytest.raises(ValueError, match="null exactly when"):
        check_text_result({**flow, "flow": None})


def test_sentences_are_in_the_schema_the_docs_and_the_results_checks(client):
    """Issue 40: result.speech.sentences (CONTRACTS section 14) is in /openapi.json, docs/api.md
    says it, and a sentence that points at no word, or out of order, is refused."""
    from pathlib import Path

    spec = client.http.get("/openapi.json").json_body
    page = spec["components"]["schemas"][kinds.get("page").result_schema["title"]]
    item = page["properties"]["speech"]["properties"]["sentences"]["items"]
    assert set(item["required"]) == {"start", "end", "line", "word"} and "page" in item["properties"]
    assert "`speech.sentences`" in (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    ln = {"text": "a b", "confidence": 1.0, "box": [[0, 0], [9, 0], [9, 9], [0, 9]],
          "words": [{"text": w, "confidence": 1.0, "box": [[0, 0], [4, 0], [4, 9], [0, 9]]} for w in "ab"]}
    doc = {"schema": 1, "engine": "e", "width": 10, "height": 10, "text": "a b", "timings_ms": {}, "lines": [ln],
           "speech": {"sentences": [{"start": 0.1, "end": 0.4, "line": 0, "word": 0},
                                    {"start": 0.5, "end": 0.9, "line": 0, "word": 1}]}}
    check_text_result(doc)
    for bad in ({"start": 0.5, "end": 0.9, "line": 0, "word": 2}, {"start": 0.5, "end": 0.9, "line": 1, "word": 0},
                {"start": 0.0, "end": 0.3, "line": 0, "word": 1}, {"start": 0.9, "end": 0.5, "line": 0, "word": 1}):
        with pytest.raises(ValueError, match="sentence"):
            check_text_result({**doc, "speech": {"sentences": [doc["speech"]["sentences"][0], bad]}})
