import { test } from "node:test";
import assert from "node:assert/strict";

import { clock, cues, length, timestamp, toSrt, toText, toVtt } from "../../static_site/js/result/subtitles.js";

test("timestamp formats hours, minutes, seconds and milliseconds for SRT and WebVTT", () => {
  assert.equal(timestamp(1.24), "00:00:01,240");
  assert.equal(timestamp(3723.0456, "."), "01:02:03.046");
  assert.equal(timestamp(-5), "00:00:00,000");
  assert.equal(timestamp("not a number"), "00:00:00,000");
});

test("clock and length are for people", () => {
  assert.equal(clock(65.3), "1:05");
  assert.equal(clock(3725), "1:02:05");
  assert.equal(length(1), "1 second");
  assert.equal(length(1.5), "1.5 seconds");
  assert.equal(length(90), "1:30");
});

test("a short segment is one cue; blank text is dropped", () => {
  const segments = [
    { start: 0, end: 2, text: "  Hello   there. " },
    { start: 2, end: 3, text: "   " },
  ];
  assert.deepEqual(cues(segments), [{ start: 0, end: 2, text: "Hello there." }]);
});

test("a long segment is split at word boundaries within 84 characters and 7 seconds", () => {
  const words = Array.from({ length: 40 }, (_, i) => ({ start: i * 0.5, end: i * 0.5 + 0.4, text: `word${i}` }));
  const text = words.map((w) => w.text).join(" ");
  const out = cues([{ start: 0, end: 20, text, words }]);
  assert.ok(out.length > 1);
  for (const cue of out) {
    assert.ok(cue.text.length <= 84, cue.text);
    assert.ok(cue.end - cue.start <= 7, `${cue.start}..${cue.end}`);
  }
  assert.equal(out.map((c) => c.text).join(" "), text);
});

test("a cue never ends before it starts", () => {
  assert.deepEqual(cues([{ start: 5, end: 4, text: "odd" }]), [{ start: 5, end: 5, text: "odd" }]);
});

test("SRT and WebVTT files number their cues", () => {
  const segments = [{ start: 0, end: 1.5, text: "One." }, { start: 1.5, end: 3, text: "Two." }];
  assert.equal(toSrt(segments),
    "1\n00:00:00,000 --> 00:00:01,500\nOne.\n\n2\n00:00:01,500 --> 00:00:03,000\nTwo.\n");
  assert.equal(toVtt(segments),
    "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nOne.\n\n2\n00:00:01.500 --> 00:00:03.000\nTwo.\n");
  assert.equal(toVtt([]), "WEBVTT\n");
});

test("plain text is a line per segment, else the result's text", () => {
  assert.equal(toText({ segments: [{ text: " a " }, { text: "" }, { text: "b" }] }), "a\nb\n");
  assert.equal(toText({ segments: [], text: "  just  text " }), "just text");
});
