"""Deliver the local bucket's upload events to the worker, as Lambda would.

`chalice local` serves routes only. Locally the bucket notifies an SQS queue (moto server);
this loop long-polls it and invokes the deployed worker's own entry point,
`chalicelib.jobs.worker.lambda_handler` (WORKER_HANDLER, the template's image command), with
the S3 event document Lambda would pass (every record) and a Lambda-like context whose
remaining time is the worker's timeout (settings.worker.worker_timeout_seconds). A raise leaves the
message on the queue, so SQS redelivers it, as Lambda retries. Between deliveries it runs the
same sweep the template schedules (chalicelib.jobs.sweep), handing re-driven events to the
same handler. What waits is in infra/local/lines.py, the worker processes in infra/local/slots.py.
"""
from __future__ import annotations

import collections
import concurrent.futures
import concurrent.futures.process
import contextlib
import json
import os
import threading
import time

from chalicelib import aws, logs, resources, settings
from chalicelib.jobs import sweep
from chalicelib.jobs.book_queues import FIRST, RECORD, SHARDS  # chalicelib.resources.worker_queues()
from infra.local.lines import FairQueue, ahead, event_key, first_section, opening
from infra.local.slots import Slot, invoke, may_lower_niceness

log = logs.get("bridge")

QUEUE_NAME = "pagevoice-local-uploads"


def ensure_queue() -> tuple[str, str]:
    """(url, arn) of the event queue. A redelivered message is harmless: the claim dedupes."""
    sqs = aws.sqs()
    # Longer than a wait in the fair queue plus an invocation: a message is redelivered only
    # after its worker gave up (the sweep re-drives sooner than that anyway).
    visibility = str(max(900, settings.get().worker.worker_timeout_seconds + 30))
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
    return sweep.run(invoke)["redriven"]


def shard_event(message: dict, queue_arn: str) -> dict:
    """The event Lambda's SQS event source sends for one message of the shards queue."""
    return {"Records": [{"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "messageId": message["MessageId"],
                         "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
                         "attributes": message.get("Attributes", {})}]}


# How often the watchdog looks at each running invocation's time and memory.
WATCH_EVERY = 0.5
STALL_SECONDS = 30  # work waiting this long with every worker idle is logged as a stall


def memory_in_use(percent: int) -> bool:
    """Whether the machine's memory in use is at least `percent` (0: always true)."""
    if percent <= 0:
        return True
    import psutil

    return psutil.virtual_memory().percent >= percent


class Workers:
    """`settings.local.local_workers` worker processes (Lambda's concurrency, locally), fed from a
    FairQueue. One user holds at most all workers but one while someone else waits, so a burst
    of dense pages leaves a worker for everyone else. `done(item, error)` runs when an
    invocation ends. Each invocation has Lambda's time (settings.worker.worker_timeout_seconds) and
    memory (settings.local.worker_memory_mb): a watchdog kills a worker process past either, and a
    process that dies (killed, crashed, out of memory) is replaced; its invocation raised, so
    its event is retried as Lambda retries. `target` is what an invocation runs (`invoke`)."""

    def __init__(self, count: int, done, target=None, partial: bool = False, reserve: int = 0,
                 listeners: int = 0, reading_sent=lambda held: False) -> None:
        self.count, self.done, self.target = max(1, count), done, target
        # Whether the shards queue has messages besides the `held` ones this bridge has in its line
        # or running: a shard sends its follower before it ends, so when its slot frees the
        # follower may still be in the queue or on its way (received, not yet in the line), and a
        # section of recording must not take its place.
        self.reading_sent = reading_sent
        self.partial = partial  # an invocation's `batchItemFailures` fail its event (the shards queue's)
        # `reserve` more processes for uploads only: deployed, a book's shards run under their event
        # source's own maximum concurrency, beside the uploads' invocations, not in their place.
        # `listeners` more for the listener's queue only (deployed: its own event source and
        # concurrency, settings.books.first_max_concurrency): a listener who moves to a late chapter
        # does not wait for a book's shard (a 32-page read, a 75 s section) to end somewhere. They
        # start with the first book's first shard, as Lambda starts an event source's first instance
        # (a stack that reads no book has none).
        reserve, self.listeners = max(0, reserve), max(0, listeners)
        # Books' processes niced below the uploads' and the listener's now-work, where a process
        # may be raised again for them (may_lower_niceness); else none is niced.
        self.nice = nice = settings.get().local.local_shard_nice if (reserve or listeners) and may_lower_niceness() else 0
        self.slots = [Slot(target, nice) for _ in range(self.count)] + [Slot(target) for _ in range(reserve)]
        self.reserved = set(range(self.count, self.count + reserve))  # slot indexes no book's shard takes
        self.listening: set[int] = set()  # slot indexes for the listener's queue only, once started
        self.queue = FairQueue()  # uploads: the reserve first, then the shards' slots
        # A book's work by its queue (chalicelib.resources.worker_queues), as deployed each its own
        # event source: what a listener waits for (any slot, the listener's own first), then the
        # reading shards, then recording nobody waits for yet (only while no reading shard waits):
        # those two at most `count` at once, never in the reserve.
        self.lines = {logical: FairQueue() for logical in resources.worker_queues()}
        self.first, self.shards, self.record = (self.lines[q] for q in (FIRST, SHARDS, RECORD))
        self.running = self.running_shards = self.running_reading = 0
        self.by_owner: collections.Counter = collections.Counter()
        self.lock = threading.RLock()  # a future that is done already calls back at once, under it
        self.stopped = threading.Event()
        self.stalled_since: float | None = None
        self.stall_said = False
        threading.Thread(target=self._watch, daemon=True, name="worker-limits").start()

    def submit(self, event: dict, item, queue: str | None = None) -> bool:
        """Queue `event` (an upload's, or a message of the book queue `queue`) for its turn."""
        key = event_key(event)
        line = self.lines[queue or SHARDS] if key.startswith("shards/") else self.queue
        with self.lock:
            if line is not self.queue and self.listeners and not self.listening:
                for _ in range(self.listeners):
                    self.listening.add(len(self.slots))
                    self.slots.append(self._listener_slot())
            added = line.add(key, (event, item, FairQueue.owner(key), time.monotonic()))
        self.pump()
        return added

    def _listener_slot(self) -> Slot:
        """A process for the listener's queue: taken once its engines are loaded (a shard a
        listener waits for goes to a warm process that frees first, not behind a cold start)."""
        slot = Slot(self.target, self.nice, eager=True)
        slot.pid.add_done_callback(lambda _: self.pump())
        return slot

    def _may_run(self, owner: str) -> bool:
        others_waiting = bool(self.queue.waiting() - {owner})
        cap = self.count - 1 if others_waiting and self.count > 1 else self.count
        return self.by_owner[owner] < cap

    def pump(self) -> None:
        with self.lock:
            while True:
                free = [i for i, slot in enumerate(self.slots) if not slot.busy]
                ours = [i for i in free if i < self.count]  # the books' shards' slots
                reserve = [i for i in free if i in self.reserved]
                listening = [i for i in free if i in self.listening and self.slots[i].pid.done()]
                got, shard, first, at, reading = None, False, False, None, False
                if reserve or ours:
                    got = self.queue.next(self._may_run)
                    at = (reserve or ours)[0]
                upload = got is not None
                if got is None and (listening or ours):
                    # The listener's own process once warm, else a shard slot.
                    got, first = self.first.next(), True
                    at = (listening + ours)[0]
                if got is None and reserve:
                    # A book's opening (its first page, its first short section) is its upload's
                    # first text and audio: the upload reserve takes it too, as deployed the
                    # listener's queue starts it beside the others at once. Nothing longer: a
                    # photo arriving then does not wait for a section of speech.
                    # A first section (under a second of work) before a first page.
                    got = self.first.next(wanted=first_section) or self.first.next(wanted=opening)
                    first, at = True, reserve[0]
                if got is None and ours and self.running_shards < self.count:
                    got, shard, first, at = self.shards.next(), True, False, ours[0]
                    reading = got is not None
                    if got is None and len(self.record) and not self._reading_sent():
                        got = self.record.next()  # recording nobody waits for: only while no reading shard waits
                if got is None:
                    return
                event, item, owner, since = got
                if (first and not ahead(event)) or upload:
                    # Before it starts: its first steps count too. An upload on a book's (niced)
                    # process runs at the uploads' priority too: deployed it has a Lambda of its own.
                    # What a listener will hear in a minute runs niced, beside people's first pages.
                    self.slots[at].urgent(True)
                try:
                    slot, future = self._start(self.slots[at], event)
                except Exception as exc:  # noqa: BLE001 - its event is retried, as after a raise
                    self.slots[at].urgent(False)
                    log.exception("could not start an invocation")
                    self.done(item, exc)
                    continue
                self.running += 1
                self.running_shards += shard
                self.running_reading += reading
                # An account's share of the workers counts its uploads (a book's shards have
                # their own lines and queues: its listener's section must not hold its photo back).
                owner = owner if upload else None
                self.by_owner[owner] += 1
                if first:
                    log.info("listener's shard started", extra={"shard": event_key(event).rsplit("/", 1)[-1],
                                                                "waited_s": round(time.monotonic() - since, 3),
                                                                "ahead": ahead(event)})
                future.add_done_callback(
                    lambda f, s=slot, e=event, item=item, owner=owner, shard=shard, reading=reading:
                        self._finished(f, s, e, item, owner, shard, reading))

    def _reading_sent(self) -> bool:
        try:
            return bool(self.reading_sent(len(self.shards) + self.running_reading))
        except Exception:  # noqa: BLE001 - local AWS restarting: the line's own state decides
            log.debug("could not count the shards queue's messages", exc_info=True)
            return False

    def _start(self, slot: Slot, event: dict) -> tuple[Slot, concurrent.futures.Future]:
        """The invocation started in `slot`, or in its replacement if its process died idle."""
        try:
            return slot, slot.submit(event)
        except concurrent.futures.process.BrokenProcessPool:
            slot = self._replace(slot)
            try:
                return slot, slot.submit(event)
            except Exception:
                slot.busy = False
                raise

    def _finished(self, future, slot: Slot, event: dict, item, owner: str, shard: bool = False,
                  reading: bool = False) -> None:
        error = future.exception()
        if error is None and self.partial and (future.result() or {}).get("batchItemFailures"):
            error = RuntimeError("the invocation reported its message as failed")  # SQS's partial batch response
        with self.lock:
            self.running -= 1
            self.running_shards -= shard
            self.by_owner[owner] -= 1
            if isinstance(error, concurrent.futures.process.BrokenProcessPool):
                self._replace(slot)
            elif slot.boosted:
                slot.urgent(False)
            slot.idle_since = time.monotonic()
            slot.busy = False
        self.done(item, error)
        with self.lock:  # held until its message is deleted (or made to come back): counted once
            self.running_reading -= reading
        if error is None and "continued" in (future.result() or {}).get("outcomes", []):
            # A long job's turn ended with work left: its next turn queues like any event
            # (deployed, the worker invokes itself).
            self.submit(event, None)
        self.pump()

    def _replace(self, slot: Slot) -> Slot:
        log.warning("a worker process died; a new one replaces it", extra={"killed_for": slot.killed})
        slot.close()
        new = self.slots[self.slots.index(slot)] = self._listener_slot() if slot.eager else Slot(self.target, slot.nice)
        return new

    def _watch(self) -> None:
        """Lambda's limits on each running invocation (its time and its memory), and its reclaim
        of an idle environment: a process idle for settings.local.local_idle_seconds ends (while
        the machine's memory in use is at least local_idle_memory_percent), its slot starts a new
        one with its next invocation. The listener's processes stay warm."""
        while not self.stopped.wait(WATCH_EVERY):
            s = settings.get()
            reclaim = memory_in_use(s.local.local_idle_memory_percent)
            with self.lock:  # no invocation ends or starts between the check and the kill
                for i, slot in enumerate(list(self.slots)):
                    reason = slot.over(s.worker.worker_timeout_seconds, s.local.worker_memory_mb)
                    if reason is not None and slot.killed is None:
                        log.warning("killing a worker process over its limit", extra={"limit": reason})
                        slot.kill(reason)
                    elif reclaim and not slot.eager and slot.idle(s.local.local_idle_seconds):
                        log.info("idle worker process reclaimed", extra={"pid": slot.pid.result()})
                        slot.close()
                        self.slots[i] = Slot(self.target, slot.nice, start=False)
            if len(self.record):  # held back for a reading shard on its way: looked at again
                self.pump()
            self._stalled()

    def _stalled(self) -> None:
        """Say so (once) when work has waited STALL_SECONDS with every worker idle: a stack that
        stopped moving is then seen in its log, not only as a client's time-out."""
        with self.lock:
            lines = {"uploads": len(self.queue), **{q: len(line) for q, line in self.lines.items()}}
            if not any(lines.values()) or any(slot.busy for slot in self.slots):
                self.stalled_since, self.stall_said = None, False
                return
            now = time.monotonic()
            self.stalled_since = self.stalled_since or now
            if now - self.stalled_since < STALL_SECONDS or self.stall_said:
                return
            self.stall_said = True
        log.warning("work waits and no worker runs it", extra={"waiting": lines, "reading_held": len(self.shards) + self.running_reading,
                                                               "reading_sent": self._reading_sent()})

    def close(self) -> None:
        self.stopped.set()
        for slot in self.slots:
            slot.close()


def run(queue_url: str, stop: threading.Event, workers: int | None = None) -> None:
    """Long-poll the queue, hand each event to the next free worker in its user's turn; delete a
    message once its invocation ended well (a raise leaves it for SQS to redeliver, as Lambda
    retries). The sweep runs between polls, through the same workers."""
    sqs = aws.sqs()

    def done(item, error) -> None:
        url, receipt, receives = item if isinstance(item, tuple) else (queue_url, item, 1)
        if error is not None:
            log.info("delivery raised; the event will be retried", extra={"error": repr(error)})
            if url != queue_url and receipt is not None:  # a shard whose worker died: back soon, as its lease allows
                with contextlib.suppress(Exception):
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=receipt,
                                                  VisibilityTimeout=shard_retry(receives))
            return
        if receipt is not None:
            try:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt)
            except Exception:  # noqa: BLE001 - redelivered later: the claim dedupes it
                log.exception("could not delete a delivered message")

    s = settings.get().local
    # Locally the shards queue's concurrency is the worker count: a book keeps that many of its
    # reading shards on the queue (settings.books.reading_ahead_shards), its account's next upload
    # waits for no more (the workers' processes, spawned below, take it from the environment).
    os.environ.setdefault(settings.PREFIX + "READING_AHEAD_SHARDS", str(workers or s.local_workers))
    pool = Workers(workers or s.local_workers, done, partial=True, reserve=s.local_upload_workers,
                   listeners=s.local_listener_workers, reading_sent=_waiting_in(SHARDS))
    for logical in resources.worker_queues():
        threading.Thread(target=_poll_shards, args=(pool, stop, logical), daemon=True,
                         name=f"{logical}-poll").start()
    next_sweep = 0.0
    try:
        while not stop.is_set():
            try:
                if time.monotonic() >= next_sweep:  # what is waiting or running is not re-driven
                    sweep.run(lambda event: pool.submit(event, None))
                    next_sweep = time.monotonic() + s.sweep_seconds
                wait = max(1, min(LONG_POLL_SECONDS, int(next_sweep - time.monotonic())))  # the sweep keeps its time
                got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
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


# How long each receive waits for a message (SQS's most). A long poll answers as soon as a message
# arrives, so no event waits longer for it; what it sets is how often an idle queue is asked again.
# At 2 s (uploads) and 1 s (each shards queue) an idle stack's bridge and local AWS took ~0.02 CPU s
# a second between them: ~2% of a core per stack, for every stack the tests keep up (make test's
# heavy part keeps four or five up, on two cores).
LONG_POLL_SECONDS = 20
SHARD_RETRY = 5  # seconds before a shard whose worker died is delivered again (Lambda: the queue's visibility)


def shard_retry(receives: int) -> int:
    """Seconds before a shard's message whose delivery raised comes back: SHARD_RETRY, doubled at
    each receive, at most the shard's lease. Deployed, it comes back after the queue's visibility
    (960 s), longer than the lease, so every receive can find the dead worker's lease run out; here a
    fixed 5 s spent the queue's ten receives (resources: then its dead-letter queue) in 50 s on a
    lease of 300: a worker killed over its time on a busy machine left its book waiting for good.
    Doubling, the ten receives span the lease twice over (leases up to 20 minutes; 5 by default)."""
    lease = int(settings.get().books.shard_lease_seconds)
    return max(1, min(lease, SHARD_RETRY * 2 ** max(0, receives - 1)))


def _poll_shards(pool: Workers, stop: threading.Event, logical: str) -> None:
    """A book queue (chalicelib.resources.worker_queues) as Lambda's SQS event source polls it:
    the listener's long-polled on its own, its messages taken at once (deployed, its own event
    source starts them), a listener's message seen as soon as it is sent; the reading shards'
    and the record queue's one message per invocation, taken only while a worker could start
    one soon (messages waiting here would hold their visibility), the record queue's only while
    no reading shard waits. The local AWS serves each receive as SQS fair queues do
    (infra/local/queues.py): the accounts with the fewest messages in flight first."""
    sqs = aws.sqs()
    queue: tuple[str, str] | None = None
    first, line = logical == FIRST, pool.lines[logical]
    while not stop.is_set():
        try:
            if queue is None:
                url = sqs.get_queue_url(QueueName=resources.queue_name(logical, settings.get()))["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                queue = (url, arn)
            url, arn = queue
            room = 10 if first else pool.count - len(line)
            if logical == RECORD and len(pool.shards):
                room = 0  # reading first: recording waits in its queue, where the fair order holds
            if room <= 0:
                stop.wait(0.2)
                continue
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, room), WaitTimeSeconds=LONG_POLL_SECONDS,
                                      AttributeNames=["SentTimestamp", "ApproximateReceiveCount"])
            for msg in got.get("Messages", []):
                if first:
                    sent = int((msg.get("Attributes") or {}).get("SentTimestamp") or 0) / 1000.0
                    log.info("listener's shard taken", extra={"shard": _shard_of(msg["Body"]),
                                                              "queued_s": round(time.time() - sent, 3) if sent else None})
                receives = int((msg.get("Attributes") or {}).get("ApproximateReceiveCount") or 1)
                if not pool.submit(shard_event(msg, arn), (url, msg["ReceiptHandle"], receives), queue=logical):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])  # that shard waits already
        except Exception:  # noqa: BLE001 - keep serving: local AWS restarting, the queue not made yet
            log.exception("shards poll error")
            queue = None
            stop.wait(1.0)


def _waiting_in(logical: str):
    """A function of the number of messages the bridge holds from the book queue `logical` (in its
    line or running): whether the queue has others (waiting there, received and on their way to
    the line, or to be delivered again)."""
    sqs, url = aws.sqs(), []

    def waiting(held: int) -> bool:
        if not url:
            url.append(sqs.get_queue_url(QueueName=resources.queue_name(logical, settings.get()))["QueueUrl"])
        counts = sqs.get_queue_attributes(QueueUrl=url[0], AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(counts.get("ApproximateNumberOfMessages", 0)) + int(counts.get("ApproximateNumberOfMessagesNotVisible", 0)) > held
    return waiting


def _shard_of(body: str) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(body).get("shard"))
    return ""


def main() -> None:
    """`python -m infra.local.bridge`: run the bridge alone against a running local AWS."""
    url, _ = ensure_queue()
    stop = threading.Event()
    log.info("bridge ready", extra={"queue": url, "workers": settings.get().local.local_workers})
    try:
        run(url, stop)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
