"""Deliver the local bucket's upload events to the worker, as Lambda would.

`chalice local` serves routes only. Locally the bucket notifies an SQS queue (moto server);
this loop long-polls it and invokes the deployed worker's own entry point,
`chalicelib.jobs.worker.lambda_handler` (WORKER_HANDLER, the template's image command), with
the S3 event document Lambda would pass (every record) and a Lambda-like context whose
remaining time is the worker's timeout (settings.worker_timeout_seconds). A raise leaves the
message on the queue, so SQS redelivers it, as Lambda retries. Between deliveries it runs the
same sweep the template schedules (chalicelib.jobs.sweep), handing re-driven events to the
same handler.
"""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import importlib
import json
import threading
import time
import uuid

from chalicelib import aws, logs, settings
from chalicelib.jobs import sweep

log = logs.get("bridge")

QUEUE_NAME = "pagevoice-local-uploads"
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
    return handler()(event, LambdaContext(settings.get().worker_timeout_seconds))


def ensure_queue() -> tuple[str, str]:
    """(url, arn) of the event queue. A redelivered message is harmless: the claim dedupes."""
    sqs = aws.sqs()
    # Longer than a wait in the fair queue plus an invocation: a message is redelivered only
    # after its worker gave up (the sweep re-drives sooner than that anyway).
    visibility = str(max(900, settings.get().worker_timeout_seconds + 30))
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": visibility})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": visibility})
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def s3_records(message_body: str) -> list[dict]:
    """The S3 records of one SQS message (an S3 notification); none for S3's test event, sent
    once when the notification is configured."""
    doc = json.loads(message_body)
    if doc.get("Event") == "s3:TestEvent":
        return []
    return [r for r in doc.get("Records", []) if r.get("eventSource") == "aws:s3"]


def sweep_once() -> int:
    """The scheduled sweep of the template, delivering to the local worker."""
    return sweep.redrive(invoke)


class FairQueue:
    """Events waiting for a worker, one line per user, served in turn: a user who uploads fifty
    dense pages waits behind their own pages, not in front of everyone else's (Lambda runs
    uploads side by side; a few local workers need this to behave alike)."""

    def __init__(self) -> None:
        self._lines: dict[str, collections.deque] = {}
        self._turn: collections.deque[str] = collections.deque()
        self._keys: set[str] = set()

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def waiting(self) -> set[str]:
        """The users with uploads waiting."""
        return set(self._lines)

    def add(self, key: str, item) -> bool:
        """Queue `item` for the upload `key`; False (and nothing queued) when that upload is
        already waiting: a duplicate event needs no second turn."""
        if key in self._keys:
            return False
        owner = self.owner(key)
        if owner not in self._lines:
            self._lines[owner] = collections.deque()
            self._turn.append(owner)
        self._lines[owner].append((key, item))
        self._keys.add(key)
        return True

    def next(self, may_run=lambda owner: True):
        """The next item in turn whose owner `may_run`, or None."""
        for _ in range(len(self._turn)):
            owner = self._turn.popleft()
            if not may_run(owner):
                self._turn.append(owner)  # keeps its place in the rotation
                continue
            line = self._lines[owner]
            key, item = line.popleft()
            self._keys.discard(key)
            if line:
                self._turn.append(owner)
            else:
                del self._lines[owner]
            return item
        return None

    @staticmethod
    def owner(key: str) -> str:
        return key.split("/")[1] if key.count("/") >= 2 else ""


def _worker_init(parent: int) -> None:
    """Each worker process loads the worker module, and with it the engines, as a Lambda
    container's init does; it goes when the bridge goes (even by `kill -9`)."""
    import ctypes
    import os
    import signal

    with contextlib.suppress(OSError, AttributeError):  # Linux: killed with the bridge, busy or not
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:  # elsewhere: noticed within a second, between model calls
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
    from chalicelib.jobs import worker

    worker.warm_up()


class Workers:
    """`settings.local_workers` worker processes (Lambda's concurrency, locally), fed from a
    FairQueue. One user holds at most all workers but one while someone else waits, so a burst
    of dense pages leaves a worker for everyone else. `done(item, error)` runs when an
    invocation ends."""

    def __init__(self, count: int, done) -> None:
        import multiprocessing
        import os

        self.count, self.done = max(1, count), done
        self.pool = concurrent.futures.ProcessPoolExecutor(
            self.count, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init,
            initargs=(os.getpid(),))
        self.queue = FairQueue()
        self.running = 0
        self.by_owner: collections.Counter = collections.Counter()
        self.lock = threading.Lock()

    def submit(self, event: dict, item) -> bool:
        from chalicelib.jobs.worker import records

        key = next((k for _, k in records(event)), "")
        with self.lock:
            added = self.queue.add(key, (event, item, FairQueue.owner(key)))
        self.pump()
        return added

    def _may_run(self, owner: str) -> bool:
        others_waiting = bool(self.queue.waiting() - {owner})
        cap = self.count - 1 if others_waiting and self.count > 1 else self.count
        return self.by_owner[owner] < cap

    def pump(self) -> None:
        with self.lock:
            while self.running < self.count:
                got = self.queue.next(self._may_run)
                if got is None:
                    return
                event, item, owner = got
                self.running += 1
                self.by_owner[owner] += 1
                future = self.pool.submit(invoke, event)
                future.add_done_callback(lambda f, e=event, item=item, owner=owner: self._finished(f, e, item, owner))

    def _finished(self, future, event: dict, item, owner: str) -> None:
        with self.lock:
            self.running -= 1
            self.by_owner[owner] -= 1
        error = future.exception()
        self.done(item, error)
        if error is None and "continued" in (future.result() or {}).get("outcomes", []):
            # A long job's turn ended with work left: its next turn queues like any event
            # (deployed, the worker invokes itself).
            self.submit(event, None)
        self.pump()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def run(queue_url: str, stop: threading.Event, sweep_every: float = 30.0, workers: int | None = None) -> None:
    """Long-poll the queue, hand each event to the next free worker in its user's turn; delete a
    message once its invocation ended well (a raise leaves it for SQS to redeliver, as Lambda
    retries). The sweep runs between polls, through the same workers."""
    sqs = aws.sqs()

    def done(receipt, error) -> None:
        if error is not None:
            log.info("delivery raised; the event will be retried", extra={"error": repr(error)})
            return
        if receipt is not None:
            try:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
            except Exception:  # noqa: BLE001 - redelivered later: the claim dedupes it
                log.exception("could not delete a delivered message")

    pool = Workers(workers or settings.get().local_workers, done)
    next_sweep = 0.0
    try:
        while not stop.is_set():
            try:
                if time.monotonic() >= next_sweep:  # what is waiting or running is not re-driven
                    sweep.redrive(lambda event: pool.submit(event, None))
                    next_sweep = time.monotonic() + sweep_every
                got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
                for msg in got.get("Messages", []):
                    records = s3_records(msg["Body"])
                    if not records or not pool.submit({"Records": records}, msg["ReceiptHandle"]):
                        # Nothing to run, or that upload is already waiting for its turn.
                        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
            except Exception:  # noqa: BLE001 - keep serving: local AWS restarting, etc.
                log.exception("bridge loop error")
                stop.wait(1.0)
    finally:
        pool.close()


def main() -> None:
    """`python -m infra.local.bridge`: run the bridge alone against a running local AWS."""
    url, _ = ensure_queue()
    stop = threading.Event()
    log.info("bridge ready", extra={"queue": url, "workers": settings.get().local_workers})
    try:
        run(url, stop)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
