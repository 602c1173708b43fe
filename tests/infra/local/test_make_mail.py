"""`make mail` reads the mail of the stack `make run` started, wherever its state directory is
(issue 44: a `make run` given PAGEVOICE_STATE_DIR, then `make mail` in another terminal showed
the default folder's mail, or none). The `stack` fixture runs the real stack on a temporary
state directory, as such a `make run` would."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
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


def _one_mail(state_dir: Path, to: str) -> Path:
    fields = {"Source": ["PageVoice <no-reply@example.org>"], "Destination.ToAddresses.member.1": [to],
              "Message.Subject.Data": ["Confirm your email"], "Message.Body.Text.Data": ["Open /#/verify/abc"]}
    sent = datetime.now(UTC)
    return mailbox.write(mailbox.mail_dir(state_dir), mailbox.message(fields, "m-1", sent), "m-1", sent)


def test_make_mail_does_not_reinstall_the_venv_after_a_requirements_change(tmp_path):
    """The reader is the standard library's: a requirements file newer than the venv's stamp (a
    working tree right after a requirements change; make's -W pretends so without touching it)
    is no reason to run pip, whose lines would come out where the mail is expected."""
    for changed in ("requirements.txt", "requirements-worker.txt", "requirements-dev.txt"):
        planned = subprocess.run(["make", "--no-print-directory", "-n", "-W", changed, "mail"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60)
        assert planned.returncode == 0, planned.stderr
        assert "pip" not in planned.stdout and "infra.local.mailbox --latest" in planned.stdout, planned.stdout
    path = _one_mail(tmp_path, "ann@example.org")
    shown = subprocess.run(["make", "--no-print-directory", "-W", "requirements-worker.txt", "mail"], cwd=ROOT,
                           env={**os.environ, "PAGEVOICE_STATE_DIR": str(tmp_path)},
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and shown.stdout.startswith("Date: "), shown.stdout + shown.stderr
    assert f"File: {path.resolve()}" in shown.stdout and "To: ann@example.org" in shown.stdout


def test_make_mail_works_before_any_venv_is_made(tmp_path):
    """A fresh clone (no .venv yet): the machine's Python reads the mail, nothing is installed."""
    path = _one_mail(tmp_path / "state", "bob@example.org")
    args = ["make", "--no-print-directory", "mail", f"VENV={tmp_path / 'no-venv'}"]
    planned = subprocess.run([*args[:2], "-n", *args[2:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "pip" not in planned.stdout and "venv" not in planned.stdout.replace(str(tmp_path), ""), planned.stdout
    shown = subprocess.run(args, cwd=ROOT, env={**os.environ, "PAGEVOICE_STATE_DIR": str(tmp_path / "state")},
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and f"File: {path.resolve()}" in shown.stdout, shown.stdout + shown.stderr
    assert not (tmp_path / "no-venv").exists()
    # What makes that safe: the reader imports nothing outside the standard library (-S: no site-packages).
    bare = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                           "import infra.local.mailbox"], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 0, bare.stderr
