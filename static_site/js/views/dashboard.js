// Dashboard: greeting, a new upload (picker, camera, drag and drop, paste, or for recordings
// the microphone) and the history.

import * as api from "../api.js";
import * as session from "../session.js";
import { config } from "../config.js";
import { announce, formatBytes, showMessage } from "../dom.js";
import { acceptOf, checkFile, checkSizeOf, fileName, formatNames, postToStorage, takesDocuments, UploadError } from "../upload.js";
import { shrinkIfNeeded } from "../images.js";
import { PACKABLE, packPdf } from "../pdf.js";
import { canRecord, startRecording } from "../recorder.js";
import { clock } from "../subtitles.js";
import { mountHistory } from "./history.js";

export default {
  name: "dashboard",
  title: "Your files",
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
    // A kind that reads documents takes several photos at once (made into one PDF here).
    const documents = takesDocuments(kind);
    picker.multiple = documents;
    root.querySelector("#upload-documents-hint").hidden = !documents;
    root.querySelector("#upload-label").textContent = documents ? "Choose photos or a PDF"
      : images ? "Choose a photo" : audio ? "Choose a recording" : "Choose a file";
    root.querySelector("#drop-hint").textContent = documents ? "Drop photos or a PDF here, paste a photo (Ctrl+V), or:"
      : images ? "Drop a photo here, paste one (Ctrl+V), or:"
        : audio ? "Drop a recording here, or:" : "Drop a file here, or:";
    if (!documents) pack.close();
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
  const pack = mountPack(root, { signal, kindOf: () => kind, upload: (file) => start(file, { fromPack: true }),
    errorEl, status, busy: () => Boolean(uploading) });

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
    let contentType;
    try {
      await ready;
    } catch {
      return; // said above
    }
    let note = "";
    try {
      contentType = await checkFile(file, kind, { checkSize: false });
      // A photo too large to read (a 48 MP phone photo) is reduced here rather than refused
      // after a long upload.
      status.textContent = "";
      const reduced = await shrinkIfNeeded(file, contentType, kind);
      if (reduced) {
        ({ file, note } = { file: reduced.file, note: reduced.note });
        contentType = reduced.type;
      }
      checkSizeOf(file, kind);
    } catch (error) {
      status.textContent = "";
      showMessage(errorEl, error instanceof UploadError ? error.message : "This file could not be prepared for upload. Please try another.");
      return;
    }
    if (!fromPack) pack.close(); // another file chosen instead (a failed document upload keeps its list)

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

  // One file is uploaded; several photos become one document (when the kind reads documents).
  function chosen(files) {
    if (files.length > 1 && takesDocuments(kind)) pack.open(files);
    else if (files.length > 1) {
      announce("Only the first photo is read.");
      start(files[0]);
    } else if (files[0]) start(files[0]);
  }

  for (const input of [picker, camera]) {
    input.addEventListener("change", () => {
      const files = [...(input.files || [])];
      input.value = ""; // so choosing the same file again fires change again
      ready.then(() => chosen(files), () => {});
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
    ready.then(() => chosen(files), () => {});
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

/** The dashboard's note for the job page ("Photo reduced from 48 MP ..."), for this tab. */
function rememberNote(jobId, note) {
  try { sessionStorage.setItem(`pagevoice.note.${jobId}`, note); } catch { /* not kept: only shown here */ }
}

/**
 * Several photos picked (or dropped) at once: listed in the order chosen, which can be changed,
 * then made into one PDF here (a page per photo) and uploaded as one document. Formats the
 * browser cannot draw (HEIC, TIFF) and PDFs go on their own.
 */
function mountPack(root, { signal, kindOf, upload, errorEl, status, busy }) {
  const panel = root.querySelector("#pack");
  const list = root.querySelector("#pack-list");
  const title = root.querySelector("#pack-title");
  const send = root.querySelector("#pack-upload");
  const cancel = root.querySelector("#pack-cancel");
  let photos = []; // {file, type}
  let making = false;

  async function open(files) {
    showMessage(errorEl, "");
    status.textContent = "";
    const kind = kindOf();
    const checked = [];
    for (const file of files) {
      let type;
      try {
        type = await checkFile(file, kind, { checkSize: false });
      } catch (error) {
        showMessage(errorEl, error.message);
        return;
      }
      if (!PACKABLE.includes(type)) {
        showMessage(errorEl, refusal(file, type));
        return;
      }
      checked.push({ file, type });
    }
    if (kind.max_pages && checked.length > kind.max_pages) {
      showMessage(errorEl, `A document can have at most ${kind.max_pages} pages: choose fewer photos.`);
      return;
    }
    photos = checked;
    render();
    panel.hidden = false;
    title.focus();
    announce(`${photos.length} photos, in the order chosen, will be uploaded as one document of ${photos.length} pages. Move them to change the order, then upload.`);
  }

  function refusal(file, type) {
    const name = file.name || "This file";
    if (type === "image/heic" || type === "image/heif") {
      return `“${name}” is a HEIC photo, which this browser cannot put into a document. Upload it on its own, or choose JPEG or PNG photos.`;
    }
    if (type === "application/pdf") return `“${name}” is a PDF: upload it on its own (it is a document already).`;
    if (type === "image/tiff") return `“${name}” is a TIFF, which this browser cannot put into a document. Upload it on its own.`;
    return `“${name}” cannot be put into a document. Upload it on its own.`;
  }

  function render(focus = null) {
    title.textContent = `${photos.length} photos as one document`;
    send.textContent = `Upload ${photos.length} pages as one document`;
    list.replaceChildren(...photos.map((photo, i) => {
      const item = document.createElement("li");
      item.className = "pack-item";
      item.dataset.testid = "pack-item";
      item.dataset.name = photo.file.name;
      const row = document.createElement("div");
      row.className = "pack-row";
      const name = document.createElement("span");
      name.className = "pack-name";
      name.textContent = photo.file.name || `Photo ${i + 1}`;
      const size = document.createElement("span");
      size.className = "pack-size";
      size.textContent = ` (${formatBytes(photo.file.size)})`;
      name.append(size);
      const buttons = document.createElement("span");
      buttons.className = "pack-buttons";
      const button = (label, action, disabled) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "button button-small button-quiet";
        b.textContent = label;
        b.dataset.action = action;
        b.setAttribute("aria-label", `${label}: ${photo.file.name || `photo ${i + 1}`}`);
        b.disabled = disabled;
        b.addEventListener("click", () => act(action, i), { signal });
        return b;
      };
      buttons.append(button("Move up", "up", i === 0), button("Move down", "down", i === photos.length - 1),
        button("Remove", "remove", false));
      row.append(name, buttons);
      item.append(row);
      return item;
    }));
    if (focus) {
      const [index, action] = focus;
      const item = list.children[Math.max(0, Math.min(index, list.children.length - 1))];
      const target = item?.querySelector(`[data-action="${action}"]:not(:disabled)`)
        || item?.querySelector("button:not(:disabled)") || send;
      target.focus();
    }
  }

  function act(action, i) {
    if (action === "remove") {
      const [gone] = photos.splice(i, 1);
      if (photos.length === 0) { close(); announce("No photos left."); return; }
      render([i, "remove"]);
      announce(`${gone.file.name} removed. ${photos.length} page${photos.length === 1 ? "" : "s"} left.`);
      return;
    }
    const j = action === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= photos.length) return;
    [photos[i], photos[j]] = [photos[j], photos[i]];
    render([j, action]);
    announce(`${photos[j].file.name} is now page ${j + 1} of ${photos.length}.`);
  }

  function close() {
    panel.hidden = true;
    photos = [];
    list.replaceChildren();
  }

  send.addEventListener("click", async () => {
    if (making || busy() || !photos.length) return;
    const kind = kindOf();
    making = true;
    send.disabled = true;
    showMessage(errorEl, "");
    const stem = (photos[0].file.name || "document").replace(/\.[^.]+$/, "") || "document";
    try {
      status.textContent = `Making one PDF of ${photos.length} pages…`;
      const pdf = await packPdf(photos, {
        name: `${stem} (${photos.length} pages).pdf`,
        maxBytes: kind.max_bytes,
        onProgress: (done, total) => { status.textContent = `Making one PDF: page ${done} of ${total}…`; },
      });
      if (signal.aborted) return;
      await upload(pdf);
    } catch (error) {
      if (signal.aborted) return;
      status.textContent = "";
      showMessage(errorEl, error.message || "The document could not be made. Please try again.");
    } finally {
      making = false;
      send.disabled = false;
    }
  }, { signal });
  cancel.addEventListener("click", () => {
    close();
    status.textContent = "The photos were not uploaded.";
    root.querySelector("#upload-input").focus();
  }, { signal });

  return { open, close };
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
