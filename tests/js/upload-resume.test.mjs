import { test } from "node:test";
import assert from "node:assert/strict";

// resume.js keeps its entries in localStorage: a stand-in with the same interface.
const stored = new Map();
globalThis.localStorage = {
  getItem: (k) => (stored.has(k) ? stored.get(k) : null),
  setItem: (k, v) => stored.set(k, String(v)),
  removeItem: (k) => stored.delete(k),
};
const resume = await import("../../static_site/js/views/dashboard/resume.js");

const book = { name: "moby-dick.pdf", size: 10_900_000, lastModified: 1_764_000_000_000 };
const ann = { user: "ann", kind: "page" };
const DAY = 24 * 3600 * 1000;

test("the same file chosen again finds its upload under way, for its account and kind, for a day", () => {
  stored.clear();
  resume.remember(book, { ...ann, jobId: "J1" }, 1000);
  assert.equal(resume.recall({ ...book }, ann, 2000), "J1");
  assert.equal(resume.recall({ ...book, lastModified: 5 }, ann, 2000), null); // changed since
  assert.equal(resume.recall({ ...book, size: book.size + 1 }, ann, 2000), null);
  assert.equal(resume.recall(book, { ...ann, user: "bob" }, 2000), null);
  assert.equal(resume.recall(book, { ...ann, kind: "digits" }, 2000), null);
  assert.equal(resume.recall(book, ann, 1000 + DAY + 1), null); // S3 has dropped the parts
  resume.forget(book);
  assert.equal(resume.recall(book, ann, 2000), null);
});

test("old entries are dropped when a new one is kept; a broken store is no store", () => {
  stored.clear();
  resume.remember(book, { ...ann, jobId: "J1" }, 1000);
  const other = { ...book, name: "war-of-the-worlds.epub" };
  resume.remember(other, { ...ann, jobId: "J2" }, 1000 + DAY + 5);
  assert.deepEqual(Object.keys(JSON.parse(stored.get("pagevoice.uploads"))), [resume.fileKey(other)]);
  stored.set("pagevoice.uploads", "{not json");
  assert.equal(resume.recall(book, ann), null);
});
