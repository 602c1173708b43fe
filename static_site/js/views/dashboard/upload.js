// One file uploaded: checked (and a photo too large to read reduced), then POST /uploads and
// the file sent to storage with progress and Cancel, then on to the job's page.

import * as api from "../../api.js";
import { config } from "../../config.js";
import { announce, showMessage } from "../../dom.js";
import { checkFile, checkSizeOf, fileName, postToStorage, UploadError } from "../../upload.js";
import { shrinkIfNeeded } from "./images.js";

/** `start(file, {fromPack})` uploads a file; `busy()` says whether one is uploading. */
export function mountUpload(root, { signal, navigate, ready, kindOf, languageOf, errorEl, status, recorder, pack }) {
  const picker = root.querySelector("#upload-input");
  const progress = root.querySelector("#upload-progress");
  const progressLabel = root.querySelector("#upload-progress-label");
  let uploading = null; // AbortController of the upload in flight

  async function start(file, { fromPack = false } = {}) {
    if (uploading) {
      announce("A photo is already uploading. Wait for it to finish or cancel it.");
      return;
    }
    if (recorder.busy()) { // (a finished recording is no longer busy when it is uploaded)
      announce("Stop or discard the recording first.");
      return;
    }
    showMessage(errorEl, "");
    status.textContent = "";
    try {
      await ready;
    } catch {
      return; // said when the kinds could not be had
    }
    const prepared = await prepare(file, kindOf(), { errorEl, status });
    if (!prepared) return;
    if (!fromPack) pack.close(); // another file chosen instead (a failed document upload keeps its list)
    await send(prepared);
  }

  async function send({ file, contentType, note }) {
    const filename = fileName(file, contentType);
    uploading = new AbortController();
    const uploadSignal = anySignal(signal, uploading.signal);
    setUploading(true);
    status.textContent = `Preparing to upload ${filename}…`;
    let jobId = null;
    try {
      const asked = { filename, contentType, size: file.size, kind: kindOf().name, language: languageOf() };
      const created = await api.createUpload(asked, { signal: uploadSignal });
      jobId = created.job_id;
      if (note) rememberNote(jobId, note);
      status.textContent = note ? `${note} Uploading ${filename}…` : `Uploading ${filename}…`;
      progressLabel.textContent = `Uploading ${filename}`;
      await postToStorage(created.upload, file, filename, {
        signal: uploadSignal,
        timeoutMs: config.uploadTimeoutMs,
        // The attribute (not just the property) so tests can observe progress with a MutationObserver.
        onProgress: (fraction) => progress.setAttribute("value", String(Math.round(fraction * 100))),
      });
      status.textContent = "Upload complete. Reading it…";
      uploading = null;
      navigate(`#/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      failed(error, jobId);
    }
  }

  function failed(error, jobId) {
    const cancelled = uploading?.signal.aborted;
    uploading = null;
    if (signal.aborted) return; // left the page
    setUploading(false);
    if (cancelled) {
      status.textContent = "Upload cancelled.";
      // The job record was created; do not leave it behind as "uploading".
      if (jobId) api.deleteJob(jobId).catch(() => {});
      picker.focus();
      return;
    }
    if (error.handled) return; // 401: already on the way to the login page
    status.textContent = "";
    showMessage(errorEl, error instanceof UploadError || error instanceof api.ApiError
      ? error.message
      : "The upload failed. Please try again.");
  }

  function setUploading(on) {
    root.querySelector("#upload-progress-wrap").hidden = !on;
    progress.setAttribute("value", "0");
    picker.disabled = on;
    for (const id of ["#camera-input", "#upload-language"]) root.querySelector(id).disabled = on;
    recorder.disable(on);
    root.querySelector("#drop-zone").classList.toggle("is-busy", on);
  }

  root.querySelector("#upload-cancel").addEventListener("click", () => uploading?.abort(), { signal });

  return { start, busy: () => Boolean(uploading) };
}

/**
 * The file to send and its type. A photo too large to read (a 48 MP phone photo) is reduced
 * here rather than refused after a long upload. Null once a refusal has been shown.
 */
async function prepare(file, kind, { errorEl, status }) {
  try {
    let contentType = await checkFile(file, kind, { checkSize: false });
    status.textContent = "";
    let note = "";
    const reduced = await shrinkIfNeeded(file, contentType, kind);
    if (reduced) ({ file, note, type: contentType } = reduced);
    checkSizeOf(file, kind);
    return { file, contentType, note };
  } catch (error) {
    status.textContent = "";
    showMessage(errorEl, error instanceof UploadError ? error.message : "This file could not be prepared for upload. Please try another.");
    return null;
  }
}

/** The dashboard's note for the job page ("Photo reduced from 48 MP ..."), for this tab. */
function rememberNote(jobId, note) {
  try { sessionStorage.setItem(`pagevoice.note.${jobId}`, note); } catch { /* not kept: only shown here */ }
}

function anySignal(...signals) {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) { controller.abort(s.reason); break; }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
