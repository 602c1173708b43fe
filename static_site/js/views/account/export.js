// An export of everything: POST /me/export starts it, GET /me/export is polled for its
// progress until the zip is ready, then a download link (presigned, short-lived) is offered.
// An export made (or being made) here is shown again when the page is opened later: GET
// /me/export would start one when there is none, so it is asked only while this browser
// remembers one that has not expired.

import * as api from "../../api.js";
import * as session from "../../session.js";
import { elementsOf, formatTime, parseTime, setBusy, showMessage, sleep } from "../../dom.js";
import { exportAnnouncement, exportFinished, exportLinkText, exportProgress, exportProgressText }
  from "../../account-text.js";

const POLL_MS = 2000;
const RETRIES = 3; // a dropped poll is tried again before the page gives up
const LINK_FRESH_MS = 12 * 60 * 1000; // the presigned link lasts 15 minutes: older ones are renewed
const KEPT_MS = 24 * 60 * 60 * 1000; // an export and its zip are kept a day

// This browser's note of the account's last export: { until } (ms), while it may still exist.
const noteKey = () => `pagevoice.export.${session.getUser()?.id || ""}`;
function remember(exp) {
  const until = Date.parse(exp.expires_at || "") || (Date.parse(exp.created_at || "") || Date.now()) + KEPT_MS;
  try {
    if (exp.status === "failed") localStorage.removeItem(noteKey()); // said once is enough
    else localStorage.setItem(noteKey(), JSON.stringify({ until }));
  } catch { /* only this visit then */ }
}
function remembered() {
  try {
    return (JSON.parse(localStorage.getItem(noteKey()) || "null")?.until || 0) > Date.now();
  } catch {
    return false;
  }
}

export function mountExport(root, { signal }) {
  const els = elementsOf(root, {
    start: "#export-start", wrap: "#export-progress-wrap", progress: "#export-progress",
    label: "#export-progress-label", status: "#export-status", ready: "#export-ready",
    link: "#export-download", note: "#export-note", error: "#export-error",
  });
  let linkTime = 0;

  function show(exp) {
    remember(exp);
    const finished = exportFinished(exp);
    els.wrap.hidden = finished;
    const progress = exportProgress(exp);
    if (progress) {
      els.progress.max = progress.max;
      els.progress.value = progress.value;
    } else {
      els.progress.removeAttribute("value"); // indeterminate until the number of files is known
    }
    els.label.textContent = exportProgressText(exp);
    els.ready.hidden = exp.status !== "ready";
    if (exp.status === "ready") showReady(exp);
    if (exp.status === "failed") showMessage(els.error, exportProgressText(exp));
  }

  function showReady(exp) {
    els.link.href = exp.url;
    els.link.textContent = exportLinkText(exp);
    linkTime = Date.now();
    const until = formatTime(parseTime(exp.expires_at));
    const left = exp.complete === false
      ? " Some files did not fit in one export: README.txt in the zip lists them." : "";
    showMessage(els.note, `${until ? `It can be downloaded until ${until}.` : ""}${left}`.trim());
  }

  async function follow(first) {
    let exp = first;
    let said = null;
    let failures = 0;
    for (;;) {
      show(exp);
      if (exp.status !== said) { els.status.textContent = exportAnnouncement(exp); said = exp.status; }
      if (exportFinished(exp)) return;
      await sleep(POLL_MS, signal);
      try {
        exp = (await api.getExport({ signal })).export;
        failures = 0;
      } catch (error) {
        const lasting = error.status > 0 && error.status < 500; // a refusal, not a hiccup
        if (signal.aborted || error.handled || lasting || ++failures > RETRIES) throw error;
      }
    }
  }

  async function run(first) {
    showMessage(els.error, "");
    showMessage(els.note, "");
    els.ready.hidden = true;
    setBusy(els.start, true, "Exporting…");
    try {
      await follow(await first());
    } catch (error) {
      if (signal.aborted || error.handled) return;
      els.wrap.hidden = true;
      els.status.textContent = "";
      showMessage(els.error, error.message);
    } finally {
      if (!signal.aborted) {
        setBusy(els.start, false);
        els.start.textContent = "Make a new export";
      }
    }
  }

  els.start.addEventListener("click", () => run(async () => (await api.startExport({ signal })).export), { signal });
  // Opened again (a reload, another visit): the export made before, ready or still being made.
  if (remembered()) run(async () => (await api.getExport({ signal })).export);

  renewStaleLinks(els, { signal, show, linkTime: () => linkTime });
}

// A link older than its lifetime is renewed first (the zip itself stays a day).
function renewStaleLinks(els, { signal, show, linkTime }) {
  els.link.addEventListener("click", async (event) => {
    if (Date.now() - linkTime() < LINK_FRESH_MS) return;
    event.preventDefault();
    try {
      const { export: exp } = await api.getExport({ signal });
      show(exp);
      if (exp.status === "ready") els.link.click();
    } catch (error) {
      if (!signal.aborted && !error.handled) showMessage(els.error, error.message);
    }
  }, { signal });
}
