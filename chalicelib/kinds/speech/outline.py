"""A transcript's shape (CONTRACTS section 9, extended for long recordings): paragraphs at long
pauses and its sentences (as section 14's, by time), so a long recording can be read and
stepped through (its chapters: kinds.plan.chapters). Pure: segments in, marks out.

A sentence ends at a word Whisper ended with a full stop, question or exclamation mark (the
site's steps.js reads the same marks when a result has no `sentences`), and at a paragraph's
end.
"""
from __future__ import annotations

import re

PARAGRAPH_PAUSE_S = 2.0  # a pause this long between segments starts a paragraph
_END = re.compile(r"[.!?…。！？؟।][)\"'»”’\]]*$")


def shape(segments: list[dict]) -> list[dict]:
    """Mark the segments that start a paragraph (`"paragraph": true`: the first, and each after
    a pause of PARAGRAPH_PAUSE_S) in place; the sentences, [{"start", "end"}] in order."""
    sentences: list[dict] = []
    last_end, ended = None, True
    for k, segment in enumerate(segments):
        if k == 0 or (last_end is not None and segment["start"] - last_end >= PARAGRAPH_PAUSE_S):
            segment["paragraph"] = True
            ended = True
        for word in segment.get("words") or []:
            if ended:
                sentences.append({"start": word["start"], "end": word["end"]})
            sentences[-1]["end"] = word["end"]
            ended = bool(_END.search(word["text"].strip()))
        last_end = segment["end"]
    return sentences
