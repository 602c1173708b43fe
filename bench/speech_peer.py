"""The peer of `bench.speech --peer`: plain faster-whisper, as a user who installs it and runs it
on a recording would (issue 78): the same Whisper base model (int8, CTranslate2) as PageVoice's
engine, and faster-whisper's own defaults for everything else: beam 5, its temperature fallback
(0.0 to 1.0, hotter when a window decodes unsure or repeats), no voice-activity filter, its own
30 s windows, each conditioned on the text before. Two threads, as PageVoice's engine (this
machine's cores). It hears the samples PageVoice's engine hears (the intake's 16 kHz mono), so
what differs is what each does with them. Its fallback samples from an unseeded generator: its
transcript may differ from run to run (printed).
"""
from __future__ import annotations

from chalicelib.engines.asr import whisper
from chalicelib.engines.asr.base import Transcript


class PlainFasterWhisper:
    name = "peer"
    warm_up = whisper.WhisperEngine.warm_up  # one short tone through `transcribe`

    def __init__(self, threads: int = 2) -> None:
        from faster_whisper import WhisperModel

        from chalicelib.plugins import dist_version

        config = whisper.Config()
        path, files, label = whisper._resolve(config)
        self._model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads,
                                   **({"files": files} if files else {}))
        self.version = f"plain faster-whisper {dist_version('faster-whisper')} (its defaults), {label}, int8"

    def transcribe(self, samples) -> Transcript:
        """Its text and language (its segments are not PageVoice's, and it names no command)."""
        segments, info = self._model.transcribe(samples)
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(text=text, language=info.language, processed_s=info.duration)
