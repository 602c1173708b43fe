import { test } from "node:test";
import assert from "node:assert/strict";

import { durationText, limitsSentence, maxBytesOf } from "../../static_site/js/upload.js";

// A kind as GET /kinds declares the page kind: photos to 15 MB, documents to 500 MB.
const MB = 1024 * 1024;
const page = {
  content_types: ["image/jpeg", "image/png", "image/tiff", "application/pdf", "application/epub+zip"],
  formats: ["JPEG", "PNG", "TIFF", "PDF", "EPUB"],
  max_bytes: 15 * MB,
  max_document_bytes: 500 * MB,
  document_types: ["image/tiff", "application/pdf", "application/epub+zip", "text/plain"],
};
const speech = { content_types: ["audio/wav"], formats: ["WAV"], max_bytes: 50 * MB };

test("a document may be as large as a book, a photo keeps the photo limit", () => {
  assert.equal(maxBytesOf(page, "application/pdf"), 500 * MB);
  assert.equal(maxBytesOf(page, "image/tiff"), 500 * MB);
  assert.equal(maxBytesOf(page, "application/EPUB+zip; x=y"), 500 * MB);
  assert.equal(maxBytesOf(page, "image/jpeg"), 15 * MB);
  assert.equal(maxBytesOf(page, ""), 500 * MB); // type not known yet: the largest
  assert.equal(maxBytesOf(speech, "audio/wav"), 50 * MB);
  assert.equal(maxBytesOf(speech), 50 * MB);
});

test("the limits are said per kind of file where they differ", () => {
  assert.equal(limitsSentence(page), "JPEG, PNG, TIFF, PDF or EPUB files: photos up to 15 MB, documents up to 500 MB.");
  assert.equal(limitsSentence(speech), "WAV files up to 50 MB.");
  assert.equal(limitsSentence({ ...speech, max_bytes: 500 * MB, max_seconds: 4 * 3600 }),
    "WAV files up to 500 MB and 4 hours.");
  assert.equal(durationText(900), "15 minutes");
  assert.equal(durationText(3600), "1 hour");
  assert.equal(durationText(5400), "90 minutes");
});
