"""A finished book job (CONTRACTS section 15) written straight into moto, as its shards leave it
(chalicelib.jobs.book): its pages and text files, its recording's parts (MP3 and timings files),
its index and its record, done, without reading or recording anything. For the book exports'
tests and bench/book_exports.py, whose books are long."""
from __future__ import annotations

import json
from collections.abc import Iterable

from chalicelib import aws, settings
from chalicelib.jobs import book, book_files, growing, objects
from chalicelib.jobs import table as jobs


def finished_book(user_id: str, head: dict, parts_mp3: Iterable[bytes], *, pages: list[list[dict]] | None = None,
                  texts: list[str] | None = None, timings: Iterable[dict] | None = None,
                  filename: str = "book.pdf", done: bool = True, sections: int | None = None) -> str:
    """A book job whose index's result is `head` (its `speech.parts` name their files, which are
    written from `parts_mp3` and `timings`, one at a time), its pages files `pages` (one list of
    pages per reading shard) and text files `texts`: its id. `done` False leaves it processing
    (its parts made, the index written, the job not ended); `sections` more than its parts says
    that some sections could not be recorded (as a part that failed leaves no entry)."""
    record = jobs.create(user_id, filename=filename, content_type="application/pdf", size=1)
    job_id = record["job_id"]
    assert jobs.claim(user_id, job_id, 60)
    files = objects.JobFiles(settings.get().aws.bucket, user_id, job_id)
    parts = (head.get("speech") or {}).get("parts") or []
    timings = iter(timings) if timings is not None else None
    for part, data in zip(parts, parts_mp3, strict=True):
        _write(files, part["file"], data, "audio/mpeg")
        if timings is not None and part.get("timings"):
            _write(files, part["timings"], growing.encode(next(timings)), "application/json")
    pages, texts = pages or [[]], texts or [head.get("text") or ""]
    page_files, text_files = [], []
    for r, (shard_pages, text) in enumerate(zip(pages, texts, strict=True)):
        body, text_body = growing.encode(shard_pages), json.dumps(text).encode()
        _write(files, book.PAGES_FILE.format(r), body, "application/json")
        _write(files, book.TEXT_FILE.format(r), text_body, "application/json")
        page_files.append({"name": book.PAGES_FILE.format(r), "count": len(shard_pages), "bytes": len(body)})
        text_files.append({"name": book.TEXT_FILE.format(r), "bytes": len(text_body)})
    index = book_files._index(head, "pages", page_files, text_files)
    key = _write(files, growing.INDEX, growing.encode(index), "application/json")
    assert jobs.start_book(user_id, job_id, shards=len(pages), pages=sum(len(p) for p in pages), result_key=key,
                           lease_seconds=book.LEASE_SECONDS)
    seconds = float((head.get("speech") or {}).get("seconds") or sum(float(p.get("seconds") or 0) for p in parts))
    aws.jobs_table().update_item(
        Key={"user_id": user_id, "job_id": job_id},
        UpdateExpression="SET book_read = :r, book_sections = :n, book_recorded = :n, book_chars = :c",
        ExpressionAttributeValues={":r": len(pages), ":n": sections or max(1, len(parts)), ":c": sum(len(t) for t in texts)})
    if done:
        assert jobs.finish(user_id, job_id, result_key=key, timings_ms={"book": True},
                           summary={"pages": sum(len(p) for p in pages), "book": True}, kind="page",
                           seconds=round(seconds, 3))
    return job_id


def _write(files: objects.JobFiles, name: str, body: bytes, content_type: str) -> str:
    return objects.write(files.bucket, files.key(name), body, content_type)


# --- A synthetic book: pages as the reading shards store them, a part per page -----------------

WORDS = ["the", "harbour", "wall", "was", "built", "of", "grey", "stone", "and", "the", "boats", "came", "in", "at",
         "dusk", "with", "their", "catch", "while", "gulls", "circled", "over", "the", "market", "where", "people",
         "waited", "for", "news", "of", "the", "weather", "and", "the", "tide"]
NOUNS = ["Anchor", "Breeze", "Cabin", "Dolphin", "Ember", "Falcon", "Glacier", "Harbour", "Island", "Juniper"]
SHARD_PAGES = 32  # pages a reading shard stores in one file (a text layer's)


def synthetic_page(p: int, chapter: int | None) -> dict:
    """Page `p` as a reading shard stores it: a chapter heading when `chapter` is given, three
    paragraphs of two lines of eight words (a sentence each), and its printed page number (not
    spoken)."""
    lines, blocks = [], []

    def line(words: list[str]) -> int:
        lines.append({"text": " ".join(words), "words": [{"text": w, "confidence": 1.0} for w in words],
                      "language": "en"})
        return len(lines) - 1

    if chapter is not None:
        blocks.append({"role": "heading", "level": 1, "lines": [line(["Chapter", str(chapter + 1) + ":",
                                                                      NOUNS[chapter % len(NOUNS)]])], "spoken": True})
    for k in range(3):
        start = (p * 7 + k * 5) % len(WORDS)
        words = [WORDS[(start + i) % len(WORDS)] for i in range(16)]
        words[0], words[-1] = words[0].capitalize(), words[-1] + "."
        blocks.append({"role": "paragraph", "lines": [line(words[:8]), line(words[8:])], "spoken": True})
    blocks.append({"role": "page-number", "lines": [line([str(p + 1)])], "spoken": False})
    return {"lines": lines, "blocks": blocks, "width": 612, "height": 792, "source": "text",
            "language": {"code": "en", "confidence": 1.0}, "text": "\n".join(li["text"] for li in lines)}


def page_timings(p: int, page: dict, seconds: float) -> dict:
    """A part's timings (from its own start) of every spoken word of page `p`, evenly in
    `seconds` (0.3 s of lead-in), a sentence to each heading and each line pair's full stop."""
    spoken = [(li, wi) for b in page["blocks"] if b["spoken"] for li in b["lines"]
              for wi, _ in enumerate(page["lines"][li]["words"])]
    step = (seconds - 0.6) / len(spoken)
    words, sentences, opened = [], [], True
    for n, (li, wi) in enumerate(spoken):
        start = round(0.3 + n * step, 3)
        words.append({"page": p, "line": li, "word": wi, "start": start, "end": round(start + step * 0.9, 3)})
        if opened:
            sentences.append({"page": p, "line": li, "word": wi, "start": start, "end": start})
        text = page["lines"][li]["words"][wi]["text"]
        opened = text.endswith(".") or (li == 0 and wi == len(page["lines"][0]["words"]) - 1 and not
                                        page["lines"][0]["text"].endswith("."))
        sentences[-1]["end"] = words[-1]["end"]
    return {"words": words, "sentences": sentences}


def synthetic(pages: int, part_seconds: float = 20.0, chapter_every: int = 10, noise: bool = False,
              rates: tuple[int, int, int] = (22050, 22050, 22050)):
    """A book of `pages` pages, a chapter every `chapter_every`, spoken a part of `part_seconds`
    a page (three MP3s made once, in turn, at `rates`: near-silence with a tone, or with `noise`
    a hiss as loud as speech, which an encoder cannot make small): (head, parts' MP3s, pages by
    shard, texts by shard, timings of each part)."""
    from tests.books.test_mp3_book import part

    made = [noisy(part_seconds, k, rate) if noise else part(part_seconds, [0.3 + k * 0.2], rate)
            for k, rate in enumerate(rates)]
    every = [synthetic_page(p, p // chapter_every if p % chapter_every == 0 else None) for p in range(pages)]
    timings = [page_timings(p, page, part_seconds) for p, page in enumerate(every)]
    parts = [{"file": f"book-rec-{p:04d}-00.mp3", "timings": f"book-rec-{p:04d}-00.json", "seconds": part_seconds,
              "first": {"page": p, "line": 0, "word": 0}, "last": {"page": p, "line": len(page["lines"]) - 2, "word": 7},
              "start": round(p * part_seconds, 3), "voice": {"engine": "piper", "name": "en_US-lessac-medium"}}
             for p, page in enumerate(every)]
    chapters = [{"title": f"Chapter {p // chapter_every + 1}: {NOUNS[p // chapter_every % len(NOUNS)]}", "level": 1,
                 "page": p, "block": 0, "start": round(p * part_seconds + timings[p]["words"][0]["start"], 3)}
                for p in range(0, pages, chapter_every)]
    head = {"schema": 1, "kind": "page", "engine": "pdf-text", "engine_version": "1", "width": 612, "height": 792,
            "text": None, "lines": [], "timings_ms": {}, "pages": None,
            "document": {"format": "pdf", "pages_in_file": pages, "pages": pages, "read": pages, "complete": True,
                         "book": True},
            "chapters": chapters, "skip": ["page-header", "page-footer", "page-number", "footnote", "code"],
            "skipped": {"page-number": pages}, "language": {"code": "en", "confidence": 1.0, "detected": True},
            "speech": {"engine": "piper", "parts": parts, "complete": True, "book": True,
                       "seconds": round(pages * part_seconds, 3), "characters": 0,
                       "voice": {"engine": "piper", "name": "en_US-lessac-medium"}}}
    shards = [every[i:i + SHARD_PAGES] for i in range(0, pages, SHARD_PAGES)]
    texts = ["\n\n".join(page["text"] for page in shard) for shard in shards]
    return head, [made[p % 3] for p in range(pages)], shards, texts, timings


def noisy(seconds: float, seed: int, rate: int = 22050) -> bytes:
    """An MP3 part of `seconds` of noise at a voice's loudness, made as the worker makes parts."""
    import numpy as np

    return mp3_of((np.random.default_rng(seed).standard_normal(int(seconds * rate)) * 3000).astype(np.int16), rate)


def mp3_of(samples, rate: int, channels: int = 1) -> bytes:
    """16-bit samples as an MP3 part, made as the worker makes its parts (in `channels`: the
    mono samples in each)."""
    from chalicelib.media import audio

    return audio.mp3_of(samples.repeat(channels), rate, channels)
