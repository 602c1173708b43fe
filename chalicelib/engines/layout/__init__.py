"""Page layout detectors as plugins behind one protocol (`base.LayoutEngine`): regions of a
page image (headings, text, tables, ...) that the structure's rules weigh beside their own
measurements (chalicelib.structure.regions)."""
from __future__ import annotations

from chalicelib import plugins
from chalicelib.engines.layout.base import LayoutEngine, Region  # noqa: F401

ENGINES = {
    "doclaynet": "chalicelib.engines.layout.doclaynet:DocLayNetEngine",
}


get_engine = plugins.getter("layout", ENGINES)


def chosen(name: str) -> str | None:
    """The engine settings.worker.layout_engine names; None when it turns detection off ("none")."""
    return None if name.strip().lower() in ("", "none") else name
