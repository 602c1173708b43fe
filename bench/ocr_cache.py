"""A disk cache of OCR readings for benchmarks that study what comes after OCR (bench/layout.py):
the structure of a scanned page can then be iterated on in seconds instead of minutes.

`install(directory, tree)` wraps the OCR entry point of the `chalicelib` imported from `tree`
(`ocr.get_reader`, or `ocr.get_engine` in revisions before the page's reader) so that each
reading is pickled under `directory`, keyed by the sha256 of the page image (its pixels and
shape), the engine's name and version, the language asked for, and a digest of the tree's OCR
source (chalicelib/engines/ocr): a revision whose OCR code differs reads afresh. Readings cut
short (a deadline) are not stored. The cache lives outside the repository (never committed).
"""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from types import SimpleNamespace

DEFAULT = Path.home() / ".cache" / "pagevoice-bench" / "ocr"


def source_digest(tree: Path) -> str:
    """sha256 over the tree's OCR package (file names and bytes)."""
    h = hashlib.sha256()
    for path in sorted((tree / "chalicelib" / "engines" / "ocr").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".onnx", ".json", ".txt"):
            h.update(path.relative_to(tree).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def key(image, name: str, version: str, language: str | None, digest: str) -> str:
    h = hashlib.sha256()
    h.update(repr((image.shape, str(image.dtype))).encode())
    h.update(image.tobytes())
    h.update(f"\0{name}\0{version}\0{language}\0{digest}".encode())
    return h.hexdigest()


class Cached:
    """An OCR engine or reader whose `read` comes from the cache when it can; everything else is
    the wrapped object's."""

    def __init__(self, inner, directory: Path, digest: str, stats: dict):
        self._inner, self._dir, self._digest, self._stats = inner, directory, digest, stats

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def read(self, image, *, deadline: float | None = None, language: str | None = None):
        path = self._dir / f"{key(image, self._inner.name, self._inner.version, language, self._digest)}.pickle"
        if path.exists():
            try:
                stored = pickle.loads(path.read_bytes())
                self._stats["hits"] += 1
                return _thaw(stored)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, OSError):  # stale or torn
                pass
        reading = self._inner.read(image, deadline=deadline, language=language)
        self._stats["misses"] += 1
        if getattr(reading, "complete", True):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(_freeze(reading), protocol=pickle.HIGHEST_PROTOCOL))
            tmp.replace(path)
        return reading


def _freeze(reading) -> dict:
    """The reading as plain data: its lines and attributes, its engine by name and version only
    (an engine holds model sessions that do not pickle)."""
    attrs = {k: v for k, v in getattr(reading, "__dict__", {}).items() if k != "engine"}
    engine = getattr(reading, "engine", None)
    return {"type": type(reading), "lines": list(reading), "attrs": attrs,
            "engine": None if engine is None else (engine.name, engine.version)}


def _thaw(stored: dict):
    if stored["type"] is list:
        return list(stored["lines"])
    reading = stored["type"].__new__(stored["type"])
    reading.extend(stored["lines"])
    reading.__dict__.update(stored["attrs"])
    engine = stored["engine"]
    reading.engine = None if engine is None else SimpleNamespace(name=engine[0], version=engine[1])
    return reading


def install(directory: Path, tree: Path) -> dict:
    """Wrap the OCR entry point of the imported `chalicelib.engines.ocr` (from `tree`); returns
    the live hit/miss counts."""
    from chalicelib.engines import ocr

    directory.mkdir(parents=True, exist_ok=True)
    digest = source_digest(tree)
    stats = {"hits": 0, "misses": 0}
    name = "get_reader" if hasattr(ocr, "get_reader") else "get_engine"
    original = getattr(ocr, name)

    def cached(*args, **kwargs):
        return Cached(original(*args, **kwargs), directory, digest, stats)

    setattr(ocr, name, cached)
    return stats
