// The document view (issue 38): a page's text drawn with its real structure (CONTRACTS section
// 13), so a screen reader's heading, list and table navigation work on it: h1-h6, ol/ul, a table
// with th (scope) and its caption, figure with figcaption, a code block as pre/code. What the recording leaves out is
// dimmed and says so in words ("Page number, not read"). The words are the same spans as in the
// plain view (overlay.js renderText), moved into the blocks, so the read-along lights them alike.

import { renderText } from "./overlay.js";
import { blockId } from "./chapters.js";
import { documentParts, isSpoken, roleName } from "./document.js";

/**
 * Draws `page`'s text into `target` as `blocks` say (page number `p`); `words` are the page's
 * words (model.js wordsOnPage). Returns the word spans in the order they are shown.
 */
export function renderBlocks(target, { page, blocks, words, p }) {
  const scratch = document.createElement("div");
  renderText(scratch, { lines: page.lines || [], text: page.text }, words);
  const lineEls = [...scratch.querySelectorAll(":scope > .text-line")];
  const draw = { p, lines: page.lines || [], lineEls };
  const out = document.createDocumentFragment();
  for (const part of documentParts(blocks, draw.lines)) out.append(...drawPart(part, draw));
  const spans = [...out.querySelectorAll(".text-word")];
  target.append(out);
  return spans;
}

function drawPart(part, draw) {
  switch (part.type) {
    case "heading": return block(`h${part.level}`, part, draw, { tagBefore: true });
    case "list": return [drawList(part, draw)];
    case "table": return drawTable(part, draw);
    case "figure": return drawFigure(part, draw);
    case "caption": return block("p", part, draw, { className: "doc-caption" });
    case "footnote": return block("p", part, draw, { className: "doc-footnote" });
    case "code": return drawCode(part, draw);
    case "furniture": return block("p", part, draw, { className: "doc-furniture" });
    default: return block("p", part, draw, { className: "doc-paragraph" });
  }
}

/** An element for one block holding its lines; with the "not read" tag before it when `tagBefore`. */
function block(tag, part, draw, { className = "", tagBefore = false } = {}) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  mark(el, part, draw);
  fill(el, part.lines, draw);
  if (isSpoken(part.block)) return [el];
  if (tagBefore) return [notReadTag(part.block, "p"), el];
  el.prepend(notReadTag(part.block), " ");
  return [el];
}

function mark(el, part, { p }) {
  el.classList.add("doc-block");
  el.dataset.role = part.block.role || "paragraph";
  el.dataset.spoken = String(isSpoken(part.block));
  if (part.index >= 0) {
    el.id = blockId(p, part.index);
    el.dataset.blockIndex = String(part.index);
  }
  if (!isSpoken(part.block)) el.classList.add("is-unspoken");
}

// The lines of a block, each a span (language.js marks a line's own language on it), joined
// by a space (`joiner`); a word broken over two lines ("develop-" / "ment") is not spaced apart.
function fill(el, lines, { lines: all, lineEls }, joiner = " ") {
  lines.forEach((l, k) => {
    const prev = k > 0 ? String(all[lines[k - 1]]?.text || "") : "";
    const broken = joiner === " " && /\p{L}-$/u.test(prev) && /^\p{Ll}/u.test(String(all[l]?.text || ""));
    if (k > 0 && !broken) el.append(joiner);
    const from = lineEls[l];
    const span = document.createElement("span");
    span.className = "text-line";
    span.dataset.lineIndex = String(l);
    if (from) span.append(...from.childNodes);
    el.append(span);
  });
  return el;
}

// "Page number, not read": PageVoice's own words, in the page's language (not the text's).
function notReadTag(blockOf, tag = "span") {
  const el = document.createElement(tag);
  el.className = "doc-not-read";
  const name = roleName(blockOf.role || "block");
  el.textContent = `${name[0].toUpperCase()}${name.slice(1)}, not read`;
  ownWords(el);
  return el;
}

function ownWords(el) {
  el.lang = document.documentElement.lang || "en";
  el.dir = "ltr";
}

// A code block: its lines one under another, as written (<pre><code>); "not read" before it
// when the recording leaves it out (by default: its words are not spoken one by one).
function drawCode(part, draw) {
  const pre = document.createElement("pre");
  pre.className = "doc-code";
  mark(pre, part, draw);
  fill(pre.appendChild(document.createElement("code")), part.lines, draw, "\n");
  return isSpoken(part.block) ? [pre] : [notReadTag(part.block, "p"), pre];
}

// Bullets a document's text does not carry (Markdown, HTML, DOCX lists) are drawn, as numbers
// are not: a numbered item's number is in its text (and spoken).
const BULLET = /^\s*[•·▪◦‣∙*+–—-]\s/u;

function drawList(part, draw) {
  const list = document.createElement(part.ordered ? "ol" : "ul");
  list.className = "doc-list";
  if (!part.ordered && !part.items.some((item) => BULLET.test(draw.lines[item.lines[0]]?.text || ""))) {
    list.classList.add("doc-list-bullets");
  }
  for (const item of part.items) list.append(...block("li", item, draw));
  return list;
}

function drawTable(part, draw) {
  if (!part.head.length && !part.body.length) { // no grid to draw (tableGrid): its caption and text
    const text = fill(document.createElement("p"), part.rest, draw);
    mark(text, part, draw);
    const body = isSpoken(part.block) ? [text] : [notReadTag(part.block, "p"), text];
    const caption = part.caption ? block("p", part.caption, draw) : [];
    return part.captionAfter ? [...body, ...caption] : [...caption, ...body]; // where the page has it
  }
  const table = document.createElement("table");
  table.className = "doc-table";
  mark(table, part, draw);
  if (part.caption) {
    const caption = document.createElement("caption");
    if (part.captionAfter) caption.classList.add("is-after");
    table.append(caption);
    caption.append(...block("span", part.caption, draw, { className: "doc-caption" }));
  }
  const section = (tag, rows) => {
    const el = document.createElement(tag);
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const cell of row) tr.append(drawCell(cell, draw));
      el.append(tr);
    }
    return el;
  };
  if (part.head.length) table.append(section("thead", part.head));
  table.append(section("tbody", part.body));
  const out = isSpoken(part.block) ? [table] : [notReadTag(part.block, "p"), table];
  if (part.rest.length) out.push(fill(document.createElement("p"), part.rest, draw));
  return out;
}

function drawCell(cell, draw) {
  const el = document.createElement(cell.header ? "th" : "td");
  if (cell.scope) el.scope = cell.scope;
  return fill(el, cell.lines, draw);
}

function drawFigure(part, draw) {
  const figure = document.createElement("figure");
  figure.className = "doc-figure";
  mark(figure, part, draw);
  if (part.lines.length) fill(figure.appendChild(document.createElement("p")), part.lines, draw);
  else if (!part.caption) {
    const label = figure.appendChild(document.createElement("p"));
    label.className = "doc-figure-label";
    label.textContent = "Figure";
    ownWords(label);
  }
  if (part.caption) {
    const caption = document.createElement("figcaption");
    caption.append(...block("span", part.caption, draw, { className: "doc-caption" }));
    if (part.captionAfter) figure.append(caption);
    else figure.prepend(caption);
  }
  return isSpoken(part.block) ? [figure] : [notReadTag(part.block, "p"), figure];
}
