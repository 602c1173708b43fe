"""A hand-made page result (CONTRACTS sections 1, 7, 10, 11, 13, 14) with what a book must
survive: an empty line, a word broken at a line's end, a table (read row by row, so its
sentence crosses cells), a figure with no text and its caption, a list whose sentence crosses
its items, furniture not spoken (running head, footnote, a printed page number "iv"), a line in
Arabic on an English page and a sentence that runs onto a second page in Arabic."""
from __future__ import annotations

WORD_S, GAP_S, PAUSE_S = 0.3, 0.1, 0.4


def line(text: str, language: str | None = None) -> dict:
    words = [{"text": w, "confidence": 0.99, "box": [[0, 0], [1, 0], [1, 1], [0, 1]]} for w in text.split()]
    out = {"text": " ".join(w["text"] for w in words), "confidence": 0.99,
           "box": [[0, 0], [1, 0], [1, 1], [0, 1]], "words": words}
    return {**out, "language": language} if language else out


PAGE_1 = [line("Annual report 2024"), line("Rivers of the north"), line(""),
          line("The river is long and cold. It runs to the sea in the north-"), line("ern hills."),
          line("Town"), line("People"), line("Oslo"), line("700,000"),
          line("Table 1. Towns by the river."), line("Figure 1. A map of the river."),
          line("• Fish and"), line("• birds live there."),
          line("النهر طويل جدا", "ar"), line("1 Source: the survey of 2023."), line("iv")]
BLOCKS_1 = [{"role": "page-header", "lines": [0], "spoken": False},
            {"role": "title", "lines": [1], "spoken": True},
            {"role": "paragraph", "lines": [2, 3, 4], "spoken": True},
            {"role": "table", "lines": [5, 6, 7, 8], "spoken": True, "rows": 2, "cols": 2,
             "cells": [{"row": 0, "col": 0, "header": True, "lines": [5]}, {"row": 0, "col": 1, "header": True, "lines": [6]},
                       {"row": 1, "col": 0, "header": False, "lines": [7]}, {"row": 1, "col": 1, "header": False, "lines": [8]}]},
            {"role": "caption", "lines": [9], "spoken": True},
            {"role": "figure", "lines": [], "spoken": True},
            {"role": "caption", "lines": [10], "spoken": True},
            {"role": "list-item", "lines": [11], "spoken": True},
            {"role": "list-item", "lines": [12], "spoken": True},
            {"role": "paragraph", "lines": [13], "spoken": True},
            {"role": "footnote", "lines": [14], "spoken": False},
            {"role": "page-number", "lines": [15], "spoken": False}]
PAGE_2 = [line("والبحر كبير.", "ar"), line("الفصل الثاني", "ar"), line("يصل النهر إلى البحر في الشمال.", "ar")]
BLOCKS_2 = [{"role": "paragraph", "lines": [0], "spoken": True},
            {"role": "heading", "level": 2, "lines": [1], "spoken": True},
            {"role": "paragraph", "lines": [2], "spoken": True}]

# Speaking order, sentence by sentence: (page, line, word), as the page kind says them (a
# table row by row: header, then cell).
SENTENCES = [
    [(0, 1, w) for w in range(4)],
    [(0, 3, w) for w in range(6)],
    [(0, 3, w) for w in range(6, 14)] + [(0, 4, 0), (0, 4, 1)],
    [(0, 5, 0), (0, 7, 0), (0, 6, 0), (0, 8, 0)],
    [(0, 9, w) for w in range(6)],
    [(0, 10, w) for w in range(7)],
    [(0, 11, w) for w in range(3)] + [(0, 12, w) for w in range(4)],
    [(0, 13, w) for w in range(3)] + [(1, 0, w) for w in range(2)],
    [(1, 1, w) for w in range(2)],
    [(1, 2, w) for w in range(6)],
]


def speech() -> dict:
    words, sentences, t = [], [], 0.2
    for said in SENTENCES:
        first = len(words)
        for page, li, wi in said:
            words.append({"page": page, "line": li, "word": wi, "start": round(t, 3), "end": round(t + WORD_S, 3)})
            t += WORD_S + GAP_S
        sentences.append({"start": words[first]["start"], "end": words[-1]["end"], **{k: words[first][k] for k in ("page", "line", "word")}})
        t += PAUSE_S
    return {"engine": "piper", "seconds": round(t + 0.3, 3), "complete": True, "words": words, "sentences": sentences,
            "voice": {"language": "en", "engine": "piper", "name": "joe", "quality": "neural"}, "download": "speech.mp3"}


def result() -> dict:
    def page(lines, blocks, code):
        return {"width": 1700, "height": 2200, "text": "\n".join(ln["text"] for ln in lines), "lines": lines,
                "blocks": blocks, "source": "ocr", "language": {"code": code, "confidence": 0.9, "detected": True}}

    pages = [page(PAGE_1, BLOCKS_1, "en"), page(PAGE_2, BLOCKS_2, "ar")]
    return {"schema": 1, "kind": "page", "engine": "rapidocr", "width": 1700, "height": 2200,
            "text": "\n\n".join(p["text"] for p in pages), "lines": PAGE_1, "pages": pages,
            "language": {"code": "en", "confidence": 0.9, "detected": True},
            "skip": ["page-header", "page-footer", "page-number", "footnote", "code"],
            "skipped": {"page-header": 1, "page-number": 1, "footnote": 1},
            "chapters": [{"title": "Rivers of the north", "level": 1, "page": 0, "block": 1, "start": 0.2},
                         {"title": "الفصل الثاني", "level": 2, "page": 1, "block": 1}],
            "speech": speech()}


def silent_mp3(seconds: float, rate: int = 22050) -> bytes:
    """A real MP3 of silence, made as the page kind makes speech.mp3 (chalicelib.media.audio)."""
    import numpy as np

    from chalicelib.media.audio import RecordingWriter

    writer = RecordingWriter(rate)
    writer.write(np.zeros(round(seconds * rate), dtype=np.int16))
    wav, mp3 = writer.close()
    try:
        return mp3.read()
    finally:
        wav.close()
        mp3.close()


def long_document(pages: int = 50, lines: int = 20, words: int = 20, seconds_per_word: float = 0.18) -> dict:
    """A dense document without structure beyond paragraphs: `pages` x `lines` x `words` words,
    a sentence every ten words (50 pages: 20,000 words, an hour of speech)."""
    text = [line(" ".join(f"word{i}" for i in range(words))) for _ in range(lines)]
    page = {"width": 1700, "height": 2200, "lines": text, "language": {"code": "en", "confidence": 1.0, "detected": True},
            "blocks": [{"role": "paragraph", "lines": list(range(lines)), "spoken": True}]}
    said = [{"page": p, "line": li, "word": w} for p in range(pages) for li in range(lines) for w in range(words)]
    for n, word in enumerate(said):
        word["start"], word["end"] = round(n * seconds_per_word, 3), round(n * seconds_per_word + 0.15, 3)
    sentences = [{**{k: w[k] for k in ("page", "line", "word")}, "start": w["start"], "end": said[min(n + 9, len(said) - 1)]["end"]}
                 for n, w in enumerate(said) if n % 10 == 0]
    return {"pages": [dict(page) for _ in range(pages)], "lines": text, "language": {"code": "en"}, "chapters": [],
            "text": "", "speech": {"seconds": round(len(said) * seconds_per_word, 3), "words": said, "sentences": sentences}}
