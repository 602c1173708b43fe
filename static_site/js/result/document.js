// A page's blocks (CONTRACTS section 13) as a document to show, without the DOM: headings at
// their level, list items gathered into ordered or bulleted lists, tables as rows of cells with
// their headers, captions joined to the table or figure beside them, and what the recording
// leaves out ("Not read: 14 page numbers, 12 running headers, 3 footnotes.").

import { isDocument } from "./model.js";
import { plural } from "./messages.js";

// What each role is called when it is named to the listener, in the order "Not read" lists them.
const NAMES = {
  "page-number": "page number",
  "page-header": "running header",
  "page-footer": "running footer",
  footnote: "footnote",
  code: "code block",
  title: "title",
  heading: "heading",
  paragraph: "paragraph",
  "list-item": "list item",
  table: "table",
  caption: "caption",
  figure: "figure",
};
const ORDER = Object.keys(NAMES);

const FURNITURE = new Set(["page-header", "page-footer", "page-number"]);

/** "page number" for `page-number`; an unknown role by its own name. */
export const roleName = (role) => NAMES[role] ?? String(role || "block").replace(/-/g, " ");

/** "Not read: 14 page numbers, 12 running headers, 3 footnotes." from result.skipped ("" when none). */
export function notReadLine(skipped) {
  const rank = (role) => (ORDER.includes(role) ? ORDER.indexOf(role) : ORDER.length);
  const counts = Object.entries(skipped && typeof skipped === "object" ? skipped : {})
    .map(([role, n]) => [role, Math.floor(Number(n))])
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => rank(a) - rank(b));
  if (!counts.length) return "";
  return `Not read: ${counts.map(([role, n]) => plural(n, roleName(role))).join(", ")}.`;
}

/**
 * The blocks of each page, or null for a result without structure (made before section 13):
 * that one is shown as it always was. A page without blocks in a result that has them is one
 * paragraph per line, all spoken.
 */
export function pageBlocks(result, pages) {
  const lists = isDocument(result) ? pages.map((page) => page.blocks) : [result?.blocks];
  if (!lists.some(Array.isArray)) return null;
  return lists.map((blocks, p) => (Array.isArray(blocks) ? blocks : linesAsParagraphs(pages[p])));
}

const linesAsParagraphs = (page) => (page?.lines || []).map((_, i) => ({ role: "paragraph", lines: [i], spoken: true }));

/** The structure in a few characters: when it changes, the text is drawn again. */
export function structureKey(blocksByPage) {
  if (!blocksByPage) return "";
  return blocksByPage.map((blocks) => blocks.map((b) => `${b.role}${b.level ?? ""}${b.spoken === false ? "-" : ""}`
    + `${(b.lines || []).length}`).join(",")).join("|");
}

export const isSpoken = (block) => block?.spoken !== false;

/** A list item's marker says whether its list is numbered: "1.", "2)", "(a)", "iv." */
export const isNumbered = (text) => /^\s*\(?(\d{1,4}|[a-z]|[ivxlc]{1,6})[.)]\s/i.test(String(text || ""));

/** An `h1`-`h6` level: a title is 1, a heading its own level (2 when it gives none). */
export function headingLevel(block) {
  if (block.role === "title") return 1;
  const level = Math.round(Number(block.level));
  return Number.isFinite(level) ? Math.min(6, Math.max(1, level)) : 2;
}

/**
 * The page as parts to draw, in reading order: {type, block, index, lines} where type is
 * heading (with `level`), paragraph, list (`ordered`, `items`: parts), table (`head`, `body`:
 * rows of cells {header, scope, lines}, `rest`: lines in no cell), figure, caption, footnote,
 * code (a code block: its lines as they are) or furniture; a table or figure takes the caption beside it (`caption`, `captionAfter`). Each
 * line is drawn once: lines no block names come last, one paragraph each.
 */
export function documentParts(blocks, lines) {
  const count = (lines || []).length;
  const taken = new Set();
  const own = (list) => (list || []).filter((l) => {
    if (!Number.isInteger(l) || l < 0 || l >= count || taken.has(l)) return false;
    taken.add(l);
    return true;
  });
  const parts = [];
  for (let i = 0; i < blocks.length; i += 1) {
    const block = blocks[i] || {};
    const part = { type: typeOf(block.role), block, index: i, lines: [] };
    if (part.type === "table") Object.assign(part, tableGrid(block, own));
    else part.lines = own(block.lines);
    if (part.type === "heading") part.level = headingLevel(block);
    if (part.type === "table" || part.type === "figure") {
      if (blocks[i + 1]?.role === "caption") {
        i += 1;
        Object.assign(part, { caption: { block: blocks[i], index: i, lines: own(blocks[i].lines) }, captionAfter: true });
      } else if (parts.at(-1)?.type === "caption" && parts.at(-1).index === i - 1) {
        Object.assign(part, { caption: parts.pop(), captionAfter: false });
      }
    }
    addPart(parts, part, lines);
  }
  const stray = [...Array(count).keys()].filter((l) => !taken.has(l));
  for (const l of stray) parts.push({ type: "paragraph", block: { role: "paragraph", spoken: true }, index: -1, lines: [l] });
  return parts;
}

function typeOf(role) {
  if (role === "title" || role === "heading") return "heading";
  if (FURNITURE.has(role)) return "furniture";
  if (role === "list-item") return "item";
  return ["table", "figure", "caption", "footnote", "code"].includes(role) ? role : "paragraph";
}

// List items one after another make one list, numbered when its items have numbers.
function addPart(parts, part, lines) {
  if (part.type !== "item") {
    parts.push(part);
    return;
  }
  const ordered = isNumbered(lines[part.lines[0]]?.text);
  const last = parts.at(-1);
  if (last?.type === "list" && last.ordered === ordered) last.items.push(part);
  else parts.push({ type: "list", ordered, items: [part], index: part.index, block: part.block });
}

// Empty cells a table may have beyond its real ones (as the books' EPUB, chalicelib/books/xhtml.py).
export const GRID_EMPTY_MAX = 10_000;

/**
 * A table block's cells as rows: `head` the first row when it is all headers, `body` the rest;
 * a header in row 0 heads its column, one in column 0 its row. A table of headers only has
 * nothing to head: its cells are data. A grid far sparser than its cells has no rows: its lines
 * are all `rest`. `own(lines)` claims lines (each drawn once).
 */
export function tableGrid(block, own = (l) => l || []) {
  const cells = (block.cells || []).filter((c) => Number.isInteger(c?.row) && Number.isInteger(c?.col)
    && c.row >= 0 && c.col >= 0);
  const rows = cells.reduce((n, c) => Math.max(n, c.row + 1), Math.max(0, Number(block.rows) || 0));
  const cols = cells.reduce((n, c) => Math.max(n, c.col + 1), Math.max(0, Number(block.cols) || 0));
  if (rows * cols > cells.length + GRID_EMPTY_MAX) {
    // Far sparser than its cells (a column number past thousands of empty ones): its text, in order.
    const inCells = cells.flatMap((c) => c.lines || []).filter((l) => !(block.lines || []).includes(l));
    return { head: [], body: [], rest: own([...(block.lines || []), ...inCells]) };
  }
  const headed = cells.some((c) => !c.header);
  const grid = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ({ header: false, scope: null, lines: [] })));
  for (const c of cells) {
    const header = headed && Boolean(c.header);
    const scope = header ? (c.row === 0 || c.col !== 0 ? "col" : "row") : null;
    const cell = grid[c.row][c.col];
    grid[c.row][c.col] = { header: header || cell.header, scope: scope || cell.scope, lines: [...cell.lines, ...own(c.lines)] };
  }
  const headRow = rows > 1 && grid[0].every((c) => c.header);
  return { head: headRow ? grid.slice(0, 1) : [], body: headRow ? grid.slice(1) : grid, rest: own(block.lines) };
}
