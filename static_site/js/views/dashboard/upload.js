// One file uploaded: checked (and a photo too large to read reduced), then POST /uploads and
// the file sent to storage with progress and Cancel, then on to the job's page.

import * as api from "../../api.js";
import { config } from "../../config.js";
import { announce, showMessage } from "../../dom.js";
import { sendParts } from "../../multipart.js";
import { getUser } from "../../session.js";
import { checkFile, checkSizeOf, fileName, postToStorage, UploadError } from "../../upload.js";
import { shrinkIfNeeded } from "./images.js";
import * as resume from "./resume.js";

/** `start(file, {fromPack})` uploads a file; `busy()` says whether one is uploading. */
export function mountUpload(root, { signal, navigate, ready, kindOf, languageOf, voice, errorEl, status, recorder, pack }) {
  const picker = root.querySelector("#upload-input");
  const progress = root.querySelector("#upload-progress");
  const progressLabel = root.querySelector("#upload-progress-label");
  let uploading = null; // AbortController of the upload in flight
  let multipartOf = null; // {file} while a multipart upload is in flight

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
    multipartOf = null;
    try {
      const asked = {
        filename, contentType, size: file.size, kind: kindOf().name, language: languageOf(), voice: voice.current(),
      };
      await transfer(file, asked, {
        note, signal: uploadSignal, status, progress, progressLabel,
        onJob: (id, parted) => { jobId = id; multipartOf = parted ? { file } : null; },
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
    const parted = multipartOf;
    uploading = null;
    multipartOf = null;
    if (signal.aborted) return; // left the page (a multipart upload is resumed when the file is chosen again)
    setUploading(false);
    if (cancelled) {
      status.textContent = "Upload cancelled.";
      // The job record was created; do not leave it behind as "uploading" (its parts go with it).
      if (jobId) api.deleteJob(jobId).catch(() => {});
      if (parted) resume.forget(parted.file);
      picker.focus();
      return;
    }
    if (error.handled) return; // 401: already on the way to the login page
    status.textContent = "";
    showMessage(errorEl, failure(error, Boolean(parted)));
  }

  function setUploading(on) {
    root.querySelector("#upload-progress-wrap").hidden = !on;
    progress.setAttribute("value", "0");
    picker.disabled = on;
    for (const id of ["#camera-input", "#upload-language"]) root.querySelector(id).disabled = on;
    voice.disable(on);
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
    checkSizeOf(file, kind, contentType);
    return { file, contentType, note };
  } catch (error) {
    status.textContent = "";
    showMessage(errorEl, error instanceof UploadError ? error.message : "This file could not be prepared for upload. Please try another.");
    return null;
  }
}

/**
 * The job and its file sent: a multipart upload under way for this file goes on where it stopped,
 * else POST /uploads, then the presigned POST or (a file over the multipart threshold) the parts.
 * `onJob(jobId, multipart)` as soon as the job is known.
 */
async function transfer(file, asked, { note, signal, status, progress, progressLabel, onJob }) {
  // The attribute (not just the property) so tests can observe progress with a MutationObserver.
  const onProgress = (fraction) => progress.setAttribute("value", String(Math.round(fraction * 100)));
  const owner = { user: getUser()?.id, kind: asked.kind };
  const resumed = await resumable(file, owner, signal);
  const created = resumed || await api.createUpload(asked, { signal });
  const jobId = created.job_id;
  const multipart = created.upload.multipart;
  onJob(jobId, Boolean(multipart));
  if (note) rememberNote(jobId, note);
  const name = asked.filename;
  status.textContent = resumed ? `Going on with the upload of ${name} where it stopped…`
    : note ? `${note} Uploading ${name}…` : `Uploading ${name}…`;
  progressLabel.textContent = `Uploading ${name}`;
  if (!multipart) {
    await postToStorage(created.upload, file, name, { signal, timeoutMs: config.uploadTimeoutMs, onProgress });
    return;
  }
  resume.remember(file, { ...owner, jobId });
  await sendBook(multipart, file, name, { jobId, signal, onProgress, status });
  resume.forget(file);
}

/** What a failed upload says; a multipart one can go on where it stopped. */
function failure(error, resumable) {
  const message = error instanceof UploadError || error instanceof api.ApiError
    ? error.message
    : "The upload failed. Please try again.";
  return resumable ? `${message} What was sent is kept: choose the same file again to go on from where it stopped.` : message;
}

/** A multipart upload's parts, then its completion; the progress said politely every quarter. */
async function sendBook(multipart, file, filename, { jobId, signal, onProgress, status }) {
  let said = 0;
  await sendParts(multipart, file, {
    signal,
    timeoutMs: config.uploadTimeoutMs,
    refresh: () => api.uploadParts(jobId, { signal }).then((answer) => answer.multipart),
    onProgress: (fraction) => {
      onProgress(fraction);
      const quarter = Math.floor(fraction * 4) * 25;
      if (quarter > said) {
        said = quarter;
        announce(`${filename}: ${quarter}% uploaded.`);
      }
    },
  });
  status.textContent = `All of ${filename} is sent. Putting it together…`;
  await api.completeUpload(jobId, { signal });
}

/**
 * The upload of this file that a dropped connection or a closed tab left under way (remembered
 * by resume.js): {job_id, upload: {multipart}} with what S3 lacks, or null to start anew.
 */
async function resumable(file, owner, signal) {
  const jobId = resume.recall(file, owner);
  if (!jobId) return null;
  try {
    const answer = await api.uploadParts(jobId, { signal });
    return { job_id: jobId, upload: { multipart: answer.multipart } };
  } catch (error) {
    if (error.handled || signal.aborted) throw error;
    resume.forget(file); // finished, deleted or dropped meanwhile: a new upload
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
