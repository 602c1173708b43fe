// (pure) The pronunciation list as data (GET /me/lexicon, CONTRACTS section 14): the limits and
// their sentence, the checks run before saving (the server's own, so a refusal is rare), a JSON
// file read for import or written for export, and which entry a server's sentence names.

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
  const firstOf = new Map();
  entries.forEach((raw, i) => {
    const entry = cleanEntry(raw);
    const e = errors[i];
    if (!entry.written) e.written = "Enter the written form.";
    else if (chars(entry.written) > limits.written) e.written = tooLong(entry.written, limits.written);
    else if (firstOf.has(entry.written)) e.written = `“${entry.written}” is already entry ${firstOf.get(entry.written) + 1}.`;
    else firstOf.set(entry.written, i);
    if (!entry.spoken) e.spoken = "Enter how it is said.";
    else if (chars(entry.spoken) > limits.spoken) e.spoken = tooLong(entry.spoken, limits.spoken);
  });
  const list = entries.length > limits.entries
    ? `That is ${plural(entries.length, "pronunciation")}: the limit is ${limits.entries.toLocaleString()}. Remove some first.`
    : null;
  const count = errors.filter((e) => e.written || e.spoken).length;
  return { errors, list, count };
}

// Characters as the server counts them: code points (an emoji is one, not two UTF-16 units), with
// each run of spaces one space (it keeps them so).
const chars = (text) => [...text.replace(/\s+/gu, " ")].length;

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
