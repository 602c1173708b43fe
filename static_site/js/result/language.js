// A result's language on the page (CONTRACTS section 11): what it says ("Language: French
// (detected)", the voice that read it and how it sounds), and the `lang` and `dir` of its text
// so a screen reader reads each part in its own voice and right-to-left text runs right to left.
// GET /languages gives names and directions; until it answers, codes and dir="auto" stand in.
// GET /voices names a voice's accent ("Read by Heart — American English", section 16).

import * as api from "../api.js";
import { showMessage } from "../dom.js";
import {
  codeOf, languageLine, notSpokenLine, spokenLanguage, tableOf, textAttributes, voiceCatalog, voiceLine,
} from "../languages.js";

// A result with no text has no language to speak of (the worker still names its fallback).
const hasText = (result) => Boolean(String(result.text || "").trim());

/** Calls `onTable(table)` once GET /languages has answered (never when it fails: codes stay). */
export function loadTable(signal, onTable) {
  api.languages({ signal })
    .then((body) => { if (!signal.aborted) onTable(tableOf(body.languages)); })
    .catch(() => { /* the codes and dir="auto" stay: still readable */ });
}

/** `lang` and `dir` for a text in `language`; with none, the element follows its parent. */
export function markLanguage(el, language, table, { unknownDir = null } = {}) {
  const attrs = textAttributes(language, table);
  if (attrs) {
    el.lang = attrs.lang;
    el.dir = attrs.dir;
    return;
  }
  el.removeAttribute("lang");
  if (unknownDir) el.dir = unknownDir;
  else el.removeAttribute("dir");
}

/**
 * For a page or digits result: `apply(view)` ({result, doc, done}) says the language and the
 * voice and (`text`: a page's text) marks the text; again when the table arrives.
 */
export function createLanguage(root, { signal, text = true }) {
  let table = null;
  let catalog = null;
  let last = null;
  const apply = (view) => {
    last = view;
    if (text) markText(root, view, table);
    showFacts(root, view, table, catalog);
  };
  loadTable(signal, (t) => {
    table = t;
    if (last) apply(last);
  });
  api.voices({ signal })
    .then((body) => {
      catalog = voiceCatalog(body.voices);
      if (last && !signal.aborted) apply(last);
    })
    .catch(() => { /* the voice is named from the result alone */ });
  return { apply };
}

function markText(root, { result, doc }, table) {
  const el = root.querySelector("#result-text");
  const text = !el.classList.contains("is-empty") && hasText(result);
  // Unknown language: the browser takes the direction from the text itself.
  markLanguage(el, text ? result.language : null, table, { unknownDir: text ? "auto" : null });
  // The overlay's boxes are named by their words (laid out in image pixels: no `dir`).
  const overlay = root.querySelector("#overlay");
  const code = text ? codeOf(result.language) : null;
  if (code) overlay.lang = code;
  else overlay.removeAttribute("lang");
  const pages = doc ? result.pages : [result];
  el.querySelectorAll(".text-page").forEach((section) => {
    markLanguage(section, pages[Number(section.dataset.pageIndex)]?.language, table);
  });
  el.querySelectorAll(".text-line[data-line-index]").forEach((p) => {
    const page = doc ? Number(p.closest(".text-page")?.dataset.pageIndex) : 0;
    markLanguage(p, pages[page]?.lines?.[Number(p.dataset.lineIndex)]?.language, table);
  });
  // PageVoice's own words among the text ("Page 2", "No text was found on this page.").
  const ui = document.documentElement.lang || "en";
  el.querySelectorAll(".text-page-title, .text-line.is-empty").forEach((own) => {
    own.lang = ui;
    own.dir = "ltr";
  });
}

function showFacts(root, { result, done }, table, catalog) {
  const language = hasText(result) ? languageLine(result.language, table) : "";
  const voice = voiceLine(result.speech, table, catalog) || (voiceless(result, table) ? notSpokenLine(result, table, { done }) : "");
  showMessage(root.querySelector("#result-language"), language);
  showMessage(root.querySelector("#result-voice"), voice);
  root.querySelector("#result-facts").hidden = !language && !voice;
}

/** Whether the result's language has no voice (or the table cannot say it has one). */
function voiceless(result, table) {
  const row = table?.get(codeOf(result.language));
  return !row || !row.voice;
}

/**
 * A speech result (CONTRACTS section 9): "Language: Spanish (detected)" and the transcript's
 * `lang` and `dir`. `named`: the job's `language` (what the upload named, or "auto").
 */
export function showSpokenLanguage(root, { result, named, signal }) {
  const said = hasText(result);
  const language = spokenLanguage(result.language, named);
  const show = (table) => {
    showMessage(root.querySelector("#speech-language"), said ? languageLine(language, table) : "");
    markLanguage(root.querySelector("#transcript"), said ? language : null, table, { unknownDir: said ? "auto" : null });
  };
  show(null);
  loadTable(signal, show);
}
