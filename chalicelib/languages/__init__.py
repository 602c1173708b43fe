"""The languages PageVoice reads, speaks and transcribes (CONTRACTS section 11): one table
(`table.tsv`) that GET /languages, the upload check and the worker all read, so the list people
see is the list that works. Light: the API imports it (no ML here; detection is `detect`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from chalicelib import settings
from chalicelib.errors import InputError

AUTO = "auto"
TABLE = Path(__file__).with_name("table.tsv")
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo"})
# What each voice engine sounds like: the quality people are told (GET /languages, results).
QUALITY = {"piper": "neural", "kokoro": "neural", "pico": "standard", "rhvoice": "standard", "gtts": "standard",
           "espeak": "basic"}
# The languages gTTS 2.5.4 speaks (gtts.lang.tts_langs(); "iw" is its Hebrew). Read here as data so
# the API need not import gTTS.
GTTS = frozenset(["af", "am", "ar", "bg", "bn", "bs", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fi", "fr", "gl", "gu", "ha", "hi", "hr", "hu", "id", "is", "it", "ja", "jw", "km", "kn", "ko", "la", "lt", "lv", "ml", "mr", "ms", "my", "ne", "nl", "no", "pa", "pl", "pt", "ro", "ru", "si", "sk", "sq", "sr", "su", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "yue", "zh"]) | {"he"}
GTTS_CODE = {"he": "iw"}


@dataclass(frozen=True)
class Voice:
    engine: str  # a TTS engine's registry name (chalicelib.engines.tts)
    name: str  # the engine's voice id
    quality: str  # neural | standard | basic

    def public(self, language: str) -> dict:
        """result.speech.voice (CONTRACTS sections 11 and 16: `id` as GET /voices names it)."""
        return {"id": f"{self.engine}:{self.name}", "language": language, "engine": self.engine, "name": self.name,
                "quality": self.quality}


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 primary tag
    name: str  # in English
    native: str  # in the language itself
    script: str  # ISO 15924 script of its pages
    reader: str | None  # "rapidocr", or the Tesseract traineddata that reads it; None: not read (engines/ocr/reader.py decides)
    voices: tuple[Voice, ...]  # the shipped voices, best first (a worker lacking one uses the next); none: not spoken
    transcribe: bool  # Whisper knows it (the speech kind)

    @property
    def voice(self) -> Voice | None:
        """The best shipped voice (what the worker image speaks with)."""
        return self.voices[0] if self.voices else None

    @property
    def rtl(self) -> bool:
        return self.script in RTL_SCRIPTS

    @property
    def read(self) -> bool:
        return self.reader is not None

    def public(self, voice: Voice | None) -> dict:
        return {"code": self.code, "name": self.name, "native": self.native, "script": self.script,
                "rtl": self.rtl, "read": self.read, "voice": voice.quality if voice else None,
                "transcribe": self.transcribe}


def _voices(spec: str) -> tuple[Voice, ...]:
    """A table cell: `engine:voice` pairs, best first, comma-separated; "-" for none."""
    if spec == "-":
        return ()
    pairs = (one.partition(":") for one in spec.split(","))
    return tuple(Voice(engine, name, QUALITY[engine]) for engine, _, name in pairs)


@functools.cache
def table() -> dict[str, Language]:
    rows = [line.rstrip("\n").split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    out = {}
    for code, name, native, script, reader, voice, asr in rows[1:]:
        out[code] = Language(code, name, native, script, None if reader == "-" else reader, _voices(voice), asr == "y")
    return out


def get(code: str) -> Language | None:
    return table().get(code)


def voices_for(code: str | None, tts_engine: str = "piper") -> tuple[Voice, ...]:
    """The voices that can speak `code`, best first. With gTTS chosen (a deployment allowed to
    reach Google) it speaks every language it knows; otherwise the shipped voices, English by
    piper (or by the engine chosen for English)."""
    language = get(code or "en")
    if tts_engine == "gtts" and (code or "en") in GTTS:
        return (Voice("gtts", GTTS_CODE.get(code or "en", code or "en"), QUALITY["gtts"]),)
    if language is None:
        return ()
    if language.code == "en" and tts_engine != "piper":
        return (Voice(tts_engine, "default", QUALITY.get(tts_engine, "basic")),)
    return language.voices


def voice_for(code: str | None, tts_engine: str = "piper") -> Voice | None:
    """The voice that speaks `code` where every shipped voice is installed (the worker image)."""
    voices = voices_for(code, tts_engine)
    return voices[0] if voices else None


def public(tts_engine: str | None = None) -> list[dict]:
    """GET /languages: every language, by English name, with the voices of the (configured) engine."""
    tts_engine = tts_engine or settings.get().worker.tts_engine
    return [lang.public(voice_for(lang.code, tts_engine)) for lang in sorted(table().values(), key=lambda x: x.name)]


def voices_note() -> dict:
    """GET /languages' `voices`: the engine speaking, and what gTTS would add where a deployment
    may send text to Google (a choice for the deployment, so it is said, not made)."""
    tts_engine = settings.get().worker.tts_engine
    if tts_engine == "gtts":
        return {"engine": "gtts", "note": "Voices are Google's (gTTS): the text is sent to Google to be spoken."}
    rank = {None: 0, "basic": 1, "standard": 2, "neural": 3}
    better = [code for code in sorted(GTTS) if code in table()
              and rank[getattr(voice_for(code, tts_engine), "quality", None)] < rank[QUALITY["gtts"]]]
    return {"engine": tts_engine, "gtts_would_improve": better,
            "note": f"Voices ship with PageVoice and run offline. A deployment allowed to reach Google can "
                    f"choose gTTS (PAGEVOICE_TTS_ENGINE=gtts) for a standard voice in {len(better)} more "
                    f"languages (gtts_would_improve), sending the text to Google."}


def for_upload(code, need: str | None) -> str | None:
    """The language an upload names (None for "auto" or none), checked against what the job's
    kind needs of it (`need`: "read", "transcribe" or "voice"; None: only that it is known);
    a 400 pointing to GET /languages otherwise."""
    if code is None or code == AUTO:
        return None
    language = get(code) if isinstance(code, str) else None
    if language is None:
        raise InputError(f"'{code}' is not a language PageVoice knows. Use \"auto\" or a code from GET /languages.",
                         field="language")
    able = {"read": language.read, "transcribe": language.transcribe, "voice": language.voice is not None}
    if need is not None and not able[need]:
        verb = {"read": "read", "transcribe": "transcribe", "voice": "speak"}[need]
        raise InputError(f"PageVoice cannot {verb} {language.name} yet. Use \"auto\", or a code that "
                         f"GET /languages lists with \"{need}\" set.", field="language")
    return language.code
