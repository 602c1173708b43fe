"""Boxes from the DB detector's probability map (Differentiable Binarization, Liao et al. 2020).

The same steps as PaddleOCR's and rapidocr's DBPostProcess (Apache-2.0), written here because
importing rapidocr for it cost half a second of every cold start (its package imports its whole
pipeline, omegaconf and shapely); the polygon's area and perimeter are computed here instead of
by shapely. tests/ocr/test_db.py checks the boxes equal rapidocr's on real detector maps.
"""
from __future__ import annotations

import cv2
import numpy as np
import pyclipper

MIN_SIZE = 3  # shorter side, in map pixels, below which a region is noise


class DBPostProcess:
    def __init__(self, thresh: float = 0.3, box_thresh: float = 0.7, max_candidates: int = 1000,
                 unclip_ratio: float = 2.0, use_dilation: bool = False) -> None:
        self.thresh = thresh
        self.box_thresh = box_thresh
        self.max_candidates = max_candidates
        self.unclip_ratio = unclip_ratio
        self.dilation_kernel = np.ones((2, 2), np.uint8) if use_dilation else None

    def __call__(self, pred: np.ndarray, ori_shape: tuple[float, float]) -> tuple[np.ndarray, list[float]]:
        """`pred` (1, 1, H, W) probabilities -> (N, 4, 2) boxes in a frame of `ori_shape`
        (height, width), clockwise from top-left, and their mean probabilities."""
        src_h, src_w = ori_shape
        prob = pred[0, 0]
        mask = (prob > self.thresh).astype(np.uint8)
        if self.dilation_kernel is not None:
            mask = cv2.dilate(mask, self.dilation_kernel)
        boxes, scores = self._boxes(prob, mask, src_w, src_h)
        return self._filter(boxes, scores, src_h, src_w)

    def _boxes(self, prob: np.ndarray, bitmap: np.ndarray, dest_w: float, dest_h: float):
        height, width = bitmap.shape
        contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes, scores = [], []
        for contour in contours[: self.max_candidates]:
            points, sside = _mini_box(contour)
            if sside < MIN_SIZE:
                continue
            score = _score(prob, points)
            if self.box_thresh > score:
                continue
            box, sside = _mini_box(self._unclip(points))
            if sside < MIN_SIZE + 2:
                continue
            box[:, 0] = np.clip(np.round(box[:, 0] / width * dest_w), 0, dest_w)
            box[:, 1] = np.clip(np.round(box[:, 1] / height * dest_h), 0, dest_h)
            boxes.append(box.astype(np.int32))
            scores.append(score)
        return boxes, scores

    def _unclip(self, box: np.ndarray) -> np.ndarray:
        """Grow the shrunk text kernel back by area * ratio / perimeter (the DB paper's rule)."""
        p = box.astype(np.float64)
        q = np.roll(p, -1, axis=0)
        area = abs(float(np.sum(p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]))) / 2.0  # shoelace
        perimeter = float(np.sum(np.hypot(*(q - p).T)))
        distance = area * self.unclip_ratio / perimeter
        offset = pyclipper.PyclipperOffset()
        offset.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
        return np.array(offset.Execute(distance)).reshape((-1, 1, 2))

    @staticmethod
    def _filter(boxes, scores, img_h: float, img_w: float) -> tuple[np.ndarray, list[float]]:
        kept, kept_scores = [], []
        for box, score in zip(boxes, scores):
            box = _clockwise(box)
            box[:, 0] = np.clip(box[:, 0], 0, img_w - 1).astype(np.int32)
            box[:, 1] = np.clip(box[:, 1], 0, img_h - 1).astype(np.int32)
            if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
                continue
            kept.append(box)
            kept_scores.append(score)
        return np.array(kept), kept_scores


def _mini_box(contour: np.ndarray) -> tuple[np.ndarray, float]:
    """The minimum-area rectangle's corners (top-left, top-right, bottom-right, bottom-left as
    PaddleOCR orders them) and its shorter side."""
    rect = cv2.minAreaRect(contour)
    pts = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    i1, i4 = (0, 1) if pts[1][1] > pts[0][1] else (1, 0)
    i2, i3 = (2, 3) if pts[3][1] > pts[2][1] else (3, 2)
    return np.array([pts[i1], pts[i2], pts[i3], pts[i4]]), min(rect[1])


def _score(prob: np.ndarray, box: np.ndarray) -> float:
    """Mean probability inside the box (DB's "fast" score)."""
    h, w = prob.shape
    box = box.copy()
    x0 = np.clip(np.floor(box[:, 0].min()).astype(np.int32), 0, w - 1)
    x1 = np.clip(np.ceil(box[:, 0].max()).astype(np.int32), 0, w - 1)
    y0 = np.clip(np.floor(box[:, 1].min()).astype(np.int32), 0, h - 1)
    y1 = np.clip(np.ceil(box[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    box[:, 0] -= x0
    box[:, 1] -= y0
    cv2.fillPoly(mask, box.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(prob[y0:y1 + 1, x0:x1 + 1], mask)[0]


def _clockwise(pts: np.ndarray) -> np.ndarray:
    """top-left, top-right, bottom-right, bottom-left (float32)."""
    xs = pts[np.argsort(pts[:, 0]), :]
    left, right = xs[:2], xs[2:]
    tl, bl = left[np.argsort(left[:, 1]), :]
    tr, br = right[np.argsort(right[:, 1]), :]
    return np.array([tl, tr, br, bl], dtype=np.float32)
