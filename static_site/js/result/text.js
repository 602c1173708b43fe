// The text panel of a page result: all pages, each under its heading, the words a roving group
// (one Tab stop, arrow keys between words, Enter or a click chooses one); the notes about
// unsure words left out and about a document or result cut short. A result with structure
// (`view.blocks`, CONTRACTS section 13) is drawn as a document (document-view.js): its own
// headings, lists and tables, a page's number a marker between pages rather than a heading. A
// document without pages (`view.flow`) is one reflowed text, its sections one after another.

import { announce, keepClear, rovingKeys, scrollWithin, seenBottom, showMessage } from "../dom.js";
import { renderText } from "./overlay.js";
import { renderBlocks } from "./document-view.js";
import { wordsOnPage } from "./model.js";
import { documentNote, unsureItem, unsureNote } from "./messages.js";

/** `onChoose(index)` when a word is chosen. */
export function createText(root, { signal, onChoose }) {
  const el = root.querySelector("#result-text");
  let spans = [];
  let spanByIndex = new Map();
  let flow = false; // a document without pages: the text is the reading view

  const setStop = (span) => { for (const s of spans) s.tabIndex = s === span ? 0 : -1; };

  el.addEventListener("click", (event) => {
    const span = event.target.closest(".text-word");
    if (span) onChoose(Number(span.dataset.wordIndex));
  }, { signal });
  el.addEventListener("keydown", (event) => {
    const span = event.target.closest?.(".text-word");
    if (!span) return;
    if (event.key === "Enter") {
      event.preventDefault();
      onChoose(Number(span.dataset.wordIndex));
      return;
    }
    rovingKeys(spans, span, event, setStop);
  }, { signal });

  /** Draw the text of `view` ({result, doc, pages, words}) again, keeping focus and selection. */
  function render(view, selected) {
    const focused = document.activeElement?.closest?.("#result-text .text-word")?.dataset.wordIndex;
    flow = view.flow;
    el.replaceChildren();
    el.classList.remove("is-empty");
    spans = view.pages.flatMap((page, p) => renderPage(el, view, page, p));
    if (!spans.length && !view.doc) {
      el.textContent = view.result.text || `No text was found in this ${view.flow ? "document" : "photo"}.`;
      el.classList.add("is-empty");
    } else if (!view.pages.some(Boolean) && view.job?.status === "processing") {
      // A book whose first pages are not read yet: its text comes here as they are.
      el.textContent = firstPagesText(view.flow);
      el.classList.add("is-empty");
    }
    for (const span of spans) {
      span.dataset.pageIndex = String(view.words[Number(span.dataset.wordIndex)]?.pageIndex ?? 0);
      span.tabIndex = -1;
    }
    spanByIndex = new Map(spans.map((s) => [Number(s.dataset.wordIndex), s]));
    const stop = spanByIndex.get(Number(focused)) || spanByIndex.get(selected) || spans[0];
    if (stop) stop.tabIndex = 0;
    if (focused !== undefined) spanByIndex.get(Number(focused))?.focus({ preventScroll: true });
    spanByIndex.get(selected)?.classList.add("selected");
  }

  return {
    el,
    render,
    setStop,
    spanOf: (index) => spanByIndex.get(index),
    // In a reading view the word read leaves the box only to come back a third of the way
    // down, with the lines ahead of it in view (not at the box's edge, a scroll every line).
    // Never under the mini-player: the box scrolls it above, or the page does.
    reveal: (span) => {
      if (flow) scrollToRead(el, span, 1 / 3);
      else scrollWithin(el, span);
      keepClear(span);
    },
    /** `target` (a chapter's heading) at the top of the text's box. */
    toTop: (target) => scrollToRead(el, target, 0),
  };
}

const firstPagesText = (flow) => (flow
  ? "The text is being read: it appears here as soon as its first part is ready."
  : "The first pages are being read: their text appears here as soon as they are ready.");

function scrollToRead(container, target, at) {
  if (!target || container.scrollHeight <= container.clientHeight) return;
  const c = container.getBoundingClientRect();
  const r = target.getBoundingClientRect();
  const bottom = seenBottom(c);
  if (at > 0 && r.top >= c.top && r.bottom <= bottom) return;
  container.scrollTop += r.top - c.top - Math.max(8, (bottom - c.top) * at);
}

/** One page's lines (under a heading, for a document); its word spans. */
function renderPage(el, view, page, p) {
  let target = el;
  if (view.flow) {
    target = flowSection(p);
    el.append(target);
  } else if (view.doc) {
    target = pageSection(p, Boolean(view.blocks));
    el.append(target);
  }
  const blocks = view.blocks?.[p];
  if (blocks && (blocks.length || (page.lines || []).length)) {
    return renderBlocks(target, { page, blocks, words: wordsOnPage(view.words, p), p });
  }
  if ((page.lines || []).length) {
    return renderText(target, { lines: page.lines, text: page.text }, wordsOnPage(view.words, p));
  }
  if (view.doc) {
    const empty = document.createElement("p");
    empty.className = "text-line is-empty";
    empty.textContent = "No text was found on this page.";
    target.append(empty);
  }
  return [];
}

// A document's own headings come first in a structured one: the page's number is a marker.
function pageSection(p, structured) {
  const section = document.createElement("section");
  section.className = "text-page";
  section.dataset.pageIndex = String(p);
  const heading = document.createElement(structured ? "p" : "h3");
  heading.id = `text-page-${p}`;
  heading.className = structured ? "text-page-title text-page-marker" : "text-page-title";
  heading.textContent = `Page ${p + 1}`;
  section.setAttribute("aria-labelledby", heading.id);
  section.append(heading);
  return section;
}

// A section of a document without pages: one of the parts it was cut into to be read (a
// chapter, ~1500 words), drawn one after another as one text; its own headings say where it is.
function flowSection(p) {
  const section = document.createElement("div");
  section.className = "text-page text-section";
  section.dataset.pageIndex = String(p);
  return section;
}

/** The notes above the text, each announced the first time it appears. */
export function createNotes(root) {
  const els = {
    unsure: root.querySelector("#unsure-note"),
    details: root.querySelector("#unsure-details"),
    list: root.querySelector("#unsure-list"),
    legend: root.querySelector("#legend-unsure"),
    doc: root.querySelector("#document-note"),
  };
  const announced = { unsure: false, doc: false };

  const say = (which, el, note) => {
    showMessage(el, note);
    if (note && !announced[which]) {
      announced[which] = true;
      announce(note);
    }
  };

  return {
    /** Words read with low confidence and left out of the text (result.unsure). */
    showUnsure(view) {
      const unsure = view.result.unsure || [];
      const note = unsureNote(unsure.length, view.doc);
      els.details.hidden = !unsure.length;
      els.legend.hidden = !unsure.length;
      els.list.replaceChildren(...unsure.map((word) => {
        const item = document.createElement("li");
        item.textContent = unsureItem(word, view.doc);
        return item;
      }));
      say("unsure", els.unsure, note);
    },
    showDocument(view) {
      say("doc", els.doc, documentNote(view.result, { done: view.job.status === "done", pagesShown: view.pages.length }));
    },
  };
}
