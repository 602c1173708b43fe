"""Opening the containers flow documents come in without trusting them: zips (DOCX, ODT, EPUB)
read entry by entry within a size, ratio and count budget, and XML parsed with no entity
expansion, no external entities or DTDs, no XInclude and no network. Every reader of
media/flow goes through these two doors; a breach ends as a FlowError people can read."""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from chalicelib.media.flow import FlowError

# What the unpacked parts of one document may add up to (the upload itself is at most 15 MB).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200  # a part may unpack to this many times its packed size (zip bombs go to 1000s)
MAX_ENTRIES = 20_000
MAX_DEPTH = 256  # elements nested deeper than this are not a document people wrote


class Zip:
    """A zip read within a budget: `read(name)` counts what each part unpacks to."""

    def __init__(self, data: bytes, what: str) -> None:
        self.what = what
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise FlowError(f"This {what} is damaged: it cannot be opened as a zip ({exc}).") from None
        if len(infos) > MAX_ENTRIES:
            raise FlowError(f"This {what} holds {len(infos):,} parts; PageVoice reads at most {MAX_ENTRIES:,}.")
        self.names = [i.filename for i in infos]
        self._infos = {i.filename: i for i in infos}
        self.unpacked = 0

    def has(self, name: str) -> bool:
        return name in self._infos

    def first(self) -> str | None:
        return self.names[0] if self.names else None

    def read(self, name: str, *, limit: int | None = None) -> bytes:
        """The part `name`, unpacked (FlowError when it is missing, damaged or a bomb)."""
        info = self._infos.get(name)
        if info is None:
            raise FlowError(f"This {self.what} is incomplete: its part {name!r} is missing.")
        budget = MAX_UNPACKED - self.unpacked if limit is None else min(limit, MAX_UNPACKED - self.unpacked)
        cap = min(budget, max(info.compress_size, 1024) * MAX_RATIO)
        out = bytearray()
        try:
            with self._zip.open(info) as f:
                while chunk := f.read(1 << 16):
                    out += chunk
                    if len(out) > cap:
                        raise FlowError(f"This {self.what}'s part {name!r} unpacks to far more than it holds "
                                        "(a zip bomb, or a damaged file); it is not read.")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise FlowError(f"This {self.what} is damaged: its part {name!r} cannot be unpacked ({exc}).") from None
        self.unpacked += len(out)
        return bytes(out)


def parser(html: bool = False):
    """lxml's parser with every door closed: no entities resolved, no DTD loaded, no network,
    no huge trees (lxml's own depth and size guards stay on)."""
    if html:
        return etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False,
                                default_doctype=False)
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                           remove_comments=True, remove_pis=True, huge_tree=False, recover=False)


def xml(data: bytes, what: str):
    """The root element of `data` (FlowError when it is not well-formed, declares entities or
    nests past MAX_DEPTH)."""
    if b"<!ENTITY" in data or b"<!entity" in data:  # the whole part: a C search, milliseconds
        # Entity declarations have no place in office or book XML: refuse them outright rather
        # than trust every parser to leave them unexpanded.
        raise FlowError(f"This {what} declares XML entities, which documents never need; it is not read.")
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise FlowError(f"This {what} is damaged: its XML is not well-formed ({exc.msg}).") from None
    if root is None:
        raise FlowError(f"This {what} is empty.")
    check_depth(root, what)
    return root


_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.I | re.S)


def html(data: bytes, what: str, encoding: str | None = None):
    """An HTML document's root (lxml's forgiving HTML parser, within the same guards). A
    DOCTYPE's internal subset (entity declarations: no web page needs one) is dropped first:
    the HTML parser would keep it as text, and it would be read aloud."""
    data = _SUBSET.sub(b"<!DOCTYPE html>", data, count=1)
    try:
        root = etree.fromstring(data, etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                                       huge_tree=False, encoding=encoding))
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
        raise FlowError(f"This {what} cannot be read as HTML ({exc}).") from None
    if root is None:
        raise FlowError(f"This {what} is empty.")
    check_depth(root, what)
    return root


def check_depth(root, what: str, limit: int = MAX_DEPTH) -> None:
    """FlowError when elements nest deeper than `limit` (one XPath in C: walking a million
    elements in Python took seconds)."""
    if root.xpath("boolean(self::*" + "/*" * limit + ")"):  # an element `limit` levels below the root
        raise FlowError(f"This {what} nests its elements {limit}+ deep; PageVoice does not read it.")
