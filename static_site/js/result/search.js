// "Search in this book": the phrase looked for in the book's text files one after another (each
// read once: api.bookTexts), the hits listed by chapter as they are found, each a button that
// goes to its page and plays from its first word (book-view.js goToPlace).

import * as api from "../api.js";
import { announce, make } from "../dom.js";
import { chapterOfPage, findIn, pagesOfText } from "./search-text.js";

const MAX_HITS = 100;

/** `onChoose({place, phrase})` when a hit is chosen; `view` the page view's (its job and chapters). */
export function createSearch(root, { signal, view, onChoose }) {
  const els = build(root);
  let hits = [];
  let searching = null; // an AbortController for the search under way

  els.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    searching?.abort();
    const mine = new AbortController();
    searching = mine;
    const phrase = els.input.value.trim();
    els.list.replaceChildren();
    hits = [];
    if (!phrase) {
      say("Type a word or a phrase to look for.");
      return;
    }
    say(`Searching for “${phrase}”…`, false);
    try {
      const job = await api.getJob(view.job.job_id, { signal }); // fresh links to the text files
      for await (const file of api.bookTexts(job, { signal })) {
        if (mine.signal.aborted) return;
        const texts = file.pages || pagesOfText(file.text, file.to - file.from) ||
          (await api.bookPages(job, file.name, { signal })).map((p) => p?.text || "");
        const found = findIn(texts.map((text, i) => ({ page: file.from + i, text })), phrase, MAX_HITS - hits.length);
        hits.push(...found);
        draw(found, phrase);
        if (hits.length >= MAX_HITS) break;
      }
    } catch {
      if (!signal.aborted && !mine.signal.aborted) say("The search could not finish. Check the connection and try again.");
      return;
    }
    if (mine.signal.aborted) return;
    const chapters = new Set(hits.map((h) => chapterOfPage(view.result.chapters, h.page)?.title ?? ""));
    say(hits.length
      ? `${hits.length >= MAX_HITS ? "The first " : ""}${plural(hits.length, "result")} for “${phrase}”${chapters.size > 1 ? ` in ${plural(chapters.size, "chapter")}` : ""}.`
      : `“${phrase}” is not in this book's text.`);
  }, { signal });

  els.list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-hit]");
    if (!button) return;
    const hit = hits[Number(button.dataset.hit)];
    onChoose({ place: { page: hit.page, line: 0, word: 0 }, phrase: els.input.dataset.searched || els.input.value });
  }, { signal });

  function say(text, loud = true) {
    els.status.textContent = text;
    if (loud) announce(text);
  }

  /** New hits under their chapter's heading (a group per chapter, continued when it goes on). */
  function draw(found, phrase) {
    els.input.dataset.searched = phrase;
    for (const hit of found) {
      const chapter = chapterOfPage(view.result.chapters, hit.page);
      const title = chapter?.title || "Before the first chapter";
      let group = els.list.lastElementChild;
      if (!group || group.dataset.chapter !== title) {
        group = els.list.appendChild(document.createElement("li"));
        group.dataset.chapter = title;
        const heading = group.appendChild(document.createElement("h3"));
        heading.className = "search-chapter";
        heading.textContent = title;
        heading.dir = "auto";
        group.appendChild(document.createElement("ol")).className = "search-hits";
      }
      const item = group.querySelector("ol").appendChild(document.createElement("li"));
      const button = item.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = "search-hit";
      button.dataset.hit = String(hits.indexOf(hit));
      button.dataset.testid = "search-hit";
      const where = button.appendChild(document.createElement("span"));
      where.className = "search-page";
      where.textContent = `Page ${(hit.page + 1).toLocaleString("en")}: `;
      button.append(hit.snippet);
    }
  }
}

const plural = (n, word) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

function build(root) {
  const section = make("section", { id: "book-search", className: "book-search" });
  section.setAttribute("aria-labelledby", "book-search-title");
  make("h3", { id: "book-search-title", text: "Search in this book" }, section);
  const form = make("form", { className: "player-row" }, section);
  form.setAttribute("role", "search");
  make("label", { htmlFor: "book-search-input", className: "visually-hidden", text: "Words to find" }, form);
  const input = make("input", { id: "book-search-input", className: "book-search-input", type: "search", autocomplete: "off" }, form);
  make("button", { id: "book-search-go", className: "button button-small", type: "submit", text: "Search" }, form);
  const status = make("p", { id: "book-search-status", className: "field-hint" }, section);
  const list = make("ol", { id: "book-search-results", className: "search-results" }, section);
  list.setAttribute("aria-label", "Results");
  root.querySelector("#book-window").before(section);
  return { form, input, status, list };
}
