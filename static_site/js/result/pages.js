// The photo, or the shown page of a document, zoomable, with a box over every word and a dashed
// outline over every unsure word; for a document, previous / next and one button per page. A page
// chosen by the person goes to `onTurn` (read-along.js moves playback there); a photo whose text
// is small in it opens zoomed to the text.

import { announce, elementsOf, rovingKeys, showMessage } from "../dom.js";
import { bounds, pct, renderBoxes, textBox } from "./overlay.js";
import { setUpZoom } from "./zoom.js";
import { aspectOf, wordsOnPage } from "./model.js";
import { pageLabel } from "./messages.js";
import { barRect } from "./mini-player.js";
import { pageClearKeeping, scrollWithinBy, seenEnd } from "./player/clearance.js";

/**
 * `view` is what is shown ({job, result, doc, pages, words}, updated in place); `urls` the job's URLs;
 * `onChoose(index)` when a word's box is chosen; `onDrawn()` after the boxes are drawn again.
 */
export function createPages(root, { signal, view, urls, aspect, onChoose, onDrawn }) {
  const els = elementsOf(root, SELECTORS);
  const zoom = setUpPhoto(root, els, { signal, aspect });
  let shown = -1;
  let aspectShown = 0;
  let textZoomed = false; // the photo's first view has been chosen (zoomed to its text or not)
  let boxes = [];
  let boxByIndex = new Map();
  let turn = (p) => show(p, { announceIt: true });

  function setStop(box) {
    for (const el of boxes) el.tabIndex = el === box ? 0 : -1;
    zoom.reveal(box);
  }

  /** Show page `p`; `announceIt` says so for a document, `focus` moves focus to its button. */
  function show(p, { announceIt = false, focus = false } = {}) {
    const { pages, doc } = view;
    const page = pages[p];
    if (!page) return;
    const changed = p !== shown;
    shown = p;
    // A document without pages has no image to show: its sections are all in the text.
    if (view.flow) return;
    showImage(els.img, view, p, urls);
    if (changed || aspectOf(page) !== aspectShown) zoom.setAspect(aspectShown = aspectOf(page));
    if (!doc && !textZoomed && page.lines?.length) {
      textZoomed = true;
      zoom.zoomToText(textBox(page));
    }
    drawBoxes(page);
    drawNav(els, view, shown);
    if (changed && doc && announceIt) announce(`Page ${p + 1} of ${pages.length}.`);
    if (focus) els.pageList.querySelector(`[data-page-index="${p}"]`)?.focus();
  }

  function drawBoxes(page) {
    boxes = renderBoxes(els.overlay, { width: page.width, height: page.height }, wordsOnPage(view.words, shown));
    for (const box of boxes) {
      box.dataset.pageIndex = String(shown);
      box.addEventListener("click", () => onChoose(Number(box.dataset.wordIndex)), { signal });
      box.addEventListener("keydown", (event) => rovingKeys(boxes, box, event, setStop), { signal });
    }
    boxByIndex = new Map(boxes.map((el) => [Number(el.dataset.wordIndex), el]));
    const unsure = (view.result.unsure || []).filter((u) => (u.page ?? 0) === shown);
    els.overlay.prepend(...unsure.map((word) => unsureMark(word, page)));
    onDrawn();
  }

  setUpNav(els, { signal, turn: (p) => turn(p), shown: () => shown });
  retryImage(els, { signal, urls, view, shown: () => shown });

  return {
    show,
    shown: () => shown,
    boxOf: (index) => boxByIndex.get(index),
    setStop,
    /**
     * The lit word's box in view on the zoomed page, and never under the mini-player: the page
     * image scrolls it above the bar where the image runs under it, else the page does, as long
     * as `keep` (the text's lit word, if any) stays seen.
     */
    reveal(box, { keep = null } = {}) {
      zoom.reveal(box);
      keepClearOfBar(els.viewport, box, keep);
    },
    /** `fn(p)` takes over a page chosen by the person (button, previous / next, keyboard). */
    onTurn(fn) { turn = fn; },
  };
}

const MAX_PAGE_BUTTONS = 60;

/** `box` (a word's box on the page image in `viewport`) scrolled clear of the mini-player's bar,
 *  within the zoomed image first, then by the page (not pulling `keep` out of sight). */
function keepClearOfBar(viewport, box, keep) {
  const bar = barRect();
  if (!bar) return;
  if (viewport.scrollHeight > viewport.clientHeight) {
    const by = scrollWithinBy(viewport.getBoundingClientRect(), box.getBoundingClientRect(), seenEnd(innerHeight, bar));
    if (by) viewport.scrollTop += by;
  }
  const by = pageClearKeeping(box.getBoundingClientRect(), keep?.getBoundingClientRect() || null, innerHeight, bar);
  if (by) window.scrollBy(0, by);
}

const SELECTORS = {
  overlay: "#overlay",
  toggle: "#overlay-toggle",
  img: "#result-image",
  figure: "#figure",
  viewport: "#zoom-viewport",
  zoomControls: "#zoom-controls",
  pageNav: "#page-nav",
  pagePrev: "#page-prev",
  pageNext: "#page-next",
  pageLabel: "#page-label",
  pageList: "#page-list",
  error: "#job-error",
};

function setUpPhoto(root, els, { signal, aspect }) {
  els.zoomControls.hidden = false;
  els.figure.classList.add("figure-zoomable");
  const zoom = setUpZoom({
    viewport: els.viewport,
    figure: els.figure,
    zoomIn: root.querySelector("#zoom-in"),
    zoomOut: root.querySelector("#zoom-out"),
    fit: root.querySelector("#zoom-fit"),
    level: root.querySelector("#zoom-level"),
    signal,
    aspect,
  });
  els.toggle.addEventListener("change", () => { els.overlay.hidden = !els.toggle.checked; }, { signal });
  return zoom;
}

/** The image of page `p`: a document's page image, or the photo. */
function showImage(img, { job, doc, pages }, p, urls) {
  const page = pages[p];
  const name = job.filename ? `, ${job.filename}` : "";
  if (page.width && page.height) {
    img.width = page.width;
    img.height = page.height;
  }
  if (doc) {
    img.alt = `Page ${p + 1} of ${pages.length}${name}`;
    const url = page.image ? urls.of(page.image) : null;
    if (url && img.getAttribute("src") !== url) img.src = url;
    else if (!url) img.removeAttribute("src");
  } else {
    img.alt = `Your photo${name}`;
    if (urls.photo() && !img.getAttribute("src")) img.src = urls.photo();
  }
}

// A word read with too little confidence to be in the text: a dashed outline, no target.
function unsureMark(word, page) {
  const mark = document.createElement("span");
  mark.className = "unsure-mark";
  mark.dataset.testid = "unsure-box";
  mark.setAttribute("aria-hidden", "true");
  if (Array.isArray(word.box) && word.box.length >= 2 && page.width && page.height) {
    const b = bounds(word.box);
    mark.style.left = pct(b.left, page.width);
    mark.style.top = pct(b.top, page.height);
    mark.style.width = pct(b.width, page.width);
    mark.style.height = pct(b.height, page.height);
  }
  return mark;
}

// A presigned URL that has expired: ask for a fresh one, once, before saying it failed.
function retryImage(els, { signal, urls, view, shown }) {
  let retried = false;
  els.img.addEventListener("error", async () => {
    if (!els.img.getAttribute("src")) return;
    if (!retried) {
      retried = true;
      try {
        await urls.refresh();
        const { doc, pages } = view;
        const fresh = doc ? urls.of(pages[shown()]?.image) : urls.freshPhoto();
        if (fresh && fresh !== els.img.getAttribute("src")) {
          if (!doc) urls.setPhoto(fresh);
          els.img.src = fresh;
          return;
        }
      } catch {
        if (signal.aborted) return;
      }
    }
    showMessage(els.error, view.doc
      ? "This page's image could not be loaded. Reload the page to try again."
      : "The photo could not be loaded. Reload the page to try again.");
  }, { signal });
}

function setUpNav(els, { signal, turn, shown }) {
  els.pagePrev.addEventListener("click", () => turn(shown() - 1), { signal });
  els.pageNext.addEventListener("click", () => turn(shown() + 1), { signal });
  els.pageList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-page-index]");
    if (button) turn(Number(button.dataset.pageIndex));
  }, { signal });
  els.pageList.addEventListener("keydown", (event) => {
    const button = event.target.closest("button[data-page-index]");
    if (!button) return;
    const buttons = [...els.pageList.querySelectorAll("button[data-page-index]")];
    rovingKeys(buttons, button, event, (dest) => { for (const b of buttons) b.tabIndex = b === dest ? 0 : -1; });
  }, { signal });
}

/** Previous / next and the page buttons of a document; hidden for a photo. */
function drawNav(els, { result, doc, pages }, shown) {
  els.pageNav.hidden = !doc;
  if (!doc) return;
  const total = pages.length;
  els.pageLabel.textContent = pageLabel(shown, total, result.document?.pages || total);
  els.pagePrev.disabled = shown <= 0;
  els.pageNext.disabled = shown >= total - 1;
  // A book's pages: "Go to page" (book-view.js) rather than a thousand buttons.
  els.pageList.hidden = total > MAX_PAGE_BUTTONS;
  if (!els.pageList.hidden && els.pageList.querySelectorAll("button[data-page-index]").length !== total) {
    els.pageList.replaceChildren(...Array.from({ length: total }, (_, i) => pageButton(i)));
  }
  for (const button of els.pageList.querySelectorAll("button[data-page-index]")) {
    const on = Number(button.dataset.pageIndex) === shown;
    if (on) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
    button.tabIndex = on ? 0 : -1;
  }
}

function pageButton(i) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "page-button";
  button.dataset.pageIndex = String(i);
  button.dataset.testid = "page-button";
  button.textContent = String(i + 1);
  button.setAttribute("aria-label", `Page ${i + 1}`);
  item.append(button);
  return item;
}
