"""A book's files and its index, pure: what each shard writes (its files and the summary its item
keeps) and the book's index built from its shards' summaries (chalicelib.jobs.growing's format).
The executor (chalicelib.jobs.book) stores them in S3 and DynamoDB; the command line
(chalicelib.cli_book) writes the same files to a folder, so a book read either way is the same.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from chalicelib import kinds
from chalicelib.errors import Transient
from chalicelib.jobs import growing, objects, shards, table
from chalicelib.kinds import plan
from chalicelib.structure import DEFAULT_SKIP

BOOK_SURVEY = "book-survey.json"
PAGES_FILE = "book-pages-{:04d}.json"
TEXT_FILE = "book-text-{:04d}.json"
SECTIONS_FILE = "book-sections-{:04d}.json"
FLOW_FILE = "book-flow-{:04d}.json"  # a document without pages: the sections a reading shard publishes
WINDOW_FILE = "book-window-{:04d}.flac"  # a long recording: a window's samples
WINDOW_MP3 = "book-window-{:04d}.mp3"  # ...as the part of the recording its book exports join
SENTENCES_FILE = "book-sentences-{:04d}.json"  # a long recording: a window's sentences
SPEAKERS_FILE = "book-speakers-{:04d}.json"  # a long recording: who spoke when in a window (its own voices)
LABELLED_FILE = "book-pages-{:04d}-speakers.json"  # ...its segments with the whole recording's labels
AUDIO_FILE = "book-{}.mp3"  # a recording section's shard id
TIMINGS_FILE = "book-{}.json"
JSON = "application/json"


def is_book(job: dict) -> bool:
    """A job read as a book (CONTRACTS section 15): its record counts its shards."""
    return bool(job.get("book_shards"))


def read_survey(files: objects.JobFiles) -> dict:
    """The book's survey (BOOK_SURVEY: what its shards need); Transient until it is stored."""
    info, _ = objects.read_json(files.bucket, files.key(BOOK_SURVEY))
    if info is None:
        raise Transient("The book's survey is not there yet.")
    return info


@dataclass
class Outputs:
    """What a shard writes (name -> (bytes, content type)), the summary its item keeps, and the
    counters its end moves on its job; a reading shard's recording sections (`cut`) and the one
    that speaks a listener's place in its pages (`wanted`)."""
    files: dict[str, tuple[bytes, str]]
    summary: dict
    counters: dict[str, float]
    cut: list[plan.Section] = field(default_factory=list)
    wanted: int | None = None


def read_outputs(index: int, read, section_chars: int, *, place: dict | None = None, window=None,
                 listened: dict | None = None) -> Outputs:
    """A reading shard's files (its page images, pages, text, sections), its summary and counters.
    `place`: a listener's, whose section (when in these pages) is cut short and named `wanted`;
    `window`: a long recording's window ([start, end] seconds) whose segments `read.pages` holds,
    `listened` its MP3 part."""
    files: dict[str, tuple[bytes, str]] = {name: (image, "image/jpeg") for name, image in read.images.items()}
    pages_body = growing.encode(read.pages)
    # A recording's windows join as its segments do, with a space; pages with a blank line.
    text_body = growing.encode(((" " if window is not None else "\n\n") if index and read.text else "") + read.text)
    files[PAGES_FILE.format(index)] = (pages_body, JSON)
    files[TEXT_FILE.format(index)] = (text_body, JSON)
    inside = place is not None and read.first <= int(place["page"]) < read.first + len(read.pages)
    heads = {(c.get("page"), c.get("block")) for c in read.chapters}
    cut = plan.sections(read.units, section_chars, first_of_book=index == 0,
                        listener=plan.unit_at(read.units, place) if inside else None,
                        starts={i for i, u in enumerate(read.units) if (u.page, u.block) in heads and not (u.lines or (0,))[0]})
    files[SECTIONS_FILE.format(index)] = (json.dumps([c.public() for c in cut]).encode(), JSON)
    first = read.pages[0] if read.pages else {}
    languages: dict[str, int] = {}
    if read.language:  # a recording's window
        languages[read.language] = read.words
    for page in read.pages:
        code = (page.get("language") or {}).get("code")
        if code:
            languages[code] = languages.get(code, 0) + sum(len(line.get("words") or []) for line in page["lines"])
    summary = {"first": read.first, "count": len(read.pages), "pages_bytes": len(pages_body),
               "text_bytes": len(text_body), "sections": len(cut), "chars": sum(c.chars for c in cut),
               "section_chars": [c.chars for c in cut],
               "chapters": read.chapters, "skipped": read.skipped, "failed": read.failed[:50],
               "failed_count": len(read.failed), "words": read.words, "engine": read.engine,
               "engine_version": read.engine_version, "languages": languages, "unsure": len(read.unsure),
               "width": first.get("width"), "height": first.get("height"), "ms": read.timings_ms}
    counters = {"book_read": 1, "book_pages_read": len(read.pages), "book_sections": len(cut), "book_chars": summary["chars"]}
    if window is not None:  # a window of a recording: its seconds, sentences and first words, and no page
        seconds = round(float(window[1]) - float(window[0]), 3)
        sentences_body = growing.encode(read.sentences)
        files[SENTENCES_FILE.format(index)] = (sentences_body, JSON)
        if read.speakers is not None:
            files[SPEAKERS_FILE.format(index)] = (growing.encode(read.speakers), JSON)
            summary["speakers"] = True
        summary |= {"window": list(window), "seconds": seconds, "sentences_count": len(read.sentences),
                    "sentences_bytes": len(sentences_body), "opening": " ".join(read.text.split()[:20]),
                    "opening_at": read.pages[0]["start"] if read.pages else None, **({"mp3": listened} if listened else {})}
        counters |= {"book_pages_read": 1, "book_transcribed": seconds, "book_chars": len(read.text)}
    return Outputs(files, summary, counters, cut, plan.section_at(cut, place) if inside else None)


def record_outputs(shard_id: str, section: plan.Section, rec, chapters: list[dict], pages: dict[int, dict]) -> Outputs:
    """A recording section's files (its MP3 and word timings), its summary and counters, from what
    the kind's `record_section` made; `chapters`: its reading shard's, `pages` its pages by index."""
    files: dict[str, tuple[bytes, str]] = {}
    summary: dict = {"file": None, "timings": None, "seconds": 0.0, "characters": section.chars, "chapters": []}
    if rec.mp3 is not None:
        audio, timings = AUDIO_FILE.format(shard_id), TIMINGS_FILE.format(shard_id)
        files[timings] = (growing.encode({"words": rec.words, "sentences": rec.sentences}), JSON)
        files[audio] = (rec.mp3, "audio/mpeg")
        summary |= {"file": audio, "timings": timings}
    summary |= {"seconds": round(rec.seconds, 3), "first": rec.first, "last": rec.last, "voice": rec.voice,
                "engine": rec.engine, "unspoken": rec.unspoken,
                "chapters": chapter_times(chapters, section, pages, rec.words)}
    return Outputs(files, summary, _recorded(summary, section))


def unrecorded(section: plan.Section, error: str) -> Outputs:
    """A section that could not be recorded: its summary says why, and it counts as made."""
    summary = {"file": None, "timings": None, "seconds": 0.0, "characters": section.chars, "chapters": [], "error": error}
    return Outputs({}, summary, _recorded(summary, section))


def _recorded(summary: dict, section: plan.Section) -> dict[str, float]:
    return {"book_recorded": 1, "book_seconds": summary["seconds"], "book_chars_recorded": section.chars}


def chapter_times(chapters: list[dict], section: plan.Section, pages: dict[int, dict], words: list[dict]) -> list[dict]:
    """When each chapter starting in this section is first heard, from the section's start."""
    starts = {(u.page, u.block) for u in section.units if u.lines is None or u.lines[0] == 0}
    out = []
    for chapter in chapters:
        key = (chapter.get("page"), chapter.get("block"))
        if key not in starts:
            continue
        lines = set(((pages[key[0]].get("blocks") or [])[key[1]]).get("lines") or [])
        times = [w["start"] for w in words if w.get("page") == key[0] and w["line"] in lines]
        if times:
            out.append({"page": key[0], "block": key[1], "t": round(min(times), 3)})
    return out


def reading_shards(survey: dict) -> list[plan.Pages]:
    """The book's reading shards as planned (a document without pages: the ranges of its sections)."""
    if survey.get("ranges"):
        return [plan.Pages(i, a, b) for i, (a, b) in enumerate(survey["ranges"])]
    # A survey without `shard_growth` was planned with shards of 1, 2, 4... pages.
    return plan.reading(int(survey["document"]["pages"]), int(survey["shard_pages"]), int(survey.get("shard_growth") or 2))




# --- The index -----------------------------------------------------------------------------

def build_index(job: dict, survey: dict, items: list[dict], now: float) -> dict:
    """The index of a book (jobs.growing's format 1) from its job's record, its survey and its
    shards' items: the pages and text of the reading shards done from the first on (the pages
    list never has a gap), the chapters found so far, and one `speech.parts` entry per recording
    section made, in text order, each with its `start` once every part before it is known."""
    reads, recs = _done(items)
    page_files, text_files = _page_files(reads)
    if survey.get("recording"):
        index = _index(_recording_head(job, survey, reads, now), "segments", page_files, text_files)
        return _with_list(index, "sentences", _sentence_files(reads))
    parts, starts, seconds, known = _parts(reads, recs, int(float(job.get("book_shards") or 0)))
    chapters = []
    for r in sorted(reads):
        for c in reads[r].get("chapters") or []:
            start = starts.get((c.get("page"), c.get("block")))
            chapters.append({**c, **({"start": start} if start is not None else {})})
    sections = int(float(job.get("book_sections") or 0))
    whole_speech = len(reads) == int(float(job.get("book_shards") or 0)) and len(recs) >= sections and known
    first = reads.get(0) or {}
    head = {"schema": 1, "kind": job.get("kind") or kinds.DEFAULT,
            "engine": survey.get("engine") or first.get("engine") or "",
            "engine_version": survey.get("engine_version") or first.get("engine_version") or "",
            "width": first.get("width"), "height": first.get("height"), "text": None, "lines": [],
            "timings_ms": {}, "pages": None, "document": _document(job, survey, reads, now),
            "chapters": chapters, "skip": list(DEFAULT_SKIP if job.get("skip") is None else job["skip"]),
            "skipped": _summed(reads, "skipped")}
    if survey.get("flow"):
        head["flow"] = True
    languages = _summed(reads, "languages")
    if survey.get("language") or languages:
        head["language"] = survey.get("language") or {"code": max(languages, key=languages.get), "confidence": 1.0,
                                                       "detected": not job.get("language")}
    if parts or sections:
        voice = next((p["voice"] for p in parts if p.get("voice")), None)
        head["speech"] = {"engine": next((rec.get("engine") for rec in recs.values() if rec.get("engine")), ""),
                          "parts": parts, "complete": whole_speech, "book": True, "seconds": round(seconds, 3),
                          "characters": int(float(job.get("book_chars_recorded") or 0)),
                          "sections": _sections(items, sections, len(recs)),
                          **({"voice": voice} if voice else {})}
    return _index(head, "pages", page_files, text_files)


def label_speakers(index: dict, reads: dict[int, dict], work, read_json, write) -> dict:
    """A long recording's index once every window is done, with its speakers (CONTRACTS section
    17): every window's voices labelled at once (`work.speakers_of`: the kind's), each window's
    segments written again with those labels under a name of their own (what was written stays
    as it was: a crash between loses nothing) and listed instead, and `speakers` in the result.
    One voice, or none found: the index as it was. `read_json(name)` / `write(name, body)`: the
    job's files."""
    listed = index["parts"][0]
    windows = [read_json(SPEAKERS_FILE.format(r)) if (reads.get(r) or {}).get("speakers") else None
               for r in range(len(listed["files"]))]
    labels, speakers = work.speakers_of(windows)
    if not speakers:
        return index
    files = []
    for r, (entry, found, named) in enumerate(zip(listed["files"], windows, labels)):
        if not named:  # a window nobody spoke in (or not transcribed): its segments as they are
            files.append(entry)
            continue
        body = growing.encode(work.labelled_window(read_json(entry["name"]) or [], found, named))
        write(LABELLED_FILE.format(r), body)
        files.append({**entry, "name": LABELLED_FILE.format(r), "bytes": len(body)})
    index["bytes"] += sum(f["bytes"] for f in files) - sum(f["bytes"] for f in listed["files"])
    listed["files"] = files
    index["result"]["speakers"] = speakers
    index["bytes"] += len(growing.encode(speakers)) + 16
    return index


def done_reads(items: list[dict]) -> dict[int, dict]:
    """The summaries of the reading shards done, by index."""
    return _done(items)[0]


def _index(head: dict, listed: str, list_files: list[dict], text_files: list[dict]) -> dict:
    """growing's index of a book: its head, the list `listed` (pages, or a recording's segments)
    and its text, each the shards' files from the first on."""
    index = {"format": growing.FORMAT, "result": head, "next": 0,
             "parts": [{"path": [listed], "type": "list", "files": list_files, "tail": []},
                       {"path": ["text"], "type": "text", "files": text_files, "tail": ""}]}
    stored = sum(f["bytes"] for f in list_files + text_files)
    index["bytes"] = stored + len(growing.encode(index)) + 32
    return index


def _with_list(index: dict, name: str, files: list[dict]) -> dict:
    """`index` with one more list grown from shards' files."""
    index["parts"].append({"path": [name], "type": "list", "files": files, "tail": []})
    index["bytes"] += sum(f["bytes"] for f in files) + len(growing.encode(index["parts"][-1]))
    return index


def _sentence_files(reads: dict[int, dict]) -> list[dict]:
    """A long recording's sentences files, of the windows done from the first on."""
    out, r = [], 0
    while r in reads:
        out.append({"name": SENTENCES_FILE.format(r), "count": reads[r].get("sentences_count", 0),
                    "bytes": reads[r].get("sentences_bytes", 2)})
        r += 1
    return out


def _recording_head(job: dict, survey: dict, reads: dict[int, dict], now: float) -> dict:
    """A long recording's result (CONTRACTS section 9) before its segments and text: they are the
    windows' files. `transcribed_s` is how far it is transcribed from the start without a gap;
    `document` says how many windows, which could not be transcribed and, while it runs, its
    progress (section 15)."""
    recording = survey["recording"]
    windows = recording["windows"]
    done = 0
    while done in reads:
        done += 1
    transcribed = float(windows[done - 1][1]) if done else 0.0
    failed = [f for r in sorted(reads) for f in reads[r].get("failed") or []]
    complete = done == len(windows) and not failed
    first = reads.get(0) or {}
    document = {"format": survey["document"]["format"], "book": True, "windows": len(windows), "read": len(reads),
                "complete": complete}
    if failed:
        document |= {"unreadable": len(failed), "failed": failed[:100]}
    if job.get("status") == table.PROCESSING:
        seconds = float(job.get("book_transcribed") or 0.0)
        progress = {"seconds_transcribed": round(seconds, 1), "seconds": recording["duration"]}
        elapsed = now - float(survey.get("started") or now)
        if seconds > 0 and elapsed > 0:
            progress["seconds_left"] = int(round(elapsed * max(0.0, recording["duration"] - seconds) / seconds))
        document["progress"] = progress
    starts, segment = [], 0
    for r in range(done):  # the windows joined so far: where each starts, and its first segment
        at = reads[r].get("opening_at")
        starts.append((float(windows[r][0] if at is None else at), segment, reads[r].get("opening") or ""))
        segment += int(reads[r].get("count") or 0)
    head = {"schema": 1, "kind": job.get("kind") or "speech", "engine": first.get("engine") or "",
            "engine_version": first.get("engine_version") or "", "duration_s": round(float(recording["duration"]), 2),
            "language": recording.get("language"), "text": None, "segments": None, "sentences": None,
            "chapters": plan.chapters(starts), "keyword": None, "complete": complete,
            "audio": recording.get("audio") or {}, "timings_ms": {}, "document": document,
            # Its windows' MP3s (each on the whole recording's clock from `start`): what its book
            # exports join, as a document's `speech.parts`.
            "parts": [{"file": reads[r]["mp3"]["file"], "window": r, "start": float(windows[r][0]),
                       "seconds": round(float(windows[r][1]) - float(windows[r][0]), 3)}
                      for r in sorted(reads) if (reads[r].get("mp3") or {}).get("file")]}
    if not complete:
        head["transcribed_s"] = round(transcribed, 2)
    return head


def _sections(items: list[dict], total: int, recorded: int) -> dict:
    """What of a book's recording is made and what is asked for (CONTRACTS section 15): its
    sections cut so far (`total`), `recorded`, and `queued` (asked for: waiting or being made)."""
    queued = sum(1 for item in items if item.get("status") in (shards.QUEUED, shards.RUNNING)
                 and (plan.parse_id(item["shard"]) or ("",))[0] == plan.RECORD)
    return {"total": total, "recorded": recorded, "queued": queued}


def _done(items: list[dict]) -> tuple[dict[int, dict], dict[tuple[int, int], dict]]:
    """The summaries of the shards done: reading shards by index, sections by (reading shard, section)."""
    reads, recs = {}, {}
    for item in items:
        parsed = plan.parse_id(item["shard"])
        # moto server applies an update's actions one by one, and a read can come between them.
        if parsed is None or item.get("status") != shards.DONE or not isinstance(item.get("summary"), dict):
            continue
        stage, r, k = parsed
        if stage == plan.READ:
            reads[r] = item["summary"]
        else:
            recs[(r, k)] = item["summary"]
    return reads, recs


def _page_files(reads: dict[int, dict]) -> tuple[list[dict], list[dict]]:
    """The pages and text files of the reading shards done from the first on, without a gap."""
    page_files, text_files, r = [], [], 0
    while r in reads:
        page_files.append({"name": PAGES_FILE.format(r), "count": reads[r]["count"], "bytes": reads[r]["pages_bytes"]})
        text_files.append({"name": TEXT_FILE.format(r), "bytes": reads[r]["text_bytes"]})
        r += 1
    return page_files, text_files


def _parts(reads: dict[int, dict], recs: dict[tuple[int, int], dict],
           total: int) -> tuple[list[dict], dict[tuple[int, int], float], float, bool]:
    """(speech.parts in text order, each chapter's start by (page, block), the seconds known
    from the start, whether every part so far is known)."""
    parts, starts, t, known, gap = [], {}, 0.0, True, False
    for r in range(total):
        if r not in reads:
            known, gap = False, True  # its sections are not even cut yet
            continue
        for k in range(int(reads[r]["sections"])):
            rec = recs.get((r, k))
            if rec is None:
                known, gap = False, True
                continue
            start = round(t, 3) if known else None
            if rec.get("file"):
                # `gap`: text before this part (since the part listed before it) is not recorded
                # yet, so the two do not play one after the other (a listener's jump made it first).
                parts.append({"file": rec["file"], "timings": rec["timings"], "seconds": rec["seconds"],
                              "first": rec.get("first"), "last": rec.get("last"), "start": start,
                              "voice": rec.get("voice"), **({"gap": True} if gap else {})})
                gap = False
            if start is not None:
                starts |= {(c["page"], c["block"]): round(start + c["t"], 3) for c in rec.get("chapters") or []}
            t += float(rec.get("seconds") or 0.0)
    return parts, starts, t, known


def _summed(reads: dict[int, dict], name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for summary in reads.values():
        for key, n in (summary.get(name) or {}).items():
            out[key] = out.get(key, 0) + n
    return out


def _document(job: dict, survey: dict, reads: dict[int, dict], now: float) -> dict:
    """The result's `document`: pages read of the whole (`complete` once every page is read: its
    recording is made where someone listens, and `speech.complete` says when it is whole), pages
    that could not be read and why, and while the book is made its progress (CONTRACTS section 15)."""
    document = dict(survey["document"])
    pages_read = int(float(job.get("book_pages_read") or 0))
    unreadable = sum(int(s.get("failed_count") or 0) for s in reads.values())
    read_all = len(reads) >= int(float(job.get("book_shards") or 0))
    document |= {"read": pages_read, "complete": read_all and not unreadable and "reason" not in document}
    if unreadable:
        document |= {"unreadable": unreadable, "failed": [f for s in reads.values() for f in s.get("failed") or []][:100]}
    if job.get("status") == table.PROCESSING:
        document["progress"] = plan.Progress(
            pages_read, int(document["pages"]), float(job.get("book_seconds") or 0.0),
            int(float(job.get("book_chars_recorded") or 0)), int(float(job.get("book_chars") or 0)),
            float(survey.get("started") or now), now).public()
    return document
