import { test } from "node:test";
import assert from "node:assert/strict";

import { endOf, mergeParts, partAt } from "../../static_site/js/result/player/parts.js";

const parts = [
  { file: "speech-000.wav", start: 0, seconds: 2.5, url: "u0" },
  { file: "speech-001.wav", start: 2.5, seconds: 3, url: "u1" },
  { file: "speech-002.wav", start: 5.5, seconds: 1, url: "u2" },
];

test("partAt finds the part playing at a time, boundaries included", () => {
  assert.equal(partAt(parts, 0), 0);
  assert.equal(partAt(parts, 2.4999), 0);
  assert.equal(partAt(parts, 2.5), 1);
  assert.equal(partAt(parts, 2.4999999), 1, "within a microsecond counts as the next part");
  assert.equal(partAt(parts, 100), 2);
  assert.equal(partAt([], 3), 0);
});

test("mergeParts appends parts with a URL and fills in what was missing", () => {
  const known = [{ file: "a", start: 0, seconds: 0, url: "" }];
  const added = mergeParts(known, [
    { file: "a", start: 0, seconds: 2, url: "ua" },
    { file: "b", start: 2, seconds: 1, url: "ub" },
    { file: "c", start: 3, seconds: 1, url: "" },
  ]);
  assert.equal(added, 1);
  assert.deepEqual(known, [
    { file: "a", start: 0, seconds: 2, url: "ua" },
    { file: "b", start: 2, seconds: 1, url: "ub" },
  ]);
  assert.equal(mergeParts(known, [{ file: "a", start: 0, seconds: 0, url: "other" }]), 0);
  assert.equal(known[0].url, "ua", "a known URL is kept");
  assert.equal(known[0].seconds, 2, "a known length is kept");
});

test("endOf uses the last part's declared length, else the measured one", () => {
  assert.equal(endOf(parts), 6.5);
  assert.equal(endOf([]), 0);
  assert.equal(endOf([{ start: 4, seconds: 0 }], () => 1.25), 5.25);
  assert.equal(endOf([{ start: 4 }]), 4);
});
