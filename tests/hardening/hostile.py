"""Hostile files made by code: small files crafted to make a decoder or a reading
step grow without bound, and what PageVoice owes the user for each.

Each `Hostile` is bytes, the kind of job and type a client declares, and the outcome:

- "failed": the job ends `failed` with a readable reason;
- "cut":    the job ends `done`, marked cut short (pages left out, a page's text cut at a cap);
- "done":   a valid file after all, read within bounds (a bomb at the pixel cap, or a TIFF
            of many pages given to a kind that reads only the first).

`sandbox`: True where the file kills or exhausts an unsandboxed worker, so its test passes
only once decoding runs in a child process with limits (chalicelib/media/sandbox.py).
Text made to be long is dashes ("--"): the reader keeps it as words but the voice says
nothing, so a test's time goes on the reading step under test, not on speech.
"""
from __future__ import annotations

import functools
import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

from tests import images
from tests.media import documents as docs

SILENT = b"--"  # a word the voice says nothing for
# 39.7 megapixels: just under the 40-megapixel cap (settings.limits.max_pixels).
AT_CAP = 6300


@dataclass(frozen=True)
class Hostile:
    name: str
    build: object  # () -> bytes, called once (cached by `data`)
    content_type: str
    kind: str  # the kind of job: page, digits, speech
    expect: str  # "failed", "cut" or "done"
    why: str
    seconds: float = 120  # the job must have ended within this (one worker invocation: 120 s)
    sandbox: bool = False

    @property
    def data(self) -> bytes:
        return _built(self.name)

    @property
    def filename(self) -> str:
        ext = {"application/pdf": "pdf", "image/tiff": "tif", "image/png": "png", "image/gif": "gif",
               "image/webp": "webp", "image/heic": "heic", "image/bmp": "bmp", "audio/flac": "flac",
               "audio/wav": "wav", "audio/ogg": "ogg"}[self.content_type]
        return f"{self.name}.{ext}"


# ---------------------------------------------------------------- recordings


def _crc(data: bytes, bits: int, poly: int) -> int:
    """MSB-first CRC, no reflection, no final XOR: FLAC's CRC-8 and CRC-16, Ogg's CRC-32."""
    crc, top, mask = 0, 1 << (bits - 1), (1 << bits) - 1
    for byte in data:
        crc ^= byte << (bits - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
    return crc


def flac(rate: int, *, frame_rate: int | None = None, frames: int = 2, block: int = 4096,
         declare_length: bool = True) -> bytes:
    """A FLAC of silence (constant subframes) whose STREAMINFO declares `rate` Hz (and its
    length, unless not `declare_length`); its frame headers declare `frame_rate` Hz (in a 16-bit
    field), or defer to STREAMINFO when None. Two frames make 68 bytes."""
    total = frames * block if declare_length else 0
    bits = (rate << 44) | (0 << 41) | (15 << 36) | total  # mono, 16-bit, total samples
    info = struct.pack(">HH", block, block) + bytes(6) + bits.to_bytes(8, "big") + bytes(16)
    out = b"fLaC" + bytes([0x80, 0, 0, len(info)]) + info
    for n in range(frames):
        rate_code, rate_field = (0, b"") if frame_rate is None else (13, struct.pack(">H", frame_rate))
        # sync, fixed block size; block size from a 16-bit field (7); mono, 16 bits (4 << 1)
        header = bytes([0xFF, 0xF8, (7 << 4) | rate_code, 4 << 1, n]) + struct.pack(">H", block - 1) + rate_field
        header += bytes([_crc(header, 8, 0x07)])
        frame = header + b"\x00" + b"\x00\x00"  # a CONSTANT subframe of value 0
        out += frame + struct.pack(">H", _crc(frame, 16, 0x8005))
    return out


def wav(rate: int, *, channels: int = 1, seconds: float = 1.0, data_size: int | None = None) -> bytes:
    """A PCM WAV whose header declares `rate` Hz and `channels`, holding `seconds` of silence
    at 16 kHz mono (what the header says is the lie); `data_size` overrides the data chunk's size."""
    body = bytes(int(16000 * seconds) * 2)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2 & 0xFFFFFFFF, 2 * channels, 16)
    data = b"data" + struct.pack("<I", len(body) if data_size is None else data_size) + body
    chunks = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + data
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks


def ogg_vorbis(rate: int, seconds: float = 1.0) -> bytes:
    """An Ogg Vorbis recording of silence made at 16 kHz whose identification header then
    declares `rate` Hz (its page's checksum made right again)."""
    import soundfile  # libsndfile's Vorbis encoder (FFmpeg's own is "experimental")

    out = io.BytesIO()
    soundfile.write(out, [0.0] * int(16000 * seconds), 16000, format="OGG", subtype="VORBIS")
    data = bytearray(out.getvalue())
    at = data.index(b"\x01vorbis") + 12  # packet type, "vorbis", version (4), channels (1)
    data[at:at + 4] = struct.pack("<I", rate)
    segments = data[26]
    end = 27 + segments + sum(data[27:27 + segments])
    data[22:26] = bytes(4)
    data[22:26] = struct.pack("<I", _crc(bytes(data[:end]), 32, 0x04C11DB7))
    return bytes(data)


# ---------------------------------------------------------------- images


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_rgba16(side: int = AT_CAP) -> bytes:
    """A 16-bit RGBA PNG of side x side transparent pixels: 8 bytes a pixel once inflated
    (317 MB at the cap) from a few hundred KB of zlib."""
    row = b"\x00" + bytes(side * 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 16, 6, 0, 0, 0))
            + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))




def tiff_at_cap(compression: str, mode: str = "L") -> bytes:
    return images.encode(Image.new(mode, (AT_CAP, AT_CAP), 255 if mode == "L" else (255, 255, 255)), "TIFF",
                  compression=compression)


def bmp_rle8(side: int = AT_CAP) -> bytes:
    """An 8-bit run-length BMP of side x side pixels: two bytes per 255 pixels."""
    row = b"".join(bytes([min(255, side - x), 1]) for x in range(0, side, 255)) + b"\x00\x00"
    pixels = row * side + b"\x00\x01"
    palette = b"\x00\x00\x00\x00" + b"\xff\xff\xff\x00" + b"\x80\x80\x80\x00"  # three: a "P" image
    header = struct.pack("<IiiHHIIiiII", 40, side, side, 1, 8, 1, len(pixels), 2835, 2835, 3, 3)
    offset = 14 + len(header) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + palette + pixels


def heic_lying_size(side: int = 60000) -> bytes:
    """A small real HEIC whose image extent (ispe) claims side x side."""
    import pillow_heif

    pillow_heif.register_heif_opener()  # Pillow writes HEIF through it
    data = bytearray(images.encode(Image.new("RGB", (64, 64), "white"), "HEIF", quality=50))
    at = data.index(b"ispe") + 8  # box type, version and flags
    data[at:at + 8] = struct.pack(">II", side, side)
    return bytes(data)


# ---------------------------------------------------------------- the list


def hostiles() -> tuple[Hostile, ...]:
    pdf, tiff = "application/pdf", "image/tiff"
    return (
        Hostile("nested-forms-4", lambda: docs.nested_forms_pdf(4, word=SILENT), pdf, "page", "cut",
                "form objects four deep, each drawing the next ten times: 10,000 words, cut at the page's cap"),
        Hostile("nested-forms-6", lambda: docs.nested_forms_pdf(6, word=SILENT), pdf, "page", "failed",
                "six deep: PDFium grows past 1.8 GB and aborts the process", sandbox=True),
        Hostile("nested-forms-8", lambda: docs.nested_forms_pdf(8, word=SILENT), pdf, "page", "failed",
                "eight deep: a hundred million drawings", sandbox=True),
        Hostile("page-tree-million", lambda: docs.page_tree_pdf(6), pdf,
                "page", "cut", "a page tree declaring (and holding) 1,000,000 pages in 1 KB: the first 50 are read"),
        Hostile("one-line-27000-words", lambda: docs.one_line_pdf(27_000, word=SILENT), pdf, "page", "cut",
                "one text line of 27,000 words: grouping it into lines must be linear, the page cut at its cap"),
        Hostile("dense-50-pages", lambda: docs.dense_pdf(50, words=("-", "--", "---")), pdf, "page", "cut",
                "50 pages of 5,200 words each: a huge result, cut at the page's and the document's caps",
                seconds=240),
        Hostile("tiff-100000-pages", lambda: docs.tiny_pages_tiff(100_000), tiff, "page", "cut",
                "100,000 one-pixel pages: counted by a bounded walk, the first 50 read"),
        Hostile("bigtiff-60000-pages", lambda: docs.tiny_pages_tiff(60_000, big=True), tiff, "page", "cut",
                "BigTIFF, 60,000 pages"),
        Hostile("tiff-100000-pages-digits", lambda: docs.tiny_pages_tiff(100_000), tiff, "digits", "done",
                "the digits kind decodes the first page through the same path"),
        Hostile("tiff-page-loop", lambda: docs.tiny_pages_tiff(5, loop_to=1), tiff, "page", "failed",
                "the fifth page's next page is the second: a loop"),
        Hostile("flac-10-hz", lambda: flac(10), "audio/flac", "speech", "failed",
                "78 bytes declaring 10 Hz: resampled to 16 kHz it was 2.4 GB"),
        Hostile("flac-frames-10-hz", lambda: flac(16000, frame_rate=10, frames=40, block=65535), "audio/flac",
                "speech", "failed", "STREAMINFO says 16 kHz, every frame says 10 Hz"),
        Hostile("wav-rate-1-hz", lambda: wav(1), "audio/wav", "speech", "failed",
                "a WAV header declaring 1 Hz over a second of 16 kHz samples"),
        Hostile("wav-rate-4-ghz", lambda: wav(4_000_000_000), "audio/wav", "speech", "failed",
                "a WAV header declaring 4 GHz"),
        Hostile("wav-1000-channels", lambda: wav(16000, channels=1000), "audio/wav", "speech", "failed",
                "a WAV header declaring 1,000 channels"),
        Hostile("wav-length-lie", lambda: wav(16000, seconds=2, data_size=0xFFFFFFF0), "audio/wav", "speech",
                "done", "a data chunk declaring 37 hours over 2 seconds of samples: read to its real end"),
        Hostile("ogg-vorbis-10-hz", lambda: ogg_vorbis(10), "audio/ogg", "speech", "failed",
                "a Vorbis identification header declaring 10 Hz"),
        Hostile("png-rgba16-at-cap", png_rgba16, "image/png", "page", "done",
                "39.7 megapixels of 16-bit RGBA (317 MB inflated) from 320 KB of zlib"),
        Hostile("tiff-deflate-at-cap", lambda: tiff_at_cap("tiff_deflate"), tiff, "page", "done",
                "39.7 megapixels of deflate"),
        Hostile("tiff-lzw-at-cap", lambda: tiff_at_cap("tiff_lzw", "RGB"), tiff, "page", "done",
                "39.7 megapixels of RGB LZW"),
        Hostile("gif-at-cap", lambda: images.encode(Image.new("P", (AT_CAP, AT_CAP), 0), "GIF"), "image/gif", "page",
                "done", "39.7 megapixels of GIF LZW"),
        Hostile("webp-at-cap", lambda: images.encode(Image.new("RGB", (AT_CAP, AT_CAP), "white"), "WEBP", lossless=True),
                "image/webp", "page", "done", "39.7 megapixels of lossless WebP"),
        Hostile("bmp-rle8-at-cap", bmp_rle8, "image/bmp", "page", "done",
                "39.7 megapixels of run-length BMP in 320 KB"),
        Hostile("heic-claims-60000", heic_lying_size, "image/heic", "page", "failed",
                "a 64x64 HEIC whose image extent claims 60000x60000"),
    )


@functools.cache
def _built(name: str) -> bytes:
    return by_name(name).build()


def by_name(name: str) -> Hostile:
    return next(h for h in hostiles() if h.name == name)

