"""The README: its curl walk-through, run as written (pasted into bash) against the real stack; its
length and two commands; and every link in it and in docs/ (where the rest of it lives)."""
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


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_the_readme_is_read_in_five_minutes_and_keeps_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250, "the README grew past 250 lines: move the detail to docs/"
    for said in ("make run", "make test", "bash .ci/run", "](docs/licences.md)", "](docs/api.md)"):
        assert said in text, said
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("doc", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("docs/*.md"))])
def test_every_link_in_the_readme_and_docs_leads_somewhere(doc):
    """What moved out of the README stays reachable: every relative link names a file that
    exists, and an anchor into a Markdown file names one of its headings."""
    path = ROOT / doc
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
            broken.append(target)
    assert broken == [], f"{doc}: links that lead nowhere: {broken}"
