// Several photos picked (or dropped) at once: listed in the order chosen, which can be changed,
// then made into one PDF here (a page per photo) and uploaded as one document. Formats the
// browser cannot draw (HEIC, TIFF) and PDFs go on their own.

import { announce, formatBytes, showMessage } from "../../dom.js";
import { checkFile } from "../../upload.js";
import { PACKABLE, packPdf } from "./pdf.js";

export function mountPack(root, { signal, kindOf, upload, errorEl, status, busy }) {
  const panel = root.querySelector("#pack");
  const list = root.querySelector("#pack-list");
  const title = root.querySelector("#pack-title");
  const send = root.querySelector("#pack-upload");
  let photos = []; // {file, type}
  let making = false;

  async function open(files) {
    showMessage(errorEl, "");
    status.textContent = "";
    const checked = await checkPhotos(files, kindOf(), errorEl);
    if (!checked) return;
    photos = checked;
    render();
    panel.hidden = false;
    title.focus();
    announce(`${photos.length} photos, in the order chosen, will be uploaded as one document of ${photos.length} pages. Move them to change the order, then upload.`);
  }

  function render(focus = null) {
    title.textContent = `${photos.length} photos as one document`;
    send.textContent = `Upload ${photos.length} pages as one document`;
    list.replaceChildren(...photos.map((photo, i) =>
      packItem(photo, i, photos.length, (action) => act(action, i), signal)));
    if (focus) focusAfter(list, send, focus);
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

  async function make() {
    if (making || busy() || !photos.length) return;
    making = true;
    send.disabled = true;
    showMessage(errorEl, "");
    try {
      const pdf = await packPhotos(photos, kindOf(), status);
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
  }

  send.addEventListener("click", make, { signal });
  root.querySelector("#pack-cancel").addEventListener("click", () => {
    close();
    status.textContent = "The photos were not uploaded.";
    root.querySelector("#upload-input").focus();
  }, { signal });

  return { open, close };
}

/** The photos with their types, or null once a refusal has been shown. */
async function checkPhotos(files, kind, errorEl) {
  const checked = [];
  for (const file of files) {
    let type;
    try {
      type = await checkFile(file, kind, { checkSize: false });
    } catch (error) {
      showMessage(errorEl, error.message);
      return null;
    }
    if (!PACKABLE.includes(type)) {
      showMessage(errorEl, refusal(file, type));
      return null;
    }
    checked.push({ file, type });
  }
  if (kind.max_pages && checked.length > kind.max_pages) {
    showMessage(errorEl, `A document can have at most ${kind.max_pages} pages: choose fewer photos.`);
    return null;
  }
  return checked;
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

function packPhotos(photos, kind, status) {
  const stem = (photos[0].file.name || "document").replace(/\.[^.]+$/, "") || "document";
  status.textContent = `Making one PDF of ${photos.length} pages…`;
  return packPdf(photos, {
    name: `${stem} (${photos.length} pages).pdf`,
    maxBytes: kind.max_bytes,
    onProgress: (done, total) => { status.textContent = `Making one PDF: page ${done} of ${total}…`; },
  });
}

/** One photo's row: its name and size, and buttons to move it or take it out. */
function packItem(photo, i, count, act, signal) {
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
    b.addEventListener("click", () => act(action), { signal });
    return b;
  };
  buttons.append(button("Move up", "up", i === 0), button("Move down", "down", i === count - 1),
    button("Remove", "remove", false));
  row.append(name, buttons);
  item.append(row);
  return item;
}

/** Keep focus on the moved or next photo's button, so moving again is one more key press. */
function focusAfter(list, send, [index, action]) {
  const item = list.children[Math.max(0, Math.min(index, list.children.length - 1))];
  const target = item?.querySelector(`[data-action="${action}"]:not(:disabled)`)
    || item?.querySelector("button:not(:disabled)") || send;
  target.focus();
}
