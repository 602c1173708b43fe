"""A link's answer as an upload (CONTRACTS section 18): what it is, told by its bytes (the type a
server declares is a hint, never trusted), which kind of job reads it, and a file name for it.
Pure apart from `fetch`; the worker stores the bytes and reads them as it reads an upload."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from chalicelib.links import fetch as fetching
from chalicelib.links.fetch import LinkError
from chalicelib.media import audio, types

FILENAME_MAX = 200
_AUDIO = {"wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "webm": "audio/webm", "mp4": "audio/mp4",
          "mp3": "audio/mpeg", "aac": "audio/aac"}
_TEXTUAL = ("text/html", "application/xhtml+xml", "text/markdown", "text/x-markdown", "text/plain")


@dataclass(frozen=True)
class Linked:
    url: str  # where it came from (after redirects)
    content_type: str  # what the bytes are
    kind: str  # the job's kind: "page" (photos, documents, web pages) or "speech" (recordings)
    filename: str
    body: bytes


def read(url: str, **kw) -> Linked:
    """The link fetched (chalicelib.links.fetch) and told apart, or LinkError saying why not."""
    got = fetching.fetch(url, **kw)
    if not got.body:
        raise LinkError("That link gave an empty answer: there is nothing to read.")
    content_type = sniff(got.body, got.content_type)
    if content_type is None:
        shown = got.content_type or "a file of no declared type"
        raise LinkError(f"That link gave {shown}, which PageVoice cannot read: it reads web pages, PDFs, EPUB, "
                        "Word and OpenDocument files, images and recordings.")
    kind = "speech" if content_type in types.AUDIO_TYPES else "page"
    return Linked(got.url, content_type, kind, filename_of(got.url, content_type), got.body)


def sniff(body: bytes, declared: str) -> str | None:
    """The content type of `body`, by its bytes; `declared` only chooses among text types."""
    head = body[:1024]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zipped(body)
    image = types.image_type(head)  # before audio: a HEIC photo is an ISO media file too
    if image is not None:
        return image
    container = audio.sniff(body)
    if container is not None:
        return _AUDIO.get(container, "audio/mpeg")
    return None if b"\x00" in head else _text(head, body, declared)  # binary, and none of the above


def _text(head: bytes, body: bytes, declared: str) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text[:512]:
        return "text/html"
    if text.startswith(b"<?xml") and b"<html" in body[:4096].lower():
        return "application/xhtml+xml"
    return declared if declared in _TEXTUAL else "text/plain"


def _zipped(body: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            names = set(z.namelist()[:10_000])
            if "mimetype" in names:
                mimetype = z.read("mimetype")[:100].strip().decode("ascii", "replace")
                if mimetype in ("application/epub+zip", "application/vnd.oasis.opendocument.text"):
                    return mimetype
            if "word/document.xml" in names:
                return types.FLOW_TYPES[0]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def filename_of(url: str, content_type: str) -> str:
    """A name for the job list: the address's last part (with the ending its type has), or its site."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) if parts.path.strip("/") else ""
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", " ", last).strip() or (parts.hostname or "link")
    endings = types.EXTENSIONS.get(content_type) or []
    if endings and not name.lower().endswith(tuple(endings)):
        name += endings[0]
    return name[-FILENAME_MAX:]
