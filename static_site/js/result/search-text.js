// Search in a book's text, without the DOM: phrases compared as people type them (case, accents'
// forms, runs of spaces and line breaks do not matter), hits with a few words around them, and
// the word of the page where a hit starts.

const AROUND = 40; // characters of context on each side of a hit

/** The form text and phrases are compared in. */
export const normalise = (text) => String(text ?? "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ");

/**
 * The hits of `phrase` in each page's text: [{page, snippet}] in order, at most `limit`.
 * `pages`: [{page, text}].
 */
export function findIn(pages, phrase, limit = 100) {
  const wanted = normalise(phrase).trim();
  const hits = [];
  if (!wanted) return hits;
  for (const { page, text } of pages) {
    const hay = normalise(text);
    for (let at = hay.indexOf(wanted); at >= 0; at = hay.indexOf(wanted, at + wanted.length)) {
      const from = Math.max(0, at - AROUND);
      const to = Math.min(hay.length, at + wanted.length + AROUND);
      const original = String(text).replace(/\s+/g, " ");
      hits.push({ page, snippet: `${from > 0 ? "…" : ""}${original.slice(from, to).trim()}${to < hay.length ? "…" : ""}` });
      if (hits.length >= limit) return hits;
    }
  }
  return hits;
}

/**
 * A text file of a book (its pages' texts, each after a blank line) as its pages' texts, when it
 * parts into exactly `count` of them; else null (its pages are then read from its pages file).
 */
export function pagesOfText(text, count) {
  const pieces = String(text ?? "").replace(/^\n\n/, "").split("\n\n");
  return pieces.length === count ? pieces : null;
}

/** The index of the first word of `phrase` among `words` ({text, index}), else undefined. */
export function phraseAt(words, phrase) {
  const wanted = normalise(phrase).trim();
  if (!wanted) return undefined;
  let joined = "";
  const starts = [];
  for (const w of words) {
    if (joined) joined += " ";
    starts.push([joined.length, w.index]);
    joined += normalise(w.text);
  }
  const at = joined.indexOf(wanted);
  if (at < 0) return undefined;
  let found;
  for (const [start, index] of starts) if (start <= at) found = index;
  return found;
}

/** The chapter a page is in: the last of `chapters` ({page, title}) starting at or before it. */
export function chapterOfPage(chapters, page) {
  let found = null;
  for (const c of chapters || []) if ((c.page ?? 0) <= page) found = c;
  return found;
}
