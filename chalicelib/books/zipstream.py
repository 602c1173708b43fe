"""A ZIP written straight to a stream that cannot seek back (an S3 multipart upload), one entry
after another, each entry's size and CRC-32 in its local header as every unzipper reads it (no
data descriptor: some refuse one after a STORED entry, and an EPUB's `mimetype` may have none).
So an entry's bytes are known, or summed, before they are written: a small one whole in memory
(`whole`: an XHTML page, a SMIL document, a recording part), a long one read twice (`header`,
its bytes, then `wrote`: a chapter's frames) or made once into a temporary file (`streamed`: a
package document listing thousands of pages). The central directory (an entry's name, CRC,
sizes and offset each) goes to a temporary file as the entries come, and is written last: memory
does not grow with the entries. ZIP64's fields past 4 GiB (PKWARE APPNOTE 6.3). Fixed times
(1980-01-01): the same entries make the same bytes. No I/O but temporary files.
"""
from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator

STORED, DEFLATED = 0, 8
_VERSION, _VERSION64 = 20, 45
_UTF8 = 0x0800  # general purpose flag bit 11: the name is UTF-8
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00
_FULL = 0xFFFFFFFF  # a classic field that says "in the ZIP64 field"
LIMIT = _FULL  # a value from which ZIP64 holds it (made small by a test)
_UNIX_FILE = 0o100644 << 16
DEFLATE_LEVEL = 6


PIECE_BYTES = 64 << 10  # what a temporary file is given back in (a read of it takes this much at once)


class Zip:
    def __init__(self) -> None:
        self.at, self.count = 0, 0
        self.central = tempfile.TemporaryFile()  # noqa: SIM115 - closed by directory()
        self.central_bytes = 0

    def whole(self, name: str, data: bytes, compress: bool = True) -> bytes:
        """An entry of `data` (deflated when `compress`): its local header and bytes."""
        method = DEFLATED if compress else STORED
        body = data
        if compress:
            packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
            body = packer.compress(data) + packer.flush()
        head = self._local(name, zlib.crc32(data), len(data), len(body), method)
        self.at += len(body)
        return head + body

    def header(self, name: str, crc: int, size: int) -> bytes:
        """A STORED entry's local header; its `size` bytes follow, then `wrote(size)`."""
        return self._local(name, crc, size, size, STORED)

    def wrote(self, size: int) -> None:
        self.at += size

    def streamed(self, name: str, chunks: Iterable[bytes], compress: bool = True,
                 piece_bytes: int = PIECE_BYTES) -> Iterator[bytes]:
        """An entry of `chunks` joined (deflated when `compress`), made into a temporary file
        first (its CRC and sizes go before it), then given back `piece_bytes` at a time."""
        crc, size = 0, 0
        packer = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15) if compress else None
        with tempfile.TemporaryFile() as body:
            for chunk in chunks:
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
                body.write(packer.compress(chunk) if packer else chunk)
            if packer:
                body.write(packer.flush())
            packed = body.tell()
            yield self._local(name, crc, size, packed, DEFLATED if compress else STORED)
            body.seek(0)
            while piece := body.read(piece_bytes):
                yield piece
        self.at += packed

    def _local(self, name: str, crc: int, size: int, packed: int, method: int) -> bytes:
        raw = name.encode("utf-8")
        flags = _UTF8 if not name.isascii() else 0
        big = size >= LIMIT or packed >= LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, packed) if big else b""
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION64 if big else _VERSION, flags, method, _DOS_TIME,
                             _DOS_DATE, crc, _FULL if big else packed, _FULL if big else size, len(raw),
                             len(extra)) + raw + extra
        big = [v for v in (size, packed, self.at) if v >= LIMIT]
        extra = struct.pack(f"<HH{len(big)}Q", 1, 8 * len(big), *big) if big else b""
        record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | _VERSION64, _VERSION64 if big else _VERSION,
                             flags, method, _DOS_TIME, _DOS_DATE, crc, _classic(packed), _classic(size), len(raw),
                             len(extra), 0, 0, 0, _UNIX_FILE, _classic(self.at)) + raw + extra
        self.central.write(record)
        self.central_bytes += len(record)
        self.count += 1
        self.at += len(header)
        return header

    def directory(self) -> Iterator[bytes]:
        """The central directory and its end (ZIP64's records when an offset, a size or the
        count is past what the classic fields hold), a piece at a time."""
        start, count, size = self.at, self.count, self.central_bytes
        self.central.seek(0)
        while piece := self.central.read(PIECE_BYTES):
            yield piece
        self.central.close()
        end = b""
        if start >= LIMIT or size >= LIMIT or count >= 0xFFFF:
            record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _VERSION64, _VERSION64, 0, 0, count, count, size, start)
            end = record + struct.pack("<IIQI", 0x07064B50, 0, start + size, 1)
        entries = count if count < 0xFFFF else 0xFFFF
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, _classic(size), _classic(start), 0)
        self.at += size + len(end)
        yield end


def _classic(value: int) -> int:
    return _FULL if value >= LIMIT else value
