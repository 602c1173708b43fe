// A page's blocks as a document (CONTRACTS section 13): parts to draw, the "Not read" line.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  GRID_EMPTY_MAX, documentParts, headingLevel, isNumbered, notReadLine, pageBlocks, roleName, structureKey, tableGrid,
} from "../../static_site/js/result/document.js";

const line = (text) => ({ text, words: text.split(" ").map((w) => ({ text: w, box: null })) });
const lines = (...texts) => texts.map(line);

describe("the Not read line", () => {
  it("names each role with its count, furniture first, in the singular for one", () => {
    assert.equal(notReadLine({ footnote: 3, "page-header": 12, "page-number": 14 }),
      "Not read: 14 page numbers, 12 running headers, 3 footnotes.");
    assert.equal(notReadLine({ "page-number": 1, "page-footer": 1, footnote: 1 }),
      "Not read: 1 page number, 1 running footer, 1 footnote.");
    assert.equal(notReadLine({ "list-item": 2, table: 1 }), "Not read: 2 list items, 1 table.");
    assert.equal(notReadLine({ "page-number": 1200 }), `Not read: ${(1200).toLocaleString()} page numbers.`);
  });

  it("says nothing when nothing was left out, or for an old result", () => {
    assert.equal(notReadLine({}), "");
    assert.equal(notReadLine({ "page-number": 0 }), "");
    assert.equal(notReadLine(undefined), "");
    assert.equal(notReadLine(null), "");
  });

  it("names a role it does not know by its own name, after the known ones", () => {
    assert.equal(notReadLine({ "side-note": 2, footnote: 1 }), "Not read: 1 footnote, 2 side notes.");
    assert.equal(roleName("page-header"), "running header");
  });
});

describe("blocks of each page", () => {
  const page = (texts, blocks) => ({ lines: lines(...texts), ...(blocks ? { blocks } : {}) });

  it("an old result has none: it is drawn as it always was", () => {
    assert.equal(pageBlocks({ lines: lines("a") }, [page(["a"])]), null);
    const doc = { pages: [page(["a"]), page(["b"])] };
    assert.equal(pageBlocks(doc, doc.pages), null);
  });

  it("a photo's blocks are at the top of its result", () => {
    const blocks = [{ role: "title", lines: [0] }];
    const result = { lines: lines("Hello"), blocks };
    assert.deepEqual(pageBlocks(result, [{ lines: result.lines }]), [blocks]);
  });

  it("a page without blocks in a result with them is a paragraph per line, all spoken", () => {
    const doc = { pages: [page(["a"], [{ role: "heading", level: 2, lines: [0] }]), page(["b", "c"])] };
    assert.deepEqual(pageBlocks(doc, doc.pages)[1], [
      { role: "paragraph", lines: [0], spoken: true }, { role: "paragraph", lines: [1], spoken: true }]);
  });

  it("the structure key changes with roles, levels and what is spoken", () => {
    const a = [[{ role: "heading", level: 2, lines: [0] }]];
    const b = [[{ role: "heading", level: 3, lines: [0] }]];
    const c = [[{ role: "heading", level: 2, lines: [0], spoken: false }]];
    assert.notEqual(structureKey(a), structureKey(b));
    assert.notEqual(structureKey(a), structureKey(c));
    assert.equal(structureKey(null), "");
  });
});

describe("parts to draw", () => {
  it("headings at their level, a title h1, levels kept within 1-6", () => {
    assert.equal(headingLevel({ role: "title" }), 1);
    assert.equal(headingLevel({ role: "heading", level: 3 }), 3);
    assert.equal(headingLevel({ role: "heading", level: 9 }), 6);
    assert.equal(headingLevel({ role: "heading" }), 2);
    const parts = documentParts([{ role: "title", lines: [0] }, { role: "heading", level: 2, lines: [1] },
      { role: "paragraph", lines: [2, 3] }], lines("Report", "Methods", "We counted", "the boats"));
    assert.deepEqual(parts.map((p) => [p.type, p.level, p.lines]),
      [["heading", 1, [0]], ["heading", 2, [1]], ["paragraph", undefined, [2, 3]]]);
  });

  it("list items one after another make one list, numbered when they have numbers", () => {
    assert.ok(isNumbered("1. Count"));
    assert.ok(isNumbered("(b) Weigh"));
    assert.ok(isNumbered("iv) Fourth"));
    assert.ok(!isNumbered("• Nets"));
    assert.ok(!isNumbered("- Nets"));
    assert.ok(!isNumbered("e.g. this"));
    const text = lines("1. Count", "2. Weigh", "Then", "• Nets", "• Ropes", "3. Sell");
    const parts = documentParts(text.map((_, i) => ({ role: i === 2 ? "paragraph" : "list-item", lines: [i] })), text);
    assert.deepEqual(parts.map((p) => [p.type, p.ordered, p.items?.map((it) => it.lines[0])]), [
      ["list", true, [0, 1]], ["paragraph", undefined, undefined], ["list", false, [3, 4]], ["list", true, [5]]]);
  });

  it("a table's rows with their headers: a first row of headers is its head", () => {
    const block = {
      role: "table", rows: 3, cols: 2, lines: [0, 1, 2, 3, 4, 5],
      cells: [
        { row: 0, col: 0, header: true, lines: [0] }, { row: 0, col: 1, header: true, lines: [1] },
        { row: 1, col: 0, header: false, lines: [2] }, { row: 1, col: 1, lines: [3] },
        { row: 2, col: 0, lines: [4] }, { row: 2, col: 1, lines: [5] },
      ],
    };
    const grid = tableGrid(block);
    assert.deepEqual(grid.head, [[{ header: true, scope: "col", lines: [0] }, { header: true, scope: "col", lines: [1] }]]);
    assert.deepEqual(grid.body.map((r) => r.map((c) => c.lines[0])), [[2, 3], [4, 5]]);
    assert.ok(grid.body.flat().every((c) => !c.header));
  });

  it("a header in the first column heads its row; a missing cell is empty; lines in no cell come after", () => {
    const block = {
      role: "table", lines: [0, 1, 2, 3],
      cells: [{ row: 0, col: 0, header: true, lines: [0] }, { row: 0, col: 1, lines: [1] },
        { row: 1, col: 0, header: true, lines: [2] }],
    };
    const taken = new Set();
    const own = (list) => list.filter((l) => !taken.has(l) && taken.add(l));
    const grid = tableGrid(block, own);
    assert.deepEqual(grid.head, []);
    assert.deepEqual(grid.body.map((r) => r.map((c) => [c.header, c.scope, c.lines])), [
      [[true, "col", [0]], [false, null, [1]]],
      [[true, "row", [2]], [false, null, []]]]);
    assert.deepEqual(grid.rest, [3]);
  });

  it("a table of headers only has nothing to head: its cells are data", () => {
    const grid = tableGrid({ role: "table", cells: [{ row: 0, col: 0, header: true, lines: [0] }], lines: [0] });
    assert.deepEqual(grid.body, [[{ header: false, scope: null, lines: [0] }]]);
  });

  it("a caption joins the figure before it, or the table after it", () => {
    const text = lines("A harbour", "Figure 1: Dawn", "Table 2: Catches", "Day", "Text");
    const parts = documentParts([
      { role: "figure", lines: [] }, { role: "caption", lines: [1] },
      { role: "caption", lines: [2] }, { role: "table", lines: [3], cells: [{ row: 0, col: 0, lines: [3] }] },
      { role: "paragraph", lines: [4] }], text);
    assert.deepEqual(parts.map((p) => [p.type, p.caption?.lines, p.captionAfter]), [
      ["figure", [1], true], ["table", [2], false], ["paragraph", undefined, undefined],
      ["paragraph", undefined, undefined]]);
    assert.deepEqual(parts.at(-1).lines, [0]); // line 0 is in no block: it comes last
  });

  it("a caption beside neither stays a caption; furniture and footnotes keep their kind", () => {
    const text = lines("Page 3", "Caption", "1 A note");
    const parts = documentParts([{ role: "page-number", lines: [0], spoken: false }, { role: "caption", lines: [1] },
      { role: "footnote", lines: [2], spoken: false }, { role: "mystery", lines: [] }], text);
    assert.deepEqual(parts.map((p) => p.type), ["furniture", "caption", "footnote", "paragraph"]);
  });

  it("each line is drawn once, and lines that do not exist are ignored", () => {
    const parts = documentParts([{ role: "paragraph", lines: [0, 0, 7, -1, 1.5] }, { role: "heading", lines: [0, 1] }],
      lines("one", "two"));
    assert.deepEqual(parts.map((p) => p.lines), [[0], [1]]);
  });
});

describe("a table far sparser than its cells", () => {
  it("has no rows: its lines, cells' included, are its text in order (bounded as the EPUB's)", () => {
    const cells = [{ row: 0, col: 0, lines: [0] }, { row: 1, col: GRID_EMPTY_MAX + 5, lines: [1] }];
    const grid = tableGrid({ role: "table", lines: [0], cells });
    assert.deepEqual(grid.head, []);
    assert.deepEqual(grid.body, []);
    assert.deepEqual(grid.rest, [0, 1]);
  });

  it("a table with as many empty cells as allowed still has its grid", () => {
    const cells = [{ row: 0, col: 0, lines: [0] }, { row: 0, col: GRID_EMPTY_MAX, lines: [1] }];
    const grid = tableGrid({ role: "table", lines: [0, 1], cells });
    assert.equal(grid.body.length, 1);
    assert.equal(grid.body[0].length, GRID_EMPTY_MAX + 1);
  });
});
