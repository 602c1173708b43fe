// A file brought before its kind was chosen (dropped on the start page) finds the kind that reads it.
import { test } from "node:test";
import assert from "node:assert/strict";

import { kindFor } from "../../static_site/js/upload.js";

const kind = (name, types, extensions) => ({ name, content_types: types, extensions });
const page = kind("page", ["image/jpeg", "application/pdf"], [".jpg", ".pdf"]);
const digits = kind("digits", ["image/jpeg"], [".jpg"]);
const speech = kind("speech", ["audio/mpeg", "audio/webm"], [".mp3", ".webm"]);
const KINDS = [page, digits, speech];

test("a file goes to the kind that reads it, the chosen one first", () => {
  assert.equal(kindFor(KINDS, { type: "audio/webm", name: "memo.webm" }, page), speech);
  assert.equal(kindFor(KINDS, { type: "image/jpeg", name: "sign.jpg" }, digits), digits);
  assert.equal(kindFor(KINDS, { type: "image/jpeg", name: "sign.jpg" }, null), page);
  assert.equal(kindFor(KINDS, { type: "", name: "Scan.PDF" }, speech), page); // by its ending
  assert.equal(kindFor(KINDS, { type: "text/plain", name: "notes.txt" }, page), null);
});
