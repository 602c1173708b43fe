"""speech-dev2's held-out parts (by speaker, fixed by the data) and the several-speaker score."""
from __future__ import annotations

from bench.speech_dev2 import held_out, references
from bench.speech_paired import best_order_edits


def test_every_fourth_speaker_is_held_out_with_all_their_files():
    rows = [{"file": f"{s}-{i}.wav", "speaker": s} for s in "hgfedcba" for i in range(3)]
    held_out(rows)
    out = {r["speaker"] for r in rows if r["part"] == "held-out"}
    assert out == {"d", "h"}  # sorted a..h: the 4th and the 8th
    assert all(r["part"] == "dev" for r in rows if r["speaker"] not in out)


def test_one_speaker_holds_out_every_fourth_file():
    rows = [{"file": f"{i:02}.wav", "speaker": "one"} for i in range(9)]
    held_out(rows)
    assert [r["file"] for r in rows if r["part"] == "held-out"] == ["03.wav", "07.wav"]


def test_several_speakers_are_scored_in_their_best_order():
    refs = [r.split() for r in references("good morning everyone || thanks uh so the buttons")]
    hyp = ["thanks", "so", "the", "buttons", "good", "morning", "everyone"]
    edits, ref = best_order_edits(refs, hyp)
    assert edits == 1  # only the filler "uh", not the order
    assert ref[:2] == ["thanks", "uh"]
    assert best_order_edits([["one", "speaker"]], ["one", "speaker"])[0] == 0
