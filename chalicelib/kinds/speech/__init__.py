"""The `speech` kind (CONTRACTS sections 6 and 9): a recording in (any common format, recorded in
the browser or uploaded); what was said, with word timings, and a command label for a short
clip, out. No recording is made: the upload is the audio. Declaration only: the work is
`pipeline.run`."""
from __future__ import annotations

from chalicelib import settings
from chalicelib.kinds.base import Kind, characters
from chalicelib.kinds.common import SECONDS, TIMINGS
from chalicelib.media import types

NAME = "speech"

SPEAKER_ID = {"type": "string", "pattern": "^S[1-9][0-9]*$",
              "description": "who spoke (CONTRACTS section 17): S1, S2... in order of first appearance; absent with one voice"}
SPEAKER = {"type": "object", "required": ["id", "name", "seconds"],
           "properties": {"id": SPEAKER_ID, "name": {"type": ["string", "null"], "maxLength": 80,
                                                     "description": "as the owner named them (PATCH /jobs/{id}/speakers)"},
                          "seconds": SECONDS}}
WORD = {"type": "object", "required": ["text", "start", "end"],
        "properties": {"text": {"type": "string", "minLength": 1}, "start": SECONDS, "end": SECONDS,
                       "confidence": {"type": "number", "minimum": 0, "maximum": 1}, "speaker": SPEAKER_ID}}
SEGMENT = {"type": "object", "required": ["start", "end", "text", "words"],
           "properties": {"start": SECONDS, "end": SECONDS, "text": {"type": "string"},
                          "words": {"type": "array", "items": WORD},
                          "paragraph": {"const": True, "description": "the segment starts a paragraph"},
                          "speaker": SPEAKER_ID}}
SENTENCE = {"type": "object", "required": ["start", "end"], "properties": {"start": SECONDS, "end": SECONDS}}
CHAPTER = {"type": "object", "required": ["title", "start", "segment"],
           "properties": {"title": {"type": "string"}, "level": {"type": "integer"}, "start": SECONDS,
                          "segment": {"type": "integer", "minimum": 0}}}
PART = {"type": "object", "required": ["file", "window", "start", "seconds"],
        "properties": {"file": {"type": "string"}, "window": {"type": "integer", "minimum": 0}, "start": SECONDS,
                       "seconds": SECONDS}}

RESULT_SCHEMA = {
    "title": "SpeechResult", "description": "CONTRACTS section 9: what was said, with word timings.",
    "type": "object",
    "required": ["schema", "kind", "engine", "duration_s", "text", "segments", "keyword", "timings_ms"],
    "properties": {
        "schema": {"const": 1}, "kind": {"const": NAME}, "engine": {"type": "string", "minLength": 1},
        "engine_version": {"type": "string"}, "duration_s": SECONDS,
        "language": {"type": ["string", "null"]}, "text": {"type": "string"},
        "segments": {"type": "array", "items": SEGMENT},
        "sentences": {"type": "array", "items": SENTENCE, "description": "each sentence's time, in order"},
        "speakers": {"type": "array", "items": SPEAKER, "minItems": 2,
                     "description": "the people heard, when more than one (CONTRACTS section 17)"},
        "chapters": {"type": "array", "items": CHAPTER,
                     "description": "a long recording's outline: where each chapter starts (its segment) and its first words"},
        "document": {"type": "object", "description": "a long recording transcribed in windows by many workers "
                                                      "(CONTRACTS section 15): windows, those that failed, progress"},
        "keyword": {"anyOf": [{"type": "null"}, {
            "type": "object", "required": ["label", "confidence"],
            "properties": {"label": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1}}}],
            "description": "a Speech Commands label for a clip of about two seconds or less; null for longer"},
        "complete": {"type": "boolean", "description": "false when the worker's time ran out: `segments` "
                                                       "cover the recording up to `transcribed_s`"},
        "transcribed_s": SECONDS,
        "audio": {"type": "object", "description": "what the upload was: format, codec, sample rate, channels"},
        "parts": {"type": "array", "items": PART,
                  "description": "a long recording's windows as MP3 parts, each from `start` seconds: what its "
                                 "book exports (GET /jobs/{id}/export) join"},
        "timings_ms": TIMINGS,
    },
}


def check(doc: dict) -> None:
    for segment in doc["segments"]:
        times = [segment["start"]] + [t for w in segment["words"] for t in (w["start"], w["end"])] + [segment["end"]]
        back = next((i for i, (a, b) in enumerate(zip(times, times[1:])) if b < a - 0.05), None)
        if back is not None:
            raise ValueError(f"speech result: times must run forward within a segment ({times[back]} then "
                             f"{times[back + 1]} in the segment from {segment['start']} s: "
                             f"{' '.join(str(w.get('text', w.get('word'))) for w in segment['words'])[:200]!r})")


def limits() -> dict:
    s = settings.get()
    return {"max_bytes": s.limits.max_audio_bytes, "max_seconds": s.limits.max_audio_seconds}


KIND = Kind(
    name=NAME, label="Recording",
    description="A recording of speech (uploaded, or recorded here): what was said, with each word's "
                "time, and the command word of a short clip.",
    content_types=types.AUDIO_TYPES,
    extensions=tuple(dict.fromkeys(e for t in types.AUDIO_TYPES for e in types.EXTENSIONS[t])),
    runner="chalicelib.kinds.speech.pipeline:run",
    result_schema=RESULT_SCHEMA, outputs=(), limits=limits, checks=check, summary=characters,
    warm_up="chalicelib.kinds.speech.pipeline:warm_up",
    language_use="transcribe", book="chalicelib.kinds.speech.long")
