"""Speaker diarization (chalicelib/engines/diarization/engine.py): DER on real meetings with
reference turns, CPU, and whether speakers keep their labels when a recording is read in windows.

    .venv/bin/python -m bench.diarization build [--source GIT_DIR]  # the data folder, once
    .venv/bin/python -m bench.diarization [--data DIR] [--threshold T] [--step S] [--window W]

The data (`--data`, default /work/data/diarization; outside the repository), copied by `build`
from a snapshot of pyannote/pyannote-audio (MIT) at commit b749285c5cdd4636b2edc7f766f1352c8dde9369
(its git directory: `--source`, default the `fetch` tool's /work/.mirror/pyannote+pyannote-audio/repo),
each file checked against the SHA-256 below:
- 14 excerpts of 30 s from the AMI Meeting Corpus (CC BY 4.0; Carletta et al. 2005), with RTTM
  and UEM: pyannote's debugging protocol, `tests/data/{trn00..trn09,dev00,dev01,tst00,tst01}.wav`
  and `debug.{train,development,test}.{rttm,uem}` (added in its commit f820edb1; `trñ00.wav` is
  written as trn00.wav, the name its RTTM uses). Speaker ids are AMI participant ids, so excerpts
  that share speakers come from one meeting: {trn00..trn03}, {trn06, trn09}, {trn07, trn08},
  {dev00, dev01}, {tst00, tst01}, and trn04, trn05 alone.
- `src/pyannote/audio/sample/sample.{wav,rttm}` (30 s, 2 speakers; the repository does not say
  where it was recorded; scored separately too). Its UEM (the whole 30 s) is written here.
The same 15 files, list and hashes as /work/diar-wip/data (the colleague's sherpa-onnx run).

Figures:
- DER = (missed + false alarm + confusion) / reference speech, overlap counted, at collar 0 and
  0.25 s (±0.25 s around every reference boundary not scored), each file's speakers mapped
  one-to-one (Hungarian, most time together), summed over files. The scorer is
  /work/diar-wip/der.py's, ported here; it agreed there to the millisecond with pyannote.metrics
  4.2.0 `DiarizationErrorRate(collar=2c, skip_overlap=False)`. `--selftest` runs its cases.
- CPU seconds (process time of `diarize`, all threads) per hour of audio.
- Published, for scale only: pyannote speaker-diarization-3.1 (segmentation-3.0 with WeSpeaker
  ResNet34, AHC) scores DER 18.8% on AMI IHM and 22.7% on AMI SDM (its README's benchmark,
  no collar, overlap counted). Those are full meetings; 30 s excerpts are not comparable (a
  few overlap-heavy minutes weigh as much as an hour there).
- Label changes across windows: the excerpts of each meeting above joined (the sample on its own),
  the whole repeated until it lasts at least `--join-s`, and diarized in windows of `--window`
  seconds, each alone, their voices matched once all are done (kinds.speech.speakers.match, as
  the workers of a long recording and its last one do). In each window the reference speakers
  and the hypothesis labels there are paired one-to-one, most time together (a label two people
  share is one person's: one label for everybody is no way out); a reference speaker counts in a
  window where it speaks at least 2 s, and a change is a window where its label differs from
  its previous counted window's (`changes_in`; until 2026-11-29 this bench counted windows whose
  majority label, shared or not, differed from the first window's: printed as "from the first
  label"). Goal: 0. The control: the same count over the same windows when the whole recording
  is diarized in one call (what the clustering itself confuses, windows or not). DER of both,
  the windows' turns put together. The AMI meetings are reported in two halves by meeting
  (HALVES): A, on which settings were chosen, and B, held out; trn04 and trn05 are meetings of
  one excerpt each, the sample is in neither half.
- The same on conversations made of speech-dev2 (`--pool`, bench.speech_dev2's folder, its
  manifest or, without it, <group>/SPEAKERnnnn_*.wav; skipped when absent): its `accents` and `children` groups (speechocean762, Zhang et al. 2021: free for
  commercial and non-commercial use, CC BY 4.0 on OpenSLR SLR101; 8 speakers of 5 clips each),
  each as two conversations of 4 speakers taking turns, one clip each a round, in a seeded order,
  0.4 s apart. Their reference is the clips' extents, silences included: their DER's miss is
  mostly those silences; the label changes are the figure.
Asserts nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path("/work/data/diarization")
DEFAULT_SOURCE = Path("/work/.mirror/pyannote+pyannote-audio/repo")
PYANNOTE_COMMIT = "b749285c5cdd4636b2edc7f766f1352c8dde9369"
COLLARS = (0.0, 0.25)
PUBLISHED = "pyannote speaker-diarization-3.1, full AMI meetings, no collar: IHM 18.8%, SDM 22.7% (not comparable)"

# file in the data folder -> (path in pyannote-audio, SHA-256)
SOURCES = {
    "debug.development.rttm": ("tests/data/debug.development.rttm",
                               "9667a672072f7d0ad5b647cfaed987d8c52209a4e1ddc252fed06d0b955e7aeb"),
    "debug.development.uem": ("tests/data/debug.development.uem",
                              "b7869a1d5057792eac62e6fddcb7a08ac3233bae456b7d8c44bbcbb5181fb228"),
    "debug.test.rttm": ("tests/data/debug.test.rttm", "eae147d74d3f08002a5028183538eb35e6a7c7a77fe7d87c51eec95852d33161"),
    "debug.test.uem": ("tests/data/debug.test.uem", "97cfb6a474e1cb4a44b00e1acfc78e8d366527dd818bf367c09f23d68c74d559"),
    "debug.train.rttm": ("tests/data/debug.train.rttm", "972ee04414fc7644f26eabe1909d6a0f6a3fa57ab840719ec0112d26f3a957d5"),
    "debug.train.uem": ("tests/data/debug.train.uem", "3c6ff0104fb8a6975b409e02e07d430db77a0301573f736a52180466a79efb1a"),
    "dev00.wav": ("tests/data/dev00.wav", "187386cda67317574da5b30068a8b853e52cc6df0d13abfec381912dfa9e7461"),
    "dev01.wav": ("tests/data/dev01.wav", "13834217e1bd46a581af1b8040018bfba1e65ce1e0b9ee46cdcefa9334b9ddea"),
    "sample.rttm": ("src/pyannote/audio/sample/sample.rttm",
                    "d78fe62c69d8e6dcbb42c26adfce83faccb374c5a1e6d987fe37f85f1c173c87"),
    "sample.wav": ("src/pyannote/audio/sample/sample.wav",
                   "c319b4abca767b124e41432d364fd7df006cb26bb79d09326c487d606a134e6e"),
    "trn00.wav": ("tests/data/tr\u00f100.wav", "2b0ac2846b90199cf0fdaef0c38c26e965651f2fee29e7af13a30a5b84218142"),
    "trn01.wav": ("tests/data/trn01.wav", "b5e8d91105604d25cb05cc3840d015d88bd6689a2acba35506dd0d7dcb00668a"),
    "trn02.wav": ("tests/data/trn02.wav", "2e4ce968332e68cac5ed74cd00f96b63ed6c034667583be34a32a7c2aa260803"),
    "trn03.wav": ("tests/data/trn03.wav", "d12d132a6d4788f85efaa8e18563e575746e6a6fcc928e919c7c0e6a3e0238b2"),
    "trn04.wav": ("tests/data/trn04.wav", "afa4bd13ee05be34953beb594d0d755ba83284c5a742ae27e388952d41c4d0f1"),
    "trn05.wav": ("tests/data/trn05.wav", "ec694aa5c9eea7453263eaf90d38ed921c1b6f8cc4f52897d9a4457a504d668d"),
    "trn06.wav": ("tests/data/trn06.wav", "e70cbed4f13c7971fdf9d424b079d87a25ed1ce3928da0bccd18f143eb4ac359"),
    "trn07.wav": ("tests/data/trn07.wav", "77628cd91dcc27c61f9b709e670f003cb860d597fda56e7ccb0ccbbc42d5a26f"),
    "trn08.wav": ("tests/data/trn08.wav", "a7d3397e82cb1025307f08b0fe8459a9d43fe61f3d9ce674f17819c7450bfac5"),
    "trn09.wav": ("tests/data/trn09.wav", "8e18bc410e6d54a166bbba2ff0b46a222626706788fa222add4f97bca842f822"),
    "tst00.wav": ("tests/data/tst00.wav", "0af781fb566501f7950479fd8bd92329276782c7ac930a03497d553b21c33397"),
    "tst01.wav": ("tests/data/tst01.wav", "a40925742870d05363eb781bd2cf1501fc37883cf003389175a39b24a5b2c7c9"),
}
SAMPLE_UEM = "sample NA 0.000 30.000\n"  # written here: the whole file

# uri, wav, rttm, uem (as /work/diar-wip/data/list.tsv)
LIST = [(f"trn0{i}", f"trn0{i}.wav", "debug.train.rttm", "debug.train.uem") for i in range(10)] + [
    ("dev00", "dev00.wav", "debug.development.rttm", "debug.development.uem"),
    ("dev01", "dev01.wav", "debug.development.rttm", "debug.development.uem"),
    ("tst00", "tst00.wav", "debug.test.rttm", "debug.test.uem"),
    ("tst01", "tst01.wav", "debug.test.rttm", "debug.test.uem"),
    ("sample", "sample.wav", "sample.rttm", "sample.uem"),
]
# excerpts of one meeting (they share AMI participants), joined for the label-change figure
MEETINGS = [("trn00", "trn01", "trn02", "trn03"), ("trn06", "trn09"), ("trn04",), ("trn07", "trn08"),
            ("dev00", "dev01"), ("tst00", "tst01"), ("trn05",), ("sample",)]
# The AMI meetings in two halves (by meeting, fixed 2026-11-29 before any run): the matching's
# settings were chosen on A, B is reported as held out. The sample (not AMI) is in neither.
HALVES = {"trn00+trn01+trn02+trn03": "A", "trn06+trn09": "A", "trn04": "A",
          "trn07+trn08": "B", "dev00+dev01": "B", "tst00+tst01": "B", "trn05": "B"}

Seg = tuple[float, float, str]


# ---------------------------------------------------------------- the data


def build(data: Path, source: Path) -> None:
    """Copy the files from pyannote-audio's git directory at PYANNOTE_COMMIT, checked."""
    data.mkdir(parents=True, exist_ok=True)
    for name, (path, sha) in SOURCES.items():
        blob = subprocess.run(["git", "--git-dir", str(source), "show", f"{PYANNOTE_COMMIT}:{path}"],
                              check=True, capture_output=True).stdout
        if hashlib.sha256(blob).hexdigest() != sha:
            raise SystemExit(f"{path}: SHA-256 {hashlib.sha256(blob).hexdigest()}, expected {sha}")
        (data / name).write_bytes(blob)
    (data / "sample.uem").write_text(SAMPLE_UEM)
    (data / "list.tsv").write_text("# uri\twav\trttm\tuem\n" + "".join("\t".join(r) + "\n" for r in LIST))
    print(f"{len(SOURCES) + 2} files in {data} (pyannote-audio {PYANNOTE_COMMIT[:8]})")


def read_rttm(path: Path) -> dict[str, list[Seg]]:
    out: dict[str, list[Seg]] = defaultdict(list)
    for line in path.read_text().splitlines():
        p = line.split()
        if p and p[0] == "SPEAKER" and float(p[4]) > 0:
            out[p[1]].append((float(p[3]), float(p[3]) + float(p[4]), p[7]))
    return dict(out)


def read_uem(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        p = line.split()
        if len(p) >= 4:
            out[p[0]].append((float(p[2]), float(p[3])))
    return dict(out)


def read_audio(path: Path) -> np.ndarray:
    import soundfile as sf

    x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    if rate != 16000:
        raise SystemExit(f"{path}: {rate} Hz, 16000 expected")
    return np.ascontiguousarray(x[:, 0])


# ---------------------------------------------------------------- the scorer (from der.py)


def _merge(intervals):
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out if e > s]


def _subtract(base, holes):
    holes = _merge(holes)
    out = []
    for s, e in _merge(base):
        cur = s
        for hs, he in holes:
            if he <= cur or hs >= e:
                continue
            if hs > cur:
                out.append((cur, hs))
            cur = max(cur, he)
        if cur < e:
            out.append((cur, e))
    return out


def score(ref: list[Seg], hyp: list[Seg], uem=None, collar: float = 0.0) -> dict[str, float]:
    """Durations: total (reference speech, overlap counted), miss, fa, conf."""
    from chalicelib.engines.diarization.engine import assign

    if uem is None:
        uem = [(min(s for s, _, _ in ref + hyp), max(e for _, e, _ in ref + hyp))] if ref + hyp else []
    scored = _subtract(uem, [(t - collar, t + collar) for s, e, _ in ref for t in (s, e)]) if collar > 0 else _merge(uem)
    bounds = sorted({t for s, e, _ in ref + hyp for t in (s, e)} | {t for s, e in scored for t in (s, e)})
    ref_spk, hyp_spk = sorted({x for *_, x in ref}), sorted({x for *_, x in hyp})
    ri, hi = {x: i for i, x in enumerate(ref_spk)}, {x: i for i, x in enumerate(hyp_spk)}
    pieces = []
    si = 0
    for a, b in zip(bounds[:-1], bounds[1:]):
        mid = (a + b) / 2
        while si < len(scored) and scored[si][1] <= mid:
            si += 1
        if si >= len(scored) or not (scored[si][0] <= mid < scored[si][1]):
            continue
        r = {ri[x] for s, e, x in ref if s <= mid < e}
        h = {hi[x] for s, e, x in hyp if s <= mid < e}
        if r or h:
            pieces.append((b - a, r, h))
    co = np.zeros((len(ref_spk), len(hyp_spk)))
    for d, r, h in pieces:
        for i in r:
            for j in h:
                co[i, j] += d
    mapping = {c: r for r, c in assign(-co) if co[r, c] > 0}
    total = miss = fa = conf = 0.0
    for d, r, h in pieces:
        nr, nh = len(r), len(h)
        correct = sum(1 for j in h if mapping.get(j) in r)
        total += d * nr
        miss += d * max(0, nr - nh)
        fa += d * max(0, nh - nr)
        conf += d * (min(nr, nh) - correct)
    return {"total": total, "miss": miss, "fa": fa, "conf": conf}


def summary(acc: dict[str, float]) -> str:
    t = acc["total"] or 1.0
    return (f"DER {100 * (acc['miss'] + acc['fa'] + acc['conf']) / t:5.1f}%  (miss {100 * acc['miss'] / t:4.1f}, "
            f"FA {100 * acc['fa'] / t:4.1f}, confusion {100 * acc['conf'] / t:4.1f})")


def selftest() -> None:
    """der.py's hand-checked cases."""
    ref = [(0.0, 4.0, "A"), (3.0, 6.0, "B")]
    same = score(ref, [(0.0, 4.0, "x"), (3.0, 6.0, "y")], [(0, 6)])
    assert same["miss"] == same["fa"] == same["conf"] == 0 and same["total"] == 7
    one = score(ref, [(0.0, 6.0, "x")], [(0, 6)])
    assert (one["miss"], one["fa"], one["conf"]) == (1.0, 0.0, 2.0), one
    fa = score(ref, ref + [(6.0, 8.0, "A")], [(0, 8)])
    assert fa["fa"] == 2.0 and fa["miss"] == fa["conf"] == 0
    col = score([(1.0, 3.0, "A")], [(1.2, 3.0, "A")], [(0, 4)], collar=0.25)
    assert col["miss"] == 0 and abs(col["total"] - 1.5) < 1e-9, col
    print("selftest ok")


# ---------------------------------------------------------------- runs


def hyp_of(d, offset: float = 0.0) -> list[Seg]:
    return [(t.start + offset, t.end + offset, f"spk{t.speaker}") for t in d.turns]


def run_files(engine, data: Path, files: list[str] | None) -> None:
    acc = {g: {c: defaultdict(float) for c in COLLARS} for g in ("all", "ami", "sample")}
    audio_s = cpu_s = 0.0
    for uri, wav, rttm, uem in LIST:
        if files and uri not in files:
            continue
        ref = read_rttm(data / rttm).get(uri, [])
        scored = read_uem(data / uem).get(uri)
        x = read_audio(data / wav)
        c0 = time.process_time()
        d = engine.diarize(x)
        cpu_s += time.process_time() - c0
        audio_s += len(x) / 16000
        hyp = hyp_of(d)
        row = []
        for c in COLLARS:
            sc = score(ref, hyp, scored, c)
            for g in ("all", "sample" if uri == "sample" else "ami"):
                for k, v in sc.items():
                    acc[g][c][k] += v
            row.append(100 * (sc["miss"] + sc["fa"] + sc["conf"]) / (sc["total"] or 1))
        print(f"{uri:8s} speakers ref {len({x for *_, x in ref})} hyp {len(d.voices)}  "
              f"DER collar 0 {row[0]:5.1f}%  collar 0.25 {row[1]:5.1f}%", flush=True)
    for g, name in (("all", "all files"), ("ami", "AMI excerpts"), ("sample", "sample")):
        if acc[g][0.0]["total"]:
            for c in COLLARS:
                print(f"{name:13s} collar {c:4.2f} s: {summary(acc[g][c])}")
    if audio_s:
        print(f"CPU {cpu_s:.1f} s for {audio_s:.0f} s of audio: {3600 * cpu_s / audio_s:.0f} CPU s per hour of audio")
    print(f"published: {PUBLISHED}")


def joined(data: Path, uris: tuple[str, ...], join_s: float) -> tuple[np.ndarray, list[Seg]]:
    """The excerpts one after the other, repeated until at least join_s long, and their reference."""
    rows = {r[0]: r for r in LIST}
    pieces, ref, t = [], [], 0.0
    while t < join_s:
        for uri in uris:
            _, wav, rttm, _ = rows[uri]
            x = read_audio(data / wav)
            ref += [(s + t, e + t, spk) for s, e, spk in read_rttm(data / rttm).get(uri, [])]
            pieces.append(x)
            t += len(x) / 16000
    return np.concatenate(pieces), ref


def conversations(pool: Path, seed: int = 0) -> list[tuple[str, np.ndarray, list[Seg]]]:
    """speech-dev2's `accents` and `children` (speechocean762, 8 speakers each, 5 clips a speaker):
    each group as two conversations of 4 speakers taking turns (a round: the 4 in a seeded order,
    one clip each; 0.4 s between clips). Reference: each clip's extent (its silences included)."""
    import csv

    if (pool / "manifest.tsv").exists():
        rows = list(csv.DictReader((pool / "manifest.tsv").open(), delimiter="\t"))
    else:  # the folder without its manifest: <group>/SPEAKERnnnn_<utterance>.wav
        rows = [{"group": f.parent.name, "speaker": f.name.split("_")[0], "file": f"{f.parent.name}/{f.name}"}
                for group in ("accents", "children") for f in sorted((pool / group).glob("SPEAKER*_*.wav"))]
    rng = np.random.default_rng(seed)
    out = []
    for group in ("accents", "children"):
        by: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r["group"] == group:
                by[r["speaker"]].append(r["file"])
        speakers = sorted(by)
        for half in (speakers[:4], speakers[4:]):
            if len(half) < 2:
                continue
            pieces, ref, t = [], [], 0.0
            gap = np.zeros(int(0.4 * 16000), dtype=np.float32)
            for turn in range(min(len(by[s]) for s in half)):
                for spk in rng.permutation(half):
                    x = read_audio(pool / sorted(by[spk])[turn])
                    ref.append((t, t + len(x) / 16000, str(spk)))
                    pieces += [x, gap]
                    t += (len(x) + len(gap)) / 16000
            out.append((f"{group}:{'+'.join(h[-4:] for h in half)}", np.concatenate(pieces), ref))
    return out


def changes_in(ref: list[Seg], turns_of_windows: list[tuple[float, float, list[Seg]]]) -> dict[str, int]:
    """How often a reference speaker's label changes from window to window. In each window the
    reference speakers there and its hypothesis labels are paired one-to-one, most time together
    (Hungarian; a speaker left without a label is "-"), so a label two people share counts for
    one of them only; a reference speaker counts in a window where it speaks at least 2 s.
    "changes": windows where its label differs from its label in its previous counted window
    (the figure, goal 0); "from first": where it differs from its first (as this bench counted
    until 2026-11-29, with the label it overlaps most, shared or not); "pairs": (speaker,
    window) pairs counted."""
    from chalicelib.engines.diarization.engine import assign

    previous: dict[str, str] = {}
    first: dict[str, str] = {}
    out = {"changes": 0, "from first": 0, "pairs": 0}
    speakers_all = sorted({s for *_, s in ref})
    for t0, t1, here in turns_of_windows:
        mine = {spk: [(max(a, t0), min(b, t1)) for a, b, s in ref if s == spk and b > t0 and a < t1]
                for spk in speakers_all}
        present = [spk for spk in speakers_all if mine[spk]]
        hyp = sorted({h for *_, h in here})
        overlap = np.zeros((len(present), len(hyp)))
        for r, spk in enumerate(present):
            for a, b in mine[spk]:
                for ha, hb, h in here:
                    overlap[r, hyp.index(h)] += max(0.0, min(b, hb) - max(a, ha))
        paired = {present[r]: hyp[c] for r, c in assign(-overlap) if overlap[r, c] > 0}
        for r, spk in enumerate(present):
            if sum(b - a for a, b in mine[spk]) < 2.0:
                continue
            label = paired.get(spk, "-")
            most = hyp[int(overlap[r].argmax())] if hyp and overlap[r].max() > 0 else "-"
            out["changes"] += spk in previous and label != previous[spk]
            previous[spk] = label
            out["from first"] += most != first.setdefault(spk, most)
            out["pairs"] += 1
    return out


def diarize_windows(engine, recordings: list[tuple[str, np.ndarray, list[Seg]]], window_s: float,
                    whole: bool = True) -> list[dict]:
    """Each recording diarized as the service diarizes a long recording, each window on its own
    (by whichever worker takes it: kinds.speech.speakers.found), and, the
    control, whole in one call: [{"name", "seconds", "ref", "bounds", "found", "whole"}]."""
    from chalicelib.kinds.speech import speakers

    n = int(window_s * 16000)
    out = []
    for name, x, ref in recordings:
        bounds, found = [], []
        for start in range(0, len(x), n):
            bounds.append((start / 16000, min(len(x), start + n) / 16000))
            found.append(speakers.found(engine, x[start:start + n], start / 16000))
        out.append({"name": name, "seconds": len(x) / 16000, "ref": ref, "bounds": bounds, "found": found,
                    "whole": hyp_of(engine.diarize(x)) if whole else None})
    return out


def count_windows(runs: list[dict], threshold: float, title: str, match=None) -> dict[str, dict[str, int]]:
    """The label-change counts and DER of `runs` (diarize_windows), the windows' voices matched
    once all are done (`match`, default kinds.speech.speakers.match), printed per recording and
    in all; returns the totals per method ("windows", "one call")."""
    from chalicelib.kinds.speech import speakers

    match = match or speakers.match
    keys = ("changes", "from first", "pairs")
    total = {m: dict.fromkeys(keys, 0) for m in ("windows", "one call")}
    acc = {m: {c: defaultdict(float) for c in COLLARS} for m in total}
    print(f"label changes across windows: {title}")
    for run in runs:
        ref, found = run["ref"], run["found"]
        labels = match(found, threshold)
        spans = [(t0, t1, [(a, b, named.get(int(v), "S1")) for a, b, v in w["turns"]])
                 for (t0, t1), w, named in zip(run["bounds"], found, labels)]
        whole = run["whole"]
        hyps = {"windows": [h for *_, hs in spans for h in hs], "one call": whole}
        counts = {"windows": changes_in(ref, spans),
                  "one call": changes_in(ref, [(t0, t1, [h for h in whole if h[1] > t0 and h[0] < t1])
                                               for t0, t1, _ in spans])}
        for m in total:
            for k in keys:
                total[m][k] += counts[m][k]
            for c in COLLARS:
                for k, v in score(ref, hyps[m], None, c).items():
                    acc[m][c][k] += v
        print(f"  {run['name']:24s} {run['seconds']:5.0f} s, {len(spans)} windows: {counts['windows']['changes']} "
              f"changes in {counts['windows']['pairs']} (speaker, window) pairs (one call: "
              f"{counts['one call']['changes']}; from the first label: {counts['windows']['from first']}, one call "
              f"{counts['one call']['from first']}); labels {len({h for *_, hs in spans for *_, h in hs})} (one call "
              f"{len({h for *_, h in whole})}), speakers {len({s for *_, s in ref})}", flush=True)
    for m in total:
        print(f"label changes, {m:8s}: {total[m]['changes']} of {total[m]['pairs']} (speaker, window) pairs (goal 0); "
              f"from the first label {total[m]['from first']}")
    for m in total:
        for c in COLLARS:
            print(f"DER, {m:8s}, collar {c:4.2f} s: {summary(acc[m][c])}")
    return total


def run_windows(engine, recordings: list[tuple[str, np.ndarray, list[Seg]]], window_s: float, title: str,
                halves: dict[str, str] | None = None) -> None:
    """diarize_windows, then count_windows over all, and over each half (`halves`: name -> half)."""
    runs = diarize_windows(engine, recordings, window_s)
    head = f"windows of {window_s:.0f} s each diarized alone, their voices matched once all are done; control: one call"
    for half in sorted(set((halves or {}).values())):
        count_windows([r for r in runs if halves.get(r["name"]) == half], engine.config.threshold,
                      f"{title}, {half} ({head})")
    if halves:
        rest = [r for r in runs if r["name"] not in halves]
        if rest:
            count_windows(rest, engine.config.threshold, f"{title}, in no half ({head})")
    else:
        count_windows(runs, engine.config.threshold, f"{title} ({head})")


def run_cost(engine, data: Path) -> None:
    """What speakers add to a recording's transcription, as a worker pays it: each file (the 15
    excerpts: meetings, several voices) transcribed by the worker's ASR engine on one thread (a
    Lambda of 1,769 MB has one vCPU) and diarized, process CPU of each, per hour of audio."""
    from chalicelib import settings
    from chalicelib.engines import asr

    os.environ["PAGEVOICE_ASR_THREADS"] = "1"
    whisper = asr.get_engine(settings.get().worker.asr_engine)
    heard = said = seconds = 0.0
    for row in (data / "list.tsv").read_text().splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        x = read_audio(data / row.split("\t")[1])
        t0 = time.process_time()
        whisper.transcribe(x, 16000)
        t1 = time.process_time()
        engine.diarize(x)
        said, heard, seconds = said + t1 - t0, heard + time.process_time() - t1, seconds + len(x) / 16000
    per_hour = 3600.0 / seconds
    print(f"transcription ({whisper.name}, 1 thread) {said * per_hour:.0f} CPU s per hour of audio; speakers "
          f"{heard * per_hour:.0f}; with speakers {(said + heard) / said:.2f}x (goal <= 1.3x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.diarization", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", nargs="?", default="run", choices=("run", "build"))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="pyannote-audio's git directory (build)")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--step", type=float, default=None, help="segmentation step, seconds")
    ap.add_argument("--piece", type=float, default=None, help="embedding piece, seconds")
    ap.add_argument("--min-on", type=float, default=None)
    ap.add_argument("--min-off", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--files", default="", help="comma-separated uris (default: all)")
    ap.add_argument("--window", type=float, default=25.0, help="window of the label-change run, seconds")
    ap.add_argument("--join-s", type=float, default=150.0, help="joined recordings last at least this")
    ap.add_argument("--pool", type=Path, default=Path("/work/data/speech-dev2"),
                    help="bench.speech_dev2's folder: conversations for the label-change run")
    ap.add_argument("--no-windows", action="store_true", help="skip the label-change run")
    ap.add_argument("--no-cost", action="store_true", help="skip what speakers add to a transcription's CPU")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args(argv)
    if args.selftest:
        selftest()
        return 0
    if args.command == "build":
        build(args.data, args.source)
        return 0
    if not (args.data / "list.tsv").exists():
        print(f"{args.data} has no list.tsv: python -m bench.diarization build", file=sys.stderr)
        return 2
    from dataclasses import replace

    from chalicelib.engines.diarization.engine import Config, DiarizationEngine

    cfg = Config(threads=args.threads)
    for name, value in (("threshold", args.threshold), ("step_s", args.step), ("piece_s", args.piece),
                        ("min_on_s", args.min_on), ("min_off_s", args.min_off)):
        if value is not None:
            cfg = replace(cfg, **{name: value})
    engine = DiarizationEngine(cfg)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    print(f"commit {commit}; {engine.version}; threshold {cfg.threshold}, window {cfg.window_s} s, step {cfg.step_s} s, "
          f"piece {cfg.piece_s} s, min on/off {cfg.min_on_s}/{cfg.min_off_s} s, threads {cfg.threads}; "
          f"load {os.getloadavg()[0]:.2f}")
    run_files(engine, args.data, [f for f in args.files.split(",") if f] or None)
    if not args.no_cost:
        run_cost(engine, args.data)
    if not args.no_windows:
        meetings = [("+".join(uris), *joined(args.data, uris, args.join_s)) for uris in MEETINGS]
        run_windows(engine, meetings, args.window, f"AMI meetings' excerpts joined, repeated to >= {args.join_s:.0f} s",
                    HALVES)
        if (args.pool / "manifest.tsv").exists() or (args.pool / "accents").is_dir():
            run_windows(engine, conversations(args.pool), args.window,
                        "speech-dev2 conversations, reference = clip extents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
