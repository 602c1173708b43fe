"""The local worker processes, as Lambda runs the worker: one process per slot (a pool of one),
its init loading the engines as a container's does, an invocation with Lambda's context and
limits (time, memory), a process reclaimed when idle, niced when it takes books' shards."""
from __future__ import annotations

import concurrent.futures
import contextlib
import importlib
import os
import threading
import time
import uuid

from chalicelib import logs, settings

log = logs.get("bridge")

# What Lambda invokes: the same string the deploy template puts in the worker's image command.
WORKER_HANDLER = "chalicelib.jobs.worker.lambda_handler"


class LambdaContext:
    """The parts of Lambda's context the worker reads: its remaining time, from its timeout."""

    def __init__(self, timeout_seconds: float, function_name: str = "pagevoice-worker-local") -> None:
        self._deadline = time.monotonic() + timeout_seconds
        self.function_name = function_name
        self.aws_request_id = uuid.uuid4().hex

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def handler():
    module, func = WORKER_HANDLER.rsplit(".", 1)
    return getattr(importlib.import_module(module), func)


def invoke(event: dict) -> dict:
    """One invocation of the worker, as Lambda makes it."""
    return handler()(event, LambdaContext(settings.get().worker.worker_timeout_seconds))


# The identity the local worker processes act as (the stack sets it: one per function).
WORKER_KEY_ENV = ("PAGEVOICE_LOCAL_WORKER_ACCESS_KEY_ID", "PAGEVOICE_LOCAL_WORKER_SECRET_ACCESS_KEY")

def may_lower_niceness() -> bool:
    """Whether this process may lower a thread's niceness back to 0 (root, CAP_SYS_NICE, or an
    RLIMIT_NICE of 20 or more): without it a niced process running an upload or what a listener
    waits for could not be raised to their priority, so the bridge nices nothing."""
    import resource

    if os.geteuid() == 0:
        return True
    soft = resource.getrlimit(resource.RLIMIT_NICE)[0]
    if soft == resource.RLIM_INFINITY or soft >= 20:
        return True
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status") as fh:
            caps = next(line for line in fh if line.startswith("CapEff:")).split()[1]
        return bool(int(caps, 16) & (1 << 23))  # CAP_SYS_NICE
    return False


def _worker_init(parent: int, nice: int = 0, eager: bool = False) -> None:
    """Each worker process loads the worker module, and with it the engines, as a Lambda
    container's init does; it goes when the bridge goes (even by `kill -9`). It acts as the
    worker's own identity where the stack gives it one. `eager` (the listener's queue's): what
    a worker loads after its first job's text (the voice) loads at init too, since every job
    there is one a listener waits to hear."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):  # Linux: killed with the bridge, busy or not
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:  # elsewhere: noticed within a second, between model calls
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
    key_id, secret = (os.environ.get(name) for name in WORKER_KEY_ENV)
    if key_id and secret:  # before anything builds a boto3 client
        os.environ.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
        os.environ.pop("AWS_SESSION_TOKEN", None)
    from chalicelib.jobs import worker

    worker.warm_up()
    if eager:
        from chalicelib import kinds
        from chalicelib import settings as platform

        for name in filter(None, (n.strip() for n in platform.get().worker.warm_kinds.split(","))):
            later = kinds.get(name).warm_later
            if later:
                module, func = later.split(":")
                getattr(importlib.import_module(module), func)()


class Slot:
    """One worker process (a pool of one: a process that dies breaks only its own pool, and
    the bridge replaces it) and the invocation it runs, with Lambda's limits on it."""

    def __init__(self, target=None, nice: int = 0, eager: bool = False, start: bool = True) -> None:
        self.target = target or invoke
        self.nice, self.eager = nice, eager
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.pid: concurrent.futures.Future = concurrent.futures.Future()  # the process's, once it runs
        self.busy = False
        self.started = 0.0
        self.idle_since = time.monotonic()  # since its last invocation ended (or it was made)
        self.killed: str | None = None  # why the bridge killed the invocation ("time", "memory")
        self.boosted = False  # running what a listener waits for at the uploads' priority (`urgent`)
        if start:
            self._spawn()

    def _spawn(self) -> None:
        import multiprocessing

        self.pool = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init,
            initargs=(os.getpid(), 0 if self.boosted else self.nice, self.eager))
        self.pid = self.pool.submit(os.getpid)  # starts the process (its init) now, not at the first job
        self.pid.add_done_callback(self._ready)

    def idle(self, seconds: float) -> bool:
        """A process that has run nothing for `seconds` (Lambda would have reclaimed it)."""
        return (seconds > 0 and not self.busy and self.pool is not None and self.pid.done()
                and time.monotonic() - self.idle_since > seconds)

    def _ready(self, pid: concurrent.futures.Future) -> None:
        # Which process serves which queue: what an operator (or a test) needs to tell them apart.
        if not pid.cancelled() and pid.exception() is None:
            log.info("worker process ready", extra={"pid": pid.result(), "listener": self.eager, "nice": self.nice})

    def submit(self, event: dict) -> concurrent.futures.Future:
        if self.pool is None:  # reclaimed while idle: this invocation starts a new process (a cold start)
            self._spawn()
        self.killed, self.started = None, time.monotonic()
        self.busy = True  # last: the watchdog reads busy first, then when it started
        # Lambda's timeout counts from the invocation, not the container's init.
        self.pid.add_done_callback(lambda _: setattr(self, "started", max(self.started, time.monotonic())))
        return self.pool.submit(self.target, event)

    def over(self, timeout: float, memory_mb: int) -> str | None:
        """Why this invocation must end now ("time", "memory"), if it must."""
        if not (self.busy and self.pid.done()) or self.pid.cancelled() or self.pid.exception() is not None:
            return None
        if time.monotonic() - self.started > timeout:
            return "time"
        return "memory" if _rss(self.pid.result()) > memory_mb * 1024 * 1024 else None

    def kill(self, reason: str) -> None:
        """End the worker process and its children (a decoder's sandbox) as Lambda ends an
        invocation over its limits; the pool then breaks and is replaced."""
        import psutil

        self.killed = reason
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.pid.result())
            for proc in [*process.children(recursive=True), process]:
                with contextlib.suppress(psutil.Error):
                    proc.kill()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def urgent(self, yes: bool) -> None:
        """A niced process (a book's shards') running what a listener waits for, or an upload, runs
        it at the uploads' priority, as a Lambda of the listener's queue (or the upload's own) would
        have its own vCPU; then it is niced again. Lowering a niceness needs CAP_SYS_NICE (root, as
        CI and the bench run): without it the bridge nices no process (`may_lower_niceness`)."""
        if not self.nice:
            return
        self.boosted = yes
        if self.pool is None:  # reclaimed: its next process starts at that priority
            return
        # A process still starting: its niceness is set once it runs (before its first invocation).
        self.pid.add_done_callback(lambda _: self._renice())

    def _renice(self) -> None:
        import psutil

        if self.pid.cancelled() or self.pid.exception() is not None:
            return
        with contextlib.suppress(psutil.Error):
            for thread in psutil.Process(self.pid.result()).threads():  # Linux: a niceness is a thread's
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, thread.id, 0 if self.boosted else self.nice)


def _rss(pid: int) -> int:
    """Resident bytes of a process and all its children."""
    import psutil

    try:
        process = psutil.Process(pid)
        procs = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total
