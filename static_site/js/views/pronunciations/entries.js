// (pure) The pronunciation list as data (GET /me/lexicon, CONTRACTS section 14): the limits and
// their sentence, the checks run before saving (the server's own, so a refusal is rare), a JSON
// file read for import or written for export, and which entry a server's sentence names. Text is
// counted, spaced and case-folded as the server does (chalicelib/kinds/pronunciation.py).

import { plural } from "../../result/messages.js";

// The server's limits (answered with the list); these until it has answered.
export const DEFAULT_LIMITS = Object.freeze({ entries: 500, written: 100, spoken: 200 });
export const IMPORT_MAX_BYTES = 1024 * 1024; // a list at its limits is ~200 KB of JSON

export const NEW_ENTRY = Object.freeze({ written: "", spoken: "", whole_word: true, match_case: false });

export function limitsOf(answer) {
  const given = answer?.limits || {};
  const pick = (key) => (Number.isInteger(given[key]) && given[key] > 0 ? given[key] : DEFAULT_LIMITS[key]);
  return { entries: pick("entries"), written: pick("written"), spoken: pick("spoken") };
}

export function limitsText(limits) {
  return `Up to ${plural(limits.entries, "pronunciation")}; each written form of at most ` +
    `${plural(limits.written, "character")}, each spoken form of at most ${plural(limits.spoken, "character")}.`;
}

/** An entry as it is saved: the forms without surrounding spaces, the flags as booleans. */
export function cleanEntry(entry) {
  return {
    written: String(entry.written ?? "").trim(),
    spoken: String(entry.spoken ?? "").trim(),
    whole_word: Boolean(entry.whole_word),
    match_case: Boolean(entry.match_case),
  };
}

/** What is wrong with each entry ([{written?, spoken?}], one per entry) and with the list. */
export function checkEntries(entries, limits) {
  const errors = entries.map(() => ({}));
  const repeats = repeatFinder(entries);
  entries.forEach((raw, i) => {
    const entry = cleanEntry(raw);
    const e = errors[i];
    if (!entry.written) e.written = "Enter the written form.";
    else if (chars(entry.written) > limits.written) e.written = tooLong(entry.written, limits.written);
    else e.written = repeats(entry, i);
    if (!e.written) delete e.written;
    if (!entry.spoken) e.spoken = "Enter how it is said.";
    else if (chars(entry.spoken) > limits.spoken) e.spoken = tooLong(entry.spoken, limits.spoken);
  });
  const list = entries.length > limits.entries
    ? `That is ${plural(entries.length, "pronunciation")}: the limit is ${limits.entries.toLocaleString()}. Remove some first.`
    : null;
  const count = errors.filter((e) => e.written || e.spoken).length;
  return { errors, list, count };
}

// Two entries that would both rewrite the same text, as the server refuses them: the same letters
// (composed or not), or the same letters in another case where either entry ignores case. Each
// entry's sentence ("" when it repeats none) names the first it repeats.
function repeatFinder(entries) {
  const exact = new Map();
  const folded = new Map(); // every written form's letters, case folded
  const foldedAnyCase = new Map(); // those of entries that ignore case
  return (entry, i) => {
    const written = spaced(entry.written);
    const same = written.normalize("NFC");
    const key = fold(written.normalize("NFD"));
    const earlier = exact.get(same) ?? (entry.match_case ? foldedAnyCase : folded).get(key);
    if (!exact.has(same)) exact.set(same, i);
    if (!folded.has(key)) folded.set(key, i);
    if (!entry.match_case && !foldedAnyCase.has(key)) foldedAnyCase.set(key, i);
    if (earlier === undefined) return "";
    const first = spaced(cleanEntry(entries[earlier]).written);
    return first.normalize("NFC") === same
      ? `“${entry.written}” is already entry ${earlier + 1}.`
      : `“${entry.written}” is already entry ${earlier + 1} (“${first}”), in another case: keep one, or set Match case on both.`;
  };
}

// Whitespace as the server's Python splits on it (str.split()): JavaScript's \s differs (it has
// U+FEFF, and not U+001C-U+001F or U+0085).
// eslint-disable-next-line no-control-regex -- Python's separators are control characters too
const SPACES = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** The text as the server keeps it: one space between words, none around them. */
const spaced = (text) => text.split(SPACES).filter(Boolean).join(" ");

/** Characters as the server counts them: code points (an emoji is one, not two UTF-16 units) of the
 * text as it keeps it (each run of spaces one space, none at the ends). */
export const chars = (text) => [...spaced(text)].length;

/**
 * A field's value held to `limit` characters as the server counts them (`chars`), where an input's
 * maxLength would count UTF-16 units (stopping at half as many emoji): past it, the characters just
 * before the caret (what was typed or pasted last) give way, then the end. {value, caret} (caret
 * in UTF-16 units, as selectionStart).
 */
export function holdToLimit(value, caret, limit) {
  if (chars(value) <= limit) return { value, caret };
  const before = [...value.slice(0, caret)];
  const after = value.slice(caret);
  const k = longest(before.length, (n) => chars(before.slice(0, n).join("") + after) <= limit);
  const kept = before.slice(0, k).join("");
  if (k > 0 || chars(after) <= limit) return { value: kept + after, caret: kept.length };
  const rest = [...after];
  return { value: rest.slice(0, longest(rest.length, (n) => chars(rest.slice(0, n).join("")) <= limit)).join(""), caret: 0 };
}

// The largest n in 0..most with fits(n) (fits holds for 0, and stops holding at one n for good).
function longest(most, fits) {
  let low = 0;
  let high = most;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * `text` with case set aside, one character for each: Unicode's simple case folding, as the server
 * matches and compares written forms ("É" and "é", "ẞ" and "ß", "Σ", "ς" and "σ" are one; "ß" and
 * "ss" are not: another spelling). JavaScript has no case folding: a character's uppercase's
 * lowercase sorts characters the same way, but for the dotless "ı" (its uppercase is "I"), which
 * Unicode keeps apart (tests/kinds/test_pronunciation.py checks every character against the server's).
 */
export function fold(text) {
  let out = "";
  for (const ch of text) out += foldOne(ch);
  return out;
}

const one = (text) => ([...text].length === 1 ? text : null);

function foldOne(ch) {
  if (ch === "\u0131") return ch;
  const upper = one(ch.toUpperCase());
  return (upper && one(upper.toLowerCase())) || one(ch.toLowerCase()) || ch;
}

function tooLong(text, limit) {
  return `At most ${plural(limit, "character")} (this has ${chars(text).toLocaleString()}).`;
}

/** The sentence saying how many entries need fixing, or "" when none does. */
export function problemsText({ list, count }) {
  if (list) return list;
  if (!count) return "";
  return count === 1 ? "One pronunciation needs fixing: see below." : `${count} pronunciations need fixing: see below.`;
}

/**
 * A JSON file to import (GET /me/lexicon's shape, or a bare list of entries): {entries} ready to
 * save, or {error} saying why nothing is imported.
 */
export function parseImport(text, limits, size = text.length) {
  const refuse = (why) => ({ error: `${why} Nothing was imported.` });
  if (size > IMPORT_MAX_BYTES) return refuse("This file is too large to be a list of pronunciations.");
  let data;
  try { data = JSON.parse(text); } catch { return refuse("This file is not JSON."); }
  const list = Array.isArray(data) ? data : data?.entries;
  if (!Array.isArray(list)) return refuse("This file has no list of pronunciations (\"entries\").");
  if (list.length > limits.entries) {
    return refuse(`This file has ${plural(list.length, "pronunciation")}: the limit is ${limits.entries.toLocaleString()}.`);
  }
  const entries = [];
  for (const [i, item] of list.entries()) {
    const wrong = shapeError(item);
    if (wrong) return refuse(`Entry ${i + 1} of the file ${wrong}.`);
    entries.push(cleanEntry({ ...NEW_ENTRY, ...item }));
  }
  const { errors } = checkEntries(entries, limits);
  const bad = errors.findIndex((e) => e.written || e.spoken);
  if (bad >= 0) {
    const e = errors[bad];
    return refuse(`Entry ${bad + 1} of the file (“${clip(entries[bad].written)}”): ${e.written || e.spoken}`);
  }
  return { entries };
}

function shapeError(item) {
  if (!item || typeof item !== "object" || Array.isArray(item)) return "is not a pronunciation";
  for (const key of ["written", "spoken"]) {
    if (typeof item[key] !== "string") return `has no ${key} form`;
  }
  for (const key of ["whole_word", "match_case"]) {
    if (key in item && typeof item[key] !== "boolean") return `has "${key}" set to something other than true or false`;
  }
  return null;
}

function clip(text) {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The file Export writes: GET /me/lexicon's shape, so that Import (here or elsewhere) reads it. */
export function exportText(entries, limits) {
  return `${JSON.stringify({ entries: entries.map(cleanEntry), limits }, null, 2)}\n`;
}

/**
 * Which entry (0-based) and field a server's refusal names: {"entry": N} in its body when it
 * gives one (1-based, as its sentence says it), else "Entry N" in the sentence ("Entries 1 and
 * 4 both say ...": the later one, the repeat); null when it names none.
 */
export function entryNamed(error, count) {
  const body = error?.body || {};
  const message = error?.message || "";
  let n = Number.isInteger(body.entry) ? body.entry : null;
  if (n === null) {
    const found = /\bentries\s+\d+\s+and\s+(\d+)/i.exec(message) || /\bentry\s+(\d+)/i.exec(message);
    if (found) n = Number(found[1]);
  }
  if (n === null || n < 1 || n > count) return null;
  const quoted = /'(written|spoken)'/.exec(message)?.[1];
  const said = /\bspoken\b/i.test(message) ? "spoken" : "written";
  const field = ["written", "spoken"].includes(body.field) ? body.field : quoted || said;
  return { index: n - 1, field };
}
