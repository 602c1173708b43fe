"""A finished long recording (CONTRACTS sections 9 and 15) written straight into moto as its
window shards leave it (chalicelib.jobs.book: each window's segments, text, sentences and MP3,
the shards' summaries, the index built by book.build_index itself), without transcribing
anything: for the exports of recordings hours long (tests/books/test_recording_book.py,
bench/recording_exports.py).

Its windows are cut as kinds.plan cuts them (30 s, 60, 120, then 300 s), each an MP3 of a quiet
hiss made as the window's worker makes it (long.window_mp3's encoder, 16 kHz) with a 1 kHz beep
where the window's first word is (WORD_AT after its start): a chapter opens at a window's first
word (kinds.plan.chapters), so an export's chapter mark is where its beep is heard.
"""
from __future__ import annotations

import functools
import json

import numpy as np

from chalicelib import aws, settings
from chalicelib.jobs import book, growing, objects, shards
from chalicelib.jobs import table as jobs
from chalicelib.kinds import plan
from chalicelib.kinds.speech import outline
from tests.books.bookjob import WORDS

RATE = 16000
WORD_AT = 0.5  # seconds from a window's start to its first word (and its beep)
WORD_S = 0.4  # a word every 0.4 s (150 a minute, a lecturer's pace)
SEGMENT_WORDS = 12
SENTENCE_WORDS = 8
PARAGRAPH_SEGMENTS = 6
BEEP_S = 0.12


def windows(seconds: float) -> list[list[float]]:
    """[start, end] of each window of a recording `seconds` long, as kinds.plan cuts them."""
    out, t, length = [], 0.0, float(plan.FIRST_WINDOW_S)
    while t < seconds - 1e-6:
        end = min(seconds, t + length)
        out.append([round(t, 3), round(end, 3)])
        t, length = end, min(300.0, length * 2)
    return out


@functools.lru_cache(maxsize=8)
def window_mp3(seconds: float) -> bytes:
    """A window's MP3 (the worker's encoder): a hiss at -40 dB and a beep at WORD_AT."""
    from tests.books.bookjob import mp3_of

    rng = np.random.default_rng(int(seconds * 1000))
    samples = rng.standard_normal(int(round(seconds * RATE))) * 300
    at = int(WORD_AT * RATE)
    n = np.arange(int(BEEP_S * RATE))
    samples[at:at + len(n)] += 12000 * np.sin(2 * np.pi * 1000 * n / RATE)
    return mp3_of(np.clip(samples, -32767, 32767).astype(np.int16), RATE)


def window_segments(r: int, start: float, end: float) -> list[dict]:
    """Window r's segments on the recording's clock: words every WORD_S from WORD_AT in, each a
    word of the harbour text; a full stop every SENTENCE_WORDS words."""
    segments, words, t, n = [], [], start + WORD_AT, 0
    while t + WORD_S <= end - 0.3:
        text = WORDS[(r * 7 + n) % len(WORDS)]
        if n % SENTENCE_WORDS == 0:
            text = text.capitalize()
        if n % SENTENCE_WORDS == SENTENCE_WORDS - 1:
            text += "."
        words.append({"text": " " + text, "start": round(t, 2), "end": round(t + WORD_S * 0.8, 2), "confidence": 0.9})
        n, t = n + 1, t + WORD_S
        if len(words) == SEGMENT_WORDS:
            segments.append(_segment(words))
            words = []
            if len(segments) % PARAGRAPH_SEGMENTS == 0:
                t += 2.5  # a pause: a paragraph (outline.PARAGRAPH_PAUSE_S)
    if words:
        segments.append(_segment(words))
    return segments


def _segment(words: list[dict]) -> dict:
    return {"start": words[0]["start"], "end": words[-1]["end"], "text": "".join(w["text"] for w in words),
            "words": words}


def finished_recording(user_id: str, seconds: float, *, filename: str = "lecture.mp3", lose: tuple[int, ...] = ()):
    """A done long recording of `seconds`: (job id, its windows, its chapters' starts). `lose`:
    windows whose MP3 was not made (the export leaves them out)."""
    record = jobs.create(user_id, filename=filename, content_type="audio/mpeg", size=1, kind="speech")
    job_id = record["job_id"]
    assert jobs.claim(user_id, job_id, 60)
    files = objects.JobFiles(settings.get().aws.bucket, user_id, job_id)
    cut = windows(seconds)
    survey = {"recording": {"windows": cut, "duration": seconds, "language": "en", "detected": True,
                            "audio": {"format": "mp3", "codec": "mp3", "sample_rate": 44100, "channels": 2}},
              "document": {"format": "mp3", "pages": len(cut)}, "started": 0}
    items, chars = [], 0
    for r, (start, end) in enumerate(cut):
        segments = window_segments(r, start, end)
        sentences = outline.shape(segments)
        text = "".join(s["text"] for s in segments).strip()
        text_body = growing.encode((" " if r and text else "") + text)
        bodies = {book.PAGES_FILE.format(r): growing.encode(segments), book.TEXT_FILE.format(r): text_body,
                  book.SENTENCES_FILE.format(r): growing.encode(sentences)}
        summary = {"first": r, "count": len(segments), "pages_bytes": len(bodies[book.PAGES_FILE.format(r)]),
                   "text_bytes": len(text_body), "sections": 0, "chars": 0, "chapters": [], "skipped": {},
                   "failed": [], "failed_count": 0, "words": sum(len(s["words"]) for s in segments),
                   "engine": "faster-whisper", "engine_version": "base", "languages": {"en": 1}, "unsure": 0,
                   "window": [start, end], "seconds": round(end - start, 3), "sentences_count": len(sentences),
                   "sentences_bytes": len(bodies[book.SENTENCES_FILE.format(r)]), "opening": " ".join(text.split()[:20]),
                   "opening_at": segments[0]["start"] if segments else None}
        if r not in lose:
            name = book.WINDOW_MP3.format(r)
            data = window_mp3(round(end - start, 3))
            bodies[name] = data
            summary["mp3"] = {"file": name, "bytes": len(data)}
        for name, body in bodies.items():
            objects.write(files.bucket, files.key(name), body, "audio/mpeg" if name.endswith(".mp3") else "application/json")
        items.append({"shard": plan.read_id(r), "status": shards.DONE, "summary": summary})
        chars += len(text)
    objects.write(files.bucket, files.key(book.BOOK_SURVEY), json.dumps(survey).encode(), "application/json")
    index = book.build_index({**record, "status": jobs.DONE, "book_shards": len(cut)}, survey, items, 0.0)
    key = objects.write(files.bucket, files.key(growing.INDEX), growing.encode(index), "application/json")
    assert jobs.start_book(user_id, job_id, shards=len(cut), pages=len(cut), result_key=key,
                           lease_seconds=book.LEASE_SECONDS)
    aws.jobs_table().update_item(
        Key={"user_id": user_id, "job_id": job_id},
        UpdateExpression="SET book_read = :r, book_pages_read = :r, book_chars = :c, book_transcribed = :s",
        ExpressionAttributeValues={":r": len(cut), ":c": chars, ":s": int(seconds)})
    assert jobs.finish(user_id, job_id, result_key=key, timings_ms={"book": True},
                       summary={"characters": chars, "book": True, "seconds": seconds}, kind="speech")
    return job_id, cut, [c["start"] for c in index["result"]["chapters"]]
