"""A commit's tree beside this one, for benches that run an earlier commit side by side."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def worktree(rev: str | None, prefix: str = "pv-bench-"):
    """The working tree itself for None, else a temporary worktree of `rev` (bytecode compiled)."""
    if rev is None:
        yield ROOT
        return
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    tree = tmp / "base"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), rev], cwd=ROOT, check=True)
    try:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "chalicelib"], cwd=tree, check=True)
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        tmp.rmdir()
