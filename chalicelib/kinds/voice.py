"""Reading text aloud: what every kind that makes a `speech.wav` shares.

`record` makes the recording piece by piece (sentences, then <= 200 characters on word
boundaries) and hands it over in *parts*, playable WAV files that, back to back, are exactly
the whole recording: the first part is one piece, so listening starts seconds after the text is
read, and later parts grow. With each part come the read-along timings of its words
(CONTRACTS section 10). A last part no listener can reach before the whole recording is stored
goes out with it (`Take.held`): publishing it alone would cost requests that no one sees. A
recording that runs out of the worker's time stops between pieces and says where (`state`), so a
follow-up invocation continues it: no text loses its end to a time limit. Only the recording's
length is capped (settings.limits.max_speech_seconds), and the result says so when it cuts the
text short.
"""
from __future__ import annotations

import io
import time
import wave
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from chalicelib import languages, logs, plugins, settings
from chalicelib.engines import tts
from chalicelib.engines.tts.base import GAP_SECONDS, Audio, Piece, concat, resample, spans, to_wav
from chalicelib.errors import EngineUnavailable
from chalicelib.kinds import pronunciation
from chalicelib.structure import sentences
from chalicelib.voices import find as offered

log = logs.get("voice")

PART = "speech-{:03d}.wav"
FIRST_PART_SECONDS = 0.0  # the first part is the first piece, whatever its length
PART_GROWTH = 2.0  # each further part holds about twice the audio of the one before...
MAX_PART_SECONDS = 60.0  # ...up to this
# Writing the whole WAV and its MP3 at the end runs at ~80x real time here; keep that
# much of the worker's time (and a margin) for it.
ASSEMBLY_REALTIME = 50.0
ASSEMBLY_MARGIN_SECONDS = 3.0
MAX_LISTENING_RATE = 4.0  # the site's fastest playback speed (static_site/js/result/player.js)


@dataclass
class Recording:
    wav: bytes | None  # None when there is nothing to say
    info: dict | None  # result["speech"]: engine, seconds, characters spoken, complete


@dataclass
class Part:
    name: str
    wav: bytes


@dataclass
class Take:
    """One invocation's work on a recording."""
    info: dict  # result["speech"] as it stands (parts and words so far)
    parts: list[Part] = field(default_factory=list)  # made in this invocation
    held: list[Part] = field(default_factory=list)  # made, not handed to on_part: stored with the whole
    more: bool = False  # stopped for time: continue in a follow-up invocation


class Voices:
    """The engine that speaks each language, built once per voice: the voice chosen for it
    (`chosen`: {language: voice id of GET /voices}, the upload's and the account's), else
    chalicelib.languages' (the best shipped one, or gTTS for every language it knows when
    chosen). A chosen voice that cannot speak here falls back to the language's own."""

    def __init__(self, tts_engine: str | None = None, chosen: Mapping[str, str] | None = None) -> None:
        self.preference = tts_engine or settings.get().worker.tts_engine
        self.wanted = dict(chosen or {})
        self._chosen: dict[str, tuple[languages.Voice | None, object]] = {}

    def voice(self, code: str) -> languages.Voice | None:
        """The voice speaking `code` here: its best voice installed."""
        return self._choose(code)[0]

    def engine(self, code: str):
        """The engine speaking `code`; None when there is no voice for it, or none of its voices
        is installed here (a worker image built without it): the text is then left unspoken."""
        return self._choose(code)[1]

    def _choose(self, code: str) -> tuple[languages.Voice | None, object]:
        if code not in self._chosen:
            self._chosen[code] = (None, None)
            for chosen in (*self._wanted(code), *languages.voices_for(code, self.preference)):
                try:
                    self._chosen[code] = (chosen, _engine(chosen))
                    break
                except EngineUnavailable as exc:
                    log.warning("voice unavailable", extra={"language": code, "voice": chosen.engine,
                                                            "reason": str(exc)})
        return self._chosen[code]

    def _wanted(self, code: str) -> tuple[languages.Voice, ...]:
        """The voice chosen for `code`, when it is one offered for it (a voice no longer offered
        is passed over: the language's own speaks)."""
        listed = offered(self.wanted[code], code) if code in self.wanted else None
        if listed is None:
            return ()
        return (languages.Voice(listed.voice.engine, listed.voice.name, listed.quality),)  # as GET /voices has it


def _engine(chosen: languages.Voice):
    """The TTS engine speaking with `chosen` (its Config's `voice` set to it)."""
    if chosen.name == "default":
        return tts.get_engine(chosen.engine)
    return plugins.with_settings("TTS", tts.ENGINES, chosen.engine, voice=chosen.name)


def _voiced(text: str, codes: Sequence[str]) -> list[tuple[Piece, str]]:
    """The text's pieces, cut again where the language changes, each with its language."""
    out = []
    for piece in spans(text, language=max(set(codes), key=codes.count) if codes else "en"):  # cut as it reads
        words = piece.text.split()
        if len(words) != len(piece.tokens):  # a hard-cut long word: one token, one language
            out.append((piece, codes[piece.tokens[0]]))
            continue
        run_words, run_ids = [], []
        for word, k in zip(words, piece.tokens):
            if run_ids and codes[k] != codes[run_ids[-1]]:
                out.append((Piece(" ".join(run_words), tuple(run_ids)), codes[run_ids[-1]]))
                run_words, run_ids = [], []
            run_words.append(word)
            run_ids.append(k)
        if run_ids:
            out.append((Piece(" ".join(run_words), tuple(run_ids)), codes[run_ids[-1]]))
    return out


def _voice_info(voices: Voices, code: str, estimated: bool) -> dict:
    info = voices.voice(code).public(code)
    if estimated:
        info["timings"] = "estimated"  # the voice gives no word times: shared out by length
    return info


def record(text: str, *, where: Sequence[list[tuple[dict, int]]] | None = None, language: str = "en",
           languages_of: Sequence[str] | None = None, tts_engine: str | None = None,
           deadline: float | None = None, state: dict | None = None,
           on_part: Callable[[dict, Part], None] | None = None, lexicon: Sequence[dict] | None = None,
           voices: Mapping[str, str] | None = None) -> Take:
    """Text -> the recording's parts and `info` (result["speech"]).

    `where[k]` says which words of the result the k-th word of `text` (whitespace-separated) is,
    each with a weight (its length), e.g. [({"line": 3, "word": 1}, 5)] (plus "page" for
    documents): they become entries of `info["words"]`. `language` is the text's;
    `languages_of[k]`, when given, the k-th word's (a page that mixes languages): each run of
    words is spoken by its language's voice (`info["voice"]`, and each part's `voice`), and a
    language without a voice is left unspoken (`info["unspoken"]` names it). `state` is a
    previous invocation's `info` to continue from. `on_part(info, part)` runs as each part is
    made (the worker stores it and re-publishes the result). `lexicon`: the account's
    pronunciations (chalicelib.kinds.pronunciation), applied to what the voice says only
    (`info["lexicon"]` says so when they changed it). `voices`: the voice chosen per language
    ({code: id of GET /voices}; `Voices`).
    `deadline` (time.monotonic): no new piece starts after it; the take then has `more`.
    """
    s = settings.get()
    voices = Voices(tts_engine, voices)
    codes = list(languages_of) if languages_of else [language] * len(text.split())
    said_by = pronunciation.Lexicon(lexicon) if lexicon else None
    all_pieces = _voiced(text, codes)
    info = dict(state) if state else _new_info(voices, language)
    info["parts"], info["words"] = list(info.get("parts", [])), list(info.get("words", []))
    take = Take(info)
    timeline = None if where is None else sentences.Timeline(text, where, language, codes)
    rec = _Recorder(info, take, where, on_part, timeline)
    ends = _word_ends(text)
    first = i = int(info.get("next_piece", 0))
    while i < len(all_pieces):
        if info["seconds"] + rec.buffered() >= s.limits.max_speech_seconds:
            info["reason"] = "duration"  # the text goes on past the longest recording made
            break
        # Each invocation speaks at least one piece, so a job in turns always moves on.
        if i > first and deadline is not None and time.monotonic() >= deadline - _assembly_seconds(info, rec.buffer):
            rec.flush()
            take.more = True
            return take
        piece, code = all_pieces[i]
        engine = voices.engine(code)
        audio, estimated = (None, False) if engine is None else _synthesize(engine, piece.text, said_by, info)
        # Where the recording stands before the part is flushed: a published part says what follows it.
        info["characters"] = ends[piece.tokens[-1]]
        i += 1
        info["next_piece"] = i
        if audio is None:
            info["unspoken"] = sorted({*info.get("unspoken", []), code})
            continue
        said = _voice_info(voices, code, estimated)
        if code == language:
            info["voice"] = said
        rec.add(piece, audio, said, last=i == len(all_pieces))
    rec.flush(last=True)
    info["complete"] = i >= len(all_pieces)
    if info["complete"]:
        info.pop("reason", None)
    return take


def _synthesize(engine, text: str, lexicon: pronunciation.Lexicon | None, info: dict) -> tuple[Audio, bool]:
    """The voice saying `text` as the account's pronunciations have it, and whether its word
    timings are estimated (the voice gives none). They are of the written words still (each group
    of rewritten words shares the span of what was said); a voice without timings has them
    estimated from what it said ("World Health Organization", not "WHO"), then mapped so."""
    said = lexicon.say(text) if lexicon is not None else None
    if said is None or not said.applied:
        audio = engine.synthesize(text)
        return audio, audio.words is None
    audio = engine.synthesize(said.text)
    estimated = audio.words is None
    audio.words = said.timings(estimate(said.text, audio) if estimated else audio.words)
    info["lexicon"] = {"entries": len(lexicon)}
    return audio, estimated


def _new_info(voices: Voices, language: str) -> dict:
    chosen = voices.voice(language)
    info = {"engine": chosen.engine if chosen else "none", "seconds": 0.0, "characters": 0,
            "complete": False, "parts": [], "words": [], "next_piece": 0}
    if chosen is not None:
        info["voice"] = chosen.public(language)
    return info


class _Recorder:
    """Pieces buffered into parts: a part is flushed when it reaches its target length or the
    voice changes (each part has one voice)."""

    def __init__(self, info: dict, take: Take, where, on_part, timeline: sentences.Timeline | None = None) -> None:
        self.info, self.take, self.where, self.on_part = info, take, where, on_part
        self.timeline = timeline  # result.speech.sentences from the words so far (issue 40)
        self.buffer: list[Audio] = []
        self.pieces: list[Piece] = []
        self.voice: dict | None = None
        self.target = FIRST_PART_SECONDS if not info["parts"] else _next_target(info["parts"][-1]["seconds"])
        self.first_at: float | None = None  # when this invocation published the recording's first part

    def buffered(self) -> float:
        return _seconds(self.buffer)

    def add(self, piece: Piece, audio: Audio, voice_info: dict, last: bool = False) -> None:
        if self.buffer and voice_info != self.voice:
            self.flush()
        rate = self.info.setdefault("sample_rate", audio.sample_rate)
        if audio.words is None:
            audio.words = estimate(piece.text, audio)
        if audio.sample_rate != rate:
            audio = resample(audio, rate)
        self.buffer.append(audio)
        self.pieces.append(piece)
        self.voice = voice_info
        if self.buffered() >= self.target and not last:  # the last piece: the caller's flush(last=True)
            self.flush()

    def flush(self, last: bool = False) -> None:
        """The buffered pieces as the next part. `last`: the recording's, which is held for the
        whole recording when no one can be listening to it before that is stored."""
        if not self.buffer:
            return
        info = self.info
        pauses = [p.pause for p in self.pieces]
        audio = _with_tail(concat(self.buffer, gaps=pauses[:-1]), pauses[-1])
        start = info["seconds"]
        for k, span in zip(_tokens_of(self.pieces), audio.words or []):
            if span is not None and self.where is not None and k < len(self.where):
                _heard(info["words"], _shared(self.where[k], start + span[0], start + span[1]))
        if self.timeline is not None:
            info["sentences"] = self.timeline.update(info["words"])
        part = Part(PART.format(len(info["parts"])), to_wav(audio))
        info["parts"].append({"file": part.name, "start": round(start, 3), "seconds": round(audio.seconds, 3),
                              "voice": self.voice})
        info["seconds"] = round(start + audio.seconds, 3)
        self.take.parts.append(part)
        self.target = _next_target(audio.seconds)
        self.buffer, self.pieces = [], []
        if self.on_part is None:
            return
        if last and self._unheard_until_whole(start):
            self.take.held.append(part)
            return
        if start == 0:  # listening starts no earlier than this publication
            self.first_at = time.monotonic()
        self.on_part(dict(info), part)

    def _unheard_until_whole(self, start: float) -> bool:
        """No listener reaches `start` seconds into the recording before the whole is stored: none
        began before this invocation published the first part, none plays faster than
        MAX_LISTENING_RATE, and the whole follows within the join's reserve (its margin covers a
        poll's delay). Never when an earlier invocation published the first part: a listener
        may be anywhere by now."""
        if self.first_at is None:
            return False
        return time.monotonic() - self.first_at + _assembly_seconds(self.info, []) < start / MAX_LISTENING_RATE


def read_along(info: dict) -> tuple[list[dict], list[dict]]:
    """A recording's word and sentence timings (CONTRACTS sections 10 and 14) from its `info`."""
    return list(info.get("words") or []), list(info.get("sentences") or [])


def unspoken(codes: Sequence[str]) -> dict:
    """result["unspoken"]: the languages of text left unspoken for want of a voice, and what a
    person is told of it."""
    names = [languages.get(c).name if languages.get(c) else c for c in codes]
    return {"languages": list(codes), "message": f"Not read aloud: PageVoice has no voice for {' or '.join(names)}."}


def _shared(words: list[tuple[dict, int]], start: float, end: float) -> list[dict]:
    """Timings of the result's words that one spoken word is, its time shared by weight."""
    total = sum(max(1, weight) for _, weight in words)
    out, at = [], start
    for word, weight in words:
        until = at + (end - start) * max(1, weight) / total
        out.append({**word, "start": round(at, 3), "end": round(until, 3)})
        at = until
    return out


def _heard(words: list[dict], entries: list[dict]) -> None:
    """`entries` added to the recording's word timings; one for the same written word as the last
    (a formula said in many words, a long word cut into pieces) lengthens it instead, so that
    word is lit once, from its first sound to its last."""
    for entry in entries:
        last = words[-1] if words else None
        if last is not None and all(last.get(k) == entry.get(k) for k in ("page", "line", "word")) \
                and entry["start"] >= last["start"]:
            last["end"] = max(last["end"], entry["end"])
        else:
            words.append(entry)


def _tokens_of(pieces) -> list[int]:
    """The text's word index of each word in the buffered pieces, in order."""
    return [k for piece in pieces for k in piece.tokens]


def _seconds(buffer: list[Audio]) -> float:
    return sum(a.seconds for a in buffer) + GAP_SECONDS * len(buffer)


def _next_target(last_seconds: float) -> float:
    return min(MAX_PART_SECONDS, max(4.0, last_seconds * PART_GROWTH))


def _assembly_seconds(info: dict, buffer: list[Audio]) -> float:
    return ASSEMBLY_MARGIN_SECONDS + (info["seconds"] + _seconds(buffer)) / ASSEMBLY_REALTIME


def _with_tail(audio: Audio, pause: float = GAP_SECONDS) -> Audio:
    """A part ends with the pause that follows its last piece, so parts back to back are the
    whole recording (pieces are joined with that pause)."""
    tail = np.zeros(int(audio.sample_rate * pause), dtype=np.int16)
    return Audio(np.concatenate([audio.samples, tail]), audio.sample_rate, audio.words)


def _word_ends(text: str) -> list[int]:
    """Where each word of `text` ends (how much is spoken once it is)."""
    ends, pos = [], 0
    for word in text.split():
        pos = text.index(word, pos) + len(word)
        ends.append(pos)
    return ends


def estimate(text: str, audio: Audio) -> list[tuple[float, float]]:
    """Word timings for a voice that gives none (gTTS): the piece's sound, from its first to its
    last loud frame, shared among the words by length (letters, plus one for the space)."""
    words = text.split()
    if not words:
        return []
    loud = _loud_span(audio)
    start, end = loud if loud else (0.0, audio.seconds)
    weights = np.array([len(w) + 1 for w in words], dtype=float)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def _loud_span(audio: Audio) -> tuple[float, float] | None:
    frame = max(1, audio.sample_rate // 100)
    n = len(audio.samples) // frame
    if n == 0:
        return None
    energy = np.abs(audio.samples[: n * frame].astype(np.float32)).reshape(n, frame).mean(axis=1)
    loud = np.nonzero(energy > max(200.0, 0.05 * float(energy.max())))[0]
    if not len(loud):
        return None
    return loud[0] * frame / audio.sample_rate, (loud[-1] + 1) * frame / audio.sample_rate


def whole(parts: Iterable[bytes], sample_rate: int | None = None):
    """The parts (WAV bytes, in order) joined: (speech.wav file, speech.mp3 file), each a
    rewound temporary file (chalicelib.media.audio.RecordingWriter)."""
    from chalicelib.media.audio import RecordingWriter

    writer = None
    for data in parts:
        with wave.open(io.BytesIO(data), "rb") as w:
            rate, frames = w.getframerate(), w.readframes(w.getnframes())
        if writer is None:
            writer = RecordingWriter(sample_rate or rate)
        writer.write(np.frombuffer(frames, dtype="<i2"))
    if writer is None:
        raise ValueError("no parts to join")
    return writer.close()


def speak(text: str, *, language: str = "en", tts_engine: str | None = None, deadline: float | None = None,
          lexicon: Sequence[dict] | None = None, voices: Mapping[str, str] | None = None) -> Recording:
    """Text -> one WAV in `language`'s voice, for short texts (a number, the CLI). The recording
    stops after the piece that ends past `deadline` or past `settings.limits.tts_max_seconds`
    of synthesis, and `info["complete"]` says so. Empty text, or a language without a voice, is
    not an error: no WAV (`info["unspoken"]` names the language)."""
    s = settings.get()
    end = time.monotonic() + s.limits.tts_max_seconds
    if deadline is not None:
        end = min(end, deadline)
    voices = Voices(tts_engine, voices)
    engine = voices.engine(language)
    if engine is None:
        return Recording(None, {"unspoken": [language]} if text.strip() else None)
    parts, spoken, complete = [], 0, True
    said_by, changed = (pronunciation.Lexicon(lexicon) if lexicon else None), {}
    for piece in spans(text):
        if parts and time.monotonic() >= end:
            complete = False
            break
        audio, _ = _synthesize(engine, piece.text, said_by, changed)
        spoken += len(piece.text) + (1 if spoken else 0)
        if len(audio.samples):
            parts.append(audio)
    if not parts:
        return Recording(None, None)
    audio = concat(parts)
    return Recording(to_wav(audio), {"engine": engine.name, "seconds": round(audio.seconds, 2),
                                     "characters": spoken, "complete": complete,
                                     "voice": voices.voice(language).public(language), **changed})


def warm_up() -> None:
    """Load the configured voice now."""
    tts.get_engine(settings.get().worker.tts_engine)
