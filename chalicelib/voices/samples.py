"""A voice's sample (GET /voices/{id}/sample): what it sounds like before anyone chooses it.

Made once per voice and language, on the first request, by the tasks function (the worker's image:
the API never loads an engine), and kept in the bucket under `samples/` for every later listener.
It says article 1 of the Universal Declaration of Human Rights in the voice's language
(samples.tsv, written by `python -m infra.sample_texts`), the same words for every voice of a
language so people compare voices, not texts. The key holds a digest of voice and text: a new text
makes new samples, and nothing needs deleting.

A marker item in the auth table (SAMPLE#<digest>) lets one request start the making: the others
wait for it (202) instead of making it again, and a failed making is said for a minute before
anyone may try again.
"""
from __future__ import annotations

import functools
import hashlib
import io
import wave

from chalicelib import clock, languages, logs, resources, settings
from chalicelib.account import tasks
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed, EngineUnavailable, PageVoiceError
from chalicelib.jobs import objects

from . import HERE, find

log = logs.get("voices")

TEXTS = HERE / "samples.tsv"
TASK = "voice-sample"
RETRY_AFTER = 3  # seconds between a waiting listener's requests
MAKING_SECONDS = 180  # a making not done by then (its task lost) may be started again
FAILED_SECONDS = 60  # how long a failed making is said before another try
FAILED = "The sample of {voice} could not be made just now. Try again in a minute."


@functools.cache
def texts() -> dict[str, str]:
    rows = [line.split("\t") for line in TEXTS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {code: text for code, _, text in rows[1:]}


def text(language: str) -> str:
    """What the sample says: article 1 in the language, or (no translation here) the language's own name."""
    return texts().get(language) or languages.get(language).native


def key(voice_id: str, language: str) -> str:
    engine, _, name = voice_id.partition(":")
    digest = hashlib.sha256(f"{voice_id}\n{text(language)}".encode()).hexdigest()[:16]
    return f"{resources.SAMPLE_PREFIX}{language}/{engine}/{name}-{digest}.mp3"


def url(base: str, voice_id: str, language: str) -> str:
    """GET /voices' `sample_url` of a voice: this route, at the API's address `base`."""
    return f"{base.rstrip('/')}/voices/{voice_id}/sample?language={language}"


def _marker(sample_key: str) -> str:
    return "SAMPLE#" + sample_key.rsplit("-", 1)[-1].removesuffix(".mp3")


def ask(voice_id: str, language: str | None = None) -> tuple[dict, int] | None:
    """What GET /voices/{id}/sample answers: ({"url", ...}, 200) once the sample is made, else
    ({"status": "making", "retry_after"}, 202), its making started here when nothing is making
    it; 503 while a failed making is said. None: no such voice (for that language)."""
    listed = find(voice_id, language)
    if listed is None:
        return None
    language = listed.language
    sample_key = key(voice_id, language)
    about = {"voice": voice_id, "language": language, "text": text(language)}
    if objects.upload_time(settings.get().aws.bucket, sample_key) is not None:
        return {**about, "url": objects.presign_get(sample_key, "audio/mpeg"),
                "expires_in": min(settings.get().limits.download_url_ttl_seconds, 900)}, 200
    now = int(clock.now())
    try:  # only the first request (or the first after a lost or failed making) starts it
        table.update(_marker(sample_key), "SET making_until = :until, expires_at = :exp REMOVE failed",
                     condition="attribute_not_exists(pk) OR making_until < :now",
                     values={":until": now + MAKING_SECONDS, ":exp": now + 2 * MAKING_SECONDS, ":now": now})
    except ConditionFailed:
        state = table.get(_marker(sample_key), consistent=True) or {}
        if state.get("failed"):
            raise EngineUnavailable(FAILED.format(voice=listed.description or voice_id)) from None
    else:
        tasks.enqueue(TASK, voice=voice_id, language=language)
        log.info("voice sample started", extra={"voice": voice_id, "language": language})
    return {**about, "status": "making", "retry_after": RETRY_AFTER}, 202


def make(voice: str, language: str) -> None:
    """The tasks function's task: speak the sample in `voice` and keep it. Done once (a second
    delivery finds it made); a failure is recorded for ask() to say, not raised (SQS would only
    make it fail again at once)."""
    bucket, sample_key = settings.get().aws.bucket, key(voice, language)
    if objects.upload_time(bucket, sample_key) is not None:
        return
    try:
        objects.write(bucket, sample_key, spoken(voice, language), "audio/mpeg")
        log.info("voice sample made", extra={"voice": voice, "language": language})
    except (PageVoiceError, OSError, RuntimeError, ValueError) as e:
        log.warning("voice sample failed", exc_info=True, extra={"voice": voice, "language": language})
        until = int(clock.now()) + FAILED_SECONDS
        table.update(_marker(sample_key), "SET failed = :why, making_until = :until, expires_at = :exp",
                     values={":why": str(e)[:300] or type(e).__name__, ":until": until, ":exp": until + 60})


def spoken(voice: str, language: str) -> bytes:
    """The sample as an MP3 at the voice's own rate."""
    import numpy as np  # the worker's side: the engines (the API has no numpy)

    from chalicelib.kinds import voice as speaking
    from chalicelib.media.audio import mp3_of

    recording = speaking.speak(text(language), language=language, voices={language: voice})
    if recording.wav is None:
        raise PageVoiceError(f"{voice} said nothing for {language}")
    spoke = (recording.info or {}).get("voice", {}).get("id")
    if spoke and spoke != voice:  # the voice's engine is missing on this worker: another spoke
        raise PageVoiceError(f"{voice} is not installed here ({spoke} spoke instead)")
    with wave.open(io.BytesIO(recording.wav)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return mp3_of(samples, w.getframerate())

