"""Keyword text rules and the one-time assembly of Whisper base from its two wheels."""
from __future__ import annotations

import hashlib

import pytest

from chalicelib.engines.asr import keywords, whisper
from chalicelib.engines.asr.base import COMMAND_WORDS, KEYWORD_LABELS
from chalicelib.engines.asr.whisper import BASE_SHA256, BASE_SIZE, assemble_base


def test_labels():
    assert len(COMMAND_WORDS) == 35 and KEYWORD_LABELS[-2:] == ("silence", "unknown")


@pytest.mark.parametrize("text,words", [
    ("Yes.", ["yes"]), ("  Stop!  ", ["stop"]), ("4", ["four"]), ("10", ["one", "zero"]),
    ("Go-forward", ["go", "forward"]), ("", []), ("...", []),
])
def test_words_of(text, words):
    assert keywords.words_of(text) == words


@pytest.mark.parametrize("word,command", [
    ("too", "two"), ("to", "two"), ("for", "four"), ("won", "one"), ("know", "no"),
    ("sheila", "sheila"), ("back", None), ("front", None), ("yeah", None),
])
def test_command_of(word, command):
    assert keywords.command_of(word) == command


def test_text_only_label():
    assert keywords.label("", [], speech=False)["label"] == "silence"
    assert keywords.label("Left!", [0.9], speech=True) == {"label": "left", "confidence": 0.9}
    assert keywords.label("Go forward", [0.9, 0.9], speech=True)["label"] == "unknown"


def test_base_model_assembled_once_atomically_and_verified(tmp_path, monkeypatch):
    joined = []
    real_join = whisper._join_parts
    monkeypatch.setattr(whisper, "_join_parts", lambda parts, out: joined.append(1) or real_join(parts, out))
    target = assemble_base(tmp_path)
    model = target / "model.bin"
    assert model.stat().st_size == BASE_SIZE
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert digest == BASE_SHA256
    assert {p.name for p in target.iterdir()} >= {"model.bin", "config.json", "tokenizer.json",
                                                    "vocabulary.txt", "VERIFIED"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    assert target.stat().st_mode & 0o777 == 0o755  # readable by the user a container runs as
    assert joined == [1]
    assert assemble_base(tmp_path) == target  # reused, not joined again
    assert joined == [1]
    # Half-made (no VERIFIED marker, e.g. copied by hand and cut short): rebuilt.
    (target / "VERIFIED").unlink()
    with open(model, "r+b") as fh:
        fh.truncate(1000)
    assert assemble_base(tmp_path) == target
    assert joined == [1, 1] and model.stat().st_size == BASE_SIZE and (target / "VERIFIED").exists()
