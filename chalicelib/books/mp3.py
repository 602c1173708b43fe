"""MP3 with chapters (issue 41): the job's speech.mp3 with an ID3v2.3 tag of our own making, so
podcast and audiobook players list and jump by chapter (ID3v2 Chapter Frame Addendum: one CHAP
frame per chapter, a top-level ordered CTOC listing them), and show the title (TIT2, TALB), the
language (TLAN) and the text as lyrics (USLT).

Written here rather than with a tagging library: mutagen, the usual one, is GPL (the tests use it
to read the tags back). Version 2.3 rather than 2.4: players that read chapters read 2.3, and
older ones (Windows, iTunes of the last decade) misread 2.4. Strings are Latin-1 when they fit,
else UTF-16 with a byte-order mark (2.3 has no UTF-8). Pure: bytes in, bytes out (a whole book's
part of another voice's sample rate is encoded again by FFmpeg: `book_streams`).
"""
from __future__ import annotations

import functools
import io
import itertools
import os
import struct
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chalicelib.books import HEAD_BYTES, TEXT_CHARS, TITLE_MAX, chapters_on, clip, clipped_title, cut_names, left

MAX_CHAPTERS = 255  # CTOC's entry count is one byte
LYRICS_MAX_CHARS = TEXT_CHARS  # the text as lyrics: players load the whole tag before playing
NO_OFFSET = 0xFFFFFFFF  # a CHAP's byte offsets: "use the times"
OPENING_S = 0.5  # a first chapter later than this gets a chapter before it, one sooner starts at 0 (players show the whole)
ARTIST = "PageVoice"
GENRE = "Speech"

# BCP 47 primary tags of chalicelib/languages/table.tsv -> ISO 639-2 (the terminological codes,
# as ISO 639-3 and tools that write TLAN today use them; yue, Cantonese, has an ISO 639-3 code
# only). tests/books/test_mp3.py keeps it in step with the table.
_ISO_PAIRS = """
af:afr am:amh ar:ara as:asm az:aze ba:bak be:bel bg:bul bn:ben bo:bod br:bre bs:bos ca:cat cs:ces cy:cym da:dan
de:deu el:ell en:eng eo:epo es:spa et:est eu:eus fa:fas fi:fin fo:fao fr:fra ga:gle gl:glg gu:guj ha:hau haw:haw
he:heb hi:hin hr:hrv ht:hat hu:hun hy:hye id:ind is:isl it:ita ja:jpn jw:jav ka:kat kk:kaz km:khm kn:kan ko:kor
la:lat lb:ltz ln:lin lo:lao lt:lit lv:lav mg:mlg mi:mri mk:mkd ml:mal mn:mon mr:mar ms:msa mt:mlt my:mya ne:nep
nl:nld nn:nno no:nor oc:oci pa:pan pl:pol ps:pus pt:por ro:ron ru:rus sa:san sd:snd si:sin sk:slk sl:slv sn:sna
so:som sq:sqi sr:srp su:sun sv:swe sw:swa ta:tam te:tel tg:tgk th:tha tk:tuk tl:tgl tr:tur tt:tat uk:ukr ur:urd
uz:uzb vi:vie yi:yid yo:yor yue:yue zh:zho
"""
ISO_639_2 = dict(pair.split(":") for pair in _ISO_PAIRS.split())
UNDETERMINED = "und"


def build(result: dict, recording: bytes, *, title: str, progress: Callable[[float], None] | None = None,
          left_out: list[dict] | None = None) -> bytes:
    """The recording (speech.mp3) with the tag: chapters at result.chapters' `start` (a result
    without chapters has one, the whole), the title, the language and the text. `left_out` gets
    what the tag's bounds left out (chalicelib.books.left)."""
    seconds = float((result.get("speech") or {}).get("seconds") or 0.0)
    title = clipped_title(title.strip() or "PageVoice", left_out)
    if progress is not None:
        progress(1.0)
    return tag_of(result, seconds, title, left_out) + audio_of(recording)


def tag_of(result: dict, seconds: float, title: str, left_out: list[dict] | None = None,
           text_chars: int | None = None) -> bytes:
    """The ID3v2.3 tag of a recording of `seconds`: chapters at result.chapters' `start` (a
    result without chapters has one, the whole), the title, the language and result.text (the
    start of a text of `text_chars` characters, when given)."""
    chapters = timed_chapters(result, seconds, title, left_out)
    language = iso_639_2((result.get("language") or {}).get("code"))
    frames = [_text("TIT2", title), _text("TALB", title), _text("TPE1", ARTIST), _text("TCON", GENRE)]
    if language != UNDETERMINED:
        frames.append(_text("TLAN", language))
    text = (result.get("text") or "").strip()
    if text:
        lyrics = clip(text, LYRICS_MAX_CHARS)
        kept = len(text) if lyrics == text else len(lyrics.removesuffix("…"))
        whole = max(len(text), text_chars or 0)
        left(left_out, "text", whole - kept, LYRICS_MAX_CHARS,
             f"The text in the MP3's tag (its lyrics) stops at {kept:,} of its {whole:,} characters; "
             "the recording is whole.")
        frames.append(_lyrics(lyrics, language))
    ids = [f"ch{k}" for k in range(len(chapters))]
    frames.append(_toc("toc", ids, title))
    frames += [_chapter(i, start, end, name) for i, (start, end, name) in zip(ids, chapters, strict=True)]
    return _tag(b"".join(frames))


def timed_chapters(result: dict, seconds: float, title: str, left_out: list[dict] | None = None,
                   holder: str = "an MP3") -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) of each chapter, in order, ends at the next start or the end;
    `left_out` gets the headings past MAX_CHAPTERS (what `holder` lists) and the titles cut."""
    total = max(0, round(seconds * 1000))
    heard = timed = [c for c in result.get("chapters") or [] if isinstance(c.get("start"), (int, float))]
    while len(timed) > MAX_CHAPTERS and len({c.get("level", 1) for c in timed}) > 1:
        deepest = max(c.get("level", 1) for c in timed)  # the finest divisions go first
        timed = [c for c in timed if c.get("level", 1) < deepest]
    starts: list[tuple[int, str]] = []
    for chapter in sorted(timed, key=lambda c: c["start"]):
        ms = min(max(0, round(chapter["start"] * 1000)), total)
        if starts and ms <= starts[-1][0]:
            continue  # two headings heard at once: the first names the chapter
        starts.append((ms, " ".join(str(chapter.get("title") or "").split()) or "Chapter"))
    if not starts or starts[0][0] > OPENING_S * 1000:
        starts.insert(0, (0, title))
    starts[0] = (0, starts[0][1])  # a first heading heard at once holds the voice's lead-in
    dropped = len(heard) - len(timed) + max(0, len(starts) - MAX_CHAPTERS)
    starts = starts[:MAX_CHAPTERS]
    left(left_out, "chapters", dropped, MAX_CHAPTERS,
         f"{dropped:,} of the {len(heard):,} headings are not chapters: {holder} lists at most {MAX_CHAPTERS} chapters"
         + (" (the finest levels were left out first)." if len(timed) < len(heard) else "."))
    long = sum(len(name) > TITLE_MAX for _, name in starts)
    left(left_out, "chapter_titles", long, TITLE_MAX, cut_names(long, TITLE_MAX, "chapter title", ""))
    starts = [(ms, clip(name, TITLE_MAX)) for ms, name in starts]
    ends = [s for s, _ in starts[1:]] + [max(total, starts[-1][0])]
    return [(start, end, name) for (start, name), end in zip(starts, ends, strict=True)]


def iso_639_2(code: str | None) -> str:
    return ISO_639_2.get((code or "").lower(), UNDETERMINED)


def audio_of(mp3: bytes) -> bytes:
    """The MP3's frames without the ID3v2 tag it came with (the encoder's, naming itself)."""
    return mp3[_tag_size(mp3):] if _tag_size(mp3) else mp3


def _tag_size(mp3: bytes) -> int:
    """Bytes of the ID3v2 tag the MP3 starts with (0: none)."""
    if len(mp3) >= 10 and mp3[:3] == b"ID3" and all(b < 0x80 for b in mp3[6:10]):
        return 10 + _unsynchsafe(mp3[6:10]) + (10 if mp3[5] & 0x10 else 0)  # a footer
    return 0


def _synchsafe(n: int) -> bytes:
    if n >= 1 << 28:
        raise ValueError("an ID3v2 tag is at most 256 MB")
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def _unsynchsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def _tag(frames: bytes) -> bytes:
    return b"ID3" + bytes([3, 0, 0]) + _synchsafe(len(frames)) + frames


def _frame(frame_id: str, data: bytes) -> bytes:
    return frame_id.encode("ascii") + struct.pack(">I", len(data)) + b"\0\0" + data


def _encoding(texts: list[str]) -> int:
    """0: every string is Latin-1; 1: UTF-16 with a byte-order mark."""
    try:
        for t in texts:
            t.encode("latin-1")
    except UnicodeEncodeError:
        return 1
    return 0


def _string(text: str, encoding: int, terminated: bool = False) -> bytes:
    if encoding == 0:
        return text.encode("latin-1") + (b"\0" if terminated else b"")
    return b"\xff\xfe" + text.encode("utf-16-le") + (b"\0\0" if terminated else b"")


def _text(frame_id: str, text: str) -> bytes:
    enc = _encoding([text])
    return _frame(frame_id, bytes([enc]) + _string(text, enc))


def _lyrics(text: str, language: str) -> bytes:
    enc = _encoding([text])
    return _frame("USLT", bytes([enc]) + language.encode("ascii") + _string("", enc, terminated=True)
                  + _string(text, enc))


def _chapter(element: str, start_ms: int, end_ms: int, title: str) -> bytes:
    body = element.encode("ascii") + b"\0" + struct.pack(">IIII", start_ms, end_ms, NO_OFFSET, NO_OFFSET)
    return _frame("CHAP", body + _text("TIT2", title))


def _toc(element: str, children: list[str], title: str) -> bytes:
    flags = 0x03  # top-level, ordered
    body = element.encode("ascii") + b"\0" + bytes([flags, len(children)])
    body += b"".join(c.encode("ascii") + b"\0" for c in children)
    return _frame("CTOC", body + _text("TIT2", title))


# --- A book's recording (CONTRACTS section 15): its parts' frames joined, a part at a time, ----
# --- those of another voice's sample rate encoded again (by FFmpeg) at the book's ---------------

DECODER_DELAY = 529  # samples an MPEG audio decoder lags by (LAME's accounting, beside the encoder's delay)
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits
BITRATES_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
BITRATES_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
# Sound of other voices' rates a book's export encodes again (book_streams). Encoding runs ~77x
# real time on a whole core (a 20 s part: 0.26 s of CPU, bench/book_exports.py --mixed) and the
# tasks function has 0.58 of one for 15 minutes, joining the rest included (a 5.6 h book's MP3:
# 43 s here): 6 hours take ~8 minutes. Past it the export is refused at once (409) rather than
# running out of time on every try.
MAX_ENCODED_AGAIN_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Stream:
    """What a part's first frame says (its Xing/Info frame, as FFmpeg's and LAME's MP3 writers
    put there): the sample rate, samples per frame, channels, how many audio frames follow, the
    encoder's delay and its padding at the end, in samples."""
    rate: int
    samples_per_frame: int
    channels: int
    frames: int
    delay: int
    padding: int = 0

    @property
    def voiced(self) -> int:
        """Samples of the part's own sound (what a gapless decoder gives): its frames' samples
        less the encoder's delay and padding."""
        return max(0, self.frames * self.samples_per_frame - self.delay - self.padding)

    @property
    def seconds(self) -> float:
        return self.frames * self.samples_per_frame / self.rate

    @property
    def lead(self) -> float:
        """Seconds from the part's first decoded sample to its first sample of voice."""
        return (self.delay + DECODER_DELAY) / self.rate


def stream_of(mp3: bytes) -> Stream:
    """The Stream of an MP3 part (its first bytes suffice: the tag and the first frame); a
    ValueError when its first frame is not an Info/Xing frame that counts the frames."""
    data = audio_of(mp3)
    head = _header(data, 0)
    if head is None:
        raise ValueError("no MPEG audio frame where the part starts")
    version, layer, rate, channels, _ = head
    side = (32 if channels == 2 else 17) if version == 3 else (17 if channels == 2 else 9)
    at = 4 + side
    if data[at:at + 4] not in (b"Xing", b"Info"):
        raise ValueError("the part's first frame says nothing of its length (no Xing/Info frame)")
    flags = int.from_bytes(data[at + 4:at + 8], "big")
    if not flags & 1:
        raise ValueError("the part's Xing/Info frame does not count its frames")
    frames = int.from_bytes(data[at + 8:at + 12], "big")
    lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    gaps = data[lame + 21:lame + 24]  # 12 bits of delay, 12 of padding
    delay, padding = ((gaps[0] << 4) | (gaps[1] >> 4), ((gaps[1] & 0x0F) << 8) | gaps[2]) if len(gaps) == 3 else (576, 0)
    return Stream(rate=rate, samples_per_frame=_per_frame(rate), channels=channels, frames=frames, delay=delay,
                  padding=padding)


def _per_frame(rate: int) -> int:
    """Samples in a layer III frame: 1152 in MPEG-1 (32 kHz and over), 576 in MPEG-2 and 2.5."""
    return 1152 if rate >= 32000 else 576


def frames_of(mp3: bytes) -> bytes:
    """An MP3 part's audio frames: without its ID3v2 tag and its Info/Xing frame (which would
    tell a player the joined file is as long as this part)."""
    data = audio_of(mp3)
    head = _header(data, 0)
    return data[head[4]:] if head is not None else data


def _header(data: bytes, at: int) -> tuple[int, int, int, int, int] | None:
    """(version bits, layer bits, sample rate, channels, frame length) of the MPEG audio frame at
    `at`, or None."""
    if len(data) < at + 4 or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    bitrate_index, rate_index, padding = data[at + 2] >> 4, (data[at + 2] >> 2) & 3, (data[at + 2] >> 1) & 1
    if version == 1 or layer != 1 or rate_index == 3 or bitrate_index in (0, 15):
        return None  # not a layer III frame of a known rate and bitrate
    rate = SAMPLE_RATES[version][rate_index]
    kbps = (BITRATES_V1 if version == 3 else BITRATES_V2)[bitrate_index]
    length = (144 if version == 3 else 72) * kbps * 1000 // rate + padding
    channels = 1 if data[at + 3] >> 6 == 3 else 2
    return version, layer, rate, channels, length


@dataclass(frozen=True)
class Parts:
    """What a book's parts' first bytes say (their Streams), kept in arrays: 21 bytes a part
    whatever the book's length, on the book's own clock: the book is of its main sample rate
    and channel count (those of most of its recording), and a part of another (a voice of another
    rate, `again`) counts the frames and delay it is encoded again into (`encoded_again`)."""
    rate: int
    samples_per_frame: int
    channels: int
    frames: array  # each part's audio frames in the book
    delays: array  # each part's encoder delay in the book, in samples
    rates: array  # each part's own sample rate
    layouts: array  # each part's own channel count

    def __len__(self) -> int:
        return len(self.frames)

    def seconds(self, k: int) -> float:
        return self.frames[k] * self.samples_per_frame / self.rate

    def lead(self, k: int) -> float:
        """Seconds from part k's first decoded sample to its first sample of voice."""
        return (self.delays[k] + DECODER_DELAY) / self.rate

    def again(self, k: int) -> bool:
        """Part k is of another rate or channel count than the book: it is encoded again."""
        return self.rates[k] != self.rate or self.layouts[k] != self.channels


def joined_chapters(head: dict, parts: Parts) -> tuple[list[dict], float]:
    """A book's chapters moved onto the clock of its parts' frames joined, where each part lasts
    its frames and its voice starts the encoders' lead later; and the joined recording's length."""
    voice_at, t = array("d"), 0.0
    for k in range(len(parts)):
        voice_at.append(t + parts.lead(k))
        t += parts.seconds(k)
    return chapters_on(head, voice_at), t


def book_streams(count: int, read_head: Callable[[int], bytes]) -> Parts:
    """What each of a book's `count` parts says of itself, from its first bytes (`read_head(k)`).
    The book's rate and channels are those of most of its seconds (part 1's when as many): frames
    of two rates joined in one stream would play at the wrong speed, so a part of another is
    counted as what `encoded_again` makes of it, its own sound resampled at the book's rate,
    without its first frames' delay and its padding, in as many frames as it lasted (at least
    enough to hold it); a ValueError when they last more than MAX_ENCODED_AGAIN_SECONDS."""
    frames, delays, rates, layouts, voiced = array("q"), array("l"), array("i"), array("b"), array("q")
    heard: dict[tuple[int, int], float] = {}  # seconds of each (rate, channels)
    for k in range(count):
        stream = stream_of(read_head(k))
        frames.append(stream.frames)
        delays.append(stream.delay)
        rates.append(stream.rate)
        layouts.append(stream.channels)
        voiced.append(stream.voiced)
        heard[stream.rate, stream.channels] = heard.get((stream.rate, stream.channels), 0.0) + stream.seconds
    rate, channels = max(heard, key=heard.__getitem__) if heard else (22050, 1)  # (the first of the longest)
    parts = Parts(rate, _per_frame(rate), channels, frames, delays, rates, layouts)
    others = [k for k in range(count) if parts.again(k)]
    again = sum(frames[k] * _per_frame(rates[k]) / rates[k] for k in others)
    if again > MAX_ENCODED_AGAIN_SECONDS:
        h, m = int(again // 3600), int(again % 3600 // 60)
        raise ValueError(f"{h} h {m:02d} min of it are in voices of other sample rates than most of it "
                         f"({rate:,} Hz), more than the {MAX_ENCODED_AGAIN_SECONDS // 3600} hours an export "
                         "encodes again; format=epub keeps each part as it was made")
    delay = encoder_delay(rate, channels) if others else 0
    for k in others:
        held = -(-voiced[k] * rate // rates[k])  # the resampler gives ceil(samples x rate / its rate)
        lasted = frames[k] * _per_frame(rates[k]) / rates[k]
        frames[k] = max(-(-(delay + held + DECODER_DELAY) // parts.samples_per_frame),
                        round(lasted * rate / parts.samples_per_frame))
        delays[k] = delay
    return parts


def book_format(count: int, read_head: Callable[[int], bytes]) -> tuple[int, int]:
    """The sample rate and channel count of most of a book's seconds (part 1's when as many), as
    book_streams chooses them, from its `count` parts' first bytes (`read_head(k)`)."""
    heard: dict[tuple[int, int], float] = {}
    for k in range(count):
        stream = stream_of(read_head(k))
        heard[stream.rate, stream.channels] = heard.get((stream.rate, stream.channels), 0.0) + stream.seconds
    return max(heard, key=heard.__getitem__) if heard else (22050, 1)


@functools.cache
def encoder_delay(rate: int, channels: int) -> int:
    """The delay in samples of the recording's MP3 encoder (media.audio.RecordingWriter) at this
    rate and channel count, as its own Info frame says it (LAME's: 576)."""
    import numpy as np

    from chalicelib.media.audio import RecordingWriter

    writer = RecordingWriter(rate, channels=channels, wav=False)
    writer.write(np.zeros(_per_frame(rate) * channels, np.int16))
    _, made = writer.close()
    with made:
        return stream_of(made.read(HEAD_BYTES)).delay


def frames_at(parts: Parts, k: int, part: bytes) -> bytes:
    """Part k's audio frames in the book (`part`: its MP3): its own (`frames_of`), or, of
    another rate or channel count, its sound encoded again at the book's (`encoded_again`)."""
    return encoded_again(parts, k, part) if parts.again(k) else frames_of(part)


def encoded_again(parts: Parts, k: int, part: bytes) -> bytes:
    """Part k (`part`: its MP3, of another rate or channel count than the book) decoded, resampled
    to the book's rate and channels and encoded again by the recording's encoder
    (media.audio.RecordingWriter), a second at a time, into exactly parts.frames[k] frames
    with parts.delays[k] samples of delay, as book_streams counted it: its sound, then silence."""
    import av
    import numpy as np

    from chalicelib.media.audio import RecordingWriter

    channels, per_frame = parts.channels, parts.samples_per_frame
    room = parts.frames[k] * per_frame - parts.delays[k] - DECODER_DELAY  # samples heard within its frames
    writer = RecordingWriter(parts.rate, channels=channels, wav=False)
    resampler = av.AudioResampler(format="s16", layout="mono" if channels == 1 else "stereo", rate=parts.rate)
    held: list = []  # a second at a time to the encoder: a decoded frame at a time costs a third more
    with av.open(io.BytesIO(part), "r", format="mp3") as source:
        for frame in itertools.chain(source.decode(audio=0), [None]):  # (None: what the resampler holds)
            for piece in resampler.resample(frame):
                held.append(piece.to_ndarray().reshape(-1)[:max(0, room) * channels])
                room -= len(held[-1]) // channels
            if frame is None or sum(map(len, held)) >= parts.rate * channels:
                writer.write(np.concatenate(held) if held else np.zeros(0, np.int16))
                held = []
    # Silence past its frames, so the encoder gives at least as many (the rest, its flush, is cut).
    writer.write(np.zeros((max(0, room) + DECODER_DELAY + per_frame) * channels, np.int16))
    _, made = writer.close()
    with made:  # read into one buffer, cut in place: memory holds the part once
        data = bytearray(os.fstat(made.fileno()).st_size)
        made.readinto(data)
    start = _tag_size(data)
    start += (_header(data, start) or (0, 0, 0, 0, 0))[4]  # its Info frame
    at = start
    for _ in range(parts.frames[k]):
        header = _header(data, at)
        if header is None:
            break
        at += header[4]
    del data[at:]
    del data[:start]
    return data


def build_book(head: dict, text: str, read_head: Callable[[int], bytes], read_part: Callable[[int], bytes], *,
               title: str, progress: Callable[[float], None] | None = None,
               left_out: list[dict] | None = None, text_chars: int | None = None) -> Iterator[bytes]:
    """A book's MP3 (its index's `head`: speech.parts, chapters, language), piece by piece: the
    tag (chapters on the joined clock, `text` as its lyrics), then each part's frames
    (`read_part(k)`: part k's MP3), one part in memory at a time; `read_head(k)` gives part k's
    first HEAD_BYTES, which say how long it is. A part of another sample rate or channel count
    than most of the book's (another voice's) is encoded again at the book's (`frames_at`)."""
    count = len((head.get("speech") or {}).get("parts") or [])
    streams = book_streams(count, read_head)
    chapters, seconds = joined_chapters(head, streams)
    result = {**head, "chapters": chapters, "text": text}
    yield tag_of(result, seconds, clipped_title(title.strip() or "PageVoice", left_out), left_out, text_chars)
    for k in range(count):
        yield frames_at(streams, k, read_part(k))
        if progress is not None:
            progress((k + 1) / count)
