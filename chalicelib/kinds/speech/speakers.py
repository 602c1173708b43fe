"""Who spoke (CONTRACTS section 17): the diarization engine's turns put on a transcript's words
and segments, and one label per person over a whole recording. Pure apart from the engine call;
no AWS I/O.

A short recording is diarized whole. A long one is diarized window by window by the workers that
transcribe its windows, in parallel: each window keeps its own speakers (`local`: their turns and
the centroid of their voice), and once every window is done `match` clusters all windows' voices
at once (two voices of one window are never one person), so a person keeps one label over four
hours whatever order the windows ended in. Labels are S1, S2... in order of first appearance; a
recording of one voice carries no labels at all.
"""
from __future__ import annotations

import time

import numpy as np

from chalicelib import logs, settings
from chalicelib.engines.diarization.linkage import agglomerate

log = logs.get("speakers")

LABEL = "S{}"
MIN_SECONDS = 4.0  # see worth_diarizing
# Diarization's CPU seconds per second of audio, one thread (bench.diarization: 129 s an hour).
SECONDS_PER_SECOND = 0.04


def engine():
    """The diarization engine the settings name; None when speakers are off ("none")."""
    from chalicelib.engines import diarization

    name = settings.get().worker.diarization_engine
    return None if name == "none" else diarization.get_engine(name)


def local(samples: np.ndarray, offset: float = 0.0) -> dict | None:
    """One window's (or a short recording's) speakers (`found`); None when speakers are off."""
    diarizer = engine()
    return None if diarizer is None else found(diarizer, samples, offset)


def found(diarizer, samples: np.ndarray, offset: float = 0.0) -> dict:
    """{"turns": [[start, end, voice]], "voices": [{"centroid": [...], "seconds": s, "apart":
    [voice...]}]}, times on the recording's clock (`offset`: the window's start); "apart": the
    voices of the window the segmentation model heard as another local speaker than this one
    somewhere (never the same person; the others of the window may be)."""
    d = diarizer.diarize(samples)
    return {"turns": [[round(t.start + offset, 3), round(t.end + offset, 3), t.speaker] for t in d.turns],
            "voices": [{"centroid": v.centroid, "seconds": v.seconds, "apart": list(v.apart)} for v in d.voices]}


def match(windows: list[dict | None], threshold: float | None = None) -> list[dict[int, str]]:
    """Each window's voices -> a label ("S1"...) per voice, the same person the same label in
    every window: the voices' centroids clustered together (centroid linkage; two voices of one
    window never join), labels numbered by first turn. A window without speakers maps nothing.
    One person in all: no labels (every map empty)."""
    if threshold is None:
        threshold = _threshold()
    rows = [(w, v, voice["centroid"]) for w, found in enumerate(windows) if found
            for v, voice in enumerate(found["voices"])]
    if not rows:
        return [{} for _ in windows]
    ids = agglomerate(np.array([r[2] for r in rows], dtype=np.float64), _apart(windows, rows), threshold)
    of = {(w, v): int(c) for (w, v, _), c in zip(rows, ids)}
    first: dict[int, float] = {}
    for w, found in enumerate(windows):
        for start, _, v in (found or {}).get("turns") or []:
            c = of.get((w, int(v)))
            if c is not None and start < first.get(c, float("inf")):
                first[c] = start
    if len(first) < 2:
        return [{} for _ in windows]
    order = {c: k + 1 for k, c in enumerate(sorted(first, key=lambda c: (first[c], c)))}
    return [{v: LABEL.format(order[of[(w, v)]]) for v in range(len((found or {}).get("voices") or []))
             if of[(w, v)] in order} for w, found in enumerate(windows)]


def _apart(windows: list[dict | None], rows: list[tuple[int, int, list]]) -> np.ndarray:
    """(rows, rows) bool: never one person. Two voices of one window are when the window says
    so ("apart"), or, a window without "apart" (found before it was kept), always."""
    at = {(w, v): k for k, (w, v, _) in enumerate(rows)}
    out = np.zeros((len(rows), len(rows)), dtype=bool)
    for k, (w, v, _) in enumerate(rows):
        voice = windows[w]["voices"][v]
        for other in (voice["apart"] if "apart" in voice else range(len(windows[w]["voices"]))):
            j = at.get((w, int(other)))
            if j is not None and j != k:
                out[k, j] = out[j, k] = True
    return out


def _threshold() -> float:
    found = engine()
    return float(getattr(getattr(found, "config", None), "threshold", 0.6))


def seconds(windows: list[dict | None], labels: list[dict[int, str]]) -> list[dict]:
    """`speakers` of the result: [{"id", "name": None, "seconds"}] by label, each person's turns summed."""
    total: dict[str, float] = {}
    for found, named in zip(windows, labels):
        for start, end, v in (found or {}).get("turns") or []:
            if int(v) in named:
                total[named[int(v)]] = total.get(named[int(v)], 0.0) + float(end) - float(start)
    return [{"id": k, "name": None, "seconds": round(total[k], 2)} for k in sorted(total, key=lambda k: int(k[1:]))]


def label(segments: list[dict], found: dict | None, named: dict[int, str]) -> list[dict]:
    """`segments` (CONTRACTS section 9) with "speaker" on each word (the label of the turn it
    overlaps most; between turns, the nearest) and on each segment (the label most of its words'
    time has). Nothing is labelled when `named` is empty (one voice)."""
    turns = [(float(a), float(b), named[int(v)]) for a, b, v in (found or {}).get("turns") or [] if int(v) in named]
    if not turns:
        return segments
    turns.sort()
    out = []
    for segment in segments:
        words, weight = [], {}
        for w in segment.get("words") or []:
            who = _speaker_at(turns, float(w["start"]), float(w["end"]))
            words.append({**w, "speaker": who})
            weight[who] = weight.get(who, 0.0) + max(0.01, float(w["end"]) - float(w["start"]))
        who = max(weight, key=lambda k: (weight[k], -int(k[1:]))) if weight else \
            _speaker_at(turns, float(segment["start"]), float(segment["end"]))
        out.append({**segment, "words": words, "speaker": who})
    return out


def _speaker_at(turns: list[tuple[float, float, str]], start: float, end: float) -> str:
    """The label of the turn overlapping [start, end] most, else of the nearest turn."""
    best, best_overlap, best_gap = turns[0][2], 0.0, float("inf")
    for a, b, who in turns:
        overlap = min(b, end) - max(a, start)
        if overlap > best_overlap:
            best, best_overlap = who, overlap
        elif best_overlap <= 0:
            gap = max(a - end, start - b, 0.0)
            if gap < best_gap:
                best, best_gap = who, gap
    return best


def worth_diarizing(duration: float, segments: list[dict], deadline: float | None = None) -> bool:
    """Speakers are looked for in a recording of some words and at least MIN_SECONDS (a command
    word or one phrase is one voice: diarizing it would only cost its worker), when the worker's
    time left (`deadline`, time.monotonic()) holds SECONDS_PER_SECOND of it three times over:
    the transcript is the result, and a worker stopped past its time would lose it."""
    if duration < MIN_SECONDS or not any(seg.get("words") for seg in segments):
        return False
    if deadline is not None and time.monotonic() + 3 * SECONDS_PER_SECOND * duration + 2.0 > deadline:
        log.warning("speakers left out: too little of the worker's time left", extra={"seconds": round(duration, 1)})
        return False
    return True


def heard(samples: np.ndarray, offset: float = 0.0) -> dict | None:
    """`local`, or None when the engine cannot run: who spoke is extra, the transcript stands
    without it (logged)."""
    try:
        return local(samples, offset)
    except Exception:  # noqa: BLE001 - see above
        log.warning("speakers could not be told apart", exc_info=True)
        return None


def labelled(samples: np.ndarray, segments: list[dict]) -> tuple[list[dict], list[dict]]:
    """A short recording's segments with their speakers and the result's `speakers` (CONTRACTS
    section 17); one voice (or none found): as they were, and no speakers."""
    voices = heard(samples)
    named = match([voices])[0]
    if not named:
        return segments, []
    return label(segments, voices, named), seconds([voices], [named])
