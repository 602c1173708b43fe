// Dashboard: greeting, a new upload (picker, camera, drag and drop, paste, or for recordings
// the microphone) and the history.

import * as api from "../api.js";
import * as session from "../session.js";
import { config } from "../config.js";
import { announce, formatBytes, showMessage } from "../dom.js";
import { acceptOf, checkFile, fileName, formatNames, postToStorage, UploadError } from "../upload.js";
import { canRecord, startRecording } from "../recorder.js";
import { clock } from "../subtitles.js";
import { mountHistory } from "./history.js";

export default {
  name: "dashboard",
  title: "Your photos",
  template: "tpl-dashboard",
  requiresAuth: true,

  mount(root, { signal, navigate }) {
    showName(root);
    // Refresh the name (and check the session) in the background.
    api.me({ signal }).then((user) => {
      if (!user) return;
      session.setUser(user);
      showName(root);
    }).catch(() => { /* 401 is handled globally; other failures keep the stored name */ });

    mountUpload(root, { signal, navigate });
    mountHistory(root, { signal });
  },
};

function showName(root) {
  const user = session.getUser();
  root.querySelector("#user-name").textContent = user?.name || "there";
}

function mountUpload(root, { signal, navigate }) {
  const picker = root.querySelector("#upload-input");
  const camera = root.querySelector("#camera-input");
  const zone = root.querySelector("#drop-zone");
  const progressWrap = root.querySelector("#upload-progress-wrap");
  const progress = root.querySelector("#upload-progress");
  const progressLabel = root.querySelector("#upload-progress-label");
  const cancel = root.querySelector("#upload-cancel");
  const status = root.querySelector("#upload-status");
  const errorEl = root.querySelector("#upload-error");

  const chooser = root.querySelector("#kind-choice");
  const limits = root.querySelector("#upload-limits");
  let kinds = [];
  let kind = null; // the kind of job the next upload makes (GET /kinds)

  function choose(name) {
    kind = kinds.find((k) => k.name === name) || kinds[0];
    picker.accept = acceptOf(kind);
    limits.textContent = `${formatNames(kind)} files up to ${formatBytes(kind.max_bytes)}.`;
    const images = kind.content_types.some((t) => t.startsWith("image/"));
    const audio = kind.content_types.some((t) => t.startsWith("audio/"));
    // The camera makes photos: offer it where the kind reads images; the microphone where it
    // reads recordings.
    camera.closest(".file-button").hidden = !images;
    root.querySelector("#upload-label").textContent = images ? "Choose a photo" : audio ? "Choose a recording" : "Choose a file";
    root.querySelector("#drop-hint").textContent = images ? "Drop a photo here, paste one (Ctrl+V), or:"
      : audio ? "Drop a recording here, or:" : "Drop a file here, or:";
    recorder.offer(audio);
  }

  const ready = api.kinds({ signal }).then((body) => {
    kinds = body.kinds;
    chooser.replaceChildren(...kinds.map((k) => kindOption(k, k.name === body.default)));
    chooser.closest("fieldset").hidden = kinds.length < 2; // nothing to choose from
    chooser.addEventListener("change", (event) => choose(event.target.value), { signal });
    choose(body.default);
  }).catch((error) => {
    if (signal.aborted) return;
    showMessage(errorEl, `PageVoice could not be reached to prepare uploads (${error.message}). Reload the page to try again.`);
    throw error;
  });

  let uploading = null; // AbortController of the upload in flight
  const recorder = mountRecorder(root, { signal, kindOf: () => kind, upload: (file) => start(file), errorEl, status });

  async function start(file) {
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
    let contentType;
    try {
      await ready;
    } catch {
      return; // said above
    }
    try {
      contentType = await checkFile(file, kind);
    } catch (error) {
      showMessage(errorEl, error.message);
      return;
    }

    const filename = fileName(file, contentType);
    uploading = new AbortController();
    const uploadSignal = anySignal(signal, uploading.signal);
    setUploading(true);
    status.textContent = `Preparing to upload ${filename}…`;
    let jobId = null;
    try {
      const created = await api.createUpload({ filename, contentType, size: file.size, kind: kind.name },
        { signal: uploadSignal });
      jobId = created.job_id;
      status.textContent = `Uploading ${filename}…`;
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
  }

  function setUploading(on) {
    progressWrap.hidden = !on;
    progress.setAttribute("value", "0");
    picker.disabled = on;
    camera.disabled = on;
    recorder.disable(on);
    zone.classList.toggle("is-busy", on);
  }

  cancel.addEventListener("click", () => uploading?.abort(), { signal });

  for (const input of [picker, camera]) {
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      input.value = ""; // so choosing the same file again fires change again
      if (file) start(file);
    }, { signal });
  }

  // Drag and drop anywhere on the page, highlighted on the zone. Without preventDefault on
  // the document a photo dropped beside the zone would replace the page.
  let dragDepth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    dragDepth += 1;
    zone.classList.add("is-dragging");
  }, { signal });
  document.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) zone.classList.remove("is-dragging");
  }, { signal });
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, { signal });
  document.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    zone.classList.remove("is-dragging");
    const files = [...event.dataTransfer.files];
    if (files.length > 1) announce("Only the first photo is read.");
    if (files[0]) start(files[0]);
  }, { signal });

  // Paste an image from the clipboard (a screenshot, a copied photo).
  document.addEventListener("paste", (event) => {
    const items = [...(event.clipboardData?.items || [])];
    const item = items.find((it) => it.kind === "file" && it.type.startsWith("image/"))
      || items.find((it) => it.kind === "file");
    const file = item?.getAsFile();
    if (!file) return; // plain text pastes go where they were meant to
    event.preventDefault();
    start(file);
  }, { signal });
}

/**
 * The "Record" button and the recorder panel (level, timer, Stop): the recording is uploaded
 * like a chosen file when it stops, or when it reaches the kind's largest size or length.
 */
function mountRecorder(root, { signal, kindOf, upload, errorEl, status }) {
  const button = root.querySelector("#record-start");
  const panel = root.querySelector("#recorder");
  const timer = root.querySelector("#record-timer");
  const level = root.querySelector("#level");
  const stopButton = root.querySelector("#record-stop");
  const discard = root.querySelector("#record-cancel");
  let recording = null;
  let starting = false;
  let clockTimer = 0;

  function showPanel(on) {
    panel.hidden = !on;
    root.querySelector("#upload-input").disabled = on; // one thing at a time
    button.hidden = on || !offered;
    clearInterval(clockTimer);
    if (on) {
      timer.textContent = "0:00";
      clockTimer = setInterval(() => { timer.textContent = clock(recording?.elapsed() || 0); }, 250);
    } else {
      level.value = 0;
    }
  }

  let offered = false;
  async function begin() {
    if (recording || starting) return;
    starting = true;
    button.disabled = true;
    showMessage(errorEl, "");
    status.textContent = "Asking to use the microphone…";
    const kind = kindOf();
    try {
      recording = await startRecording({
        accepted: kind.content_types,
        maxBytes: kind.max_bytes,
        maxSeconds: kind.max_seconds || Infinity,
        onLevel: (value) => { level.value = value; },
        onLimit: (reason) => {
          announce(reason === "time"
            ? `The recording reached the longest PageVoice accepts (${clock(kind.max_seconds)}): uploading it now.`
            : `The recording reached the largest file PageVoice accepts (${formatBytes(kind.max_bytes)}): uploading it now.`);
          finish();
        },
      });
    } catch (error) {
      status.textContent = "";
      showMessage(errorEl, error.message);
      button.disabled = false;
      button.focus();
      return;
    } finally {
      starting = false;
    }
    if (signal.aborted) { recording.cancel(); return; }
    showPanel(true);
    status.textContent = "Recording. Press “Stop and upload” when you have finished.";
    stopButton.focus();
  }

  async function finish() {
    const current = recording;
    if (!current) return;
    recording = null;
    let file;
    try {
      file = await current.stop();
    } catch (error) {
      showPanel(false);
      status.textContent = "";
      showMessage(errorEl, error.message);
      button.disabled = false;
      button.focus();
      return;
    }
    showPanel(false);
    button.disabled = false;
    upload(file);
  }

  function drop(message) {
    if (!recording) return;
    recording.cancel();
    recording = null;
    showPanel(false);
    button.disabled = false;
    status.textContent = message;
  }

  button.addEventListener("click", begin, { signal });
  stopButton.addEventListener("click", finish, { signal });
  discard.addEventListener("click", () => { drop("Recording discarded."); button.focus(); }, { signal });
  // Leaving the page turns the microphone off.
  signal.addEventListener("abort", () => recording?.cancel(), { once: true });

  return {
    /** Offer recording for a kind that reads audio (and stop one for a kind that does not). */
    offer(on) {
      offered = on && canRecord();
      if (!on) drop("");
      button.hidden = !offered || Boolean(recording);
    },
    disable(on) { button.disabled = on; },
    busy: () => Boolean(recording || starting),
  };
}

function kindOption(kind, checked) {
  const label = document.createElement("label");
  label.className = "kind-option";
  const input = document.createElement("input");
  input.type = "radio";
  input.name = "kind";
  input.value = kind.name;
  input.checked = checked;
  input.dataset.testid = `kind-${kind.name}`;
  const text = document.createElement("span");
  text.textContent = kind.label;
  label.append(input, text);
  return label;
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types || [])].includes("Files");
}

function anySignal(...signals) {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) { controller.abort(s.reason); break; }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
