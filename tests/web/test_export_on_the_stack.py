"""GET /jobs/{id}/export (issue 41) through the real local stack: moto server over HTTP with its
IAM (the tasks runner acts as the deployed tasks role), the worker of `make run` reading a real
3-page PDF (DP-Bench pages, MIT: ../shared/datasets/layout-dev) and recording its headings (the
upload's `skip` names every other role: a book of chapters, in a fraction of the whole
recording's time; the whole is recorded by tests/site/test_real_document.py), the tasks
runner making each book. The first ask is a 202 that starts the making, a later one the 200 with
a presigned link; both books are downloaded and read back: the MP3's chapters (mutagen) at the
result's chapter times, its audio the recording's (PyAV); the EPUB a zip whose first entry is its
mimetype. An unknown format is a 400, another user's job a 404, and no input a 5xx."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
import requests

from chalicelib.structure import ROLES
from tests.books.epubtools import mp3_seconds
from tests.books.test_mp3 import chapters_of, tags_of
from tests.media import documents as docs
from tests.stackclient import login, register, upload, wait_job

pytestmark = [pytest.mark.timeout(900), pytest.mark.stack]

LAYOUT = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "layout-dev" / "pages"
PAGES = ("01030000000051", "01030000000053", "01030000000037")  # a report's two pages, a two-column page
BOOK_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def done(stack):
    """A 3-page PDF read by the worker, its headings recorded: (headers, job)."""
    paths = [LAYOUT / f"{stem}.pdf" for stem in PAGES]
    assert all(p.exists() for p in paths), f"this test needs {LAYOUT} (../shared/datasets beside the repo)"
    headers = login(stack, register(stack))
    job_id = upload(stack, headers, "Annual Report.pdf", docs.join(*(p.read_bytes() for p in paths)),
                    "application/pdf", skip=[r for r in ROLES if r not in ("heading", "title")])
    job = wait_job(stack, headers, job_id, timeout=600)
    assert job["status"] == "done", job.get("error")
    assert job["result"]["speech"]["complete"] and job["result"].get("chapters"), "the report has no chapters"
    return headers, job


def export(stack, headers, job_id, fmt) -> requests.Response:
    return requests.get(f"{stack.api_url}/jobs/{job_id}/export", params={"format": fmt}, headers=headers, timeout=30)


def made(stack, headers, job_id, fmt) -> tuple[dict, list[float], float]:
    """Ask until the book is made: (the 200's body, each 202's progress, seconds from the first ask)."""
    first = export(stack, headers, job_id, fmt)
    assert first.status_code == 202, first.text  # nothing was making it: this ask started it
    t0, seen = time.monotonic(), [first.json()["progress"]]
    assert first.json()["status"] == "queued" and int(first.headers["Retry-After"]) >= 1
    while time.monotonic() - t0 < BOOK_TIMEOUT_S:
        r = export(stack, headers, job_id, fmt)
        if r.status_code == 200:
            return r.json(), seen, time.monotonic() - t0
        assert r.status_code == 202, r.text
        seen.append(r.json()["progress"])
        time.sleep(0.5)
    raise AssertionError(f"the {fmt} book was not made in {BOOK_TIMEOUT_S} s:\n{stack.log_tail()}")


def download(url: str, name: str) -> bytes:
    r = requests.get(url, timeout=60)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    return r.content


def test_the_mp3_is_the_recording_with_its_chapters(stack, done, tmp_path):
    headers, job = done
    book, progress, took = made(stack, headers, job["job_id"], "mp3")
    print(f"mp3 made in {took:.1f} s from the first ask")
    assert progress == sorted(progress) and all(0 <= p < 1 for p in progress)
    data = download(book["url"], "Annual Report.mp3")
    assert book["size"] == len(data) and r_type(book["url"]) == "audio/mpeg"
    tags = tags_of(data, tmp_path)
    read = [(start, title) for start, _, title in chapters_of(tags)]
    wanted = [(c["start"], " ".join(c["title"].split())) for c in job["result"]["chapters"]]
    if wanted[0][0] > 0.5:  # the book opens with the title until the first heading is heard
        wanted.insert(0, (0.0, read[0][1]))
    wanted[0] = (0.0, wanted[0][1])  # a heading heard at once holds the voice's lead-in
    assert [t for _, t in read] == [t for _, t in wanted]
    assert all(abs(a - b) < 0.1 for (a, _), (b, _) in zip(read, wanted, strict=True))
    assert tags["TLAN"].text == ["eng"] and tags.getall("USLT")[0].text == job["result"]["text"]
    recording = requests.get(job["outputs"]["speech.mp3"], timeout=60).content
    assert mp3_seconds(data) == pytest.approx(mp3_seconds(recording), abs=1e-6)
    assert mp3_seconds(data) == pytest.approx(job["result"]["speech"]["seconds"], abs=0.1)
    again = export(stack, headers, job["job_id"], "mp3")  # made: answered at once
    assert again.status_code == 200 and download(again.json()["url"], "Annual Report.mp3") == data


def r_type(url: str) -> str:
    return requests.get(url, timeout=60, stream=True).headers["Content-Type"]


def test_the_epub_is_a_zip_led_by_its_mimetype(stack, done):
    headers, job = done
    book, _, took = made(stack, headers, job["job_id"], "epub")
    print(f"epub made in {took:.1f} s from the first ask")
    data = download(book["url"], "Annual Report.epub")
    assert r_type(book["url"]) == "application/epub+zip"
    z = zipfile.ZipFile(io.BytesIO(data))
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype") == b"application/epub+zip"
    assert data[30:38] == b"mimetype"  # as EPUB's OCF requires: the first bytes name it
    assert any(n.endswith(".smil") for n in z.namelist()) and any(n.endswith(".mp3") for n in z.namelist())


def test_bad_asks_are_answered_with_a_message_never_a_5xx(stack, done):
    headers, job = done
    job_id = job["job_id"]
    other = login(stack, register(stack))
    for fmt in ("", "pdf", "EPUB", "mp3 ", "é" * 300, "mp3\x00", "../mp3", "{}"):
        r = export(stack, headers, job_id, fmt)
        assert r.status_code == 400 and r.json()["message"], (fmt, r.status_code, r.text)
    r = requests.get(f"{stack.api_url}/jobs/{job_id}/export", headers=headers, timeout=30)
    assert r.status_code == 400 and "format=epub, format=mp3, format=m4b or format=chapters" in r.json()["message"]
    r = requests.get(f"{stack.api_url}/jobs/{job_id}/export?format=mp3&format=epub", headers=headers, timeout=30)
    assert r.status_code < 500, r.text
    theirs = export(stack, other, job_id, "mp3")
    assert theirs.status_code == 404 and theirs.json() == requests.get(
        f"{stack.api_url}/jobs/{job_id}", headers=other, timeout=30).json()
    for bad_id in ("0" * 26, "not-a-job", "%00", "Z" * 300):
        r = export(stack, headers, bad_id, "mp3")
        assert r.status_code in (403, 404), (bad_id, r.status_code, r.text)  # 403: API Gateway's own, no route
    assert export(stack, {}, job_id, "mp3").status_code == 401
    assert export(stack, {"Authorization": "Bearer nonsense"}, job_id, "epub").status_code == 401
