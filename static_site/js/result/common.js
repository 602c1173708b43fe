// Pieces the result views share: the photo, copy and download of a text, and the recording.

import { announce, copyOrSelect, showMessage } from "../dom.js";
import { recordingCutShort } from "./messages.js";

/** The uploaded photo in #result-image, its box layer sized by the result's pixel space. */
export function showImage(root, job, result, signal, { what = "photo" } = {}) {
  const img = root.querySelector("#result-image");
  // width/height reserve the right shape before the photo arrives (CSS keeps the ratio).
  if (result.width && result.height) {
    img.width = result.width;
    img.height = result.height;
  }
  img.alt = `Your ${what}${job.filename ? `, ${job.filename}` : ""}`;
  img.addEventListener("error", () =>
    showMessage(root.querySelector("#job-error"), `The ${what} could not be loaded. Reload the page to try again.`),
  { signal });
  if (job.image_url) img.src = job.image_url;
  return img;
}

/** "Copy text": the clipboard, or else the text selected in `selectEl` for Ctrl+C. `text` may
 *  be a function giving the text at the time of copying (a result that grows). */
export function setUpCopy(button, text, selectEl, signal) {
  const current = typeof text === "function" ? text : () => text;
  button.disabled = !current();
  button.addEventListener("click", async () => {
    announce(await copyOrSelect(current(), selectEl)
      ? "Text copied."
      : "Could not copy automatically. The text is selected: press Ctrl+C to copy it.");
  }, { signal });
}

/** The file name of a download made from the upload's name: "letter.jpg" -> "letter.txt". */
export function downloadName(filename, ending) {
  const stem = (filename || "pagevoice").replace(/\.[^.]+$/, "") || "pagevoice";
  return `${stem}${ending}`;
}

/** Point a download link at `text`, made in the browser (revoked when the view goes away). */
export function setUpDownload(link, text, name, signal, type = "text/plain;charset=utf-8") {
  if (!text) { // nothing to download: say so instead of offering an empty file
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    link.tabIndex = -1;
    return;
  }
  link.removeAttribute("aria-disabled");
  link.removeAttribute("tabindex");
  const url = URL.createObjectURL(new Blob([text], { type }));
  link.href = url;
  link.download = name;
  signal.addEventListener("abort", () => URL.revokeObjectURL(url), { once: true });
}

/** The worker's recording (speech.wav) in the text panel's player, or why there is none. */
export function setUpAudio(root, audioUrl, signal, speech, { quiet = false, missing = "no text was found" } = {}) {
  const audio = root.querySelector("#result-audio");
  const note = root.querySelector("#audio-note");
  showMessage(note, "");
  if (speech && speech.complete === false) showMessage(note, recordingCutShort(speech.characters));
  if (!audioUrl) {
    audio.hidden = true;
    root.querySelector("#audio-title").hidden = quiet;
    if (!quiet) showMessage(note, `There is no recording: ${missing}.`);
    return;
  }
  audio.hidden = false;
  root.querySelector("#audio-title").hidden = false;
  audio.addEventListener("error", () =>
    showMessage(note, "The recording could not be loaded. Reload the page to try again."), { signal });
  audio.src = audioUrl;
  // Stop playback when leaving the view.
  signal.addEventListener("abort", () => audio.pause(), { once: true });
}

/** "99.7%", "0%", "<0.1%" for a probability or confidence in 0..1. */
export function percent(value) {
  const v = Number(value) * 100;
  if (!Number.isFinite(v) || v <= 0) return "0%";
  if (v < 0.1) return "<0.1%";
  if (v > 99.9 && v < 100) return ">99.9%";
  return `${v.toFixed(1).replace(/\.0$/, "")}%`;
}
