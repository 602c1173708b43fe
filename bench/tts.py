"""How well the default voice is understood: Harvard sentences through the `tts` command, judged
by Whisper base, paired against an older commit in the same run (issue 55 item 7).

    nice -n 10 .venv/bin/python -m bench.tts                       # held-out set, 9 runs, paired with 1e55a26
    nice -n 10 .venv/bin/python -m bench.tts --base none --set tune --runs 5
    nice -n 10 .venv/bin/python -m bench.tts --judge product       # the product's own Whisper engine as judge

Each run speaks the set's sentences as one text with `python -m chalicelib tts - -o X.wav` (a
fresh process, the product's defaults: piper's joe voice with its noise scales, so every
synthesis differs) in this working tree and, with `--base REV`, in a temporary worktree of REV
(bytecode compiled, removed at the end); the two sides take turns (base first on even runs) so
the machine's load falls on both alike. Every recording is judged by one judge, loaded once in
this process, so the two sides differ by their voice path only:

- `fixed` (default): faster-whisper on Whisper base (int8, the product's joined model files),
  plain Whisper decoding: language en, beam 5, no VAD, Whisper's 30 s window, no conditioning on
  previous text. It does not change when the product's speech-to-text engine changes.
- `product`: this checkout's speech-to-text engine (chalicelib.engines.asr.whisper, told en), as
  bench.languages' Transcriber uses it. Its windows, VAD and filters are its own and change with
  it: a change there moves this figure without the voice changing.

WER: both sides through Whisper's English normaliser (bench.speech_common.normalise), word edit
distance over the set's words, per run. Printed: first whether the two sides' `tts` commands
write byte-identical WAVs with piper's noise scales at zero (then the voice path gives piper the
same pieces and pauses, and the sides differ only by the voice's random sampling); each run's WER
per side; then per side the median and range over the runs (and all runs' words pooled), and
the median of the paired differences (now - base). The voice samples noise: a median of 9 moves
by ~0.03 from run to run with nothing changed (bench/README.md, "The voice's intelligibility").

The sets (Harvard sentences, IEEE 1969, public domain), never mixed:
- `tune`: lists 1 and 2 (bench.run.HARVARD, 20 sentences): anything chosen for the voice is
  chosen on these, and bench.tts_cpu and bench.run speak them too.
- `held-out` (default): list 3 (10 sentences): only reported.
- `check`: lists 4 and 5 (20 sentences): held out too, a second look at the same question.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from bench.speech_common import normalise, wer_counts
from bench.trees import worktree

ROOT = Path(__file__).resolve().parents[1]
BASE = "1e55a26"  # before this wave's changes to the voice path (issue 55 item 7's reference)

LIST_3 = [
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.",
    "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.",
    "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.",
    "Read verse out loud for pleasure.",
]
LISTS_4_5 = [
    "Hoist the load to your left shoulder.",
    "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.",
    "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.",
    "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.",
    "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.",
    "What joy there is in living.",
    "A king ruled the state in the early days.",
    "The ship was torn apart on the sharp reef.",
    "Sickness kept him home the third week.",
    "The wide road shimmered in the hot sun.",
    "The lazy cow lay in the cool grass.",
    "Lift the square stone over the fence.",
    "The rope will bind the seven books at once.",
    "Hop over the fence and plunge in.",
    "The friendly gang left the drug store.",
    "Mesh wire keeps chicks inside.",
]


def sets() -> dict[str, list[str]]:
    from bench.run import HARVARD

    return {"tune": [s.strip() + "." for s in HARVARD.split(".") if s.strip()],
            "held-out": LIST_3, "check": LISTS_4_5}


# ------------------------------------------------------------------ speaking


def speak(tree: Path, text: str, out: Path, deterministic: bool = False) -> float:
    """`text` through the `tts` command of the tree (its own chalicelib): the WAV in `out`; wall
    seconds. `deterministic`: piper's noise scales zero (the same text gives the same bytes)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}  # chalicelib.engines switches telemetry off
    env.pop("PAGEVOICE_TTS_DETERMINISTIC", None)  # the product's voice, noise and all
    if deterministic:
        env["PAGEVOICE_TTS_DETERMINISTIC"] = "1"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "chalicelib", "tts", "-", "-o", str(out)], cwd=tree, env=env,
                          input=text, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"tts in {tree}: {done.stderr[-2000:]}")
    return time.perf_counter() - t


def samples_16k(wav_bytes: bytes) -> np.ndarray:
    from chalicelib.engines.tts.base import Audio, resample

    with wave.open(io.BytesIO(wav_bytes)) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError("expected mono 16-bit")
        rate, x = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return resample(Audio(x, rate), 16000).samples.astype(np.float32) / 32768


# ------------------------------------------------------------------ judging

class FixedJudge:
    """Whisper base with plain decoding, independent of the product's speech-to-text settings."""

    name = "fixed (Whisper base, faster-whisper, beam 5, no VAD, 30 s window)"

    def __init__(self) -> None:
        from faster_whisper import WhisperModel

        from chalicelib.engines.asr.whisper import assemble_base

        model = assemble_base(Path("~/.cache/pagevoice").expanduser())
        self._model = WhisperModel(str(model), device="cpu", compute_type="int8", cpu_threads=2)

    def __call__(self, audio: np.ndarray) -> str:
        segments, _ = self._model.transcribe(audio, language="en", beam_size=5, vad_filter=False,
                                             condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments)


class ProductJudge:
    name = "product (this checkout's chalicelib.engines.asr.whisper, told en)"

    def __init__(self) -> None:
        from bench.languages import Transcriber

        self._t = Transcriber()

    def __call__(self, audio: np.ndarray) -> str:
        return self._t(audio, "en")[0]


def wer(truth: str, heard: str) -> tuple[int, int]:
    ref = normalise(truth)
    return wer_counts(ref, normalise(heard)), len(ref)


# ------------------------------------------------------------------ the run

def run(sentences: list[str], runs: int, base: str | None, judge, work: Path, log=print) -> dict:
    text = " ".join(sentences)
    rows: dict = {"now": []}
    with worktree(base) as base_tree:
        sides = {"now": ROOT}
        if base:
            sides = {"base": base_tree, "now": ROOT}
            rows["base"] = []
            rows["same_without_noise"] = same_without_noise(sides, text, work)
            log("with piper's noise scales zero, the two sides' WAVs are "
                + ("byte-identical: any difference below is the voice's sampling noise" if rows["same_without_noise"]
                   else "different: the voice path changed what piper says"), flush=True)
        for r in range(runs):
            order = list(sides) if r % 2 == 0 else list(sides)[::-1]
            for side in order:
                out = work / f"{side}-{r}.wav"
                seconds = speak(sides[side], text, out)
                heard = judge(samples_16k(out.read_bytes()))
                e, n = wer(text, heard)
                rows[side].append({"run": r, "wer": e / n, "edits": e, "words": n, "tts_s": seconds, "heard": heard})
                log(f"run {r + 1}/{runs} {side:4s}: WER {e / n:.3f} ({e}/{n})  {heard}", flush=True)
    return rows


def same_without_noise(sides: dict[str, Path], text: str, work: Path) -> bool:
    """Whether each side's `tts` command writes the same bytes with noise scales of zero."""
    made = []
    for side, tree in sides.items():
        speak(tree, text, work / f"{side}-noiseless.wav", deterministic=True)
        made.append((work / f"{side}-noiseless.wav").read_bytes())
    return all(m == made[0] for m in made)


def summary(rows: dict) -> dict:
    out = {}
    for side in ("base", "now"):
        rs = rows.get(side)
        if rs is None:
            continue
        w = [r["wer"] for r in rs]
        out[side] = {"median": statistics.median(w), "min": min(w), "max": max(w), "runs": len(w),
                     "pooled": sum(r["edits"] for r in rs) / sum(r["words"] for r in rs)}
    if "base" in rows:
        diffs = [n["wer"] - b["wer"] for b, n in zip(rows["base"], rows["now"])]
        out["paired_diff_median"] = statistics.median(diffs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tts", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default=BASE, help=f"commit to pair against (default {BASE}); 'none' for this tree alone")
    ap.add_argument("--runs", type=int, default=9, help="syntheses per side (default 9)")
    ap.add_argument("--set", choices=("held-out", "check", "tune"), default="held-out")
    ap.add_argument("--judge", choices=("fixed", "product"), default="fixed")
    ap.add_argument("--keep", metavar="DIR", help="keep the recordings and a JSON of the runs in DIR")
    args = ap.parse_args(argv)
    base = None if args.base.lower() == "none" else args.base
    sentences = sets()[args.set]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pv-tts-wav-"))
    work.mkdir(parents=True, exist_ok=True)
    judge = FixedJudge() if args.judge == "fixed" else ProductJudge()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"bench.tts: set {args.set} ({len(sentences)} sentences), {args.runs} runs per side, judge {judge.name}; "
          f"now = working tree at {head}" + (f", base = {base}" if base else ""), flush=True)
    rows = run(sentences, args.runs, base, judge, work)
    s = summary(rows)
    print()
    for side in ("base", "now"):
        if side in s:
            label = base if side == "base" else f"now ({head})"
            print(f"{label:>14s}: median WER {s[side]['median']:.3f} ({s[side]['min']:.3f}-{s[side]['max']:.3f}) "
                  f"over {s[side]['runs']} syntheses (all runs' words together: {s[side]['pooled']:.3f})")
    if "paired_diff_median" in s:
        print(f"{'now - base':>14s}: median of the paired differences {s['paired_diff_median']:+.3f}")
    if args.keep:
        (work / "runs.json").write_text(json.dumps({"args": vars(args), "rows": rows, "summary": s}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
