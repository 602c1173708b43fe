"""Shared fixtures. Unit tests run against moto in-process; the stack tests use moto server."""
from __future__ import annotations

import os

import pytest

# Unit tests must never reach a real endpoint or account.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("PAGEVOICE_JWT_SECRET", "test-secret-" + "x" * 40)
os.environ.setdefault("PAGEVOICE_TTS_DETERMINISTIC", "1")


@pytest.fixture
def aws_env():
    """moto in-process with PageVoice's tables and bucket created from chalicelib.resources."""
    from moto import mock_aws

    from chalicelib import aws
    from chalicelib.local.bootstrap import ensure_resources

    with mock_aws():
        aws.reset()
        ensure_resources()
        yield
    aws.reset()


# ---------------------------------------------------------------- the real local stack

import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalStack:
    """`python -m chalicelib.local` (what `make run` starts) on free ports, over HTTP."""

    state_dir: Path
    log_path: Path
    ports: dict = field(default_factory=lambda: {k: _free_port() for k in ("aws", "api", "site")})
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
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGEVOICE_", "AWS_"))}
        env.update({"PAGEVOICE_AWS_PORT": str(self.ports["aws"]), "PAGEVOICE_API_PORT": str(self.ports["api"]),
                    "PAGEVOICE_SITE_PORT": str(self.ports["site"]), "PAGEVOICE_TTS_DETERMINISTIC": "1",
                    "PYTHONUNBUFFERED": "1"})
        return env

    def start(self, timeout: float = 120) -> None:
        log = open(self.log_path, "ab")
        offset = log.tell()  # the log is appended across restarts: look at this run only
        self.proc = subprocess.Popen([sys.executable, "-m", "chalicelib.local", "--state-dir", str(self.state_dir)],
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

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def aws_client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.s3_url, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("stack")
    s = LocalStack(state_dir=root / "state", log_path=root / "stack.log")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def photo_with_text(tmp_path_factory):
    """A photo-like JPEG with known words: (path, expected words)."""
    from tests import images

    lines = ["MAIN STREET CAFE", "OPEN DAILY"]
    path = tmp_path_factory.mktemp("photos") / "cafe-sign.jpg"
    path.write_bytes(images.encode(images.text_image(lines, size=52).image, "JPEG", quality=90))
    return path, " ".join(lines).split()
