"""Tesseract (Debian `tesseract-ocr`, `eng`) as a benchmark peer, through its command line.

Not a PageVoice engine: it only has to produce the same result shape so it is scored alike.
One configuration for every image: grayscale input, page segmentation mode 11 ("sparse text,
as much text as possible in no particular order"): the default mode (3) reads nothing on most
scene photos. Measured on the tune halves: FUNSD end-to-end exact F1 0.45 with mode 11 against
0.40 with mode 3; ICDAR case-insensitive 0.05 against 0.08 (both read little of the photos).
`OMP_THREAD_LIMIT=1`: its OpenMP build is ~4x slower on 2 cores otherwise.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile

import numpy as np

from chalicelib.engines.ocr.base import Line, Word
from chalicelib.geometry import rect

PSM = os.environ.get("BENCH_TESSERACT_PSM", "11")


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        exe = shutil.which("tesseract")
        if not exe:
            raise RuntimeError("tesseract is not installed (apt-get install tesseract-ocr)")
        self.exe = exe
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
        self.version = (out.stdout or out.stderr).splitlines()[0].strip()
        self.env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        self.last_timings: dict[str, float] = {}

    def read(self, image: np.ndarray) -> list[Line]:
        import cv2

        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "page.png")
            cv2.imwrite(path, gray)
            out = subprocess.run([self.exe, path, "stdout", "--psm", PSM, "-l", "eng", "tsv"],
                                 capture_output=True, text=True, env=self.env, check=True)
        return parse_tsv(out.stdout)


def parse_tsv(tsv: str) -> list[Line]:
    """Tesseract's TSV (level 5 rows are words) -> lines of words."""
    lines: dict[tuple, list] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        conf = float(row.get("conf") or -1)
        if not text or conf < 0:
            continue
        x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append(Word(text, min(max(conf / 100.0, 0.0), 1.0), rect(x, y, x + w, y + h)))
    out = []
    for words in lines.values():
        xs = [p[0] for w in words for p in w.box]
        ys = [p[1] for w in words for p in w.box]
        out.append(Line(text=" ".join(w.text for w in words),
                        confidence=float(np.mean([w.confidence for w in words])),
                        box=rect(min(xs), min(ys), max(xs), max(ys)), words=words))
    return out
