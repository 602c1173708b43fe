"""A long recording transcribed by many deliveries (CONTRACTS section 15, for recordings): cut at
pauses into windows, each window a shard any worker takes, joined on the whole recording's
clock. Real recordings (speech-dev's LibriVox reader), real Whisper, in-process moto; windows
of 20 s stand for the deployed 5 minutes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench.speech_common import normalise, wer_counts
from chalicelib import settings
from chalicelib.books import export as books
from chalicelib.books import mp3
from chalicelib.jobs import book, book_files, book_queues, objects, worker
from chalicelib.jobs import table as jobs
from chalicelib.kinds import plan
from chalicelib.web import job_view
from tests.books import epubtools
from tests.engines.asr.audiofiles import LIBRIVOX, encode, read_wav
from tests.jobs.test_book import USER, deliver, drain, empty, messages
from tests.results import validate_result
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]

CLIPS = LIBRIVOX
RATE = 16000
PAUSE_S = 1.5


def joined(rounds: int, lead_s: float = 0.0) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The clips one after another `rounds` times, a pause between each (after `lead_s` of
    silence): the samples, and where each clip is with what it says."""
    parts, spans, t = [np.zeros(int(lead_s * RATE), np.float32)], [], lead_s
    for _ in range(rounds):
        for name, truth in CLIPS.items():
            samples, rate = read_wav(name)
            assert rate == RATE
            spans.append((t, t + len(samples) / RATE, truth))
            parts += [samples.astype(np.float32), np.zeros(int(PAUSE_S * RATE), np.float32)]
            t += len(samples) / RATE + PAUSE_S
    return np.concatenate(parts), spans


@pytest.fixture
def short_windows(api_env, monkeypatch):
    monkeypatch.setenv("PAGEVOICE_RECORDING_BOOK_SECONDS", "20")
    monkeypatch.setenv("PAGEVOICE_RECORDING_WINDOW_SECONDS", "20")
    monkeypatch.setenv("PAGEVOICE_RECORDING_WINDOW_SLACK", "5")
    empty()
    yield


def upload(data: bytes, name: str, content_type: str) -> tuple[str, str]:
    from chalicelib import aws
    from chalicelib.jobs import keys

    record = jobs.create(USER, filename=name, content_type=content_type, size=len(data), kind="speech")
    key = keys.upload_key(USER, record["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    return record["job_id"], key


@pytest.mark.slow
def test_a_long_recording_is_transcribed_in_windows_by_many_deliveries(short_windows):
    samples, spans = joined(2)
    data = encode(samples, RATE, "mp3")
    job_id, key = upload(data, "lecture.mp3", "audio/mpeg")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    record = jobs.get(USER, job_id)
    shards = int(record["book_shards"])
    assert record["status"] == "processing" and shards >= 3
    first = [json.loads(m["Body"])["shard"] for m in messages(queue=book_queues.FIRST)]
    rest = [json.loads(m["Body"])["shard"] for m in messages()]
    assert first == ["read-0000"] and sorted(rest) == [f"read-{i:04d}" for i in range(1, shards)]
    empty()
    # The windows in any order, the last first, as many workers would take them.
    for shard in reversed(["read-0000", *rest]):
        reply = worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                     "body": json.dumps({"bucket": settings.get().aws.bucket, "user": USER,
                                                         "job": job_id, "shard": shard})}])
        assert reply["outcomes"] == ["done"]
        if shard == "read-0001":
            middle = job_view.describe(USER, job_id)
    assert middle["status"] == "processing" and middle["result"]["complete"] is False
    assert middle["result"]["transcribed_s"] == 0.0  # the first window is not done yet
    assert middle["result"]["document"]["progress"]["seconds_transcribed"] > 0
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    validate_result(result)
    assert result["complete"] is True and result["language"] == "en" and result["keyword"] is None
    assert abs(result["duration_s"] - len(samples) / RATE) < 0.1
    assert result["document"]["windows"] == shards
    # Each word timed on the whole recording's clock, inside the clip that says it, and every
    # clip's words there once: nothing lost or doubled where the windows meet.
    heard = [w for seg in result["segments"] for w in seg["words"]]
    assert [w["start"] for w in heard] == sorted(w["start"] for w in heard)
    errors = total = 0
    for start, end, text in spans:
        got = normalise(" ".join(w["text"] for w in heard if start - 0.3 <= w["start"] < end + 0.3))
        errors, total = errors + wer_counts(normalise(text), got), total + len(text.split())
    inside = sum(1 for w in heard if any(a - 0.3 <= w["start"] < b + 0.3 for a, b, _ in spans))
    assert inside == len(heard)  # no word heard in a pause (none invented at a window's end)
    assert errors / total <= 0.05, (errors, total)
    assert normalise(result["text"]) == normalise(" ".join(w["text"] for w in heard))
    # Its shape: a paragraph at each window's start (a pause), sentences in time order covering
    # every word, and a chapter at the first words (the windows are not minutes apart here).
    assert result["segments"][0]["paragraph"] is True
    assert sum(1 for s in result["segments"] if s.get("paragraph")) >= shards
    starts = [s["start"] for s in result["sentences"]]
    assert starts == sorted(starts) and starts[0] == heard[0]["start"] and len(starts) >= len(spans)
    assert result["chapters"] == [{"title": plan.opening(result["text"].strip()), "level": 1,
                                   "start": heard[0]["start"], "segment": 0}]
    # Each window's MP3 (its worker made it), the recording's book exports' audio: as long as the window.
    files = objects.JobFiles(settings.get().aws.bucket, USER, job_id)
    windows = book_files.read_survey(files)["recording"]["windows"]
    assert [(p["window"], p["start"], p["file"]) for p in result["parts"]] == \
        [(r, a, book.WINDOW_MP3.format(r)) for r, (a, _) in enumerate(windows)]
    for p in result["parts"]:
        assert abs(mp3.stream_of(files.read(p["file"])).seconds - p["seconds"]) < 0.15
    assert drain() == []  # nothing left on the queues
    # ...and its MP3 with chapters made of them, as long as the recording (and the joins' padding).
    tasks = Tasks()
    assert books.ask(USER, job_id, "mp3")[1] == 202
    assert tasks.names() == ["book"]
    books.build(USER, job_id, "mp3", jobs.get(USER, job_id)["book_mp3"]["build"])
    made = jobs.get(USER, job_id)["book_mp3"]
    assert made["status"] == "ready" and made["left_out"] == []
    heard = epubtools.mp3_seconds(files.read(made["key"].rsplit("/", 1)[-1]))
    assert 0 <= heard - len(samples) / RATE < 0.15 * len(windows)


def test_a_duplicate_window_delivery_does_nothing(short_windows):
    samples, _ = joined(1, lead_s=10.0)
    job_id, key = upload(encode(samples, RATE, "wav"), "talk.wav", "audio/wav")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    batch = messages(queue=book_queues.FIRST)
    assert deliver(batch[0])["outcomes"] == ["done"]
    again = {"eventSource": "aws:sqs", "messageId": "again", "receiptHandle": "r", "body": batch[0]["Body"]}
    assert worker.shard_batch([again])["outcomes"] == ["skipped"]


@pytest.mark.slow
def test_a_long_two_voice_recording_keeps_each_person_one_label_in_every_window(short_windows):
    import io
    import wave

    from chalicelib.errors import InputError
    from chalicelib.jobs import speaker_names
    from tests.two_voices import recording

    made = recording()
    with wave.open(io.BytesIO(made.wav)) as w:
        one = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    rounds = 3  # ~100 s: windows of 20 s, each with both voices, in any order
    samples = np.concatenate([one] * rounds).astype(np.float32) / 32768.0
    turns = [(a + k * made.seconds, b + k * made.seconds, who) for k in range(rounds) for a, b, who in made.turns]
    job_id, key = upload(encode(samples, RATE, "flac"), "meeting.flac", "audio/flac")
    assert worker.handle_upload(settings.get().aws.bucket, key) == "planned"
    shards = int(jobs.get(USER, job_id)["book_shards"])
    assert shards >= 3
    for shard in reversed([f"read-{i:04d}" for i in range(shards)]):
        reply = worker.shard_batch([{"eventSource": "aws:sqs", "messageId": shard, "receiptHandle": "r",
                                     "body": json.dumps({"bucket": settings.get().aws.bucket, "user": USER,
                                                         "job": job_id, "shard": shard})}])
        assert reply["outcomes"] == ["done"]
    drain()
    view = job_view.describe(USER, job_id)
    assert view["status"] == "done", view["error"]
    result = view["result"]
    validate_result(result)
    # Two people, labelled in order of first appearance; each keeps that label in every window.
    assert [s["id"] for s in result["speakers"]] == ["S1", "S2"]
    words = [w for seg in result["segments"] for w in seg["words"]]
    windows = book_files.read_survey(objects.JobFiles(settings.get().aws.bucket, USER, job_id))["recording"]["windows"]
    for a, b in windows:
        inside = [w for w in words if a <= w["start"] < b]
        right = sum(1 for w in inside for s, e, who in turns
                    if s - 0.2 <= w["start"] < e + 0.2 and w["speaker"] == f"S{who + 1}")
        assert inside and right >= 0.9 * len(inside), (a, b, [(w["text"], w["speaker"]) for w in inside])
    assert all(seg["speaker"] in ("S1", "S2") for seg in result["segments"])
    # Named by its owner: every answer after shows the name; the result as the worker wrote it.
    named = speaker_names.rename(USER, job_id, {"S2": "Ada"})
    assert named["speaker_names"] == {"S2": "Ada"} and [s["name"] for s in named["speakers"]] == [None, "Ada"]
    view = job_view.describe(USER, job_id)
    assert view["speaker_names"] == {"S2": "Ada"} and view["result"]["speakers"][1]["name"] == "Ada"
    for bad in ({"S9": "Bo"}, {"S1": ""}, {"S1": "x" * 81}, {"S1": 5}, {"S1": "a\u0007b"}, {}):
        with pytest.raises(InputError):
            speaker_names.rename(USER, job_id, bad)
    assert speaker_names.rename(USER, job_id, {"S2": None})["speaker_names"] == {}
    assert speaker_names.rename("someone-else", job_id, {"S2": "Ada"}) is None
