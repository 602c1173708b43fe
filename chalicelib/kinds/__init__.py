"""The kinds of job (CONTRACTS section 6): one declaration each, in one registry.

Adding a kind: a package here whose `__init__` declares `KIND = Kind(...)` (content types,
limits, result schema, outputs) with no heavy imports, and whose `pipeline` module holds the
function from bytes to Outputs (the `runner`); then list it in `BUILT_IN`. A kind builds on
`base`, `common` and `voice` and on the layers below, never on another kind, so adding one
changes no other (tests/kinds/test_independence.py). The API, the worker, /openapi.json and the site all read this
registry. Extra kinds can be plugged in with PAGEVOICE_KIND_PLUGINS="module:ATTR" (the tests'
stub kind goes through the real stack that way).
"""
from __future__ import annotations

import importlib

from chalicelib import settings
from chalicelib.errors import InputError
from chalicelib.kinds import digits, page, speech
from chalicelib.kinds.base import RESULT, Kind, Outputs  # noqa: F401

DEFAULT = "page"
BUILT_IN: dict[str, Kind] = {k.name: k for k in (page.KIND, digits.KIND, speech.KIND)}


def _plugins() -> dict[str, Kind]:
    found = {}
    for target in filter(None, (t.strip() for t in settings.get().worker.kind_plugins.split(","))):
        module, _, attr = target.partition(":")
        kind = getattr(importlib.import_module(module), attr or "KIND")
        found[kind.name] = kind
    return found


def registry() -> dict[str, Kind]:
    return {**BUILT_IN, **_plugins()}


def get(name: str | None) -> Kind:
    """The kind called `name` (None: the default); a 400 naming the choices otherwise."""
    kinds = registry()
    kind = kinds.get(name or DEFAULT)
    if kind is None:
        raise InputError(f"'{name}' is not a kind of job. Choose one of: {', '.join(kinds)}.", field="kind")
    return kind


def of_result(doc: dict) -> Kind:
    """The kind a result.json belongs to (a result without `kind` is a page's)."""
    return get(doc.get("kind") or DEFAULT)
