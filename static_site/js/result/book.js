// "Download as a book" on a finished page job with a recording (GET /jobs/{id}/export,
// CONTRACTS section 14): an EPUB 3 book with the text lit in step with the recording, the MP3
// with chapter marks, an M4B audiobook or a ZIP of one MP3 per chapter, for other apps to play
// (a whole book read by many workers: the formats made of its parts). The API makes the book on the worker side and
// answers 202 with its progress meanwhile: the wait is said in a polite live region, can be
// stopped, and ends with the presigned URL, opened as a download (the server's
// Content-Disposition names the file). The panel is made here, placed before "Read again".

import * as api from "../api.js";
import { setBusy, showMessage, sleep } from "../dom.js";
import {
  BOOK_FORMATS, followBook, formatsFor, leftOutText, linkText, progressShare, progressText, readyText, stoppedText,
} from "./book-making.js";

const LINK_FRESH_MS = 10 * 60 * 1000; // the presigned URL lasts longer: an older one is asked for again
const RECORDING_SAID_MS = 30_000; // the rest of a book recorded first: its time left said at most this often

export function mountBook(root, { jobId, signal }) {
  const els = buildPanel();
  const anchor = root.querySelector("#reread-wrap") || root.querySelector("#job-delete-wrap");
  anchor.before(els.panel);
  let waiting = null; // the AbortController of the wait under way
  let made = { format: null, url: "", at: 0, leftOut: [] }; // the last book made, for its link
  let sections = null; // a whole book's sections (its speech.sections.total), for "39 of 52 sections left"

  async function make(format, button) {
    waiting?.abort();
    const cancel = new AbortController();
    waiting = cancel;
    const stop = AbortSignal.any([signal, cancel.signal]);
    showMessage(els.error, "");
    els.ready.hidden = true;
    startWaiting(els, button);
    try {
      let leftOut = [];
      const url = await followBook({
        ask: () => api.exportBook(jobId, format, { signal: stop }),
        sleep: (ms) => sleep(ms, stop),
        signal: stop,
        onProgress: (progress, status, answer) => showProgress(els, format, progress, status,
          { sections_total: sections, ...answer }),
        onReady: (answer) => { leftOut = answer.left_out; },
      });
      made = { format, url, at: Date.now(), leftOut };
      showReady(els, made);
      download(url);
    } catch (failure) {
      if (signal.aborted || failure?.handled) return;
      if (cancel.signal.aborted) setStatus(els, waiting === cancel ? stoppedText(format) : "");
      else showMessage(els.error, failure.message);
    } finally {
      if (!signal.aborted && waiting === cancel) {
        waiting = null;
        endWaiting(els, button);
      }
    }
  }

  for (const button of els.formats) {
    button.addEventListener("click", () => make(button.dataset.format, button), { signal });
  }
  els.cancel.addEventListener("click", () => waiting?.abort(), { signal });
  // A link older than a presigned URL's life: the book (kept beside the job) is asked for again.
  els.link.addEventListener("click", (event) => {
    if (Date.now() - made.at < LINK_FRESH_MS) return;
    event.preventDefault();
    make(made.format, els.formats.find((b) => b.dataset.format === made.format));
  }, { signal });

  return {
    /** Offered once a page job is done with its own recording (the speech kind's is the upload),
     *  its speech.wav or a whole book's parts. */
    show(job) {
      sections = Number(job?.result?.speech?.sections?.total) || sections;
      const offered = formatsFor(job);
      for (const button of els.formats) button.hidden = !offered.includes(button.dataset.format);
      els.panel.hidden = offered.length === 0;
    },
  };
}

function startWaiting(els, button) {
  for (const b of els.formats) b.disabled = true;
  setBusy(button, true, "Making…");
  els.progress.removeAttribute("value"); // indeterminate until the first answer says how far
  els.progressWrap.hidden = false;
  setStatus(els, "");
  els.cancel.focus(); // the pressed button is disabled now: the focus goes to what can act
}

function endWaiting(els, button) {
  const hadFocus = els.panel.contains(document.activeElement) || document.activeElement === document.body;
  els.progressWrap.hidden = true;
  setBusy(button, false);
  for (const b of els.formats) b.disabled = false;
  if (hadFocus) button.focus();
}

function showProgress(els, format, progress, status, answer) {
  const share = status === "queued" ? null : progressShare(progress);
  if (share === null) els.progress.removeAttribute("value");
  else els.progress.value = share;
  // The rest of a book recorded first: its minutes and sections change with every answer, so they
  // are written (and said) at most every RECORDING_SAID_MS; any other change at once.
  const recording = status === "recording" && els.status.dataset.status === "recording";
  if (recording && Date.now() - Number(els.status.dataset.at || 0) < RECORDING_SAID_MS) return;
  els.status.dataset.at = String(Date.now());
  setStatus(els, progressText(format, progress, status, answer), status);
}

function showReady(els, made) {
  els.link.href = made.url;
  els.link.textContent = linkText(made.format);
  els.leftOut.textContent = leftOutText(made.leftOut);
  els.leftOut.hidden = !els.leftOut.textContent;
  els.ready.hidden = false;
  setStatus(els, readyText(made.format, made.leftOut));
}

// Only written when it changes, so that the live region says changes and nothing else;
// `status` the export's (a 202's) it says.
function setStatus(els, text, status = "") {
  els.status.dataset.status = status || "";
  if (els.status.textContent !== text) els.status.textContent = text;
}

/** Opens the presigned URL as a download: its Content-Disposition keeps the page where it is. */
function download(url) {
  const a = document.createElement("a");
  a.href = url;
  a.rel = "noopener";
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

// ---- The panel --------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "hidden") node.hidden = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

const APPS = [
  ["EPUB 3 book: ", "the text with its headings, chapters and page numbers, and the recording. Apple Books "
    + "(iPhone, iPad, Mac) and Thorium Reader (Windows, Mac, Linux) read it aloud with each sentence lit as it "
    + "is heard (read-along); other EPUB readers show the text."],
  ["MP3 with chapters: ", "the recording with its chapter marks, title and text. Podcast and audiobook players "
    + "jump from chapter to chapter; any music player plays it through."],
  ["M4B audiobook: ", "the recording with its chapters and title, as audiobooks are sold. Apple Books and "
    + "audiobook apps (BookPlayer, Smart AudioBook Player, Voice) list its chapters and remember your place."],
  ["Chapters as separate MP3 files: ", "a ZIP with one MP3 per chapter, numbered and named after it "
    + "(\u201c01 Title.mp3\u201d). Any player plays them in order; a long book can be copied and heard a chapter "
    + "at a time."],
];

function buildPanel() {
  const formats = BOOK_FORMATS.map(({ format, label }, i) => el("button", {
    type: "button", class: `button button-small${i ? " button-quiet" : ""}`, id: `book-${format}`,
    "data-format": format, "data-testid": `book-${format}`, "aria-describedby": "book-hint", text: label,
  }));
  const progress = el("progress", { id: "book-progress", "data-testid": "book-progress", max: "1", "aria-label": "Book made so far" });
  const cancel = el("button", {
    type: "button", class: "button button-small button-quiet", id: "book-cancel", "data-testid": "book-cancel", text: "Stop waiting",
  });
  const progressWrap = el("div", { class: "book-progress", id: "book-progress-wrap", hidden: true }, progress, cancel);
  const status = el("p", { class: "status", id: "book-status", "data-testid": "book-status", role: "status", "aria-live": "polite" });
  const link = el("a", { class: "button button-small", id: "book-link", "data-testid": "book-link" });
  // What the format's bounds left out of this book (an MP3's 255 chapters...), beside its link.
  const leftOut = el("p", { class: "field-hint book-left-out", id: "book-left-out", "data-testid": "book-left-out", hidden: true });
  const ready = el("div", { class: "book-ready", id: "book-ready", hidden: true }, link, leftOut);
  const error = el("p", { class: "message message-error", id: "book-error", "data-testid": "book-error", role: "alert", hidden: true });
  const apps = el("details", { class: "book-apps", "data-testid": "book-apps" },
    el("summary", { text: "Which apps play these?" }),
    el("ul", {}, ...APPS.map(([name, what]) => el("li", {}, el("strong", { text: name }), what))));
  const panel = el("section", { class: "book", id: "book-panel", "data-testid": "book-panel", "aria-labelledby": "book-title", hidden: true },
    el("h2", { id: "book-title", text: "Download as a book" }),
    el("p", { class: "field-hint", id: "book-hint", text: "For reading and listening apps: the text and its recording "
      + "together, with its chapters. A long document's book takes a while to make." }),
    el("p", { class: "actions book-formats" }, ...formats),
    progressWrap, status, ready, error, apps);
  return { panel, formats, progress, progressWrap, cancel, status, ready, link, leftOut, error };
}
