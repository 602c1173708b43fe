"""Spoken commands: one label of the 35 Speech Commands words, `silence` or `unknown`.

Method (measured in bench/speech.py): constrained scoring with the recogniser itself, no second
model.
1. Voice activity detection hearing nothing, or Whisper's no-speech probability >= 0.6 (its
   own threshold), is `silence`.
2. The clip is decoded greedily for a few tokens with the 35 words given to the decoder as the
   previous text (Whisper's `<|startofprev|>` prompt): an in-context prior towards the command
   vocabulary. Decoding is cut after `MAX_TOKENS`, so the prompt cannot start a hallucinated
   list.
3. If the decoded words (normalised: case, punctuation, digits spelt out, homophones Whisper
   writes for isolated words: "to" -> two, "for" -> four, "won" -> one...) are one command word
   (possibly repeated), that is the label.
4. Otherwise the best command's first-token log-probability is compared with the decoded
   first word's: within `MARGIN` nats (a prior that a clip sent as a command is one) the
   command wins, else `unknown`. Open vocabulary is what makes `unknown` possible: "back" and
   "front" keep their own words rather than becoming backward/forward.
Confidence: the label's share of the first-step probability among the command words and the
decoded word (for silence: the no-speech probability, 1.0 when VAD heard nothing).
"""
from __future__ import annotations

import re

from chalicelib.engines.asr.base import COMMAND_WORDS, SILENCE, UNKNOWN

_COMMANDS = frozenset(COMMAND_WORDS)
_DIGITS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
           "7": "seven", "8": "eight", "9": "nine"}
# Spellings Whisper writes for a command word said alone (same sound, other word).
_HOMOPHONES = {"to": "two", "too": "two", "for": "four", "fore": "four", "won": "one",
               "know": "no", "ate": "eight", "write": "right", "rite": "right",
               "sheela": "sheila", "shiela": "sheila", "zeros": "zero"}


def words_of(text: str) -> list[str]:
    """Lower-case words with punctuation removed, digits spelt out one by one."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\d)", r" \1 ", text)
    out = []
    for tok in re.findall(r"[a-z0-9']+", text):
        tok = tok.strip("'")
        if not tok:
            continue
        out.append(_DIGITS.get(tok, tok))
    return out


def command_of(word: str) -> str | None:
    word = _HOMOPHONES.get(word, word)
    return word if word in _COMMANDS else None


def label(text: str, word_probs: list[float], *, speech: bool, no_speech_prob: float = 0.0) -> dict:
    """The keyword of a short clip from its free transcript.

    text: what the recogniser heard; word_probs: its probability for each word; speech: whether
    voice activity detection found speech at all; no_speech_prob: Whisper's own estimate.
    """
    words = words_of(text)
    if not speech or not words:
        conf = 1.0 if not speech else max(0.5, float(no_speech_prob))
        return {"label": SILENCE, "confidence": round(conf, 4)}
    commands = [command_of(w) for w in words]
    mean_p = sum(word_probs) / len(word_probs) if word_probs else 0.5
    if all(commands) and len(set(commands)) == 1:
        return {"label": commands[0], "confidence": round(float(mean_p), 4)}
    return {"label": UNKNOWN, "confidence": round(float(max(mean_p, 0.5)), 4)}


MAX_TOKENS = 4
MARGIN = 2.0  # nats: e^2 ~ 7x prior odds for a command over another word
NO_SPEECH = 0.6


def _log_softmax(x):
    import numpy as np

    x = np.asarray(x, dtype=np.float64).reshape(-1)
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


class KeywordScorer:
    """Labels a command clip with a loaded faster-whisper model (its CTranslate2 Whisper and
    tokenizer are passed in, so this module imports no ML library)."""

    def __init__(self, whisper_model, tokenizer) -> None:
        self._model = whisper_model  # faster_whisper.WhisperModel
        self._tok = tokenizer  # faster_whisper.tokenizer.Tokenizer (English, transcribe)
        tok = tokenizer
        space = set(tok.encode(" "))
        self._first: dict[str, set[int]] = {}
        for w in COMMAND_WORDS:
            ids = {tok.encode(" " + w.capitalize())[0]}
            lower = tok.encode(" " + w)
            if len(lower) == 1:  # " she"+"ila" would make "she" count for sheila
                ids.add(lower[0])
            self._first[w] = ids - space
        vocab = ", ".join(w.capitalize() for w in COMMAND_WORDS) + "."
        self._prompt = [tok.sot_prev] + tok.encode(" " + vocab) + list(tok.sot_sequence) + [tok.no_timestamps]

    def label(self, audio, encoded=None) -> dict:
        """audio: the clip (mono float32, 16 kHz); encoded: its Whisper encoder output when the
        caller has it already (the engine's window, chalicelib.engines.asr.whisper)."""
        import numpy as np

        m = self._model
        if encoded is None:
            feats = m.feature_extractor(audio)
            frames = feats.shape[-1]
            target = m.feature_extractor.nb_max_frames
            feats = np.pad(feats, ((0, 0), (0, max(0, target - frames))))[:, :target]
            encoded = m.encode(feats)
        res = m.model.generate(encoded, [self._prompt], beam_size=1, max_length=len(self._prompt) + MAX_TOKENS,
                               return_logits_vocab=True, return_no_speech_prob=True)[0]
        if res.no_speech_prob >= NO_SPEECH:
            return {"label": SILENCE, "confidence": round(float(res.no_speech_prob), 4)}
        ids = [t for t in res.sequences_ids[0] if t < self._tok.eot]
        text = self._tok.decode(ids)
        words = words_of(text)
        if not words or not ids:
            return {"label": SILENCE, "confidence": round(max(0.5, float(res.no_speech_prob)), 4)}
        step = _log_softmax(np.array(res.logits[0]))
        scores = {w: float(np.logaddexp.reduce([step[t] for t in ts])) for w, ts in self._first.items()}
        first = ids[0]
        free = float(step[first])
        commands = {command_of(w) for w in words}
        if len(commands) == 1 and None not in commands:
            chosen = commands.pop()
            return {"label": chosen, "confidence": _share(scores, chosen, None)}
        # The decoded words are not a command. Commands sharing the decoded first token were
        # just continued otherwise ("Back." is not "Backward"): they are out.
        rivals = {w: s for w, s in scores.items() if first not in self._first[w]}
        best = max(rivals, key=rivals.get)
        if free - rivals[best] <= MARGIN:
            return {"label": best, "confidence": _share(rivals, best, free)}
        return {"label": UNKNOWN, "confidence": round(1.0 - _share(rivals, best, free), 4)}


def _share(scores: dict, chosen: str, other: float | None) -> float:
    import math

    vals = list(scores.values()) + ([other] if other is not None else [])
    top = max(vals)
    total = sum(math.exp(v - top) for v in vals)
    return round(math.exp(scores[chosen] - top) / total, 4)
