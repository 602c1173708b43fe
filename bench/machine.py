"""What a benchmark prints about where it ran: the commit measured and the machine's load."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as "1.2/0.8/0.5"."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def commit() -> str:
    """The commit measured, and the service's files changed beside it when there are any."""
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "chalicelib", "infra", "app.py"], cwd=ROOT,
                           capture_output=True, text=True).stdout.split("\n")
    changed = [line[3:] for line in dirty if line.strip()]
    return sha + (f" + uncommitted changes to {', '.join(changed[:6])}{' ...' if len(changed) > 6 else ''}"
                  if changed else "")
