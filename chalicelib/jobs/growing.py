"""The growing result: how a job's result is stored as an index and parts while it runs. No I/O
(jobs.objects reads and writes its files; the worker drives it), so it is tested on its own.

A result grows as it is published (a document's pages, the recording's parts and their word
timings), but a kind publishes the whole result dict each time. Writing it whole each time
would write O(n^2) bytes (a 50-page document: hundreds of MB), so while the job runs the
result is stored as a small index plus parts (`Growing`): the lists and long strings of the
result (at its top level and one level down: `pages`, `text`, `speech.words`, ...) grow by
appending, and only what was appended since the last publish is written. New items wait in
the index (its `tail`) until they make a part of at least PART_MIN_BYTES, so a photo's result
is one small index and a dense page is one part. Once the job is done its result.json is
written whole (CONTRACTS section 1) and the index and parts are removed.

Index (INDEX, JSON):
    {"format": 1, "result": {...the result, each grown value null...},
     "parts": [{"path": ["speech", "words"], "type": "list" | "text",
                "files": [{"name": "result-speech-words-0003.json", "count": 41, "bytes": 3120}],
                "tail": [...items (or the text) not yet in a file...]}],
     "bytes": size of the index and its files, "next": the next file's number}
A grown value is its files' contents (JSON lists, or JSON strings) joined in order, then its
tail. The site assembles it the same way (static_site/js/api.js) reading only new files.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

INDEX = "result-index.json"
PART = "result-{path}-{seq:04d}.json"
PART_MIN_BYTES = 8 * 1024  # new items stay in the index's tail until they make this much
TEXT_MIN_CHARS = 2048  # a shorter string stays in the result's head
FORMAT = 1
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def is_index(key: str | None) -> bool:
    return bool(key) and key.rsplit("/", 1)[-1] == INDEX


class ResultTooLarge(Exception):
    """Publishing this result would take it past the size cap (settings.limits.max_result_bytes)."""


@dataclass
class _Path:
    kind: str  # "list" or "text"
    files: list[dict] = field(default_factory=list)  # {"name", "count", "bytes"}
    written: list | str = ""  # what the files and the tail hold: a copy of the list, or the text
    tail_from: int = 0  # where the tail starts in `written`
    tail_bytes: int = 0

    def __post_init__(self):
        if self.kind == "list" and self.written == "":
            self.written = []


@dataclass
class Change:
    """What one publish writes: new part files (name -> bytes), the index, and the files it
    no longer needs (a value that did not grow by appending is written again)."""
    files: dict[str, bytes]
    index: bytes
    dropped: list[str]
    state: dict
    head: dict
    seq: int


class Growing:
    """What of a job's result is written as parts, and what to write next (see the module)."""

    def __init__(self, seq: int = 0, stale: list[str] | None = None):
        self.paths: dict[tuple, _Path] = {}
        self.head: dict | None = None  # the last published result, each grown value None
        self.seq = seq
        self.stale = list(stale or [])  # files of an earlier attempt that this one does not use

    @classmethod
    def resumed(cls, index: dict, result: dict) -> Growing:
        """The state an earlier invocation left (its index), with `result` its assembled result:
        the very lists handed on to the kind, so what the kind appends to them is what is new."""
        growing = cls(seq=int(index.get("next", 0)))
        growing.head = index["result"]
        for part in index["parts"]:
            path = tuple(part["path"])
            value = _get(result, path)
            written = list(value) if part["type"] == "list" else value
            tail = part["tail"]
            growing.paths[path] = _Path(part["type"], [dict(f) for f in part["files"]], written,
                                        len(written) - len(tail), len(encode(tail)) if tail else 0)
        return growing

    @classmethod
    def after(cls, index: dict | None) -> Growing:
        """A fresh start that does not reuse an earlier attempt's files (removed at the end)."""
        if not index:
            return cls()
        return cls(seq=int(index.get("next", 0)), stale=part_names(index))

    def diff(self, result: dict, max_bytes: int | None = None) -> Change:
        """What publishing `result` writes. Raises ResultTooLarge when the stored result would
        pass `max_bytes`; nothing is changed until `commit`."""
        head = _head_copy(result)
        state, files, dropped, seq = {}, {}, [], self.seq
        for path, value in _grown(result, self.paths):
            _set(head, path, None)
            old = self.paths.get(path)
            kind = "list" if isinstance(value, list) else "text"
            if old is not None and old.kind == kind and _appended(old.written, value):
                new = _Path(kind, list(old.files), old.written, old.tail_from, old.tail_bytes)
                added = value[len(old.written):]
            else:  # new, or changed otherwise than by appending: written again whole
                dropped += [f["name"] for f in old.files] if old else []
                new, added = _Path(kind), value
            if added:
                new.written = list(value) if kind == "list" else value
                new.tail_bytes += len(encode(added))
            if new.tail_bytes >= PART_MIN_BYTES:
                tail = new.written[new.tail_from:]
                name = PART.format(path="-".join(path), seq=seq)
                seq += 1
                files[name] = encode(tail)
                new.files.append({"name": name, "bytes": len(files[name]),
                                  **({"count": len(tail)} if kind == "list" else {})})
                new.tail_from, new.tail_bytes = len(new.written), 0
            state[path] = new
        dropped += [f["name"] for p, old in self.paths.items() if p not in state for f in old.files]
        body = {"format": FORMAT, "result": head, "parts": [_describe(p, s) for p, s in state.items()], "next": seq}
        stored = sum(f["bytes"] for s in state.values() for f in s.files)
        index = encode({**body, "bytes": stored + len(encode(body)) + 32})
        if max_bytes is not None and stored + len(index) > max_bytes:
            raise ResultTooLarge(f"{stored + len(index)} bytes")
        return Change(files, index, dropped, state, head, seq)

    def commit(self, change: Change) -> None:
        self.paths, self.head, self.seq = change.state, change.head, change.seq
        self.stale += change.dropped

    def result(self) -> dict | None:
        """The last published result, assembled from what was written (None before any)."""
        if self.head is None:
            return None
        result = _head_copy(self.head)
        for path, state in self.paths.items():
            _set(result, path, list(state.written) if state.kind == "list" else state.written)
        return result

    def names(self) -> list[str]:
        """Every file this job's growing result has (its index, parts, stale parts)."""
        return [INDEX, *(f["name"] for s in self.paths.values() for f in s.files), *self.stale]


def assemble(index: dict, read: Callable[[str], bytes]) -> dict:
    """The result an index stands for, reading its part files with `read(name)`."""
    names = part_names(index)
    bodies = {}
    if names:
        with ThreadPoolExecutor(max_workers=8) as pool:  # one GET per part: not one after another
            bodies = dict(zip(names, pool.map(read, names)))
    result = _head_copy(index["result"])
    for part in index["parts"]:
        chunks = [json.loads(bodies[f["name"]]) for f in part["files"]] + [part["tail"]]
        value = [item for chunk in chunks for item in chunk] if part["type"] == "list" else "".join(chunks)
        _set(result, tuple(part["path"]), value)
    return result


def part_names(index: dict) -> list[str]:
    return [f["name"] for part in index.get("parts", []) for f in part["files"]]


def _grown(result: dict, known: dict) -> list[tuple[tuple, list | str]]:
    """The values stored as parts: lists (not empty) and long strings, at the top level and one
    level down, and any value already stored so that is still a list or a string."""
    out = []
    for key, value in result.items():
        if isinstance(value, dict) and _NAME.match(key):
            out += [((key, k), v) for k, v in value.items() if _NAME.match(k) and _grows(v, (key, k) in known)]
        elif _NAME.match(key) and _grows(value, (key,) in known):
            out.append(((key,), value))
    return out


def _grows(value, known: bool) -> bool:
    if isinstance(value, list):
        return bool(value) or known
    return isinstance(value, str) and (known or len(value) >= TEXT_MIN_CHARS)


def _appended(written, value) -> bool:
    """`value` is `written` with more at its end. Lists compare item by item, by identity first
    (the kind appends to the same list), so this is cheap; items already published are never
    changed in place (chalicelib.kinds.base)."""
    if isinstance(value, str):
        return value.startswith(written)
    return len(value) >= len(written) and value[:len(written)] == written


def _describe(path: tuple, state: _Path) -> dict:
    return {"path": list(path), "type": state.kind, "files": state.files,
            "tail": state.written[state.tail_from:]}


def _head_copy(result: dict) -> dict:
    """The result with its top-level dicts copied (where grown values are set)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in result.items()}


def _get(result: dict, path: tuple):
    return result[path[0]] if len(path) == 1 else result[path[0]][path[1]]


def _set(result: dict, path: tuple, value) -> None:
    (result if len(path) == 1 else result[path[0]])[path[-1]] = value


def encode(value) -> bytes:
    """Compact JSON (parts, the index, the final result.json)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
