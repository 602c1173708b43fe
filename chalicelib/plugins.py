"""Engine plugins: a name maps to "module:Class", imported only when chosen.

So the API function never loads an ML stack, and each engine is built once per process and
configuration (a warm Lambda reuses its loaded model). An engine class declares its tuning as
`Config` (a frozen dataclass) and `ENV_PREFIX`; without an explicit config, its fields are read
from the environment under that prefix (chalicelib.settings.load).
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import threading

from chalicelib import settings
from chalicelib.errors import EngineUnavailable

_lock = threading.Lock()
_locks: dict[tuple, threading.Lock] = {}


def engine_class(task: str, name: str, target: str):
    module, cls = target.split(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise EngineUnavailable(
            f"The {task} engine '{name}' is not installed here (missing {exc.name or exc}). "
            "See docs/engines.md for how to install it.") from exc
    return getattr(mod, cls)


def default_config(cls):
    """The engine's Config as the environment sets it (None for an engine without one)."""
    config_cls = getattr(cls, "Config", None)
    if config_cls is None:
        return None
    return settings.load(config_cls, getattr(cls, "ENV_PREFIX", settings.PREFIX))


def load(task: str, name: str, target: str, config=None):
    cls = engine_class(task, name, target)
    if config is None:
        config = default_config(cls)
    key = (target, config)
    # One build per engine and config even when two threads ask at once (parallel warm-up).
    with _lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        return _build(cls, config)


@functools.cache
def _build(cls, config):
    return cls() if config is None else cls(config)


def choose(task: str, registry: dict[str, str], name: str, config=None):
    if name not in registry:
        raise EngineUnavailable(f"Unknown {task} engine '{name}'. Choose one of: {', '.join(registry)}.")
    return load(task, name, registry[name], config)


def with_settings(task: str, registry: dict[str, str], name: str, **changes):
    """The named engine with some fields of its Config (as the environment sets it) changed,
    e.g. a voice or the languages a reader reads; fields its Config lacks are left out."""
    if name not in registry:
        return choose(task, registry, name)  # the error naming the choices
    config = default_config(engine_class(task, name, registry[name]))
    if config is not None:
        names = {f.name for f in dataclasses.fields(config)}
        config = dataclasses.replace(config, **{k: v for k, v in changes.items() if k in names})
    return load(task, name, registry[name], config)


def getter(task: str, registry: dict[str, str]):
    """`get_engine(name, config=None)` for one task's registry: the named engine, built once per
    process and config (`config`: its Config; None: read from the environment)."""
    def get_engine(name: str, config=None):
        return choose(task, registry, name, config)
    get_engine.__doc__ = f"The named {task} engine ({', '.join(registry)}), built once per process and config."
    return get_engine


def dist_version(name: str) -> str:
    """An installed package's version, for the `engine_version` of results."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
