// A book's result read a window at a time (CONTRACTS section 15), without the DOM or the network
// (api.js fetches): a 1,000-page book is tens of MB of pages and its recording hundreds of
// timing files, so the site holds the pages around the reading place and the timings of the
// parts that speak them. The result it shows is the head of the book's index with `pages` a
// sparse array as long as the book (only the window's pages present), `window` saying which,
// and `speech.parts` each with `play` (where it sits on the player's clock) and `run` (the parts
// that play one after another share it); `speech.words` and `speech.sentences` are the window's
// parts' timings on that clock.

const BEFORE = { paged: 4, flow: 1 }; // pages (a flow document's sections, ~1,500 words) kept before the place
const AFTER = { paged: 12, flow: 3 }; // ...and after it
const INLINE = "(inline)";

/** Whether a job's result (or a growing result's head) is a book of pages (not a long recording). */
export const isBook = (result) => result?.document?.book === true && !Array.isArray(result?.segments) &&
  result?.kind !== "speech";

/**
 * A book's pages by file: [{name, text, from, to}] (pages from..to-1 in each) and the total.
 * `index` is growing's index; a book answered inline has its pages in one "file".
 */
export function bookLayout({ index = null, result = null }) {
  if (!index) {
    const n = Array.isArray(result?.pages) ? result.pages.length : 0;
    return { files: [{ name: INLINE, text: null, from: 0, to: n }], total: n };
  }
  const pages = index.parts.find((p) => p.path.length === 1 && p.path[0] === "pages");
  const text = index.parts.find((p) => p.path.length === 1 && p.path[0] === "text");
  let at = 0;
  const files = (pages?.files || []).map((f, i) => {
    const entry = { name: f.name, text: text?.files?.[i]?.name ?? null, from: at, to: at + Number(f.count || 0) };
    at = entry.to;
    return entry;
  });
  return { files, total: at };
}

/** The pages to hold around page `center`: {from, to} (to excluded), within the book. */
export function windowAround(total, center, flow = false) {
  const c = Math.max(0, Math.min(total - 1, Math.round(Number(center) || 0)));
  const kind = flow ? "flow" : "paged";
  let from = Math.max(0, c - BEFORE[kind]);
  const to = Math.min(total, from + BEFORE[kind] + AFTER[kind] + 1);
  from = Math.max(0, Math.min(from, to - BEFORE[kind] - AFTER[kind] - 1));
  return { from, to };
}

/** The files that hold any of pages from..to-1. */
export const filesFor = (layout, { from, to }) => layout.files.filter((f) => f.to > from && f.from < to);

/** The parts whose words are on pages from..to-1 (by their first and last places). */
export const partsFor = (parts, { from, to }) =>
  parts.filter((p) => (p.first?.page ?? 0) < to && (p.last?.page ?? p.first?.page ?? 0) >= from);

/**
 * `speech.parts` on the player's clock: each with `play` (its `start` once known; else where it
 * would be, estimated from the pages before it at the pace recorded so far, and then kept in
 * `bases` so that the clock does not move under the listener as the estimate changes) and `run`
 * (the file of the first part of the parts it plays on from: a part with `gap` starts a run).
 */
export function playParts(parts, bases = new Map()) {
  const list = Array.isArray(parts) ? parts : [];
  const pace = paceOf(list);
  const out = [];
  let end = 0;
  let lastPage = 0;
  let run = null;
  for (const [i, part] of list.entries()) {
    const starts = i === 0 || part.gap === true;
    let play;
    if (isKnown(part)) {
      play = Number(part.start);
    } else if (!starts) {
      play = end;
    } else {
      const estimate = end + Math.max(0, (part.first?.page ?? 0) - lastPage) * pace;
      if (!bases.has(part.file)) bases.set(part.file, estimate);
      play = Math.max(bases.get(part.file), end);
    }
    if (starts) run = part.file;
    out.push({ ...part, play, run });
    end = play + (Number(part.seconds) || 0);
    lastPage = part.last?.page ?? lastPage;
  }
  return out;
}

const isKnown = (part) => part.start !== null && part.start !== undefined && Number.isFinite(Number(part.start));

/** Seconds of recording per page, as recorded so far. */
function paceOf(list) {
  let seconds = 0;
  let pages = 0;
  for (const p of list) {
    seconds += Number(p.seconds) || 0;
    pages += Math.max(1, (p.last?.page ?? 0) - (p.first?.page ?? 0) + 1);
  }
  return pages ? seconds / pages : 0;
}

const shifted = (items, by) => (Array.isArray(items) ? items : []).map((x) => ({
  ...x,
  ...(Number.isFinite(Number(x.start)) ? { start: Number(x.start) + by } : {}),
  ...(Number.isFinite(Number(x.end)) ? { end: Number(x.end) + by } : {}),
}));

/**
 * The result to show: the book's head with the window's pages, text and timings.
 * `source` {index | result} (bookLayout's), `pages` (file name -> its pages), `timings` (part file
 * -> its timings file), `window` {from, to}, `bases` (playParts').
 */
export function bookResult(source, { layout, pages, timings, window, bases }) {
  const head = source.index ? source.index.result : source.result;
  const result = { ...head, document: { ...head.document } };
  const shown = new Array(layout.total);
  for (const file of filesFor(layout, window)) {
    const held = file.name === INLINE ? source.result.pages : pages.get(file.name);
    if (!held) continue;
    for (let p = Math.max(window.from, file.from); p < Math.min(window.to, file.to); p += 1) shown[p] = held[p - file.from];
  }
  result.pages = shown;
  const texts = [];
  for (let p = window.from; p < window.to; p += 1) if (shown[p]) texts.push(shown[p].text || "");
  result.text = texts.join("\n\n");
  result.window = { from: window.from, to: window.to, total: layout.total };
  if (head.speech) {
    const parts = playParts(head.speech.parts, bases);
    const words = [];
    const sentences = [];
    for (const part of partsFor(parts, window)) {
      const held = timings.get(part.file);
      if (!held) continue;
      words.push(...shifted(held.words, part.play));
      sentences.push(...shifted(held.sentences, part.play));
    }
    result.speech = { ...head.speech, parts, words, sentences };
  }
  return result;
}

/** The part that speaks a place ({page, line, word}) of the book, or null (not recorded yet). */
export function partOfPlace(parts, place) {
  const key = (q) => [q?.page ?? 0, q?.line ?? 0, q?.word ?? 0];
  const cmp = (a, b) => {
    for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const at = key(place);
  return (parts || []).find((p) => p.file && cmp(key(p.first), at) <= 0 && cmp(at, key(p.last)) <= 0) || null;
}

/** The page a time of the player's clock is on: the page of the part playing then (null when none). */
export function pageAtTime(parts, t) {
  let found = null;
  for (const p of parts || []) if (p.play <= t + 1e-6 && t < p.play + (Number(p.seconds) || 0)) found = p;
  return found ? found.first?.page ?? null : null;
}

/**
 * The run the player plays: `run` while it is one of the parts' runs, else (runs joined, their
 * first part's file changed) the run of the parts the player holds (`held`: their files), else
 * the first.
 */
export function runOf(parts, { run = null, held = [] } = {}) {
  if (run !== null && parts.some((p) => p.run === run)) return run;
  const holding = held.length ? parts.find((p) => p.file === held[0]) : null;
  return holding ? holding.run : parts[0]?.run ?? null;
}

/**
 * The player's parts for run `run` ({file, start, seconds, url}), whether no more will come
 * (`final`: the book is done and its recording whole) and whether they replace those the player
 * holds (`replace`: the held ones are not where they start).
 */
export function runParts(parts, run, { done = false, complete = false, held = [] } = {}) {
  const list = parts.filter((p) => p.run === run && p.url)
    .map((p) => ({ file: p.file, start: p.play, seconds: Number(p.seconds) || 0, url: p.url }));
  const replace = held.length > 0 && held.some((file, i) => list[i]?.file !== file);
  return { parts: list, final: done && complete, replace };
}
