"""Every shipped neural and standard voice judged (issue 59): is it understood, what does it cost.

    nice -n 10 .venv/bin/python -m bench.voices                         # every voice, every sentence
    nice -n 10 .venv/bin/python -m bench.voices --most 12 --write       # the committed table's run
    nice -n 10 .venv/bin/python -m bench.voices --only en --voices kokoro:af_heart,piper:joe

The voices: each language's in chalicelib/languages/table.tsv and chalicelib/voices/voices.tsv
that are not eSpeak NG's (basic, not judged) or gTTS's (Google's service). Each says its
language's sentences, one at a time, synthesised on one onnxruntime thread (a voice program's
child process counted), and Whisper base told the language transcribes each clip (bench.languages'
Transcriber: the product's engine, with its Hindi prompt).
Material, held out from every choice made for the voices: English, Harvard list 3 (bench.tts's
held-out set, public domain) and the English everyday sentences of tests/data/languages/everyday.tsv;
other languages, that file's everyday sentences with numbers and bench/voice_sentences.py's (fr,
de, es, it), and for languages with fewer than 8 of those the UDHR sentences bench.languages speaks.
Scoring: WER (CER for ja, zh) over the voice's sentences, English words through Whisper's English
normaliser (bench.tts's rule: "eight" is 8), other languages by bench.languages' text rules.
Goals: bench.languages' (<= 0.25 for neural and standard voices). CPU: synthesis seconds per
second of speech. Pitch: the median of the voiced frames' fundamental (autocorrelation, 60-400 Hz),
to tell lower voices from higher ones.
`--write` puts the figures into chalicelib/voices/measured.tsv (rows of voices not run this time
are kept), from which GET /voices takes each voice's quality and cost.
"""
from __future__ import annotations

import argparse
import datetime
import os
import time
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
UNSPACED = frozenset({"ja", "zh", "th"})


def material(code: str) -> list[str]:
    from bench import languages as bl
    from bench.tts import LIST_3
    from bench.voice_sentences import EVERYDAY

    kinds = [list(LIST_3) if code == "en" else [], bl.everyday(code), list(EVERYDAY.get(code, ()))]
    out = [s for row in zip_longest(*kinds) for s in row if s]  # taken in turn: --most keeps every kind
    if len(out) < 8:
        out += [s for s in bl.sentences(code, most=8) if s not in out]
    return out


def judged(codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(language, engine:voice) of every voice judged, by language."""
    from chalicelib import languages
    from chalicelib.voices import shipped

    out = []
    for code in sorted(languages.table()):
        if codes and code not in codes:
            continue
        for voice in shipped(code):
            if voice.quality != "basic" and voice.engine != "gtts":
                out.append((code, f"{voice.engine}:{voice.name}"))
    return out


def errors(truth: str, heard: str, code: str) -> tuple[int, int]:
    from bench import languages as bl
    from bench.speech_common import normalise, wer_counts

    if code == "en":
        t = normalise(truth)
        return wer_counts(t, normalise(heard)), len(t)
    return bl.error_rate(truth, heard, code)


def pitch(samples: np.ndarray, rate: int = 16000) -> float | None:
    """Median fundamental (Hz) of the voiced 40 ms frames: the autocorrelation's highest peak
    between 60 and 400 Hz, where it holds at least half the frame's energy."""
    x = samples.astype(np.float64)
    n, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = rate // 400, rate // 60
    if len(x) < n:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    loud = frames[(frames ** 2).mean(axis=1) > 0.1 * (x ** 2).mean()]
    found = []
    for f in loud:
        f = f - f.mean()
        ac = np.correlate(f, f, "full")[n - 1:]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] >= 0.5 * ac[0]:
            found.append(rate / lag)
    return float(np.median(found)) if found else None


@dataclass
class Run:
    language: str
    voice: str
    edits: int = 0
    n: int = 0
    cpu: float = 0.0
    seconds: float = 0.0
    pitches: list = field(default_factory=list)
    errors: int = 0
    said: list = field(default_factory=list)

    @property
    def unit(self) -> str:
        return "CER" if self.language in UNSPACED else "WER"

    @property
    def rate(self) -> float | None:
        return self.edits / self.n if self.n else None

    @property
    def cpu_per_second(self) -> float | None:
        return self.cpu / self.seconds if self.seconds else None

    @property
    def pitch(self) -> float | None:
        got = [p for p in self.pitches if p]
        return float(np.median(got)) if got else None


def run_voice(code: str, spec: str, sentences: list[str], transcribe) -> Run:
    from bench.languages import _cpu, one_core_voice
    from chalicelib.engines.tts.base import resample

    run = Run(code, spec)
    try:
        engine = one_core_voice(spec)
    except Exception as exc:  # noqa: BLE001 - a voice missing here is reported, not fatal
        print(f"  {spec}: {type(exc).__name__}: {exc}", flush=True)
        run.errors = len(sentences)
        return run
    engine.synthesize("1")  # a first call's one-off set-up is not the voice's cost
    for sentence in sentences:
        before = _cpu()
        try:
            audio = engine.synthesize(sentence)
        except Exception as exc:  # noqa: BLE001
            print(f"  {spec}: {type(exc).__name__}: {exc}", flush=True)
            run.errors += 1
            continue
        run.cpu += _cpu() - before
        run.seconds += audio.seconds
        samples = resample(audio, 16000).samples.astype(np.float32) / 32768
        heard, _ = transcribe(samples, code)
        e, n = errors(sentence, heard, code)
        run.edits, run.n = run.edits + e, run.n + n
        run.pitches.append(pitch(samples))
        run.said.append((sentence, heard))
    return run


def verdict(run: Run) -> str:
    """The goal met or missed; GET /voices' listing is the catalog's (`listed`), from the table."""
    from bench.languages import WER_GOALS
    from chalicelib import languages

    quality = languages.QUALITY[run.voice.partition(":")[0]]
    if run.rate is None:
        return "not run"
    goal = WER_GOALS[quality]
    return f"{quality}: ok (<= {goal})" if run.rate <= goal else f"MISS {quality} (<= {goal})"


def listed(run: Run) -> str:
    """How GET /voices lists the voice with the table as it stands (chalicelib.voices' rules)."""
    from chalicelib import voices

    voices.measured.cache_clear()
    found = voices.find(run.voice, run.language)
    return "not offered" if found is None else found.quality + (" (default)" if found.default else "")


def line(run: Run) -> str:
    rate = "-" if run.rate is None else f"{run.unit} {run.rate:.3f} ({run.edits}/{run.n})"
    cpu = "-" if run.cpu_per_second is None else f"{run.cpu_per_second:.3f}"
    hz = "-" if run.pitch is None else f"{run.pitch:.0f}"
    return f"{run.language:3} {run.voice:24} {rate:>20} {cpu:>6} {hz:>5}  {verdict(run)}"


HEADER = ("# Written by `python -m bench.voices --write` (issue 59): Whisper base's error rate on each\n"
          "# neural and standard voice, its CPU seconds per second of speech (one thread) and median pitch.\n"
          "# chalicelib/voices reads it; bench/README.md says how it was measured.\n")
COLUMNS = ("id", "language", "unit", "errors", "words", "error_rate", "cpu_per_second", "pitch_hz", "run")


def write(runs: list[Run], path: Path, how: str) -> None:
    rows: dict[tuple[str, str], list[str]] = {}
    if path.is_file():
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#") and not raw.startswith("id\t"):
                cells = raw.split("\t")
                rows[(cells[0], cells[1])] = cells
    for r in runs:
        if r.rate is None:
            continue
        rows[(r.voice, r.language)] = [r.voice, r.language, r.unit, str(r.edits), str(r.n), f"{r.rate:.4f}",
                                       "-" if r.cpu_per_second is None else f"{r.cpu_per_second:.3f}",
                                       "-" if r.pitch is None else f"{r.pitch:.0f}", how]
    body = "".join("\t".join(cells) + "\n" for _, cells in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])))
    path.write_text(HEADER + "\t".join(COLUMNS) + "\n" + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from bench.languages import Transcriber
    from chalicelib import voices

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="comma list of language codes")
    ap.add_argument("--voices", default="", help="comma list of engine:voice ids (of those languages)")
    ap.add_argument("--most", type=int, default=0, help="at most this many sentences a voice (0: all)")
    ap.add_argument("--write", action="store_true", help=f"update {voices.MEASURED.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    wanted = set(filter(None, args.voices.split(",")))
    todo = [(c, v) for c, v in judged(list(filter(None, args.only.split(",")))) if not wanted or v in wanted]
    todo.sort(key=lambda cv: cv[0] != "en")  # English first: most of the voices
    started, load = time.monotonic(), os.getloadavg()[0]
    transcribe = Transcriber()
    runs = []
    day = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    how = f"{day} bench.voices" + (f" --most {args.most}" if args.most else "")
    for code, spec in todo:
        sentences = material(code)[:args.most or None]
        run = run_voice(code, spec, sentences, transcribe)
        runs.append(run)
        print(line(run), flush=True)
        if args.write:  # voice by voice: a run stopped half way keeps what it measured
            write([run], voices.MEASURED, how)
    print(f"\n{len(runs)} voices, {os.cpu_count()} CPUs, load average at start {load:.1f}, "
          f"{time.monotonic() - started:.0f} s\n")
    print(f"{'lang':3} {'voice':24} {'error rate':>20} {'CPU/s':>6} {'Hz':>5}  verdict; GET /voices lists it as")
    for run in runs:
        print(f"{line(run)}; {listed(run)}")
    if args.write:
        print(f"\nwritten: {voices.MEASURED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
