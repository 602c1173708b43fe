import { test } from "node:test";
import assert from "node:assert/strict";

import { HintGate, hintFor } from "../../static_site/js/live/aim.js";
import { alphabetOf, decode } from "../../static_site/js/live/ctc.js";
import { boxesFromMap, readingOrder } from "../../static_site/js/live/detect.js";
import { corners, minAreaRect, quadSize, sampleQuad } from "../../static_site/js/live/quad.js";
import { firstOf, keyOf, languageOf, paperShare, PAPER, readable, Steady, stillInView, utterances } from "../../static_site/js/live/steady.js";

const line = (text, score = 0.95) => ({ text, score, box: [0, 0, 10, 10],
  words: text.split(" ").map((w) => ({ text: w, score, box: [0, 0, 10, 10] })) });

test("a line is said once it reads the same in two frames, then not while it stays in view", () => {
  const steady = new Steady({ forgetMs: 1000 });
  const frame = (texts, now) => steady.update(readable(texts.map((t) => line(t))), now).map((l) => l.text);
  assert.deepEqual(frame(["EXIT"], 0), []);
  assert.deepEqual(frame(["Exit ", "Platform 4"], 100), ["Exit"]); // case and spaces do not matter
  assert.deepEqual(frame(["EXIT", "Platform 4"], 200), ["Platform 4"]);
  assert.deepEqual(frame(["EXIT", "Platform 4"], 300), []);
  assert.deepEqual(frame([], 900), []);
  assert.deepEqual(frame(["EXIT"], 2000), []); // out of view longer than forgetMs: a new sighting
  assert.deepEqual(frame(["EXIT"], 2100), ["EXIT"]);
});

test("a slow reading (longer than forgetMs) does not make text still in view be said again", () => {
  const steady = new Steady({ forgetMs: 1000 });
  const frame = (texts, now) => steady.update(readable(texts.map((t) => line(t))), now).map((l) => l.text);
  assert.deepEqual(frame(["EXIT"], 0), []);
  assert.deepEqual(frame(["EXIT"], 100), ["EXIT"]);
  assert.deepEqual(frame(["EXIT"], 2700), []); // the next reading took 2.6 s: EXIT never left the view
  assert.deepEqual(frame(["EXIT"], 5000), []);
});

test("a line a second look had no time for is compared with its last reading at the next", () => {
  const steady = new Steady();
  const frame = (texts, now, waiting) => steady.update(readable(texts.map((t) => line(t))), now, waiting).map((l) => l.text);
  assert.deepEqual(frame(["PHARMACY", "Open 24 hours"], 0), []); // a full reading
  const waiting = readable([line("Open 24 hours")]);
  assert.deepEqual(frame(["PHARMACY"], 100, waiting), ["PHARMACY"]); // a second look, the biggest only
  assert.deepEqual(frame(["Open 24 hours"], 200), ["Open 24 hours"]); // the next: the rest
  assert.deepEqual(frame(["Open 24 hours"], 300), []);
});

const placed = (text, box, score = 0.95) => ({ ...line(text, score), box });

test("a line read a letter differently at the same place is steady, said once as the surer reading", () => {
  const steady = new Steady();
  const frame = (lines, now) => steady.update(readable(lines), now).map((l) => l.text);
  assert.deepEqual(frame([placed("EXlT", [10, 10, 60, 30], 0.85)], 0), []);
  assert.deepEqual(frame([placed("EXIT", [11, 10, 61, 31], 0.9)], 100), ["EXIT"]); // the surer of the two
  assert.deepEqual(frame([placed("EXIY", [10, 10, 60, 30], 0.8)], 200), []); // the same line, not said again
  assert.deepEqual(frame([placed("EXIT", [12, 11, 62, 31], 0.9)], 300), []);
  // The surer reading may be the first one.
  assert.deepEqual(frame([placed("Platform 4", [10, 50, 90, 70], 0.95)], 400), []);
  assert.deepEqual(frame([placed("Platfonn 4", [10, 50, 90, 70], 0.85)], 500), ["Platform 4"]);
});

test("readings that differ much, or nearly alike at another place, are not steady", () => {
  const steady = new Steady();
  const frame = (lines, now) => steady.update(readable(lines), now).map((l) => l.text);
  assert.deepEqual(frame([placed("EXIT", [10, 10, 60, 30]), placed("17", [100, 10, 120, 30])], 0), []);
  assert.deepEqual(frame([placed("EXAM", [10, 10, 60, 30]), placed("11", [100, 10, 120, 30])], 100), []);
  assert.deepEqual(frame([placed("EXAN", [300, 200, 360, 220])], 200), []); // EXAM nearly, but elsewhere
});

test("the same text at two places is said once at each, and not again while in view", () => {
  const steady = new Steady();
  const frame = (lines, now) => steady.update(readable(lines), now).map((l) => l.text);
  const wall = (dx = 0) => [placed("SALE", [10 + dx, 10, 60 + dx, 30]), placed("SALE", [200 + dx, 10, 250 + dx, 30])];
  assert.deepEqual(frame(wall(), 0), []);
  assert.deepEqual(frame(wall(), 100), ["SALE", "SALE"]);
  assert.deepEqual(frame(wall(30), 200), []); // the camera moved: the same two signs
  assert.deepEqual(frame([placed("SALE", [400, 10, 450, 30])], 300), []); // one left the view
  assert.deepEqual(frame(wall(30), 400), []); // and came back within forgetMs: not said again
});

test("two signs of one text keep their own lines: one read as the other's text is not said again later", () => {
  const steady = new Steady({ forgetMs: 2500 });
  const frame = (lines, now) => steady.update(readable(lines), now).map((l) => l.text);
  const a = [10, 10, 90, 30];
  const b = [200, 60, 280, 80];
  assert.deepEqual(frame([placed("Art Needs", a), placed("An Needs", b)], 0), []);
  assert.deepEqual(frame([placed("Art Needs", a), placed("An Needs", b)], 100), ["Art Needs", "An Needs"]);
  assert.deepEqual(frame([placed("Art Needs", b)], 500), []); // b read as a's text, a not read
  assert.deepEqual(frame([placed("Art Needs", b)], 2000), []);
  // a is read again after 2.9 s unseen (said again: out of view that long); b, in view all along, is not.
  assert.deepEqual(frame([placed("Art Needs", a), placed("An Needs", b)], 3000), []);
  assert.deepEqual(frame([placed("Art Needs", a), placed("An Needs", b)], 3100), ["Art Needs"]);
});

test("a page is mostly paper, a street scene is not (which words are sure enough to say)", () => {
  const page = new Float32Array(1000).map((_, i) => (i % 10 === 0 ? 30 : 235)); // ink on paper
  const street = new Float32Array(1000).map((_, i) => (i * 37) % 256); // all shades
  assert.ok(paperShare(page) >= PAPER);
  assert.ok(paperShare(street) < PAPER);
  assert.equal(paperShare(new Float32Array(100)), 0); // black
});

test("unsure words and unsure lines are left out", () => {
  const l = line("Main Street");
  l.words[1].score = 0.5;
  assert.deepEqual(readable([l]).map((x) => x.text), ["Main"]);
  assert.deepEqual(readable([line("Main Street", 0.3)]), []);
  assert.deepEqual(readable([line("— :")]), []); // punctuation alone says nothing
  assert.equal(keyOf("  Main   STREET "), "main street");
});

const at = (text, box, size = box[3] - box[1]) => ({ ...line(text), key: keyOf(text), box, size });

test("the pieces of one text line are one utterance; the next line and other sizes are not", () => {
  const got = utterances([
    at("Chef", [100, 50, 160, 70]), at("Tony", [175, 52, 230, 71]), // one name, found apart
    at("Popcorn", [100, 90, 200, 110]), // the next line
    at("since 1950", [210, 95, 260, 103]), // beside it, but small print
    at("far", [400, 95, 430, 105]),
  ]);
  assert.deepEqual(got.map((u) => u.text), ["Chef Tony", "Popcorn", "since 1950", "far"]);
  assert.deepEqual(got[0].keys, ["chef", "tony"]);
  assert.deepEqual(got[0].box, [100, 50, 230, 71]);
  assert.deepEqual(got[0].words.map((w) => w.text), ["Chef", "Tony"]);
});

test("the biggest text waiting is said first; text of much the same size in reading order", () => {
  const small = at("opening hours", [0, 0, 100, 10]);
  const big = at("PHARMACY", [0, 40, 200, 80]);
  const bigToo = at("OPEN", [0, 90, 100, 120]);
  assert.equal(firstOf([small, big, bigToo]), 1);
  assert.equal(firstOf([small, bigToo, big]), 1); // 30 px is within 1.5 times of 40 px
  assert.equal(firstOf([small]), 0);
});

test("still in view: read again at its place (the same or nearly), or there and not read this time", () => {
  const waiting = utterances([at("Chef", [100, 50, 160, 70]), at("Tony", [175, 52, 230, 71])])[0];
  const inView = (lines, boxes = []) => stillInView(lines, boxes)(waiting);
  assert.ok(inView([at("tony", [300, 300, 360, 320])])); // a piece of it, read the same, wherever
  assert.ok(inView([at("Chet", [102, 51, 158, 69])])); // nearly the same, at its place
  assert.ok(!inView([at("Chet", [402, 51, 458, 69])])); // elsewhere: other text
  assert.ok(!inView([at("Cafe Bar", [100, 50, 230, 71])])); // its place, other text: the picture changed
  assert.ok(inView([], [{ box: [176, 52, 229, 70], text: "", later: true }]));
  assert.ok(!inView([], [{ box: [176, 52, 229, 70], text: "", score: 0 }])); // read, and no text there
});

test("the voice's language follows the text's script", () => {
  assert.equal(languageOf("出口", "en-GB"), "zh");
  assert.equal(languageOf("でぐち", "en-GB"), "ja");
  assert.equal(languageOf("Выход", "en-GB"), "ru");
  assert.equal(languageOf("Sortie", "fr-FR"), "fr-FR");
});

const stats = { width: 640, height: 360, brightness: 120, sharpness: 500 };
const box = (x0, y0, x1, y1) => ({ box: [x0, y0, x1, y1], text: "x", score: 0.9 });

test("aiming hints: dark, no text, small, cut at an edge, blurred", () => {
  assert.equal(hintFor([], [], { ...stats, brightness: 20 }), "dark");
  assert.equal(hintFor([], [], stats), "none");
  assert.equal(hintFor([box(100, 100, 300, 110)], [], stats), "closer");
  assert.equal(hintFor([box(0, 100, 300, 140)], [line("x")], stats), "left");
  assert.equal(hintFor([box(300, 100, 640, 140)], [line("x")], stats), "right");
  assert.equal(hintFor([box(100, 0, 300, 40)], [line("x")], stats), "up");
  assert.equal(hintFor([box(0, 100, 640, 140)], [line("x")], stats), ""); // both sides: no way to turn
  assert.equal(hintFor([box(100, 100, 300, 140)], [], { ...stats, sharpness: 20 }), "still");
  assert.equal(hintFor([box(100, 100, 300, 140)], [line("x")], stats), "");
});

test("a hint is said when it holds two frames, and again only after a while", () => {
  const gate = new HintGate({ repeatMs: 1000 });
  assert.equal(gate.update("left", 0), "");
  assert.equal(gate.update("left", 100), "left");
  assert.equal(gate.update("left", 200), "");
  assert.equal(gate.update("left", 1200), "left");
  assert.equal(gate.update("", 1300), "");
});

test("greedy CTC: repeats merged, blanks dropped, words split at the space with their scores", () => {
  const alphabet = alphabetOf("A\nB");
  const classes = alphabet.length; // blank, A, B, space
  const rows = [1, 1, 0, 2, 3, 2, 0];
  const probs = new Float32Array(rows.length * classes);
  rows.forEach((c, t) => { probs[t * classes + c] = 0.9; });
  const got = decode(probs, rows.length, classes, rows.length, alphabet);
  assert.equal(got.text, "AB B");
  assert.deepEqual(got.words.map((w) => [w.text, w.from, w.to]), [["AB", 0, 3], ["B", 5, 5]]);
  assert.equal(decode(probs, rows.length, classes, 2, alphabet).text, "A"); // padding is not read
});

test("DB boxes: one per region above threshold, grown around it, kept in reading order", () => {
  const w = 40;
  const h = 20;
  const map = new Float32Array(w * h);
  const fill = (x0, y0, x1, y1, p) => { for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * w + x] = p; };
  fill(20, 2, 36, 6, 0.9); // right, top row
  fill(2, 3, 14, 7, 0.9); // left, same row
  fill(4, 13, 30, 17, 0.9); // second row
  fill(36, 19, 37, 20, 0.9); // a speck
  fill(32, 9, 39, 11, 0.35); // faint: above the pixel threshold, under the box's mean
  const boxes = readingOrder(boxesFromMap(map, w, h));
  assert.equal(boxes.length, 3);
  assert.ok(boxes[0].x0 < 2 && boxes[1].x0 > 15 && boxes[2].y0 > 9);
  assert.ok(boxes[0].x1 > 14 && boxes[0].y1 > 7); // grown by area * 1.3 / perimeter
});

test("DB boxes: a tilted region gets its tilted rectangle, a level one its axis-aligned box", () => {
  const w = 80;
  const h = 60;
  const map = new Float32Array(w * h);
  // A band 4 pixels thick along a line rising 20 degrees to the right.
  const angle = (-20 * Math.PI) / 180;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x - 40) * Math.cos(angle) + (y - 30) * Math.sin(angle);
      const v = -(x - 40) * Math.sin(angle) + (y - 30) * Math.cos(angle);
      if (Math.abs(u) < 25 && Math.abs(v) < 2) map[y * w + x] = 0.9;
    }
  }
  const [box] = boxesFromMap(map, w, h);
  const [tl, tr, , bl] = box.quad;
  const tilt = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
  assert.ok(Math.abs(tilt + 20) < 3, `tilt ${tilt}`);
  const [qw, qh] = quadSize(box.quad);
  assert.ok(qw > 50 && qh < 16, `${qw} x ${qh}`);
  assert.ok(box.y1 - box.y0 > 25); // its axis-aligned bounds take in twice the height
  assert.ok(bl[1] > tl[1]);

  const level = new Float32Array(40 * 20);
  for (let y = 3; y < 7; y++) for (let x = 2; x < 14; x++) level[y * 40 + x] = 0.9;
  const [flat] = boxesFromMap(level, 40, 20);
  const grow = (13 * 5 * 1.3) / (2 * 18); // pixels 2..14 x 3..7 once dilated, as unit squares
  const r2 = (c) => Math.round(c * 1000) / 1000;
  assert.deepEqual(flat.quad.map((p) => p.map(r2)),
    [[2 - grow, 3 - grow], [15 + grow, 3 - grow], [15 + grow, 8 + grow], [2 - grow, 8 + grow]].map((p) => p.map(r2)));
});

test("minimum-area rectangle: its axis is the one nearer the horizontal, pointing right", () => {
  const pts = corners({ cx: 10, cy: 5, ux: Math.cos(0.3), uy: Math.sin(0.3), w: 8, h: 2 });
  const rect = minAreaRect(pts);
  assert.ok(Math.abs(rect.w - 8) < 1e-6 && Math.abs(rect.h - 2) < 1e-6);
  assert.ok(Math.abs(rect.cx - 10) < 1e-6 && Math.abs(rect.cy - 5) < 1e-6);
  assert.ok(Math.abs(Math.atan2(rect.uy, rect.ux) - 0.3) < 1e-6);
  const tall = minAreaRect([[0, 0], [2, 0], [2, 9], [0, 9]]); // vertical text: w < h
  assert.deepEqual([tall.w, tall.h, tall.ux], [2, 9, 1]);
});

test("a quad is sampled upright, bilinearly, into the recogniser's BGR planes", () => {
  // A 4 x 4 frame whose red channel is 10 * x + y.
  const w = 4;
  const h = 4;
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set([10 * x + y, 0, 255, 255], (y * w + x) * 4);
  const red = (out, plane, i) => Math.round((out[2 * plane + i] + 1) * 127.5 * 100) / 100;
  // The whole frame, upright: the crop is the frame.
  let out = new Float32Array(3 * 16);
  sampleQuad(rgba, w, h, [[0, 0], [4, 0], [4, 4], [0, 4]], 4, 4, out, 0, 4, 16);
  assert.equal(red(out, 16, 1 * 4 + 2), 21);
  assert.equal(out[0], 1); // blue plane first
  // Turned 90 degrees (top side running down the frame's left edge): x of the crop is y of the frame.
  out = new Float32Array(3 * 16);
  sampleQuad(rgba, w, h, [[0, 0], [0, 4], [4, 4], [4, 0]], 4, 4, out, 0, 4, 16);
  assert.equal(red(out, 16, 1 * 4 + 2), 12);
  // Half-pixel steps interpolate; past the edge repeats it.
  out = new Float32Array(3 * 2);
  sampleQuad(rgba, w, h, [[1, 1], [2, 1], [2, 2], [1, 2]], 2, 1, out, 0, 2, 2);
  assert.equal(red(out, 2, 0), 10 * 0.75 + 1);
  out = new Float32Array(3);
  sampleQuad(rgba, w, h, [[5, 0], [6, 0], [6, 1], [5, 1]], 1, 1, out, 0, 1, 1);
  assert.equal(red(out, 1, 0), 30);
});

test("the voice says the biggest text waiting first, drops what left the view, and reads all in order", async () => {
  const spoken = [];
  globalThis.window = { speechSynthesis: { speak: (u) => spoken.push(u), cancel() {}, getVoices: () => [] } };
  globalThis.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  globalThis.document ??= { documentElement: { lang: "en" } };
  globalThis.navigator ??= { language: "en-GB" }; // (node 20 has none)
  const { Voice } = await import("../../static_site/js/live/speech.js");
  const logged = [];
  const voice = new Voice({ region: null, log: (l) => logged.push(l.text) });
  const end = () => spoken.at(-1).onend();
  const small = at("opening hours", [0, 0, 100, 10]);
  const big = at("PHARMACY", [0, 40, 200, 80]);
  const gone = at("EXIT", [0, 100, 40, 140]);
  voice.add(utterances([small, big, gone]));
  assert.deepEqual(logged, ["PHARMACY"]);
  voice.keepOnly(stillInView([big, small], [])); // EXIT left the view before its turn
  end();
  assert.deepEqual(logged, ["PHARMACY", "opening hours"]);
  end();
  voice.readAll([small, big, gone]); // everything in view, from the top
  end();
  end();
  assert.deepEqual(logged.slice(2), ["opening hours", "PHARMACY", "EXIT"]);
  voice.stop();
  delete globalThis.window;
  delete globalThis.document;
});
