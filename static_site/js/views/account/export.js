// An export of everything: POST /me/export starts it, GET /me/export is polled for its
// progress until the zip is ready, then a download link (presigned, short-lived) is offered.

import * as api from "../../api.js";
import { elementsOf, formatTime, parseTime, setBusy, showMessage, sleep } from "../../dom.js";
import { exportAnnouncement, exportFinished, exportLinkText, exportProgress, exportProgressText }
  from "../../account-text.js";

const POLL_MS = 2000;
const RETRIES = 3; // a dropped poll is tried again before the page gives up
const LINK_FRESH_MS = 12 * 60 * 1000; // the presigned link lasts 15 minutes: older ones are renewed

export function mountExport(root, { signal }) {
  const els = elementsOf(root, {
    start: "#export-start", wrap: "#export-progress-wrap", progress: "#export-progress",
    label: "#export-progress-label", status: "#export-status", ready: "#export-ready",
    link: "#export-download", note: "#export-note", error: "#export-error",
  });
  let linkTime = 0;

  function show(exp) {
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

  els.start.addEventListener("click", async () => {
    showMessage(els.error, "");
    showMessage(els.note, "");
    els.ready.hidden = true;
    setBusy(els.start, true, "Exporting…");
    try {
      await follow((await api.startExport({ signal })).export);
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
  }, { signal });

  // A link older than its lifetime is renewed first (the zip itself stays a day).
  els.link.addEventListener("click", async (event) => {
    if (Date.now() - linkTime < LINK_FRESH_MS) return;
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
