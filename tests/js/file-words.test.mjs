import { test } from "node:test";
import assert from "node:assert/strict";
import { deleteQuestion, fileNoun, filesCountText } from "../../static_site/js/views/dashboard/file-words.js";

const photo = { kind: "page", content_type: "image/jpeg" };
const pdf = { kind: "page", content_type: "application/pdf" };
const memo = { kind: "speech", content_type: "audio/webm" };
const digits = { kind: "digits", content_type: "image/png" };

test("a file's noun follows its kind and type", () => {
  assert.equal(fileNoun(photo), "photo");
  assert.equal(fileNoun(pdf), "document");
  assert.equal(fileNoun(memo), "recording");
  assert.equal(fileNoun({ content_type: "audio/mpeg" }), "recording");
  assert.equal(fileNoun(digits), "digits");
  assert.equal(fileNoun({}), "file");
  // GET /jobs gives no type: the name's ending says it.
  assert.equal(fileNoun({ kind: "page", filename: "Letter.PDF" }), "document");
  assert.equal(fileNoun({ kind: "page", filename: "sign.jpeg" }), "photo");
  assert.equal(fileNoun({ kind: "page", filename: "scan" }), "file");
});

test("the history's count names each kind (issue 44: a photo and a PDF were '2 photos.')", () => {
  assert.equal(filesCountText([photo, pdf]), "1 photo and 1 document.");
  assert.equal(filesCountText([photo, photo]), "2 photos.");
  assert.equal(filesCountText([memo, photo, pdf, photo, digits], { more: true }),
    "2 photos, 1 document, 1 recording and 1 photo of digits shown.");
  assert.equal(filesCountText([]), "You have not uploaded anything yet.");
});

test("deleting asks about the file it is", () => {
  assert.equal(deleteQuestion(memo), "Delete this recording and its text?");
  assert.equal(deleteQuestion(pdf), "Delete this document and its text?");
});
