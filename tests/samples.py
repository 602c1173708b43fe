"""Real sample files for tests, fetched from the package registries CI reaches (PyPI, npm),
pinned by version and SHA-256, unpacked once into a cache. Nothing fetched is committed: the
files are other people's, used under the licences the test modules name.

    root = samples.pypi_sdist("python-docx", "1.2.0", "<sha256>")   # the unpacked sdist
    root = samples.npm("epubjs", "0.3.93", "<sha256>")              # the unpacked tarball

A wrong SHA-256 fails the test that asked (the registry served other bytes than were checked).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path(os.environ.get("PAGEVOICE_SAMPLES", Path.home() / ".cache" / "pagevoice-samples"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _unpacked(archive: Path, sha256: str) -> Path:
    got = _sha256(archive)
    if got != sha256:
        raise AssertionError(f"{archive.name}: SHA-256 {got}, pinned {sha256}")
    out = archive.with_name(archive.name + ".d")
    if not (out / ".done").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as z:
                z.extractall(out)
        else:
            with tarfile.open(archive) as t:
                t.extractall(out, filter="data")
        (out / ".done").touch()
    return out


def pypi_sdist(name: str, version: str, sha256: str, *, wheel: bool = False) -> Path:
    """The unpacked source distribution (or wheel) of `name`==`version` from PyPI."""
    where = CACHE / "pypi" / f"{name}-{version}{'-whl' if wheel else ''}"
    found = [p for p in where.glob("*") if p.is_file()] if where.exists() else []
    if not found:
        where.mkdir(parents=True, exist_ok=True)
        kind = ["--only-binary", ":all:"] if wheel else ["--no-binary", ":all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation", *kind,
                        "-q", "-d", str(where), f"{name}=={version}"], check=True)
        found = [p for p in where.glob("*") if p.is_file()]
    return _unpacked(found[0], sha256)


def npm(name: str, version: str, sha256: str) -> Path:
    """The unpacked npm tarball of `name`@`version` (its files are under `package/`)."""
    where = CACHE / "npm" / f"{name.replace('/', '__')}-{version}"
    found = list(where.glob("*.tgz")) if where.exists() else []
    if not found:
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", str(where)],
                       check=True, capture_output=True)
        found = list(where.glob("*.tgz"))
    return _unpacked(found[0], sha256)
