"""The README's curl walk-through, run as written (pasted into bash) against the real stack."""
from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def walk_through() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```sh\n(API=http://127\.0\.0\.1:8000\n.*?)```", text, re.S)
    assert match, "the README's curl walk-through (a ```sh block starting API=...) is gone"
    return match.group(1)


@pytest.mark.stack
def test_the_readme_walk_through_works_when_pasted(stack, tmp_path, photo_with_text):
    assert shutil.which("curl"), "curl is needed (Debian: apt-get install curl)"
    photo, words = photo_with_text
    shutil.copy(photo, tmp_path / "sign.jpg")
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"  # the stack is shared with other tests
    script = walk_through().replace("http://127.0.0.1:8000", stack.api_url).replace("ada@example.com", email)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    assert "}204\n" in out, out[-2000:]  # S3 took the upload (after the sign-up's JSON)
    assert '"status":"done"' in out.replace(" ", "") and all(w in out for w in words), out[-2000:]
