"""Hostile files made by code: small files crafted to make a decoder or a reading
step grow without bound, and what PageVoice owes the user for each.

Each `Hostile` is bytes, the kind of job and type a client declares, and the outcome:

- "failed": the job ends `failed` with a readable reason;
- "cut":    the job ends `done`, marked cut short (pages left out, a page's text cut at a cap);
- "done":   a valid file after all, read within bounds (a bomb at the pixel cap, or a TIFF
            of many pages given to a kind that reads only the first).

`keeps`: text a "done" or "cut" result must hold (a "failed" job's reason, for one that fails);
`never`: text neither the result nor the reason may hold (what an external entity or an XInclude would have pulled in).

`sandbox`: True where the file kills or exhausts an unsandboxed worker, so its test passes
only once decoding runs in a child process with limits (chalicelib/media/sandbox.py).
Text made to be long is dashes ("--"): the reader keeps it as words but the voice says
nothing, so a test's time goes on the reading step under test, not on speech.
"""
from __future__ import annotations

import functools
import io
import random
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
    keeps: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    # "end": the job must have ended within `seconds`; "text": its text must have been published
    # (the job may still be making its recording, in the worker's turns, bounded by the recording's
    # cap: 50,000 one-word paragraphs are 50,000 sentences, and the voice pauses after each).
    until: str = "end"

    @property
    def data(self) -> bytes:
        return _built(self.name)

    @property
    def filename(self) -> str:
        from chalicelib.media.types import EXTENSIONS

        return f"{self.name}{EXTENSIONS[self.content_type][0]}"


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


# ---------------------------------------------------------------- documents without pages

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE, EPUB_TYPE = "application/vnd.oasis.opendocument.text", "application/epub+zip"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XI = "http://www.w3.org/2001/XInclude"
PASSWD = "file:///etc/passwd"
# What /etc/passwd starts with (and this machine's has): a result holding it read the file.
SECRET = ("root:x:0:0", "/bin/bash", "/usr/sbin/nologin")
# Text readers drop a line of dashes as a rule ("-----", "* * *"): this says nothing too.
QUIET = b"(--)"
# Ten entities each ten times the one before: a billion "lol"s (3 GB) from a few hundred bytes.
LAUGHS = b"".join([b'<!ENTITY lol0 "lol">'] + [
    b"<!ENTITY lol%d \"%s\">" % (n, b"".join(b"&lol%d;" % (n - 1) for _ in range(10))) for n in range(1, 10)])


class Canary:
    """A local HTTP server that counts every request made of it: hostile documents point their
    images, stylesheets, fonts, frames and DTDs here, and nothing may ever ask for them."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                canary.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"--")

            do_GET = do_HEAD = do_POST = _answer  # noqa: N815 (http.server's names)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


@functools.cache
def canary() -> Canary:
    """The one canary of this process (started when a document that points at it is built)."""
    return Canary()


def _noise(n: int, seed: int = 39) -> bytes:
    """`n` hex digits that deflate barely shrinks: padding that no zip ratio check mistakes for a bomb."""
    return random.Random(seed).randbytes(n // 2 + 1).hex().encode()[:n]


def _rsid(rng: random.Random) -> bytes:
    """A revision id as Word writes on every paragraph (from a pool: one per editing session)."""
    return b"00%06X" % rng.randrange(256)


def zipped(parts: dict[str, bytes], stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    """A zip of `parts` in order, deflated (`stored` parts not compressed, as a mimetype must be)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx(body: bytes, *, doctype: bytes = b"", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word document whose w:body holds `body` (its document.xml led by `doctype`)."""
    return zipped({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + doctype
        + b'<w:document xmlns:w="' + W.encode() + b'"><w:body>' + body + b"</w:body></w:document>",
        **(extra or {})})


def _wp(text: bytes, attrs: bytes = b"") -> bytes:
    return b"<w:p" + attrs + b"><w:r><w:t>" + text + b"</w:t></w:r></w:p>"


def docx_bomb(unpacked: int = 64 << 20) -> bytes:
    """document.xml of one paragraph and `unpacked` bytes of spaces: deflate packs it ~1000 to 1."""
    return docx(_wp(SILENT) + b" " * unpacked)


def docx_declares(size: int = 2 << 30) -> bytes:
    """A small valid DOCX whose document.xml's headers (local and central) declare `size` bytes."""
    data = bytearray(docx(_wp(SILENT)))
    name = b"word/document.xml"
    local = data.index(b"PK\x03\x04")
    while data[local + 30:local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    data[local + 22:local + 26] = struct.pack("<I", size)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24:central + 28] = struct.pack("<I", size)
    return bytes(data)


def docx_truncated() -> bytes:
    """A DOCX cut inside its central directory (the end record and most entries gone)."""
    data = docx(_wp(b"The end of this file is missing."))
    return data[:data.index(b"PK\x01\x02") + 60]


def docx_entries(n: int = 100_000) -> bytes:
    """A DOCX holding `n` empty parts beside its document (9 MB of zip headers)."""
    out = io.BytesIO(docx(_wp(SILENT)))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as z:
        for i in range(n):
            z.writestr(f"x/{i}", b"")
    return out.getvalue()


def docx_deep(levels: int = 3334) -> bytes:
    """Tables nested in table cells `levels` deep (3 elements a level: 10,000 deep), each row
    with the revision ids Word writes (so the zip ratio check does not stop it first)."""
    rng = random.Random(39)
    opened = b"".join(b'<w:tbl><w:tr w:rsidR="' + _rsid(rng) + _rsid(rng) + b'"><w:tc>' for _ in range(levels))
    return docx(opened + _wp(SILENT) + b"</w:tc></w:tr></w:tbl>" * levels)


def docx_sdt_deep(levels: int = 5000) -> bytes:
    """Content controls (w:sdt) nested `levels` deep (2 elements a level: 10,000 deep)."""
    rng = random.Random(40)
    opened = b"".join(b'<w:sdt><w:sdtPr><w:id w:val="%d"/></w:sdtPr><w:sdtContent>' % rng.randrange(1 << 31)
                      for _ in range(levels))
    return docx(opened + _wp(SILENT) + b"</w:sdtContent></w:sdt>" * levels)


def docx_paragraphs(n: int = 1_000_000) -> bytes:
    """`n` one-word paragraphs (76 MB of document.xml, 4.7 MB zipped)."""
    rng = random.Random(39)
    return docx(b"".join(_wp(SILENT, b' w:rsidR="' + _rsid(rng) + b'" w:rsidRDefault="' + _rsid(rng) + b'"')
                         for _ in range(n)))


def docx_entity(entities: bytes, text: bytes, *, pad: int = 0) -> bytes:
    """A DOCX whose document.xml declares `entities` and uses `text`; `pad` hex digits in a comment
    first push the declarations past the first megabyte (where a byte scan might stop looking)."""
    lead = b"<!--" + _noise(pad) + b"-->" if pad else b""
    return docx(_wp(b"Before " + text + b" after."), doctype=lead + b"<!DOCTYPE w:document [" + entities + b"]>")


def odt(text_xml: bytes) -> bytes:
    """A minimal OpenDocument text whose office:text holds `text_xml`."""
    ns = (b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:xi="' + XI.encode() + b'"')
    return zipped({
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
        b'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        b'manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path='
        b'"content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        "content.xml": b'<?xml version="1.0" encoding="UTF-8"?><office:document-content ' + ns
        + b' office:version="1.2"><office:body><office:text>' + text_xml
        + b"</office:text></office:body></office:document-content>"})


def xinclude(href: str) -> bytes:
    return b'<xi:include xmlns:xi="' + XI.encode() + b'" href="' + href.encode() + b'" parse="text"/>'


def xhtml(body: bytes, *, head: bytes = b"", doctype: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b'<html xmlns="http://www.w3.org/1999/xhtml">'
            b"<head><title>Chapter</title>" + head + b"</head><body>" + body + b"</body></html>")


def epub(chapters: list[bytes], *, opf_doctype: bytes = b"", manifest: bytes = b"") -> bytes:
    """A minimal EPUB 3 of `chapters` (XHTML) in its spine; `opf_doctype` leads its package
    file, `manifest` adds items to it."""
    names = [f"c{i}.xhtml" for i in range(len(chapters))]
    items = b"".join(b'<item id="c%d" href="%s" media-type="application/xhtml+xml"/>' % (i, n.encode())
                     for i, n in enumerate(names))
    spine = b"".join(b'<itemref idref="c%d"/>' % i for i in range(len(names)))
    nav = xhtml(b'<nav xmlns:epub="http://www.idpf.org/2007/ops" epub:type="toc"><ol>' + b"".join(
        b'<li><a href="%s">Chapter %d</a></li>' % (n.encode(), i + 1) for i, n in enumerate(names)) + b"</ol></nav>")
    opf = (b'<?xml version="1.0" encoding="UTF-8"?>' + opf_doctype + b'<package xmlns="http://www.idpf.org/2007/opf" '
           b'version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           b'<dc:identifier id="id">hostile</dc:identifier><dc:title>Hostile &amp; Co</dc:title>'
           b"<dc:language>en</dc:language></metadata><manifest>"
           b'<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           + items + manifest + b"</manifest><spine>" + spine + b"</spine></package>")
    return zipped({
        "mimetype": b"application/epub+zip",
        "META-INF/container.xml": b'<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
        b'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/'
        b'oebps-package+xml"/></rootfiles></container>',
        "OEBPS/content.opf": opf, "OEBPS/nav.xhtml": nav,
        **{f"OEBPS/{n}": c for n, c in zip(names, chapters)}})



def epub_total(parts: int = 90, each: int = 2_500_000) -> bytes:
    """`parts` chapters of a word and `each` bytes of whitespace runs (deflate packs them ~100 to
    1, under the per-part ratio): 215 MB in all, past the book's 200 MB budget, from 1.6 MB."""
    rng = random.Random(39)

    def chapter() -> bytes:
        runs, size = [], 0
        while size < each:
            run = b" " * rng.randrange(200, 600) + b"\n"
            runs.append(run)
            size += len(run)
        return xhtml(b"<p>--</p>" + b"".join(runs) + b"<p>--</p>")

    return epub([chapter() for _ in range(parts)])


def remote(url: str) -> bytes:
    """A body and head that reference every kind of remote resource at `url` (all of them
    from one page: images, srcset, stylesheets, fonts, frames, scripts, objects, media)."""
    u = url.encode()
    head = (b'<link rel="stylesheet" href="' + u + b'style.css"/><link rel="preload" href="' + u + b'font.woff2" as="font"/>'
            b'<link rel="icon" href="' + u + b'icon.png"/><script src="' + u + b'app.js"></script>'
            b'<style>@import url("' + u + b'import.css"); @font-face { font-family: F; src: url("' + u
            + b'font.ttf"); } body { background: url("' + u + b'bg.png"); }</style>')
    body = (b'<p>Words that stay on this page.</p><img src="' + u + b'image.png" alt="a picture"/>'
            b'<img srcset="' + u + b'small.png 1x, ' + u + b'big.png 2x" alt="another"/>'
            b'<picture><source srcset="' + u + b'source.webp"/><img src="' + u + b'fallback.png" alt="third"/></picture>'
            b'<iframe src="' + u + b'frame.html"></iframe><object data="' + u + b'object.svg"></object>'
            b'<embed src="' + u + b'embed.svg"/><video poster="' + u + b'poster.png" src="' + u + b'video.mp4"></video>'
            b'<audio src="' + u + b'audio.mp3"></audio><svg xmlns="http://www.w3.org/2000/svg" '
            b'xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="' + u + b'svg-image.png"/></svg>'
            b'<p style="background-image: url(' + u + b'inline.png)">The end.</p>')
    return head, body


def html_remote() -> bytes:
    head, body = remote(canary().url)
    u = canary().url.encode()
    return (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "' + u + b'xhtml11.dtd"><html><head>'
            b'<meta charset="utf-8"/><base href="' + u + b'"/><title>Remote</title>' + head
            + b'<meta http-equiv="refresh" content="0; url=' + u + b'refresh.html"/></head><body>' + body
            + b'<a href="' + u + b'link.html">a link</a></body></html>')


def epub_remote() -> bytes:
    head, body = remote(canary().url)
    u = canary().url.encode()
    dtd = b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "' + u + b'xhtml11.dtd">'
    return epub([xhtml(body + xinclude(canary().url + "xinclude.txt"), head=head, doctype=dtd)],
                manifest=b'<item id="remote" href="' + u + b'remote.css" media-type="text/css"/>'
                b'<item id="font" href="' + u + b'remote.woff" media-type="font/woff"/>')


def text_paragraphs(n: int = 1_000_000) -> bytes:
    return (QUIET + b"\n\n") * n


CP1252_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Le café</title></head><body>"
               "<p>Le café de la gare, « déjà vu » — naïve façade.</p></body></html>")
UTF16_TEXT = "The quick brown fox reads a plain text file.\n\nIts second paragraph follows."


def flow_hostiles() -> tuple[Hostile, ...]:
    md, text, html = "text/markdown", "text/plain", "text/html"
    return (
        Hostile("docx-ratio-1000", docx_bomb, DOCX_TYPE, "page", "failed",
                "document.xml unpacks 64 MB from 64 KB: past the 200 to 1 a part allows"),
        Hostile("epub-parts-215mb", epub_total, EPUB_TYPE, "page", "failed",
                "90 chapters each within the ratio, together 215 MB: past the book's 200 MB budget"),
        Hostile("docx-declares-2gb", docx_declares, DOCX_TYPE, "page", "done",
                "a small document.xml whose zip headers declare 2 GB: read to its real end, never sized "
                "by its claim", keeps=("--",)),
        Hostile("docx-truncated-zip", docx_truncated, DOCX_TYPE, "page", "failed",
                "a DOCX cut inside its central directory"),
        Hostile("docx-100000-entries", docx_entries, DOCX_TYPE, "page", "failed",
                "100,000 empty parts beside its document: past the 20,000 parts read"),
        Hostile("docx-billion-laughs", lambda: docx_entity(LAUGHS, b"&lol9;"), DOCX_TYPE, "page", "failed",
                "entities nested ten deep, ten each: 3 GB of 'lol' from 500 bytes"),
        Hostile("docx-laughs-past-1mb", lambda: docx_entity(LAUGHS, b"&lol9;", pad=1_100_000), DOCX_TYPE,
                "page", "failed", "the same, declared after 1.1 MB of a comment"),
        Hostile("epub-opf-billion-laughs", lambda: epub([xhtml(b"<p>--</p>")],
                                                        opf_doctype=b"<!DOCTYPE package [" + LAUGHS + b"]>"),
                EPUB_TYPE, "page", "failed", "a billion laughs declared in the package file (OPF)"),
        Hostile("docx-xxe-passwd", lambda: docx_entity(b'<!ENTITY xxe SYSTEM "' + PASSWD.encode() + b'">', b"&xxe;"),
                DOCX_TYPE, "page", "failed", "an external entity naming /etc/passwd", never=SECRET),
        Hostile("docx-xxe-past-1mb", lambda: docx_entity(
                    b'<!ENTITY xxe SYSTEM "' + PASSWD.encode() + b'"><!ENTITY net SYSTEM "' + canary().url.encode()
                    + b'xxe.txt">', b"&xxe; &net;", pad=1_100_000), DOCX_TYPE, "page", "done",
                "external entities (/etc/passwd, and the canary) declared after 1.1 MB of a comment: "
                "left unexpanded", keeps=("Before",), never=SECRET),
        Hostile("epub-chapter-laughs-past-1mb", lambda: epub([
                    b'<?xml version="1.0"?><!--' + _noise(1_100_000) + b"--><!DOCTYPE html [" + LAUGHS
                    + b']><html xmlns="http://www.w3.org/1999/xhtml"><body><p>Before &lol9; after.</p></body></html>']),
                EPUB_TYPE, "page", "done", "a billion laughs in a chapter, past the first MB: its XML refused, the "
                "chapter read as HTML with the entity left unexpanded", keeps=("Before",), never=("lollol",)),
        Hostile("html-xxe-passwd", lambda: b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "' + PASSWD.encode()
                + b'">]><html><body><p>Before &xxe; after.</p></body></html>', "text/html", "page", "done",
                "a web page declaring an external entity: HTML has none, read without it",
                keeps=("Before",), never=SECRET),
        Hostile("odt-xinclude-passwd", lambda: odt(b"<text:p>Before " + xinclude(PASSWD) + b" after.</text:p>"),
                ODT_TYPE, "page", "done", "an xi:include of /etc/passwd in content.xml: read without it",
                keeps=("Before", "after."), never=SECRET),
        Hostile("epub-xinclude-passwd", lambda: epub([xhtml(b"<p>Before " + xinclude(PASSWD) + b" after.</p>")]),
                EPUB_TYPE, "page", "done", "an xi:include of /etc/passwd in a chapter: read without it",
                keeps=("Before", "after."), never=SECRET),
        Hostile("html-10000-deep", lambda: b"<html><body>" + b"<div>" * 10_000 + b"--" + b"</div>" * 10_000
                + b"</body></html>", html, "page", "failed", "10,000 nested divs"),
        Hostile("docx-tables-10000-deep", docx_deep, DOCX_TYPE, "page", "failed",
                "tables in table cells, 10,000 elements deep"),
        Hostile("docx-sdt-10000-deep", docx_sdt_deep, DOCX_TYPE, "page", "failed",
                "content controls (w:sdt) 10,000 elements deep"),
        Hostile("markdown-quotes-10000-deep", lambda: b"> " * 10_000 + QUIET + b"\n", md, "page", "failed",
                "block quotes 10,000 deep on one line: refused as HTML and DOCX are (the parser would drop the "
                "rest unsaid)", keeps=("deep",)),
        Hostile("markdown-lists-10000-deep", lambda: b"+ " * 10_000 + QUIET + b"\n", md, "page", "failed",
                "list items 10,000 deep on one line: refused, saying why", keeps=("deep",)),
        Hostile("docx-million-paragraphs", docx_paragraphs, DOCX_TYPE, "page", "cut",
                "1,000,000 paragraphs (76 MB of XML in 4.7 MB): a book, cut at its word limit", until="text"),
        Hostile("text-million-paragraphs", text_paragraphs, text, "page", "cut",
                "1,000,000 paragraphs of plain text: a book, cut at its word limit", until="text"),
        Hostile("markdown-million-items", lambda: (b"- " + QUIET + b"\n") * 1_000_000, md, "page", "cut",
                "a list of 1,000,000 items: a book, cut at its word limit", until="text"),
        Hostile("html-says-utf8-is-cp1252", lambda: CP1252_PAGE.encode("cp1252"), html, "page", "done",
                "a meta charset of UTF-8 over Windows-1252 bytes: read as what it is",
                keeps=("café", "« déjà vu »", "naïve façade.")),
        Hostile("text-utf16-no-bom", lambda: UTF16_TEXT.encode("utf-16-le"), text, "page", "done",
                "UTF-16 without a byte order mark, declared text/plain", keeps=("quick brown fox", "second paragraph")),
        Hostile("docx-that-is-a-pdf", lambda: docs.one_line_pdf(20, word=SILENT), DOCX_TYPE, "page", "failed",
                "a PDF declared as a Word document: refused, not read as a PDF or an image",
                keeps=("Word document",)),
        Hostile("html-remote-resources", html_remote, html, "page", "done",
                "images, stylesheets, fonts, frames and a DTD on a local server: none fetched",
                keeps=("Words that stay on this page.", "The end.")),
        Hostile("epub-remote-resources", epub_remote, EPUB_TYPE, "page", "done",
                "the same in a chapter, remote items in the manifest and an xi:include: none fetched",
                keeps=("Words that stay on this page.",)),
    )


# ---------------------------------------------------------------- the list


# A file read as a book to the book limit: ~20 shards, each opening the file again, queued on the
# stack's two workers behind the other files: 134-195 s beside another clone's suite (under 120
# alone). The bound on its work is the limit it is cut at; this time only stops a hung run.
BOOK_SECONDS = 600


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
                "page", "cut", "a page tree declaring (and holding) 1,000,000 pages in 1 KB: a book, read to the book limit",
                seconds=BOOK_SECONDS),
        Hostile("one-line-27000-words", lambda: docs.one_line_pdf(27_000, word=SILENT), pdf, "page", "cut",
                "one text line of 27,000 words: grouping it into lines must be linear, the page cut at its cap"),
        Hostile("dense-50-pages", lambda: docs.dense_pdf(50, words=("-", "--", "---")), pdf, "page", "cut",
                "50 pages of 5,200 words each: a huge result, cut at the page's and the document's caps",
                seconds=240),
        Hostile("tiff-100000-pages", lambda: docs.tiny_pages_tiff(100_000), tiff, "page", "cut",
                "100,000 one-pixel pages: counted by a bounded walk, a book read to the book limit",
                seconds=BOOK_SECONDS),
        Hostile("bigtiff-60000-pages", lambda: docs.tiny_pages_tiff(60_000, big=True), tiff, "page", "cut",
                "BigTIFF, 60,000 pages", seconds=BOOK_SECONDS),
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
        *flow_hostiles(),
    )


@functools.cache
def _built(name: str) -> bytes:
    return by_name(name).build()


def by_name(name: str) -> Hostile:
    return next(h for h in hostiles() if h.name == name)

