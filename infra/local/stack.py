"""`make run`: the whole PageVoice stack on one machine, no AWS account.

    moto server (S3, DynamoDB, SQS, SES) http://127.0.0.1:4566   PAGEVOICE_AWS_PORT
    chalice local --stage local (API)    http://127.0.0.1:8000   PAGEVOICE_API_PORT
    static site (+ generated config.js)  http://127.0.0.1:8080   PAGEVOICE_SITE_PORT
    bridge: bucket events -> SQS -> chalicelib.jobs.worker.lambda_handler (the worker)
    tasks runner: the tasks queue -> chalicelib.account.tasks.lambda_handler (mail, exports)
    mail: each message local AWS's SES accepted, as a file under <state dir>/mail (mailbox.py)

Data survives restarts through a state directory (see state.py): snapshots, plus a journal
of every write local AWS acknowledged since (journal.py), replayed after a crash. Local AWS
is private to the stack and enforces IAM: each helper acts as the identity of the role it
stands for (iam.py, guard.py). Ctrl-C stops everything; so does a `kill -9` of this process
(the helpers get SIGKILL from the kernel when it dies), and any end of the process named by
`--watch-pid` (`make run` passes make's own pid: a terminal or supervisor holds that one).
A start refuses if one of its ports is taken, before touching the state directory.
"""
from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import functools
import http.server
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from chalicelib import settings
from infra.local import iam, mailbox, state
from infra.local.files import ROOT, default_state_dir, make_private, open_private, private_dir, write_private

SNAPSHOT_EVERY = 3.0
# ...or longer: the pause after a snapshot is at least this many times what it took, so snapshots
# take at most ~5% of the machine. A snapshot lists every object and scans every table: at a
# 1,000-page book's ~2,200 objects, ~0.8 s of CPU (in moto) every 3 s was most of what the local
# AWS cost beside the workers. The journal keeps every write between snapshots either way.
SNAPSHOT_PAUSE = 20
# chalice.cli has no __main__ module; run its entry point as its console script does.
CHALICE = "import sys; from chalice.cli import main; sys.argv[0] = 'chalice'; sys.exit(main())"


def ports() -> dict[str, int]:
    local = settings.get().local
    return {"aws": local.aws_port, "api": local.api_port, "site": local.site_port}


_PR_SET_PDEATHSIG = 1
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: preexec_fn only calls it
except OSError:  # not Linux: helpers then outlive a kill -9 of the stack
    _LIBC = None


def _die_with_parent(parent: int):
    """preexec_fn: the kernel sends the child SIGKILL when the stack dies, even by `kill -9`
    (the helpers run in their own sessions, so nothing else would reach them). Chosen over a
    process group and a watchdog: nothing to keep running, and no window where a killed
    watchdog leaves them behind. The signal follows the thread that forked, which is the main
    thread here (start() runs there). If the stack died before prctl took effect, go now."""
    def preexec() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)
    return preexec


def ports_in_use(host: str, p: dict[str, int]) -> list[int]:
    """The ports of `p` something already listens on (SO_REUSEADDR, as the servers bind: a
    closed connection's TIME_WAIT does not count)."""
    taken = []
    for port in p.values():
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                taken.append(port)
    return taken


LOOPBACK = ("127.0.0.1", "localhost")


def site_hosts(host: str) -> tuple[str, ...]:
    """The names the local site is opened under: a loopback site under either loopback name
    (both may call the API and upload), any other host under its own."""
    return LOOPBACK if host in LOOPBACK else (host,)


def stack_env(state_dir: Path, host: str, p: dict[str, int]) -> dict[str, str]:
    """Environment shared by every process of the stack: it acts as the admin identity unless
    `process_env` gives a process its own."""
    secret_file = state_dir / "jwt-secret"
    if not secret_file.exists():
        # Generated once per state directory, so sessions survive a restart too.
        private_dir(secret_file.parent)
        write_private(secret_file, secrets.token_urlsafe(48).encode())
    return {
        "AWS_ENDPOINT_URL": f"http://{host}:{p['aws']}",
        **iam.process_env(iam.credentials(state_dir)["admin"]),
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
        "PAGEVOICE_CORS_ORIGIN": ",".join(f"http://{h}:{p['site']}" for h in site_hosts(host)),
        "PAGEVOICE_JWT_SECRET": secret_file.read_text().strip(),
        "PAGEVOICE_SITE_URL": f"http://{host}:{p['site']}",  # the links in mails
        "PYTHONUNBUFFERED": "1",
    }


def process_env(state_dir: Path, name: str) -> dict[str, str]:
    """What one helper adds to the shared environment: the IAM identity it acts as (iam.py).
    The bridge acts as the sweep, and gives its worker processes the worker's identity."""
    from infra.local.slots import WORKER_KEY_ENV  # the slots load the worker's modules: only when used

    creds = iam.credentials(state_dir)
    if name in ("api", "tasks"):
        return iam.process_env(creds[name])
    if name == "bridge":
        worker = creds["worker"]
        return {**iam.process_env(creds["sweep"]), **dict(zip(WORKER_KEY_ENV, (worker["key"], worker["secret"]),
                                                               strict=True))}
    return {}


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Until `url` answers, with any HTTP status (local AWS refuses what is not signed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{' '.join(proc.args[1:])} exited early ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
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
        self.checkpointing = threading.Lock()  # the periodic one and the final one never overlap
        self.site = None
        make_private(state_dir)  # 0700, its files 0600: password hashes, every image
        self.aws_url = f"http://{host}:{self.ports['aws']}"
        self.env = {**os.environ, **stack_env(state_dir, host, self.ports)}

    def _spawn(self, *args: str, log: Path | None = None, env: dict | None = None) -> subprocess.Popen:
        fd = open_private(log) if log else None
        try:
            proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.env, **(env or {})},
                                    stdout=fd, stderr=fd,
                                    start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                                    preexec_fn=_die_with_parent(os.getpid()))  # and kill -9 reaches them
        finally:
            if fd is not None:
                os.close(fd)  # the child has its copy
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        os.environ.update(self.env)  # this process talks to local AWS too (bootstrap, snapshots)
        from chalicelib import aws
        from infra.local import bootstrap, bridge  # the worker's modules: loaded only to start

        aws.reset()
        p, h = self.ports, self.host
        # A journal a crash left is set aside for replay; the new server starts its own.
        state.set_journal_aside(self.state_dir)
        # moto server behind the journal. moto logs every request (the bridge polls every 2 s):
        # keep that out of the terminal.
        moto = self._spawn("-m", "infra.local.journal", "-H", h, "-p", str(p["aws"]),
                           "--journal", str(state.journal_dir(self.state_dir) / "journal.jsonl"),
                           "--credentials", str(self.state_dir / iam.CREDENTIALS_FILE),
                           "--mail", str(mailbox.mail_dir(self.state_dir)),
                           log=self.state_dir / "moto.log")
        wait_http(f"{self.aws_url}/", 30, moto)
        bootstrap.ensure_resources()
        restored = state.restore(self.state_dir)
        _, arn = bridge.ensure_queue()
        bootstrap.notify_queue(arn)  # after restore: restored uploads are not new events
        # After it: the writes acknowledged after the last snapshot, uploads included, whose
        # events then reach the worker (their queue messages died with the old server).
        replayed = state.recover(self.state_dir, self.aws_url)
        state.checkpoint(self.state_dir, self.aws_url)
        api = self._spawn("-c", CHALICE, "local", "--stage", "local", "--no-autoreload",
                          "--host", h, "--port", str(p["api"]), env=process_env(self.state_dir, "api"))
        self._spawn("-m", "infra.local.bridge", env=process_env(self.state_dir, "bridge"))
        self._spawn("-m", "infra.local.tasks", env=process_env(self.state_dir, "tasks"))
        self.site = serve_site(h, p["site"], {"apiBase": f"http://{h}:{p['api']}"}, f"http://{h}:{p['aws']}")
        wait_http(f"http://{h}:{p['api']}/health", 60, api)
        threading.Thread(target=self._snapshots, daemon=True, name="snapshots").start()
        again = f", replayed {replayed} journaled writes" if replayed else ""
        print(f"\nPageVoice is running (restored {restored} records from {self.state_dir}{again}):\n"
              f"  site       http://{h}:{p['site']}\n"
              f"  API        http://{h}:{p['api']}\n"
              f"  local AWS  http://{h}:{p['aws']}  (its log: {self.state_dir / 'moto.log'})\n"
              f"  mail       {mailbox.mail_dir(self.state_dir)}  (the newest: make mail)\n"
              "Ctrl-C stops everything.\n", flush=True)

    def _snapshots(self) -> None:
        pause = SNAPSHOT_EVERY
        while not self.stop.wait(pause):
            began = time.monotonic()
            try:
                with self.checkpointing:
                    state.checkpoint(self.state_dir, self.aws_url)
            except Exception as exc:  # noqa: BLE001 - try again next round
                print(f"snapshot failed: {exc}", file=sys.stderr)
            pause = max(SNAPSHOT_EVERY, SNAPSHOT_PAUSE * (time.monotonic() - began))

    def wait(self, owner: Callable[[], bool] | None = None) -> int:
        """Until a helper exits, or `owner()` says the process that started the stack is gone."""
        while not self.stop.is_set():
            for proc in self.procs:
                if proc.poll() is not None:
                    print(f"{proc.args[-1]} exited ({proc.returncode}); stopping.", file=sys.stderr)
                    return 1
            if owner is not None and owner():
                print("the process that started PageVoice is gone; stopping.", file=sys.stderr, flush=True)
                return 1
            self.stop.wait(0.2)
        return 0

    def shutdown(self) -> None:
        self.stop.set()
        # Side by side, so the whole stop takes seconds: the site's server (its loop notices
        # within half a second), and the API and the bridge, all at once.
        site = threading.Thread(target=self.site.shutdown, name="site-stop") if self.site else None
        if site:
            site.start()
        moto_up = self.procs and self.procs[0].poll() is None
        _terminate(*self.procs[1:])  # API, bridge and tasks runner first, local AWS last
        if moto_up:
            try:
                with self.checkpointing:
                    state.checkpoint(self.state_dir, self.aws_url)
            except Exception as exc:  # noqa: BLE001
                print(f"final snapshot failed: {exc}", file=sys.stderr)
        _terminate(*self.procs[:1])
        if site:
            site.join()


def gone(pid: int) -> Callable[[], bool]:
    """A check that `pid` has exited (however: `kill -9` too). A pidfd where Linux has one, so
    a recycled pid is no confusion; elsewhere, whether the pid still exists."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return lambda: True
    except (AttributeError, OSError):
        def exists() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
            return False
        return exists
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return lambda: bool(poller.poll(0))


def _terminate(*procs: subprocess.Popen) -> None:
    """SIGTERM to each at once, then wait for each (SIGKILL after 10 s)."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    for proc in running:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infra.local")
    ap.add_argument("--state-dir", default=default_state_dir())
    ap.add_argument("--watch-pid", type=int, default=None,
                    help="stop the stack when this process ends, kill -9 included (`make run` passes its own pid)")
    args = ap.parse_args(argv)
    owner = gone(args.watch_pid) if args.watch_pid else None
    # Before anything touches the state directory: a stack already running there (or anything
    # else on these ports) would answer our readiness checks and take our restore.
    taken = ports_in_use("127.0.0.1", ports())
    if taken:
        names = {v: k for k, v in ports().items()}
        print(f"port {taken[0]} is already in use: is another PageVoice stack running? Stop it (Ctrl-C "
              "where it runs), or choose other ports with PAGEVOICE_AWS_PORT, PAGEVOICE_API_PORT and "
              f"PAGEVOICE_SITE_PORT (taken: {', '.join(f'{names[t]} {t}' for t in taken)}). "
              f"Nothing was started; {args.state_dir} was not touched.", file=sys.stderr, flush=True)
        return 2
    # One stack per state directory (two would replay and delete each other's journal). The
    # lock goes with this process, kill -9 included; the helpers do not inherit it.
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(state_dir / "lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"{state_dir} is in use by another PageVoice stack (on other ports): stop it first, or "
              "give this one its own PAGEVOICE_STATE_DIR. Nothing was started.", file=sys.stderr, flush=True)
        return 2
    stack = Stack(state_dir)
    # Ctrl-C and SIGTERM both stop everything in order. Set SIGINT explicitly: a shell's
    # background job inherits it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    code = 1
    try:
        stack.start()
        code = stack.wait(owner)
    except KeyboardInterrupt:
        code = 0
    finally:
        print("stopping PageVoice ...", flush=True)
        stack.shutdown()
    return code
