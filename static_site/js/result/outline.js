// Above the text of a result with structure (CONTRACTS section 13): what the recording leaves
// out ("Not read: 14 page numbers, 12 running headers, 3 footnotes.", from result.skipped) and
// the chapters (result.chapters), nested by level, to jump to. The chapter being heard is
// marked aria-current="location" as playback goes on.

import { showMessage } from "../dom.js";
import { codeOf } from "../languages.js";
import { chapterAt, chapterList, outlineTree, timedChapters } from "./chapters.js";
import { notReadLine } from "./document.js";
import { clock } from "./messages.js";

const OPEN_UP_TO = 8; // a longer list starts folded: on a phone the text stays near the top

/** `onChoose(chapter)` when a chapter is chosen ({page, block, start, word, id}: chapters.js). */
export function createOutline(root, { signal, onChoose }) {
  const els = build(root);
  let list = [];
  let timed = [];
  let key = null;
  let current = -1;

  els.nav.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-chapter-index]");
    if (button) onChoose(list[Number(button.dataset.chapterIndex)]);
  }, { signal });

  /** What is shown changed ({result, blocks, indexOf}: the page view's `view`). */
  function show(view) {
    showMessage(els.note, view.blocks ? notReadLine(view.result.skipped) : "");
    const next = view.blocks ? chapterList(view.result.chapters, view.blocks, view.indexOf) : [];
    // A title is the document's words: in its page's language (else the result's), its own direction.
    for (const c of next) c.lang = codeOf(view.pages[c.page]?.language) || codeOf(view.result.language);
    const nextKey = JSON.stringify(next.map((c) => [c.title, c.level, c.id, c.start, c.word, c.lang]));
    if (nextKey === key) return;
    key = nextKey;
    list = next;
    timed = timedChapters(list);
    current = -1;
    draw(els, list);
  }

  /** The playback position moved: mark the chapter heard at `t`. */
  function follow(t) {
    const at = timed.length ? chapterAt(timed, t) : -1;
    if (at === current) return;
    for (const button of els.nav.querySelectorAll("button[data-chapter-index]")) {
      const on = Number(button.dataset.chapterIndex) === at;
      button.classList.toggle("is-current", on);
      if (on) button.setAttribute("aria-current", "location");
      else button.removeAttribute("aria-current");
    }
    current = at;
  }

  return { show, follow };
}

function build(root) {
  const note = document.createElement("p");
  note.className = "field-hint not-read-note";
  note.id = "not-read-note";
  note.dataset.testid = "not-read-note";
  note.hidden = true;
  const nav = document.createElement("nav");
  nav.className = "chapters";
  nav.id = "chapters";
  nav.dataset.testid = "chapters";
  nav.setAttribute("aria-label", "Chapters");
  nav.hidden = true;
  const details = nav.appendChild(document.createElement("details"));
  const summary = details.appendChild(document.createElement("summary"));
  summary.id = "chapters-summary";
  const tree = details.appendChild(document.createElement("ol"));
  tree.className = "chapter-list";
  tree.id = "chapter-list";
  root.querySelector("#document-note").after(note, nav);
  return { note, nav, details, summary, tree };
}

function draw(els, list) {
  els.nav.hidden = !list.length;
  els.summary.textContent = `Chapters (${list.length})`;
  if (list.length && els.tree.childElementCount === 0) els.details.open = list.length <= OPEN_UP_TO;
  // Drawn again as times arrive: the focus stays on the chapter it was on.
  const focused = document.activeElement?.closest?.("#chapters button[data-chapter-index]")?.dataset.chapterIndex;
  els.tree.replaceChildren(...outlineTree(list).map(item));
  if (focused !== undefined) els.tree.querySelector(`button[data-chapter-index="${focused}"]`)?.focus();
}

function item(chapter) {
  const li = document.createElement("li");
  const button = li.appendChild(document.createElement("button"));
  button.type = "button";
  button.className = "chapter-button";
  button.dataset.chapterIndex = String(chapter.i);
  button.dataset.testid = "chapter";
  const title = button.appendChild(document.createElement("span"));
  title.className = "chapter-title";
  title.textContent = chapter.title;
  title.dir = "auto";
  if (chapter.lang) title.lang = chapter.lang;
  if (chapter.start !== null) {
    button.append(" ");
    const time = button.appendChild(document.createElement("span"));
    time.className = "chapter-time";
    time.textContent = clock(chapter.start);
  }
  if (chapter.children.length) {
    const sub = li.appendChild(document.createElement("ol"));
    sub.className = "chapter-list";
    sub.append(...chapter.children.map(item));
  }
  return li;
}
