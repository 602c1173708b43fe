"""The RSS builder (chalicelib.feeds.rss), pure: what two feed parsers podcast apps and aggregators
use read of it (gPodder's podcastparser, the Universal Feed Parser), and the Podcasting 2.0 and
iTunes rules checked by hand: namespaces, the chapters and transcript tags' attributes, durations,
dates, escaping, a private feed's blocks."""
from __future__ import annotations

import email.utils
import io
import xml.etree.ElementTree as ET

import feedparser
import podcastparser
import pytest

from chalicelib.feeds import rss

CHANNEL = rss.Channel(title="PageVoice", link="http://site.test", description="What you had read <aloud> & more",
                      author="PageVoice", image="http://site.test/podcast-cover.png",
                      self_url="http://api.test/feeds/S.xml")


def episode(n: int, **changes) -> rss.Episode:
    base = f"http://api.test/feeds/S/JOB{n}"
    fields = dict(guid=f"JOB{n}", title=f"Report {n}", published=1_790_000_000 - n * 3600, seconds=3725.4,
                  enclosure=f"{base}.mp3", length=1000 + n, summary=f"Report {n}, read aloud.",
                  chapters=f"{base}.json", transcript=f"{base}.vtt", language="en", image=f"{base}.jpg")
    return rss.Episode(**{**fields, **changes})


EPISODES = [episode(1), episode(2, link="https://example.org/2", language=None, image=None)]


def test_podcastparser_reads_it_as_apps_do():
    feed = podcastparser.parse(CHANNEL.self_url, io.BytesIO(rss.build(CHANNEL, EPISODES)))
    assert feed["title"] == "PageVoice" and feed["cover_url"] == CHANNEL.image
    assert feed["description"] == "What you had read <aloud> & more" and feed["itunes_author"] == "PageVoice"
    assert feed["explicit"] is False and feed["itunes_categories"] == [["Education"]]
    # podcastparser sorts by date itself; the document is newest first too (below).
    first, second = feed["episodes"]
    assert first["guid"] == "JOB1" and first["title"] == "Report 1" and first["total_time"] == 3725
    assert first["published"] == 1_790_000_000 - 3600 and first["episode_art_url"] == "http://api.test/feeds/S/JOB1.jpg"
    assert first["enclosures"] == [{"url": "http://api.test/feeds/S/JOB1.mp3", "file_size": 1001,
                                    "mime_type": "audio/mpeg"}]
    assert second["link"] == "https://example.org/2" and second["description"] == "Report 2, read aloud."


def test_feedparser_reads_it_without_complaint():
    feed = feedparser.parse(rss.build(CHANNEL, EPISODES))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20" and feed.feed.title == "PageVoice"
    assert feed.feed.image.href == CHANNEL.image and feed.feed.author == "PageVoice"
    assert [e.id for e in feed.entries] == ["JOB1", "JOB2"]
    entry = feed.entries[0]
    assert entry.enclosures == [{"href": "http://api.test/feeds/S/JOB1.mp3", "type": "audio/mpeg", "length": "1001"}]
    assert entry.itunes_duration == "1:02:05" and entry.guidislink is False
    assert entry.published_parsed[:6] == (2026, 9, 21, 13, 13, 20)


def test_the_podcasting_2_0_tags():
    root = ET.fromstring(rss.build(CHANNEL, EPISODES))
    channel = root.find("channel")
    assert channel.findtext(f"{{{rss.PODCAST}}}locked") == "yes"  # a private feed: not to be imported elsewhere
    assert channel.findtext(f"{{{rss.PODCAST}}}block") == "yes" and channel.findtext(f"{{{rss.ITUNES}}}block") == "Yes"
    first, second = channel.findall("item")
    chapters = first.findall(f"{{{rss.PODCAST}}}chapters")
    assert [c.attrib for c in chapters] == [{"url": "http://api.test/feeds/S/JOB1.json",
                                            "type": "application/json+chapters"}]
    [transcript] = first.findall(f"{{{rss.PODCAST}}}transcript")
    assert transcript.attrib == {"url": "http://api.test/feeds/S/JOB1.vtt", "type": "text/vtt", "language": "en",
                                 "rel": "captions"}
    assert set(second.find(f"{{{rss.PODCAST}}}transcript").attrib) == {"url", "type", "rel"}  # no language known
    # Required attributes are all there and every url is absolute (the namespace's rules).
    for tag in (f"{{{rss.PODCAST}}}chapters", f"{{{rss.PODCAST}}}transcript"):
        for element in root.iter(tag):
            assert element.get("url").startswith("http") and element.get("type")


def test_the_itunes_tags_apps_need():
    root = ET.fromstring(rss.build(CHANNEL, EPISODES))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for tag in ("author", "summary", "explicit", "type", "owner", "category"):
        assert channel.find(f"{{{rss.ITUNES}}}{tag}") is not None, tag
    assert channel.find(f"{{{rss.ITUNES}}}image").get("href") == CHANNEL.image
    assert channel.find("{http://www.w3.org/2005/Atom}link").attrib == {
        "href": CHANNEL.self_url, "rel": "self", "type": "application/rss+xml"}
    item = channel.find("item")
    for tag in ("title", "summary", "duration", "explicit", "episodeType", "image"):
        assert item.find(f"{{{rss.ITUNES}}}{tag}") is not None, tag
    assert item.find("guid").get("isPermaLink") == "false"
    assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).timestamp() == 1_790_000_000 - 3600


def test_newest_first_as_given_and_an_empty_feed():
    root = ET.fromstring(rss.build(CHANNEL, EPISODES))
    assert [i.findtext("guid") for i in root.iter("item")] == ["JOB1", "JOB2"]
    assert root.find("channel").findtext("lastBuildDate") == rss.pub_date(1_790_000_000 - 3600)
    empty = rss.build(CHANNEL, [])
    assert not feedparser.parse(empty).bozo and podcastparser.parse("x", io.BytesIO(empty))["episodes"] == []


@pytest.mark.parametrize("title", ["Notes <b>&amp; co</b>", "a\x00b\x0bc\ud800d\uffff", "\u00e9t\u00e9 \u6771\u4eac", ""])
def test_any_title_makes_well_formed_xml(title):
    built = rss.build(CHANNEL, [episode(1, title=title, summary=title)])
    item = ET.fromstring(built).find("channel/item")
    assert item.findtext("title") == (rss._plain(" ".join(title.split())) or "Untitled")
    assert not feedparser.parse(built).bozo


def test_long_titles_and_summaries_are_cut():
    item = ET.fromstring(rss.build(CHANNEL, [episode(1, title="word " * 100, summary="x" * 9000)])).find(
        "channel/item")
    assert len(item.findtext("title")) <= 200 and item.findtext("title").endswith("…")
    assert len(item.findtext("description")) <= rss.SUMMARY_MAX


@pytest.mark.parametrize(("seconds", "said"), [(0, "0:00:00"), (59.6, "0:01:00"), (3725.4, "1:02:05"),
                                               (36_000, "10:00:00"), (-3, "0:00:00")])
def test_durations(seconds, said):
    assert rss.duration(seconds) == said
