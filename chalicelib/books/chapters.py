"""Chapters as separate MP3 files (issue 57): a ZIP of one MP3 per chapter, for players and
people who take a long book a chapter at a time (and for a book too large to download whole).

Each chapter's file is the recording's MP3 frames from where the chapter is heard to where the
next one is (cut at frame boundaries, the same frames and the same chapters as the book's MP3,
`chalicelib.books.mp3`: no encoding again, but for a part of another voice's sample rate,
encoded again at the book's), under an ID3v2.3 tag of its own: the chapter's
title, the book's title as album, its number of all. Files are named "03 The Harbour.mp3":
numbered in order, then the title in letters, digits and a few marks every file system takes.

Built from a whole book's parts (`build_book`, CONTRACTS section 15) or a finished job's
speech.mp3 (`build`, as one part), piece by piece with memory bounded whatever the length: one
part in memory at a time, nothing on disk but a chapter's parts encoded again (kept in a
temporary file from its sum to its writing: encoding is the dearest step). The ZIP is STORED
(MP3 does not compress) and written straight, each entry's size and CRC-32 in its local header
as every unzipper reads it (no data descriptor, which some refuse after a stored entry;
`zipstream`): a chapter's frames are read twice, once to sum them, once to write them. ZIP64
past 4 GiB. No AWS I/O.
"""
from __future__ import annotations

import bisect
import io
import re
import tempfile
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterator

from chalicelib.books import HEAD_BYTES, clipped_title, mp3, zipstream

NAME_CHARS = 80  # of a chapter's title in its file name
# A cut goes back this many frames before the frame that holds a chapter's first sample: an MP3
# frame may keep part of its data in the frame before (the bit reservoir), which a file that
# starts at it lacks, so its first frame decodes to silence; the chapter's voice is in the next.
LEAD_FRAMES = 1
HOLDER = "a ZIP of chapters"
_UNSAFE = re.compile(r"[^\w .,'()&!+-]+")  # \w: letters and digits of any script


def build(result: dict, recording: bytes, *, title: str, progress: Callable[[float], None] | None = None,
          left_out: list[dict] | None = None) -> bytes:
    """A finished job's recording (speech.mp3) as a ZIP of one MP3 per chapter of result.chapters."""
    head = {**result, "speech": {**(result.get("speech") or {}), "parts": [{"start": 0.0}]}}
    return b"".join(build_book(head, "", lambda k: recording[:HEAD_BYTES], lambda k: recording, title=title,
                               progress=progress, left_out=left_out))


def build_book(head: dict, text: str, read_head: Callable[[int], bytes], read_part: Callable[[int], bytes], *,
               title: str, progress: Callable[[float], None] | None = None, left_out: list[dict] | None = None,
               text_chars: int | None = None) -> Iterator[bytes]:
    """A book's chapters (its index's `head`: speech.parts, chapters, language) as a ZIP, piece by
    piece: each chapter's tag, then its frames, a part at a time (`read_part(k)`: part k's MP3;
    `read_head(k)` its first HEAD_BYTES, which say how many frames it has). The chapters are the
    book's MP3's (mp3.timed_chapters on its joined clock, a part of another sample rate encoded
    again at the book's: mp3.frames_at); `text` is not carried."""
    count = len((head.get("speech") or {}).get("parts") or [])
    streams = mp3.book_streams(count, read_head)
    book_title = clipped_title(title.strip() or "PageVoice", left_out)
    chapters, seconds = mp3.joined_chapters(head, streams)
    timed = mp3.timed_chapters({"chapters": chapters}, seconds, book_title, left_out, holder=HOLDER)
    frames = _Frames(streams, read_part)
    cuts = cut_frames([start for start, _, _ in timed], streams)
    spans = [(a, b, name) for a, b, (_, _, name) in zip(cuts, cuts[1:] + [frames.total], timed) if b > a]
    language = mp3.iso_639_2((head.get("language") or {}).get("code"))
    archive = zipstream.Zip()
    with frames:
        for n, (first, end, name) in enumerate(spans, 1):
            tag = chapter_tag(name, book_title, n, len(spans), language)
            crc, size = zlib.crc32(tag), len(tag)
            for piece in frames.between(first, end):  # first the sum, then the bytes
                crc, size = zlib.crc32(piece, crc), size + len(piece)
            yield archive.header(file_name(n, len(spans), name), crc, size)
            yield tag
            yield from frames.between(first, end)
            archive.wrote(size)
            frames.forget_before(end)
            if progress is not None:
                progress(end / max(1, frames.total))
    yield from archive.directory()
    if progress is not None:
        progress(1.0)


def cut_frames(starts_ms: list[int], streams: mp3.Parts) -> list[int]:
    """Where each chapter's file starts, in frames of the parts joined: the frame whose samples a
    decoder gives at the chapter's start (its output lags the frames by DECODER_DELAY), less
    LEAD_FRAMES; the first at 0, none before the one before it."""
    rate, per_frame = streams.rate, streams.samples_per_frame
    total = sum(streams.frames)
    cuts: list[int] = []
    for k, ms in enumerate(starts_ms):
        at = int((ms / 1000 * rate - mp3.DECODER_DELAY) // per_frame) - LEAD_FRAMES
        cuts.append(0 if k == 0 else min(total, max(cuts[-1], at)))
    return cuts


def chapter_tag(name: str, book_title: str, n: int, of: int, language: str) -> bytes:
    """A chapter file's ID3v2.3 tag: its title, the book as album, its track number of all."""
    frames = [mp3._text("TIT2", name), mp3._text("TALB", book_title), mp3._text("TPE1", mp3.ARTIST),
              mp3._text("TCON", mp3.GENRE), mp3._text("TRCK", f"{n}/{of}")]
    if language != mp3.UNDETERMINED:
        frames.append(mp3._text("TLAN", language))
    return mp3._tag(b"".join(frames))


def file_name(n: int, of: int, name: str) -> str:
    """"03 The Harbour.mp3": the number (as wide as the last's, at least 2 digits), then the
    title in letters, digits, spaces and .,'()&!+- (anything else a space), at most NAME_CHARS."""
    plain = _UNSAFE.sub(" ", unicodedata.normalize("NFC", name))
    plain = " ".join(plain.split())[:NAME_CHARS].strip(" .")
    number = f"{n:0{max(2, len(str(of)))}d}"
    return f"{number} {plain}.mp3" if plain else f"{number}.mp3"


class _Frames:
    """The book's parts' frames joined, read by frame index, one part in memory at a time; a part
    of another rate, once encoded again (mp3.encoded_again), is kept in a temporary file until
    `forget_before` a frame past it."""

    def __init__(self, streams: mp3.Parts, read_part: Callable[[int], bytes]):
        self.streams, self.read_part = streams, read_part
        self.firsts = array("q", [0])  # where each part's frames start (8 bytes a part)
        for frames in streams.frames:
            self.firsts.append(self.firsts[-1] + frames)
        self.total = self.firsts[-1]
        self._k, self._data, self._at = -1, memoryview(b""), array("q", [0])
        self._spool, self._kept = None, {}  # part k encoded again -> (where, bytes) in _spool

    def __enter__(self) -> _Frames:
        return self

    def __exit__(self, *exc) -> None:
        if self._spool is not None:
            self._spool.close()

    def forget_before(self, first: int) -> None:
        """Frames before `first` are not asked for again: the parts encoded again that end
        before it leave the temporary file (the part holding `first` stays)."""
        k = max(0, bisect.bisect_right(self.firsts, first) - 1)
        if self._spool is None or set(self._kept) <= {k}:
            return
        data = self._spooled(k) if k in self._kept else None
        self._spool.seek(0)
        self._spool.truncate()
        self._kept = {}
        if data is not None:
            self._spool.write(data)
            self._kept[k] = (0, len(data))

    def between(self, first: int, end: int) -> Iterator[bytes]:
        """The bytes of frames first..end-1, a part's share at a time."""
        k = max(0, bisect.bisect_right(self.firsts, first) - 1)
        while first < end and k < len(self.firsts) - 1:
            lo, hi = first - self.firsts[k], min(end, self.firsts[k + 1]) - self.firsts[k]
            if hi > lo:
                at = self._part(k)
                yield self._data[at[min(lo, len(at) - 1)]:at[min(hi, len(at) - 1)]]
            first, k = self.firsts[k + 1], k + 1

    def _part(self, k: int) -> array:
        """Part k's frames (kept until another part is asked for), and where each starts."""
        if k != self._k:
            self._k, self._data = -1, memoryview(b"")  # (the last part goes before the next comes)
            data = memoryview(self._frames_of(k))
            at, offsets = 0, array("q", [0])
            while (header := mp3._header(data, at)) is not None:
                at += header[4]
                offsets.append(at)
            offsets[-1] = len(data)  # (what follows the last whole frame stays with it)
            self._k, self._data, self._at = k, data, offsets
        return self._at

    def _frames_of(self, k: int) -> bytes:
        if not self.streams.again(k):
            return mp3.frames_of(memoryview(self.read_part(k)))  # (a view: the part is not copied)
        if k in self._kept:
            return self._spooled(k)
        data = mp3.encoded_again(self.streams, k, self.read_part(k))
        if self._spool is None:
            self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self._kept[k] = (self._spool.seek(0, io.SEEK_END), len(data))
        self._spool.write(data)
        return data

    def _spooled(self, k: int) -> bytearray:
        at, size = self._kept[k]
        self._spool.seek(at)
        data = bytearray(size)
        self._spool.readinto(data)
        return data
