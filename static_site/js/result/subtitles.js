// Subtitles and plain text from a speech result's segments (CONTRACTS section 9), made in the
// browser: SubRip (.srt, "00:00:01,240") and WebVTT (.vtt, "00:00:01.240"). With speakers
// (section 17: `names` given, {id: name}) a cue never spans two of them, WebVTT says who speaks
// in a voice tag (`<v Ada>`) and .srt / .txt lines start "Ada: "; without, the files are as before.

import { displayName } from "./speakers.js";

const MAX_CUE_CHARS = 84; // two lines of subtitles
const MAX_CUE_SECONDS = 7;

/** 1.24 -> "00:00:01,240" (separator "," for SRT, "." for WebVTT). */
export function timestamp(seconds, separator = ",") {
  const ms = Math.max(0, Math.round(Number(seconds) * 1000) || 0);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** 65.3 -> "1:05" (for people). */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** 1.5 -> "1.5 seconds", 65.3 -> "1:05" (a length, for people). */
export function length(seconds) {
  const n = Math.max(0, Number(seconds) || 0);
  if (n < 60) return `${n.toFixed(1).replace(/\.0$/, "")} second${n === 1 ? "" : "s"}`;
  return clock(n);
}

const clean = (text) => String(text || "").replace(/\s+/g, " ").trim();

/**
 * The cues: a segment each, split at word boundaries when it is too long to read at once.
 * `bySpeaker`: each cue also says its `speaker`, and a segment whose words change speaker is
 * split there (a word's own label wins over its segment's).
 */
export function cues(segments, bySpeaker = false) {
  const out = [];
  for (const whole of segments || []) {
    for (const segment of bySpeaker ? speakerRuns(whole) : [whole]) {
      const start = out.length;
      segmentCues(segment, out);
      if (bySpeaker) for (const cue of out.slice(start)) cue.speaker = segment.speaker;
    }
  }
  // A cue must not end before it starts.
  return out.map((c) => ({ ...c, end: Math.max(c.end, c.start) }));
}

function segmentCues(segment, out) {
  const words = (segment.words || []).filter((w) => clean(w.text));
  const text = clean(segment.text);
  const long = text.length > MAX_CUE_CHARS || Number(segment.end) - Number(segment.start) > MAX_CUE_SECONDS;
  if (!long || !words.length) {
    if (text) out.push({ start: Number(segment.start), end: Number(segment.end), text });
    return;
  }
  let current = null;
  for (const word of words) {
    const w = clean(word.text);
    if (current && (current.text.length + 1 + w.length > MAX_CUE_CHARS
        || Number(word.end) - current.start > MAX_CUE_SECONDS)) {
      out.push(current);
      current = null;
    }
    if (!current) current = { start: Number(word.start), end: Number(word.end), text: w };
    else {
      current.text += ` ${w}`;
      current.end = Number(word.end);
    }
  }
  if (current) out.push(current);
}

/** A segment as runs of one speaker each: itself when its words all have its label (the usual case). */
function speakerRuns(segment) {
  const words = (segment.words || []).filter((w) => clean(w.text));
  const who = (w) => w.speaker ?? segment.speaker;
  if (words.every((w) => who(w) === segment.speaker)) return [segment];
  const runs = [];
  for (const word of words) {
    if (!runs.length || runs.at(-1).speaker !== who(word)) runs.push({ speaker: who(word), words: [] });
    runs.at(-1).words.push(word);
  }
  return runs.map((run, i) => ({
    speaker: run.speaker,
    words: run.words,
    text: run.words.map((w) => clean(w.text)).join(" "),
    start: i ? Number(run.words[0].start) : Number(segment.start),
    end: i < runs.length - 1 ? Number(run.words.at(-1).end) : Number(segment.end),
  }));
}

// WebVTT's markup characters, written as its escapes (a name or a word with them stays text).
const vttEscape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `names` ({id: name}, speakers present): each line starts "Name: ". */
export function toSrt(segments, names) {
  const said = (c) => (names && c.speaker !== undefined ? `${displayName(c.speaker, names)}: ${c.text}` : c.text);
  return cues(segments, Boolean(names)).map((c, i) =>
    `${i + 1}\n${timestamp(c.start, ",")} --> ${timestamp(c.end, ",")}\n${said(c)}\n`).join("\n");
}

/** `names` ({id: name}, speakers present): each cue in a voice tag, `<v Ada>text`. */
export function toVtt(segments, names) {
  const said = (c) => {
    if (!names) return c.text;
    const text = vttEscape(c.text);
    return c.speaker === undefined ? text : `<v ${vttEscape(displayName(c.speaker, names))}>${text}`;
  };
  const body = cues(segments, Boolean(names)).map((c, i) =>
    `${i + 1}\n${timestamp(c.start, ".")} --> ${timestamp(c.end, ".")}\n${said(c)}\n`).join("\n");
  return body ? `WEBVTT\n\n${body}` : "WEBVTT\n";
}

/** The plain text: one line per segment; with `names` (speakers present) one per turn, "Ada: ...". */
export function toText(result, names) {
  if (names) return turnLines(result.segments, names) || clean(result.text);
  const lines = (result.segments || []).map((s) => clean(s.text)).filter(Boolean);
  return lines.length ? `${lines.join("\n")}\n` : clean(result.text);
}

/** A line per turn (segments by one speaker in a row, by their labels): its speaker's name first. */
function turnLines(segments, names) {
  const lines = [];
  let last;
  for (const segment of segments || []) {
    const text = clean(segment.text);
    if (!text) continue;
    const who = segment.speaker;
    if (lines.length && who !== undefined && who === last) lines[lines.length - 1] += ` ${text}`;
    else lines.push(who === undefined ? text : `${displayName(who, names)}: ${text}`);
    last = who;
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
