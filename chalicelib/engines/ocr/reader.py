"""The page's reader: one OCR engine (base.OcrEngine) composed of the parts that together
decide who reads a page, as docTR's `OCRPredictor` holds its detector and recogniser and
OCRmyPDF's `TesseractOcrEngine` hides how Tesseract is called. The page kind calls
`reader.read(image, deadline=..., language=...)` and never names an engine.

Its parts:
- the engine chosen by name (`settings.worker.ocr_engine`, or the caller's): rapidocr by
  default; keras-ocr where its venv is;
- the script classifier (scripts.py, with the line model script_id.py): whether the engine's
  reading is of a script it cannot read, and which;
- Tesseract (tesseract.py), with the traineddata of the page's language or script.

Who reads a page:
1. a named language whose reader (the language table's `reader` column) is a Tesseract
   traineddata: Tesseract with it;
2. otherwise the engine. Its reading stands when the language was named, or when the engine
   is not one whose readings the classifier was measured on (`CLASSIFIED`);
3. otherwise, when that reading looks like a script the engine cannot read, Tesseract reads
   the page in its script (if Tesseract reads that script); else lines the engine found but
   could not read, in another script (a bilingual sign), are read by Tesseract and added.
   A short reading (a sign of a few lines, `scripts.SHORT_LINES`) is read line by line first:
   its lines the engine could not read or misread ("." for a Serbian line), when the line
   classifier names another script and Tesseract reads them surely in it, are Tesseract's;
   a Latin line stays the engine's. Only when nothing is read so does Tesseract read the page.
The `Reading` says which part read it (`Reading.engine`: its name and version go into the
result).
"""
from __future__ import annotations

import time

import cv2
import numpy as np

from chalicelib import languages, plugins
from chalicelib.engines.ocr import ENGINES, scripts
from chalicelib.engines.ocr.base import OcrEngine, Reading
from chalicelib.engines.ocr.tesseract import TesseractConfig
from chalicelib.languages import detect

# The language table's `reader` for the languages the chosen engine reads (its other readers
# are Tesseract traineddata).
ENGINE_READS = "rapidocr"
# The engines whose readings the script classifier's thresholds were measured on: their pages in
# other scripts go to Tesseract. Another (keras-ocr) reads every page it is given.
CLASSIFIED = frozenset({"rapidocr"})


class Reader:
    """The page's reader around `engine` (an OcrEngine); its name and version are the engine's
    (a document's result names the engine chosen; each page's reading the part that read it)."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def version(self) -> str:
        return self.engine.version

    def read(self, image: np.ndarray, *, deadline: float | None = None, language: str | None = None) -> Reading:
        """RGB uint8 array -> the page's lines, read by the part that reads it (module
        docstring), as a `Reading` whose `engine` is that part. `language`: the one the upload
        named (a code of chalicelib.languages), or None."""
        if blank(image):  # nothing to read, by any engine: a scanned book's blank pages cost no detector pass
            return Reading(engine=self.engine)
        named = languages.get(language) if language else None
        if named is not None and named.reader not in (None, ENGINE_READS):
            return self._by(tesseract(named.reader), image, deadline)
        lines = self._by(self.engine, image, deadline, language)
        if named is not None or self.engine.name not in CLASSIFIED:
            return lines
        needs = scripts.needs_other_reader(lines)
        if not needs or scripts.is_short(lines):
            until = time.monotonic() + TesseractConfig.timeout if deadline is None else deadline
            added, replaced = scripts.read_other_lines(image, lines, until)  # a line in another script
            if added and needs:  # a sign the engine could not read: Tesseract's page, if it reads more
                return self._surer(self._with(lines, added, replaced), image, deadline)
            if not needs:
                return self._with(lines, added, replaced)
        script, _ = scripts.detect_script(image, lines=lines)
        data = scripts.tesseract_languages(script) if script else None
        return self._by(tesseract(data), image, deadline) if data else lines

    @staticmethod
    def _with(reading: Reading, added: list, replaced: list) -> Reading:
        """`reading` with Tesseract's lines `added` in place of the engine's `replaced`; said to be
        Tesseract's when none of the engine's is left (a sign in one script)."""
        reading[:] = [ln for ln in reading if not any(ln is r for r in replaced)]
        # The engine's unsure words on those lines ("Kαλημρα") are Tesseract's words now.
        reading.unsure = [w for w in reading.unsure if not any(_inside(w.box, ln.box) for ln in added)]
        if added and not reading:
            reading.engine = tesseract(scripts.tesseract_languages(scripts.script_of(" ".join(ln.text for ln in added))))
        reading.extend(added)
        return reading

    def _surer(self, reading: Reading, image: np.ndarray, deadline: float | None) -> Reading:
        """`reading` (a sign read line by line) or Tesseract's reading of the whole image in the
        script of its lines, whichever holds more letters of that script in sure words (a line
        too small for its crop to be read is read on the page at times)."""
        script = scripts.script_of(" ".join(ln.text for ln in reading))
        page = self._by(tesseract(scripts.tesseract_languages(script)), image, deadline)
        return page if _sure_letters(page, script) > _sure_letters(reading, script) else reading

    @staticmethod
    def _by(engine: OcrEngine, image: np.ndarray, deadline: float | None, language: str | None = None) -> Reading:
        lines = engine.read(image, deadline=deadline, language=language)
        reading = lines if isinstance(lines, Reading) else Reading(lines)
        reading.engine = engine
        return reading


def blank(image: np.ndarray, band: int = 256) -> bool:
    """Whether the image is one colour throughout (a blank page rendered or scanned clean, a
    frame of one colour): ~0.03 s for 40 megapixels, against ~2.4 s of the detector finding
    nothing in it. A band of rows at a time, so a page with ink stops at its first."""
    rows = image.reshape(image.shape[0], -1)  # (H, W*C): one channel for OpenCV
    first = rows[0, :image.shape[2]] if image.ndim == 3 else rows[0, :1]
    same = np.tile(first, (min(band, len(rows)), rows.shape[1] // len(first)))
    return all(cv2.norm(rows[y:y + band], same[:len(rows) - y], cv2.NORM_INF) == 0 for y in range(0, len(rows), band))


def _sure_letters(reading: Reading, script: str) -> int:
    text = " ".join(w.text for ln in reading for w in ln.words if w.confidence >= scripts.OTHER_MIN_CONFIDENCE)
    return detect.script_counts(text).get(script, 0)


def _inside(box, line_box) -> bool:
    """Whether `box`'s centre lies in the quadrilateral `line_box`."""
    centre = np.asarray(box, dtype=np.float32).mean(axis=0)
    return cv2.pointPolygonTest(np.asarray(line_box, dtype=np.float32), (float(centre[0]), float(centre[1])), False) >= 0


def tesseract(data: str) -> OcrEngine:
    """Tesseract reading with the traineddata `data` ("rus", "hin+eng", the script model
    "Cyrillic"), its other settings as the environment sets them."""
    return plugins.with_settings("OCR", ENGINES, "tesseract", languages=data)
