"""Engine plugins: a name maps to "module:Class", imported only when chosen.

So the API function never loads an ML stack, and each engine is built once per process and
configuration (a warm Lambda reuses its loaded model). An engine class declares its tuning as
`Config` (a frozen dataclass) and `ENV_PREFIX`; without an explicit config, its fields are read
from the environment under that prefix (chalicelib.settings.load).

What stays built is bounded: every voice and reader is its own config, and a warm worker that
met many languages kept them all until it passed its memory mid-job. When the process's resident
memory would pass the engines' budget (`budget_bytes`: the worker's memory less
settings.worker.job_memory_mb, kept for a job's own work), the least recently asked-for engines
that no caller holds are dropped, and built again when asked for. Resident memory is measured,
not summed from estimates: engines that share parts (Kokoro's voices, one model) free only
what is theirs, and what an engine module shares (the functools caches of its own module, as
Kokoro's model) goes with the last of its engines.
"""
from __future__ import annotations

import collections
import ctypes
import dataclasses
import gc
import importlib
import os
import sys
import threading

from chalicelib import logs, settings
from chalicelib.errors import EngineUnavailable

log = logs.get("plugins")

_lock = threading.Lock()  # guards the tables below (never held while building or freeing)
_locks: dict[tuple, threading.Lock] = {}  # one build at a time per engine and config
_room = threading.Lock()  # one thread makes room at a time
_loaded: collections.OrderedDict[tuple, _Entry] = collections.OrderedDict()  # least recently asked first
# The resident bytes each key's last build added, oldest build first: room is made before a build.
_grown: dict[tuple, int] = {}
_building: collections.Counter[str] = collections.Counter()  # engine modules with a build under way


@dataclasses.dataclass
class _Entry:
    engine: object
    module: str  # its class's module


# The references to an engine that only the table holds, counted as _idle counts them: a
# caller still using one (a job's Voices, a page's Reader) holds one more.
_probe = _Entry(object(), "")
_HELD_BY_TABLE = sys.getrefcount(_probe.engine)
del _probe


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
    engine = _hit(key)
    if engine is None:
        return _build(key, cls, config)
    if rss_bytes() > budget_bytes() and _any_idle():  # grown since (first uses, a job's own memory)
        make_room()
    return engine


def _hit(key: tuple):
    """The built engine of `key`, now the most recently asked for; None when not built."""
    with _lock:
        entry = _loaded.get(key)
        if entry is None:
            return None
        _loaded.move_to_end(key)
        return entry.engine  # held by the caller before the lock is let go: never dropped in between


def _build(key: tuple, cls, config):
    # One build per engine and config even when two threads ask at once (parallel warm-up).
    with _lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        engine = _hit(key)  # built by the thread this one waited for
        if engine is not None:
            return engine
        module = cls.__module__
        with _lock:
            _building[module] += 1  # first: what its module's engines share is needed now
        try:
            make_room(_expected(key))
            before = rss_bytes()
            engine = cls() if config is None else cls(config)
            with _lock:
                _grown.pop(key, None)
                _grown[key] = max(0, rss_bytes() - before)
                _loaded[key] = _Entry(engine, module)
        finally:
            with _lock:
                _building[module] -= 1
    make_room()  # `engine` is held here, so it stays
    return engine


def _expected(key: tuple) -> int:
    """What building `key` will add: its last build's growth, else the latest build's of its
    class (a Kokoro voice after the first adds its style, not the model), else 0."""
    with _lock:
        if key in _grown:
            return _grown[key]
        return next((g for k, g in reversed(_grown.items()) if k[0] == key[0]), 0)


def loaded() -> list[tuple]:
    """The (target, config) of each engine built and kept, least recently asked for first."""
    with _lock:
        return list(_loaded)


def budget_bytes() -> int:
    """The resident memory this process may reach with its engines loaded: the worker's memory
    (Lambda's own variable in a Lambda, else settings.local.worker_memory_mb, which the local
    stack's worker processes are held to) less settings.worker.job_memory_mb."""
    s = settings.get()
    memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or s.local.worker_memory_mb)
    return max(0, memory_mb - s.worker.job_memory_mb) * 2**20


def rss_bytes() -> int:
    """This process's resident memory (0 where /proc is not: no bound there)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def make_room(need: int = 0) -> None:
    """Bring resident memory to the budget less `need` bytes if it is over: first by handing back
    what is freed already, then by dropping the least recently asked-for engines no one holds,
    measuring again after each batch, until it fits or nothing more can go."""
    budget = budget_bytes()
    if rss_bytes() + need <= budget:
        return
    with _room:
        _release()
        while (excess := rss_bytes() + need - budget) > 0:
            dropped = _drop_idle(excess)
            if not dropped:
                return  # what remains is in use, or not ours to drop
            _clear_shared({entry.module for entry in dropped})
            names = [type(entry.engine).__name__ for entry in dropped]
            dropped.clear()  # the last references: the engines go now
            _release()
            log.info("engines unloaded", extra={"engines": names, "rss_mb": rss_bytes() >> 20,
                                                 "budget_mb": budget >> 20, "need_mb": need >> 20})


def _idle(entry: _Entry) -> bool:
    return sys.getrefcount(entry.engine) <= _HELD_BY_TABLE


def _any_idle() -> bool:
    with _lock:
        return any(_idle(entry) for entry in _loaded.values())


def _drop_idle(excess: int) -> list[_Entry]:
    """Take out of the table, least recently asked for first, engines no caller holds until
    their builds' growth covers `excess` (at least one); the entries, for the caller to free
    outside the lock."""
    dropped, freed = [], 0
    with _lock:
        for key, entry in list(_loaded.items()):
            if freed >= excess:
                break
            if _idle(entry):
                del _loaded[key]
                dropped.append(entry)
                freed += _grown.get(key, 0)
    return dropped


def _clear_shared(modules: set[str]) -> None:
    """Clear the functools caches of each engine module none of whose engines is loaded or
    being built: what its engines shared (Kokoro's model) is freed with the last of them."""
    with _lock:  # held throughout: a build of the module starting now finds its caches empty
        gone = modules - {e.module for e in _loaded.values()} - {m for m, n in _building.items() if n}
        for name in gone:
            for value in list(getattr(sys.modules.get(name), "__dict__", {}).values()):
                if getattr(value, "__module__", None) == name and callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _release() -> None:
    """Free what is unreachable and hand the heap's free pages back to the system (glibc keeps
    them otherwise: dropping Piper and Whisper left the resident memory 180 MB higher)."""
    gc.collect()
    trim_heap()


_TRIM = None  # glibc's malloc_trim, looked up on first use (False: not glibc)


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; nothing elsewhere)."""
    global _TRIM
    if _TRIM is None:
        try:
            _TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


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
