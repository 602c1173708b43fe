"""Run the local stack (`python -m infra.local`) as a child process on free ports.

Used by the tests (the `stack` fixture) and the benchmarks, so both drive exactly what
`make run` starts, over HTTP.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StackProcess:
    state_dir: Path
    log_path: Path
    extra_env: dict = field(default_factory=dict)
    ports: dict = field(default_factory=lambda: {k: free_port() for k in ("aws", "api", "site")})
    proc: subprocess.Popen | None = None

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['site']}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['aws']}"

    def env(self) -> dict:
        # Nothing from the caller's AWS or PageVoice settings leaks in: the stack sets its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGEVOICE_", "AWS_"))}
        env.update({"PAGEVOICE_AWS_PORT": str(self.ports["aws"]), "PAGEVOICE_API_PORT": str(self.ports["api"]),
                    "PAGEVOICE_SITE_PORT": str(self.ports["site"]), "PAGEVOICE_TTS_DETERMINISTIC": "1",
                    "PYTHONUNBUFFERED": "1", **self.extra_env})
        return env

    def start(self, timeout: float = 120) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it for its whole life
        offset = log.tell()  # the log is appended across restarts: look at this run only
        self.proc = subprocess.Popen([sys.executable, "-m", "infra.local", "--state-dir", str(self.state_dir)],
                                     cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stack exited ({self.proc.returncode}):\n{self.log_tail()}")
            if b"PageVoice is running" in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.3)
        raise RuntimeError(f"stack did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def helpers(self) -> list:
        """The stack's helper processes (moto, the API, the bridge, and theirs), as psutil
        processes: take them before a kill -9, after which they are no longer its children."""
        import psutil

        if not self.proc or self.proc.poll() is not None:
            return []
        return psutil.Process(self.proc.pid).children(recursive=True)

    def kill9(self) -> None:
        """SIGKILL the stack's main process (a crash: no shutdown, no final snapshot)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def aws_client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.s3_url, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")

    def __enter__(self) -> StackProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
