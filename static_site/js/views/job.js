// One job: its status while it is queued or processing (polled with back-off), then the
// result, shown by the view of the job's kind (RESULT_VIEWS, from ../result/kinds/; others get
// the plain view): for a page, the photo with word boxes, the text with copy and download, and
// the recording; once done, "Read again with my pronunciations" (./job/reread.js). A book done
// with its recording not whole is followed on while the listener asks for more of it
// (../result/recording-follow.js).

import * as api from "../api.js";
import { announce, confirmInline, showMessage, sleep } from "../dom.js";
import { digitsView } from "../result/kinds/digits.js";
import { pageView } from "../result/kinds/page.js";
import { plainView } from "../result/kinds/plain.js";
import { speechView } from "../result/kinds/speech.js";
import { mountBook } from "../result/book.js";
import { mountReread } from "./job/reread.js";
import { RECORDING_WANTED, createWake, followRecording, followsAfterDone, wanted } from "../result/recording-follow.js";

const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 5000;
const POLL_GROWTH = 1.5;
const POLL_PROCESSING_MS = 700; // a worker is reading it: the text comes within seconds
const POLL_GIVE_UP_MS = 10 * 60 * 1000; // then offer "Check again" instead of polling forever
const POLL_LARGE_RESULT_MS = 10_000; // a result read from result_url (over 4 MiB): not every second
const MAX_FAILURES = 4; // network failures in a row before we stop and say so
const PROGRESS_SAID_MS = 30_000; // a book's progress (statusLine): written at most this often

const STATUS_TEXT = {
  uploading: "Waiting for the file to arrive…",
  queued: "In the queue: PageVoice will read it in a moment…",
  processing: "Reading the text and recording it…",
  failed: "PageVoice could not read this file.",
};
// Read by link (CONTRACTS section 18): nothing is uploaded, the worker fetches the address.
const LINK_TEXT = {
  uploading: "In the queue: PageVoice will fetch the link in a moment…",
  failed: "PageVoice could not read this link.",
};
const LINK_DELETE_TEXT = ["Delete this file", "Delete this file, its text and its recording?"];

export default {
  name: "job",
  title: "Your file", // until the first answer names it (jobHeading)
  template: "tpl-job",
  requiresAuth: true,

  mount(root, { signal, params, navigate }) {
    const jobId = params.id;
    const els = {
      title: root.querySelector("#job-title"),
      status: root.querySelector("#job-status"),
      error: root.querySelector("#job-error"),
      retryWrap: root.querySelector("#job-retry-wrap"),
      retry: root.querySelector("#job-retry"),
      result: root.querySelector("#result"),
      deleteWrap: root.querySelector("#job-delete-wrap"),
    };
    // What the dashboard did to the file before uploading it ("Photo reduced from 48 MP ..."),
    // for this tab's session.
    showMessage(root.querySelector("#job-note"), uploadNote(jobId));
    const status = statusLine(root, els.status);
    const reread = mountReread(root, { jobId, signal, navigate });
    const book = mountBook(root, { jobId, signal }); // "Download as a book", before "Read again"
    const shower = resultShower(root, { els, status, signal });
    const view = { ...shower, show(job) { shower.show(job); book.show(job); reread.show(job); } };
    const wake = createWake({ signal, timer: (ms, fn) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); } });
    root.addEventListener(RECORDING_WANTED, (event) => wake.wake({ soft: event.detail?.soft === true }), { signal });
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") wake.wake(); }, { signal });
    const poll = () => pollJob(jobId, { signal, els, status, view, wake });
    els.retry.addEventListener("click", () => poll(), { signal });
    setUpDelete(root, { jobId, signal, els, navigate });
    poll();
  },
};

function statusLine(root, el) {
  let shown = null;
  let step = null; // a growing book's step (the page view's progressStep): said as soon as it changes
  let writtenAt = 0;
  return {
    /**
     * The status and its sentence. `nextStep` (a book being made): its progress, whose numbers
     * change with every answer, is written at most every PROGRESS_SAID_MS unless its step changes
     * (it can be listened to, every page is read): the line is a live region, said each time.
     */
    set(status, text, nextStep = null) {
      el.dataset.status = status;
      root.querySelector("#job-wait-hint").hidden = !(status in STATUS_TEXT) || status === "failed";
      const now = Date.now();
      const same = nextStep !== null && status === shown && nextStep === step;
      shown = status;
      step = nextStep;
      if (same && el.textContent && now - writtenAt < PROGRESS_SAID_MS) return;
      // Only write when it changes, so the live region announces changes and nothing else.
      if (el.textContent !== text) {
        el.textContent = text;
        writtenAt = now;
      }
    },
    get shown() { return shown; },
  };
}

async function pollJob(jobId, { signal, els, status, view, wake }) {
  els.retryWrap.hidden = true;
  showMessage(els.error, "");
  const backoff = { delay: POLL_FIRST_MS, failures: 0 };
  const started = Date.now();
  try {
    for (;;) {
      let job;
      try {
        job = await api.getJob(jobId, { signal });
        backoff.failures = 0;
      } catch (error) {
        if (await retryAfter(error, backoff, { signal, els, status })) continue;
        return;
      }
      view.show(job);
      if (followsAfterDone(job)) {
        await followDone(jobId, job, { signal, view, wake });
        return;
      }
      if (job.status === "done" || job.status === "failed") return;
      if (Date.now() - started > POLL_GIVE_UP_MS) {
        showMessage(els.error, "This is taking longer than usual. Check again in a little while.");
        els.retryWrap.hidden = false;
        return;
      }
      await sleep(nextPoll(job, backoff, view), signal);
    }
  } catch (error) {
    if (signal.aborted) return; // sleep() rejects when the view goes away
    // A bug or a malformed job: say so rather than leave a half-drawn page.
    showMessage(els.error, "This result could not be shown. Reload the page to try again.");
    throw error;
  }
}

/**
 * A book done with its recording not whole: asked for again while the page is seen and the
 * listener waits on text not recorded yet or sections are queued (the same update as while it was
 * made: new parts join the player); stopped when neither, until the listener moves or plays on.
 */
async function followDone(jobId, job, { signal, view, wake }) {
  await followRecording({
    job,
    signal,
    ask: () => api.getJob(jobId, { signal }),
    show: (next) => view.show(next),
    isWanted: (last) => wanted({ job: last, waiting: view.waiting(), visible: document.visibilityState === "visible" }),
    pause: (ms) => wake.pause(ms),
  }).catch((error) => {
    // Cancelled, or a refusal (a deleted job): the recording made so far stays playable.
    if (signal.aborted || error?.status !== undefined || error?.handled) return;
    throw error;
  });
}

/** After a failed status request: waits and says true to try again, or says why and false. */
async function retryAfter(error, backoff, { signal, els, status }) {
  if (signal.aborted || error.handled) return false;
  const retryable = error.status === 0 || error.status === 429 || error.status >= 500;
  backoff.failures += 1;
  if (!retryable || backoff.failures >= MAX_FAILURES) {
    // Said once: a 404 in the status line alone, other failures with the reason below.
    if (error.status === 404) {
      status.set("error", "This file was not found. It may have been deleted.");
    } else {
      status.set("error", "Could not get this file's status.");
      showMessage(els.error, error.message);
    }
    els.retryWrap.hidden = error.status === 404;
    els.deleteWrap.hidden = error.status === 404;
    return false;
  }
  if (status.shown === null) status.set("checking", "Checking…");
  await sleep(error.retryAfter ? error.retryAfter * 1000 : backoff.delay, signal);
  backoff.delay = Math.min(backoff.delay * POLL_GROWTH, POLL_MAX_MS);
  return true;
}

/** How long to wait before asking again (the shown view sets the pace of a growing result). */
function nextPoll(job, backoff, view) {
  if (job.status === "processing" && job.result && view.growing()) {
    // The result is growing (pages read, the recording made part by part): keep up.
    return job.resultWasLarge ? Math.max(view.pollMs(), POLL_LARGE_RESULT_MS) : view.pollMs();
  }
  // Being read now: the text is seconds away, do not back off past it.
  if (job.status === "processing") return POLL_PROCESSING_MS;
  const delay = backoff.delay;
  backoff.delay = Math.min(delay * POLL_GROWTH, POLL_MAX_MS);
  return delay;
}

/** Shows each answer about the job with the view of its kind. */
function resultShower(root, { els, status, signal }) {
  let shownResult = false; // the text comes first (status processing), the recording after
  let shown = null; // what the view's show() returned: {update, pollMs} for views that grow

  function showDone(job, view) {
    const result = job.result || view.empty;
    status.set("done", view.doneText(result));
    if (shown?.update) shown.update(job, result);
    else if (shownResult) view.update(root, job, result, signal);
    else shown = view.show(root, job, result, signal);
    shownResult = true;
  }

  function showPartial(job, view, texts) {
    status.set("processing", view.progressText?.(job.result) || texts.partial || "Text ready. Making the recording…",
      view.progressStep?.(job.result) ?? null);
    if (shown?.update) shown.update(job, job.result);
    else if (!shownResult) shown = view.show(root, job, job.result, signal, { audioPending: true });
    shownResult = true;
  }

  function show(job) {
    const view = RESULT_VIEWS[job.kind || "page"] || plainView;
    showHeading(root, els, job, view);
    const texts = { ...STATUS_TEXT, ...view.statusText, ...(job.link ? LINK_TEXT : {}) };
    if (job.status === "done") showDone(job, view);
    else if (job.status === "processing" && job.result) showPartial(job, view, texts);
    else if (job.status === "failed") {
      status.set("failed", texts.failed);
      showMessage(els.error, errorText(job.error));
    } else {
      status.set(job.status, texts[job.status] || `Status: ${job.status}`);
    }
  }

  return {
    show,
    growing: () => Boolean(shown?.pollMs),
    pollMs: () => shown.pollMs(),
    /** The listener waits on recording not made yet (a book's place asked for, playback waiting). */
    waiting: () => Boolean(shown?.waiting?.()),
  };
}

function showHeading(root, els, job, view) {
  const { heading, line } = jobHeading(job);
  if (heading) {
    // Written only when it changes: the same answer every poll moves nothing.
    if (els.title.textContent !== heading) els.title.textContent = heading;
    const title = `${heading} · PageVoice`;
    if (document.title !== title) document.title = title;
  }
  showFileLine(els.title, line);
  els.deleteWrap.hidden = false;
  // A page read by link may be a web page or a PDF, not "this photo": the file it fetched.
  const deleteText = view.deleteText || (job.link ? LINK_DELETE_TEXT : null);
  if (deleteText) {
    root.querySelector("#job-delete").textContent = deleteText[0];
    root.querySelector("#job-delete-confirm-panel .confirm-text").textContent = deleteText[1];
  }
  root.querySelector("#result").dataset.kind = job.kind || "page";
}

/**
 * What a job's page is headed with: a document without pages (an HTML page, an EPUB...) its own
 * title once the API has it, with "File: name" under it; anything else its file's name. A job
 * read by link has "Link: address" under its heading (where it led, after redirects, once known).
 */
export function jobHeading(job) {
  const own = job?.result?.flow === true ? String(job.result.document?.title || "").trim() : "";
  const filename = job?.filename || "";
  const link = job?.link ? `Link: ${job.link_final || job.link}` : "";
  if (own) return { heading: own, line: link || (filename && own !== filename ? `File: ${filename}` : "") };
  return { heading: filename || job?.link || "", line: link };
}

/** The line under the heading, "File: moby-dick.html" (made once, hidden when there is none). */
function showFileLine(heading, text) {
  let line = heading.parentElement.querySelector("#job-file");
  if (!line && !text) return;
  if (!line) {
    line = document.createElement("p");
    line.className = "field-hint job-file";
    line.id = "job-file";
    line.dataset.testid = "job-file";
    heading.after(line);
  }
  if (line.textContent !== text) line.textContent = text;
  line.hidden = !text;
}

function setUpDelete(root, { jobId, signal, els, navigate }) {
  const yes = root.querySelector("#job-delete-confirm");
  confirmInline({
    trigger: root.querySelector("#job-delete"),
    panel: root.querySelector("#job-delete-confirm-panel"),
    yes,
    no: root.querySelector("#job-delete-cancel"),
    onConfirm: async () => {
      yes.disabled = true;
      try {
        await api.deleteJob(jobId, { signal });
      } catch (error) {
        if (signal.aborted || error.handled) return;
        yes.disabled = false;
        showMessage(els.error, error.message);
        return;
      }
      announce("Deleted.");
      navigate("#/app");
    },
  });
}

/** The note the dashboard left for a job it uploaded (see views/dashboard/upload.js rememberNote). */
export function uploadNote(jobId) {
  try { return sessionStorage.getItem(`pagevoice.note.${jobId}`) || ""; } catch { return ""; }
}

function errorText(error) {
  if (!error) return "Try another file, or upload this one again.";
  if (typeof error === "string") return error;
  return error.message || "Try another file, or upload this one again.";
}

const RESULT_VIEWS = { page: pageView, digits: digitsView, speech: speechView };
