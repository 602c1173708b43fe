// Tilted text lines: the minimum-area rectangle around a detector region and an upright crop of
// it for the recogniser, as the server does (chalicelib/engines/ocr/db.py's _mini_box,
// postprocess.py's crop_line). An axis-aligned box around tilted text holds parts of the lines
// above and below and reads them as noise. Pure: no DOM.

/** Convex hull (Andrew's monotone chain) of [[x, y], ...], counter-clockwise in image axes. */
export function hull(points) {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower.at(-2), lower.at(-1), p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper.at(-2), upper.at(-1), p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** The minimum-area rectangle around `points` (one side along a hull edge):
 *  { cx, cy, ux, uy, w, h } with u the unit axis nearer the horizontal (ux > 0), w the extent
 *  along u and h along the perpendicular (pointing down the image). */
export function minAreaRect(points) {
  const hp = hull(points);
  let best = null;
  const n = hp.length;
  for (let i = 0; i < Math.max(1, n); i++) {
    const a = hp[i];
    const b = hp[(i + 1) % n] || a;
    let ex = b[0] - a[0];
    let ey = b[1] - a[1];
    const len = Math.hypot(ex, ey);
    if (len === 0) { ex = 1; ey = 0; } else { ex /= len; ey /= len; }
    let u0 = Infinity; let u1 = -Infinity; let v0 = Infinity; let v1 = -Infinity;
    for (const p of hp) {
      const u = p[0] * ex + p[1] * ey;
      const v = -p[0] * ey + p[1] * ex;
      if (u < u0) u0 = u;
      if (u > u1) u1 = u;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
    const area = (u1 - u0) * (v1 - v0);
    if (!best || area < best.area - 1e-9) best = { area, ex, ey, u0, u1, v0, v1 };
  }
  const { ex, ey, u0, u1, v0, v1 } = best;
  const um = (u0 + u1) / 2;
  const vm = (v0 + v1) / 2;
  const cx = um * ex - vm * ey;
  const cy = um * ey + vm * ex;
  // Of the edge's direction and its perpendicular, the one nearer the horizontal is the line's.
  let ux = ex; let uy = ey; let w = u1 - u0; let h = v1 - v0;
  if (Math.abs(ey) > Math.abs(ex)) { ux = -ey; uy = ex; [w, h] = [h, w]; }
  if (ux < 0 || (ux === 0 && uy < 0)) { ux = -ux; uy = -uy; }
  return { cx, cy, ux, uy, w, h };
}

/** The rectangle's corners grown by `pad` on every side: [tl, tr, br, bl], each [x, y]. */
export function corners(rect, pad = 0) {
  const { cx, cy, ux, uy } = rect;
  const vx = -uy;
  const vy = ux; // the perpendicular, pointing down the image
  const hw = rect.w / 2 + pad;
  const hh = rect.h / 2 + pad;
  const at = (su, sv) => [cx + su * hw * ux + sv * hh * vx, cy + su * hw * uy + sv * hh * vy];
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}

/** Width and height of a quad [tl, tr, br, bl]: its top and left sides. */
export function quadSize(q) {
  return [Math.hypot(q[1][0] - q[0][0], q[1][1] - q[0][1]), Math.hypot(q[3][0] - q[0][0], q[3][1] - q[0][1])];
}

/** Sample quad `q` ([tl, tr, br, bl] in `rgba`'s pixels, `w` x `h`, RGBA rows) upright into a
 *  `dw` x `dh` crop, bilinearly, edges repeated past the frame (cv2's BORDER_REPLICATE), as
 *  the models' input: BGR planes, (v / 255 - 0.5) / 0.5, written into `out` at `offset` with
 *  row length `rowWidth` and plane size `plane`. The map is affine (tl, tr, bl): the quads
 *  here are rectangles. */
export function sampleQuad(rgba, w, h, q, dw, dh, out, offset, rowWidth, plane) {
  const [tl, tr, , bl] = q;
  const ax = (tr[0] - tl[0]) / dw;
  const ay = (tr[1] - tl[1]) / dw;
  const bx = (bl[0] - tl[0]) / dh;
  const by = (bl[1] - tl[1]) / dh;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      // The output pixel's centre, mapped back; source pixel centres sit at integers.
      const sx = tl[0] + (x + 0.5) * ax + (y + 0.5) * bx - 0.5;
      const sy = tl[1] + (x + 0.5) * ay + (y + 0.5) * by - 0.5;
      const fx = Math.floor(sx);
      const fy = Math.floor(sy);
      const tx = sx - fx;
      const ty = sy - fy;
      const x0 = Math.min(w - 1, Math.max(0, fx));
      const x1 = Math.min(w - 1, Math.max(0, fx + 1));
      const y0 = Math.min(h - 1, Math.max(0, fy));
      const y1 = Math.min(h - 1, Math.max(0, fy + 1));
      const i00 = (y0 * w + x0) * 4;
      const i01 = (y0 * w + x1) * 4;
      const i10 = (y1 * w + x0) * 4;
      const i11 = (y1 * w + x1) * 4;
      const w00 = (1 - tx) * (1 - ty);
      const w01 = tx * (1 - ty);
      const w10 = (1 - tx) * ty;
      const w11 = tx * ty;
      const d = offset + y * rowWidth + x;
      for (let c = 0; c < 3; c++) {
        const v = rgba[i00 + c] * w00 + rgba[i01 + c] * w01 + rgba[i10 + c] * w10 + rgba[i11 + c] * w11;
        out[d + (2 - c) * plane] = v / 127.5 - 1; // RGBA -> BGR planes
      }
    }
  }
}
