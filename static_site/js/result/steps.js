// Steps through the recording by sentence, paragraph and chapter (pure, no DOM): each unit as
// a list of marks {start, index} in order of time, `start` the seek time (its first word's
// start, so the lit word is that word) and `index` the running index of its first word, and
// the mark a step back or forward reaches from a time. Also the words per minute heard.
//
// Sentences come from result.speech.sentences (CONTRACTS section 14); a result made before it
// has them gets them here from the timed words: a word after one ending in . ! ? (or the
// script's own full stops) starts one, as does the first word of each paragraph. Paragraphs
// are the blocks of section 13; a result without blocks has its lines grouped by blank space.

import { chapterList } from "./chapters.js";

/** Stepping back within this long (seconds heard) of a sentence's start goes to the one before. */
export const BACK_GRACE_S = 1.5;
// A mark this close after the position counts as reached (a seek lands a hair before it).
const REACHED_S = 0.05;
const SENTENCE_END = /[.!?…。！？؟।][)"'»”’\]]*$/u;
// A gap between two lines taller than this share of a line's height is a blank space between them.
const PARAGRAPH_GAP = 0.8;

/** Marks in time order, one per time (the first word kept). */
function ordered(marks) {
  const out = [];
  for (const mark of marks.filter((m) => Number.isFinite(m.start)).sort((a, b) => a.start - b.start)) {
    if (!out.length || mark.start - out.at(-1).start > 1e-6) out.push(mark);
  }
  return out;
}

/** The mark of word `index` (its timing's start), or null when it is not in the recording. */
function markOfWord(timings, index) {
  const at = index === undefined ? undefined : timings.positionOf.get(index);
  return at === undefined ? null : { start: timings.list[at].start, index };
}

/**
 * The sentences' marks: from `sentences` (speech.sentences) when given, else from the timed
 * words' punctuation. `timings` is model.js's timingsOf; `words` the running words (with text);
 * `indexOf(page, line, word)`; `paragraphStarts` the running indexes that start a paragraph.
 */
export function sentenceMarks({ sentences, timings, words, indexOf, paragraphStarts = new Set() }) {
  if (Array.isArray(sentences) && sentences.length) {
    return ordered(sentences.map((s) => {
      const index = indexOf(s?.page ?? 0, s?.line, s?.word);
      return markOfWord(timings, index) || { start: Number(s?.start), index };
    }));
  }
  const marks = [];
  let ended = true;
  for (const timing of timings.list) {
    if (ended || paragraphStarts.has(timing.index)) marks.push({ start: timing.start, index: timing.index });
    ended = SENTENCE_END.test(String(words[timing.index]?.text || "").trim());
  }
  return ordered(marks);
}

/**
 * The running indexes of the words that start a paragraph: each spoken block's first word
 * (`blocksByPage` from document.js's pageBlocks), or, without blocks, the first word of each
 * run of lines not parted by blank space (and of each page).
 */
export function paragraphStarts({ blocksByPage, pages, indexOf }) {
  const starts = new Set();
  const firstOf = (p, lines) => {
    for (const line of lines) {
      const index = indexOf(p, line, 0);
      if (index !== undefined) return index;
    }
    return undefined;
  };
  pages.forEach((page, p) => {
    const groups = blocksByPage
      ? (blocksByPage[p] || []).filter((b) => b?.spoken !== false).map((b) => [...(b.lines || [])].sort((a, c) => a - c))
      : linesByBlankSpace(page?.lines || []);
    for (const lines of groups) {
      const index = firstOf(p, lines);
      if (index !== undefined) starts.add(index);
    }
  });
  return starts;
}

/** A page's line numbers in runs: a new run where the gap above a line is taller than a line. */
export function linesByBlankSpace(lines) {
  const groups = [];
  let last = null;
  lines.forEach((line, i) => {
    const box = verticalOf(line?.box);
    const gap = box && last ? box.top - last.bottom : null;
    const apart = gap === null || gap > PARAGRAPH_GAP * Math.min(box.height, last.height);
    if (!groups.length || apart) groups.push([i]);
    else groups.at(-1).push(i);
    last = box;
  });
  return groups;
}

function verticalOf(box) {
  if (!Array.isArray(box) || box.length < 2) return null;
  const ys = box.map((pt) => Number(pt?.[1])).filter(Number.isFinite);
  if (!ys.length) return null;
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  return bottom > top ? { top, bottom, height: bottom - top } : null;
}

/** The paragraphs' marks from their first words. */
export const paragraphMarks = (starts, timings) => ordered([...starts].map((i) => markOfWord(timings, i)).filter(Boolean));

/** The chapters' marks: a chapter's heading's first word, or its `start` when it has no word. */
export function chapterMarks({ chapters, blocksByPage, indexOf, timings }) {
  return ordered(chapterList(chapters, blocksByPage, indexOf)
    .filter((c) => c.start !== null || markOfWord(timings, c.word))
    .map((c) => markOfWord(timings, c.word) || { start: c.start, index: c.word }));
}

/** The place in `marks` of the one heard at `t` (the last started), -1 before the first. */
export function markAt(marks, t) {
  let found = -1;
  for (let i = 0; i < marks.length && marks[i].start <= t + REACHED_S; i += 1) found = i;
  return found;
}

/**
 * The mark a step reaches from time `t`: forward (1) the next one; back (-1) the start of the
 * one heard when more than `grace` seconds of it have been heard, else the one before (the
 * first one from before it). Null when there is none that way.
 */
export function stepTarget(marks, t, dir, grace = BACK_GRACE_S) {
  if (!marks.length) return null;
  const at = markAt(marks, t);
  if (dir > 0) return marks[at + 1] || null;
  if (at < 0) return marks[0];
  if (t - marks[at].start > grace) return marks[at];
  return marks[at - 1] || marks[at];
}

/** The words of the sentence starting at mark `i` (to its next mark), at most `max` of them. */
export function sentenceText(marks, i, timings, words, max = 30) {
  const from = timings.positionOf.get(marks[i]?.index);
  if (from === undefined) return "";
  const end = marks[i + 1] ? timings.positionOf.get(marks[i + 1].index) ?? timings.list.length : timings.list.length;
  const said = timings.list.slice(from, Math.min(end, from + max)).map((t) => words[t.index]?.text || "");
  return said.join(" ") + (end - from > max ? " …" : "");
}

/**
 * Words heard per minute at `rate`: the timed words over the time from the first's start to
 * the last's end (pauses between sentences included, as a listener hears them). Null with
 * fewer than two words.
 */
export function wordsPerMinute(list, rate = 1) {
  if (!list || list.length < 2) return null;
  const last = list.at(-1);
  const end = Number.isFinite(last.end) && last.end > last.start ? last.end : last.start;
  const span = end - list[0].start;
  if (!(span > 0)) return null;
  return Math.round((list.length / span) * 60 * rate);
}
