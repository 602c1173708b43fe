"""A long recording as a book (CONTRACTS sections 9 and 15): its transcript and its own audio in
the shapes the whole-book formats' builders take (`build_book` of books.mp3, m4b, chapters and
epub_book), so a two-hour lecture becomes an MP3 or M4B with chapters, a ZIP of its chapters or
an EPUB whose text is lit word by word as the recording plays. Pure: the recording's result and
its windows' segments and sentences in, the book's head, sections and timings out.

Each window of the recording is one part (its MP3, made by the window's worker: the result's
`parts`) and one section of a document without pages: its segments as lines, a paragraph where
the transcript marks one (kinds.speech.outline), its words timed from the window's start, which
is its MP3's clock. A chapter (kinds.plan.chapters: at a window's first words) opens its window's
section.
"""
from __future__ import annotations

import bisect


def is_recording(head: dict) -> bool:
    """The index's result is a recording's (speech kind), not a document's."""
    return head.get("kind") == "speech"


def head_of(result: dict) -> dict:
    """The book head of a long recording's result: its windows' MP3s as `speech.parts` (each
    opening section `window`), its chapters with the section they open, a document without pages."""
    parts = [{"file": p["file"], "seconds": float(p["seconds"]), "start": float(p["start"]),
              "first": {"page": int(p["window"]), "line": 0, "word": 0}}
             for p in result.get("parts") or [] if isinstance(p.get("window"), int)]
    starts = [p["start"] for p in parts]
    chapters = []
    for c in result.get("chapters") or []:
        if parts and isinstance(c.get("start"), (int, float)):
            k = max(0, bisect.bisect_right(starts, float(c["start"])) - 1)
            chapters.append({"title": c.get("title") or "", "level": int(c.get("level") or 1),
                             "start": float(c["start"]), "page": parts[k]["first"]["page"], "block": 0})
    code = result.get("language")
    document = result.get("document") or {}
    whole = bool(result.get("complete")) and len(parts) >= int(document.get("windows") or 0)
    return {"schema": 1, "kind": "speech", "flow": True, "title": None, "chapters": chapters,
            "language": {"code": code} if isinstance(code, str) and code else {},
            "document": {"format": document.get("format"), "book": True, "complete": whole},
            "skipped": {},
            # `recorded`: the person's own recording, not a voice PageVoice made (books.epub says so)
            "speech": {"engine": "", "recorded": True, "parts": parts, "complete": whole,
                       "book": True,
                       "seconds": round(float(result.get("duration_s") or 0.0), 3)}}


def section(p: int, segments: list[dict], sentences: list[dict], start: float,
            language: str | None = None) -> tuple[dict, dict]:
    """Window `p`'s section (a page of a document without pages: a line a segment, a paragraph
    block where a segment starts one) and its part's timings ({"words", "sentences"}, CONTRACTS
    sections 10 and 14, from the window's `start`)."""
    lines, blocks, words = [], [], []
    for segment in segments:
        said = [w for w in segment.get("words") or [] if str(w.get("text") or "").strip()]
        if not said:
            continue
        li = len(lines)
        lines.append({"text": " ".join(str(w["text"]).strip() for w in said),
                      "words": [{"text": str(w["text"]).strip()} for w in said]})
        if not blocks or segment.get("paragraph"):
            blocks.append({"role": "paragraph", "lines": [], "spoken": True})
        blocks[-1]["lines"].append(li)
        for wi, w in enumerate(said):
            words.append({"page": p, "line": li, "word": wi, "start": _at(w.get("start"), start),
                          "end": _at(w.get("end"), start)})
    page = {"lines": lines, "blocks": blocks, "text": "\n".join(line["text"] for line in lines)}
    if language:
        page["language"] = {"code": language}
    return page, {"words": words, "sentences": _sentences(words, sentences, start)}


def _sentences(words: list[dict], sentences: list[dict], start: float) -> list[dict]:
    """Each sentence ({"start", "end"} on the recording's clock) at its first word, from `start`."""
    out, begins = [], [w["start"] for w in words]
    for sentence in sentences:
        at = _at(sentence.get("start"), start)
        i = bisect.bisect_left(begins, at - 0.01)
        if i >= len(words) or (out and i <= out[-1]["_i"]):
            continue
        w = words[i]
        out.append({"page": w["page"], "line": w["line"], "word": w["word"], "start": w["start"],
                    "end": max(w["start"], _at(sentence.get("end"), start)), "_i": i})
    for s in out:
        del s["_i"]
    return out


def _at(t, start: float) -> float:
    return round(max(0.0, float(t or 0.0) - start), 3)
