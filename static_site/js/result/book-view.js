// A book on the page (CONTRACTS section 15): the text holds a window of its pages (api.js reads
// them a window at a time: book-index.js), which moves with playback, with the pages chosen
// ("Earlier pages", "Later pages", "Go to page"), with a chapter or a search hit chosen. Its
// recording is played a run at a time (parts that play one after another: a listener's jump can
// have a late part made before the text ahead of it); a place not recorded yet is asked for
// (PUT /jobs/{id}/position with the place: the worker makes it next) and played once it is, in
// a book being made and in one done whose recording is not whole (made where it is listened to:
// the job view follows it meanwhile, ./recording-follow.js).

import * as api from "../api.js";
import { announce, make } from "../dom.js";
import { downloadName } from "./common.js";
import { save } from "./urls.js";
import { phraseAt } from "./search-text.js";
import { partOfPlace, runOf, runParts, windowAround } from "../book-index.js";
import { createMover, failedText, loadingText, windowText } from "./book-moves.js";
import { RECORDING_WANTED, recordingGrows } from "./recording-follow.js";
import { RECORDING_HERE, RECORDED_HERE } from "./messages.js";

const FOLLOW_MARGIN = 3; // pages: playback this near the window's end moves the window on
const FOLLOW_AFTER_FAILURE_MS = 10_000; // playback asks again for pages that could not be loaded this often, not each tick
const MAX_PAGE_BUTTONS = 60; // more pages than this: "Go to page" instead of a button per page

/**
 * `onResult(job)` applies a new answer (page.js's update); `play(index)` plays a word of the
 * view (read-along's choose); `select(index)` selects it without playing; `heard()` the index of
 * the word heard now.
 */
export function createBookView(root, { signal, jobId, view, onResult, play, select, heard }) {
  const els = build(root);
  let moves = { busy: false, loading: null, failed: null }; // book-moves.js createMover's state
  const mover = createMover({
    move: (page) => api.moveBook(jobId, page, { signal }), onResult, signal,
    onState: (state) => { moves = state; showBar(els, view, moves); },
  });
  let run = null; // the run of parts the listener plays
  let pending = null; // {place}: a place asked for, played once recorded

  /**
   * Go to a place of the book: its pages loaded, its first word selected and, with `play`,
   * played (its run taken; asked for when not recorded yet). `heading`: a heading to bring up;
   * `near`: a phrase on the page to start from.
   */
  function goToPlace(place, { play: andPlay = true, heading = null, near = null } = {}) {
    const { from, to } = view.result.window;
    const act = () => {
      const index = wordAt(view, place, near);
      if (!focusOn(heading ? document.getElementById(heading) : pageOf(root, place.page))) return;
      if (index === undefined) return;
      if (andPlay) playIndex(index);
      else select(index);
    };
    if (from <= place.page && place.page < to && view.pages[place.page]) act();
    else mover.moveTo(place.page, act);
  }

  /** A word of the window chosen: played from its run, or asked for and played once made. */
  function playIndex(index) {
    const w = view.words[index];
    const place = { page: w.pageIndex, line: w.lineIndex, word: w.wordInLine };
    const part = partOfPlace(view.result.speech?.parts, place);
    if (part?.url) {
      pending = null;
      els.waiting.hidden = true;
      if (part.run !== run) {
        run = part.run;
        onResult(null); // the player takes the new run
      }
      play(index);
      return;
    }
    select(index);
    pending = askFor(root, els, { view, jobId, place, signal }) ? { place } : null;
  }

  setUpBar(els, { signal, view, root, moveTo: mover.moveTo, goToPlace, retry: () => moves.failed?.retry() });
  return {
    goToPlace,
    playIndex,
    /** Page `p` chosen (the page buttons, previous / next): `then(p)` once its page is loaded. */
    turn(p, then) {
      const { from, to } = view.result.window;
      if (from <= p && p < to && view.pages[p]) then(p);
      else mover.moveTo(p, () => then(p));
    },
    setUpText: (copy, download, job) => setUpBookText(copy, download, job, signal),
    /** Where the listener is: the place of the word heard now (or chosen), for resume. */
    placeNow() {
      const index = heard();
      const w = index === undefined ? undefined : view.words[index];
      return w ? { page: w.pageIndex, line: w.lineIndex, word: w.wordInLine } : null;
    },
    /** The parts the player holds now ({parts, final, replace}) for the result shown. */
    playerParts(held) {
      const parts = view.result.speech?.parts || [];
      run = runOf(parts, { run, held });
      return runParts(parts, run, { done: view.job.status === "done", complete: view.result.speech?.complete === true, held });
    },
    /** Each new answer: the bar, and a place asked for played once it is recorded. */
    show() {
      showBar(els, view, moves);
      const part = pending && partOfPlace(view.result.speech?.parts, pending.place);
      if (part?.url && wordAt(view, pending.place) !== undefined) {
        const { place } = pending;
        pending = null;
        announce(RECORDED_HERE);
        goToPlace(place); // (its part has a URL now: playIndex hides "Recording from here…")
      }
    },
    /** A place asked for is not recorded yet: the listener waits on it. */
    waiting: () => pending !== null,
    /** Playback at `page`: the window follows it. */
    follow(page) {
      if (page === null || mover.busy() || Date.now() - (moves.failed?.at ?? -Infinity) < FOLLOW_AFTER_FAILURE_MS) return;
      const { from, to, total } = view.result.window;
      if (page < from || (page >= to - FOLLOW_MARGIN && to < total)) mover.moveTo(page);
    },
  };
}

/**
 * The word at `place` of the window's words ({page, line, word}, or {page, block}: the block's
 * first word; `near`: the first word of that phrase on the page), else the page's first word.
 */
function wordAt(view, place, near = null) {
  if (near) {
    const found = phraseAt(view.words.filter((w) => w.pageIndex === place.page), near);
    if (found !== undefined) return found;
  }
  const line = place.block !== undefined ? view.blocks?.[place.page]?.[place.block]?.lines?.[0] : place.line;
  const exact = view.indexOf(place.page, line ?? 0, place.word ?? 0);
  if (exact !== undefined) return exact;
  return view.words.find((w) => w.pageIndex >= place.page)?.index;
}

const pageOf = (root, p) => root.querySelector(`#result-text [data-page-index="${p}"]`);

/** The focus on `el` (a page's section or a heading), at the top of the text. */
function focusOn(el) {
  if (!el) return true;
  el.tabIndex = -1;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "start" });
  return true;
}

function setUpBar(els, { signal, view, root, moveTo, goToPlace, retry }) {
  els.retry.addEventListener("click", retry, { signal });
  els.earlier.addEventListener("click", () => {
    const w = view.result.window;
    moveTo(Math.max(0, w.from - 1), () => focusOn(pageOf(root, w.from - 1)));
  }, { signal });
  els.later.addEventListener("click", () => {
    const w = view.result.window;
    moveTo(w.to, () => focusOn(pageOf(root, w.to)));
  }, { signal });
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const n = Math.round(Number(els.input.value));
    const total = view.result.window.total;
    if (!(n >= 1 && n <= total)) {
      announce(`Choose a page from 1 to ${total.toLocaleString("en")}.`);
      return;
    }
    goToPlace({ page: n - 1, line: 0, word: 0 }, { play: false });
  }, { signal });
}

/** The bar for the window shown and its moves: the pages busy while one is under way, the status
 *  naming the pages coming (or those that could not come, with "Try again"). */
function showBar(els, view, moves) {
  const { from, to, total } = view.result.window;
  const what = view.flow ? "sections" : "pages";
  const coming = (page) => ({ ...windowAround(total, page, view.flow), total });
  // Of the whole book (its pages as planned), not of those read so far: a book being made does
  // not change this live status with every page read (the job's status says how far it is).
  const whole = { ...view.result.window, total: Math.max(total, Number(view.result.document?.pages) || 0) };
  const text = moves.loading !== null ? loadingText(coming(moves.loading), view.flow)
    : moves.failed ? failedText(coming(moves.failed.page), view.flow) : windowText(whole, view.flow);
  if (els.text.textContent !== text) els.text.textContent = text;
  if (moves.busy) els.pagesRegion.setAttribute("aria-busy", "true");
  else els.pagesRegion.removeAttribute("aria-busy");
  if (!moves.failed && document.activeElement === els.retry) focusOn(els.text); // (it goes: the status says what comes)
  els.retry.hidden = !moves.failed;
  els.earlier.disabled = from <= 0;
  els.later.disabled = to >= total;
  els.earlier.textContent = `Earlier ${what}`;
  els.later.textContent = `Later ${what}`;
  els.form.hidden = view.flow || total <= MAX_PAGE_BUTTONS;
  els.input.max = String(total);
}

/** A place not recorded yet asked for (the worker makes it next), said once and shown while it is
 *  made; the job view asks for the job again meanwhile (views/job.js), and once the place saved.
 *  False when nothing more will be recorded. */
function askFor(root, els, { view, jobId, place, signal }) {
  if (view.job.status === "done" && !recordingGrows(view.result)) {
    announce("This part has no recording.");
    return false;
  }
  const wanted = () => root.dispatchEvent(new Event(RECORDING_WANTED));
  els.waiting.hidden = false;
  announce(RECORDING_HERE);
  wanted();
  api.savePlace(jobId, place, { signal }).then(wanted, () => {});
  return true;
}

/** Copy and download: the whole book's text (its text files), not the window's. */
function setUpBookText(copy, download, job, signal) {
  copy.hidden = true; // megabytes to the clipboard help no one: the download has it all
  download.href = "#";
  download.addEventListener("click", async (event) => {
    event.preventDefault();
    const texts = [];
    try {
      for await (const file of api.bookTexts(await api.getJob(job.job_id, { signal }), { signal })) {
        texts.push(file.text ?? file.pages.join("\n\n"));
      }
    } catch {
      if (!signal.aborted) announce("The text could not be downloaded. Check the connection and try again.");
      return;
    }
    save(new Blob([texts.join("")], { type: "text/plain;charset=utf-8" }), downloadName(job.filename, ".txt"));
  }, { signal });
}

function build(root) {
  const bar = make("nav", { id: "book-window", className: "book-window" });
  bar.setAttribute("aria-label", "Pages shown");
  const text = make("p", { id: "book-window-text", className: "field-hint" }, bar);
  text.setAttribute("aria-live", "polite");
  const waiting = make("p", { id: "book-recording", className: "field-hint", text: RECORDING_HERE }, bar);
  waiting.hidden = true;
  const row = make("p", { className: "player-row" }, bar);
  const quiet = "button button-small button-quiet";
  const retry = make("button", { id: "book-retry", className: "button button-small", type: "button", text: "Try again" }, row);
  retry.hidden = true;
  const earlier = make("button", { id: "book-earlier", className: quiet, type: "button", text: "Earlier pages" }, row);
  const later = make("button", { id: "book-later", className: quiet, type: "button", text: "Later pages" }, row);
  const form = make("form", { id: "book-go", className: "book-go" }, row);
  make("label", { htmlFor: "book-page", text: "Go to page" }, form);
  const input = make("input", { id: "book-page", className: "book-page", type: "number", min: "1", inputMode: "numeric" }, form);
  make("button", { id: "book-go-button", className: quiet, type: "submit", text: "Go" }, form);
  const pagesRegion = root.querySelector("#result-text");
  pagesRegion.before(bar);
  return { bar, text, waiting, earlier, later, form, input, retry, pagesRegion };
}
