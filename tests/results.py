"""Checking results against their kind's declaration: the JSON Schema /openapi.json publishes
(one source) and the invariants the schema cannot state."""
from __future__ import annotations

import jsonschema

from chalicelib import kinds


def validate_result(doc: dict) -> None:
    """Raise ValueError unless `doc` is a valid result of its kind."""
    kind = kinds.of_result(doc)
    try:
        jsonschema.validate(doc, kind.result_schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise ValueError(f"{kind.name} result, at {where}: {exc.message}") from None
    if kind.checks is not None:
        kind.checks(doc)
