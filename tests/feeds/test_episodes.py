"""Jobs as episodes (chalicelib.feeds.episodes): which jobs are in the feed and in what order, what
each address beside the feed answers (redirects to fresh presigned GETs, chapters, transcript), a
deleted job's episode gone, the feed bounded, another account's job never reachable."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

import podcastparser
import pytest

from chalicelib import aws, settings
from chalicelib.books import mp3
from chalicelib.feeds import episodes, rss
from chalicelib.jobs import table as jobs
from chalicelib.jobs.keys import output_key
from tests.apiclient import assert_error, send, signed_in
from tests.feeds.conftest import MP3, RESULT, recorded_job
from tests.feeds.test_secret import FEED_URL, HOST, patch_me, path_of

pytest_plugins = ["tests.apifixtures"]


@pytest.fixture
def account(client):
    """(user, headers, the feed's path) of an account with its feed on."""
    user, headers = signed_in(client)
    url = patch_me(client, headers, {"feed": True}).json_body["feed_url"]
    return user, headers, path_of(url)


def get(client, path: str):
    return client.http.get(path, headers=HOST)


def items(client, feed_path: str) -> list[ET.Element]:
    r = get(client, feed_path)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/rss+xml"), r.body
    return ET.fromstring(r.body).find("channel").findall("item")


def test_an_episode_per_finished_job_with_a_recording_newest_first(client, account):
    user, headers, feed = account
    assert items(client, feed) == []
    first = recorded_job(user["id"], "first.md")
    recorded_job(user["id"], "unfinished.md", status=jobs.PROCESSING)
    silent = recorded_job(user["id"], "silent.md")
    aws.jobs_table().update_item(Key={"user_id": user["id"], "job_id": silent}, UpdateExpression="REMOVE outputs")
    second = recorded_job(user["id"], "second.pdf", link="https://example.org/second.pdf")
    found = items(client, feed)
    assert [i.findtext("guid") for i in found] == [second, first]
    assert [i.findtext("title") for i in found] == ["second", "first"]
    newest = found[0]
    assert newest.findtext("link") == "https://example.org/second.pdf"
    assert "From https://example.org/second.pdf" in newest.findtext("description")
    enclosure = newest.find("enclosure").attrib
    base = f"http://api.test{feed.removesuffix('.xml')}/{second}"
    assert enclosure == {"url": f"{base}.mp3", "type": "audio/mpeg", "length": str(len(MP3))}
    assert newest.findtext(f"{{{rss.ITUNES}}}duration") == "0:00:04"
    assert newest.find(f"{{{rss.PODCAST}}}chapters").attrib == {"url": f"{base}.json", "type": "application/json+chapters"}
    transcript = newest.find(f"{{{rss.PODCAST}}}transcript").attrib
    assert transcript["url"] == f"{base}.vtt" and transcript["type"] == "text/vtt"


def test_the_recording_is_a_redirect_to_a_fresh_presigned_get(client, account):
    user, _, feed = account
    job_id = recorded_job(user["id"])
    r = get(client, f"{feed.removesuffix('.xml')}/{job_id}.mp3")
    assert r.status_code == 302 and r.body in (b"", "")
    location = urlparse(r.headers["Location"])
    assert location.path.endswith(output_key(user["id"], job_id, "speech.mp3"))
    query = parse_qs(location.query)
    assert int(query["X-Amz-Expires"][0]) <= 900 and query["response-content-type"] == ["audio/mpeg"]
    assert r.headers["Cache-Control"] == "no-store"  # each fetch its own link


def test_chapters_and_transcript_are_made_from_the_result(client, account):
    user, _, feed = account
    job_id = recorded_job(user["id"])
    base = feed.removesuffix(".xml")
    r = get(client, f"{base}/{job_id}.json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json+chapters"
    chapters = json.loads(r.body)
    assert chapters["version"] == "1.2.0" and chapters["title"] == "River Notes & Co"
    assert [(c["startTime"], c["title"]) for c in chapters["chapters"]] == [(0.0, "Notes"), (1.25, "The Crossing")]
    r = get(client, f"{base}/{job_id}.vtt")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/vtt")
    assert "It was &lt;calm&gt;." in r.body.decode()


def test_a_deleted_job_has_no_episode(client, account):
    user, headers, feed = account
    kept, gone = recorded_job(user["id"], "kept.md"), recorded_job(user["id"], "gone.md")
    assert send(client, "DELETE", f"/jobs/{gone}", None, headers).status_code == 204
    assert [i.findtext("guid") for i in items(client, feed)] == [kept]
    for suffix in (".mp3", ".json", ".vtt", ".jpg"):
        assert_error(get(client, f"{feed.removesuffix('.xml')}/{gone}{suffix}"), 404)


def test_a_recording_gone_from_s3_is_left_out(client, account):
    user, _, feed = account
    job_id = recorded_job(user["id"])
    aws.s3().delete_object(Bucket=settings.get().aws.bucket, Key=output_key(user["id"], job_id, "speech.mp3"))
    assert items(client, feed) == []


def test_another_accounts_job_is_not_an_episode(client, account):
    _, _, feed = account
    other, other_headers = signed_in(client, email="bob@example.org", name="Bob")
    theirs = recorded_job(other["id"])
    for suffix in (".mp3", ".json", ".vtt"):
        assert_error(get(client, f"{feed.removesuffix('.xml')}/{theirs}{suffix}"), 404)
    assert items(client, feed) == []


@pytest.mark.parametrize("name", ["x.mp3", "01ARZ3NDEKTSV4RRFFQ69G5FAV.exe", "01ARZ3NDEKTSV4RRFFQ69G5FAV.mp3",
                                  "01arz3ndektsv4rrffq69g5fav.mp3", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "..%2F.mp3"])
def test_files_that_are_no_episode_are_404(client, account, name):
    _, _, feed = account
    assert_error(get(client, f"{feed.removesuffix('.xml')}/{name}"), 404)


def test_a_wrong_secret_opens_no_episode(client, account):
    user, _, feed = account
    job_id = recorded_job(user["id"])
    secret = FEED_URL.match("http://api.test" + feed)[1]
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert_error(get(client, f"/feeds/{wrong}/{job_id}.mp3"), 404)
    assert_error(get(client, f"/feeds/{wrong}.xml"), 404)


def test_the_feed_is_bounded(client, account, monkeypatch):
    user, _, feed = account
    monkeypatch.setenv("PAGEVOICE_FEED_MAX_ITEMS", "2")
    made = [recorded_job(user["id"], f"{n}.md") for n in range(3)]
    assert [i.findtext("guid") for i in items(client, feed)] == made[::-1][:2]


def test_a_book_is_an_episode_once_its_mp3_is_made(client, account):
    """A whole book has no speech.mp3 (its recording is parts, made where it is listened to): its
    MP3 export is the episode, once made and current; its chapters are in that file's own tag."""
    user, _, feed = account
    book = recorded_job(user["id"], "Long Book.pdf")
    key = output_key(user["id"], book, "book-b1.mp3")
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=b"ID3" + MP3)
    record = jobs.get(user["id"], book)
    outputs = {k: v for k, v in record["outputs"].items() if k != "speech.mp3"}
    aws.jobs_table().update_item(Key={"user_id": user["id"], "job_id": book}, UpdateExpression="SET outputs = :o",
                                 ExpressionAttributeValues={":o": outputs})
    assert items(client, feed) == []  # no MP3 yet
    state = {"status": "ready", "key": key, "build": "b1", "recording": record["updated_at"], "size": len(MP3) + 3}
    aws.jobs_table().update_item(Key={"user_id": user["id"], "job_id": book}, UpdateExpression="SET book_mp3 = :b",
                                 ExpressionAttributeValues={":b": state})
    [item] = items(client, feed)
    assert item.find("enclosure").get("length") == str(len(MP3) + 3)
    assert item.find(f"{{{rss.PODCAST}}}chapters") is None and item.find(f"{{{rss.PODCAST}}}transcript") is None
    base = f"{feed.removesuffix('.xml')}/{book}"
    r = get(client, f"{base}.mp3")
    assert r.status_code == 302 and urlparse(r.headers["Location"]).path.endswith(key)
    assert_error(get(client, f"{base}.json"), 404)
    assert_error(get(client, f"{base}.vtt"), 404)


def test_only_jobs_that_may_have_a_recording_cost_a_read():
    page = {"status": "done", "kind": "page", "seconds": 4.0}
    assert episodes._may_be_episode(page) and episodes._may_be_episode({**page, "kind": None})
    for other in ({"kind": "speech"}, {"kind": "digits"}, {"kind": "nonesuch"}, {"seconds": None},
                  {"status": "processing"}, {"status": "failed"}):
        assert not episodes._may_be_episode({**page, **other}), other


def test_an_image_is_the_episodes_art(client, account):
    user, _, feed = account
    photo = recorded_job(user["id"], "sign.jpg")
    key = output_key(user["id"], photo, "source.jpg")
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=b"\xff\xd8")
    aws.jobs_table().update_item(Key={"user_id": user["id"], "job_id": photo},
                                 UpdateExpression="SET source_key = :k, content_type = :t",
                                 ExpressionAttributeValues={":k": key, ":t": "image/jpeg"})
    [item] = items(client, feed)
    art = item.find(f"{{{rss.ITUNES}}}image").attrib["href"]
    r = get(client, path_of(art))
    assert r.status_code == 302 and urlparse(r.headers["Location"]).path.endswith(key)
    parsed = podcastparser.parse("http://api.test" + feed, io.BytesIO(get(client, feed).body))
    assert parsed["episodes"][0]["episode_art_url"] == art


# --- The files, from a result (pure) ---

def test_chapters_are_the_mp3_exports_chapters():
    made = episodes.chapters(RESULT, "notes.md")
    timed = mp3.timed_chapters(RESULT, 4.0, "River Notes & Co")
    assert [(c["startTime"] * 1000, c["endTime"] * 1000, c["title"]) for c in made["chapters"]] == timed
    later = {**RESULT, "chapters": [{"title": "Late", "level": 1, "start": 2.0}]}
    assert [(c["startTime"], c["title"]) for c in episodes.chapters(later, "notes.md")["chapters"]] == [
        (0.0, "River Notes & Co"), (2.0, "Late")]  # the title from 0, as the MP3's tag has it
    bare = {"speech": {"seconds": 3.0}}
    assert episodes.chapters(bare, "Letter to Ann.pdf")["chapters"] == [
        {"startTime": 0.0, "endTime": 3.0, "title": "Letter to Ann"}]


def test_the_transcript_is_a_cue_per_sentence():
    vtt = episodes.transcript(RESULT)
    assert vtt.splitlines() == [
        "WEBVTT", "",
        "00:00:00.000 --> 00:00:00.600", "Notes", "",
        "00:00:00.600 --> 00:00:02.200", "The ferry left.", "",
        "00:00:02.200 --> 00:00:03.800", "It was &lt;calm&gt;."]
    assert episodes.transcript({"speech": {}}) == "WEBVTT\n"
    assert episodes._stamp(3_723_004) == "01:02:03.004" and episodes._stamp(-5) == "00:00:00.000"
