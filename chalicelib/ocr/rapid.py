"""The default OCR engine: rapidocr with its bundled PP-OCRv6 ONNX models (no download)."""
from __future__ import annotations

import os

import numpy as np

from chalicelib import settings
from chalicelib.plugins import dist_version
from chalicelib.ocr.base import Line, Word, quad

# onnxruntime >= 1.29 phones a telemetry host a few seconds after a session starts.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def _params(threads: int) -> dict:
    from rapidocr import EngineType, ModelType, OCRVersion

    bundled = {"engine_type": EngineType.ONNXRUNTIME, "ocr_version": OCRVersion.PPOCRV6,
               "model_type": ModelType.SMALL}
    return {
        "Global.log_level": "error",  # "no text found" is a result, not a warning
        # Only the bundled models: anything else tries to download and fails offline.
        **{f"{stage}.{k}": v for stage in ("Det", "Rec") for k, v in bundled.items()},
        # The default (limit_type=min, 736) upscales small images: a 480x80 line became a
        # 4416x736 detector input. Cap the long side instead.
        "Det.limit_type": "max",
        "Det.limit_side_len": 1536,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.version = dist_version("rapidocr")
        self._ocr = RapidOCR(params=_params(max(1, settings.get().ocr_threads)))
        # Sessions are created lazily on the first call: warm up now (Lambda init), so the
        # first user's request does not pay for it.
        self._ocr(np.full((32, 96, 3), 255, dtype=np.uint8))

    def read(self, image: np.ndarray) -> list[Line]:
        out = self._ocr(np.ascontiguousarray(image[:, :, ::-1]), return_word_box=True)  # wants BGR
        if out.boxes is None or out.txts is None:
            return []
        lines = []
        word_results = out.word_results or [()] * len(out.txts)
        for box, text, score, words in zip(out.boxes, out.txts, out.scores, word_results):
            text = text.strip()
            if not text:
                continue
            line_box = quad(box)
            mapped = [Word(str(t).strip(), float(s), quad(b)) for t, s, b in (words or ()) if str(t).strip()]
            if not mapped:  # no character positions: the whole line is one word box
                mapped = [Word(text, float(score), line_box)]
            lines.append(Line(text=text, confidence=float(score), box=line_box, words=mapped))
        return lines

