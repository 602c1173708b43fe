"""The bridge's fair queue: each user's uploads wait their own turn (unit), and through the real
stack a user's burst does not hold up another user's job."""
from __future__ import annotations

import concurrent.futures.process
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from chalicelib import settings
from infra.local.bridge import FIRST, RECORD, SHARDS, Workers
from infra.local.lines import FairQueue, opening
from infra.local.process import StackProcess
from infra.local.slots import Slot
from tests.stackclient import get_job, login, register, upload, wait_job

SHARD_NICE = settings.get().local.local_shard_nice

# The stub kind's jobs only: a worker process warms that kind, which loads nothing. Each worker
# process otherwise loads the page kind's engines and voice as it starts (~5.6 CPU s): the first
# job, and the job after a worker's replacement, waited for them. An empty PAGEVOICE_WARM_KINDS
# is no setting at all (chalicelib.settings: blank values are ignored), so the page kind's.
NO_ENGINES = {"PAGEVOICE_KIND_PLUGINS": "tests.stubkind:KIND", "PAGEVOICE_WARM_KINDS": "stub"}
STUB_STACK = {"PAGEVOICE_LOCAL_WORKERS": "1", "PAGEVOICE_LOCAL_UPLOAD_WORKERS": "0", "PAGEVOICE_REGISTER_LIMIT_PER_IP": "100",
              **NO_ENGINES}


def key(user: str, n: int) -> str:
    return f"uploads/{user}/job{n}/source"


def test_users_take_turns():
    q = FairQueue()
    for n in range(4):
        q.add(key("ann", n), f"ann{n}")
    q.add(key("bob", 0), "bob0")
    assert [q.next() for _ in range(5)] == ["ann0", "bob0", "ann1", "ann2", "ann3"]
    assert q.next() is None and len(q) == 0


def test_a_waiting_upload_takes_one_turn_only():
    q = FairQueue()
    assert q.add(key("ann", 0), "first") and not q.add(key("ann", 0), "duplicate")
    assert q.next() == "first" and q.add(key("ann", 0), "again")  # running is not waiting


@pytest.mark.stack
def test_a_burst_from_one_user_does_not_hold_up_another(tmp_path):
    """One worker: Ann uploads four slow jobs, then Bob one quick job. Bob's is done before
    Ann's last two: it waited for one turn, not for Ann's whole burst."""
    with StackProcess(state_dir=tmp_path / "state", log_path=tmp_path / "stack.log",
                      extra_env=STUB_STACK) as stack:
        ann, bob = login(stack, register(stack)), login(stack, register(stack))
        anns = [upload(stack, ann, f"a{n}.txt", b"slow:2", "text/plain", kind="stub") for n in range(4)]
        time.sleep(0.5)
        bobs = upload(stack, bob, "b.txt", b"echo:quick", "text/plain", kind="stub")
        done = {job_id: wait_job(stack, ann, job_id, timeout=120) for job_id in anns}
        bob_job = wait_job(stack, bob, bobs, timeout=120)
    assert bob_job["status"] == "done" and all(j["status"] == "done" for j in done.values())
    ended = sorted(j["updated_at"] for j in done.values())
    assert bob_job["updated_at"] < ended[2], (bob_job["updated_at"], ended)


@pytest.mark.stack
def test_a_worker_process_killed_mid_job_is_replaced_and_the_next_job_is_served(tmp_path):
    """One worker: it dies (kill -9) while Ann's job runs; Bob's job, uploaded after, is done."""
    with StackProcess(state_dir=tmp_path / "state", log_path=tmp_path / "stack.log",
                      extra_env=STUB_STACK) as stack:
        ann, bob = login(stack, register(stack)), login(stack, register(stack))
        slow = upload(stack, ann, "a.txt", b"slow:60", "text/plain", kind="stub")
        deadline = time.monotonic() + 120
        while get_job(stack, ann, slow)["status"] != "processing" and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [p for p in stack.helpers() if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 1
        workers[0].kill()
        quick = upload(stack, bob, "b.txt", b"echo:after", "text/plain", kind="stub")
        job = wait_job(stack, bob, quick, timeout=120)
        log = stack.log_tail(200)
    assert job["status"] == "done", log
    assert "a worker process died" in log


def test_a_user_may_be_held_back_while_keeping_their_turn():
    q = FairQueue()
    for n in range(2):
        q.add(key("ann", n), f"ann{n}")
    q.add(key("bob", 0), "bob0")
    assert q.next(lambda owner: owner != "ann") == "bob0"  # Ann holds her share: Bob goes
    assert q.next(lambda owner: owner != "ann") is None
    assert q.next() == "ann0"


# ---------------------------------------------------------------- Lambda's limits, locally


def act(event: dict) -> dict:
    """An invocation that does what its upload's key says (runs in a bridge worker process):
    uploads/{user}/{what}/source with what = echo | die | sleep | nap | hog."""
    what = event["Records"][0]["s3"]["object"]["key"].split("/")[2]
    if what == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if what == "sleep":
        time.sleep(60)
    if what == "nap":
        time.sleep(3)
    if what == "hog":  # in a child process, as a decoder's sandbox would be
        subprocess.run([sys.executable, "-c", "import time; x = b'1' * (1500 << 20); time.sleep(60)"], check=False)
    return {"outcomes": [f"done by {os.getpid()}"]}


def event(user: str, what: str) -> dict:
    return {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
                                                        "object": {"key": f"uploads/{user}/{what}/source"}}}]}


class Ended:
    def __init__(self) -> None:
        self.items: dict = {}
        self.changed = threading.Condition()

    def __call__(self, item, error) -> None:
        with self.changed:
            self.items[item] = (error, time.monotonic())
            self.changed.notify_all()

    def wait(self, item, timeout: float = 60):
        with self.changed:
            assert self.changed.wait_for(lambda: item in self.items, timeout), f"{item} never ended"
            return self.items[item]


@pytest.fixture
def workers(monkeypatch):
    for name, value in NO_ENGINES.items():  # these invocations use none
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAGEVOICE_WORKER_TIMEOUT_SECONDS", "4")
    # A worker process without engines is ~380 MB (its imports): well above it, well below the hog.
    monkeypatch.setenv("PAGEVOICE_WORKER_MEMORY_MB", "800")
    ended = Ended()
    pool = Workers(2, ended, target=act)
    yield pool, ended
    pool.close()


def test_a_worker_process_that_dies_is_replaced_and_others_go_on(workers):
    pool, ended = workers
    pool.submit(event("ann", "sleep"), "ann")  # busy in the other process meanwhile
    pool.submit(event("bob", "die"), "bob")
    error, _ = ended.wait("bob")
    assert isinstance(error, concurrent.futures.process.BrokenProcessPool)  # an attempt that failed
    assert "ann" not in ended.items  # Ann's invocation runs on in its own process
    pool.submit(event("cat", "echo"), "cat")
    assert ended.wait("cat")[0] is None  # served by the process that replaced Bob's


def test_an_invocation_over_its_time_or_memory_is_killed(workers, caplog):
    """4 s and 800 MB here: a sleep of 60 s is killed for its time, a child process of 1.5 GB
    for its memory, each alone, and the next invocation is served."""
    pool, ended = workers
    for user, what, limit in (("ann", "sleep", "time"), ("bob", "hog", "memory")):
        caplog.clear()
        pool.submit(event(user, what), what)
        error, _ = ended.wait(what)
        assert isinstance(error, concurrent.futures.process.BrokenProcessPool), what
        # Killed by the watchdog for that limit (the log says which), not ended by itself.
        assert [r.limit for r in caplog.records if hasattr(r, "limit")] == [limit], what
    pool.submit(event("cat", "echo"), "cat")
    assert ended.wait("cat")[0] is None


def test_an_idle_worker_process_is_reclaimed_as_lambda_does_and_the_next_invocation_starts_another(workers, monkeypatch):
    """Idle for settings.local.local_idle_seconds (1 s here), a worker process ends and gives its
    memory back; a busy one is never reclaimed, however long it runs; the next invocation in
    that slot starts a new process and is served."""
    import psutil

    pool, ended = workers
    first = [slot.pid.result(timeout=60) for slot in pool.slots]  # both processes up
    monkeypatch.setenv("PAGEVOICE_LOCAL_IDLE_SECONDS", "1")
    pool.submit(event("ann", "nap"), "nap")  # 3 s: three times the idle limit, busy throughout
    assert ended.wait("nap")[0] is None  # not reclaimed under it (that would break its pool)
    deadline = time.monotonic() + 60
    while any(psutil.pid_exists(pid) for pid in first) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(psutil.pid_exists(pid) for pid in first)  # both processes ended, the used and the unused
    assert all(slot.pool is None for slot in pool.slots)  # and none started in their place yet
    pool.submit(event("bob", "echo"), "bob")
    assert ended.wait("bob")[0] is None
    assert sum(slot.pool is not None for slot in pool.slots) == 1  # one new process, for Bob's


def test_an_idle_worker_process_is_kept_while_the_machine_has_memory_to_spare(workers, monkeypatch):
    """With settings.local.local_idle_memory_percent, an idle process is reclaimed only while that
    much of the machine's memory is in use: under it, it stays warm however long it idles."""
    from infra.local import bridge

    pool, ended = workers
    first = [slot.pid.result(timeout=60) for slot in pool.slots]
    monkeypatch.setenv("PAGEVOICE_LOCAL_IDLE_SECONDS", "0.01")
    monkeypatch.setenv("PAGEVOICE_LOCAL_IDLE_MEMORY_PERCENT", "60")
    asked = threading.Semaphore(0)

    def spare(percent: int) -> bool:  # the machine has memory to spare
        asked.release()
        return False

    monkeypatch.setattr(bridge, "memory_in_use", spare)
    for _ in range(3):  # three passes of the watch, each past the idle limit
        assert asked.acquire(timeout=30)
    assert [slot.pid.result() for slot in pool.slots] == first and all(slot.pool is not None for slot in pool.slots)
    monkeypatch.setattr(bridge, "memory_in_use", lambda percent: percent == 60)  # now the machine is short
    deadline = time.monotonic() + 60
    while any(slot.pool is not None for slot in pool.slots) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(slot.pool is None for slot in pool.slots)  # both reclaimed


def test_memory_in_use_reads_the_machine():
    from infra.local.bridge import memory_in_use

    assert memory_in_use(0) and memory_in_use(1) and not memory_in_use(101)


def niceness(event: dict) -> dict:
    """Writes this thread's niceness (Linux: a thread's own) to the file its message names."""
    body = json.loads(event["Records"][0]["body"])
    with open(body["job"], "w") as fh:
        fh.write(str(os.getpriority(os.PRIO_PROCESS, 0)))
    return {"outcomes": ["done"]}


def test_a_shard_a_listener_waits_for_runs_at_the_uploads_priority_on_a_books_process(monkeypatch, tmp_path):
    """A book's processes are niced below the uploads'; one that takes the listener's queue's
    shard runs it un-niced (deployed: that queue has its own Lambdas), then is niced again."""
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    assert os.geteuid() == 0  # CI and this machine: lowering a niceness needs CAP_SYS_NICE
    ended = Ended()
    pool = Workers(1, ended, target=niceness, reserve=1)  # one book's process (niced), one upload's
    try:
        # rec-0030-48: the listener's too, but made ahead of their place (a minute on): niced.
        for shard, queue, more in (("read-0002", SHARDS, {}), ("rec-0030-46", FIRST, {}),
                                   ("rec-0030-48", FIRST, {"ahead": True}), ("read-0003", SHARDS, {})):
            out = tmp_path / shard
            body = json.dumps({"user": "ann", "job": str(out), "shard": shard, **more})
            pool.submit({"Records": [{"eventSource": "aws:sqs", "body": body}]}, shard, queue)
            assert ended.wait(shard)[0] is None
        nice = {shard: int((tmp_path / shard).read_text()) for shard in ("read-0002", "rec-0030-46", "rec-0030-48",
                                                                         "read-0003")}
        assert nice == {"read-0002": SHARD_NICE, "rec-0030-46": 0, "rec-0030-48": SHARD_NICE, "read-0003": SHARD_NICE}
        # A book's process reclaimed while idle: the listener's shard starts its new one at the
        # uploads' priority, and the shard after it runs niced again.
        monkeypatch.setenv("PAGEVOICE_LOCAL_IDLE_SECONDS", "1")
        deadline = time.monotonic() + 60
        while pool.slots[0].pool is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pool.slots[0].pool is None
        monkeypatch.setenv("PAGEVOICE_LOCAL_IDLE_SECONDS", "0")
        for shard, queue in (("rec-0031-00", FIRST), ("read-0004", SHARDS)):
            out = tmp_path / shard
            body = json.dumps({"user": "ann", "job": str(out), "shard": shard})
            pool.submit({"Records": [{"eventSource": "aws:sqs", "body": body}]}, shard, queue)
            assert ended.wait(shard)[0] is None
        assert [int((tmp_path / shard).read_text()) for shard in ("rec-0031-00", "read-0004")] == [0, SHARD_NICE]
    finally:
        pool.close()


def upload_niceness(event: dict) -> dict:
    """An upload's invocation: writes its thread's niceness to tmp/<user> (the key's user part)."""
    user = event["Records"][0]["s3"]["object"]["key"].split("/")[1]
    with open(os.path.join(os.environ["PAGEVOICE_TEST_OUT"], user), "w") as fh:
        fh.write(str(os.getpriority(os.PRIO_PROCESS, 0)))
    time.sleep(0.5)  # still running when the next upload is pumped: it takes the book's process
    return {"outcomes": ["done"]}


def test_an_upload_on_a_books_process_runs_at_the_uploads_priority(monkeypatch, tmp_path):
    """Two uploads at once with one upload process: the second takes a book's (niced) process and
    runs un-niced there, as deployed it has a Lambda of its own."""
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAGEVOICE_TEST_OUT", str(tmp_path))
    assert os.geteuid() == 0  # lowering a niceness needs CAP_SYS_NICE
    ended = Ended()
    pool = Workers(1, ended, target=upload_niceness, reserve=1)
    try:
        for user in ("ann", "bob"):
            pool.submit(event(user, "photo"), user)
        assert all(ended.wait(user)[0] is None for user in ("ann", "bob"))
        assert {user: int((tmp_path / user).read_text()) for user in ("ann", "bob")} == {"ann": 0, "bob": 0}
        assert pool.slots[0].nice == SHARD_NICE and not pool.slots[0].boosted  # niced again after it
    finally:
        pool.close()


def journal(event: dict) -> dict:
    """Appends "start <shard>" and "end <shard>" to the file its message names."""
    body = json.loads(event["Records"][0]["body"])
    for step in ("start", "end"):
        with open(body["job"], "a") as fh:
            fh.write(f"{step} {body['shard']}\n")
    return {"outcomes": ["done"]}


def test_recording_waits_for_a_reading_shard_still_on_its_way_from_the_queue(monkeypatch, tmp_path):
    """A reading shard sends its follower before it ends; when its slot frees the follower may be
    in the shards queue still, or received by the poller and not yet in the bridge's line. A
    section nobody waits for must not take the slot then: the record line asks the queue how many
    messages it has besides those the bridge holds (here a count: sent, not deleted)."""
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    order = tmp_path / "order"
    queue = {"read-0004"}  # the follower: sent, then received, not yet in the line
    asked: list[int] = []

    def reading_sent(held: int) -> bool:
        asked.append(held)
        return len(queue) > held

    class Deleting(Ended):  # the bridge deletes a message once its invocation ended well
        def __call__(self, item, error) -> None:
            queue.discard(item)
            super().__call__(item, error)

    ended = Deleting()
    pool = Workers(1, ended, target=journal, reading_sent=reading_sent)
    try:
        def send(shard: str, lane: str) -> None:
            body = json.dumps({"user": "ann", "job": str(order), "shard": shard})
            pool.submit({"Records": [{"eventSource": "aws:sqs", "body": body}]}, shard, lane)

        send("rec-0003-01", RECORD)
        assert asked == [0] and not order.exists()  # in transit: the free slot waits for it
        send("read-0004", SHARDS)  # the poller puts it in the line
        assert ended.wait("read-0004")[0] is None and ended.wait("rec-0003-01")[0] is None
        assert order.read_text().split("\n")[:-1] == ["start read-0004", "end read-0004",
                                                     "start rec-0003-01", "end rec-0003-01"]
    finally:
        pool.close()


def test_work_waiting_with_every_worker_idle_is_logged_once_as_a_stall(monkeypatch, tmp_path):
    """A stack that stopped moving is seen in its log, not only as a client's time-out: here a
    section of recording waits for a reading shard the queue says is on its way and never comes."""
    import logging

    from infra.local import bridge

    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(bridge, "STALL_SECONDS", 1.0)
    said: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record)

    logger = logging.getLogger("pagevoice.bridge")
    keep = Keep(level=logging.WARNING)
    logger.addHandler(keep)
    pool = Workers(1, Ended(), target=journal, reading_sent=lambda held: True)
    try:
        body = json.dumps({"user": "ann", "job": str(tmp_path / "order"), "shard": "rec-0000-01"})
        pool.submit({"Records": [{"eventSource": "aws:sqs", "body": body}]}, "rec-0000-01", RECORD)
        deadline = time.monotonic() + 30  # only stops a hung test
        while not said and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # a few more watches: said once
        stalls = [r for r in said if r.getMessage() == "work waits and no worker runs it"]
        assert len(stalls) == 1 and stalls[0].waiting[RECORD] == 1 and stalls[0].reading_sent is True
        assert not (tmp_path / "order").exists()  # nothing ran meanwhile
    finally:
        logger.removeHandler(keep)
        pool.close()


def held(event: dict) -> dict:
    """As `journal`, but a shard whose message names `until` waits for that file to exist first."""
    body = json.loads(event["Records"][0]["body"])
    with open(body["job"], "a") as fh:
        fh.write(f"start {body['user']} {body['shard']}\n")
    deadline = time.monotonic() + 60  # only stops a hung test
    while body.get("until") and not os.path.exists(body["until"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(body["job"], "a") as fh:
        fh.write(f"end {body['user']} {body['shard']}\n")
    return {"outcomes": ["done"]}


def test_a_books_opening_takes_the_upload_process_and_nothing_longer_does():
    """The listener's queue's items wait for a shard slot (or the listener's process); a book's
    opening (its first page, its first section) is an upload's first text and audio, so the
    upload process takes it too, ahead of its turn; a listener's long section never."""
    q = FairQueue()
    q.add("shards/ann/a/rec-0030-46", "section")
    q.add("shards/bob/b/read-0000", "opening")
    assert q.next(wanted=opening) == "opening" and q.next(wanted=opening) is None
    assert q.next() == "section" and len(q) == 0


def test_the_upload_process_starts_a_books_opening_while_the_shard_slots_are_busy(monkeypatch, tmp_path):
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    ended, order, release, opened = Ended(), tmp_path / "order", tmp_path / "release", tmp_path / "opened"
    pool = Workers(1, ended, target=held, reserve=1)
    try:
        def send(user: str, job: str, shard: str, queue: str, **more) -> None:
            body = json.dumps({"user": user, "job": str(order), "shard": shard, **more})
            event = {"Records": [{"eventSource": "aws:sqs", "body": body}]}
            pool.lines[queue].add(f"shards/{user}/{job}/{shard}", (event, f"{user} {shard}", user, time.monotonic()))

        send("ann", "a", "read-0005", SHARDS, until=str(release))  # the shard slot, busy until released
        pool.pump()
        send("ann", "a", "rec-0030-46", FIRST)  # a listener's section: waits for a shard slot
        send("bob", "b", "read-0000", FIRST, until=str(opened))  # another book's first page: the upload process now
        pool.pump()
        send("cy", "c", "read-0000", FIRST)  # two more openings wait for the upload process...
        send("dee", "d", "rec-0000-00", FIRST)  # ...the first section first: under a second of work
        opened.touch()
        assert all(ended.wait(item)[0] is None for item in ("bob read-0000", "cy read-0000", "dee rec-0000-00"))
        release.touch()
        assert ended.wait("ann read-0005")[0] is None and ended.wait("ann rec-0030-46")[0] is None
        lines = order.read_text().split("\n")[:-1]
        assert lines.index("end bob read-0000") < lines.index("start dee rec-0000-00") < lines.index("start cy read-0000")
        assert lines.index("end cy read-0000") < lines.index("end ann read-0005") < lines.index("start ann rec-0030-46")
    finally:
        pool.close()


def credentials(event: dict) -> list:
    import boto3

    found = boto3.session.Session().get_credentials()
    return [os.environ.get("AWS_ACCESS_KEY_ID"), found.access_key, found.secret_key]


def test_worker_processes_act_as_the_workers_identity(monkeypatch):
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "the-stacks-own")
    monkeypatch.setenv("PAGEVOICE_LOCAL_WORKER_ACCESS_KEY_ID", "worker-key")
    monkeypatch.setenv("PAGEVOICE_LOCAL_WORKER_SECRET_ACCESS_KEY", "worker-secret")
    slot = Slot(target=credentials)
    try:
        assert slot.submit(event("ann", "echo")).result(timeout=60) == ["worker-key", "worker-key", "worker-secret"]
    finally:
        slot.close()


def test_processes_are_niced_only_where_they_may_be_raised_again(monkeypatch):
    """Without root, CAP_SYS_NICE or an RLIMIT_NICE of 20, an upload or a listener's section that
    lands on a book's niced process could not run at their priority: the bridge nices none."""
    import resource

    from infra.local import bridge, slots

    assert slots.may_lower_niceness()  # root here (CI and this machine)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(resource, "getrlimit", lambda which: (0, 0))
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(os.devnull) if path == "/proc/self/status"
                        else real_open(path, *a, **k))
    assert not slots.may_lower_niceness()
    for name, value in NO_ENGINES.items():
        monkeypatch.setenv(name, value)
    pool = bridge.Workers(1, Ended(), target=act, reserve=1, listeners=1)
    try:
        assert pool.nice == 0 and all(slot.nice == 0 for slot in pool.slots)
        [slot.pid.result(timeout=60) for slot in pool.slots]  # started (and said so) before the test ends
    finally:
        pool.close()
    monkeypatch.setattr(resource, "getrlimit", lambda which: (20, 20))  # `ulimit -e 20`
    assert slots.may_lower_niceness()


def test_a_shard_whose_delivery_raised_comes_back_within_its_queue_s_receives_only_after_its_lease(monkeypatch):
    """The ten receives before a book queue's dead-letter queue (chalicelib.resources) span the
    shard's lease twice over, so a retry finds a killed worker's lease run out before the message
    is given up; the first comes back soon. Seen on a busy machine at a fixed 5 s: a worker killed
    over its time, ten receives in 50 s against a 300 s lease, and its book waiting for good."""
    from chalicelib import resources
    from infra.local.bridge import SHARD_RETRY, shard_retry

    receives = resources.QUEUES["ShardsQueue"]["max_receive_count"]
    for lease in (25, 300, 900, 1200):
        monkeypatch.setenv("PAGEVOICE_SHARD_LEASE_SECONDS", str(lease))
        delays = [shard_retry(n) for n in range(1, receives)]
        assert delays[0] == SHARD_RETRY and max(delays) <= lease
        assert sum(delays) >= 2 * lease, (lease, delays)
