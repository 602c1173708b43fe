"""The TTS engine protocol, text splitting and WAV encoding shared by every engine."""
from __future__ import annotations

import io
import math
import re
import subprocess
import tempfile
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from chalicelib.errors import Internal
from chalicelib.structure.sentences import split as split_sentences

# Piper turns unpunctuated text into one utterance: 2,800 characters took 6.4 GB.
# Pieces of this size on word boundaries keep it under ~400 MB.
MAX_PIECE_CHARS = 200

_LINE_BREAKS = re.compile(r"(\s*\n\s*)")
_CLAUSE_END = re.compile(r"(?<=[;:])\s+")


@dataclass
class Audio:
    samples: np.ndarray  # int16, mono
    sample_rate: int
    # When each word of the text (its whitespace-separated tokens, in order) is heard, in
    # seconds from the start of `samples`; None for a word not spoken. The whole list is None
    # when the engine cannot tell (the caller then estimates: chalicelib.kinds.voice).
    words: list[tuple[float, float] | None] | None = None

    @property
    def seconds(self) -> float:
        return len(self.samples) / float(self.sample_rate) if self.sample_rate else 0.0


class TtsEngine(Protocol):
    """What the pipeline needs of a TTS engine. Load models in `__init__` (once per process)."""

    name: str
    version: str

    def synthesize(self, text: str) -> Audio:
        """Non-empty text -> mono int16 audio, with `words` timings when the engine knows them."""


GAP_SECONDS = 0.12  # between pieces, so sentences do not run together
# Longer silences after a piece that ends a paragraph, a heading, a chapter's heading: the
# text marks them with two, three or four line breaks (chalicelib.structure.spoken).
PAUSES = {1: GAP_SECONDS, 2: 0.45, 3: 0.75, 4: 1.2}


@dataclass(frozen=True)
class Piece:
    text: str
    tokens: tuple[int, ...]  # for each word of `text`, the index of the word of the whole text it is (part of)
    pause: float = GAP_SECONDS  # the silence after it


def pieces(text: str, limit: int = MAX_PIECE_CHARS, language: str = "en") -> Iterator[str]:
    """Sentences (and OCR lines, and clauses after ; and :), then pieces of at most `limit`
    characters on word boundaries."""
    for piece in spans(text, limit, language):
        yield piece.text


def spans(text: str, limit: int = MAX_PIECE_CHARS, language: str = "en") -> Iterator[Piece]:
    """`pieces`, each with the indexes of the text's words it holds (read-along timings map
    back through them). Sentences are `language`'s as the recording's sentences are
    (chalicelib.structure.sentences.split: "Dr. Lee" or "e.g. this" is not cut). A single word
    longer than `limit` (a URL, a run of digits) is cut hard: its pieces all point at that word."""
    index = 0
    lines = _LINE_BREAKS.split(text)
    for line, breaks in zip(lines[::2], [*lines[1::2], ""]):
        said = [clause for sentence in _sentences(line, language) for clause in _CLAUSE_END.split(sentence)]
        for k, sentence in enumerate(said):
            pause = PAUSES[min(4, max(1, breaks.count("\n")))] if k == len(said) - 1 else GAP_SECONDS
            for piece in _bounded(sentence, index, limit, pause):
                index = piece.tokens[-1] + 1
                yield piece


def _sentences(line: str, language: str) -> list[str]:
    """The line's sentences, cut only between words (so its words stay the text's: Chinese
    sentences without spaces between them stay one piece)."""
    cuts = [0] + [a for a, _ in split_sentences(line, language) if a > 0 and line[a - 1].isspace()]
    return [line[a:b] for a, b in zip(cuts, [*cuts[1:], len(line)])]


def _bounded(sentence: str, index: int, limit: int, pause: float) -> Iterator[Piece]:
    """A sentence (its first word the text's `index`-th) in pieces of at most `limit` characters
    on word boundaries, `pause` after the last."""
    words, ids = [], []
    for word in sentence.split():
        while len(word) > limit:
            if words:
                yield Piece(" ".join(words), tuple(ids))
                words, ids = [], []
            yield Piece(word[:limit], (index,))
            word = word[limit:]
        if words and len(" ".join(words)) + 1 + len(word) > limit:
            yield Piece(" ".join(words), tuple(ids))
            words, ids = [], []
        words.append(word)
        ids.append(index)
        index += 1
    if words:
        yield Piece(" ".join(words), tuple(ids), pause)


def concat(parts: list[Audio], gap_seconds: float = GAP_SECONDS, gaps: list[float] | None = None) -> Audio:
    """Join pieces with a short silence (`gaps[i]`: the one after piece i, else `gap_seconds`);
    word timings follow their piece (None when any piece has none)."""
    if not parts:
        raise ValueError("no audio to join")
    rate = parts[0].sample_rate
    chunks: list[np.ndarray] = []
    words: list | None = []
    offset = 0
    for i, part in enumerate(parts):
        if part.sample_rate != rate:
            raise ValueError("pieces differ in sample rate")
        if i:
            gap = np.zeros(int(rate * (gaps[i - 1] if gaps else gap_seconds)), dtype=np.int16)
            chunks.append(gap)
            offset += len(gap)
        chunks.append(part.samples.astype(np.int16, copy=False))
        if words is not None and part.words is not None:
            t0 = offset / rate
            words.extend(None if w is None else (w[0] + t0, w[1] + t0) for w in part.words)
        else:
            words = None
        offset += len(part.samples)
    return Audio(np.concatenate(chunks), rate, words)


# Half-width, in input samples at the output's bandwidth, of the resampling filter: 16 taps a
# side keep speech's band flat and what folds back under -60 dB.
_RESAMPLE_HALF_TAPS = 16
_RESAMPLE_BLOCK = 1 << 15  # output samples per step: bounds the work array to a few MB


def resample(audio: Audio, rate: int) -> Audio:
    """The audio at another sample rate (int16 mono; word timings are seconds: kept).

    Band-limited interpolation (a Kaiser-windowed sinc, cut at the lower of the two Nyquist
    frequencies, so downsampling does not alias). The rates' ratio is rational: the output
    samples fall on `rate / gcd` distinct phases between input samples, one filter each."""
    src = audio.sample_rate
    if rate == src:
        return audio
    if rate <= 0 or src <= 0:
        raise ValueError("sample rates must be positive")
    x = np.asarray(audio.samples, dtype=np.float64)
    n_out = int(round(len(x) * rate / src))
    if not n_out:
        return Audio(np.zeros(0, dtype=np.int16), rate, audio.words)
    g = math.gcd(src, rate)
    step, phases = src // g, rate // g  # output n is at input (n * step) / phases
    scale = min(1.0, rate / src)
    half = int(math.ceil(_RESAMPLE_HALF_TAPS / scale))
    taps = np.arange(-half + 1, half + 1)
    dist = np.arange(phases)[:, None] / phases - taps[None, :]  # phase's distance to each tap
    bank = scale * np.sinc(scale * dist) * np.i0(8.0 * np.sqrt(np.clip(1 - (dist / half) ** 2, 0, 1))) / np.i0(8.0)
    padded = np.pad(x, (half, half + 1))
    out = np.empty(n_out, dtype=np.float64)
    for a in range(0, n_out, _RESAMPLE_BLOCK):
        pos = np.arange(a, min(n_out, a + _RESAMPLE_BLOCK), dtype=np.int64) * step
        first = pos // phases + half
        out[a:a + len(pos)] = np.einsum("ij,ij->i", padded[first[:, None] + taps[None, :]], bank[pos % phases])
    return Audio(np.clip(np.rint(out), -32768, 32767).astype(np.int16), rate, audio.words)


def to_wav(audio: Audio) -> bytes:
    """RIFF/WAVE, PCM 16-bit, mono (CONTRACTS section 2)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(np.ascontiguousarray(audio.samples, dtype="<i2").tobytes())
    return buf.getvalue()


def wav_info(data: bytes) -> tuple[int, int, int, float]:
    """(channels, sample width in bytes, rate, seconds) of a WAV file; for tests and benchmarks."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes() / w.getframerate()


def program_audio(name: str, command: Callable[[str], list[str]], text: str, *, timeout: int,
                  stdin: bytes | None = None) -> Audio | None:
    """What a voice program (pico2wave, RHVoice-test) said: `command(path)` is its command line
    writing `text` as a mono 16-bit WAV file at `path`, in a temporary folder of its own. None
    when it wrote no file; errors a person can read when it hangs, fails or writes another format."""
    with tempfile.TemporaryDirectory(prefix="pagevoice-voice-") as tmp:
        out = str(Path(tmp) / "speech.wav")
        try:
            done = subprocess.run(command(out), input=stdin, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Internal(f"{name} took more than {timeout} s to speak {len(text)} characters.") from exc
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip().splitlines()[:1]
            raise Internal(f"{name} could not speak this text ({'; '.join(why) or 'no audio'}).")
        if not Path(out).exists():
            return None
        with wave.open(out, "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise Internal(f"{name} wrote audio in an unexpected format.")
            return Audio(np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16), w.getframerate())
