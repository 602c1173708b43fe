"""Tesseract (the `tesseract` command of Debian's tesseract-ocr and its language packs) as an
OCR engine: the reader of the scripts the default engine cannot read (Cyrillic, Greek, Arabic,
Hebrew, Devanagari, Hangul, Thai).

It runs as a child process on one page at a time: grayscale PNG in, TSV out (one row per word
with its box and confidence), in a private temporary directory, killed when the deadline
passes. `OMP_THREAD_LIMIT=1`: its OpenMP build was ~4x slower on 2 shared cores without it.

Besides whole pages (`TesseractEngine`), two uses the page's reader (engines/ocr/reader.py)
makes of it through the script classifier (engines/ocr/scripts.py): `osd` names a page's script,
`words` reads a sample or a stack of line crops with one traineddata.

Word order: Tesseract's TSV lists the words of a right-to-left line in reading order (the
rightmost word of an Arabic or Hebrew line first; measured on rendered lines), each word's
characters in logical order, so `words` and `text` are in reading order as they come.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from chalicelib.engines.ocr.base import Line, Reading, Word
from chalicelib.errors import EngineUnavailable, ImageError
from chalicelib.geometry import around, bounds, rect


@dataclass(frozen=True)
class TesseractConfig:
    """How Tesseract reads a page."""
    languages: str = "eng"  # traineddata names joined by "+" ("rus", "hin+eng", the script model "Cyrillic")
    psm: int = 3  # page segmentation mode: 3 whole pages; 11 sparse text (scene photos)
    korean_psm: int = 6  # ...for Korean: 3 scattered the lines of rendered Korean pages (word accuracy 0.05; 4: 0.92; 6: 0.96)
    word_score: float = 0.0  # words read with less confidence are left out of the lines (Reading.unsure); 0.3 dropped right Greek words read at 0.11-0.24
    grayscale: bool = True  # give it the page in gray (its own binarisation does the rest)
    timeout: float = 120.0  # seconds a page may take at most when the caller gives no deadline
    tessdata: str = ""  # directory of the traineddata files ("": Tesseract's own)


def executable() -> str:
    """The `tesseract` command, or EngineUnavailable saying how to install it."""
    exe = shutil.which("tesseract")
    if not exe:
        raise EngineUnavailable("Tesseract is not installed here, so pages in this script cannot be read. "
                                "Install it (Debian: apt-get install tesseract-ocr) and its language packs.")
    return exe


def installed_languages(exe: str, tessdata: str = "") -> set[str]:
    """The traineddata names Tesseract finds (`--list-langs`)."""
    args = [exe, "--list-langs"] + (["--tessdata-dir", tessdata] if tessdata else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=30)
    rows = (out.stdout or out.stderr).splitlines()
    return {r.strip().rsplit("/", 1)[-1] for r in rows[1:] if r.strip()}


def package_of(name: str) -> str:
    """Debian's package for a traineddata name: tesseract-ocr-rus; script models are in
    tesseract-ocr-script-<code> (Cyrillic -> cyrl)."""
    if name[:1].isupper():
        return "tesseract-ocr-script-" + name.lower()[:4]
    return "tesseract-ocr-" + name.lower()


KOREAN = {"kor", "Hangul"}


class TesseractEngine:
    name = "tesseract"
    Config = TesseractConfig
    ENV_PREFIX = "PAGEVOICE_TESSERACT_"

    def __init__(self, config: TesseractConfig | None = None) -> None:
        self.cfg = config or TesseractConfig()
        self.exe = executable()
        have = installed_languages(self.exe, self.cfg.tessdata)
        missing = [n for n in self.cfg.languages.split("+") if n not in have]
        if missing:
            raise EngineUnavailable(
                f"Tesseract has no data for {', '.join(missing)} here, so this language cannot be read. "
                f"Install {', '.join(package_of(n) for n in missing)} (Debian) or put "
                f"{', '.join(n + '.traineddata' for n in missing)} in its tessdata directory.")
        out = subprocess.run([self.exe, "--version"], capture_output=True, text=True, timeout=30)
        self.version = f"{(out.stdout or out.stderr).splitlines()[0].strip()} ({self.cfg.languages})"
        self.last_timings: dict[str, float] = {}

    def command(self, path: str) -> list[str]:
        c = self.cfg
        psm = c.korean_psm if set(c.languages.split("+")) <= KOREAN else c.psm
        return ([self.exe, path, "stdout", "-l", c.languages, "--psm", str(psm)]
                + (["--tessdata-dir", c.tessdata] if c.tessdata else []) + ["tsv"])

    def read(self, image: np.ndarray, *, deadline: float | None = None, language: str | None = None) -> Reading:
        """Lines of words in reading order. Past `deadline` (time.monotonic) Tesseract is
        stopped and the Reading is empty and says it was cut short. (`language` is not used:
        the configured traineddata are the language.)"""
        t0 = time.perf_counter()
        budget = self.cfg.timeout if deadline is None else min(self.cfg.timeout, deadline - time.monotonic())
        if budget <= 0:
            return Reading(complete=False, reason="time", lines_found=0)
        page = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if self.cfg.grayscale else image[:, :, ::-1]
        out = run(self.command, page, budget)
        self.last_timings = {"ocr": round((time.perf_counter() - t0) * 1000, 1)}
        if out is None:
            return Reading(complete=False, reason="time", lines_found=0)
        if out.returncode != 0:
            raise ImageError("The reader for this language could not read this image. "
                             "Try a clearer or smaller photo of the page.")
        lines = parse_tsv(out.stdout)
        unsure = [w for ln in lines for w in ln.words if w.confidence < self.cfg.word_score]
        kept = [line_of(words) for ln in lines if (words := [w for w in ln.words if w.confidence >= self.cfg.word_score])]
        return Reading(kept, unsure=unsure)


def run(command, page: np.ndarray, budget: float) -> subprocess.CompletedProcess | None:
    """Tesseract on `page` (written as PNG in a private temporary directory, where it also
    works; `command(path)` its arguments), or None when it ran past `budget` seconds (killed)."""
    with tempfile.TemporaryDirectory(prefix="tesseract-") as tmp:
        path = os.path.join(tmp, "page.png")
        cv2.imwrite(path, page)
        try:
            return subprocess.run(command(path), capture_output=True, text=True, cwd=tmp, timeout=budget,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1", "TMPDIR": tmp})
        except subprocess.TimeoutExpired:
            return None


def osd(gray: np.ndarray, timeout: float) -> tuple[str, float] | None:
    """Tesseract's orientation and script detection on `gray`: (its script name, "Latin",
    "Cyrillic", ...; its script confidence, 0 up), or None when it failed or ran past `timeout`
    seconds. EngineUnavailable without Tesseract."""
    exe = executable()
    out = run(lambda path: [exe, path, "stdout", "--psm", "0"], gray, timeout)
    if out is None or out.returncode != 0:
        return None
    found = dict(re.findall(r"^(Script|Script confidence): (.+)$", out.stdout, re.M))
    return found.get("Script", ""), float(found.get("Script confidence", 0))


def words(gray: np.ndarray, model: str, budget: float, psm: int = 6) -> list[Word] | None:
    """The words Tesseract reads in `gray` with the traineddata `model` (`psm` 6: one block of
    text, as a sample of lines or a stack of line crops is), in its order; [] when it failed
    (a model not installed), None when it ran past `budget` seconds. EngineUnavailable without
    Tesseract."""
    exe = executable()
    out = run(lambda path: [exe, path, "stdout", "-l", model, "--psm", str(psm), "tsv"], gray, budget)
    if out is None:
        return None
    return [w for line in parse_tsv(out.stdout) for w in line.words] if out.returncode == 0 else []


def parse_tsv(tsv: str) -> list[Line]:
    """Tesseract's TSV -> lines (block, paragraph, line) of words (level 5 rows), in its order.
    Rows without text or with a negative confidence (not words) are left out."""
    lines: dict[tuple, list[Word]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        conf = float(row.get("conf") or -1)
        if row.get("level") != "5" or not text or conf < 0:
            continue
        x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
        # Thai SARA AM comes out as NIKHAHIT + SARA AA (which looks the same): one character again.
        word = Word("".join(text.split()).replace("\u0e4d\u0e32", "\u0e33"), min(conf / 100.0, 1.0), rect(x, y, x + w, y + h))
        lines.setdefault((row["page_num"], row["block_num"], row["par_num"], row["line_num"]), []).append(word)
    return [line_of(join_letters(words)) for words in lines.values()]


def line_of(words: list[Word]) -> Line:
    # Tesseract finds upright text only: every line runs left to right in the image's frame,
    # whichever way it reads (an Arabic page must not look upside down to reading_order).
    return Line(text=" ".join(w.text for w in words), confidence=float(np.mean([w.confidence for w in words])),
                box=around(w.box for w in words), words=words, direction=(1.0, 0.0))


# Scripts Tesseract splits into a "word" per syllable or letter (Hangul, Thai, Han, kana).
UNSPACED = ("HANGUL", "THAI", "CJK", "HIRAGANA", "KATAKANA")
JOIN_GAP = 0.3  # ...whose pieces closer than this many line heights are one word


def join_letters(words: list[Word]) -> list[Word]:
    """Words of the unspaced scripts whose pieces Tesseract gives apart, joined where the ink
    runs on (a gap under `JOIN_GAP` line heights): spaces are kept where the page has them."""
    height = float(np.median([bounds(w.box)[3] - bounds(w.box)[1] for w in words]))
    out = [words[0]]
    for word in words[1:]:
        prev = out[-1]
        a, b = bounds(prev.box), bounds(word.box)
        gap = max(b[0] - a[2], a[0] - b[2])  # either way along the line
        if gap < JOIN_GAP * height and unspaced(prev.text[-1]) and unspaced(word.text[0]):
            n = len(prev.text) + len(word.text)
            out[-1] = Word(prev.text + word.text,
                           (prev.confidence * len(prev.text) + word.confidence * len(word.text)) / n,
                           around([prev.box, word.box]))
        else:
            out.append(word)
    return out


def unspaced(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(UNSPACED)
