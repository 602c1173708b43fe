// Subtitles and plain text from a speech result's segments (CONTRACTS section 9), made in the
// browser: SubRip (.srt, "00:00:01,240") and WebVTT (.vtt, "00:00:01.240").

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

/** The cues: a segment each, split at word boundaries when it is too long to read at once. */
export function cues(segments) {
  const out = [];
  for (const segment of segments || []) {
    const words = (segment.words || []).filter((w) => clean(w.text));
    const text = clean(segment.text);
    const long = text.length > MAX_CUE_CHARS || Number(segment.end) - Number(segment.start) > MAX_CUE_SECONDS;
    if (!long || !words.length) {
      if (text) out.push({ start: Number(segment.start), end: Number(segment.end), text });
      continue;
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
  // A cue must not end before it starts.
  return out.map((c) => ({ ...c, end: Math.max(c.end, c.start) }));
}

export function toSrt(segments) {
  return cues(segments).map((c, i) =>
    `${i + 1}\n${timestamp(c.start, ",")} --> ${timestamp(c.end, ",")}\n${c.text}\n`).join("\n");
}

export function toVtt(segments) {
  const body = cues(segments).map((c, i) =>
    `${i + 1}\n${timestamp(c.start, ".")} --> ${timestamp(c.end, ".")}\n${c.text}\n`).join("\n");
  return body ? `WEBVTT\n\n${body}` : "WEBVTT\n";
}

/** The plain text: one line per segment. */
export function toText(result) {
  const lines = (result.segments || []).map((s) => clean(s.text)).filter(Boolean);
  return lines.length ? `${lines.join("\n")}\n` : clean(result.text);
}
