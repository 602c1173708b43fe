"""Driving the real local stack over HTTP, as the site and programmatic clients do.

Shared by the stack tests (tests/local, tests/hardening) and the benches (bench/load.py,
bench/fuzz.py); `stack` is anything with `.api_url` (infra.local.process.StackProcess).
"""
from __future__ import annotations

import time
import uuid

import requests

PASSWORD = "correct horse battery staple"
FINISHED = ("done", "failed")


def register(stack, email: str | None = None, name: str = "Ada Reader") -> str:
    """A new account; returns its email. Sign-ups are limited per client IP (and `chalice local`
    reports every caller as 127.0.0.1), so tests share accounts where they can."""
    email = email or f"reader-{uuid.uuid4().hex[:8]}@example.com"
    r = requests.post(f"{stack.api_url}/auth/register", json={
        "name": name, "email": email, "password": PASSWORD, "password_confirmation": PASSWORD}, timeout=30)
    assert r.status_code == 201, r.text
    return email


def login(stack, email) -> dict:
    r = requests.post(f"{stack.api_url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def request_upload(stack, headers, filename: str, content_type: str, size: int, *,
                   patience: float = 0, kind: str | None = None, language: str | None = None,
                   skip: list[str] | None = None) -> requests.Response:
    """POST /uploads. With `patience` (seconds), a 429 is waited out as its Retry-After says,
    as a well-behaved client would (uploads are limited per account and minute). `skip`: the
    roles not spoken (CONTRACTS' structure section)."""
    deadline = time.monotonic() + patience
    while True:
        r = requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                          json={"filename": filename, "content_type": content_type, "size": size,
                                **({"kind": kind} if kind else {}), **({"language": language} if language else {}),
                                **({"skip": skip} if skip is not None else {})})
        wait = int(r.headers.get("Retry-After", "1")) if r.status_code == 429 else None
        if wait is None or time.monotonic() + wait > deadline:
            return r
        time.sleep(wait)


def send_file(post: dict, filename: str, data: bytes, content_type: str) -> None:
    # Exactly what the browser does: the policy fields, then the file last.
    s3 = requests.post(post["url"], data=post["fields"], files={"file": (filename, data, content_type)}, timeout=60)
    assert s3.status_code in (200, 201, 204), s3.text


def upload(stack, headers, filename: str, data: bytes, content_type: str, *, patience: float = 0,
           kind: str | None = None, language: str | None = None, skip: list[str] | None = None) -> str:
    r = request_upload(stack, headers, filename, content_type, len(data), patience=patience, kind=kind,
                       language=language, skip=skip)
    assert r.status_code == 201, r.text
    body = r.json()
    send_file(body["upload"], filename, data, content_type)
    return body["job_id"]


def get_job(stack, headers, job_id) -> dict:
    return requests.get(f"{stack.api_url}/jobs/{job_id}", headers=headers, timeout=30).json()


# A poll waits at least this many times as long as the last answer took: a client that polls
# costs the API at most a quarter of one thread, however loaded the machine.
POLL_SHARE = 3
# ...and, the longer a job takes, up to this long (a twentieth of the wait so far): a job of
# minutes is seen done within a second of it, with a fifth of the polls.
POLL_MOST = 1.0


def head_of(job: dict) -> dict:
    """A job's result as GET /jobs/{id} gives it: whole, or a book's index's head while it is made."""
    return job.get("result") or ((job.get("result_parts") or {}).get("index") or {}).get("result") or {}


def _gap(started: float, asked: float, least: float) -> float:
    now = time.monotonic()
    return max(least, POLL_SHARE * (now - asked), min(POLL_MOST, (now - started) / 20))


def statuses(stack, headers) -> dict[str, str]:
    """job_id -> status of the caller's newest 100 jobs: GET /jobs, one query whatever the jobs
    hold (GET /jobs/{id} of a book reads its result's index and presigns each part: ~0.3 CPU s
    of the API and local AWS for a 1,000-page book, seven times GET /jobs' cost)."""
    r = requests.get(f"{stack.api_url}/jobs", params={"limit": 100}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return {job["job_id"]: job["status"] for job in r.json()["jobs"]}


def wait_job(stack, headers, job_id, timeout=120) -> dict:
    """The job's record (GET /jobs/{id}) once it has ended; its status is polled with GET /jobs."""
    deadline, started = time.monotonic() + timeout, time.monotonic()
    status = None
    while time.monotonic() < deadline:
        asked = time.monotonic()
        status = statuses(stack, headers).get(job_id)
        if status is None or status in FINISHED:  # (not among the newest 100: asked for itself)
            job = get_job(stack, headers, job_id)
            if job["status"] in FINISHED:
                return job
            status = job["status"]
        time.sleep(_gap(started, asked, 0.3))
    raise AssertionError(f"job {job_id} still {status}:\n{stack.log_tail()}")


def wait_jobs(stack, headers, job_ids, timeout=180, poll=0.5) -> dict[str, dict]:
    """job_id -> its finished record, polling all of them until each has ended (or timeout)."""
    pending, finished = set(job_ids), {}
    deadline, started = time.monotonic() + timeout, time.monotonic()
    while pending and time.monotonic() < deadline:
        asked = time.monotonic()
        listed = statuses(stack, headers)
        for job_id in sorted(pending):
            if listed.get(job_id, FINISHED[0]) in FINISHED:  # ended, or not listed: asked for itself
                job = get_job(stack, headers, job_id)
                if job["status"] in FINISHED:
                    finished[job_id] = job
                    pending.discard(job_id)
        if pending:
            time.sleep(_gap(started, asked, poll))
    if pending:
        raise AssertionError(f"{len(pending)} jobs never ended: {sorted(pending)}\n{stack.log_tail()}")
    return finished


def mail_link(stack, email: str, purpose: str, timeout: float = 120) -> str:
    """The token of the newest `purpose` link ("reset", "verify") mailed to `email`, read from
    the files the local stack writes for each mail (<state dir>/mail/*.eml), as a person would."""
    import email as mail_parser
    import re
    from email import policy

    link = re.compile(rf"/#/{purpose}/([A-Za-z0-9_-]+)")
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted((stack.state_dir / "mail").glob("*.eml"), reverse=True):
            message = mail_parser.message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in str(message["To"]):
                found = link.findall(message.get_body(("plain",)).get_content())
                if found:
                    return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no {purpose} link mailed to {email} within {timeout:.0f} s")
        time.sleep(0.2)


def verified(stack, email: str | None = None, name: str = "Ada Reader") -> str:
    """A new account whose address is verified through its mailed link."""
    email = register(stack, email, name)
    token = mail_link(stack, email, "verify")
    r = requests.post(f"{stack.api_url}/auth/verify-email", json={"token": token}, timeout=30)
    assert r.status_code == 204, r.text
    return email
