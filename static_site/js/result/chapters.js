// result.chapters (CONTRACTS section 13) as an outline to jump by, without the DOM: each
// chapter's place in the text (its block and first word) and in the recording (`start`), nested
// by level, and the chapter being heard at a time of the recording.

import { timingAt } from "./model.js";

/** The id of a block's element in the text (the target of a chapter). */
export const blockId = (page, block) => `doc-p${page}-b${block}`;

/**
 * result.chapters as [{title, level, page, block, start, word, id, i}]: `start` null until the
 * recording is made, `word` the running index of the block's first word (undefined when it has
 * none), `i` the place in the list. `blocksByPage` from document.js's pageBlocks; `indexOf`
 * from model.js's indexWords. Chapters pointing past the pages are left out.
 */
export function chapterList(chapters, blocksByPage, indexOf) {
  if (!Array.isArray(chapters) || !blocksByPage) return [];
  const list = [];
  for (const chapter of chapters) {
    const page = Number.isInteger(chapter?.page) ? chapter.page : 0;
    const block = Number.isInteger(chapter?.block) ? chapter.block : 0;
    if (page >= blocksByPage.length) continue; // (a book's pages outside the window shown are holes: kept)
    const start = Number(chapter.start);
    list.push({
      title: String(chapter.title ?? "").trim() || `Page ${page + 1}`,
      level: Math.min(6, Math.max(1, Math.round(Number(chapter.level)) || 1)),
      page,
      block,
      start: chapter.start !== undefined && chapter.start !== null && Number.isFinite(start) ? start : null,
      word: firstWord(blocksByPage[page]?.[block], page, indexOf),
      id: blockId(page, block),
      i: list.length,
    });
  }
  return list;
}

function firstWord(block, page, indexOf) {
  for (const line of block?.lines || []) {
    const index = indexOf(page, line, 0);
    if (index !== undefined) return index;
  }
  return undefined;
}

/** The chapters nested by level: [{...chapter, children: [...]}], a deeper one under the last shallower. */
export function outlineTree(list) {
  const root = { level: 0, children: [] };
  const open = [root];
  for (const chapter of list) {
    const node = { ...chapter, children: [] };
    while (open.length > 1 && open.at(-1).level >= node.level) open.pop();
    open.at(-1).children.push(node);
    open.push(node);
  }
  return root.children;
}

/** The chapters that have a place in the recording, in order of `start` (for chapterAt). */
export const timedChapters = (list) => list.filter((c) => c.start !== null).sort((a, b) => a.start - b.start);

/** The `i` of the chapter heard at `t` seconds (the last one started), -1 before any. */
export function chapterAt(timed, t) {
  const at = timingAt(timed, t);
  return at < 0 ? -1 : timed[at].i;
}
