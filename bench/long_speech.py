"""A long recording through the local stack, transcribed in windows by many workers (issue 56's
Acceptance): WER against the joined truth beside the clips' own WER, words lost or doubled where
windows meet, time to the first text, and the speedup of 2 workers over 1, in one run.

    .venv/bin/python -m bench.long_speech                       # ~60 min of speech: long
    .venv/bin/python -m bench.long_speech --minutes 20          # a shorter recording
    .venv/bin/python -m bench.long_speech --pool DIR            # clips of DIR/manifest.tsv
    .venv/bin/python -m bench.long_speech --pool /work/data/speech-dev2 --workers 2 [--part held-out]
    .venv/bin/python -m bench.long_speech --minutes 3 --book-seconds 60 --window-seconds 60  # a look

The recording: real recordings with known transcripts, one after another with pauses of 0.4 to
1.2 s (seeded), the pool shuffled again each round until `--minutes` are reached, written as a
16 kHz FLAC (lossless: the windows hear what the clips alone hear). The pool is a folder with
`manifest.tsv` (`file, transcript, seconds, source, licence`; `--pool`, default
/work/data/long-speech, whose README says where each clip comes from and its licence), else
speech-dev's five LibriVox clips (Sense and Sensibility, public domain; pocketsphinx-testdata,
BSD-2-Clause), which make a poor hour: 25 s said again and again. speech-dev2's folder
(bench.speech_dev2, issue 78) is a pool too: its clips of one speaker each (a meeting's several
speakers are left out: their words have no order to join in), `--part dev` or `held-out` for
one part, `--groups` for some groups.

Figures:
- the clips' own WER: each clip transcribed alone by the worker's engine (in process),
  weighted by how often the recording says it; the recording's WER: the stack's transcript
  against the joined truth (bench.speech_common's normaliser; goal: no worse than the clips'
  own plus 0.01);
- at the seams (the windows of the job's survey, read from the stack's S3): the two clips on
  either side of each boundary, cut from the recording together (from the middle of the pause
  before them to the middle of the one after) and transcribed alone in this process in one
  piece, beside the stack's words timed there: the piece's words within 2 s of the seam that no
  word of the stack's overlaps in time (0.3 s of slack; lost), and the stack's words there that
  no word of the piece overlaps (doubled): goal 0. A seam can lose or double only the words beside
  it; further away, two transcriptions of the same speech differ anyway (numbers as words or
  digits, a name's spelling, a word the other context hears differently), which the same
  count over the whole piece shows. As a control, both counts for the two clips on either side
  of a point halfway between boundaries (inside a window, where nothing is cut);
- time to the first text (from the upload's end to the first GET /jobs/{id} with text, polled
  every 3 s as the site does), the
  planning (upload's end to "book planned"), the transcription (planned to the last window's
  end) and its speedup with 2 workers over 1 (goal >= 1.7x), seconds of recording per wall
  second, and whether the 1- and 2-worker transcripts are the same;
Each stack is `python -m infra.local` with PAGEVOICE_LOCAL_WORKERS worker processes, none kept
for uploads alone and one for the listener's queue (it takes the first window), Whisper on one
thread each (PAGEVOICE_ASR_THREADS=1: a Lambda of 1,769 MB has one vCPU). Prints every figure
with the load average and the commit; asserts nothing.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.book import allow_batch_send, log_lines  # noqa: E402
from bench.machine import commit, load  # noqa: E402
from bench.speech_common import DEFAULT_DATASETS, normalise, wer_counts  # noqa: E402

RATE = 16000
POOL = Path("/work/data/long-speech")
CACHE = Path(tempfile.gettempdir()) / "pagevoice-bench-long-speech"
FLAC = "audio/flac"
POLL_S = 3.0


@dataclass
class Clip:
    name: str
    text: str
    samples: np.ndarray


@dataclass
class Said:
    clip: int
    start: float
    end: float


def pool(folder: Path, part: str | None = None, groups: set[str] | None = None) -> tuple[list[Clip], str]:
    """The clips (16 kHz mono float32) and where they come from; of a manifest with parts and
    groups (speech-dev2's), those of `part` and `groups` (all when None) and one speaker each."""
    import csv

    import soundfile as sf

    from tests.engines.asr.audiofiles import resample

    manifest = folder / "manifest.tsv"
    if not manifest.is_file():
        speech = DEFAULT_DATASETS / "speech-dev"
        rows = [line.split("\t") for line in (speech / "transcripts.tsv").read_text().splitlines()[1:]]
        rows = [(speech / f, t) for f, t in rows if "librivox" in f and f.endswith(".wav")]
        about = "speech-dev's five LibriVox clips (public domain; pocketsphinx-testdata, BSD-2-Clause)"
    else:
        table = list(csv.DictReader(manifest.open(encoding="utf-8"), delimiter="\t"))
        table = [r for r in table if (part is None or r.get("part") == part)
                 and (groups is None or r.get("group") in groups) and " || " not in r["transcript"]]
        rows = [(folder / r["file"], r["transcript"]) for r in table]
        chosen = "".join(f", {label} {value}" for label, value in (("part", part), ("groups", groups and ",".join(sorted(groups))))
                         if value)
        about = f"{len(rows)} clips of {folder}{chosen} (its README.md says their sources and licences)"
    clips = []
    for path, text in rows:
        data, rate = sf.read(str(path), dtype="float32")
        if data.ndim == 2:
            data = data.mean(axis=1)
        clips.append(Clip(path.name, text, resample(data, rate, RATE)))
    return clips, about


def recording(clips: list[Clip], minutes: float, seed: int = 7) -> tuple[bytes, list[Said], np.ndarray]:
    """The clips joined with pauses until `minutes`, as 16-bit FLAC; what is said where; the samples."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    parts, said, t = [], [], 0.0
    while t < minutes * 60:
        for k in rng.permutation(len(clips)):
            if t >= minutes * 60:
                break
            samples = clips[k].samples
            said.append(Said(int(k), t, t + len(samples) / RATE))
            pause = np.zeros(int(rng.uniform(0.4, 1.2) * RATE), np.float32)
            parts += [samples, pause]
            t += (len(samples) + len(pause)) / RATE
    audio = np.clip(np.concatenate(parts), -1, 1)
    buf = io.BytesIO()
    pcm = (audio * 32767).astype(np.int16)
    sf.write(buf, pcm, RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue(), said, pcm.astype(np.float32) / 32767.0


def alone(clips: list[Clip]) -> tuple[list[list[str]], bool]:
    """Each clip's own transcript (normalised words), by the worker's engine in this process;
    kept in CACHE by the engine's version and the clip (a second run reads them: True)."""
    from chalicelib.engines import asr

    engine = asr.get_engine("whisper")
    path = CACHE / "alone.json"
    kept = json.loads(path.read_text()) if path.is_file() else {}
    mine = kept.setdefault(engine.version, {})
    cached = all(c.name in mine for c in clips)
    for c in clips:
        if c.name not in mine:
            mine[c.name] = normalise(engine.transcribe(c.samples, RATE, language="en").text)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept))
    return [mine[c.name] for c in clips], cached


def run_stack(workers: int, data: bytes, settings: dict[str, str]) -> dict:
    from infra.local.process import StackProcess
    from tests.stackclient import login, register, send_file

    CACHE.mkdir(parents=True, exist_ok=True)
    log_path = CACHE / f"stack-{workers}w.log"
    log_path.unlink(missing_ok=True)
    env = {"PAGEVOICE_LOCAL_WORKERS": str(workers), "PAGEVOICE_LOCAL_UPLOAD_WORKERS": "0",
           "PAGEVOICE_LOCAL_LISTENER_WORKERS": "1", "PAGEVOICE_ASR_THREADS": "1",
           "PAGEVOICE_REGISTER_LIMIT_PER_IP": "1000", **settings}
    out: dict = {"workers": workers, "load_start": load()}
    _READ.clear()
    with tempfile.TemporaryDirectory() as tmp, StackProcess(Path(tmp) / "state", log_path, extra_env=env) as stack:
        out["granted"] = allow_batch_send(stack)
        headers = login(stack, register(stack, name="Long Speech Bench"))
        r = requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                          json={"filename": "lecture.flac", "content_type": FLAC, "size": len(data), "kind": "speech"})
        assert r.status_code == 201, r.text
        send_file(r.json()["upload"], "lecture.flac", data, FLAC)
        job_id, ended, ended_wall = r.json()["job_id"], time.monotonic(), time.time()
        print(f"  {workers} worker(s): uploaded {len(data) / 1e6:.1f} MB; transcribing ...", file=sys.stderr, flush=True)
        job = {}
        while True:
            job = requests.get(f"{stack.api_url}/jobs/{job_id}", headers=headers, timeout=120).json()
            result = _result(job)
            if "first_text" not in out and result and str(result.get("text") or "").strip():
                out["first_text"] = time.monotonic() - ended
            if job["status"] in ("done", "failed"):
                break
            # As the site polls a growing result (speech.js POLL_GROWING_MS), on the cores the
            # workers are measured on: each GET builds the index (or assembles the result from the
            # windows' files while they are few), and the part files are read once.
            time.sleep(POLL_S)
        out["status"], out["error"] = job["status"], job.get("error")
        out["result"] = _result(job)
        out["done_s"] = time.monotonic() - ended
        lines = log_lines(stack, job_id)
        planned = [ln["t"] for ln in lines if ln.get("msg") == "book planned"]
        read = [ln["t"] for ln in lines if ln.get("msg") == "pages read"]
        if planned and read:
            out["planning_s"] = planned[0] - ended_wall
            out["transcribing_s"] = max(read) - planned[0]
        survey = stack.aws_client("s3").get_object(
            Bucket="pagevoice-local", Key=f"results/{_me(stack, headers)}/{job_id}/book-survey.json")
        out["windows"] = json.loads(survey["Body"].read())["recording"]["windows"]
        out["load_end"] = load()
    return out


def _me(stack, headers) -> str:
    return requests.get(f"{stack.api_url}/me", headers=headers, timeout=30).json()["id"]


_READ: dict[str, object] = {}  # part files read, by name: each read once, as the site does (api.js readParts)


def _result(job: dict) -> dict | None:
    from chalicelib.jobs import growing

    if job.get("result") is not None:
        return job["result"]
    parts = job.get("result_parts")
    if not parts:
        return None

    def read(name: str) -> bytes:
        if name not in _READ:
            _READ[name] = requests.get(parts["urls"][name], timeout=60).content
        return _READ[name]

    return growing.assemble(parts["index"], read)


def pair_at(said: list[Said], t: float) -> tuple[float, float] | None:
    """The two clips on either side of `t` (the clip ending at or before it and the next; for a
    point inside a clip, that clip and the next), from the middle of the pause before them to
    the middle of the pause after: a word timed a little early or late is still theirs."""
    k = next((i for i, s in enumerate(said) if s.end > t), None)
    if k is None or k == 0:
        return None
    first = k - 1 if said[k].start >= t else k
    if first + 1 >= len(said):
        return None
    lo = (said[first - 1].end + said[first].start) / 2 if first else max(0.0, said[first].start - 0.3)
    last = said[first + 1]
    hi = (last.end + said[first + 2].start) / 2 if first + 2 < len(said) else last.end + 0.3
    return lo, hi


def around(samples: np.ndarray, spans: list[tuple[float, float]]) -> list:
    """Each span cut from the recording and transcribed alone, in one piece: (span, its words
    (start, end on the recording's clock, text))."""
    from chalicelib.engines import asr

    engine = asr.get_engine("whisper")
    out = []
    for a, z in spans:
        cut = np.ascontiguousarray(samples[int(a * RATE):int(z * RATE)])
        out.append(((a, z), [(a + w.start, a + w.end, w.text) for seg in engine.transcribe(cut, RATE, language="en").segments
                             for w in seg.words]))
    return out


ZONE_S = 2.0  # a seam's words: those timed within this of it
SLACK_S = 0.3  # two transcriptions of a word may time it this much apart


def _unmatched(words: list, others: list) -> list:
    """The words (start, end, text) that no word of `others` overlaps in time (SLACK_S apart at
    most): a word one transcription has and the other lacks, whatever either spells it."""
    return [w for w in words if not any(o[0] < w[1] + SLACK_S and w[0] < o[1] + SLACK_S for o in others)]


def differ(result: dict, alone: list, points: list[float]) -> dict:
    """The stack's transcript against each piece transcribed alone (span, words): the words of
    the piece that the stack's lack (lost) and the stack's words the piece lacks (doubled), by
    time, within ZONE_S of the piece's point (its seam, or its control point) and over the whole
    piece."""
    heard = [(w["start"], w["end"], w["text"]) for seg in result.get("segments") or [] for w in seg.get("words") or []]
    out = {"lost": 0, "doubled": 0, "lost_piece": 0, "doubled_piece": 0, "diffs": []}
    for ((a, z), words), t in zip(alone, points):
        here = [w for w in heard if a <= w[0] < z]
        lost, extra = _unmatched(words, here), _unmatched(here, words)
        near = [sum(w[1] >= t - ZONE_S and w[0] <= t + ZONE_S for w in found) for found in (lost, extra)]
        out["lost"], out["doubled"] = out["lost"] + near[0], out["doubled"] + near[1]
        out["lost_piece"], out["doubled_piece"] = out["lost_piece"] + len(lost), out["doubled_piece"] + len(extra)
        if any(near):
            out["diffs"].append((t, " ".join(w[2] for w in words), " ".join(w[2] for w in here)))
    return out


def score(run: dict, clips: list[Clip], said: list[Said], samples: np.ndarray, cache: dict) -> dict:
    result = run.get("result") or {}
    truth = [w for s in said for w in normalise(clips[s.clip].text)]
    heard = normalise(" ".join(w["text"] for seg in result.get("segments") or [] for w in seg.get("words") or []))
    out = {"wer": wer_counts(truth, heard) / max(1, len(truth)), "words": len(heard), "truth_words": len(truth)}
    windows = run.get("windows") or []
    seams = [(float(b), p) for b, p in ((b, pair_at(said, float(b))) for _, b in windows[:-1]) if p]
    inside = [((float(a) + float(b)) / 2, p) for a, b, p in
              ((a, b, pair_at(said, (float(a) + float(b)) / 2)) for a, b in windows if float(b) - float(a) > 20) if p]
    key = json.dumps(windows)
    if key not in cache:  # the same windows, the same pieces: transcribed once for both runs
        cache[key] = (around(samples, [p for _, p in seams]), around(samples, [p for _, p in inside]))
    at_seams, controls = cache[key]
    out["seams"], out["controls"] = len(seams), len(inside)
    out["at_seams"] = differ(result, at_seams, [t for t, _ in seams])
    out["inside"] = differ(result, controls, [t for t, _ in inside])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--pool", type=Path, default=POOL)
    parser.add_argument("--part", help="a pool's part (speech-dev2: dev or held-out)")
    parser.add_argument("--groups", help="a pool's groups, comma-separated (speech-dev2: children,accents,telephone)")
    parser.add_argument("--workers", default="1,2", help="worker counts, one stack each (default 1,2)")
    parser.add_argument("--book-seconds", type=int, help="PAGEVOICE_RECORDING_BOOK_SECONDS (a quick look: 60)")
    parser.add_argument("--window-seconds", type=int, help="PAGEVOICE_RECORDING_WINDOW_SECONDS")
    parser.add_argument("--rescore", action="store_true",
                        help="score the runs an earlier run kept (CACHE/run-*w.json) again, running no stack")
    args = parser.parse_args(argv)
    settings = {name: str(value) for name, value in (("PAGEVOICE_RECORDING_BOOK_SECONDS", args.book_seconds),
                                                     ("PAGEVOICE_RECORDING_WINDOW_SECONDS", args.window_seconds))
                if value is not None}
    clips, about = pool(args.pool, args.part, set(args.groups.split(",")) if args.groups else None)
    data, said, samples = recording(clips, args.minutes)
    print(f"# bench.long_speech at {commit()}: {said[-1].end / 60:.1f} min of speech ({len(said)} clips said, "
          f"{len(clips)} distinct: {about}), {len(data) / 1e6:.1f} MB FLAC; load {load()}", flush=True)
    t0 = time.process_time()
    own, cached = alone(clips)
    errors = sum(wer_counts(normalise(clips[s.clip].text), own[s.clip]) for s in said)
    words = sum(len(normalise(clips[s.clip].text)) for s in said)
    clips_wer = errors / max(1, words)
    print(f"- the clips alone: WER {clips_wer:.4f} ({errors} / {words} words, weighted by how often each is said; "
          f"{'read from ' + str(CACHE / 'alone.json') if cached else f'{time.process_time() - t0:.0f} CPU s'})", flush=True)
    runs, cache = [], {}
    for n in (int(x) for x in args.workers.split(",")):
        kept = CACHE / f"run-{n}w.json"
        if args.rescore:
            run = json.loads(kept.read_text())
            print(f"- {n} worker(s): the run kept in {kept} (the same recording: --minutes and the pool as then)")
        else:
            run = run_stack(n, data, settings)
            kept.write_text(json.dumps(run))  # what was measured, to score again (--rescore)
        run["score"] = score(run, clips, said, samples, cache)
        runs.append(run)
    report(runs, clips_wer, said[-1].end)
    return 0


def report(runs: list[dict], clips_wer: float, seconds: float) -> None:
    names = " | ".join(f"{r['workers']} worker(s)" for r in runs)
    print(f"\n| figure | {names} |")
    print("|---|" + "---|" * len(runs))
    rows = [("status", lambda r: r["status"] + (f" ({r['error']})" if r.get("error") else "")),
            ("windows", lambda r: str(len(r.get("windows") or []))),
            ("WER (goal <= clips' own + 0.01 = " + f"{clips_wer + 0.01:.4f})", lambda r: f"{r['score']['wer']:.4f}"),
            ("words heard / said", lambda r: f"{r['score']['words']} / {r['score']['truth_words']}"),
            ("seams (and control points inside windows)", lambda r: f"{r['score']['seams']} ({r['score']['controls']})"),
            (f"words lost within {ZONE_S:.0f} s of a seam (goal 0), against the two clips there transcribed alone "
             "in one piece", lambda r: str(r["score"]["at_seams"]["lost"])),
            (f"words doubled within {ZONE_S:.0f} s of a seam (goal 0)", lambda r: str(r["score"]["at_seams"]["doubled"])),
            (f"control: lost / doubled within {ZONE_S:.0f} s of a point inside a window, the same way",
             lambda r: f"{r['score']['inside']['lost']} / {r['score']['inside']['doubled']}"),
            ("over the whole two clips (how two transcriptions of the same speech differ anyway): lost / doubled, "
             "at seams; inside windows", lambda r: f"{r['score']['at_seams']['lost_piece']} / "
                                                   f"{r['score']['at_seams']['doubled_piece']}; "
                                                   f"{r['score']['inside']['lost_piece']} / "
                                                   f"{r['score']['inside']['doubled_piece']}"),
            ("first text (s after the upload's end)", lambda r: _f(r.get("first_text"))),
            ("planning (s, upload's end to planned)", lambda r: _f(r.get("planning_s"))),
            ("transcribing (s, planned to the last window)", lambda r: _f(r.get("transcribing_s"))),
            ("recording s per wall s", lambda r: _f(seconds / r["transcribing_s"] if r.get("transcribing_s") else None, "{:.2f}")),
            ("load at start / end", lambda r: f"{r['load_start']} / {r.get('load_end', '-')}")]
    for name, cell in rows:
        print(f"| {name} | {' | '.join(cell(r) for r in runs)} |")
    one = next((r for r in runs if r["workers"] == 1), None)
    two = next((r for r in runs if r["workers"] == 2), None)
    if one and two and one.get("transcribing_s") and two.get("transcribing_s"):
        print(f"\n- speedup, 2 workers over 1 (transcribing): **{one['transcribing_s'] / two['transcribing_s']:.2f}x** "
              "(goal >= 1.7x)")
        same = [s.get("text") for s in (one["result"] or {}).get("segments") or []] == \
            [s.get("text") for s in (two["result"] or {}).get("segments") or []]
        print(f"- the same transcript with 1 and 2 workers: {'yes' if same else 'NO'}")
    for t, said_alone, said_here in runs[-1]["score"]["at_seams"]["diffs"][:12]:
        print(f"- the seam at {t:.1f} s: the two clips alone \"{said_alone}\"; the stack's \"{said_here}\"")
    for r in runs:
        if r.get("granted"):
            print(f"- NOTE ({r['workers']} worker(s)): sqs:SendMessageBatch granted to {', '.join(r['granted'])}")


def _f(value, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


if __name__ == "__main__":
    raise SystemExit(main())
