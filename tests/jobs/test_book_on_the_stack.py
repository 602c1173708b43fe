"""Books through the real local stack (`make run`'s: moto server over HTTP, the bridge's worker
processes taking shards from the shards queues): a book recorded by both workers with a late
chapter asked for first, a worker killed with SIGKILL in a shard and a duplicated queue message
changing nothing, a corrupt page failing alone. A 1,000-page PDF read whole: the site's
tests/site/test_whole_book.py (its view opened while it is recorded). Another account's book and
photo while a book is recorded: tests/jobs/test_book_fairness.py (by the order of events).
In-process checks of the same engine: tests/jobs/test_book.py."""
from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.jobs import growing
from tests.conftest import own_stack
from tests.engines.asr.audiofiles import in_silence
from tests.media import documents as docs
from tests.stackclient import get_job, head_of, login, register, send_file, wait_job

pytestmark = pytest.mark.stack

# Words for chapter titles that share nothing (a title repeated from page to page in the same
# place would be taken for a running header).
NOUNS = ["Anchor", "Breeze", "Cabin", "Dolphin", "Ember", "Falcon", "Glacier", "Harbour", "Island", "Juniper", "Kelp", "Lantern", "Meadow", "Nectar", "Orchard", "Pebble", "Quarry", "Raven", "Saddle", "Timber", "Umbra", "Violet", "Willow", "Xylem", "Yarrow", "Zephyr", "Amber", "Bramble", "Cobalt", "Driftwood"]


@pytest.fixture(scope="module")
def book_stack(tmp_path_factory):
    """A stack of its own: a shard's lease short enough that a shard whose worker was killed is
    taken again within the test (a shard here takes seconds), and a book from 21 pages (not 51:
    each of the books recorded here is a section a page, and their sections are most of the
    time these tests take). Headings by the rules alone (PAGEVOICE_LAYOUT_ENGINE=none): every
    page of these books opens with a 28 pt title, so every page asked the layout detector for a
    second opinion (~0.15 CPU s a page, 6 CPU s a 40-page book, and its model loaded by every
    worker process, killed ones' replacements too); the rules find the same titles, and the
    detector through the pipeline is tests/engines/layout's and the session stack's."""
    with own_stack(tmp_path_factory, "book-stack", {"PAGEVOICE_SHARD_LEASE_SECONDS": "25",
                                                    "PAGEVOICE_WORKER_TIMEOUT_SECONDS": "60",
                                                    "PAGEVOICE_BOOK_PAGES": "20",
                                                    "PAGEVOICE_LAYOUT_ENGINE": "none"}) as s:
        yield s


@pytest.fixture(scope="module")
def reader(book_stack):
    return login(book_stack, register(book_stack))


def chapters_pdf(n: int, broken_at: int | None = None) -> bytes:
    pages = [docs.content_pdf([b"BT /F1 28 Tf 72 700 Td (%s) Tj ET "
                               b"BT /F1 12 Tf 72 650 Td (Chapter %d begins with the tide.) Tj ET" %
                               (NOUNS[i % len(NOUNS)].encode(), i + 1)]) for i in range(n)]
    if broken_at is not None:
        pages[broken_at] = docs.nested_forms_pdf(7, word=b"deep")
    return docs.join(*pages)


def upload_with(stack, headers, name: str, data: bytes, **options) -> str:
    r = requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                      json={"filename": name, "content_type": "application/pdf", "size": len(data), **options})
    assert r.status_code == 201, r.text
    send_file(r.json()["upload"], name, data, "application/pdf")
    return r.json()["job_id"]


def result_of(job: dict) -> dict:
    """The result, inline or assembled from its parts as the site does."""
    if job.get("result") is not None:
        return job["result"]
    parts = job["result_parts"]
    return growing.assemble(parts["index"], lambda name: requests.get(parts["urls"][name], timeout=30).content)


def heard(part: dict) -> list[tuple[int, int, int]]:
    timings = requests.get(part["timings_url"], timeout=30).json()
    return [(w["page"], w["line"], w["word"]) for w in timings["words"]]


def spoken_words(result: dict) -> list[tuple[int, int, int]]:
    return [(p, li, wi) for p, page in enumerate(result["pages"]) for b in page.get("blocks") or []
            if b.get("spoken", True) for li in b["lines"] for wi, _ in enumerate(page["lines"][li]["words"])]


def test_a_book_is_recorded_by_many_workers_and_a_late_chapter_comes_first(book_stack, reader):
    n = 40  # shards of 1, 32 and 7 pages: the late chapter in the last, the broken page in the one before
    job_id = upload_with(book_stack, reader, "voyage.pdf", chapters_pdf(n, broken_at=30))
    # The listener moves as soon as the book's first text is there, as a reader who opens it and
    # jumps does: most of the book is still to be recorded then. (Waiting for the listener's own
    # worker process as well let a loaded CI machine record 33 of the 33 sections before the place
    # while that process loaded its engines: the order below was then no longer the service's.)
    deadline = time.monotonic() + 120
    while not get_job(book_stack, reader, job_id).get("result") and time.monotonic() < deadline:
        time.sleep(0.2)
    late = {"page": n - 3, "line": 1, "word": 0}
    made_at_move = {p["file"] for p in _parts_made(get_job(book_stack, reader, job_id))}
    asked = time.monotonic()
    r = requests.put(f"{book_stack.api_url}/jobs/{job_id}/position", headers=reader, json=late, timeout=30)
    assert r.status_code == 204, r.text
    waited, made_first = None, None
    while time.monotonic() - asked < 300:
        job = get_job(book_stack, reader, job_id)
        parts = _parts_made(job)
        if any(p["first"]["page"] <= late["page"] <= p["last"]["page"] for p in parts):
            waited = time.monotonic() - asked
            made_first = {p["file"] for p in parts if p["last"]["page"] < late["page"]} - made_at_move
            break
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.25)
    # How soon it is heard is bench.fair's figure (issue 54's goal: within 10 s of the move), not
    # this test's; that it comes before most of what was still to be made before it is (below).
    assert waited is not None
    print(f"a late chapter's place was heard {waited:.1f} s after the listener moved there, "
          f"{len(made_first)} sections before it made in between")
    job = wait_job(book_stack, reader, job_id, timeout=900)
    assert job["status"] == "done", job["error"]
    result = result_of(job)
    # The corrupt page failed alone, with its reason; every other page was read and every word heard once.
    assert result["document"]["unreadable"] == 1 and result["pages"][30]["error"].startswith("Page 31 could not be read")
    assert [p["text"].split("\n")[0] for i, p in enumerate(result["pages"]) if i != 30] == \
        [NOUNS[i % len(NOUNS)] for i in range(n) if i != 30]
    parts = result["speech"]["parts"]
    assert sorted(w for part in parts for w in heard(part)) == spoken_words(result)
    assert all(b["start"] == pytest.approx(a["start"] + a["seconds"], abs=0.002) for a, b in zip(parts, parts[1:]))
    assert job["position"]["place"] == late and job["position"]["t"] > result["chapters"][-4]["start"]
    # The order at any speed: of the sections before the place that were still to be made when the
    # listener moved (most of the book: it moved at the first text), fewer than half were made
    # before the place's own.
    to_make = {p["file"] for p in parts if p["last"]["page"] < late["page"]} - made_at_move
    assert len(to_make) > late["page"] // 2, (len(to_make), sorted(made_at_move))
    assert len(made_first) < len(to_make) // 2, (sorted(made_first), len(to_make))


def test_a_worker_killed_in_a_shard_and_a_duplicate_message_change_nothing(book_stack, reader, tmp_path):
    import psutil

    job_id = upload_with(book_stack, reader, "killed.pdf", chapters_pdf(40))
    # Wait for a worker process to be in a shard of this book (its "shard started" names it, and
    # nothing has ended that shard yet), then kill it with SIGKILL. Not a process that is merely
    # busy: one loading its voice after its first text is in no shard, and its death is seen
    # only when it is next given work.
    killed = kill_a_worker_in_a_shard(book_stack, job_id, lambda: get_job(book_stack, reader, job_id).get("result"))
    # A message of a shard already done, delivered again (SQS delivers at least once).
    sqs = book_stack.aws_client("sqs")
    url = sqs.get_queue_url(QueueName="pagevoice-shards")["QueueUrl"]
    me = requests.get(f"{book_stack.api_url}/me", headers=reader, timeout=30).json()["id"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"bucket": "pagevoice-local", "user": me, "job": job_id,
                                                           "shard": "read-0000"}))
    job = wait_job(book_stack, reader, job_id, timeout=900)
    assert job["status"] == "done", job["error"]
    result = result_of(job)
    assert len(result["pages"]) == 40 and result["document"]["complete"] is True
    assert [p["text"].split("\n")[0] for p in result["pages"]] == [NOUNS[i % len(NOUNS)] for i in range(40)]
    words = [w for part in result["speech"]["parts"] for w in heard(part)]
    assert sorted(words) == spoken_words(result)  # every word heard once: nothing lost, nothing twice
    assert "a worker process died" in book_stack.log_path.read_text(errors="replace")
    assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE
    # The book, its killed worker and all, downloads as one MP3, one M4B, a ZIP of its chapters
    # and an EPUB (issue 57).
    mp3_of_book_has_its_chapters_where_they_are_heard(book_stack, reader, job_id, result)
    m4b_of_book_has_its_chapters_at_their_starts(book_stack, reader, job_id, result)
    chapters_of_book_are_an_mp3_each(book_stack, reader, job_id, result)
    epub_of_book_is_valid_and_lights_every_word(book_stack, reader, job_id, result, tmp_path)


def exported(stack, headers, job_id: str, fmt: str) -> bytes:
    """GET /jobs/{id}/export?format=... asked until made; the book's bytes."""
    deadline, answer = time.monotonic() + 300, None
    while time.monotonic() < deadline:
        answer = requests.get(f"{stack.api_url}/jobs/{job_id}/export", params={"format": fmt}, headers=headers,
                              timeout=30)
        if answer.status_code != 202:
            break
        time.sleep(1)
    assert answer is not None and answer.status_code == 200, answer.text
    data = requests.get(answer.json()["url"], timeout=60).content
    assert answer.json()["size"] == len(data)
    return data


def m4b_of_book_has_its_chapters_at_their_starts(stack, headers, job_id: str, result: dict) -> None:
    """The M4B of a whole book: AAC, as long as its parts, every chapter at its start on the
    book's recording clock (the parts end to end) within 0.1 s, as Apple's players read them."""
    import tempfile

    from mutagen.mp4 import MP4

    with tempfile.NamedTemporaryFile(suffix=".m4b") as file:
        file.write(exported(stack, headers, job_id, "m4b"))
        file.flush()
        audiobook = MP4(file.name)
    assert audiobook.info.codec.startswith("mp4a")
    assert abs(audiobook.info.length - sum(p["seconds"] for p in result["speech"]["parts"])) < 0.2
    at = [(c.title, c.start) for c in audiobook.chapters if c.title in NOUNS]  # (a title may come twice)
    assert [t for t, _ in at] == [c["title"] for c in result["chapters"]]
    wanted = [c["start"] for c in result["chapters"]]
    wanted[0] = 0.0 if wanted[0] <= 0.5 else wanted[0]  # a first heading heard at once starts the book (as in the MP3)
    assert max(abs(start - want) for (_, start), want in zip(at, wanted, strict=True)) < 0.1


def mp3_of_book_has_its_chapters_where_they_are_heard(stack, headers, job_id: str, result: dict) -> None:
    """GET /jobs/{id}/export?format=mp3 of a whole book: its parts joined under one tag, a CHAP
    per chapter; at each of three chapters, the second of the joined MP3 from its CHAP's time is
    the second of its part (decoded alone) from the chapter's time within it, within 0.1 s."""
    import io

    import av
    import numpy as np
    from mutagen.id3 import ID3

    def pcm(data: bytes) -> tuple[np.ndarray, int]:
        with av.open(io.BytesIO(data)) as container:
            frames = list(container.decode(audio=0))
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]), frames[0].sample_rate

    data = exported(stack, headers, job_id, "mp3")
    chaps = [c for c in sorted(ID3(io.BytesIO(data)).getall("CHAP"), key=lambda c: c.start_time)
             if c.sub_frames["TIT2"].text[0] in NOUNS]  # (the opening chapter aside; a title may come twice)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [c["title"] for c in result["chapters"]]
    joined, rate = pcm(data)
    parts = result["speech"]["parts"]
    # Each part adds its encoder's delay and padding (under 1,728 samples: 78 ms at 22,050 Hz).
    assert 0 <= len(joined) / rate - sum(p["seconds"] for p in parts) < 0.08 * len(parts)
    starts = [p["start"] for p in parts]
    for n in (1, len(result["chapters"]) // 2, len(result["chapters"]) - 1):
        chapter = result["chapters"][n]
        k = max(i for i, s in enumerate(starts) if s <= chapter["start"])
        own, _ = pcm(requests.get(parts[k]["url"], timeout=30).content)
        at = int((chapter["start"] - starts[k]) * rate)
        second = own[at:at + rate]
        chap = chaps[n].start_time / 1000
        lo = max(0, int((chap - 0.3) * rate))
        region = joined[lo:lo + int(1.6 * rate)]
        n = len(region) + len(second)  # where the second fits the region best (cross-correlation by FFT)
        fit = np.fft.irfft(np.fft.rfft(region, n) * np.conj(np.fft.rfft(second, n)), n)[:len(region) - len(second)]
        heard_at = (lo + int(np.argmax(fit))) / rate
        assert abs(heard_at - chap) < 0.1, (chapter["title"], chap, heard_at)


def chapters_of_book_are_an_mp3_each(stack, headers, job_id: str, result: dict) -> None:
    """GET /jobs/{id}/export?format=chapters of a whole book: a ZIP (stored, valid) of one MP3 per
    chapter of its MP3, in order and named so, each as long as its chapter's span there within
    0.1 s, and together the MP3's audio."""
    import io
    import zipfile

    from mutagen.id3 import ID3

    from chalicelib.books.mp3 import audio_of
    from tests.books.epubtools import mp3_seconds

    whole = exported(stack, headers, job_id, "mp3")
    spans = [(c.sub_frames["TIT2"].text[0], c.start_time / 1000, c.end_time / 1000)
             for c in sorted(ID3(io.BytesIO(whole)).getall("CHAP"), key=lambda c: c.start_time)]
    z = zipfile.ZipFile(io.BytesIO(exported(stack, headers, job_id, "chapters")))
    assert z.testzip() is None and all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    assert z.namelist() == [f"{n:02d} {title}.mp3" for n, (title, _, _) in enumerate(spans, 1)]
    assert [t for t, _, _ in spans if t in NOUNS] == [c["title"] for c in result["chapters"]]
    for name, (title, start, end) in zip(z.namelist(), spans, strict=True):
        assert abs(mp3_seconds(z.read(name)) - (end - start)) < 0.1, (title, end - start)
    assert b"".join(audio_of(z.read(n)) for n in z.namelist()) == audio_of(whole)


def epub_of_book_is_valid_and_lights_every_word(stack, headers, job_id: str, result: dict, tmp_path) -> None:
    """GET /jobs/{id}/export?format=epub of a whole book: EPUBCheck clean, Ace with no serious
    violation, the words the parts time lit once each (a word the voice gave no time of its own
    has no clip of its own), every part heard."""
    from tests.books import epubtools
    from tests.books.test_epub import check_book

    book = exported(stack, headers, job_id, "epub")
    path = tmp_path / "killed.epub"
    path.write_bytes(book)
    check_book(path, tmp_path / "ace-killed")
    clips = epubtools.overlays(book)
    parts = result["speech"]["parts"]
    words = sum(len(heard(part)) for part in parts)
    assert len({(c["page"], c["text"]) for c in clips}) == len(clips) and 0.95 * words <= len(clips) <= words
    assert {c["audio"] for c in clips} == {f"../audio/part-{k + 1:04d}.mp3" for k in range(len(parts))}


def kill_a_worker_in_a_shard(stack, job_id: str, ready=lambda: True, patience: float = 120) -> int:
    """SIGKILL a worker process while it is in a shard of the job (its "shard started" names it,
    and nothing has ended that shard yet), once `ready()`; its pid."""
    import psutil

    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        working = _in_shards(stack, job_id)
        if working and ready():
            pid = working[-1]
            if psutil.pid_exists(pid) and pid not in _listener_pids(stack):
                psutil.Process(pid).send_signal(9)
                return pid
        time.sleep(0.05)
    raise AssertionError(f"no worker was in a shard of {job_id} for {patience:.0f} s")


def _parts_made(job: dict) -> list[dict]:
    """The recording's parts made so far, as GET /jobs/{id} lists them (a book's index while open)."""
    return [p for p in (head_of(job).get("speech") or {}).get("parts") or [] if p.get("url")]


def _ready(stack) -> list[dict]:
    """The worker processes the bridge logged as ready: {"pid", "listener", "nice"} each."""
    lines = stack.log_path.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if '"worker process ready"' in line and line.endswith("}")]


def _listener_pids(stack) -> set[int]:
    """The worker processes of the listener's queue."""
    return {r["pid"] for r in _ready(stack) if r["listener"]}


def _in_shards(stack, job_id: str) -> list[int]:
    """The pids of the worker processes in a shard of the job now, by the log: a "shard started"
    (which names its process) that no "pages read" or "section recorded" has ended yet."""
    started, ended = {}, set()
    for line in stack.log_path.read_text(errors="replace").splitlines():
        if job_id not in line or not line.endswith("}"):
            continue
        record = json.loads(line)
        if record.get("msg") == "shard started":
            started[record["shard"]] = record["pid"]
        elif record.get("msg") in ("pages read", "section recorded"):
            ended.add(record["shard"])
    return [pid for shard, pid in started.items() if shard not in ended]


# --- A long recording (tests/site/test_kinds.py: two hours through the site) -----------------

def test_a_worker_killed_inside_a_window_of_a_long_recording_changes_nothing(book_stack, reader):
    """A 12-minute recording (five windows): a worker killed with SIGKILL while it transcribes one,
    and every sentence is still there once, where it was said, on the whole recording's clock."""
    from bench.speech_common import normalise, wer_counts
    from tests.stackclient import upload

    data, placed = in_silence(12, 2)
    job_id = upload(book_stack, reader, "lecture.flac", data, "audio/flac", kind="speech")
    kill_a_worker_in_a_shard(book_stack, job_id, patience=180)
    job = wait_job(book_stack, reader, job_id, timeout=600)
    assert job["status"] == "done", job["error"]
    result = result_of(job)
    assert result["kind"] == "speech" and result["complete"] is True and result["duration_s"] == 720.0
    assert result["document"]["windows"] >= 5 and "progress" not in result["document"]
    words = [w for seg in result["segments"] for w in seg["words"]]
    errors, total, wrong = 0, 0, []
    for start, end, text in placed:
        got = " ".join(w["text"] for w in words if start - 0.5 <= w["start"] < end + 0.5)
        wrong += [(start, got)] if wer_counts(normalise(text), normalise(got)) else []
        errors, total = errors + wer_counts(normalise(text), normalise(got)), total + len(text.split())
    assert errors / total <= 0.05 and len(words) <= total + 2, wrong
    assert "a worker process died" in book_stack.log_path.read_text(errors="replace")
