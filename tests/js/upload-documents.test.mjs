// Documents without pages (issue 39): DOCX, ODT, EPUB, HTML, Markdown and plain text through the
// upload's checks: the type declared for each (the worker tells Markdown from text only by it),
// zips told by their first part, text told from binary.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  acceptOf, checkFile, declaredType, kindFor, looksBinary, takesTexts, typeFromName,
} from "../../static_site/js/upload.js";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT = "application/vnd.oasis.opendocument.text";
const EPUB = "application/epub+zip";
// The page kind as GET /kinds gives it (chalicelib/media/types.py), cut to what these tests need.
const page = {
  name: "page",
  label: "Page",
  formats: ["JPEG", "PNG", "PDF", "DOCX", "ODT", "EPUB", "HTML", "XHTML", "Markdown", "plain text"],
  content_types: ["image/jpeg", "image/png", "image/bmp", "application/pdf", DOCX, ODT, EPUB, "text/html",
    "application/xhtml+xml", "text/markdown", "text/x-markdown", "text/plain"],
  extensions: [".jpg", ".jpeg", ".png", ".bmp", ".pdf", ".docx", ".odt", ".epub", ".html", ".htm", ".xhtml",
    ".md", ".markdown", ".txt", ".text"],
  max_bytes: 100_000,
};
const photo = { ...page, label: "Photo", formats: ["JPEG", "PNG"], content_types: ["image/jpeg", "image/png"], extensions: [".jpg", ".png"] };

/** A zip's first local header and data: `name` stored (method 0), as EPUB and ODF begin. */
function zipStart(name, content, method = 0) {
  const head = new Uint8Array(30);
  const view = new DataView(head.buffer);
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(8, method, true);
  view.setUint32(18, content.length, true);
  view.setUint32(22, content.length, true);
  view.setUint16(26, name.length, true);
  return [...head, ...Buffer.from(name), ...Buffer.from(content), ...Buffer.from("PK\x01\x02 the rest")];
}
const EPUB_BYTES = zipStart("mimetype", EPUB);
const ODT_BYTES = zipStart("mimetype", ODT);
const ODS_BYTES = zipStart("mimetype", "application/vnd.oasis.opendocument.spreadsheet");
const DOCX_BYTES = zipStart("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>", 8);
const text = (s) => [...Buffer.from(s)];
const file = (bytes, name, type = "") => new File([new Uint8Array(bytes)], name, { type });

test("the picker offers the documents' types and endings", () => {
  const accept = acceptOf(page).split(",");
  for (const wanted of [".docx", ".odt", ".epub", ".html", ".md", ".txt", DOCX, "text/markdown", "text/plain"]) {
    assert.ok(accept.includes(wanted), wanted);
  }
  assert.ok(takesTexts(page));
  assert.ok(!takesTexts(photo));
});

test("an ending gives its own type: .md is Markdown, .txt plain text", () => {
  assert.equal(typeFromName(page, "notes.md"), "text/markdown");
  assert.equal(typeFromName(page, "README.markdown"), "text/markdown");
  assert.equal(typeFromName(page, "notes.TXT"), "text/plain");
  assert.equal(typeFromName(page, "book.epub"), EPUB);
  assert.equal(typeFromName(page, "report.docx"), DOCX);
  assert.equal(typeFromName(page, "page.htm"), "text/html");
  assert.equal(typeFromName(page, "page.xhtml"), "application/xhtml+xml");
});

test("a Markdown file is declared Markdown whatever the browser calls it", () => {
  for (const type of ["", "text/plain", "application/octet-stream", "text/markdown"]) {
    assert.equal(declaredType({ name: "notes.md", type }, page), "text/markdown", type);
  }
  assert.equal(declaredType({ name: "notes.md", type: "text/x-markdown" }, page), "text/x-markdown");
  assert.equal(declaredType({ name: "notes.txt", type: "text/plain" }, page), "text/plain");
  assert.equal(declaredType({ name: "page.xhtml", type: "application/xml" }, page), "application/xhtml+xml");
  // A type more precise than text/plain stands: an HTML page saved as .txt is read as HTML.
  assert.equal(declaredType({ name: "page.txt", type: "text/html" }, page), "text/html");
  assert.equal(declaredType({ name: "book.epub", type: "application/zip" }, page), EPUB);
  assert.equal(declaredType({ name: "report.docx", type: "application/x-zip-compressed" }, page), DOCX);
});

test("checkFile declares what the worker needs for each format", async () => {
  assert.equal(await checkFile(file(text("# Title\n\nSome *text*."), "notes.md", "text/plain"), page), "text/markdown");
  assert.equal(await checkFile(file(text("# Title"), "notes.md", ""), page), "text/markdown");
  assert.equal(await checkFile(file(text("Chapter 1\r\nIt was a dark night."), "book.txt", "text/plain"), page), "text/plain");
  assert.equal(await checkFile(file(text("<!doctype html><p>Hi"), "page.html", "text/html"), page), "text/html");
  assert.equal(await checkFile(file(DOCX_BYTES, "report.docx", DOCX), page), DOCX);
  assert.equal(await checkFile(file(DOCX_BYTES, "report.docx", ""), page), DOCX);
  assert.equal(await checkFile(file(EPUB_BYTES, "book.epub", "application/zip"), page), EPUB);
  assert.equal(await checkFile(file(ODT_BYTES, "letter.odt", ODT), page), ODT);
  // The first part names the type: an EPUB saved as .docx is declared an EPUB.
  assert.equal(await checkFile(file(EPUB_BYTES, "book.docx", DOCX), page), EPUB);
});

test("text in any common encoding is text; a text file starting BM is not a bitmap", async () => {
  const latin1 = [0x43, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72, 0x0a]; // "Café noir"
  const utf16 = [0xff, 0xfe, ...[..."Hello"].flatMap((ch) => [ch.charCodeAt(0), 0])];
  assert.ok(!looksBinary(new Uint8Array(latin1)));
  assert.ok(!looksBinary(new Uint8Array(utf16)));
  assert.ok(looksBinary(new Uint8Array(DOCX_BYTES)));
  assert.equal(await checkFile(file(latin1, "cafe.txt", "text/plain"), page), "text/plain");
  assert.equal(await checkFile(file(utf16, "hello.txt", "text/plain"), page), "text/plain");
  assert.equal(await checkFile(file(text("BMW service notes"), "car.txt", "text/plain"), page), "text/plain");
  // A PDF saved with a .txt ending is read as the PDF it is.
  assert.equal(await checkFile(file([...text("%PDF-1.7\n%"), 0xe2, 0xe3, 0, 0, 1, 2], "scan.txt", "text/plain"), page),
    "application/pdf");
});

test("what is not what it says is refused before the upload, with a sentence", async () => {
  await assert.rejects(checkFile(file([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0], "tool.txt", "text/plain"), page),
    /“tool.txt” is not text: it holds binary data/);
  await assert.rejects(checkFile(file(DOCX_BYTES, "notes.md", "text/markdown"), page), /is not text/);
  await assert.rejects(checkFile(file(text("just words"), "report.docx", DOCX), page), /does not look like a JPEG/);
  await assert.rejects(checkFile(file(ODS_BYTES, "sheet.odt", ODT), page), /does not look like/);
  await assert.rejects(checkFile(file(text("not a picture"), "fake.png", "image/png"), page), /does not look like/);
  // A kind that does not read documents says so, as before.
  await assert.rejects(checkFile(file(text("# Title"), "notes.md", "text/markdown"), photo),
    /“notes.md” is not a file PageVoice can read as photo. Choose a JPEG or PNG file./);
  await assert.rejects(checkFile(file(text("# Title"), "notes.md", ""), photo), /does not look like a JPEG or PNG file/);
});

test("a document chooses the kind that reads it", () => {
  const speech = { name: "speech", content_types: ["audio/wav"], extensions: [".wav"] };
  assert.equal(kindFor([speech, page], { name: "book.epub", type: "" }), page);
  assert.equal(kindFor([speech, page], { name: "notes.md", type: "text/plain" }), page);
  assert.equal(kindFor([speech, photo], { name: "notes.md", type: "" }), null);
});

test("a notebook and a LaTeX source are declared as the service names them, whatever the browser says", async () => {
  const notebook = "application/x-ipynb+json";
  const sources = { ...page, content_types: [...page.content_types, notebook, "application/x-tex", "text/x-tex"],
    extensions: [...page.extensions, ".ipynb", ".tex"] };
  for (const type of ["", "application/json", "application/octet-stream", "text/plain"]) {
    assert.equal(declaredType({ name: "lesson.ipynb", type }, sources), notebook, type);
  }
  for (const type of ["", "text/plain", "application/octet-stream"]) {
    assert.equal(declaredType({ name: "paper.tex", type }, sources), "application/x-tex", type);
  }
  assert.equal(declaredType({ name: "paper.tex", type: "text/x-tex" }, sources), "text/x-tex");
  const json = text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}');
  assert.equal(await checkFile(file(json, "lesson.ipynb", "application/json"), sources), notebook);
  assert.equal(await checkFile(file(text("\\documentclass{article}"), "paper.tex", ""), sources), "application/x-tex");
  await assert.rejects(checkFile(file([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], "paper.tex", ""), sources), /is not text/);
});
