"""A book's MP3 joined from its recording's parts (chalicelib.books.mp3.build_book): each part's
frames one after another under one tag, its chapters on the joined clock where a player hears
them, one part in memory at a time. The parts are made as the worker makes them
(media.audio.RecordingWriter: FFmpeg's LAME with its Info frame), some in another voice's sample
rate or channels (encoded again at the book's); a tone starts each chapter, and the joined file
is decoded again to find where each tone is heard and at what pitch."""
from __future__ import annotations

import io

import av
import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from chalicelib.books import HEAD_BYTES, mp3
from tests.books.bookjob import mp3_of

RATE = 22050  # piper's


def part(seconds: float, tones: list[float], rate: int = RATE, channels: int = 1) -> bytes:
    """An MP3 part of `seconds` of near-silence with a 0.3 s tone starting at each of `tones`."""
    samples = np.zeros(int(seconds * rate), np.int16)
    for at in tones:
        n = np.arange(int(0.3 * rate))
        samples[int(at * rate):int(at * rate) + len(n)] = (np.sin(2 * np.pi * 440 * n / rate) * 12000).astype(np.int16)
    return mp3_of(samples, rate, channels)


LENGTHS = [7.3, 11.05, 4.6]  # three parts (sections): their `seconds` as the worker measured them


def book(first_tones: list[float], rates: tuple[int, ...] = (RATE, RATE, RATE),
         channels: tuple[int, ...] = (1, 1, 1)) -> tuple[list[bytes], dict]:
    """Three parts with a tone at each part's `first_tones` and one 6.2 s into the second, and a
    book's index head with a chapter at each tone: (the parts' MP3s, the head)."""
    tones = [[first_tones[0]], [first_tones[1], 6.2], [first_tones[2]]]
    parts_mp3 = [part(s, t, rate, n) for s, t, rate, n in zip(LENGTHS, tones, rates, channels, strict=True)]
    starts = [0.0, LENGTHS[0], LENGTHS[0] + LENGTHS[1]]
    at = [starts[0] + tones[0][0], starts[1] + tones[1][0], starts[1] + 6.2, starts[2] + tones[2][0]]
    names = [("One", 1), ("Two", 1), ("Two, later", 2), ("Three", 1)]
    return parts_mp3, {
        "speech": {"parts": [{"file": f"book-r{k}.mp3", "start": starts[k], "seconds": LENGTHS[k]} for k in range(3)]},
        "chapters": [{"title": t, "level": level, "start": round(a, 3)} for (t, level), a in zip(names, at, strict=True)],
        "language": {"code": "en"}}


def decoded(data: bytes) -> tuple[np.ndarray, int]:
    """An MP3's samples as a player decodes them (the first channel's), and their rate."""
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return np.concatenate([f.to_ndarray()[0] for f in frames]), frames[0].sample_rate


def onsets(data: bytes) -> list[float]:
    """Where tones start in a decoded MP3 (seconds): 10 ms windows rising past a loudness."""
    pcm, rate = decoded(data)
    step = rate // 100
    loud = np.abs(pcm[: len(pcm) // step * step].reshape(-1, step)).max(axis=1) > 0.1
    return [i * step / rate for i in range(1, len(loud)) if loud[i] and not loud[i - 1]]


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


@pytest.mark.parametrize(("rates", "channels"), [
    ((22050, 24000, 22050), (1, 1, 1)),  # piper's English, a chapter in Kokoro's voice, piper again
    ((24000, 22050, 22050), (1, 1, 1)),  # the first part is not the book's most: it is the one encoded again
    ((22050, 22050, 22050), (1, 2, 1)),  # another channel count
    ((22050, 22050, 16000), (1, 1, 2)),  # another rate (a low piper voice's) and channel count
], ids=["kokoro-inside", "kokoro-first", "stereo", "16k-stereo"])
def test_parts_of_voices_of_other_rates_are_encoded_again_at_the_books(rates, channels):
    parts_mp3, head = book([0.5, 0.8, 1.0], rates=rates, channels=channels)
    streams = [mp3.stream_of(p[:HEAD_BYTES]) for p in parts_mp3]
    read_heads = []

    def read_head(k: int) -> bytes:
        read_heads.append(k)
        return parts_mp3[k][:HEAD_BYTES]

    data = b"".join(mp3.build_book(head, "", read_head, parts_mp3.__getitem__, title="Two voices"))
    assert read_heads == [0, 1, 2]  # (which rate is the book's: known from the heads alone)
    pcm, rate = decoded(data)
    assert rate == 22050 and MP3(io.BytesIO(data)).info.channels == 1
    # Played at the right speed: as long as its parts, and every tone where its chapter says.
    assert len(pcm) / rate == pytest.approx(sum(s.seconds for s in streams), abs=0.1)
    assert MP3(io.BytesIO(data)).info.length == pytest.approx(sum(s.seconds for s in streams), abs=0.1)
    heard = onsets(data)
    titled = {c.sub_frames["TIT2"].text[0]: c.start_time / 1000 for c in ID3(io.BytesIO(data)).getall("CHAP")}
    assert len(heard) == 4, heard
    for name in ("One", "Two", "Two, later", "Three"):
        assert min(abs(t - titled[name]) for t in heard) < 0.1, (name, titled[name], heard)
    # The tone is still 440 Hz where the part was resampled (not played at another speed).
    later = int(titled["Two, later"] * rate)
    tone = pcm[later + rate // 20:later + rate // 4]
    assert abs(np.argmax(np.abs(np.fft.rfft(tone))) * rate / len(tone) - 440) < 10


def test_a_part_encoded_again_fills_the_frames_its_head_counted():
    """What book_streams counts of a part of another rate, before anything is written, is what
    encoded_again writes: as many frames, the encoder's own delay, as long as it was."""
    a, b = part(LENGTHS[0], [0.5]), part(LENGTHS[1], [0.8], 24000)
    streams = mp3.book_streams(3, [a, b, a].__getitem__)
    assert (streams.rate, streams.channels) == (22050, 1) and [streams.again(k) for k in range(3)] == [False, True, False]
    again = mp3.frames_at(streams, 1, b)
    count, at = 0, 0
    while (header := mp3._header(again, at)) is not None:
        count, at = count + 1, at + header[4]
    assert at == len(again) and count == streams.frames[1]
    assert streams.delays[1] == mp3.encoder_delay(22050, 1) == 576
    assert streams.seconds(1) == pytest.approx(mp3.stream_of(b).seconds, abs=0.03)
    assert mp3.frames_at(streams, 0, a) == mp3.frames_of(a)  # a part of the book's rate: its own frames


def test_more_sound_of_other_rates_than_an_export_encodes_again_is_refused_before_anything_is_made(monkeypatch):
    parts_mp3, head = book([0.5, 0.8, 1.0], rates=(RATE, 24000, RATE))  # the second part: 11.05 s
    monkeypatch.setattr(mp3, "MAX_ENCODED_AGAIN_SECONDS", 10)
    read = []
    with pytest.raises(ValueError, match=r"0 h 00 min of it are in voices of other sample rates than most of it "
                                         r"\(22,050 Hz\), more than the 0 hours an export encodes again"):
        next(mp3.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], lambda k: read.append(k), title="t"))
    assert read == []
    monkeypatch.setattr(mp3, "MAX_ENCODED_AGAIN_SECONDS", 12)
    assert next(mp3.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], parts_mp3.__getitem__, title="t"))
