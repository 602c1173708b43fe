"""`make run` dies whole: a `kill -9` of make itself (the pid a terminal or a supervisor holds)
stops every process of the stack and frees its ports within seconds."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time

import psutil
import pytest

from infra.local.process import ROOT, StackProcess
from infra.local.stack import ports_in_use


@pytest.mark.stack
def test_kill_9_of_make_run_stops_every_process_and_frees_the_ports(tmp_path):
    make = shutil.which("make")
    assert make, "make is not installed"
    stack = StackProcess(tmp_path / "state", tmp_path / "stack.log")
    env = {**stack.env(), "PAGEVOICE_STATE_DIR": str(stack.state_dir)}
    log = open(stack.log_path, "wb")  # noqa: SIM115 - closed below
    # The Makefile's own run target; -o: the venv is already built, do not remake it.
    proc = subprocess.Popen([make, "-s", "-o", ".venv/.installed", "run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    everything: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while b"PageVoice is running" not in stack.log_path.read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, stack.log_tail()
            time.sleep(0.3)
        everything = psutil.Process(proc.pid).children(recursive=True)
        assert len(everything) >= 4, everything  # the stack, local AWS, the API, the bridge (+ its workers)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = time.monotonic()
        # Every one ends on its own (the stack watches make's pid): the time-out only stops a
        # test whose processes never would (~1-2 s on a quiet machine).
        _, left = psutil.wait_procs(everything, timeout=120)
        took = time.monotonic() - killed_at
        taken = ports_in_use("127.0.0.1", stack.ports)
        assert left == [], (took, [p.pid for p in left], stack.log_tail())
        assert taken == [], taken
        print(f"\nevery process of the stack gone {took:.1f} s after kill -9 of make")
    finally:
        # Never leave them to other tests; only what this test started (the session's stack
        # is a child of this process too).
        if proc.poll() is None:
            proc.kill()
        for p in everything:
            with contextlib.suppress(psutil.Error):
                p.kill()
        log.close()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_watch_sees_its_process_end_however_it_ends(how):
    from infra.local.stack import gone

    sleeper = subprocess.Popen(["sleep", "30"])
    ended = gone(sleeper.pid)
    assert ended() is False
    sleeper.send_signal(how)
    sleeper.wait()
    assert ended() is True
    assert gone(sleeper.pid)() is True  # already gone when the watch starts
