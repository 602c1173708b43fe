"""The feed as RSS 2.0 with the tags podcast apps read: Apple's iTunes namespace (author, image,
explicit, duration, summary...) and Podcasting 2.0's (chapters, transcript, locked). Pure, stdlib
XML only (ElementTree escapes every text and attribute): episodes in, bytes out.

A private feed asks directories not to list it (itunes:block, podcast:block) and other hosts not
to import it (podcast:locked).
"""
from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.books import TITLE_MAX, clip

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/rss+xml; charset=utf-8"
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt"
SUMMARY_MAX = 4000  # characters of an episode's summary (Apple's limit)
for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Channel:
    title: str
    link: str  # the site
    description: str
    author: str
    image: str | None  # the cover art's absolute URL (PNG or JPEG)
    self_url: str  # the feed's own address (atom:link rel="self")
    language: str | None = None


@dataclass(frozen=True)
class Episode:
    guid: str
    title: str
    published: float  # seconds since the epoch
    seconds: float  # the recording's length
    enclosure: str  # the recording's (stable) address
    length: int  # its bytes
    summary: str = ""
    chapters: str | None = None  # JSON chapters' address
    transcript: str | None = None  # WebVTT's address
    language: str | None = None  # the transcript's (BCP 47)
    image: str | None = None
    link: str | None = None  # where the document came from, when read by link


def duration(seconds: float) -> str:
    """itunes:duration as H:MM:SS (every app reads it; whole seconds)."""
    s = max(0, round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def pub_date(seconds: float) -> str:
    """RFC 2822, as RSS 2.0 asks ("Sun, 29 Nov 2026 12:04:46 +0000")."""
    return email.utils.format_datetime(datetime.fromtimestamp(seconds, UTC))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = _plain(text)
    return element


def _plain(text: str) -> str:
    """Text XML 1.0 can hold: control characters (but tab and newline) and lone surrogates out."""
    return "".join(c for c in text if (c >= " " or c in "\t\n") and not 0xD800 <= ord(c) <= 0xDFFF
                   and c not in "\ufffe\uffff")


def build(channel: Channel, episodes: list[Episode]) -> bytes:
    """The RSS document: the channel, then the episodes in the order given (newest first)."""
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description)
    _sub(ch, f"{{{ATOM}}}link", href=channel.self_url, rel="self", type="application/rss+xml")
    if channel.language:
        _sub(ch, "language", channel.language)
    _sub(ch, "generator", "PageVoice")
    if episodes:
        _sub(ch, "lastBuildDate", pub_date(max(e.published for e in episodes)))
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    _sub(ch, f"{{{ITUNES}}}summary", channel.description)
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    _sub(ch, f"{{{ITUNES}}}block", "Yes")
    ET.SubElement(ch, f"{{{ITUNES}}}category", {"text": "Education"})  # (`text` is the attribute Apple reads)
    owner = _sub(ch, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", channel.author)
    if channel.image:
        _sub(ch, f"{{{ITUNES}}}image", href=channel.image)
        image = _sub(ch, "image")
        _sub(image, "url", channel.image)
        _sub(image, "title", channel.title)
        _sub(image, "link", channel.link)
    _sub(ch, f"{{{PODCAST}}}locked", "yes")
    _sub(ch, f"{{{PODCAST}}}block", "yes")
    for episode in episodes:
        _item(ch, episode)
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _item(channel: ET.Element, e: Episode) -> None:
    item = _sub(channel, "item")
    title = clip(" ".join(e.title.split()), TITLE_MAX) or "Untitled"
    _sub(item, "title", title)
    _sub(item, f"{{{ITUNES}}}title", title)
    _sub(item, "guid", e.guid, isPermaLink="false")
    _sub(item, "pubDate", pub_date(e.published))
    if e.link:
        _sub(item, "link", e.link)
    summary = clip(e.summary.strip(), SUMMARY_MAX) or title
    _sub(item, "description", summary)
    _sub(item, f"{{{ITUNES}}}summary", summary)
    _sub(item, "enclosure", url=e.enclosure, type="audio/mpeg", length=str(max(0, int(e.length))))
    _sub(item, f"{{{ITUNES}}}duration", duration(e.seconds))
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    if e.image:
        _sub(item, f"{{{ITUNES}}}image", href=e.image)
    if e.chapters:
        _sub(item, f"{{{PODCAST}}}chapters", url=e.chapters, type=CHAPTERS_TYPE)
    if e.transcript:
        _sub(item, f"{{{PODCAST}}}transcript", url=e.transcript, type=TRANSCRIPT_TYPE, language=e.language,
             rel="captions")
