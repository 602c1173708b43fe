import { test } from "node:test";
import assert from "node:assert/strict";

import {
  bookLayout, bookResult, filesFor, isBook, pageAtTime, partOfPlace, playParts, runOf, runParts, windowAround,
} from "../../static_site/js/book-index.js";

const place = (page, line = 0, word = 0) => ({ page, line, word });
const part = (file, first, last, start, seconds, extra = {}) => ({
  file, timings: `${file}.json`, first: place(first), last: place(last, 9, 9), start, seconds, url: `u/${file}`, ...extra,
});

// A 100-page book in shards of 1, 2, 4... pages, as chalicelib/jobs/book.py writes its index.
const counts = [1, 2, 4, 8, 16, 32, 37];
const index = {
  result: { document: { book: true, pages: 100 }, chapters: [], speech: { parts: [], complete: false } },
  parts: [
    { path: ["pages"], type: "list", files: counts.map((count, i) => ({ name: `book-pages-000${i}.json`, count })), tail: [] },
    { path: ["text"], type: "text", files: counts.map((_, i) => ({ name: `book-text-000${i}.json` })), tail: "" },
  ],
};
const pageOf = (n) => ({ text: `Page ${n + 1}.`, lines: [{ words: [{ text: "Page" }, { text: `${n + 1}.` }] }] });

test("a book is a result of pages with document.book; a long recording is not", () => {
  assert.ok(isBook(index.result));
  assert.ok(!isBook({ document: { book: true }, kind: "speech", segments: [] }));
  assert.ok(!isBook({ document: {} }));
});

test("the layout says which pages each shard file holds, its text file beside it", () => {
  const layout = bookLayout({ index });
  assert.equal(layout.total, 100);
  assert.deepEqual(layout.files[3], { name: "book-pages-0003.json", text: "book-text-0003.json", from: 7, to: 15 });
  assert.deepEqual(filesFor(layout, { from: 6, to: 8 }).map((f) => f.name), ["book-pages-0002.json", "book-pages-0003.json"]);
});

test("the window holds a bounded number of pages around the place, within the book", () => {
  assert.deepEqual(windowAround(1000, 500), { from: 496, to: 513 });
  assert.deepEqual(windowAround(1000, 0), { from: 0, to: 17 });
  assert.deepEqual(windowAround(1000, 999), { from: 983, to: 1000 });
  assert.deepEqual(windowAround(5, 3), { from: 0, to: 5 });
  assert.deepEqual(windowAround(1000, 500, true), { from: 499, to: 504 }); // sections of ~1,500 words
});

test("parts play on from one another until a gap; a late part gets a steady estimated start", () => {
  const bases = new Map();
  const parts = [part("a", 0, 0, 0, 10), part("b", 1, 1, 10, 10), part("z", 90, 90, null, 10, { gap: true }),
    part("z2", 91, 91, null, 10)];
  const played = playParts(parts, bases);
  assert.deepEqual(played.map((p) => p.run), ["a", "a", "z", "z"]);
  assert.deepEqual(played.slice(0, 2).map((p) => p.play), [0, 10]);
  // 40 s over 4 pages: 10 s a page, 88 pages after the second part's last.
  assert.equal(played[2].play, 20 + 89 * 10);
  assert.equal(played[3].play, played[2].play + 10);
  // More parts made: the estimate would change, the late run's clock does not.
  const more = playParts([...parts.slice(0, 2), part("c", 2, 50, 20, 400), ...parts.slice(2)], bases);
  assert.equal(more.find((p) => p.file === "z").play, played[2].play);
  // Once the gap is closed the real starts are used and it is one run.
  const whole = playParts([part("a", 0, 0, 0, 10), part("z", 90, 90, 900, 10)], bases);
  assert.deepEqual(whole.map((p) => [p.play, p.run]), [[0, "a"], [900, "a"]]);
});

test("the window's result holds its pages as a sparse list and its parts' timings on the player's clock", () => {
  const speech = { parts: [part("a", 0, 3, 0, 30), part("z", 40, 42, null, 20, { gap: true })], complete: false };
  const source = { index: { ...index, result: { ...index.result, speech } } };
  const layout = bookLayout(source);
  const pages = new Map(layout.files.map((f) => [f.name, Array.from({ length: f.to - f.from }, (_, i) => pageOf(f.from + i))]));
  const timings = new Map([["a", { words: [{ page: 1, line: 0, word: 0, start: 1, end: 2 }], sentences: [{ page: 1, start: 1, end: 3 }] }],
    ["z", { words: [{ page: 41, line: 0, word: 1, start: 0.5, end: 1 }], sentences: [] }]]);
  const near = bookResult(source, { layout, pages, timings, window: windowAround(100, 0), bases: new Map() });
  assert.equal(near.pages.length, 100);
  assert.equal(Object.keys(near.pages).length, 17); // only the window's pages are there
  assert.equal(near.pages[16].text, "Page 17.");
  assert.equal(near.pages[17], undefined);
  assert.deepEqual(near.window, { from: 0, to: 17, total: 100 });
  assert.deepEqual(near.speech.words, [{ page: 1, line: 0, word: 0, start: 1, end: 2 }]);
  const far = bookResult(source, { layout, pages, timings, window: windowAround(100, 41), bases: new Map() });
  const z = far.speech.parts.find((p) => p.file === "z");
  assert.deepEqual(far.speech.words, [{ page: 41, line: 0, word: 1, start: z.play + 0.5, end: z.play + 1 }]);
  assert.ok(far.text.startsWith("Page 38."));
});

test("a place's part, the page at a time, and the run the player holds", () => {
  const parts = playParts([part("a", 0, 3, 0, 30), part("b", 4, 5, 30, 10), part("z", 40, 42, null, 20, { gap: true })]);
  assert.equal(partOfPlace(parts, place(4, 2, 0)).file, "b");
  assert.equal(partOfPlace(parts, place(20)), null); // not recorded yet
  assert.equal(pageAtTime(parts, 35), 4);
  assert.equal(runOf(parts, {}), "a");
  assert.equal(runOf(parts, { run: "z" }), "z");
  assert.equal(runOf(parts, { run: "gone", held: ["z"] }), "z"); // runs joined: the held parts' run
  const a = runParts(parts, "a", { held: ["a"] });
  assert.deepEqual(a.parts.map((p) => [p.file, p.start]), [["a", 0], ["b", 30]]);
  assert.equal(a.replace, false); // the player holds the run's start: parts are appended
  assert.equal(runParts(parts, "z", { held: ["a", "b"] }).replace, true);
  assert.equal(runParts(parts, "a", { done: true, complete: true }).final, true);
});
