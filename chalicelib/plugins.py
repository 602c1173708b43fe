"""Engine plugins: a name maps to "module:Class", imported only when chosen.

So the API function never loads an ML stack, and each engine is built once per
process (a warm Lambda reuses its loaded model).
"""
from __future__ import annotations

import functools
import importlib
import threading

from chalicelib.errors import EngineUnavailable


_lock = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def load(kind: str, name: str, target: str):
    # One build per engine even when two threads ask at once (warm-up loads engines in parallel).
    with _lock:
        lock = _locks.setdefault(target, threading.Lock())
    with lock:
        return _build(kind, name, target)


@functools.lru_cache(maxsize=None)
def _build(kind: str, name: str, target: str):
    module, cls = target.split(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise EngineUnavailable(
            f"The {kind} engine '{name}' is not installed here (missing {exc.name or exc}). "
            "See the README for how to install it.") from exc
    return getattr(mod, cls)()


def choose(kind: str, registry: dict[str, str], name: str):
    if name not in registry:
        raise EngineUnavailable(f"Unknown {kind} engine '{name}'. Choose one of: {', '.join(registry)}.")
    return load(kind, name, registry[name])


def dist_version(name: str) -> str:
    """An installed package's version, for the `engine_version` of results."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
