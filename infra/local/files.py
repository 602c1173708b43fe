"""The state directory: where it is, and its files private (0700 directories, 0600 files,
whatever the umask: it holds password hashes, sessions and every upload).

The bottom of the local stack: it imports nothing of infra.local, so every layer may use it.
"""
from __future__ import annotations

import os
from pathlib import Path

from chalicelib import settings

ROOT = Path(__file__).resolve().parents[2]


def default_state_dir() -> str:
    return str(ROOT / settings.get().local.state_dir)


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)  # mkdir's mode is masked by the umask, and the directory may be older
    return path


def make_private(root: Path) -> None:
    """The state directory 0700 with every directory in it, every file 0600 (also fixes a
    directory written by an older version)."""
    private_dir(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_APPEND | os.O_CREAT) -> int:
    """A descriptor on `path`, 0600 whatever the umask (also for a file that existed)."""
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd
