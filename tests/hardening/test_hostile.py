"""The hostile files (hostile.py) through the real local stack, as a client would send them.

Each job ends `failed` with a readable reason, or `done` and marked cut short (or, a valid
file after all, `done`), within its time limit; while they run and afterwards, another
user's photo is read. The hostile files are uploaded at once and run concurrently; a run that
selects some of them (`-k docx`) uploads only those (and what the selected named tests read).
Documents that point at remote resources point at a local server (hostile.canary) that counts
what is asked of it: nothing may be.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import own_stack
from tests.hardening import hostile
from tests.hardening.test_corpus import readable
from tests.stackclient import FINISHED, get_job, login, register, upload, wait_job

# A file of more pages than settings.books.book_pages (50) is a book, read up to max_book_pages
# (2,000) by shards. The hostile files that declare 60,000 to 1,000,000 pages run on a stack of
# their own whose book limit is this, so that they end in the test's time; the limit is the same
# bounded walk at any value (tests/jobs/test_book_on_the_stack reads a 1,000-page PDF whole).
BOOK_LIMIT = 60
# Likewise words of a document without pages past book_words (50,000): the million paragraphs
# are cut here, as at max_book_words (1,000,000; test_book_formats_on_the_stack reads 300,000).
BOOK_WORDS_LIMIT = 60_000

# Upload to last job ended: the files run on the stack's few workers, queued behind each other
# (~4 minutes alone; beside another clone's suite the BigTIFF ended after more than 600 s). It
# only stops a hung run.
ALL_DONE_S = 1200


def cut_short(result: dict) -> bool:
    """The result says it is not the whole file: pages left out, or text cut at a cap."""
    document = result.get("document") or {}
    return ((document.get("complete") is False and bool(document.get("reason"))) or "cut" in result
            or any("cut" in page for page in result.get("pages") or []))


def result_of(job: dict) -> dict:
    """The job's result: inline, or (too large to travel inline) from its result_url, or (too
    large and still growing, its recording being made) assembled from its index and parts."""
    if job["result"] is not None:
        return job["result"]
    if job.get("result_parts"):
        from chalicelib.jobs import growing

        urls = job["result_parts"]["urls"]
        return growing.assemble(job["result_parts"]["index"],
                                lambda name: requests.get(urls[name], timeout=60).content)
    return requests.get(job["result_url"], timeout=60).json()


def photo_is_read(stack, headers, photo) -> dict:
    path, words = photo
    job = wait_job(stack, headers, upload(stack, headers, path.name, path.read_bytes(), "image/jpeg", patience=90),
                   timeout=240)
    assert job["status"] == "done" and all(w in job["result"]["text"].split() for w in words), job
    return job


# The cases each named test below reads (uploaded whenever that test is selected).
USES = {"test_the_words_of_cut_pages_are_capped": ("one-line-27000-words",),
        "test_a_tiff_of_many_pages_is_counted_one_past_the_limit": ("tiff-100000-pages",),
        "test_remote_resources_are_never_fetched": ("html-remote-resources", "epub-remote-resources",
                                                    "docx-xxe-past-1mb")}


def selected(items) -> list[hostile.Hostile]:
    """The cases the session's selected tests need, in hostile.py's order."""
    names = set()
    for item in items:
        callspec = getattr(item, "callspec", None)
        # Other modules' tests may call a parameter "case" too: only this module's cases count.
        if callspec is not None and isinstance(callspec.params.get("case"), hostile.Hostile):
            names.add(callspec.params["case"].name)
        names.update(USES.get(item.originalname, ()))
    return [c for c in hostile.hostiles() if c.name in names]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # More uploads a minute than an account may make: the 50 files are sent at once, not over two
    # minutes of 429s (the limit itself is tests/jobs/test_uploads.py's). Headings by the rules
    # alone (as tests/jobs/test_book_on_the_stack.py's stack): the layout detector's second opinion
    # on the declared-huge books' 60 pages each was ~40 CPU s of this module's ~130, and what it
    # meets is bounded before it (the page's pixel cap); tests/engines/layout tests the detector.
    with own_stack(tmp_path_factory, "hostile-stack", {"PAGEVOICE_MAX_BOOK_PAGES": str(BOOK_LIMIT),
                                                       "PAGEVOICE_MAX_BOOK_WORDS": str(BOOK_WORDS_LIMIT),
                                                       "PAGEVOICE_UPLOAD_LIMIT_PER_USER": "1000",
                                                       "PAGEVOICE_LAYOUT_ENGINE": "none"}) as s:
        yield s


@pytest.fixture(scope="module")
def hardening_account(stack) -> str:
    return register(stack, name="Hardening")


@pytest.fixture(scope="module")
def runs(request, stack, hardening_account, photo_with_text):
    """name -> {"job": the finished job, "ran_s": seconds from first seen processing to its end};
    and the bystander's photo, read while the hostile jobs ran."""
    headers = login(stack, hardening_account)
    bystander = login(stack, register(stack, name="Bystander"))
    cases = selected(request.session.items)

    def send(case: hostile.Hostile) -> str:
        return upload(stack, headers, case.filename, case.data, case.content_type, kind=case.kind, patience=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = dict(zip((c.name for c in cases), pool.map(send, cases)))
        during = pool.submit(lambda: (photo_is_read(stack, bystander, photo_with_text), time.monotonic()))
        seen, ended = _follow(stack, headers, ids)
        photo, photo_at = during.result()
    return {"ids": ids, "seen": seen, "ended": ended, "photo": photo, "photo_at": photo_at,
            "headers": headers, "bystander": bystander}


def _follow(stack, headers, ids: dict[str, str]) -> tuple[dict, dict]:
    """Poll every job to its end (or, for a case `until` "text", to its text published: that job
    is then deleted, its result kept, so its recording does not hold a worker for the tests
    after): (name -> time first seen processing, name -> (time, job)). One GET /jobs a second
    says each job's status (fifty GETs of single jobs a second took a third of the stack's time);
    a job is fetched whole once it ends, and while processing only when its text is awaited."""
    seen: dict[str, float] = {}
    ended: dict[str, tuple[float, dict]] = {}
    until = {c.name: c.until for c in hostile.hostiles()}
    name_of = {job_id: name for name, job_id in ids.items()}
    deadline = time.monotonic() + ALL_DONE_S
    while len(ended) < len(ids) and time.monotonic() < deadline:
        listed = requests.get(f"{stack.api_url}/jobs", params={"limit": 100}, headers=headers, timeout=30).json()
        assert listed["next"] is None, "more hostile jobs than one page of GET /jobs"
        now = time.monotonic()
        for status, name in ((j["status"], name_of[j["job_id"]]) for j in listed["jobs"] if j["job_id"] in name_of):
            if name in ended or status not in ("processing",) + FINISHED:
                continue
            seen.setdefault(name, now)
            if status in FINISHED:
                ended[name] = (now, get_job(stack, headers, ids[name]))
            elif until[name] == "text":
                job = get_job(stack, headers, ids[name])
                if job["status"] == "processing" and (job["result"] is not None or job.get("result_parts")):
                    ended[name] = (now, {**job, "result": result_of(job)})
                    requests.delete(f"{stack.api_url}/jobs/{ids[name]}", headers=headers, timeout=30)
                elif job["status"] in FINISHED:
                    ended[name] = (now, job)
        time.sleep(1)
    return seen, ended


@pytest.mark.parametrize("case", hostile.hostiles(), ids=lambda c: c.name)
def test_each_hostile_file_ends_with_a_reason_or_cut_short(runs, case):
    assert case.name in runs["ended"], f"{case.name} never ended ({case.why})"
    at, job = runs["ended"][case.name]
    ran_s = at - runs["seen"][case.name]
    print(f"\n{case.name}: {job['status']} in {ran_s:.0f} s: {job['error'] or ''}")
    assert ran_s <= case.seconds, (case.why, ran_s)
    if case.expect == "failed":
        assert job["status"] == "failed" and readable(job["error"]), (case.why, job["status"], job["error"])
        assert all(s in job["error"] for s in case.keeps), (case.why, case.keeps, job["error"])
        assert not any(s in job["error"] for s in case.never), (case.why, job["error"])
        return
    if case.until == "text" and job["status"] == "processing":
        job = {**job, "status": "done"}  # read; its recording was still being made
    assert job["status"] == "done", (case.why, job["status"], job["error"])
    result = result_of(job)
    if case.expect == "cut":
        assert cut_short(result), (case.why, result.get("document"))
    assert all(s in result["text"] for s in case.keeps), (case.why, case.keeps, result["text"][:300])
    assert not any(s in json.dumps(result, ensure_ascii=False) for s in case.never), (case.why, result["text"][:300])


def test_the_words_of_cut_pages_are_capped(runs):
    """One text line of 27,000 words: read (grouping it is linear) and cut at the page's cap."""
    _, job = runs["ended"]["one-line-27000-words"]
    page = result_of(job)["pages"][0]
    assert page["cut"]["reason"] == "words"
    assert sum(len(line["words"]) for line in page["lines"]) <= 5000


def test_a_tiff_of_many_pages_is_counted_one_past_the_limit(runs):
    _, job = runs["ended"]["tiff-100000-pages"]
    document = result_of(job)["document"]
    assert (document["pages"], document["read"], document["reason"]) == (BOOK_LIMIT, BOOK_LIMIT, "pages")
    assert document["book"] is True
    assert document["pages_in_file"] == BOOK_LIMIT + 1  # counting stopped one page past the limit


def test_remote_resources_are_never_fetched(runs):
    """Images, stylesheets, fonts, frames, DTDs, manifest items, XIncludes and external entities
    at the local canary server: the worker asked it for none of them (it did read the files)."""
    for name in USES["test_remote_resources_are_never_fetched"]:
        assert runs["ended"][name][1]["status"] == "done", name
    assert hostile.canary().requests == []


def test_another_users_photo_is_read_during_and_after(stack, runs, photo_with_text):
    """Read while hostile jobs were still running (some ended after it), and again after all."""
    assert runs["photo"]["status"] == "done"
    still_running = [name for name, (at, _) in runs["ended"].items() if at > runs["photo_at"]]
    print(f"\nthe photo was read while {len(still_running)} hostile jobs were still running")
    assert still_running
    photo_is_read(stack, runs["bystander"], photo_with_text)


@pytest.mark.slow  # builds every document (a million paragraphs, 100,000 zip entries): ~40 s
def test_the_documents_meet_the_door_they_are_made_for():
    """Each zip is what its case says (without the stack): the bombs pass the budget they are
    aimed at, and the rest stay within the zip budgets, so the door under test is the one that
    stops them (not the ratio check, first); every file fits an upload."""
    import io
    import zipfile

    from chalicelib import settings
    from chalicelib.media.flow import safe

    def parts(name):
        infos = zipfile.ZipFile(io.BytesIO(hostile.by_name(name).data)).infolist()
        return infos, max(i.file_size / max(i.compress_size, 1024) for i in infos)

    infos, ratio = parts("docx-ratio-1000")
    assert ratio > 5 * safe.MAX_RATIO
    infos, ratio = parts("epub-parts-215mb")
    assert ratio < safe.MAX_RATIO and sum(i.file_size for i in infos) > safe.MAX_UNPACKED
    infos, _ = parts("docx-100000-entries")
    assert len(infos) > 5 * safe.MAX_ENTRIES
    for name in ("docx-laughs-past-1mb", "docx-xxe-past-1mb", "epub-chapter-laughs-past-1mb", "docx-tables-10000-deep",
                 "docx-sdt-10000-deep", "docx-million-paragraphs"):
        infos, ratio = parts(name)
        assert ratio < safe.MAX_RATIO and sum(i.file_size for i in infos) < safe.MAX_UNPACKED, name
    for case in hostile.flow_hostiles():
        assert len(case.data) <= settings.get().limits.max_upload_bytes, case.name
