"""The podcast feed through the local stack (issue 75's acceptance): moto server over HTTP with the
API role's IAM, a Markdown document read aloud by the worker of `make run`, its account's feed
read as podcast apps read it (podcastparser, feedparser); its enclosure fetched with a byte range
as an app seeks (the stable address's redirect, then S3's 206 with exactly those bytes of the MP3);
its JSON chapters within 0.1 s of the document's; its transcript; the old address a 404 once
rotated, the feed a 404 once off; a deleted job's episode gone; a deleted account's feed a 404."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import feedparser
import podcastparser
import pytest
import requests

from tests.stackclient import PASSWORD, login, register, upload, wait_job

pytestmark = [pytest.mark.timeout(600), pytest.mark.stack]

PODCAST = "https://podcastindex.org/namespace/1.0"
NOTES = """# River Notes

## The Crossing

The ferry left at dawn. The river was calm and the gulls were loud.

## The Market

Bread and apples were sold by the water. We went home at noon.
"""


def patch_feed(stack, headers, value) -> requests.Response:
    return requests.patch(f"{stack.api_url}/me", json={"feed": value}, headers=headers, timeout=30)


def read(stack, headers, name: str) -> dict:
    job = wait_job(stack, headers, upload(stack, headers, name, NOTES.encode(), "text/markdown"), timeout=300)
    assert job["status"] == "done", job.get("error")
    return job


@pytest.fixture(scope="module")
def account(stack):
    """(headers, the feed's address, two finished jobs: the older, the newer)."""
    headers = login(stack, register(stack))
    older, newer = read(stack, headers, "older.md"), read(stack, headers, "River Notes.md")
    r = patch_feed(stack, headers, True)
    assert r.status_code == 200, r.text
    url = r.json()["feed_url"]
    assert url.startswith(f"{stack.api_url}/feeds/") and url.endswith(".xml")
    assert requests.get(f"{stack.api_url}/me", headers=headers, timeout=30).json()["feed_url"] == url
    return headers, url, older, newer


def feed_of(url: str) -> bytes:
    r = requests.get(url, timeout=30)  # no sign-in: the address is the key
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/rss+xml")
    return r.content


def test_the_feed_is_read_as_podcast_apps_read_it(stack, account):
    _, url, older, newer = account
    body = feed_of(url)
    parsed = podcastparser.parse(url, io.BytesIO(body))
    assert {e["guid"] for e in parsed["episodes"]} == {older["job_id"], newer["job_id"]}
    assert parsed["cover_url"].endswith("/podcast-cover.png")
    assert requests.get(parsed["cover_url"], timeout=30).headers["Content-Type"] == "image/png"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.id for e in feed.entries] == [newer["job_id"], older["job_id"]]  # newest first
    entry = feed.entries[0]
    assert entry.title == "River Notes"
    assert abs(int(entry.itunes_duration.split(":")[-1]) + 60 * int(entry.itunes_duration.split(":")[-2])
               - newer["result"]["speech"]["seconds"]) <= 1
    [enclosure] = entry.enclosures
    assert enclosure["type"] == "audio/mpeg" and enclosure["href"].startswith(url.removesuffix(".xml") + "/")
    mp3 = requests.get(newer["outputs"]["speech.mp3"], timeout=30).content
    assert int(enclosure["length"]) == len(mp3)


def test_an_enclosure_answers_a_byte_range_as_apps_seek(stack, account):
    _, url, _, newer = account
    enclosure = f"{url.removesuffix('.xml')}/{newer['job_id']}.mp3"
    first = requests.get(enclosure, allow_redirects=False, timeout=30)
    assert first.status_code == 302 and first.headers["Location"].startswith(stack.s3_url)
    r = requests.get(enclosure, headers={"Range": "bytes=100-199"}, timeout=30)  # the redirect followed
    assert r.status_code == 206, r.text
    mp3 = requests.get(newer["outputs"]["speech.mp3"], timeout=30).content
    assert r.content == mp3[100:200] and r.headers["Content-Range"] == f"bytes 100-199/{len(mp3)}"
    assert r.headers["Content-Type"] == "audio/mpeg"
    # Later (another fetch, another fresh link): the same address still answers.
    again = requests.get(enclosure, allow_redirects=False, timeout=30)
    assert again.status_code == 302 and requests.get(again.headers["Location"], timeout=30).content == mp3


def test_chapters_are_the_documents_and_the_transcript_is_what_was_said(stack, account):
    _, url, _, newer = account
    entry = feedparser.parse(feed_of(url)).entries[0]
    item = next(i for i in ET.fromstring(feed_of(url)).iter("item") if i.findtext("guid") == newer["job_id"])
    chapters_at = item.find(f"{{{PODCAST}}}chapters")
    assert chapters_at.get("type") == "application/json+chapters"
    r = requests.get(chapters_at.get("url"), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json+chapters"
    chapters = r.json()
    assert chapters["version"] == "1.2.0" and all(set(c) >= {"startTime", "title"} for c in chapters["chapters"])
    document = newer["result"]["chapters"]
    assert [c["title"] for c in chapters["chapters"]] == [c["title"] for c in document]
    for made, heard in zip(chapters["chapters"], document, strict=True):
        assert abs(made["startTime"] - heard["start"]) <= 0.1, (made, heard)
    transcript_at = item.find(f"{{{PODCAST}}}transcript")
    assert transcript_at.get("type") == "text/vtt" and entry.title == "River Notes"
    vtt = requests.get(transcript_at.get("url"), timeout=30)
    assert vtt.status_code == 200 and vtt.headers["Content-Type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT\n") and "The ferry left at dawn." in vtt.text and " --> " in vtt.text


def test_rotated_off_deleted_job_and_deleted_account(stack, account):
    headers, url, older, newer = account
    rotated = patch_feed(stack, headers, "rotate").json()["feed_url"]
    assert rotated != url
    assert requests.get(url, timeout=30).status_code == 404  # the old address, at once
    assert requests.get(f"{url.removesuffix('.xml')}/{newer['job_id']}.mp3", timeout=30).status_code == 404
    feed_of(rotated)

    r = requests.delete(f"{stack.api_url}/jobs/{older['job_id']}", headers=headers, timeout=30)
    assert r.status_code == 204
    assert [e.id for e in feedparser.parse(feed_of(rotated)).entries] == [newer["job_id"]]
    assert requests.get(f"{rotated.removesuffix('.xml')}/{older['job_id']}.mp3", timeout=30).status_code == 404

    assert patch_feed(stack, headers, "x").status_code == 400
    assert patch_feed(stack, headers, False).json()["feed_url"] is None
    assert requests.get(rotated, timeout=30).status_code == 404
    last = patch_feed(stack, headers, True).json()["feed_url"]
    feed_of(last)

    r = requests.delete(f"{stack.api_url}/me", json={"password": PASSWORD}, headers=headers, timeout=30)
    assert r.status_code == 204, r.text
    gone = requests.get(last, timeout=30)
    assert gone.status_code == 404 and json.loads(gone.text)["message"]
