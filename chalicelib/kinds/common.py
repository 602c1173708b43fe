"""What every kind's work shares, so no kind leans on another's module."""
from __future__ import annotations

import time
from contextlib import contextmanager


class Stopwatch:
    """Milliseconds per named stage (`timings_ms` of a result)."""

    def __init__(self) -> None:
        self.ms: dict[str, int] = {}

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = int(round((time.perf_counter() - t0) * 1000))
