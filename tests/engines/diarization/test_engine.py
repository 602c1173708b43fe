"""The diarization engine on real recordings (speech-dev: the LibriVox reader of Sense and
Sensibility and the pocketsphinx "cards" speaker, two different people), real models, real
inference: who speaks when, one voice as one label, labels kept across the parts of one recording
(`known`), the same answer every time. Plus its assignment and clustering on their own."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from chalicelib.engines.diarization.engine import (
    Config,
    Diarization,
    DiarizationEngine,
    Voice,
    assign,
    cluster,
)
from tests.engines.asr.audiofiles import read_wav

RATE = 16000
TOLERANCE = 0.5  # seconds


def clip(name: str) -> np.ndarray:
    x, rate = read_wav(f"asr/{name}.wav")
    assert rate == RATE
    return x


def reader(*numbers: str) -> np.ndarray:
    return np.concatenate([clip(f"librivox_sense_and_sensibility_01_austen_64kb-{n}") for n in numbers])


def cards(*numbers: int) -> np.ndarray:
    return np.concatenate([clip(f"cards_00{n}") for n in numbers])


def joined(parts: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The parts one after the other, and where each speaks (start, end, who)."""
    out, t = [], 0.0
    for who, x in parts:
        out.append((t, t + len(x) / RATE, who))
        t += len(x) / RATE
    return np.concatenate([x for _, x in parts]), out


def check_turns(d: Diarization, truth: list[tuple[float, float, str]], labels: dict[str, int]) -> None:
    """Every turn inside a part of its speaker, each part mostly covered by its speaker's turns,
    and each change of speaker found within TOLERANCE on both sides."""
    for turn in d.turns:
        assert any(who_label == turn.speaker and a - TOLERANCE <= turn.start and turn.end <= b + TOLERANCE
                   for a, b, who in truth for who_label in [labels[who]]), (turn, truth)
    for a, b, who in truth:
        covered = sum(max(0.0, min(b, t.end) - max(a, t.start)) for t in d.turns if t.speaker == labels[who])
        assert covered >= 0.7 * (b - a), (a, b, who, covered)
    for (_, change, before), (_, _, after) in zip(truth, truth[1:]):
        end = max(t.end for t in d.turns if t.speaker == labels[before] and t.end <= change + TOLERANCE)
        start = min(t.start for t in d.turns if t.speaker == labels[after] and t.start >= change - TOLERANCE)
        assert abs(end - change) <= TOLERANCE and abs(start - change) <= TOLERANCE, (change, end, start)


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> DiarizationEngine:
    return DiarizationEngine(Config(cache_dir=tmp_path_factory.mktemp("diarization-cache")))


@pytest.fixture(scope="module")
def two(engine) -> tuple[np.ndarray, list, Diarization]:
    x, truth = joined([("reader", reader("0870", "0880")), ("cards", cards(1, 2, 3, 4, 5)),
                       ("reader", reader("0890", "0920"))])
    return x, truth, engine.diarize(x)


def test_two_speakers_get_two_labels_and_their_turns(two):
    x, truth, d = two
    assert len(x) / RATE > 30
    assert [v.label for v in d.voices] == [0, 1]
    assert d.turns[0].speaker == 0  # labels in order of first turn
    check_turns(d, truth, {"reader": 0, "cards": 1})
    for v in d.voices:
        assert len(v.centroid) == 192 and abs(np.linalg.norm(v.centroid) - 1) < 1e-4
        assert v.seconds == pytest.approx(sum(t.end - t.start for t in d.turns if t.speaker == v.label), abs=0.01)


def test_each_voice_says_which_it_was_heard_beside(two):
    """Reader and cards take turns inside segmentation windows: each is the other's `apart`
    (kinds.speech.speakers.match never makes them one person)."""
    _, _, d = two
    assert [v.apart for v in d.voices] == [(1,), (0,)]


def test_one_voice_is_speaker_0_throughout(engine):
    x = reader("0870", "0880", "0890", "0920", "0930")
    d = engine.diarize(x)
    assert {t.speaker for t in d.turns} == {0} and [v.label for v in d.voices] == [0]
    assert sum(t.end - t.start for t in d.turns) > 0.7 * len(x) / RATE


def test_known_speakers_keep_their_labels_in_the_next_part(engine):
    first, truth1 = joined([("reader", reader("0870", "0880")), ("cards", cards(1, 2, 3))])
    second, truth2 = joined([("cards", cards(4, 5)), ("reader", reader("0890", "0920"))])
    d1 = engine.diarize(first)
    check_turns(d1, truth1, {"reader": 0, "cards": 1})
    known = d1.known_after()
    assert len(known) == 2
    d2 = engine.diarize(second, known=known)
    check_turns(d2, truth2, {"reader": 0, "cards": 1})  # cards speaks first here, and stays 1
    for lab in (0, 1):  # a speaker's turns never overlap one another
        mine = [t for t in d2.turns if t.speaker == lab]
        assert all(p.end < q.start for p, q in zip(mine, mine[1:]))
    assert d2.known_after(known) == known  # nobody new
    alone = engine.diarize(second)  # the control: on its own, the first to speak is 0
    check_turns(alone, truth2, {"reader": 1, "cards": 0})


def test_the_same_input_gives_the_same_output(engine, two):
    x, _, d = two
    assert engine.diarize(x.copy()) == d


def test_silence_has_no_turns(engine):
    assert engine.diarize(np.zeros(3 * RATE, dtype=np.float32)) == Diarization([], [])
    assert engine.diarize(np.zeros(0, dtype=np.float32)) == Diarization([], [])


def test_channels_are_mixed_down(engine):
    x = reader("0880")
    assert engine.diarize(np.stack([x, x], axis=1)) == engine.diarize(x)


def test_too_long_a_call_is_refused(engine):
    with pytest.raises(ValueError, match="at most"):
        engine.diarize(np.zeros(int((engine.config.max_s + 1) * RATE), dtype=np.float32))


# ---------------------------------------------------------------- the parts on their own


def test_assign_is_the_cheapest_one_to_one_matching():
    rng = np.random.default_rng(0)
    for rows, cols in [(1, 1), (2, 3), (3, 2), (3, 5), (4, 4), (5, 3)]:
        cost = rng.random((rows, cols))
        got = assign(cost)
        assert len(got) == min(rows, cols)
        assert len({r for r, _ in got}) == len({c for _, c in got}) == len(got)
        if rows <= cols:
            best = min(sum(cost[r, p[r]] for r in range(rows)) for p in itertools.permutations(range(cols), rows))
        else:
            best = min(sum(cost[p[c], c] for c in range(cols)) for p in itertools.permutations(range(rows), cols))
        assert sum(cost[r, c] for r, c in got) == pytest.approx(best)
    assert assign(np.zeros((0, 3))) == []


def test_cluster_merges_close_voices_but_never_two_speakers_of_one_window():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(192), rng.standard_normal(192)
    E = np.array([a, a + 0.1 * rng.standard_normal(192), b, b + 0.1 * rng.standard_normal(192)])
    # windows 0, 1, 2, 3: two clusters by distance
    ids = cluster(E, np.array([0, 1, 2, 3]), np.array([0, 0, 0, 0]), 0.5)
    assert ids.tolist() == [0, 0, 1, 1]
    # the first two are local speakers 0 and 1 of one window: kept apart however close
    ids = cluster(E, np.array([0, 0, 2, 3]), np.array([0, 1, 0, 0]), 0.5)
    assert ids[0] != ids[1] and ids[2] == ids[3]
    # two pieces of one local speaker of one window may join
    assert cluster(E[:2], np.array([0, 0]), np.array([1, 1]), 0.5).tolist() == [0, 0]


def test_a_cluster_of_too_few_embeddings_is_no_speaker(engine, two):
    """min_cluster (pyannote's min_cluster_size): a cluster of fewer clustered embeddings than it
    (and than a tenth of them all) goes to the others; 0 keeps every cluster."""
    from dataclasses import replace

    x, _, d = two
    off = DiarizationEngine(replace(engine.config, min_cluster=0))
    kept = off.diarize(x)
    assert len(kept.voices) >= len(d.voices) == 2
    assert DiarizationEngine(replace(engine.config, min_cluster=10 ** 6)).diarize(x).voices == d.voices


def test_known_after_appends_the_new_speakers_only():
    d = Diarization([], [Voice(0, [1.0, 0.0], 3.0), Voice(2, [0.0, 1.0], 1.0)])
    assert d.known_after([[0.5, 0.5], [0.6, 0.4]]) == [[0.5, 0.5], [0.6, 0.4], [0.0, 1.0]]
    with pytest.raises(ValueError):
        d.known_after([])
