import { test } from "node:test";
import assert from "node:assert/strict";

import {
  acceptOf, checkFile, checkSizeOf, fileName, formatNames, takesDocuments, typeFromName, UploadError,
} from "../../static_site/js/upload.js";

const page = {
  label: "Page",
  formats: ["JPEG", "PNG", "HEIC", "PDF"],
  content_types: ["image/jpeg", "image/png", "image/heic", "image/heif", "application/pdf"],
  extensions: [".jpg", ".jpeg", ".png", ".heic", ".heif", ".pdf"],
  max_bytes: 1000,
};
const speech = {
  label: "Speech",
  formats: ["MP3", "WAV"],
  content_types: ["audio/mpeg", "audio/wav"],
  extensions: [".mp3", ".wav"],
  max_bytes: 1000,
};
const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0, 0x10];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const HEIF_WITH_HEIC_BRAND = [0, 0, 0, 0x18, ...Buffer.from("ftypheic")];

const file = (bytes, name, type = "") => new File([new Uint8Array(bytes)], name, { type });

test("format names and the picker's accept list come from the kind", () => {
  assert.equal(formatNames(page), "JPEG, PNG, HEIC or PDF");
  assert.equal(formatNames({ formats: ["WAV"] }), "WAV");
  assert.equal(acceptOf(speech), "audio/mpeg,audio/wav,.mp3,.wav");
  assert.ok(takesDocuments(page));
  assert.ok(!takesDocuments(speech));
  assert.ok(!takesDocuments(undefined));
});

test("a type from the file name's ending, when the kind takes it", () => {
  assert.equal(typeFromName(page, "IMG_1.HEIC"), "image/heic");
  assert.equal(typeFromName(page, "scan.jpeg"), "image/jpeg");
  assert.equal(typeFromName(page, "notes.txt"), "");
});

test("checkFile believes the bytes over the declared type", async () => {
  assert.equal(await checkFile(file(PNG, "photo.jpg", "image/jpeg"), page), "image/png");
  assert.equal(await checkFile(file(JPEG, "photo", ""), page), "image/jpeg");
});

test("within the HEIF family the name's type stands", async () => {
  assert.equal(await checkFile(file(HEIF_WITH_HEIC_BRAND, "x.heif", ""), page), "image/heif");
});

test("checkFile refuses with a sentence saying what to do", async () => {
  await assert.rejects(checkFile(file([1, 2, 3], "notes.txt", "text/plain"), page),
    (e) => e instanceof UploadError && e.message.includes("is not a file PageVoice can read as page"));
  await assert.rejects(checkFile(file([], "empty.png", "image/png"), page), /“empty.png” is empty/);
  await assert.rejects(checkFile(file([1, 2, 3, 4], "fake.png", "image/png"), page),
    /does not look like a JPEG, PNG, HEIC or PDF file/);
  await assert.rejects(checkFile(file(new Array(1001).fill(0xff), "big.png", "image/png"), page),
    /the largest file PageVoice accepts/);
});

test("a kind with formats not recognised by their bytes trusts the declared type", async () => {
  assert.equal(await checkFile(file([1, 2, 3, 4], "talk.mp3", ""), speech), "audio/mpeg");
  assert.equal(await checkFile(file([1, 2, 3, 4], "talk", "audio/wav"), speech), "audio/wav");
  await assert.rejects(checkFile(file([1, 2, 3, 4], "talk", ""), speech), /is not a MP3 or WAV file/);
});

test("size and pasted names", () => {
  assert.throws(() => checkSizeOf({ name: "", size: 2000 }, page), /“This file” is 2/);
  checkSizeOf({ name: "ok", size: 1000 }, page);
  assert.equal(fileName({ name: "" }, "image/jpeg"), "pasted-photo.jpg");
  assert.equal(fileName({ name: "" }, "image/x-unknown"), "pasted-photo.png");
  assert.equal(fileName({ name: "mine.png" }, "image/jpeg"), "mine.png");
});
