"""An engine plugin for chalicelib.plugins' tests that holds a known amount of real memory:
`tests.ballast:Ballast` keeps `Config.mb` MiB written (resident), plus `shared_mb` MiB that every
Ballast of that size shares through its module's cache (as Kokoro's voices share one model).
BUILDS counts the builds of each config in this process."""
from __future__ import annotations

import collections
import functools
import time
from dataclasses import dataclass

import numpy as np

TARGET = "tests.ballast:Ballast"
BUILDS: collections.Counter = collections.Counter()


@dataclass(frozen=True)
class BallastConfig:
    mb: int = 1  # MiB held by the engine alone
    tag: str = ""  # tells configs apart
    shared_mb: int = 0  # MiB shared with every other Ballast (0: none)
    build_seconds: float = 0.0  # a slow build, for the races


class Ballast:
    name = "ballast"
    Config = BallastConfig
    ENV_PREFIX = "PAGEVOICE_TEST_BALLAST_"

    def __init__(self, config: BallastConfig | None = None) -> None:
        self.cfg = cfg = config or BallastConfig()
        BUILDS[cfg] += 1
        time.sleep(cfg.build_seconds)
        self.data = np.full(cfg.mb << 20, 1, np.uint8)  # written: every page resident
        self.shared = _shared(cfg.shared_mb)

    def read(self) -> int:
        return int(self.data[::4096].sum()) + int(self.shared[::4096].sum())


@functools.cache
def _shared(mb: int) -> np.ndarray:
    return np.full(mb << 20, 1, np.uint8)
