"""SVOX Pico's voices judged by Whisper base: Pico at its own pace (before) against PageVoice's
per-voice pace (after, chalicelib/engines/tts/pico_engine.py SPEEDS).

    python -m bench.pico_voice [--languages it,fr,de,es] [--speeds 70,90] [--espeak]

Sets: every sentence of the language's UDHR text (tests/data/languages/texts) and everyday
sentences written for it (bench/voice_sentences.py: signs, letters, instructions, with numbers
and dates; 16 in Italian, the language tuned, 8 in the others). Each sentence is spoken alone
by PicoEngine and transcribed by Whisper base told the language; scored by bench/languages.py's
rules (`error_rate`). `--speeds` adds rows at other paces, `--espeak` eSpeak NG's voice for the language (150 words a minute, as PageVoice speaks it).
CPU: the voice's (pico2wave runs as a child process) and Whisper's, in seconds.
"""
from __future__ import annotations

import argparse
import re
import resource
import time
from dataclasses import dataclass

import numpy as np

from bench import render
from bench.languages import Transcriber, error_rate
from bench.voice_sentences import EVERYDAY

VOICES = {"it": "it-IT", "fr": "fr-FR", "de": "de-DE", "es": "es-ES"}


def udhr(code: str) -> list[str]:
    """Every sentence of the language's UDHR text."""
    return [s for p in render.paragraphs(render.text_of(code)) for s in re.split(r"(?<=[.!?])\s+", p) if s.strip()]


def sets(code: str) -> dict[str, list[str]]:
    return {"udhr": udhr(code), "everyday": list(EVERYDAY[code])}


@dataclass
class Row:
    voice: str
    set: str
    edits: int = 0
    words: int = 0
    audio_s: float = 0.0
    voice_cpu_s: float = 0.0
    whisper_cpu_s: float = 0.0

    def __str__(self) -> str:
        return (f"{self.voice:22} {self.set:9} WER {self.edits / max(1, self.words):.3f} "
                f"({self.edits:3d}/{self.words:3d} words)  audio {self.audio_s:6.1f} s  "
                f"CPU voice {self.voice_cpu_s:5.2f} s, Whisper {self.whisper_cpu_s:6.1f} s")


def _cpu() -> tuple[float, float]:
    """(this process's CPU, its finished children's CPU), seconds."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), child.ru_utime + child.ru_stime


def measure(label: str, engine, name: str, sentences: list[str], code: str, transcribe: Transcriber,
            show: bool = False) -> Row:
    from chalicelib.engines.tts.base import resample

    row = Row(label, name)
    for sentence in sentences:
        own, children = _cpu()
        audio = resample(engine.synthesize(sentence), 16000)
        own2, children2 = _cpu()
        got, _ = transcribe(audio.samples.astype(np.float32) / 32768.0, code)
        row.whisper_cpu_s += _cpu()[0] - own2
        row.voice_cpu_s += (own2 - own) + (children2 - children)
        edits, n = error_rate(sentence, got, code)
        if show and edits:
            print(f"    {edits}/{n}: {got.strip()}")
        row.edits, row.words, row.audio_s = row.edits + edits, row.words + n, row.audio_s + audio.seconds
    print(row, flush=True)
    return row


def engines(code: str, speeds: list[int], espeak: bool) -> list[tuple[str, object]]:
    """(label, engine): Pico at its own pace, at PageVoice's, at each of `speeds`; eSpeak NG."""
    from chalicelib.engines.tts.pico_engine import SPEEDS, PicoConfig, PicoEngine

    voice = VOICES[code]
    out = [(f"pico {voice} 100% before", PicoEngine(PicoConfig(voice=voice), speed=100)),
           (f"pico {voice} {SPEEDS.get(voice, 100)}% after", PicoEngine(PicoConfig(voice=voice)))]
    out += [(f"pico {voice} {s}%", PicoEngine(PicoConfig(voice=voice), speed=s)) for s in speeds]
    if espeak:
        from chalicelib.engines.tts.espeak_engine import EspeakConfig, EspeakEngine

        out.append((f"espeak {code}", EspeakEngine(EspeakConfig(voice=code))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--languages", default="it,fr,de,es")
    ap.add_argument("--speeds", default="", help="more paces to try, in percent: 70,90")
    ap.add_argument("--espeak", action="store_true", help="eSpeak NG's voice too, for comparison")
    ap.add_argument("--show", action="store_true", help="print what Whisper heard where it erred")
    args = ap.parse_args(argv)
    speeds = [int(s) for s in args.speeds.split(",") if s.strip()]
    transcribe = Transcriber()
    for code in args.languages.split(","):
        for label, engine in engines(code, speeds, args.espeak):
            for name, sentences in sets(code).items():
                measure(label, engine, name, sentences, code, transcribe, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
