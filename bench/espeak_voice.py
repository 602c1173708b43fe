"""eSpeak NG's voices judged by Whisper base: each language at 150 words a minute, espeak-ng's
defaults otherwise (before), against PageVoice's per-voice delivery (after,
chalicelib/engines/tts/espeak_engine.py DELIVERY), and any other delivery asked for.

    python -m bench.espeak_voice [--languages ar,el,he,hi,ko,th,ru,uk] [--try 130/0/50,150/1/50]

Set: every sentence of the language's UDHR text (tests/data/languages/texts; Thai, which has no
full stops, by paragraph), each spoken alone by EspeakEngine and transcribed by Whisper base
told the language (Whisper returns nothing for some long eSpeak NG clips). Scored by
bench/languages.py's rules: WER (`error_rate`; characters for th) and CER over letters and
digits (`characters`), summed over the sentences. `--try` adds rows, each
words-a-minute/word-gap (10 ms units)/pitch-range (0-100, espeak-ng's default 50).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from bench.languages import Transcriber, characters, edits, error_rate
from bench.pico_voice import udhr

LANGUAGES = "ar,el,he,hi,ko,th,ru,uk"


@dataclass
class Row:
    label: str
    edits: int = 0
    words: int = 0
    char_edits: int = 0
    chars: int = 0
    audio_s: float = 0.0

    def __str__(self) -> str:
        return (f"{self.label:24} WER {self.edits / max(1, self.words):.3f} ({self.edits:3d}/{self.words:3d})"
                f"  CER {self.char_edits / max(1, self.chars):.3f} ({self.char_edits:4d}/{self.chars:4d})"
                f"  audio {self.audio_s:6.1f} s")


def measure(label: str, engine, code: str, transcribe: Transcriber, show: bool = False) -> Row:
    from chalicelib.engines.tts.base import resample

    row = Row(label)
    for sentence in udhr(code):
        audio = resample(engine.synthesize(sentence), 16000)
        got, _ = transcribe(audio.samples.astype(np.float32) / 32768.0, code)
        wrong, n = error_rate(sentence, got, code)
        truth = characters(sentence, code)
        if show and wrong:
            print(f"    {wrong}/{n}: {got.strip()}")
        row.edits, row.words, row.audio_s = row.edits + wrong, row.words + n, row.audio_s + audio.seconds
        row.char_edits, row.chars = row.char_edits + edits(truth, characters(got, code)), row.chars + len(truth)
    print(row, flush=True)
    return row


def engines(code: str, tries: list[str]) -> list[tuple[str, object]]:
    """(label, engine): 150 words a minute with espeak-ng's defaults, DELIVERY's, each of `tries`."""
    from chalicelib.engines.tts.espeak_engine import DELIVERY, Delivery, EspeakConfig, EspeakEngine

    config = EspeakConfig(voice=code)
    out = [(f"{code} before 150/0/50", EspeakEngine(config, delivery=Delivery()))]
    if code in DELIVERY:
        d = DELIVERY[code]
        out.append((f"{code} after {d.words_per_minute}/{d.word_gap}/{d.pitch_range}", EspeakEngine(config)))
    for spec in tries:
        wpm, gap, pitch_range = (int(x) for x in spec.split("/"))
        out.append((f"{code} {spec}", EspeakEngine(config, delivery=Delivery(wpm, gap, pitch_range))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--languages", default=LANGUAGES)
    ap.add_argument("--try", dest="tries", default="", help="more deliveries: wpm/gap/range,...")
    ap.add_argument("--show", action="store_true", help="print what Whisper heard where it erred")
    args = ap.parse_args(argv)
    tries = [s for s in args.tries.split(",") if s.strip()]
    transcribe = Transcriber()
    for code in args.languages.split(","):
        for label, engine in engines(code, tries):
            measure(label, engine, code, transcribe, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
