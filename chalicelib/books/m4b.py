"""M4B: the recording as an audiobook (AAC in MPEG-4, with chapters), the format Apple Books and
most audiobook apps expect. The recording's MP3 (or a whole book's MP3 parts, one at a time) is
decoded and encoded again as AAC by FFmpeg (PyAV), muxed by FFmpeg's iPod muxer with the title,
the language and the chapters (a QuickTime chapter track, which Apple's players read, and a Nero
`chpl` atom, which most others do), into a temporary file that is then given back a piece at a
time; the temporary file is as large as the book (~0.5 MB a minute). Python's memory stays
bounded whatever the length, FFmpeg's does not quite: its MP4 muxer keeps an index entry a frame
until the end (~6 MB an hour, bench/book_exports.py), which the 8-hour cap bounds. Chapters are where their words are heard: each part starts where the parts
before it end (their samples as decoded, the MP3 encoder's delay and padding trimmed), and a
part of another voice's sample rate is resampled to the book's (that of most of its seconds,
as its MP3's: a first part in a 16 kHz voice does not make the whole book 16 kHz); a part is as
long as its `seconds` (the decoder's padding left out), so chapters keep the recording's clock.
No AWS I/O.
"""
from __future__ import annotations

import io
import tempfile
from array import array
from collections.abc import Callable, Iterator
from fractions import Fraction

import av

from chalicelib.books import chapters_on, clipped_title, mp3

BIT_RATE = 64_000  # mono speech: ~0.5 MB a minute, transparent for a voice
# What build_book yields at a time: the upload gathers its own 8 MB parts (objects.write_pieces),
# so a smaller piece only keeps less in memory here (a read of the file takes this much at once).
PIECE_BYTES = 1 << 20
GENRE = "Audiobook"


def build(result: dict, recording: bytes, *, title: str, progress: Callable[[float], None] | None = None,
          left_out: list[dict] | None = None) -> bytes:
    """A finished job's recording (speech.mp3) as an M4B with result.chapters."""
    head = {**result, "speech": {**(result.get("speech") or {}), "parts": [{"start": 0.0}]}}
    return b"".join(build_book(head, "", lambda k: recording, lambda k: recording, title=title, progress=progress,
                               left_out=left_out))


def build_book(head: dict, text: str, read_head: Callable[[int], bytes], read_part: Callable[[int], bytes], *,
               title: str, progress: Callable[[float], None] | None = None, left_out: list[dict] | None = None,
               text_chars: int | None = None) -> Iterator[bytes]:
    """A book's M4B (its index's `head`: speech.parts with their `start`, chapters, language),
    piece by piece; `read_part(k)` gives part k's MP3, `read_head(k)` its first bytes, which say
    its rate (the chapters' times come from the parts as they are decoded; `text` is not carried)."""
    parts = (head.get("speech") or {}).get("parts") or []
    title = clipped_title(title.strip() or "PageVoice", left_out)
    try:
        rate = mp3.book_format(len(parts), read_head)[0] if parts else None
    except ValueError:  # a part whose head says nothing of its length: the first part's rate, as decoded
        rate = None
    with tempfile.TemporaryFile() as file:
        out = av.open(file, "w", format="ipod")
        out.metadata.update({"title": title, "album": title, "artist": mp3.ARTIST, "genre": GENRE})
        aac = _Encoder(out, mp3.iso_639_2((head.get("language") or {}).get("code")), rate)
        offsets = array("d")  # where each part starts (8 bytes a part)
        for k in range(len(parts)):
            with av.open(io.BytesIO(read_part(k)), "r") as source:
                aac.next_part(parts[k].get("seconds"))  # (what the last part's resampler held is written first)
                offsets.append(aac.seconds)
                for frame in source.decode(audio=0):
                    aac.add(frame)
            if progress is not None:
                progress((k + 1) / max(1, len(parts)) * 0.99)
        aac.finish()
        chapters = mp3.timed_chapters({"chapters": chapters_on(head, offsets)}, aac.seconds, title, left_out,
                                      holder="an M4B")
        out.set_chapters([{"id": i + 1, "start": start, "end": end, "time_base": Fraction(1, 1000),
                           "metadata": {"title": name}} for i, (start, end, name) in enumerate(chapters)])
        out.close()
        file.seek(0)
        while piece := file.read(PIECE_BYTES):
            yield piece
    if progress is not None:
        progress(1.0)


class _Encoder:
    """AAC of one rate (`rate`, else the first frame's) and one channel, timed by the samples
    written."""

    def __init__(self, out, language: str, rate: int | None = None):
        self.out, self.language = out, language
        self.stream = self.resampler = None
        self.rate, self.written, self.seconds_left = rate or 0, 0, None

    @property
    def seconds(self) -> float:
        return self.written / self.rate if self.rate else 0.0

    def next_part(self, seconds: float | None = None) -> None:
        """A new part follows (its frames may be of another rate: a resampler of its own), of
        `seconds` when given: what its decoder gives past them (the MP3 encoder's padding) is left
        out, so that the parts keep the recording's own clock end to end."""
        if self.resampler is not None:
            self._encode(self.resampler.resample(None))
        self.resampler, self.seconds_left = None, seconds

    def add(self, frame) -> None:
        if self.stream is None:
            self.rate = self.rate or frame.sample_rate
            self.stream = self.out.add_stream("aac", rate=self.rate, layout="mono")
            self.stream.bit_rate = BIT_RATE
            if self.language != mp3.UNDETERMINED:
                self.stream.metadata["language"] = self.language
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="fltp", layout="mono", rate=self.rate)
        self._encode(self.resampler.resample(frame))

    def finish(self) -> None:
        self.next_part()
        if self.stream is not None:
            for packet in self.stream.encode(None):
                self.out.mux(packet)

    def _encode(self, frames) -> None:
        for piece in frames:
            if self.seconds_left is not None:
                room = int(round(self.seconds_left * self.rate))
                if room <= 0:
                    continue
                if piece.samples > room:
                    piece = av.AudioFrame.from_ndarray(piece.to_ndarray()[:, :room], format="fltp", layout="mono")
                    piece.sample_rate = self.rate
                self.seconds_left -= piece.samples / self.rate
            piece.pts, piece.time_base = self.written, Fraction(1, self.rate)
            self.written += piece.samples
            for packet in self.stream.encode(piece):
                self.out.mux(packet)
