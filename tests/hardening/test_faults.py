"""Faults in the worker's world, in-process on moto: AWS errors at each step, duplicate and
out-of-order events, workers that die mid-job, jobs nothing will move again.

The promise: after the retries Lambda (or the local bridge) makes, every job ends
`done` or `failed`; none is processed twice by duplicate events; DELETE leaves no objects.
The jobs are of the stub kind (tests/stubkind/): what it does is written in the upload.

Retries are simulated as deployed (infra/template.py): a worker timeout, and so job lease, of
120 s, and Lambda's two retries of a failed async invoke about 1 and 2 minutes apart, on a
clock (`chalicelib.clock.now`) the test moves.
"""
from __future__ import annotations

import threading
import time

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws, clock, settings
from chalicelib.jobs import keys, lifecycle, sweep, worker
from chalicelib.jobs import table as jobs
from chalicelib.web import job_view
from infra.local import bridge
from tests import stubkind
from tests.apiclient import bearer, login, register

pytest_plugins = ["tests.apifixtures"]

USER = "u-faults"
LEASE = 120
RETRY_DELAYS = (60, 120)  # Lambda's async retries: ~1 min, then ~2 min later


@pytest.fixture
def now(monkeypatch, api_env):
    """A clock the test moves; the deployed lease length."""
    monkeypatch.setenv("PAGEVOICE_JOB_LEASE_SECONDS", str(LEASE))
    t = [time.time()]
    monkeypatch.setattr(clock, "now", lambda: t[0])
    return t


@pytest.fixture(autouse=True)
def stub_kind(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", "tests.stubkind:KIND")


@pytest.fixture
def runs():
    """The stub kind's runs (the bytes of each)."""
    stubkind.RUNS.clear()
    return stubkind.RUNS


def bucket() -> str:
    return settings.get().aws.bucket


def objects() -> list[str]:
    return sorted(o["Key"] for o in aws.s3().list_objects_v2(Bucket=bucket()).get("Contents", []))


def uploaded_job(data: bytes = b"echo:HELLO") -> tuple[str, str]:
    job_id = jobs.create(USER, filename="note.txt", content_type="text/plain", size=len(data), kind="stub")["job_id"]
    key = keys.upload_key(USER, job_id)
    aws.s3().put_object(Bucket=bucket(), Key=key, Body=data)
    return job_id, key


def deliver(key: str, now: list[float], retries: int = len(RETRY_DELAYS)) -> list[str]:
    """One S3 event as Lambda handles it: a raise is retried after Lambda's delays, at most
    `retries` times. Returns each attempt's outcome ("raised: Code" for a raise)."""
    outcomes = []
    for delay in (0, *RETRY_DELAYS[:retries]):
        now[0] += delay
        try:
            outcomes.append(worker.handle_upload(bucket(), key))
            return outcomes
        except ClientError as exc:
            outcomes.append(f"raised: {exc.response['Error']['Code']}")
        except Exception as exc:  # noqa: BLE001 - whatever the worker lets out, Lambda retries
            outcomes.append(f"raised: {type(exc).__name__}")
    return outcomes


class Faulty:
    """A boto3 client or Table whose `method` raises ClientError(code) on calls `nth` to
    `nth + times - 1` (counted from 1); everything else passes through to the real one."""

    def __init__(self, real, method: str, code: str, nth: int = 1, times: int = 1, status: int = 400):
        self.real, self.method, self.code, self.nth, self.times, self.status = real, method, code, nth, times, status
        self.calls = 0

    def __getattr__(self, name):
        attr = getattr(self.real, name)
        if name != self.method:
            return attr

        def call(*args, **kwargs):
            self.calls += 1
            if self.nth <= self.calls < self.nth + self.times:
                raise ClientError({"Error": {"Code": self.code, "Message": "injected"},
                                   "ResponseMetadata": {"HTTPStatusCode": self.status}}, self.method)
            return attr(*args, **kwargs)
        return call


def inject(monkeypatch, getter: str, fault: Faulty):
    """Route every `aws.<getter>()` through the faulty wrapper (jobs reads aws.jobs_table).
    Returns a function that makes AWS healthy again."""
    healthy = getattr(aws, getter)
    monkeypatch.setattr(aws, getter, lambda: fault)
    return lambda: monkeypatch.setattr(aws, getter, healthy)


# (step, getter, method, nth call, error code, HTTP status, pipeline runs, final status)
# Runs are 2 when the fault comes after the kind ran: its outputs were never recorded, so the
# retry must redo it (the worker's role may not read results/ back); never from a duplicate.
# update_item calls: 1 takes the account's worker slot, 2 claims, 3 records the source, 4 finishes.
STEPS = [
    ("slot", "jobs_table", "update_item", 1, "ThrottlingException", 400, 1, "done"),
    ("claim", "jobs_table", "update_item", 2, "ProvisionedThroughputExceededException", 400, 1, "done"),
    ("head", "s3", "head_object", 1, "InternalError", 500, 1, "done"),
    ("get", "s3", "get_object", 1, "SlowDown", 503, 1, "done"),
    ("get-missing", "s3", "get_object", 1, "NoSuchKey", 404, 0, "failed"),
    ("put-output", "s3", "put_object", 1, "InternalError", 500, 2, "done"),
    ("put-result", "s3", "put_object", 2, "SlowDown", 503, 2, "done"),
    ("keep-source", "s3", "copy_object", 1, "InternalError", 500, 1, "done"),
    ("record-source", "jobs_table", "update_item", 3, "ThrottlingException", 400, 1, "done"),
    ("finish", "jobs_table", "update_item", 4, "ThrottlingException", 400, 2, "done"),
]


@pytest.mark.parametrize("step,getter,method,nth,code,status,expected_runs,final", STEPS,
                         ids=[s[0] for s in STEPS])
def test_an_error_at_each_step_ends_the_job(monkeypatch, now, runs, step, getter, method, nth, code, status,
                                            expected_runs, final):
    job_id, key = uploaded_job()
    fault = Faulty(getattr(aws, getter)(), method, code, nth, status=status)
    heal = inject(monkeypatch, getter, fault)
    outcomes = deliver(key, now)
    assert fault.calls >= nth, f"the fault at {step} never fired: {outcomes}"
    job = jobs.get(USER, job_id)
    assert job["status"] == final, (outcomes, job)
    assert len(runs) == expected_runs, outcomes
    if final == "done":
        assert outcomes[-1] == "done" and outcomes[0].startswith("raised"), outcomes
        assert objects() == sorted([key, keys.result_key(USER, job_id), keys.output_key(USER, job_id, stubkind.ECHO),
                                    keys.output_key(USER, job_id, "source")])
    else:
        assert "missing" in job["error"]
    # A late duplicate of the event does nothing.
    assert worker.handle_upload(bucket(), key) == "skipped" and len(runs) == expected_runs
    heal()  # DELETE leaves nothing behind
    assert lifecycle.delete(USER, job_id) and objects() == []


def test_a_publish_that_fails_to_write_is_retried_and_leaves_only_the_result(monkeypatch, now, runs):
    """S3 refuses the write of an early result (the growing result's index): the retry does
    the work again, and the job ends with result.json whole (the index removed at the end)."""
    job_id, key = uploaded_job(b"early:HELLO")
    heal = inject(monkeypatch, "s3", Faulty(aws.s3(), "put_object", "SlowDown", 1, status=503))
    outcomes = deliver(key, now)
    heal()
    assert outcomes == ["raised: SlowDown", "done"] and len(runs) == 2
    assert objects() == sorted([key, keys.result_key(USER, job_id), keys.output_key(USER, job_id, stubkind.ECHO),
                                keys.output_key(USER, job_id, "source")])
    assert job_view.describe(USER, job_id)["result"]["text"] == "HELLO"


def test_errors_outlasting_the_retries_fail_the_job(monkeypatch, now, runs):
    """S3 down for longer than Lambda retries: the last attempt fails the job with a reason
    instead of raising into the dead-letter queue with the job still open."""
    job_id, key = uploaded_job()
    inject(monkeypatch, "s3", Faulty(aws.s3(), "get_object", "SlowDown", times=99, status=503))
    outcomes = deliver(key, now)
    assert outcomes == ["raised: SlowDown", "raised: SlowDown", "failed"]
    job = jobs.get(USER, job_id)
    assert job["status"] == "failed" and job["attempts"] == 3 and "3 times" in job["error"]
    assert runs == []


def test_a_bug_on_odd_input_does_not_leave_the_job_processing(monkeypatch, now):
    """An unexpected exception (an engine bug on some input) must not escape without releasing
    the job: Lambda's retries would meet a live lease, be skipped, and the job would stay
    `processing` for ever. Each attempt hands it back, and the last one fails it."""
    job_id, key = uploaded_job(b"crash")
    outcomes = deliver(key, now)
    assert outcomes == ["raised: RuntimeError", "raised: RuntimeError", "failed"]
    job = jobs.get(USER, job_id)
    assert job["status"] == "failed" and job["error"] == worker.GAVE_UP.format(n=3)
    assert len(stubkind.RUNS) == 3


def test_a_transient_error_of_the_kind_is_retried_with_its_reason(now, runs):
    job_id, key = uploaded_job(b"retry:The voice server is busy.")
    outcomes = deliver(key, now)
    assert outcomes == ["raised: Transient", "raised: Transient", "failed"]
    error = jobs.get(USER, job_id)["error"]
    assert error.startswith("The voice server is busy.") and "3 times" in error


def test_a_permanent_error_of_the_kind_fails_at_once_with_its_reason(now, runs):
    job_id, key = uploaded_job(b"fail:This is not a note.")
    assert deliver(key, now) == ["failed"]
    assert jobs.get(USER, job_id)["error"] == "This is not a note." and len(runs) == 1


def test_when_handing_back_fails_too_a_retry_meets_the_lease_and_raises(monkeypatch, now, runs):
    """DynamoDB refuses both `finish` and the `release` after it: the job is left `processing`
    under its own lease. Lambda's retry within the lease meets it and raises (a "skipped" would
    have spent the retry), so the retry after the lease takes the job over."""
    job_id, key = uploaded_job()
    heal = inject(monkeypatch, "jobs_table",
                  Faulty(aws.jobs_table(), "update_item", "ThrottlingException", nth=4, times=2))
    outcomes = deliver(key, now)
    heal()
    assert outcomes == ["raised: ThrottlingException", "raised: LeaseHeld", "done"]
    job = jobs.get(USER, job_id)
    assert job["status"] == "done" and job["attempts"] == 2 and len(runs) == 2


def test_the_sweep_re_drives_what_lambdas_retries_missed(monkeypatch, now, runs):
    """Lambda's retries all fell within the lease (a worker killed early in a long lease) and
    no event will come again: the scheduled sweep re-drives the job once the lease has run out,
    as an attempt like any other."""
    job_id, key = uploaded_job()
    assert jobs.claim(USER, job_id, LEASE)  # the first worker died here
    assert deliver(key, now, retries=0) == ["raised: LeaseHeld"]
    invoked = []
    assert sweep.redrive(invoked.append) == 0  # the lease still runs: hands off
    now[0] += LEASE
    assert sweep.redrive(lambda event: invoked.append(worker.lambda_handler(event))) == 1
    job = jobs.get(USER, job_id)
    assert job["status"] == "done" and job["attempts"] == 2 and len(runs) == 1
    assert invoked == [{"outcomes": ["done"]}]


def test_without_a_sweep_settle_still_ends_the_job(monkeypatch, now, runs):
    """Belt and braces: if the sweep is not running, GET /jobs/{id} reports the job failed once
    no retry can still come."""
    job_id, key = uploaded_job()
    jobs.claim(USER, job_id, LEASE)  # a worker that died
    now[0] += LEASE + settings.get().worker.job_retry_window_seconds
    view = job_view.describe(USER, job_id)
    assert view["status"] == "failed" and view["error"] == jobs.DID_NOT_FINISH
    assert jobs.get(USER, job_id)["status"] == "failed"  # recorded, not only shown
    assert runs == []


def test_the_deployed_sweep_invokes_the_worker_function(monkeypatch, now, runs):
    """The scheduled function's handler invokes the worker Lambda asynchronously with the S3
    event the worker would have had; the attempt cap still holds on its re-drives."""
    job_id, key = uploaded_job()
    calls = []

    class FakeLambda:
        def invoke(self, **kw):
            calls.append(kw)
            return {"StatusCode": 202}

    monkeypatch.setattr(aws, "lambda_", lambda: FakeLambda())
    monkeypatch.setenv("PAGEVOICE_WORKER_FUNCTION", "pagevoice-dev-worker")
    for _ in range(settings.get().worker.worker_max_attempts):
        assert jobs.claim(USER, job_id, LEASE)  # each worker dies
        now[0] += LEASE + 1
    assert sweep.lambda_handler({}, None) == {"redriven": 1, "expired": 0, "erased": 0, "removed": 0}
    [call] = calls
    assert call["FunctionName"] == "pagevoice-dev-worker" and call["InvocationType"] == "Event"
    import json

    # What the worker does with that event: the job had its attempts, so it fails, with a reason.
    assert worker.lambda_handler(json.loads(call["Payload"])) == {"outcomes": ["failed"]}
    assert jobs.get(USER, job_id)["error"] == worker.GAVE_UP.format(n=settings.get().worker.worker_max_attempts)
    assert runs == [] and sweep.lambda_handler({}, None) == {"redriven": 0, "expired": 0, "erased": 0, "removed": 0}


def test_the_sweep_finishes_a_job_whose_worker_died(now, runs):
    """A worker killed mid-job (claimed, never finished): nothing happens while its lease
    lives; after it, the bridge's sweep re-delivers and the job is processed exactly once."""
    job_id, key = uploaded_job()
    assert jobs.claim(USER, job_id, LEASE)  # ... and the process died here
    assert bridge.sweep_once() == 0 and runs == []  # the lease is live: hands off
    now[0] += LEASE + 1
    assert bridge.sweep_once() == 1
    job = jobs.get(USER, job_id)
    assert job["status"] == "done" and job["attempts"] == 2 and len(runs) == 1
    assert bridge.sweep_once() == 0 and len(runs) == 1  # done jobs are not swept


def test_a_redelivery_after_the_lease_takes_over_once(now, runs):
    job_id, key = uploaded_job()
    jobs.claim(USER, job_id, LEASE)  # the first worker died
    with pytest.raises(worker.LeaseHeld):  # a duplicate within the lease: Lambda tries again later
        worker.handle_upload(bucket(), key)
    now[0] += LEASE + 1
    assert worker.handle_upload(bucket(), key) == "done"
    assert worker.handle_upload(bucket(), key) == "skipped"
    assert len(runs) == 1


def test_a_job_that_kills_every_worker_fails_after_the_last_attempt(now, runs):
    """E.g. an input that runs out of memory or time each time: each worker dies after its
    claim. The attempt after the last allowed one fails the job instead of trying again."""
    job_id, key = uploaded_job()
    for _ in range(settings.get().worker.worker_max_attempts):
        assert jobs.claim(USER, job_id, LEASE)
        now[0] += LEASE + 1
    assert worker.handle_upload(bucket(), key) == "failed"
    job = jobs.get(USER, job_id)
    assert job["status"] == "failed" and job["error"] == worker.GAVE_UP.format(n=settings.get().worker.worker_max_attempts)
    assert runs == []


def test_one_failing_job_does_not_stop_the_sweep(monkeypatch, now, runs):
    first, _ = uploaded_job(b"crash")
    second, _ = uploaded_job()
    for job_id in (first, second):
        jobs.claim(USER, job_id, LEASE)
    now[0] += LEASE + 1
    assert bridge.sweep_once() == 2  # the first raised; the second was still delivered
    statuses = sorted(jobs.get(USER, j)["status"] for j in (first, second))
    assert statuses == ["done", "queued"]  # the crashed one was handed back for the next sweep


# --- Duplicate and out-of-order events ---

def test_two_deliveries_racing(monkeypatch, now, runs):
    """The same event delivered twice at once (S3 delivers at least once). DynamoDB applies
    conditional writes to one item one at a time; moto in-process does not, so the test
    gives it that one property with a lock, and lets the threads race through the rest."""
    job_id, key = uploaded_job()
    table, lock = aws.jobs_table(), threading.Lock()

    class Atomic:
        def __getattr__(self, name):
            attr = getattr(table, name)
            if name != "update_item":
                return attr

            def locked(**kw):
                with lock:
                    return attr(**kw)
            return locked

    monkeypatch.setattr(aws, "jobs_table", lambda: Atomic())
    start = threading.Barrier(4)
    outcomes = []

    def one():
        start.wait()
        try:
            outcomes.append(worker.handle_upload(bucket(), key))
        except worker.LeaseHeld:
            outcomes.append("raised: LeaseHeld")  # met the winner at work: Lambda retries later

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("done") == 1 and set(outcomes) <= {"done", "skipped", "raised: LeaseHeld"}
    assert len(runs) == 1 and jobs.get(USER, job_id)["attempts"] == 1


def test_event_for_a_deleted_job(now, runs):
    job_id, key = uploaded_job()
    assert lifecycle.delete(USER, job_id)
    assert worker.handle_upload(bucket(), key) == "skipped"
    assert runs == [] and objects() == []


def test_event_for_a_job_that_has_no_record(now, runs):
    """Out of order, or forged: an object under uploads/ whose job record does not exist (yet).
    Nothing is processed and no record is made up."""
    key = keys.upload_key(USER, keys.new_job_id())
    aws.s3().put_object(Bucket=bucket(), Key=key, Body=b"x")
    assert worker.handle_upload(bucket(), key) == "skipped"
    assert runs == [] and job_view.list_jobs(USER)[0] == []
    assert objects() == [key]  # see test_upload_after_delete_is_left_behind


def test_event_before_the_upload_is_marked_arrived(now, runs):
    """The S3 event can outrun anything that would mark the job queued: it is processed from
    `uploading` directly."""
    job_id, key = uploaded_job()
    assert jobs.get(USER, job_id)["status"] == "uploading"
    assert worker.handle_upload(bucket(), key) == "done" and len(runs) == 1


def test_delete_while_processing_leaves_no_outputs(monkeypatch, now, runs):
    job_id, key = uploaded_job()
    real = stubkind.run

    def delete_meanwhile(data, **kw):
        done = real(data, **kw)
        lifecycle.delete(USER, job_id)  # DELETE /jobs/{id} arrives while the worker runs
        return done

    monkeypatch.setattr(stubkind, "run", delete_meanwhile)
    assert worker.handle_upload(bucket(), key) == "skipped"
    assert objects() == []


def test_upload_after_delete_is_left_for_the_lifecycle_rule(now, runs):
    job_id = jobs.create(USER, filename="page.png", content_type="image/png", size=1)["job_id"]
    assert lifecycle.delete(USER, job_id)
    key = keys.upload_key(USER, job_id)
    # The POST was still valid; S3 applies its `tagging` field (moto's POST ignores it).
    aws.s3().put_object(Bucket=bucket(), Key=key, Body=b"late", Tagging="pagevoice-upload=pending")
    assert worker.handle_upload(bucket(), key) == "skipped"
    tagged = aws.s3().get_object_tagging(Bucket=bucket(), Key=key)["TagSet"]
    assert objects() == [] or tagged  # gone, or marked for the lifecycle rule to reap


# --- Jobs nothing will move again end as failed, with a reason ---

def test_an_upload_that_never_arrives(now):
    job_id = jobs.create(USER, filename="page.png", content_type="image/png", size=1)["job_id"]
    now[0] += settings.get().limits.upload_url_ttl_seconds  # the POST has just expired: one may be in flight
    assert job_view.describe(USER, job_id)["status"] == "uploading"
    now[0] += settings.get().worker.upload_grace_seconds
    view = job_view.describe(USER, job_id)
    assert view["status"] == "failed" and view["error"] == jobs.NEVER_ARRIVED
    assert jobs.get(USER, job_id)["status"] == "failed"
    assert jobs.claim(USER, job_id, LEASE) is None  # a very late event changes nothing


def test_an_upload_whose_event_was_lost(now, runs):
    job_id, _ = uploaded_job()
    now[0] += settings.get().limits.upload_url_ttl_seconds + settings.get().worker.upload_grace_seconds
    assert job_view.describe(USER, job_id)["status"] == "uploading"  # it arrived: its event may still come
    now[0] += settings.get().worker.job_retry_window_seconds
    view = job_view.describe(USER, job_id)
    assert view["status"] == "failed" and view["error"] == jobs.DID_NOT_FINISH


def test_a_released_job_whose_retry_never_came(now):
    job_id, _ = uploaded_job()
    jobs.claim(USER, job_id, LEASE)
    jobs.release(USER, job_id)
    now[0] += settings.get().worker.job_retry_window_seconds - 1
    assert job_view.describe(USER, job_id)["status"] == "queued"
    now[0] += 1
    assert job_view.describe(USER, job_id)["status"] == "failed"


def test_a_live_job_is_left_alone(now):
    job_id, _ = uploaded_job()
    jobs.claim(USER, job_id, LEASE)
    now[0] += LEASE + settings.get().worker.job_retry_window_seconds - 1
    assert job_view.describe(USER, job_id)["status"] == "processing"
    done = jobs.create(USER, filename="old.png", content_type="image/png", size=1)["job_id"]
    jobs.claim(USER, done, LEASE)
    jobs.finish(USER, done, result_key=keys.result_key(USER, done), timings_ms={}, summary={})
    now[0] += 10 * settings.get().worker.job_retry_window_seconds
    assert job_view.describe(USER, done)["status"] == "done"


def test_settling_never_overrides_a_worker_that_moved_the_job(now):
    job_id, _ = uploaded_job()
    jobs.claim(USER, job_id, LEASE)
    seen = jobs.get(USER, job_id)  # read ...
    now[0] += 1
    jobs.finish(USER, job_id, result_key=keys.result_key(USER, job_id), timings_ms={}, summary={})  # ... moved
    now[0] += LEASE + settings.get().worker.job_retry_window_seconds
    assert lifecycle.settle(seen)["status"] == "done"
    assert jobs.get(USER, job_id)["status"] == "done"


def test_the_sweep_settles_jobs_nobody_looks_at(now):
    job_id = jobs.create(USER, filename="page.png", content_type="image/png", size=1)["job_id"]
    now[0] += settings.get().limits.upload_url_ttl_seconds + settings.get().worker.upload_grace_seconds
    assert bridge.sweep_once() == 0
    assert jobs.get(USER, job_id)["status"] == "failed"


def test_the_routes_report_stale_jobs_as_failed(client, monkeypatch):
    register(client)
    headers = bearer(login(client))
    r = client.http.post("/uploads", headers={**headers, "Content-Type": "application/json"},
                         body=b'{"filename": "a.png", "content_type": "image/png", "size": 10}')
    job_id = r.json_body["job_id"]
    later = time.time() + settings.get().limits.upload_url_ttl_seconds + settings.get().worker.upload_grace_seconds + 1
    monkeypatch.setattr(clock, "now", lambda: later)
    page = client.http.get("/jobs", headers=headers).json_body["jobs"]
    assert page[0]["status"] == "failed" and page[0]["error"] == jobs.NEVER_ARRIVED
    assert set(page[0]) == {"job_id", "kind", "status", "filename", "created_at", "updated_at", "error", "summary"}
    body = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
    assert body["status"] == "failed" and body["error"] == jobs.NEVER_ARRIVED
