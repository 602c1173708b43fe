"""M4B of a recording and of a whole book's parts (chalicelib.books.m4b): AAC in MPEG-4 with
the chapters where their words are heard, read back as audiobook players read them (mutagen
reads the Nero `chpl` atom, FFmpeg the QuickTime chapter track), the parts made as the worker
makes them (one of them at Kokoro's 24 kHz, or in two channels: resampled), a tone starting each
chapter, heard where its chapter starts and at its own pitch."""
from __future__ import annotations

import io

import av
import numpy as np
import pytest
from mutagen.mp4 import MP4

from chalicelib.books import HEAD_BYTES, m4b
from tests.books.test_mp3_book import LENGTHS, book


def decoded(data: bytes) -> tuple[np.ndarray, int]:
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]), frames[0].sample_rate


def onsets(data: bytes) -> list[float]:
    pcm, rate = decoded(data)
    step = rate // 100
    loud = np.abs(pcm[: len(pcm) // step * step].reshape(-1, step)).max(axis=1) > 0.1
    return [i * step / rate for i in range(1, len(loud)) if loud[i] and not loud[i - 1]]


@pytest.mark.parametrize(("rates", "channels"), [
    ((22050, 24000, 22050), (1, 1, 1)),  # the second part at Kokoro's 24 kHz
    ((24000, 22050, 22050), (1, 1, 1)),  # the first: resampled to the rate of most of the book
    ((16000, 22050, 22050), (1, 1, 1)),  # a first part in a 16 kHz voice: not the whole book at 16 kHz
    ((22050, 22050, 16000), (1, 2, 2)),  # two channels, mixed down
], ids=["kokoro-inside", "kokoro-first", "16k-first", "stereo-and-16k"])
def test_a_books_parts_make_one_audiobook_with_its_chapters_where_they_are_heard(tmp_path, rates, channels):
    # The first chapter 0.8 s in (one sooner than 0.5 s would start at 0, as an MP3's does).
    parts_mp3, head = book([0.8, 0.8, 1.0], rates=rates, channels=channels)
    done = []
    data = b"".join(m4b.build_book(head, "", lambda k: parts_mp3[k][:HEAD_BYTES], parts_mp3.__getitem__,
                                   title="A book", progress=done.append))
    assert done[-1] == 1.0
    path = tmp_path / "book.m4b"
    path.write_bytes(data)
    audiobook = MP4(str(path))
    assert audiobook.info.codec.startswith("mp4a") and audiobook.tags["\xa9nam"] == ["A book"]
    assert abs(audiobook.info.length - sum(LENGTHS)) < 0.1
    titled = {c.title: c.start for c in audiobook.chapters}
    heard = onsets(data)
    for name in ("One", "Two", "Two, later", "Three"):
        assert min(abs(t - titled[name]) for t in heard) < 0.1, (name, titled[name], heard)
    pcm, rate = decoded(data)
    assert rate == 22050 and len(heard) == 4  # (the rate of most of its seconds)
    for at in heard:  # each tone at 440 Hz: no part plays at another's speed
        tone = pcm[int((at + 0.05) * rate):int((at + 0.25) * rate)]
        assert abs(np.argmax(np.abs(np.fft.rfft(tone))) * rate / len(tone) - 440) < 10
    with av.open(str(path)) as container:  # the QuickTime chapter track, as FFmpeg reads it
        assert [c["metadata"]["title"] for c in container.chapters()][-4:] == ["One", "Two", "Two, later", "Three"]
        assert container.streams.audio[0].metadata.get("language") == "eng"
