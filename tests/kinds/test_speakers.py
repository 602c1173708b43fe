"""Who spoke (chalicelib.kinds.speech.speakers): labels matched over a recording's windows, put on
words and segments. The pure parts on made-up voices; the engine on a real two-voice recording."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib.kinds.speech import long, speakers

DIM = 192


def voice(seed: int, noise: float = 0.0, jitter: int = 0) -> list[float]:
    """A unit centroid: person `seed`, heard with some `noise` (another take of the same voice)."""
    base = np.random.default_rng(seed).normal(size=DIM)
    v = base + noise * np.random.default_rng(1000 + seed * 31 + jitter).normal(size=DIM)
    return (v / np.linalg.norm(v)).tolist()


def window(*turns: tuple[float, float, int], voices: list[list[float]]) -> dict:
    return {"turns": [list(t) for t in turns], "voices": [{"centroid": c, "seconds": 1.0} for c in voices]}


def test_one_person_keeps_one_label_in_every_window_whatever_its_local_number():
    ada, bo, cy = 1, 2, 3
    windows = [
        window((0, 5, 0), (5, 9, 1), voices=[voice(bo, 0.3, 1), voice(ada, 0.3, 1)]),  # Bo speaks first
        window((20, 25, 0), (25, 28, 1), voices=[voice(ada, 0.3, 2), voice(bo, 0.3, 2)]),  # local numbers swapped
        None,  # a window nobody spoke in (or not transcribed)
        window((60, 70, 0), (70, 75, 1), voices=[voice(cy, 0.3, 3), voice(ada, 0.3, 3)]),  # a third person
    ]
    labels = speakers.match(windows)
    assert labels == [{0: "S1", 1: "S2"}, {0: "S2", 1: "S1"}, {}, {0: "S3", 1: "S2"}]
    assert speakers.seconds(windows, labels) == [{"id": "S1", "name": None, "seconds": 8.0},
                                                 {"id": "S2", "name": None, "seconds": 14.0},
                                                 {"id": "S3", "name": None, "seconds": 10.0}]


def test_two_voices_of_one_window_are_never_one_person():
    same = voice(7)
    labels = speakers.match([window((0, 2, 0), (2, 4, 1), voices=[same, same])])
    assert labels == [{0: "S1", 1: "S2"}]


def test_a_voice_split_in_one_window_keeps_its_label_there():
    """Ada's voice came out as two voices of the second window (the window's clustering split
    her); the segmentation model never heard those two at once, so they are not kept apart: both
    are Ada, S1, as in the windows around. Bo, heard beside both, stays S2."""
    ada, bo = 1, 2
    windows = [
        window((0, 8, 0), (8, 12, 1), voices=[voice(ada, 0.3, 1), voice(bo, 0.3, 1)]),
        window((25, 30, 0), (30, 33, 1), (33, 40, 2),
               voices=[voice(ada, 0.45, 2), voice(bo, 0.3, 2), voice(ada, 0.45, 3)]),
        window((50, 60, 0), (60, 64, 1), voices=[voice(ada, 0.3, 4), voice(bo, 0.3, 4)]),
    ]
    for w in windows:
        for v, other in zip(w["voices"], ([1], [0], [1, 2], [0, 2], [1])):
            v["apart"] = other
    windows[1]["voices"][0]["apart"], windows[1]["voices"][1]["apart"], windows[1]["voices"][2]["apart"] = \
        [1], [0, 2], [1]
    labels = speakers.match(windows)
    assert labels == [{0: "S1", 1: "S2"}, {0: "S1", 1: "S2", 2: "S1"}, {0: "S1", 1: "S2"}]
    # ...while two voices the window says were heard apart never join, however alike
    windows[1]["voices"][0]["apart"], windows[1]["voices"][2]["apart"] = [1, 2], [0, 1]
    labels = speakers.match(windows)
    assert labels[1][0] != labels[1][2] and labels[0] == labels[2] == {0: "S1", 1: "S2"}


def test_a_long_recording_keeps_each_voice_one_label_across_its_windows():
    """Six windows, three people, each heard with another take of its voice in every window and
    in varying local order, one of them split in two in window 3: one label each throughout."""
    rng = np.random.default_rng(5)
    people = [11, 12, 13]
    windows = []
    for k in range(6):
        order = rng.permutation(3).tolist()
        voices, who = [], []
        for p in order:
            voices.append(voice(people[p], 0.35, 10 * k + p))
            who.append(p)
        if k == 3:  # the first of them split in two
            voices.append(voice(people[order[0]], 0.45, 100 + k))
            who.append(order[0])
        turns = [(30 * k + 5 * v, 30 * k + 5 * v + 4, v) for v in range(len(voices))]
        found = window(*turns, voices=voices)
        for v, voice_ in enumerate(found["voices"]):
            voice_["apart"] = [u for u in range(len(voices)) if who[u] != who[v]]
        windows.append((found, who))
    labels = speakers.match([w for w, _ in windows])
    of_person: dict[int, set[str]] = {}
    for (_, who), named in zip(windows, labels):
        for v, p in enumerate(who):
            of_person.setdefault(p, set()).add(named[v])
    assert all(len(names) == 1 for names in of_person.values()), of_person
    assert len(set.union(*of_person.values())) == 3


def test_one_voice_in_all_windows_carries_no_labels():
    windows = [window((0, 5, 0), voices=[voice(4, 0.3, k)]) for k in range(3)]
    assert speakers.match(windows) == [{}, {}, {}]
    assert long.speakers_of(windows) == ([{}, {}, {}], [])
    segments = [{"start": 0, "end": 1, "text": "hi", "words": [{"text": "hi", "start": 0, "end": 1}]}]
    assert speakers.label(segments, windows[0], {}) == segments


def test_each_word_takes_the_turn_it_overlaps_most_and_each_segment_most_of_its_words():
    found = window((0.0, 2.0, 0), (2.1, 5.0, 1), voices=[voice(1), voice(2)])
    words = [{"text": t, "start": a, "end": b} for t, a, b in
             [("yes", 0.2, 0.6), ("so", 1.7, 2.3), ("well", 2.5, 2.9), ("then", 3.0, 3.4), ("late", 5.6, 5.9)]]
    segments = [{"start": 0.2, "end": 5.9, "text": "yes so well then late", "words": words}]
    out = speakers.label(segments, found, {0: "S1", 1: "S2"})
    assert [w["speaker"] for w in out[0]["words"]] == ["S1", "S1", "S2", "S2", "S2"]  # "late": the nearest turn
    assert out[0]["speaker"] == "S2"
    assert "speaker" not in segments[0]  # the input is left as it was


def test_short_recordings_and_clips_without_words_are_not_diarized():
    said = [{"start": 0, "end": 1, "text": "go", "words": [{"text": "go", "start": 0, "end": 1}]}]
    assert not speakers.worth_diarizing(2.0, said)
    assert not speakers.worth_diarizing(30.0, [{"start": 0, "end": 1, "text": "", "words": []}])
    assert speakers.worth_diarizing(30.0, said)
    # ...nor when the worker's time left would not hold it: the transcript is not risked for it.
    import time

    assert not speakers.worth_diarizing(600.0, said, deadline=time.monotonic() + 30)
    assert speakers.worth_diarizing(600.0, said, deadline=time.monotonic() + 600)


def test_no_engine_no_speakers(monkeypatch):
    monkeypatch.setenv("PAGEVOICE_DIARIZATION_ENGINE", "none")
    said = [{"start": 0, "end": 1, "text": "go", "words": [{"text": "go", "start": 0, "end": 1}]}]
    assert speakers.labelled(np.zeros(16000 * 5, np.float32), said) == (said, [])


@pytest.mark.slow
def test_a_two_voice_recording_is_transcribed_with_each_turn_its_speaker():
    from chalicelib.kinds.speech import pipeline
    from tests.two_voices import recording

    made = recording()
    result = pipeline.transcribe(made.wav)
    assert [s["id"] for s in result["speakers"]] == ["S1", "S2"]
    assert all(s["name"] is None and s["seconds"] > 5 for s in result["speakers"])
    # Every word said inside a turn carries that turn's person (joe: S1, heard first).
    words = [w for seg in result["segments"] for w in seg["words"]]
    right = sum(1 for w in words for a, b, who in made.turns
                if a - 0.2 <= w["start"] < b + 0.2 and w["speaker"] == f"S{who + 1}")
    assert right >= 0.95 * len(words), [(w["text"], w["start"], w["speaker"]) for w in words]
    assert [seg["speaker"] for seg in result["segments"]][:2] == ["S1", "S2"]
