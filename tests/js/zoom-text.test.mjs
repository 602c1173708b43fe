// Zoom to the text (issue 44): where the text is on a photo, how far to zoom so it fills the view,
// and which part of the zoomed frame is on screen.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { textBox } from "../../static_site/js/result/overlay.js";
import { MIN_TEXT_ZOOM, TEXT_FILL, textZoom, visibleBand } from "../../static_site/js/result/zoom.js";

const rect = (x0, y0, x1, y1) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];

describe("textBox", () => {
  it("is the lines' bounding box as fractions of the page", () => {
    const page = {
      width: 1000, height: 2000,
      lines: [{ box: rect(100, 1600, 600, 1650), words: [] }, { box: rect(120, 1700, 700, 1760), words: [] }],
    };
    assert.deepEqual(textBox(page), { left: 0.1, top: 0.8, right: 0.7, bottom: 0.88 });
  });

  it("takes a line's words when the line has no box, and is null without any box", () => {
    const page = { width: 100, height: 100, lines: [{ words: [{ box: rect(10, 20, 30, 40) }, { box: rect(50, 20, 70, 45) }] }] };
    assert.deepEqual(textBox(page), { left: 0.1, top: 0.2, right: 0.7, bottom: 0.45 });
    assert.equal(textBox({ width: 100, height: 100, lines: [{ text: "x", words: [{ text: "x" }] }] }), null);
    assert.equal(textBox({ width: 0, height: 0, lines: [{ box: rect(0, 0, 1, 1) }] }), null);
  });

  it("is kept within the page", () => {
    const page = { width: 100, height: 100, lines: [{ box: rect(-5, 90, 120, 104) }] };
    assert.deepEqual(textBox(page), { left: 0, top: 0.9, right: 1, bottom: 1 });
  });
});

describe("textZoom", () => {
  const room = { base: 480, ratio: 0.75, width: 600, height: 500 };

  it("makes small text fill the view, limited by width or height", () => {
    // 0.3 of 480 px wide = 144 px: 0.85 * 600 / 144 = 3.54; 0.05 of 640 px tall = 32 px: 13.3
    const z = textZoom({ left: 0.1, top: 0.8, right: 0.4, bottom: 0.85 }, room);
    assert.ok(Math.abs(z - (TEXT_FILL * 600) / 144) < 1e-9, z);
    const tall = textZoom({ left: 0.1, top: 0.1, right: 0.15, bottom: 0.4 }, room); // 192 px tall
    assert.ok(Math.abs(tall - (TEXT_FILL * 500) / 192) < 1e-9, tall);
  });

  it("stops at the largest level", () => {
    assert.equal(textZoom({ left: 0.5, top: 0.5, right: 0.51, bottom: 0.51 }, room), 4);
  });

  it("leaves text that is not small in the photo at Fit", () => {
    assert.equal(textZoom({ left: 0.05, top: 0.1, right: 0.95, bottom: 0.9 }, room), 1);
    // 0.76 of 480 px wide would grow 0.85 * 600 / 365 = 1.40 times: under MIN_TEXT_ZOOM.
    assert.ok((TEXT_FILL * 600) / (0.76 * 480) < MIN_TEXT_ZOOM);
    assert.equal(textZoom({ left: 0, top: 0.5, right: 0.76, bottom: 0.52 }, room), 1);
  });

  it("is 1 without a box or a size", () => {
    assert.equal(textZoom(null, room), 1);
    assert.equal(textZoom({ left: 0, top: 0, right: 0.1, bottom: 0.1 }, { ...room, width: 0 }), 1);
  });
});

describe("visibleBand", () => {
  it("is the part of the frame above the screen's bottom", () => {
    assert.deepEqual(visibleBand({ top: 400, height: 720, windowHeight: 900 }), { top: 0, height: 500 });
  });

  it("is all of the frame when it is on screen, or when little of it is", () => {
    assert.deepEqual(visibleBand({ top: 100, height: 600, windowHeight: 900 }), { top: 0, height: 600 });
    assert.deepEqual(visibleBand({ top: 1200, height: 600, windowHeight: 740 }), { top: 0, height: 600 });
    assert.deepEqual(visibleBand({ top: 600, height: 600, windowHeight: 740 }), { top: 0, height: 600 });
  });

  it("starts below the screen's top when the frame begins above it", () => {
    assert.deepEqual(visibleBand({ top: -200, height: 600, windowHeight: 900 }), { top: 200, height: 400 });
  });
});
