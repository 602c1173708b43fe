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
