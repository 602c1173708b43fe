// Text boxes from the DB detector's probability map, as the worker's engine does it
// (chalicelib/engines/ocr/db.py: threshold 0.3, a 2x2 dilation, mean probability >= 0.5, the
// kernel grown by area * 1.3 / perimeter), each region's box its minimum-area rectangle as there
// (tilted text, ICDAR 2015's photos, is cropped upright). Pure: no DOM.

import { corners, minAreaRect } from "./quad.js";

export const DB = { thresh: 0.3, boxThresh: 0.5, unclip: 1.3, minSize: 3 };

/** `prob` (Float32Array, h x w, row-major) -> [{ x0, y0, x1, y1, quad, score }] in map pixels:
 *  `quad` ([tl, tr, br, bl]) the minimum-area rectangle around each connected region of the
 *  thresholded, dilated map (its pixels as unit squares), grown; x0..y1 the quad's bounds. */
export function boxesFromMap(prob, w, h, opts = DB) {
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) if (prob[i] > opts.thresh) mask[i] = 1;
  dilate2x2(mask, w, h);
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const rowMin = new Int32Array(h).fill(w);
  const rowMax = new Int32Array(h).fill(-1);
  const boxes = [];
  let next = 0;
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || label[start]) continue;
    next += 1;
    const region = flood(mask, label, stack, start, next, w, h, prob, rowMin, rowMax);
    // The hull of a region is that of each row's first and last pixel squares.
    const points = [];
    for (let y = region.y0; y <= region.y1; y++) {
      if (rowMax[y] >= 0) points.push([rowMin[y], y], [rowMin[y], y + 1], [rowMax[y] + 1, y], [rowMax[y] + 1, y + 1]);
      rowMin[y] = w;
      rowMax[y] = -1;
    }
    const rect = minAreaRect(points);
    const bw = rect.w;
    const bh = rect.h;
    if (Math.min(bw, bh) < opts.minSize) continue;
    const score = region.sum / region.count;
    if (score < opts.boxThresh) continue;
    const grow = (bw * bh * opts.unclip) / (2 * (bw + bh));
    if (Math.min(bw, bh) + 2 * grow < opts.minSize + 2) continue;
    const quad = corners(rect, grow);
    const xs = quad.map((p) => p[0]);
    const ys = quad.map((p) => p[1]);
    boxes.push({
      x0: Math.max(0, Math.min(...xs)), y0: Math.max(0, Math.min(...ys)),
      x1: Math.min(w, Math.max(...xs)), y1: Math.min(h, Math.max(...ys)), quad, score,
    });
  }
  return boxes;
}

function dilate2x2(mask, w, h) {
  // cv2.dilate with a 2x2 kernel anchored at its centre (1, 1): a pixel is set when it, its
  // left, upper or upper-left neighbour is. Walk backwards so each read is of the original.
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (mask[i]) continue;
      if ((x > 0 && mask[i - 1] === 1) || (y > 0 && mask[i - w] === 1) || (x > 0 && y > 0 && mask[i - w - 1] === 1)) mask[i] = 2;
    }
  }
}

function flood(mask, label, stack, start, id, w, h, prob, rowMin, rowMax) {
  let top = 0;
  stack[top++] = start;
  label[start] = id;
  const r = { x0: w, y0: h, x1: 0, y1: 0, sum: 0, count: 0 };
  while (top > 0) {
    const i = stack[--top];
    const x = i % w;
    const y = (i - x) / w;
    if (x < r.x0) r.x0 = x;
    if (x > r.x1) r.x1 = x;
    if (y < r.y0) r.y0 = y;
    if (y > r.y1) r.y1 = y;
    if (x < rowMin[y]) rowMin[y] = x;
    if (x > rowMax[y]) rowMax[y] = x;
    r.sum += prob[i];
    r.count += 1;
    if (x > 0 && mask[i - 1] && !label[i - 1]) { label[i - 1] = id; stack[top++] = i - 1; }
    if (x < w - 1 && mask[i + 1] && !label[i + 1]) { label[i + 1] = id; stack[top++] = i + 1; }
    if (y > 0 && mask[i - w] && !label[i - w]) { label[i - w] = id; stack[top++] = i - w; }
    if (y < h - 1 && mask[i + w] && !label[i + w]) { label[i + w] = id; stack[top++] = i + w; }
  }
  return r;
}

/** Boxes in reading order: rows top to bottom (a box whose middle lies within the previous
 *  one's height is on its row), left to right within a row. */
export function readingOrder(boxes) {
  const sorted = [...boxes].sort((a, b) => (a.y0 + a.y1) - (b.y0 + b.y1));
  const rows = [];
  for (const box of sorted) {
    const mid = (box.y0 + box.y1) / 2;
    const row = rows.at(-1);
    if (row && mid >= row.y0 && mid <= row.y1) {
      row.items.push(box);
      row.y1 = Math.max(row.y1, box.y1);
    } else {
      rows.push({ y0: box.y0, y1: box.y1, items: [box] });
    }
  }
  return rows.flatMap((row) => row.items.sort((a, b) => a.x0 - b.x0));
}
