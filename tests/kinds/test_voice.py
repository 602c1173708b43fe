"""The recording's parts: every part is published as it is made (listening starts with the
first), except a last part no one can reach before the whole recording is stored, which goes
out with it (its own publication would be requests no listener sees)."""
from __future__ import annotations

import io
import wave

from chalicelib.kinds import voice
from chalicelib.kinds.base import Resume
from chalicelib.kinds.common import RECORDING, RECORDING_MP3
from chalicelib.kinds.page import pipeline

# espeak-ng: a real voice fast enough that the parts come well before anyone could reach them.
LONG = " ".join(f"This is sentence number {n} of a page long enough to be read in several parts." for n in range(12))


def recorded(text: str, **kwargs) -> tuple[voice.Take, list[str]]:
    published = []
    take = voice.record(text, language="en", tts_engine="espeak",
                        on_part=lambda info, part: published.append(part.name), **kwargs)
    return take, published


def test_a_last_part_no_one_can_reach_yet_is_held_for_the_whole_recording():
    take, published = recorded(LONG)
    names = [p["file"] for p in take.info["parts"]]
    assert len(names) >= 3 and published[0] == "speech-000.wav"  # listening starts with the first part
    assert [p.name for p in take.held] == names[-1:] and published == names[:-1]
    assert take.info["complete"] and [p.name for p in take.parts] == names


def test_a_last_part_a_listener_may_reach_is_published_at_once(monkeypatch):
    monkeypatch.setattr(voice, "ASSEMBLY_MARGIN_SECONDS", 1000.0)  # the whole would come too late
    take, published = recorded(LONG)
    assert not take.held and published == [p["file"] for p in take.info["parts"]]


def test_a_last_part_a_listener_at_twice_the_speed_may_reach_is_published_at_once(monkeypatch):
    """The site plays at up to 2x: a part 1x listeners reach after the whole is stored may be
    reached before it at 2x."""
    take, _ = recorded(LONG)
    last_start = take.info["parts"][-1]["start"]
    monkeypatch.setattr(voice, "ASSEMBLY_MARGIN_SECONDS", 0.75 * last_start)  # between start / 2 and start
    take, published = recorded(LONG)
    assert not take.held and published == [p["file"] for p in take.info["parts"]]


def test_a_recording_of_one_part_is_published_at_once():
    take, published = recorded("A short text.")
    assert not take.held and published == ["speech-000.wav"]


def test_a_continued_recording_publishes_its_last_part():
    """An earlier invocation published the first part: a listener may be anywhere by now."""
    sentences = LONG.split(". ")
    first, _ = recorded(". ".join(sentences[:4]) + ".")
    state = {**first.info, "complete": False}
    take, published = recorded(LONG, state=state)
    assert not take.held and published and published[-1] == take.info["parts"][-1]["file"]


def test_the_page_stores_a_held_part_with_the_whole_recording_as_transient():
    """Parts published and held, back to back, are speech.wav; the held part is stored with it."""
    lines = [s + "." for s in LONG.rstrip(".").split(". ")]
    prior = {"schema": 1, "kind": "page", "text": "\n".join(lines), "language": {"code": "en"},
             "lines": [{"text": t, "words": [{"text": w} for w in t.split()]} for t in lines]}
    published = []
    done = pipeline.run(b"not a document", publish=published.append, resume=Resume(prior, lambda name: b""),
                        tts_engine="espeak")
    names = [p["file"] for p in done.result["speech"]["parts"]]
    held = [n for n in done.files if n not in (RECORDING, RECORDING_MP3)]
    assert held == names[-1:] and done.transient == frozenset(held)
    assert [n for p in published for n in p.files] == names[:-1]
    bodies = [body for p in published for body, _ in p.files.values()] + [done.files[held[0]][0]]
    assert b"".join(map(frames, bodies)) == frames(done.files[RECORDING][0].read())
    assert len(done.result["speech"]["words"]) == len(LONG.split())
    # Each line a sentence (issue 40), the held part's included, each starting at its first word.
    sentences = done.result["speech"]["sentences"]
    assert [(s["line"], s["word"]) for s in sentences] == [(k, 0) for k in range(len(lines))]
    assert [s["start"] for s in sentences] == [w["start"] for w in done.result["speech"]["words"] if w["word"] == 0]


def frames(data: bytes) -> bytes:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.readframes(w.getnframes())
