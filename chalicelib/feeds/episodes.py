"""Jobs as episodes, and what the feed's stable addresses answer (GET /feeds/...).

An episode is a finished job with a recording: its speech.mp3 (chalicelib.books.export.recording_key,
the same test the MP3 export makes), or a whole book's MP3 once its export has made one (a book's
recording is made where it is listened to: its parts are not one file until then). A book's MP3
carries its chapters in its own ID3 tag; the feed gives chapters and a transcript of a job's own
speech.mp3. Its chapters are the MP3 export's chapters
(chalicelib.books.mp3.timed_chapters: the same starts and titles the ID3 tag has), as JSON
chapters; its transcript is the recording's sentences as the EPUB's Media Overlays tile them
(chalicelib.books.overlay.plan), a WebVTT cue each. Both are made from result.json when asked
for (small files, read once by an app), never stored.

A secret that opens no feed and a job that is not an episode of it are one answer: missing
(None here, a 404 at the edge).
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from xml.sax.saxutils import escape

from chalicelib import clock, kinds, settings
from chalicelib.books import TITLE_MAX, clip, mp3, overlay
from chalicelib.books import export as books
from chalicelib.errors import ObjectMissing
from chalicelib.feeds import paths, rss
from chalicelib.feeds import secret as feed_secret
from chalicelib.jobs import growing, objects
from chalicelib.jobs import table as jobs
from chalicelib.jobs.keys import owned
from chalicelib.kinds.common import RECORDING_MP3
from chalicelib.kinds.page import PAGE_IMAGE

CHAPTERS_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt; charset=utf-8"
LIST_PAGE = 100  # records asked for at a time while looking for episodes
SCANNED_MAX = 2000  # records looked at for one feed: a feed answers in bounded time whatever the account holds
STAT_THREADS = 4  # enclosures' sizes asked of S3 at once
BOOK_MP3 = "book.mp3"  # a book's MP3 export, as books.export.ready_books names it
IMAGE_TYPES = ("image/jpeg", "image/png")  # what podcast apps show as an episode's art
CHANNEL_TITLE = "PageVoice"
CHANNEL_DESCRIPTION = ("What you had PageVoice read aloud: every finished file with a recording, newest first, "
                       "with its chapters and transcript. Private: anyone with this address can listen, so keep it "
                       "to yourself; a new address from your account page stops the old one at once.")
COVER = "podcast-cover.png"  # the site's icon as podcast art (1400 px square), beside index.html


@dataclass(frozen=True)
class Answer:
    """What a feed address answers: a body of `content_type`, or a redirect to `location`."""
    body: bytes | str = b""
    content_type: str = ""
    location: str | None = None


def feed(name: str, api: str) -> Answer | None:
    """GET /feeds/{secret}.xml: the RSS document, or None when no feed has that address."""
    secret = paths.secret_of_feed(name)
    user_id = feed_secret.owner(secret) if secret else None
    if user_id is None:
        return None
    site = settings.get().account.site_url.rstrip("/")
    channel = rss.Channel(title=CHANNEL_TITLE, link=site, description=CHANNEL_DESCRIPTION, author="PageVoice",
                          image=f"{site}/{COVER}", self_url=paths.feed_url(api, secret))
    items = [_episode(job, size, api, secret) for job, size in _recorded(user_id)]
    return Answer(rss.build(channel, items), rss.CONTENT_TYPE)


def file(secret: str, name: str) -> Answer | None:
    """GET /feeds/{secret}/{job_id}.mp3|.json|.vtt|.jpg: the recording and the art as redirects
    to fresh presigned GETs (S3 answers byte ranges), the chapters and the transcript made now.
    None when the secret opens no feed or the job is not one of its episodes."""
    split = paths.split_file(name)
    user_id = feed_secret.owner(secret) if split else None
    if user_id is None:
        return None
    job_id, suffix = split
    job = jobs.get(user_id, job_id)
    key, own = _recording(job) if job else (None, False)
    if key is None:
        return None
    if suffix == paths.RECORDING:
        return Answer(location=objects.presign_get(key, "audio/mpeg"))
    if suffix == paths.IMAGE:
        image = _image_key(job)
        return Answer(location=objects.presign_get(image[0], image[1])) if image else None
    result = _result(job) if own else None
    if result is None:
        return None
    if suffix == paths.CHAPTERS:
        return Answer(_json(chapters(result, job.get("filename"))), CHAPTERS_TYPE)
    return Answer(transcript(result), TRANSCRIPT_TYPE)


# --- The episodes of an account ---

def _recorded(user_id: str) -> list[tuple[dict, int]]:
    """(record, speech.mp3's bytes) of the account's newest finished jobs with a recording, at
    most feed_max_items of them, newest first."""
    limit, found, scanned, cursor = settings.get().links.feed_max_items, [], 0, None
    while len(found) < limit and scanned < SCANNED_MAX:
        page, cursor = jobs.list_page(user_id, limit=LIST_PAGE, cursor=cursor)
        scanned += len(page)
        for listed in page:
            if len(found) >= limit or not _may_be_episode(listed):
                continue
            job = jobs.get(user_id, listed["job_id"])  # the list holds no outputs: the whole record
            key, _ = _recording(job) if job else (None, False)
            if key is not None:
                found.append((job, key))
        if cursor is None:
            break
    bucket = settings.get().aws.bucket
    with ThreadPoolExecutor(STAT_THREADS) as pool:
        sizes = list(pool.map(lambda pair: _size(bucket, pair[1]), found))
    return [(job, size) for (job, _), size in zip(found, sizes, strict=True) if size is not None]


def _recording(job: dict) -> tuple[str | None, bool]:
    """(the key of the job's MP3, or None; whether it is the job's own speech.mp3, whose result
    times its chapters and transcript, rather than a book's MP3 export)."""
    own = books.recording_key(job)
    return (own, True) if own else (books.ready_books(job).get(BOOK_MP3), False)


def _may_be_episode(listed: dict) -> bool:
    """What the job list tells: done, of a kind that makes an MP3, with a recording's length. Only
    these cost a read of the whole record (an account of transcriptions costs none)."""
    kind = kinds.registry().get(listed.get("kind") or kinds.DEFAULT)
    return (listed.get("status") == jobs.DONE and kind is not None and RECORDING_MP3 in kind.outputs
            and bool(listed.get("seconds")))


def _size(bucket: str, key: str) -> int | None:
    try:
        return objects.stat(bucket, key)[0]
    except ObjectMissing:  # deleted since it was listed: not an episode any more
        return None


def _episode(job: dict, size: int, api: str, secret: str) -> rss.Episode:
    job_id, (_, own) = job["job_id"], _recording(job)
    title = books.title_of({}, job.get("filename"))
    language = job.get("language")
    return rss.Episode(
        guid=job_id, title=title, published=clock.parse_iso(job["created_at"]),
        seconds=float(job.get("seconds") or 0), enclosure=paths.file_url(api, secret, job_id, paths.RECORDING),
        length=size, summary=_summary(job, title),
        chapters=paths.file_url(api, secret, job_id, paths.CHAPTERS) if own else None,
        transcript=paths.file_url(api, secret, job_id, paths.TRANSCRIPT) if own else None,
        language=language if language and language != "auto" else None,
        image=paths.file_url(api, secret, job_id, paths.IMAGE) if _image_key(job) else None,
        link=job.get("link_final") or job.get("link"))


def _summary(job: dict, title: str) -> str:
    """A line an app shows under the title: what was read, how much, where from."""
    summary = job.get("summary") or {}
    pages, words = summary.get("pages"), summary.get("words")
    said = ", ".join(f"{n:,} {what}{'' if n == 1 else 's'}" for n, what in ((pages, "page"), (words, "word"))
                     if isinstance(n, int) and n > 0)
    source = job.get("link_final") or job.get("link")
    return " ".join(part for part in (f"{title}, read aloud by PageVoice" + (f" ({said})." if said else "."),
                                      f"From {source}" if source else "") if part)


def _image_key(job: dict) -> tuple[str, str] | None:
    """(key, type) of the episode's art: the photo read, or a document's first page as read."""
    user_id, job_id = job["user_id"], job["job_id"]
    source, kind = job.get("source_key"), (job.get("content_type") or "").split(";")[0].strip().lower()
    if kind in IMAGE_TYPES and owned(user_id, job_id, source):
        return source, kind
    first = (job.get("outputs") or {}).get(PAGE_IMAGE.format(1))
    return (first, "image/jpeg") if owned(user_id, job_id, first) else None


def _result(job: dict) -> dict | None:
    key, bucket = job.get("result_key"), settings.get().aws.bucket
    if not owned(job["user_id"], job["job_id"], key):
        return None
    result, _ = objects.read_json(bucket, key)
    if result is not None and growing.is_index(key):
        result = objects.JobFiles(bucket, job["user_id"], job["job_id"]).assemble(result)
    return result


# --- The files made from a result (pure) ---

def chapters(result: dict, filename: str | None) -> dict:
    """Podcasting 2.0 JSON chapters of the recording: the MP3 export's chapters (the document's
    headings where they are heard; a first one, the title, from 0)."""
    title = clip(books.title_of(result, filename), TITLE_MAX)
    seconds = float((result.get("speech") or {}).get("seconds") or 0.0)
    timed = mp3.timed_chapters(result, seconds, title)
    return {"version": CHAPTERS_VERSION, "title": title, "author": "PageVoice",
            "chapters": [{"startTime": round(start / 1000, 3), "endTime": round(end / 1000, 3), "title": name}
                         for start, end, name in timed]}


def transcript(result: dict) -> str:
    """The recording's transcript as WebVTT: a cue per sentence (a sentence across a page break,
    a cue per page), timed as the read-along times it."""
    speech = result.get("speech") or {}
    pages = result["pages"] if isinstance(result.get("pages"), list) else [result]
    cues = ["WEBVTT", ""]
    for part in overlay.plan(speech) if speech.get("sentences") else []:
        lines = (pages[part.page] if 0 <= part.page < len(pages) else {}).get("lines") or []
        said = [_word(lines, c.line, c.word) for c in part.clips]
        text = " ".join(w for w in said if w)
        if text:
            cues += [f"{_stamp(part.begin)} --> {_stamp(part.end)}", escape(text), ""]
    return "\n".join(cues)


def _word(lines: list, line: int, word: int) -> str:
    try:
        return " ".join(str(lines[line]["words"][word]["text"]).split())
    except (IndexError, KeyError, TypeError):
        return ""


def _stamp(ms: int) -> str:
    """A WebVTT timestamp (hh:mm:ss.ttt, hours at least two digits)."""
    s, frac = divmod(max(0, int(ms)), 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{frac:03d}"


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)
