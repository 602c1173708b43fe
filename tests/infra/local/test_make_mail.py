"""`make mail` reads the mail of the stack `make run` started, wherever its state directory is
(issue 44: a `make run` given PAGEVOICE_STATE_DIR, then `make mail` in another terminal showed
the default folder's mail, or none). The `stack` fixture runs the real stack on a temporary
state directory, as such a `make run` would."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from infra.local import mailbox
from tests.stackclient import register

pytestmark = pytest.mark.timeout(180)
ROOT = Path(__file__).resolve().parents[3]


def make_mail(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAGEVOICE_")}
    return subprocess.run(["make", "--no-print-directory", "mail"], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def wait_mail_to(stack, address: str) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [p for p in mailbox.messages(stack.mail_dir) if address in p.read_text(errors="replace")]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address}:\n{stack.log_tail()}")


def test_make_mail_reads_the_running_stacks_state_directory(stack, tmp_path):
    assert stack.state_dir.resolve() != (ROOT / ".local" / "state").resolve()
    # Other stacks (other test runs) may mail at the same moment: the newest must be ours once.
    for _ in range(3):
        address = register(stack)  # its confirmation mail
        path = wait_mail_to(stack, address)
        shown = make_mail()
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("Date: ")
        if f"To: {address}" in shown.stdout:
            break
    else:
        raise AssertionError(f"make mail did not show the newest mail of the running stack:\n{shown.stdout}")
    assert f"File: {path.resolve()}" in shown.stdout and "/#/verify/" in shown.stdout

    # Named in the environment, as `make run` was given it, the state directory is the one read.
    named = make_mail(PAGEVOICE_STATE_DIR=str(stack.state_dir))
    assert named.returncode == 0 and f"File: {stack.mail_dir}/" in named.stdout, named.stderr
    empty = tmp_path / "elsewhere"
    other = make_mail(PAGEVOICE_STATE_DIR=str(empty))
    assert other.returncode != 0 and f"No mail yet in {empty / 'mail'}" in other.stderr
