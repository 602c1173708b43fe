// What the live reader says, frame after frame (pure: no DOM, times passed in):
// - a line is said once it reads the same (or nearly, at the same place) in two consecutive
//   frames, in reading order;
// - it is not said again while it stays in view (seen within `forgetMs`);
// - the recogniser's unsure words are left out (mostly texture read as text).

export const LINE_SCORE = 0.5; // the worker's engine drops lines read less surely (text_score)
export const WORD_SCORE = 0.8; // and words (its documents' word_score)...
export const PHOTO_WORD_SCORE = 0.9; // ...and on photos (photo_word_score): unsure words there are mostly texture
export const PAPER = 0.6; // a picture this much paper (the worker's stats.paper) is a document (document_paper)
export const FORGET_MS = 2500; // text out of view this long is said again when it comes back

/** Share of the picture at least 85% as bright as its 90th-percentile grey level, as the server's
 *  engine tells a page (mostly paper: scans 0.77-0.97) from a street scene (ICDAR 2015 0.13-0.36).
 *  `gray`: grey levels (0-255). */
export function paperShare(gray) {
  const counts = new Uint32Array(256);
  for (let i = 0; i < gray.length; i++) counts[Math.min(255, Math.max(0, Math.round(gray[i])))] += 1;
  let level = 255;
  for (let below = gray.length; level > 0 && below - counts[level] >= 0.9 * gray.length; level--) below -= counts[level];
  if (!level) return 0;
  let bright = 0;
  for (let v = Math.ceil(0.85 * level); v < 256; v++) bright += counts[v];
  return bright / gray.length;
}

/** The key two readings of a line are compared by: case and spacing do not matter. */
export function keyOf(text) {
  return text.toLocaleLowerCase().replace(/\s+/g, " ").trim();
}

/** The worker's boxes -> the lines worth saying: { key, text, score, box, size, words } (`size`:
 *  the text's height, across its line even when tilted; the box's height when not given). */
export function readable(boxes, { lineScore = LINE_SCORE, wordScore = WORD_SCORE } = {}) {
  const out = [];
  for (const b of boxes) {
    if (!b.text || b.score < lineScore) continue;
    const words = (b.words || []).filter((w) => w.score >= wordScore && /[\p{L}\p{N}]/u.test(w.text));
    if (!words.length) continue;
    const text = words.map((w) => w.text).join(" ");
    out.push({ key: keyOf(text), text, score: b.score, box: b.box, size: b.size || b.box[3] - b.box[1], words });
  }
  return out;
}

export const NEAR = 0.25; // two readings of one line differ in at most this share of its characters

/** What is said, frame after frame. Each line in view is followed as a track: a reading matches
 *  a track of the same text anywhere in the frame (a camera in a hand moves), else of nearly the
 *  same text at the same place (a letter in four may differ: readings jitter frame to frame, and
 *  "EXIT" read "EXIY" then "EXIT" is one line, steady). A track is said once two consecutive
 *  frames read it, as the surer of the two readings, and not again while it stays in view (seen
 *  within `forgetMs`). The same text at two places (a sign repeated along a wall) is two tracks,
 *  each said once. */
export class Steady {
  constructor({ forgetMs = FORGET_MS } = {}) {
    this.forgetMs = forgetMs;
    this.tracks = []; // { key, line, box, said, seen (ms), frame, missed }
    this.frame = 0;
    this.of = new Map(); // the last frame's lines -> their tracks
  }

  /** One frame's readable lines (reading order) at time `now` (ms) -> the lines to say now.
   *  `waiting`: lines ({ key, box }) this frame did not look at (a second look had no time for
   *  them): their last reading stands for the next frame to compare with. */
  update(lines, now, waiting = []) {
    this.frame += 1;
    // Forgotten: what was said, then missed by a reading, and not seen for `forgetMs` (a slow
    // reading, seconds on a loaded phone, must not make text in view be said again).
    this.tracks = this.tracks.filter((t) => !t.said || !t.missed || now - t.seen <= this.forgetMs);
    this.of = new Map();
    const toSay = [];
    const owner = this.assign(lines, new Set());
    const claimed = new Set(owner.values());
    for (const line of lines) {
      const track = owner.get(line);
      if (!track) {
        const fresh = { key: line.key, line, box: line.box, said: false, seen: now, frame: this.frame };
        this.tracks.push(fresh);
        claimed.add(fresh);
        this.of.set(line, fresh);
        continue;
      }
      this.of.set(line, track);
      if (!track.said) {
        // Read in the last frame and again now: steady. The surer reading is said.
        const surer = (line.score ?? 0) >= (track.line.score ?? 0) ? line : track.line;
        toSay.push(surer);
        Object.assign(track, { key: surer.key, said: true });
      }
      Object.assign(track, { line, box: line.box, seen: now, frame: this.frame, missed: false });
    }
    for (const [line, track] of this.assign(waiting, claimed)) {
      this.of.set(line, track);
      track.frame = this.frame;
    }
    // A line not read in this frame is steady no more (one said is forgotten once out of view a while).
    for (const t of this.tracks) if (t.said && t.frame !== this.frame) t.missed = true;
    this.tracks = this.tracks.filter((t) => t.said || t.frame === this.frame);
    return toSay;
  }

  /** Lines -> the tracks they belong to, of those not `claimed`: first the same text at the
   *  same place, then nearly the same text there, then the same text elsewhere (the nearest: a
   *  camera in a hand moves), so that two signs of one text keep their own tracks. */
  assign(lines, claimed) {
    const owner = new Map();
    const passes = [
      (t, line) => t.key === line.key && samePlace(t.box, line.box),
      (t, line) => samePlace(t.box, line.box) && nearly(t.key, line.key, NEAR, 0),
      (t, line) => t.key === line.key,
    ];
    for (const fits of passes) {
      for (const line of lines) {
        if (owner.has(line)) continue;
        let best = null;
        let bestD = Infinity;
        for (const t of this.tracks) {
          if (claimed.has(t) || !fits(t, line)) continue;
          const d = distance(t.box, line.box);
          if (d < bestD) { best = t; bestD = d; }
        }
        if (best) { owner.set(line, best); claimed.add(best); }
      }
    }
    return owner;
  }

  /** Whether `line` (one of the last frame's) has been said. */
  isSaid(line) {
    return Boolean(this.of.get(line)?.said);
  }

  /** Forget what was said (Stop): text in view is said again once steady. */
  reset() {
    this.tracks = [];
    this.of = new Map();
  }
}

function distance(a, b) {
  if (!a || !b) return 0;
  return Math.hypot((a[0] + a[2]) - (b[0] + b[2]), (a[1] + a[3]) - (b[1] + b[3])) / 2;
}

// The middle of either box lies in the other.
function samePlace(a, b) {
  return Boolean(a && b) && (within(a, b) || within(b, a));
}

/** Lines said together (reading order in, utterances out): the pieces of one text line that
 *  the detector found apart (the gap between two words, wider than its own) are one utterance,
 *  { key, keys, text, score, box, size, words }: a voice's pause between utterances is about as
 *  long as a short word, and "Chef Tony" is one name. */
export function utterances(lines) {
  const out = [];
  let last = null; // the last line of the last utterance
  for (const line of lines) {
    const prev = out.at(-1);
    if (prev && sameRow(last, line)) {
      Object.assign(prev, {
        key: `${prev.key} ${line.key}`, keys: [...prev.keys, line.key], text: `${prev.text} ${line.text}`,
        score: Math.min(prev.score, line.score), size: Math.max(prev.size, line.size), words: [...prev.words, ...line.words],
        box: [Math.min(prev.box[0], line.box[0]), Math.min(prev.box[1], line.box[1]), Math.max(prev.box[2], line.box[2]), Math.max(prev.box[3], line.box[3])],
      });
    } else {
      out.push({ ...line, keys: [line.key] });
    }
    last = line;
  }
  return out;
}

// `b` goes on after `a` on the same text line: their middles level within half the text's
// height, sizes alike, and the gap between them under twice that height.
function sameRow(a, b) {
  const size = Math.min(a.size, b.size);
  const level = Math.abs((a.box[1] + a.box[3]) - (b.box[1] + b.box[3])) / 2 <= size / 2;
  const alike = Math.max(a.size, b.size) <= 1.5 * size;
  const gap = b.box[0] - a.box[2];
  return level && alike && gap > -size && gap <= 2 * size;
}

/** One frame's view of what is waiting to be said -> whether an utterance (or line) is still in
 *  view: a line of it read again at its place, the same or nearly (a letter in four may differ:
 *  a camera in a hand reads a little differently frame to frame), or a box there that this
 *  frame did not read (`later`: the recogniser's time went to bigger text). Else it left the
 *  view, and is not said late. `lines`: readable(boxes). */
export function stillInView(lines, boxes) {
  const keys = new Set(lines.map((l) => l.key));
  const at = (box, u) => u.box && within(box, u.box);
  return (u) => {
    const pieces = u.keys || [u.key];
    return pieces.some((k) => keys.has(k))
      || lines.some((l) => at(l.box, u) && pieces.some((k) => nearly(l.key, k)))
      || boxes.some((b) => b.later && at(b.box, u));
  };
}

// The middle of box `a` lies in box `b`.
function within(a, b) {
  const x = (a[0] + a[2]) / 2;
  const y = (a[1] + a[3]) / 2;
  return x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
}

// Edit distance at most `share` of the longer text (at least `least`).
function nearly(a, b, share = 0.25, least = 1) {
  const most = Math.max(least, Math.floor(Math.max(a.length, b.length) * share));
  if (Math.abs(a.length - b.length) > most) return false;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] <= most;
}

/** Which of the utterances waiting goes first: the biggest text (a sign's name before its small
 *  print), lines of much the same size (within a factor 1.5 of the biggest) in the order they
 *  came, which is reading order. -> its index. */
export function firstOf(queue) {
  const biggest = Math.max(...queue.map((u) => u.size || 0));
  const index = queue.findIndex((u) => (u.size || 0) * 1.5 >= biggest);
  return Math.max(0, index);
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
