import { test } from "node:test";
import assert from "node:assert/strict";

import { baseType, levelOf } from "../../static_site/js/views/dashboard/microphone.js";

test("baseType drops parameters and case", () => {
  assert.equal(baseType("Audio/WebM; codecs=opus"), "audio/webm");
  assert.equal(baseType(undefined), "");
});

test("the level maps -60 dB .. 0 dB onto 0..1", () => {
  assert.equal(levelOf(new Float32Array(64)), 0, "silence");
  assert.equal(levelOf(new Float32Array(64).fill(1)), 1, "full scale");
  assert.ok(Math.abs(levelOf(new Float32Array(64).fill(0.001)) - 0) < 1e-6, "-60 dB");
  assert.ok(Math.abs(levelOf(new Float32Array(64).fill(Math.sqrt(0.001))) - 0.5) < 1e-6, "-30 dB");
});
