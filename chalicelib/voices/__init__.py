"""Every voice this deployment can speak (CONTRACTS section 16, GET /voices): the catalog people
choose from. Light, as chalicelib.languages is (the API imports it; no engine is loaded here).

Three tables, each written once:
- chalicelib/languages/table.tsv: which voices speak a language, best first (the first is the
  language's default: what speaks it unless a voice is chosen);
- voices.tsv (here): each shipped voice's accent, description and licence (eSpeak NG's and gTTS's,
  one a language, are described from the language);
- measured.tsv (here, written by `python -m bench.voices`): how well Whisper base understood each
  neural and standard voice, and its CPU per second of speech. A voice is called `neural` or
  `standard` only when it met its language's goal there (WER, or CER for ja/zh, <= 0.25); one that
  missed it is `basic` when it met basic's goal (<= 0.5), else it is not offered (a language's
  default is listed whatever it measured, as basic: it is what speaks that language). A neural or standard
  voice never measured is not offered, but for a default.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from chalicelib import languages, settings
from chalicelib.errors import InputError

HERE = Path(__file__).parent
VOICES, MEASURED = HERE / "voices.tsv", HERE / "measured.tsv"
GOALS = {"neural": 0.25, "standard": 0.25, "basic": 0.5}  # Whisper base's error rate (bench.languages' goals)
# Engines that say when each word is heard (the others' read-along timings are estimated).
TIMED = frozenset({"piper", "kokoro", "espeak"})
LICENCES = {"espeak": "GPL-3.0-or-later", "gtts": "Google's service (the text is sent to Google)"}


@dataclass(frozen=True)
class Measured:
    unit: str  # WER or CER
    errors: int
    words: int  # or characters, for CER
    error_rate: float
    cpu_per_second: float | None  # CPU seconds of synthesis per second of speech, one thread
    pitch_hz: float | None  # the voice's median pitch


@dataclass(frozen=True)
class Listed:
    voice: languages.Voice  # engine, name, quality as the engine is classed
    language: str
    quality: str  # as measured (above)
    default: bool  # the language's voice unless one is chosen
    accent: str
    description: str
    licence: str
    measured: Measured | None

    @property
    def id(self) -> str:
        return f"{self.voice.engine}:{self.voice.name}"

    def public(self, base_url: str | None = None) -> dict:
        m = self.measured
        return {"id": self.id, "language": self.language, "engine": self.voice.engine, "name": self.voice.name,
                "quality": self.quality, "default": self.default, "accent": self.accent,
                "description": self.description, "word_timings": self.voice.engine in TIMED,
                "cpu_per_second": m.cpu_per_second if m else None,
                "error_rate": {"unit": m.unit, "value": m.error_rate, "judge": "Whisper base"} if m else None,
                "pitch_hz": m.pitch_hz if m else None, "licence": self.licence,
                "sample_url": sample_url(base_url, self.id, self.language) if base_url else None}


def _rows(path: Path) -> list[list[str]]:
    lines = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return lines[1:]  # the header


@functools.cache
def described() -> dict[tuple[str, str], tuple[str, str, str]]:
    """(id, language) -> (accent, description, licence)."""
    return {(i, lang): (accent, description, licence) for i, lang, accent, description, licence in _rows(VOICES)}


@functools.cache
def measured() -> dict[tuple[str, str], Measured]:
    if not MEASURED.is_file():
        return {}
    out = {}
    for i, lang, unit, errors, words, rate, cpu, pitch, *_ in _rows(MEASURED):
        out[(i, lang)] = Measured(unit, int(errors), int(words), float(rate), float(cpu) if cpu != "-" else None,
                                  float(pitch) if pitch != "-" else None)
    return out


def judged_quality(voice: languages.Voice, language: str, default: languages.Voice | None = None) -> str | None:
    """The quality the voice is listed as (module docstring); None: not offered."""
    if voice.quality == "basic" or voice.engine == "gtts":  # not judged: as the engine is classed
        return voice.quality
    m = measured().get((f"{voice.engine}:{voice.name}", language))
    if m is None:
        return None
    for quality in (voice.quality, "basic"):
        if m.error_rate <= GOALS[quality]:
            return quality
    # Over both goals, but no worse than what speaks the language anyway (Hindi, which Whisper
    # base cannot judge): offered as basic.
    first = measured().get((f"{default.engine}:{default.name}", language)) if default else None
    return "basic" if first is not None and m.error_rate <= first.error_rate else None


def shipped(code: str) -> list[languages.Voice]:
    """Every shipped voice of a language, the table's first (voices.tsv adds the others)."""
    language = languages.get(code)
    out = list(language.voices) if language else []
    for i, lang in described():
        engine, _, name = i.partition(":")
        if lang == code and all((v.engine, v.name) != (engine, name) for v in out):
            out.append(languages.Voice(engine, name, languages.QUALITY[engine]))
    return out


def catalog(tts_engine: str | None = None) -> list[Listed]:
    """Every voice offered, by language (English name), the default first, then best measured."""
    tts_engine = tts_engine or settings.get().worker.tts_engine
    out = []
    for language in sorted(languages.table().values(), key=lambda x: x.name):
        defaults = languages.voices_for(language.code, tts_engine)
        group, default = [], defaults[0] if defaults else None  # None: a language no voice speaks by itself
        for voice in dict.fromkeys([*defaults[:1], *shipped(language.code)]):
            quality = judged_quality(voice, language.code, default)
            if quality is None and voice == default:
                quality = "basic"  # the default speaks the language, whatever it measured
            if quality is not None:
                group.append(_listed(voice, language, quality, voice == default))
        rank = {"neural": 0, "standard": 1, "basic": 2}
        first = group[:1] if group and group[0].default else []
        out += first + sorted(group[len(first):], key=lambda v: (rank[v.quality], v.measured is None,
                                                                 v.measured.error_rate if v.measured else 0, v.id))
    return out


def _listed(voice: languages.Voice, language: languages.Language, quality: str, default: bool) -> Listed:
    i = f"{voice.engine}:{voice.name}"
    accent, description, licence = described().get((i, language.code), (None, None, None))
    if description is None:  # eSpeak NG's, gTTS's or the configured engine's: one a language
        accent = language.name
        who = {"espeak": "eSpeak NG's", "gtts": "Google Translate's (gTTS)"}.get(voice.engine, voice.engine)
        description = f"{language.name}, {who} voice" + (", robotic (formant synthesis)" if voice.engine == "espeak" else "")
        licence = LICENCES.get(voice.engine, "see docs/licences.md")
    return Listed(voice, language.code, quality, default, accent, description, licence,
                  measured().get((i, language.code)))


def public(base_url: str | None = None, tts_engine: str | None = None) -> list[dict]:
    """GET /voices' `voices` (`base_url`: the API's address, for each voice's sample)."""
    return [v.public(base_url) for v in catalog(tts_engine)]


def sample_url(base_url: str, voice_id: str, language: str) -> str:
    """Where a voice's sample is asked for (GET /voices/{id}/sample: chalicelib.voices.samples)."""
    return f"{base_url.rstrip('/')}/voices/{voice_id}/sample?language={language}"


def language_table(tts_engine: str | None = None) -> list[dict]:
    """GET /languages' `languages`, each `voice` the quality GET /voices lists its default voice
    as (measured), not its engine's class."""
    quality = {v.language: v.quality for v in catalog(tts_engine) if v.default}
    return [{**row, "voice": quality.get(row["code"]) if row["voice"] else None}
            for row in languages.public(tts_engine)]


def find(voice_id: str, language: str | None = None) -> Listed | None:
    """The offered voice of that id (speaking `language`, when given)."""
    return next((v for v in catalog() if v.id == voice_id and language in (None, v.language)), None)


def _choices(language: str | None) -> str:
    """The sentence's end naming the choices: the language's voices, or English's."""
    code = language if language and any(v.language == language for v in catalog()) else "en"
    ids = [v.id for v in catalog() if v.language == code]
    name = languages.get(code).name
    return f"{name} voices: {', '.join(ids)} (GET /voices lists every language's)"


def check(voice_id, field: str = "voice", language: str | None = None) -> str:
    """An upload's `voice`: an offered voice's id; a 400 naming the choices otherwise."""
    if not isinstance(voice_id, str) or find(voice_id) is None:
        shown = voice_id if isinstance(voice_id, str) and len(voice_id) <= 60 else "that"
        raise InputError(f"PageVoice has no voice '{shown}' to offer. {_choices(language)}.", field=field)
    return voice_id


def check_defaults(value) -> dict[str, str]:
    """PATCH /me's `voices`: {language code: voice id} (null for a language: back to its default),
    each voice one offered for that language; the account's defaults as they are to be stored."""
    if not isinstance(value, dict):
        raise InputError("'voices' must be an object of language codes and voice ids, e.g. "
                         "{\"en\": \"kokoro:af_heart\"}.", field="voices")
    if len(value) > len(languages.table()):
        raise InputError("'voices' names more languages than PageVoice knows.", field="voices")
    out = {}
    for code, voice_id in value.items():
        if languages.get(code) is None:
            shown = code if len(code) <= 20 else "that"
            raise InputError(f"'{shown}' is not a language PageVoice knows: use a code of GET /languages.",
                             field="voices")
        if voice_id is None:
            out[code] = None
            continue
        if not isinstance(voice_id, str) or find(voice_id, code) is None:
            shown = voice_id if isinstance(voice_id, str) and len(voice_id) <= 60 else "that"
            raise InputError(f"PageVoice has no voice '{shown}' for {languages.get(code).name}. "
                             f"{_choices(code)}.", field="voices")
        out[code] = voice_id
    return out


def speaking(voice_id: str) -> list[str]:
    """The languages an offered voice speaks."""
    return [v.language for v in catalog() if v.id == voice_id]


def chosen(account: dict[str, str] | None, job: dict) -> dict[str, str] | None:
    """{language: voice id} a job is read with: the account's voice per language (users.voices_of),
    the upload's `voice` over them in every language that voice speaks; None: the defaults."""
    out = dict(account or {})
    if job.get("voice"):
        out |= dict.fromkeys(speaking(job["voice"]), job["voice"])
    return out or None
