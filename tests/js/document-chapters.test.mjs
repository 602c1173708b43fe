// result.chapters as an outline (CONTRACTS section 13): where each is in the text and the
// recording, nested by level, and the one being heard.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { blockId, chapterAt, chapterList, outlineTree, timedChapters } from "../../static_site/js/result/chapters.js";
import { indexWords } from "../../static_site/js/result/model.js";

const line = (text) => ({ text, words: text.split(" ").map((w) => ({ text: w, box: null })) });

const pages = [
  { lines: [line("Report"), line("Harbour Lights"), line("Boats come home")] },
  { lines: [line("Report"), line("Catches by day"), line("Monday forty")] },
];
const blocks = [
  [{ role: "page-header", lines: [0], spoken: false }, { role: "title", lines: [1] }, { role: "paragraph", lines: [2] }],
  [{ role: "page-header", lines: [0], spoken: false }, { role: "heading", level: 2, lines: [1] },
    { role: "paragraph", lines: [2] }],
];
const { indexOf } = indexWords(pages);

describe("chapters", () => {
  it("each chapter's block, first word and start", () => {
    const list = chapterList([
      { title: "Harbour Lights", level: 1, page: 0, block: 1, start: 0.4 },
      { title: "Catches by day", level: 2, page: 1, block: 1 },
    ], blocks, indexOf);
    assert.deepEqual(list, [
      { title: "Harbour Lights", level: 1, page: 0, block: 1, start: 0.4, word: 1, id: "doc-p0-b1", i: 0 },
      { title: "Catches by day", level: 2, page: 1, block: 1, start: null, word: 7, id: "doc-p1-b1", i: 1 },
    ]);
    assert.equal(blockId(1, 1), "doc-p1-b1");
  });

  it("none for an old result; chapters past the pages left out; odd values made sane", () => {
    assert.deepEqual(chapterList(undefined, blocks, indexOf), []);
    assert.deepEqual(chapterList([{ title: "x", page: 0, block: 1 }], null, indexOf), []);
    const list = chapterList([{ title: "  ", level: 9, page: 5, block: 0 }, { title: "", level: "x", page: 1, block: 9, start: "nope" }],
      blocks, indexOf);
    assert.deepEqual(list.map((c) => [c.title, c.level, c.start, c.word, c.i]), [["Page 2", 1, null, undefined, 0]]);
  });

  it("nested by level: a deeper chapter under the last shallower one", () => {
    const flat = [1, 2, 2, 3, 1, 3].map((level, i) => ({ title: `c${i}`, level, i }));
    const shape = (nodes) => nodes.map((n) => (n.children.length ? [n.title, shape(n.children)] : n.title));
    assert.deepEqual(shape(outlineTree(flat)), [["c0", ["c1", ["c2", ["c3"]]]], ["c4", ["c5"]]]);
    assert.deepEqual(outlineTree([]), []);
  });

  it("the chapter heard at a time: the last one started, none before the first", () => {
    const list = [{ i: 0, start: 0.5 }, { i: 1, start: null }, { i: 2, start: 10 }, { i: 3, start: 4 }];
    const timed = timedChapters(list);
    assert.deepEqual(timed.map((c) => c.i), [0, 3, 2]);
    assert.equal(chapterAt(timed, 0.2), -1);
    assert.equal(chapterAt(timed, 0.5), 0);
    assert.equal(chapterAt(timed, 5), 3);
    assert.equal(chapterAt(timed, 99), 2);
    assert.equal(chapterAt([], 3), -1);
  });
});
