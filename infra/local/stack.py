"""`make run`: the whole PageVoice stack on one machine, no AWS account.

    moto server (S3, DynamoDB, SQS)      http://127.0.0.1:4566   PAGEVOICE_AWS_PORT
    chalice local --stage local (API)    http://127.0.0.1:8000   PAGEVOICE_API_PORT
    static site (+ generated config.js)  http://127.0.0.1:8080   PAGEVOICE_SITE_PORT
    bridge: bucket events -> SQS -> chalicelib.jobs.worker.lambda_handler (the worker)

Data survives restarts through a state directory (see state.py). Ctrl-C stops everything.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_EVERY = 3.0
# chalice.cli has no __main__ module; run its entry point as its console script does.
CHALICE = "import sys; from chalice.cli import main; sys.argv[0] = 'chalice'; sys.exit(main())"


def ports() -> dict[str, int]:
    env = os.environ
    return {"aws": int(env.get("PAGEVOICE_AWS_PORT", 4566)),
            "api": int(env.get("PAGEVOICE_API_PORT", 8000)),
            "site": int(env.get("PAGEVOICE_SITE_PORT", 8080))}


def stack_env(state_dir: Path, host: str, p: dict[str, int]) -> dict[str, str]:
    """Environment shared by every process of the stack."""
    secret_file = state_dir / "jwt-secret"
    if not secret_file.exists():
        # Generated once per state directory, so sessions survive a restart too.
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return {
        "AWS_ENDPOINT_URL": f"http://{host}:{p['aws']}",
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
        "ORT_DISABLE_TELEMETRY": "1",
        "PAGEVOICE_CORS_ORIGIN": f"http://{host}:{p['site']}",
        "PAGEVOICE_JWT_SECRET": secret_file.read_text().strip(),
        "PYTHONUNBUFFERED": "1",
    }


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{' '.join(proc.args[1:])} exited early ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves static_site/, and config.js generated for this stack (never written to the repo),
    with the same security headers CloudFront adds when deployed (infra/site_config.py)."""

    config: dict = {}
    headers_out: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] == "/config.js":
            body = f"window.PAGEVOICE_CONFIG = {json.dumps(self.config)};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store" if self.path.split("?")[0] == "/config.js" else "no-cache")
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, fmt, *args):  # quiet: the API logs are the useful ones
        pass


def serve_site(host: str, port: int, config: dict, storage_origin: str) -> http.server.ThreadingHTTPServer:
    from infra.site_config import security_headers

    headers_out = security_headers(config["apiBase"], storage_origin)
    handler = functools.partial(type("Site", (SiteHandler,), {"config": config, "headers_out": headers_out}),
                                directory=str(ROOT / "static_site"))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="site").start()
    return server


class Stack:
    def __init__(self, state_dir: Path, host: str = "127.0.0.1") -> None:
        self.state_dir = state_dir
        self.host = host
        self.ports = ports()
        self.procs: list[subprocess.Popen] = []
        self.stop = threading.Event()
        self.site = None
        self.env = {**os.environ, **stack_env(state_dir, host, self.ports)}

    def _spawn(self, *args: str, log: Path | None = None) -> subprocess.Popen:
        out = open(log, "ab") if log else None  # noqa: SIM115 - lives as long as the child
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env, stdout=out, stderr=out,
                                start_new_session=True)  # Ctrl-C reaches us; we stop them in order
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        os.environ.update(self.env)  # this process talks to local AWS too (bootstrap, snapshots)
        from chalicelib import aws
        from infra.local import bootstrap, bridge, state

        aws.reset()
        p, h = self.ports, self.host
        # moto logs every request (the bridge polls every 2 s): keep that out of the terminal.
        moto = self._spawn("-m", "moto.server", "-H", h, "-p", str(p["aws"]), log=self.state_dir / "moto.log")
        wait_http(f"http://{h}:{p['aws']}/moto-api/", 30, moto)
        bootstrap.ensure_resources()
        restored = state.restore(self.state_dir)
        _, arn = bridge.ensure_queue()
        bootstrap.notify_queue(arn)  # after restore: restored uploads are not new events
        api = self._spawn("-c", CHALICE, "local", "--stage", "local", "--no-autoreload",
                          "--host", h, "--port", str(p["api"]))
        self._spawn("-m", "infra.local.bridge")
        self.site = serve_site(h, p["site"], {"apiBase": f"http://{h}:{p['api']}"}, f"http://{h}:{p['aws']}")
        wait_http(f"http://{h}:{p['api']}/health", 60, api)
        threading.Thread(target=self._snapshots, daemon=True, name="snapshots").start()
        print(f"\nPageVoice is running (restored {restored} records from {self.state_dir}):\n"
              f"  site       http://{h}:{p['site']}\n"
              f"  API        http://{h}:{p['api']}\n"
              f"  local AWS  http://{h}:{p['aws']}  (its log: {self.state_dir / 'moto.log'})\n"
              "Ctrl-C stops everything.\n", flush=True)

    def _snapshots(self) -> None:
        from infra.local import state

        while not self.stop.wait(SNAPSHOT_EVERY):
            try:
                state.snapshot(self.state_dir)
            except Exception as exc:  # noqa: BLE001 - try again next round
                print(f"snapshot failed: {exc}", file=sys.stderr)

    def wait(self) -> int:
        while not self.stop.is_set():
            for proc in self.procs:
                if proc.poll() is not None:
                    print(f"{proc.args[-1]} exited ({proc.returncode}); stopping.", file=sys.stderr)
                    return 1
            self.stop.wait(0.5)
        return 0

    def shutdown(self) -> None:
        from infra.local import state

        self.stop.set()
        moto_up = self.procs and self.procs[0].poll() is None
        for proc in reversed(self.procs[1:]):  # API and bridge first, local AWS last
            _terminate(proc)
        if moto_up:
            try:
                state.snapshot(self.state_dir)
            except Exception as exc:  # noqa: BLE001
                print(f"final snapshot failed: {exc}", file=sys.stderr)
        if self.procs:
            _terminate(self.procs[0])
        if self.site:
            self.site.shutdown()


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infra.local")
    ap.add_argument("--state-dir", default=os.environ.get("PAGEVOICE_STATE_DIR", str(ROOT / ".local" / "state")))
    args = ap.parse_args(argv)
    stack = Stack(Path(args.state_dir))
    # Ctrl-C and SIGTERM both stop everything in order. Set SIGINT explicitly: a shell's
    # background job inherits it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    code = 1
    try:
        stack.start()
        code = stack.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        print("stopping PageVoice ...", flush=True)
        stack.shutdown()
    return code
