"""Lexicon correction (chalicelib/engines/ocr/lexicon.py) on hand-made CTC outputs: no model needed."""
from __future__ import annotations

import numpy as np
import pytest

from chalicelib.engines.ocr import lexicon
from chalicelib.engines.ocr import postprocess as pp

ALPHABET = ["", *"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:'í", " "]
IDX = {c: i for i, c in enumerate(ALPHABET) if c}
WORDS = {"date": 126612, "data": 200000, "the": 76138318, "agent": 78450, "return": 5000,
         "prohibited": 4000, "attorney's": 3787}


def probs_for(text: str, second: dict[int, tuple[str, float]] | None = None, top: float = 0.95):
    """A (T, C) CTC output reading `text`, one character every other frame (blanks between).
    `second`: character index -> (runner-up, its probability) taken from the reading's share."""
    second = second or {}
    frames = 2 * len(text) + 1
    p = np.full((frames, len(ALPHABET)), 1e-6, dtype=np.float32)
    p[:, 0] = 1.0
    for k, ch in enumerate(text):
        t = 2 * k + 1
        p[t, 0] = 1e-6
        alt, q = second.get(k, (None, 0.0))
        p[t, IDX[ch]] = top - q
        if alt:
            p[t, IDX[alt]] = q
    return p / p.sum(axis=1, keepdims=True)


def decode(p):
    return pp.ctc_decode(p, ALPHABET, len(p))


def corrector(margin=5.0):
    return lexicon.Corrector(WORDS, ALPHABET, margin=margin)


def test_edits_and_case():
    assert "date" in lexicon.edits1("datc")
    assert "dat" in lexicon.edits1("datc") and "datec" in lexicon.edits1("datc")
    assert lexicon.match_case("date", "DATC") == "DATE"
    assert lexicon.match_case("date", "Datc") == "Date"
    assert lexicon.match_case("including", "incIuding") == "including"
    assert lexicon.strip_accents("prohíbited") == "prohibited"


def test_ctc_align_scores_the_reading_and_finds_its_frames():
    p = probs_for("date")
    ll, best, frames = lexicon.ctc_align(np.log(p), [IDX[c] for c in "date"])
    assert frames == [1, 3, 5, 7]
    assert best <= ll <= 0.0
    other, _, _ = lexicon.ctc_align(np.log(p), [IDX[c] for c in "data"])
    assert other < ll - 5


def test_unsure_misreading_is_replaced_and_keeps_its_frames():
    p = probs_for("Datc", {3: ("e", 0.3)})  # "c" 0.65, "e" 0.3 at the last letter
    out = corrector().correct(decode(p), p)
    assert out.text == "Date"
    assert [c.frame for c in out.chars] == [1, 3, 5, 7]


def test_confident_unlisted_word_is_kept():
    p = probs_for("Datc")  # "e" has no weight at all: a name or code, not a misreading
    assert corrector().correct(decode(p), p).text == "Datc"


def test_listed_words_short_words_and_punctuation_are_left_alone():
    p = probs_for("data: the")
    assert corrector().correct(decode(p), p).text == "data: the"
    p = probs_for("Tha", {2: ("e", 0.4)})  # three letters, unlisted: judged
    assert corrector().correct(decode(p), p).text == "The"
    p = probs_for("te", {1: ("h", 0.4)})  # two letters: too short to judge
    assert corrector().correct(decode(p), p).text == "te"


def test_punctuation_around_a_word_stays_and_accents_go():
    p = probs_for("prohíbited.", {4: ("i", 0.4)})
    assert corrector().correct(decode(p), p).text == "prohibited."
    p = probs_for("agcnt:", {2: ("e", 0.2)})
    assert corrector().correct(decode(p), p).text == "agent:"


def test_lookalike_groups_and_apostrophes():
    p = probs_for("retum", {4: ("n", 0.3)})
    p[8, IDX["r"]] = 0.3  # the blank frame before the "m" half thought it saw an "r"
    p /= p.sum(axis=1, keepdims=True)
    assert corrector().correct(decode(p), p).text == "return"
    p = probs_for("Attomey's", {4: ("n", 0.3)})
    p[8, IDX["r"]] = 0.3
    p /= p.sum(axis=1, keepdims=True)
    assert corrector().correct(decode(p), p).text == "Attorney's"


def test_shipped_word_list_loads():
    words = lexicon.load(str(lexicon.default_path()), 50)
    assert words["date"] > 1000 and "datc" not in words


def test_the_word_list_loads_in_the_background_and_errors_surface_on_use(monkeypatch, tmp_path):
    future = lexicon.load_async(50)
    fixer = lexicon.Corrector(future, ALPHABET)
    assert fixer.words["date"] > 1000  # waits for the thread
    broken = tmp_path / "en.json.gz"
    broken.write_bytes(b"not gzip")
    monkeypatch.setattr(lexicon, "default_path", lambda: broken)
    with pytest.raises(OSError):
        _ = lexicon.Corrector(lexicon.load_async(50), ALPHABET).words


def test_a_missing_word_list_is_a_clear_error(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="PAGEVOICE_OCR_LEXICON=never"):
        lexicon.default_path()
