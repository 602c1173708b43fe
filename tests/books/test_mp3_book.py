"""A book's MP3 joined from its recording's parts (chalicelib.books.mp3.build_book): each part's
frames one after another under one tag, its chapters on the joined clock where a player hears
them, one part in memory at a time. The parts are made as the worker makes them
(media.audio.RecordingWriter: FFmpeg's LAME with its Info frame); a tone starts each chapter,
and the joined file is decoded again to find where each tone is heard."""
from __future__ import annotations

import io

import av
import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from chalicelib.books import HEAD_BYTES, mp3
from chalicelib.media.audio import RecordingWriter
from tests.books.bookjob import mp3_of

RATE = 22050  # piper's


def part(seconds: float, tones: list[float], rate: int = RATE) -> bytes:
    """An MP3 part of `seconds` of near-silence with a 0.3 s tone starting at each of `tones`."""
    samples = np.zeros(int(seconds * rate), np.int16)
    for at in tones:
        n = np.arange(int(0.3 * rate))
        samples[int(at * rate):int(at * rate) + len(n)] = (np.sin(2 * np.pi * 440 * n / rate) * 12000).astype(np.int16)
    return mp3_of(samples, rate)


LENGTHS = [7.3, 11.05, 4.6]  # three parts (sections): their `seconds` as the worker measured them


def book(first_tones: list[float], rates: tuple[int, ...] = (RATE, RATE, RATE)) -> tuple[list[bytes], dict]:
    """Three parts with a tone at each part's `first_tones` and one 6.2 s into the second, and a
    book's index head with a chapter at each tone: (the parts' MP3s, the head)."""
    tones = [[first_tones[0]], [first_tones[1], 6.2], [first_tones[2]]]
    parts_mp3 = [part(s, t, rate) for s, t, rate in zip(LENGTHS, tones, rates, strict=True)]
    starts = [0.0, LENGTHS[0], LENGTHS[0] + LENGTHS[1]]
    at = [starts[0] + tones[0][0], starts[1] + tones[1][0], starts[1] + 6.2, starts[2] + tones[2][0]]
    names = [("One", 1), ("Two", 1), ("Two, later", 2), ("Three", 1)]
    return parts_mp3, {
        "speech": {"parts": [{"file": f"book-r{k}.mp3", "start": starts[k], "seconds": LENGTHS[k]} for k in range(3)]},
        "chapters": [{"title": t, "level": level, "start": round(a, 3)} for (t, level), a in zip(names, at, strict=True)],
        "language": {"code": "en"}}


def onsets(data: bytes) -> list[float]:
    """Where tones start in a decoded MP3 (seconds): 10 ms windows rising past a loudness."""
    with av.open(io.BytesIO(data)) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    loud = np.abs(pcm[: len(pcm) // 220 * 220].reshape(-1, 220)).max(axis=1) > 0.1
    return [i * 220 / RATE for i in range(1, len(loud)) if loud[i] and not loud[i - 1]]


def test_a_books_parts_join_with_its_chapters_where_they_are_heard():
    parts_mp3, head = book([0.5, 0.8, 1.0])
    streams = [mp3.stream_of(p[:HEAD_BYTES]) for p in parts_mp3]  # the first bytes say it
    assert [s.rate for s in streams] == [RATE] * 3 and all(s.frames > 0 for s in streams)
    read = []

    def read_part(k: int) -> bytes:
        read.append(k)
        return parts_mp3[k]

    done = []
    pieces = mp3.build_book(head, "One. Two. Three.", lambda k: parts_mp3[k][:HEAD_BYTES], read_part,
                            title="A book", progress=done.append)
    assert read == []  # nothing is read before it is asked for
    data = b"".join(pieces)
    assert read == [0, 1, 2] and done[-1] == 1.0

    heard = onsets(data)
    tag = ID3(io.BytesIO(data))
    chapters = sorted(tag.getall("CHAP"), key=lambda c: c.start_time)
    titled = {c.sub_frames["TIT2"].text[0]: c.start_time / 1000 for c in chapters}
    assert set(titled) >= {"One", "Two", "Two, later", "Three"}
    for name in ("One", "Two", "Two, later", "Three"):  # each chapter where its tone is heard
        assert min(abs(t - titled[name]) for t in heard) < 0.1, (name, titled[name], heard)
    # The joined file is one stream the length of its parts' frames (no Info frame of part 1
    # telling players the whole is 7 s long).
    assert MP3(io.BytesIO(data)).info.length == pytest.approx(sum(s.seconds for s in streams), abs=0.1)
    assert data.count(b"Info") == 0 and data.count(b"Xing") == 0


def test_parts_of_two_voices_rates_are_refused_with_a_reason():
    a = part(2.0, [0.5])
    writer = RecordingWriter(24000)  # Kokoro's rate
    writer.write(np.zeros(24000, np.int16))
    wav, made = writer.close()
    wav.close()
    b = made.read()
    with pytest.raises(ValueError, match="part 2 is 24000 Hz"):
        next(mp3.build_book({"speech": {"parts": [{}, {}]}}, "", [a, b].__getitem__, [a, b].__getitem__, title="t"))
