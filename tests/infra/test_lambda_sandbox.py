"""The worker image in a Lambda-like sandbox (tests/infra/lambda_sandbox.py): its own venv from
the image's requirement files only, every mount read-only (HOME's too) but a /tmp of the
template's ephemeral storage, the template's memory as a hard cgroup limit and Lambda's CPU
share for it, the image's runtime (awslambdaric) as an unprivileged user, the template's
timeout. One cold start serves a photo, a PDF (a text layer and a scan), a drawn digit and a
recording; AWS is a plain moto server outside.

Every job must end `done` with the right outputs, and nothing may try to write outside /tmp
(strace's lines name what tried). `make test` runs it; `make test-fast` leaves it out (slow).
It needs root, util-linux (unshare, setpriv, prlimit), strace and the cgroup v1 memory and
cpu controllers, and fails saying which is missing rather than skipping.
"""
from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import time

import pytest

from chalicelib import aws, settings
from chalicelib.jobs import keys, table
from chalicelib.jobs.events import s3_event
from chalicelib.web import job_view
from infra.local.bootstrap import ensure_resources
from infra.local.process import free_port
from tests import images
from tests.engines.asr.audiofiles import speech_dev
from tests.infra import lambda_sandbox
from tests.kinds.test_digits import drawn
from tests.media import documents as docs

pytestmark = pytest.mark.slow

USER = "sandbox-user"
PHOTO = ["SANDBOX STREET MARKET", "OPEN EVERY MORNING"]
PDF_TEXT = ["The printed layer of page one"]
PDF_SCAN = ["SCANNED SECOND PAGE"]
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
LOCAL = {"PAGEVOICE_BUCKET": "pagevoice-sandbox", "PAGEVOICE_JOBS_TABLE": "pagevoice-sandbox-jobs",
         "PAGEVOICE_AUTH_TABLE": "pagevoice-sandbox-auth", "PAGEVOICE_SHARDS_TABLE": "pagevoice-sandbox-shards",
         "PAGEVOICE_SHARDS_QUEUE": "pagevoice-sandbox-shards", "PAGEVOICE_FIRST_QUEUE": "pagevoice-sandbox-first",
         "PAGEVOICE_RECORD_QUEUE": "pagevoice-sandbox-record"}


def _inputs() -> dict[str, tuple[str, str, str, bytes]]:
    """name -> (kind, filename, content type, bytes)."""
    pdf = docs.join(docs.text_pdf([docs.TextPage(PDF_TEXT)]),
                    docs.scanned_pdf([images.text_image(PDF_SCAN, size=52).image]))
    return {
        "photo": ("page", "market.jpg", "image/jpeg",
                  images.encode(images.text_image(PHOTO, size=52).image, "JPEG", quality=90)),
        "pdf": ("page", "report.pdf", "application/pdf", pdf),
        "digits": ("digits", "seven.png", "image/png", drawn("tathagat_7.png")),
        "recording": ("speech", "goforward.flac", "audio/flac", speech_dev("asr/goforward.flac").read_bytes()),
    }


@pytest.fixture(scope="module")
def moto_server():
    """A plain moto server (outside the sandbox) with PageVoice's tables and bucket."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**AWS_ENV, **LOCAL, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        _wait_for(port, proc)
        aws.reset()
        ensure_resources()
        yield env
        aws.reset()
    proc.terminate()
    proc.wait(30)


def _wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "moto server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"moto server did not listen on {port} in {timeout:.0f} s")


@pytest.fixture(scope="module")
def sandboxed(moto_server, tmp_path_factory):
    """Each input uploaded as the API would take it, then one sandboxed run of the worker over
    their S3 events: (jobs by name, the run)."""
    bucket = settings.get().aws.bucket
    jobs, events = {}, []
    for name, (kind, filename, content_type, data) in _inputs().items():
        job = table.create(USER, filename=filename, content_type=content_type, size=len(data), kind=kind)
        key = keys.upload_key(USER, job["job_id"])
        aws.s3().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        jobs[name] = job["job_id"]
        events.append(s3_event(bucket, key))
    began = time.monotonic()
    lambda_sandbox.venv()  # built here when a requirement file changed, else found
    built = time.monotonic()
    run = lambda_sandbox.run(events, aws_env=moto_server, resources=LOCAL, work=tmp_path_factory.mktemp("lambda"))
    f = run.function
    print(f"\nLambda sandbox ({f.memory_mb} MB, /tmp {f.tmp_mb} MB, {f.timeout_s} s): venv {built - began:.1f} s, "
          f"run {time.monotonic() - built:.1f} s; init {run.init_seconds or 0:.1f} s, "
          + ", ".join(f"{n} {i.outcome} {i.seconds:.1f} s" for n, i in zip(jobs, run.invocations))
          + f"; peak memory {run.peak_mb:.0f} MB (cgroup), {run.peak_rss_mb or 0:.0f} MB (runtime RSS)")
    return jobs, run


def _finished(sandboxed, name: str) -> dict:
    jobs, run = sandboxed
    names = list(jobs)
    assert run.oom_kills == 0, f"the worker was killed for memory ({run.function.memory_mb} MB):\n{run.log[-4000:]}"
    assert len(run.invocations) > names.index(name), f"the runtime stopped before {name}:\n{run.log[-4000:]}"
    invocation = run.invocations[names.index(name)]
    assert invocation.outcome == "response", f"{name}: {invocation.outcome} {invocation.body}\n{run.log[-4000:]}"
    job = job_view.describe(USER, jobs[name])
    assert job["status"] == "done", f"{name}: {job['status']} ({job['error']})\n{run.log[-4000:]}"
    return job


def test_a_photo_is_read_and_spoken(sandboxed):
    job = _finished(sandboxed, "photo")
    assert job["result"]["text"].split() == " ".join(PHOTO).split()
    assert {"speech.wav"} <= set(job["outputs"])


def test_a_pdf_is_read_from_its_text_layer_and_its_scan(sandboxed):
    job = _finished(sandboxed, "pdf")
    text = job["result"]["text"]
    assert " ".join(PDF_TEXT) in text and " ".join(PDF_SCAN) in text
    assert {"speech.wav"} <= set(job["outputs"])


def test_a_drawn_digit_is_read_and_said(sandboxed):
    job = _finished(sandboxed, "digits")
    assert job["result"]["text"] == "7" and "speech.wav" in job["outputs"]


def test_a_recording_is_transcribed(sandboxed):
    job = _finished(sandboxed, "recording")
    assert "go forward" in job["result"]["text"].lower()


def test_nothing_writes_outside_tmp(sandboxed):
    _, run = sandboxed
    assert run.init_seconds is not None, f"the runtime never asked for an event:\n{run.log[-4000:]}"
    assert run.writes == [], "attempts to write outside /tmp (strace):\n" + "\n".join(run.writes[:40])


def test_memory_stays_under_the_functions_size(sandboxed):
    _, run = sandboxed
    assert run.oom_kills == 0 and run.peak_mb < run.function.memory_mb
    assert run.peak_rss_mb is not None and run.peak_rss_mb < run.function.memory_mb


def test_the_sandbox_is_read_only_but_tmp(tmp_path):
    """The sandbox itself: only /tmp (of the template's size) takes a file, even from root; the
    image's folders, HOME and /dev/shm refuse one. Lambda's user runs the image's Python."""
    lambda_sandbox.precheck()
    function = lambda_sandbox.worker_function(LOCAL)
    var, opt = lambda_sandbox.image_tree(tmp_path / "image")
    places = ["/", "/var/task", "/var/task/chalicelib", "/opt/venv", "/opt/models", lambda_sandbox.HOME,
              "/dev/shm", "/root", tmp_path.as_posix(), "/tmp"]
    probe = ('for p in "$@"; do if touch "$p/.probe" 2>/dev/null; then echo "writable $p"; fi; done; '
             'df -m --output=size /tmp | tail -1; '
             + shlex.join([*lambda_sandbox.AS_LAMBDA_USER, "/opt/venv/bin/python", "-c",
                           "import os, awslambdaric; print(os.getuid())"]))
    out = subprocess.run(lambda_sandbox.sandboxed(var, opt, lambda_sandbox.venv(), function.tmp_mb,
                                                  ["sh", "-c", probe, "probe", *places]),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    *writable, size, uid = out.stdout.split("\n")[:-1]
    assert writable == ["writable /tmp"] and int(size) == function.tmp_mb and uid == "993"
    assert not (tmp_path / ".probe").exists()  # the host's /tmp is not the sandbox's


def test_what_counts_as_a_write():
    trace = [
        '7 mkdir("/opt/models/x", 0777) = -1 EROFS (Read-only file system)',
        '7 openat(AT_FDCWD, "/home/sbx_user1051/.cache/a/b", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 ENOENT (No such file)',
        '7 access("/var/task", R_OK|W_OK) = -1 EROFS (Read-only file system)',
        '7 openat(AT_FDCWD, "/opt/venv/lib/x.so", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)',
        '7 openat(AT_FDCWD, "/tmp/x/y", O_WRONLY|O_CREAT, 0666) = -1 ENOENT (No such file or directory)',
        '7 openat(AT_FDCWD, "/dev/shm/sem.ab12", O_RDWR|O_CREAT|O_EXCL, 0600) = -1 EROFS (Read-only file system)',
        '7 mkdir("/opt/models/kokoro", 0777) = -1 EEXIST (File exists)',
    ]
    assert lambda_sandbox.writes(trace) == trace[:3]
