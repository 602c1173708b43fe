// The live reader's Web Worker: one camera frame in, its text lines out, with the
// detector's boxes and what the aiming help needs. The detector and recogniser are the
// worker's default engine's (PP-OCRv6 small, from rapidocr), run by onnxruntime-web (WASM,
// with threads when the page is cross-origin isolated). Nothing here touches the network but
// the first load of the models (which the service worker then keeps).

import * as ort from "../../live-assets/ort.bundle.min.js";
import { boxesFromMap, readingOrder } from "./detect.js";
import { alphabetOf, decode } from "./ctc.js";
import { quadSize, sampleQuad } from "./quad.js";
import { paperShare } from "./steady.js";

const REC_HEIGHT = 48;
const REC_STRIDE = 8; // input pixels per CTC step
const REC_MAX_WIDTH = 1280;
const REC_BATCH_WIDTH = 1920; // images x padded width per recogniser call, at most
const REC_MIN_WIDTH = 96; // narrowest padded input (a short word's crop is padded to it)
let REC_BUDGET = 400; // crop widths read per full reading, at most (the biggest text first): a
// full page would take seconds a frame, and the first line is said only once it has been read
// twice; the second looks that follow (no detection) read the rest while it is said (a voice
// says ~14 characters a second, ~350 widths)
let CONFIRM_BUDGET = 400; // and per second look
const MIN_HEIGHT = 8; // boxes lower than this (frame pixels) are too small to read
const VERTICAL = 1.5; // a box this many times taller than wide is read turned (as the server does)
const WORD_INSET = 0.15; // share of a line box's height above and below its letters (see recogniseBatch)
const SAME_PLACE = 0.6; // IoU with a box already read and said: the same line, not read again

let det = null;
let rec = null;
let alphabet = null;
let detSide = 640;
let lastQuads = new Map(); // the last reading's boxes (as sent) -> their tilted quads, for a second look
let lastThumb = null; // the last full reading's picture, in small (to tell when it has changed)
const scratch = new OffscreenCanvas(1, 1);
const ctx = scratch.getContext("2d", { willReadFrequently: true });

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "init") await init(msg);
    else if (msg.type === "frame") {
      const got = msg.confirm ? await confirm(msg.bitmap, msg.known || [], msg.confirm) : await read(msg.bitmap, msg.known || []);
      self.postMessage({ type: "result", id: msg.id, t: msg.t, ...got });
    }
  } catch (error) {
    self.postMessage({ type: "error", id: msg.id, message: String(error?.message || error) });
  } finally {
    msg.bitmap?.close?.();
  }
};

async function init({ base, threads, side, budget, confirmBudget }) {
  const t0 = performance.now();
  detSide = side || detSide;
  REC_BUDGET = budget || REC_BUDGET;
  CONFIRM_BUDGET = confirmBudget || CONFIRM_BUDGET;
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, threads || 2) : 1;
  ort.env.wasm.wasmPaths = { wasm: new URL("ort-wasm-simd-threaded.wasm", base).href };
  const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  const [detBytes, recBytes, keys] = await Promise.all([
    fetchBytes(new URL("det.onnx", base)), fetchBytes(new URL("rec.onnx", base)),
    fetch(new URL("keys.txt", base)).then((r) => r.text()),
  ]);
  det = await ort.InferenceSession.create(detBytes, options);
  rec = await ort.InferenceSession.create(recBytes, options);
  alphabet = alphabetOf(keys);
  // Warm both sessions (their first run plans memory): the first real frame is then quick.
  await det.run({ x: new ort.Tensor("float32", new Float32Array(3 * 64 * 64), [1, 3, 64, 64]) });
  await rec.run({ x: new ort.Tensor("float32", new Float32Array(3 * REC_HEIGHT * 160), [1, 3, REC_HEIGHT, 160]) });
  self.postMessage({ type: "ready", threads: ort.env.wasm.numThreads, ms: performance.now() - t0 });
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Pixels of `bitmap` (a part, scaled) as the models' input: BGR, CHW, (v / 255 - 0.5) / 0.5,
// written into `out` at `offset` with row length `rowWidth` (padding stays 0); the grey levels too.
function pixels(bitmap, sx, sy, sw, sh, dw, dh) {
  if (scratch.width < dw) scratch.width = dw;
  if (scratch.height < dh) scratch.height = dh;
  ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, dw, dh);
  return ctx.getImageData(0, 0, dw, dh).data;
}

function normalize(rgba, dw, dh, out, offset, rowWidth, plane, gray) {
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const s = (y * dw + x) * 4;
      const d = offset + y * rowWidth + x;
      out[d] = rgba[s + 2] / 127.5 - 1;
      out[d + plane] = rgba[s + 1] / 127.5 - 1;
      out[d + 2 * plane] = rgba[s] / 127.5 - 1;
      if (gray) gray[y * dw + x] = 0.299 * rgba[s] + 0.587 * rgba[s + 1] + 0.114 * rgba[s + 2];
    }
  }
}

/** `known`: the lines said and still in view at the last frame ({ box, text, score, words }):
 *  a box found at the same place is taken as that line, and the recogniser's time goes to the
 *  lines not said yet. */
async function read(bitmap, known) {
  const W = bitmap.width;
  const H = bitmap.height;
  const t0 = performance.now();
  const scale = Math.min(1, detSide / Math.max(W, H));
  const dw = Math.max(32, Math.round((W * scale) / 32) * 32);
  const dh = Math.max(32, Math.round((H * scale) / 32) * 32);
  const input = new Float32Array(3 * dw * dh);
  const gray = new Float32Array(dw * dh);
  normalize(pixels(bitmap, 0, 0, W, H, dw, dh), dw, dh, input, 0, dw, dw * dh, gray);
  const out = await det.run({ x: new ort.Tensor("float32", input, [1, 3, dh, dw]) });
  const map = Object.values(out)[0];
  const [mh, mw] = map.dims.slice(2);
  const sx = W / mw;
  const sy = H / mh;
  const found = readingOrder(boxesFromMap(map.data, mw, mh)).map((b) => ({
    x0: b.x0 * sx, y0: b.y0 * sy, x1: b.x1 * sx, y1: b.y1 * sy, score: b.score,
    quad: b.quad.map(([x, y]) => [x * sx, y * sy]),
  }));
  const t1 = performance.now();
  const decoded = await recognise(bitmap, found, known, REC_BUDGET);
  const t2 = performance.now();
  const stats = { width: W, height: H, brightness: mean(gray), sharpness: sharpness(gray, dw, dh, found, dw / W, dh / H),
    paper: paperShare(gray) };
  const boxes = found.map((b, i) => ({ box: [b.x0, b.y0, b.x1, b.y1], ...(decoded[i] || { text: "", score: 0, words: [] }) }));
  lastQuads = new Map(found.map((b) => [[b.x0, b.y0, b.x1, b.y1].join(), b.quad]));
  lastThumb = thumb(bitmap);
  return { boxes, stats, timings: { det: t1 - t0, rec: t2 - t1 } };
}

/** The second look at new text: the lines the last frame found but did not say yet (`boxes`,
 *  frame pixels), read again in this frame at the same places, without detecting (a steady
 *  camera's text has not moved; if it has, it reads differently and is not said). The lines
 *  said and still in view come back as they were. */
async function confirm(bitmap, known, boxes) {
  // The picture has changed (the camera moved, or is looking at something else): the lines are
  // no longer where they were, and a full reading is what this frame needs.
  if (changed(lastThumb, thumb(bitmap))) return read(bitmap, known);
  const t0 = performance.now();
  const found = boxes.map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1, score: 1,
    quad: lastQuads.get([x0, y0, x1, y1].join()) || [[x0, y0], [x1, y0], [x1, y1], [x0, y1]] }));
  const decoded = await recognise(bitmap, found, [], CONFIRM_BUDGET);
  const again = found.map((b, i) => ({ box: [b.x0, b.y0, b.x1, b.y1], ...(decoded[i] || { text: "", score: 0, words: [] }) }));
  const kept = known.map((k) => ({ ...k, known: true }));
  return { confirm: true, boxes: [...kept, ...again], stats: { width: bitmap.width, height: bitmap.height },
    timings: { det: 0, rec: performance.now() - t0 } };
}

/** The boxes' texts (their indices'): those of `known` where found at the same place, the
 *  others read, the biggest text first while `budget` (crop widths) lasts; the rest come back
 *  empty (`later`: a next frame reads them). */
async function recognise(bitmap, boxes, known, budget) {
  let frame = null; // the frame's pixels, at full size, once there is something to crop
  const framePixels = () => (frame ||= pixels(bitmap, 0, 0, bitmap.width, bitmap.height, bitmap.width, bitmap.height));
  const results = new Array(boxes.length).fill(null);
  const crops = [];
  const bySize = boxes.map((b, i) => ({ b, i, size: Math.min(...quadSize(b.quad)) })).sort((p, q) => q.size - p.size);
  bySize.forEach(({ b, i }) => {
    const same = known.find((k) => iou(k.box, [b.x0, b.y0, b.x1, b.y1]) >= SAME_PLACE);
    if (same) {
      results[i] = { text: same.text, score: same.score, size: same.size, words: same.words, known: true };
      return;
    }
    let [bw, bh] = quadSize(b.quad);
    if (Math.min(bw, bh) < MIN_HEIGHT || Math.max(bw, bh) < 4) return;
    // A box at least 1.5 times taller than wide is vertical text (a spine, a shop's upright
    // sign): read turned a quarter, both ways round (the server's classifier picks the way up;
    // here the surer reading wins).
    const turns = bh >= VERTICAL * bw ? [1, 3] : [0];
    if (turns[0]) [bw, bh] = [bh, bw];
    const width = Math.min(REC_MAX_WIDTH, Math.max(8, Math.round((bw * REC_HEIGHT) / bh)));
    // (The biggest line is read whatever its width: a long line must not wait for ever.)
    if (crops.length && turns.length * width > budget) { results[i] = { text: "", score: 0, words: [], later: true }; return; }
    budget -= turns.length * Math.max(REC_MIN_WIDTH, width);
    for (const turn of turns) crops.push({ i, b, quad: turned(b.quad, turn), width, size: bh });
  });
  crops.sort((a, b) => a.width - b.width);
  let batch = [];
  for (const crop of crops) {
    const width = Math.max(REC_MIN_WIDTH, crop.width);
    if (batch.length && (batch.length + 1) * width > REC_BATCH_WIDTH) {
      await recogniseBatch(bitmap, framePixels(), batch, results);
      batch = [];
    }
    batch.push(crop);
  }
  if (batch.length) await recogniseBatch(bitmap, framePixels(), batch, results);
  return results;
}

async function recogniseBatch(bitmap, frame, batch, results) {
  const width = Math.ceil(Math.max(REC_MIN_WIDTH, ...batch.map((c) => c.width)) / REC_STRIDE) * REC_STRIDE;
  const plane = REC_HEIGHT * width;
  const input = new Float32Array(batch.length * 3 * plane);
  batch.forEach((crop, k) => {
    sampleQuad(frame, bitmap.width, bitmap.height, crop.quad, crop.width, REC_HEIGHT, input, k * 3 * plane, width, plane);
  });
  const out = await rec.run({ x: new ort.Tensor("float32", input, [batch.length, 3, REC_HEIGHT, width]) });
  const probs = Object.values(out)[0];
  const [, steps, classes] = probs.dims;
  const step = width / steps;
  batch.forEach((crop, k) => {
    const valid = Math.ceil(crop.width / step) + 1;
    const line = probs.data.subarray(k * steps * classes, (k + 1) * steps * classes);
    const got = decode(line, steps, classes, valid, alphabet);
    // Word boxes by their characters' steps along the line (for the benchmark's scoring, and
    // to show what was read where): the bounds of that stretch of the line's quad, less the
    // margin the detector's box is grown by for reading (DB's unclip: the letters fill about the
    // middle 70% of its height: ICDAR 2015 words, median).
    const [tl, tr, br, bl] = crop.quad;
    const top = [tl[0] + WORD_INSET * (bl[0] - tl[0]), tl[1] + WORD_INSET * (bl[1] - tl[1]), tr[0] + WORD_INSET * (br[0] - tr[0]), tr[1] + WORD_INSET * (br[1] - tr[1])];
    const low = [bl[0] + WORD_INSET * (tl[0] - bl[0]), bl[1] + WORD_INSET * (tl[1] - bl[1]), br[0] + WORD_INSET * (tr[0] - br[0]), br[1] + WORD_INSET * (tr[1] - br[1])];
    const along = (f) => [top[0] + f * (top[2] - top[0]), top[1] + f * (top[3] - top[1]), low[0] + f * (low[2] - low[0]), low[1] + f * (low[3] - low[1])];
    got.words = got.words.map((word) => {
      const [ax, ay, bx, by] = along(Math.max(0, word.from - 0.5) * step / crop.width);
      const [cx, cy, dx, dy] = along(Math.min(1, (word.to + 1.5) * step / crop.width));
      return { text: word.text, score: word.score, box: [Math.min(ax, bx, cx, dx), Math.min(ay, by, cy, dy),
        Math.max(ax, bx, cx, dx), Math.max(ay, by, cy, dy)] };
    });
    got.size = crop.size; // the text's height (frame pixels): the biggest is said first
    if (!results[crop.i] || got.score > results[crop.i].score) results[crop.i] = got;
  });
}

/** `quad` ([tl, tr, br, bl]) with its corners moved round `turn` places: 1 makes the top-right
 *  corner the crop's top-left (text running down the page read upright), 3 the bottom-left. */
function turned(quad, turn) {
  return quad.map((_, k) => quad[(k + turn) % 4]);
}

const THUMB_W = 32;
const THUMB_H = 18;
const CHANGED = 12; // mean grey difference (0-255) between two thumbnails: another picture

function thumb(bitmap) {
  const rgba = pixels(bitmap, 0, 0, bitmap.width, bitmap.height, THUMB_W, THUMB_H);
  const grey = new Float32Array(THUMB_W * THUMB_H);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  return grey;
}

function changed(a, b) {
  if (!a) return true;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length > CHANGED;
}

function iou(a, b) {
  const ix = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const iy = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

function mean(values) {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length ? sum / values.length : 0;
}

// Variance of the Laplacian of the grey levels inside the text boxes: low when the text is
// blurred (a moving camera), whatever its contrast.
function sharpness(gray, w, h, boxes, fx, fy) {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (const b of boxes) {
    const x0 = Math.max(1, Math.floor(b.x0 * fx));
    const x1 = Math.min(w - 1, Math.ceil(b.x1 * fx));
    const y0 = Math.max(1, Math.floor(b.y0 * fy));
    const y1 = Math.min(h - 1, Math.ceil(b.y1 * fy));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * w + x;
        const v = gray[i - 1] + gray[i + 1] + gray[i - w] + gray[i + w] - 4 * gray[i];
        sum += v;
        sq += v * v;
        n += 1;
      }
    }
  }
  return n ? sq / n - (sum / n) ** 2 : 0;
}
