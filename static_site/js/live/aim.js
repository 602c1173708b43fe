// Aiming help from the detection itself (pure): the light, whether there is text, whether it
// is too small to read, cut at an edge of the picture, or blurred.

export const HINTS = {
  dark: "Too dark: add some light",
  none: "No text in view",
  closer: "Move closer",
  left: "Move left",
  right: "Move right",
  up: "Move up",
  down: "Move down",
  still: "Hold still",
};

const DARK = 40; // mean grey level (0-255) under which the picture is too dark to read
const SMALL = 0.035; // text lines lower than this share of the picture's height are too small
const EDGE = 0.01; // a box this close to a side (share of the side) is cut by it
const BLURRED = 150; // variance of the Laplacian inside the text boxes, below which it is blurred

/** The hint for one frame (a key of HINTS), or "" when the text reads well.
 *  `boxes`: every detected box ({ box: [x0, y0, x1, y1], text, score }); `lines`: the readable
 *  ones (steady.readable); `stats`: { width, height, brightness, sharpness }. */
export function hintFor(boxes, lines, stats) {
  const { width: w, height: h } = stats;
  if (stats.brightness < DARK) return "dark";
  if (!boxes.length) return "none";
  const tallest = Math.max(...boxes.map((b) => b.box[3] - b.box[1]));
  // All of it that small reads badly when it reads at all (5 px letters came out half wrong).
  if (tallest < SMALL * h) return "closer";
  const edge = edgeOf(boxes, w, h);
  if (edge) return edge;
  if (!lines.length && stats.sharpness < BLURRED) return "still";
  return "";
}

// The side most text runs off (the way to turn the camera), if one side stands out.
function edgeOf(boxes, w, h) {
  const cut = { left: 0, right: 0, up: 0, down: 0 };
  for (const { box: [x0, y0, x1, y1] } of boxes) {
    if (y1 - y0 < SMALL * h) continue; // specks at the border are not text running off it
    if (x0 <= EDGE * w) cut.left += 1;
    if (x1 >= (1 - EDGE) * w) cut.right += 1;
    if (y0 <= EDGE * h) cut.up += 1;
    if (y1 >= (1 - EDGE) * h) cut.down += 1;
  }
  const [side, n] = Object.entries(cut).sort((a, b) => b[1] - a[1])[0];
  const opposite = { left: "right", right: "left", up: "down", down: "up" }[side];
  return n > 0 && n > cut[opposite] ? side : "";
}

/** Says a hint once it holds for two frames, and the same one again only after `repeatMs`. */
export class HintGate {
  constructor({ repeatMs = 4000 } = {}) {
    this.repeatMs = repeatMs;
    this.last = "";
    this.said = { key: "", at: -Infinity };
  }

  /** -> the hint to say now ("" for none). */
  update(key, now) {
    const steady = key && key === this.last;
    this.last = key;
    if (!steady) return "";
    if (this.said.key === key && now - this.said.at < this.repeatMs) return "";
    this.said = { key, at: now };
    return key;
  }
}
