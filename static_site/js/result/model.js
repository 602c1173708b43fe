// The result of a `page` job as data, without the DOM (CONTRACTS sections 1, 7 and 10): its
// pages, every word in reading order, and which word is heard at a time of the recording.

export const SPEECH_WAV = "speech.wav";
export const SPEECH_MP3 = "speech.mp3";

// A start this close after the playback position counts as reached: seeking to a word's start
// lands a hair before it in some browsers.
const START_SLACK_S = 1e-3;

// Heard to within this (or 5% of a short recording) of its end: listened to the end, nothing to
// resume or continue (the job view's Resume offer, the dashboard's Continue listening).
const ENDED_S = 2;

/** Whether a place `t` in a recording of `seconds` is its end (false when the length is not known). */
export function heardToTheEnd(t, seconds) {
  return Number.isFinite(seconds) && seconds > 0 && t >= seconds - Math.min(ENDED_S, seconds * 0.05);
}

export function isDocument(result) {
  if (!Array.isArray(result?.pages)) return false;
  // A book is a document from its first answer on, before its first page is read: not a photo.
  if (result.document?.book === true) return true;
  return result.pages.length > 0 && (result.pages.length > 1 || Boolean(result.document));
}

/** A document without pages (DOCX, EPUB, HTML, Markdown, text): its pages are its sections of
 *  reflowed text, with no image and no boxes (CONTRACTS section 13, `flow: true`). */
export const isFlow = (result) => result?.flow === true;

/** A document's pages, or the photo as the one page. */
export function pagesOf(result) {
  if (isDocument(result)) return result.pages;
  return [{ width: result.width, height: result.height, text: result.text, lines: result.lines || [], image: null }];
}

/** Every word of every page, with its page, line and place, and one running index. */
export function allWords(pages) {
  const words = [];
  pages.forEach((page, pageIndex) => {
    (page.lines || []).forEach((line, lineIndex) => {
      (line.words || []).forEach((word, wordInLine) => {
        words.push({ ...word, pageIndex, lineIndex, wordInLine, index: words.length });
      });
    });
  });
  return words;
}

/** The words and a lookup from a word's address (page, line, place in line) to its index. */
export function indexWords(pages) {
  const words = allWords(pages);
  const byAddress = new Map(words.map((w) => [address(w.pageIndex, w.lineIndex, w.wordInLine), w.index]));
  return {
    words,
    indexOf: (page, line, word) => byAddress.get(address(page ?? 0, line, word)),
  };
}

const address = (page, line, word) => `${page}:${line}:${word}`;

export const wordsOnPage = (words, page) => words.filter((w) => w.pageIndex === page);

/** What was read, in a few figures: when they change, the text must be drawn again. */
export function shapeOf(result, pages) {
  const lines = pages.map((p) => (p.lines || []).length).join(",");
  return `${pages.length}:${lines}:${(result.text || "").length}:${(result.unsure || []).length}`;
}

/** The width / height of a page, 1 when it is not known. */
export const aspectOf = (page) => (page?.width && page?.height ? page.width / page.height : 1);

/** The page to show after the result grew: the one shown if it still exists, else the first. */
export const pageToShow = (shown, count) => (shown < 0 ? 0 : Math.min(shown, count - 1));

/**
 * result.speech.words as read-along timings: `list` is [{index, start, end}] in order of start,
 * `index` the word's running index; words not in the text or without a start are dropped.
 * `positionOf` maps a running index to its place in `list`.
 */
export function timingsOf(speech, indexOf) {
  const list = (speech?.words || []).map((w) => ({
    index: indexOf(w.page ?? 0, w.line, w.word),
    start: Number(w.start),
    end: Number(w.end),
  })).filter((t) => t.index !== undefined && Number.isFinite(t.start)).sort((a, b) => a.start - b.start);
  return { list, positionOf: new Map(list.map((t, i) => [t.index, i])) };
}

/**
 * The place in `list` ({start} sorted by start) of the word heard at `t` seconds (the last one
 * started), -1 before any: the one timing lookup of the read-along, the chapters and the speech
 * kind's transcript.
 */
export function timingAt(list, t) {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].start <= t + START_SLACK_S) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

/** The place in `list` one word before (-1) or after (1) `at`, kept within the list. */
export function stepFrom(list, at, dir) {
  return Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + dir));
}

/**
 * The parts of the recording to play: result.speech.parts so far (and on, once finished, for a
 * player already holding them), or speech.wav alone for a finished recording opened afresh: the
 * part files are kept only a day after the job (the lifecycle rule of the bucket).
 * `urlOf(file)` gives a part's URL; `holding`: the player has parts already.
 */
export function recordingParts(speech, { done, urlOf, audioUrl, holding = false }) {
  const parts = (speech?.parts || []).map((p) => ({
    file: p.file, start: Number(p.start) || 0, seconds: Number(p.seconds) || 0, url: urlOf(p.file),
  }));
  if (!done || (holding && parts.length)) return parts;
  const whole = urlOf(SPEECH_WAV) || audioUrl;
  if (!whole) return parts;
  return [{ file: SPEECH_WAV, start: 0, seconds: Number(speech?.seconds) || 0, url: whole }];
}
