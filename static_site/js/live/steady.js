// What the live reader says, frame after frame (pure: no DOM, times passed in):
// - a line is said once it reads the same in two consecutive frames, in reading order;
// - it is not said again while it stays in view (seen within `forgetMs`);
// - the recogniser's unsure words are left out (mostly texture read as text).

export const LINE_SCORE = 0.5; // the worker's engine drops lines read less surely (text_score)
export const WORD_SCORE = 0.8; // and words (its documents' word_score)
export const FORGET_MS = 2500; // text out of view this long is said again when it comes back

/** The key two readings of a line are compared by: case and spacing do not matter. */
export function keyOf(text) {
  return text.toLocaleLowerCase().replace(/\s+/g, " ").trim();
}

/** The worker's boxes -> the lines worth saying: { key, text, score, box, words }. */
export function readable(boxes, { lineScore = LINE_SCORE, wordScore = WORD_SCORE } = {}) {
  const out = [];
  for (const b of boxes) {
    if (!b.text || b.score < lineScore) continue;
    const words = (b.words || []).filter((w) => w.score >= wordScore && /[\p{L}\p{N}]/u.test(w.text));
    if (!words.length) continue;
    const text = words.map((w) => w.text).join(" ");
    out.push({ key: keyOf(text), text, score: b.score, box: b.box, words });
  }
  return out;
}

export class Steady {
  constructor({ forgetMs = FORGET_MS } = {}) {
    this.forgetMs = forgetMs;
    this.previous = new Set(); // keys of the last frame's lines
    this.said = new Map(); // key -> when it was last in view
  }

  /** One frame's readable lines (reading order) at time `now` (ms) -> the lines to say now.
   *  `inView` (the keys of this frame) is kept on the object. */
  update(lines, now) {
    for (const [key, seen] of this.said) if (now - seen > this.forgetMs) this.said.delete(key);
    const toSay = [];
    const keys = new Set();
    for (const line of lines) {
      if (keys.has(line.key)) continue;
      keys.add(line.key);
      if (this.said.has(line.key)) {
        this.said.set(line.key, now);
      } else if (this.previous.has(line.key)) {
        this.said.set(line.key, now);
        toSay.push(line);
      }
    }
    this.previous = keys;
    this.inView = keys;
    return toSay;
  }

  /** Forget what was said (Stop): text in view is said again once steady. */
  reset() {
    this.previous = new Set();
    this.said.clear();
  }
}

/** The language to speak `text` in: its script's, else the reader's own (`fallback`). */
export function languageOf(text, fallback = "en") {
  if (/[\u3040-\u30ff]/u.test(text)) return "ja";
  if (/[\uac00-\ud7af]/u.test(text)) return "ko";
  if (/\p{Script=Han}/u.test(text)) return "zh";
  if (/\p{Script=Cyrillic}/u.test(text)) return "ru";
  if (/\p{Script=Greek}/u.test(text)) return "el";
  return fallback;
}
