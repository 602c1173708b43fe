// The result of a `speech` job (CONTRACTS section 9): the recording itself (the upload, at the
// job's image_url), what was said as words that light up while they are heard (select one to
// listen from there), the command word of a short clip, and the text as .txt, .srt and .vtt.

import { rovingKeys, scrollWithin, showMessage } from "../../dom.js";
import { downloadName, percent, setUpCopy, setUpDownload } from "../common.js";
import { showSpokenLanguage } from "../language.js";
import { timingAt } from "../model.js";
import { clock, length, toSrt, toText, toVtt } from "../subtitles.js";

// A word stays lit through a short pause after it, so the highlight does not flicker between words.
const HOLD_SECONDS = 0.6;

export const speechView = {
  empty: { text: "", segments: [], keyword: null },
  statusText: {
    uploading: "Waiting for the recording to arrive…",
    queued: "In the queue: PageVoice will listen to your recording in a moment…",
    processing: "Listening to the recording…",
    partial: "Listening to the recording…",
    failed: "PageVoice could not listen to this recording.",
  },
  deleteText: ["Delete this recording", "Delete this recording and its text?"],
  doneText(result) {
    const count = wordList(result).length || (result.text ? result.text.trim().split(/\s+/).length : 0);
    if (!count) return "Done: nothing was said.";
    return `Done: ${count} word${count === 1 ? "" : "s"} heard.`;
  },
  show: showSpeech,
  update() { /* nothing comes later: the upload is the recording */ },
};

function wordList(result) {
  return (result.segments || []).flatMap((s) => (s.words || []).filter((w) => String(w.text || "").trim()));
}

export function keywordText(keyword) {
  if (!keyword || !keyword.label) return "";
  if (keyword.label === "unknown") return "Command: not one of the command words";
  if (keyword.label === "silence") return "Command: none (only silence was heard)";
  const sure = typeof keyword.confidence === "number" ? ` (${percent(keyword.confidence)})` : "";
  return `Command: ${keyword.label}${sure}`;
}

function showSpeech(root, job, result, signal) {
  const panel = root.querySelector("#result");
  if (!panel.hidden) return; // already shown
  panel.hidden = false;
  root.querySelector(".result-image-panel").hidden = true;
  root.querySelector(".result-text-panel").hidden = true;
  root.querySelector("#speech-panel").hidden = false;

  // The recording: the upload itself.
  const audio = root.querySelector("#speech-audio");
  const audioNote = root.querySelector("#speech-audio-note");
  if (job.image_url) {
    audio.addEventListener("error", () => showMessage(audioNote,
      "This browser cannot play the recording, or it could not be loaded. The text below is still yours."),
    { signal });
    audio.src = job.image_url;
    findDuration(audio, signal);
    signal.addEventListener("abort", () => audio.pause(), { once: true });
  } else {
    audio.hidden = true;
    showMessage(audioNote, "The recording is not available.");
  }

  // The command word of a short clip.
  const keyword = root.querySelector("#keyword");
  keyword.textContent = keywordText(result.keyword);
  keyword.hidden = !keyword.textContent;
  if (result.keyword?.label) keyword.dataset.label = result.keyword.label;

  // A recording the worker had no time to finish.
  const note = root.querySelector("#speech-note");
  if (result.complete === false) {
    const upTo = typeof result.transcribed_s === "number" ? `the first ${length(result.transcribed_s)}` : "part";
    const of = typeof result.duration_s === "number" ? ` of this ${length(result.duration_s)} recording` : " of this recording";
    showMessage(note, `PageVoice wrote down ${upTo}${of}: the rest took too long. ` +
      "Upload the rest as a recording of its own to get its text.");
  } else {
    showMessage(note, "");
  }

  // What was said, word by word.
  const transcript = root.querySelector("#transcript");
  const text = String(result.text || "").trim();
  const buttons = renderTranscript(transcript, result);
  root.querySelector("#transcript-hint").hidden = !buttons.length;
  if (!text && !buttons.length) {
    transcript.textContent = "Nothing was said.";
    transcript.classList.add("is-empty");
  }
  followPlayback(audio, transcript, buttons, signal);
  showSpokenLanguage(root, { result, named: job.language, signal });

  // Copy and downloads.
  const plain = toText(result);
  setUpCopy(root.querySelector("#copy-transcript"), plain.trim(), transcript, signal);
  const links = {
    txt: root.querySelector("#download-transcript-txt"),
    srt: root.querySelector("#download-transcript-srt"),
    vtt: root.querySelector("#download-transcript-vtt"),
  };
  const hasText = Boolean(plain.trim());
  for (const link of Object.values(links)) link.hidden = !hasText;
  if (hasText) {
    setUpDownload(links.txt, plain, downloadName(job.filename, ".txt"), signal);
    setUpDownload(links.srt, toSrt(result.segments), downloadName(job.filename, ".srt"), signal,
      "application/x-subrip;charset=utf-8");
    setUpDownload(links.vtt, toVtt(result.segments), downloadName(job.filename, ".vtt"), signal,
      "text/vtt;charset=utf-8");
  }
}

/**
 * A recording made by MediaRecorder (WebM) has no duration in its header: the player shows
 * none and cannot seek well. Seeking far past the end makes the browser read to the end and
 * learn it; then it goes back to the start.
 */
function findDuration(audio, signal) {
  audio.addEventListener("loadedmetadata", () => {
    if (audio.duration !== Infinity) return;
    audio.addEventListener("durationchange", function back() {
      if (audio.duration === Infinity) return;
      audio.removeEventListener("durationchange", back);
      audio.currentTime = 0;
    }, { signal });
    audio.currentTime = 1e101;
  }, { once: true, signal });
}

/** One paragraph per segment (its time first), one button per word; returns the buttons. */
function renderTranscript(container, result) {
  container.replaceChildren();
  const buttons = [];
  for (const segment of result.segments || []) {
    const words = (segment.words || []).filter((w) => String(w.text || "").trim());
    const text = String(segment.text || "").trim();
    if (!words.length && !text) continue;
    const p = document.createElement("p");
    p.className = "transcript-segment";
    const time = document.createElement("span");
    time.className = "segment-time";
    time.textContent = clock(segment.start);
    p.append(time, " ");
    if (!words.length) p.append(text); // no word timings: the segment's text as it is
    words.forEach((word, i) => {
      if (i) p.append(" ");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "t-word";
      button.dataset.testid = "transcript-word";
      button.dataset.start = String(word.start);
      button.dataset.end = String(word.end);
      button.dataset.index = String(buttons.length);
      if (typeof word.confidence === "number") button.dataset.confidence = String(word.confidence);
      button.textContent = String(word.text).trim();
      button.setAttribute("aria-label", `${button.textContent}, at ${clock(word.start)}`);
      button.tabIndex = buttons.length ? -1 : 0;
      p.append(button);
      buttons.push(button);
    });
    container.append(p);
  }
  if (!buttons.length && String(result.text || "").trim() && !container.children.length) {
    container.textContent = String(result.text).trim();
  }
  return buttons;
}

/** Light the word being heard; select a word to listen from its start; arrows move among words. */
function followPlayback(audio, container, buttons, signal) {
  if (!buttons.length) return;
  const timings = buttons.map((b) => ({ start: Number(b.dataset.start), end: Number(b.dataset.end) }));
  let current = -1;
  let frame = 0;

  function at(t) {
    // The last word that has started, while it is heard (or just after).
    const found = timingAt(timings, t);
    if (found >= 0 && t > timings[found].end + HOLD_SECONDS) return -1;
    return found;
  }

  function light(index) {
    if (index === current) return;
    if (current >= 0) {
      buttons[current].classList.remove("is-current");
      buttons[current].removeAttribute("aria-current");
    }
    current = index;
    if (index >= 0) {
      const b = buttons[index];
      b.classList.add("is-current");
      b.setAttribute("aria-current", "true");
      scrollWithin(container, b);
    }
  }

  const sync = () => light(audio.currentTime > 0 || !audio.paused ? at(audio.currentTime) : -1);
  const tick = () => {
    sync();
    frame = audio.paused || audio.ended ? 0 : requestAnimationFrame(tick);
  };
  audio.addEventListener("play", () => { if (!frame) frame = requestAnimationFrame(tick); }, { signal });
  for (const type of ["timeupdate", "seeked", "pause"]) audio.addEventListener(type, sync, { signal });
  audio.addEventListener("ended", () => light(-1), { signal });
  signal.addEventListener("abort", () => cancelAnimationFrame(frame), { once: true });

  function playFrom(button) {
    const start = Number(button.dataset.start);
    try {
      audio.currentTime = start;
    } catch { /* not seekable yet: play from where it is */ }
    light(Number(button.dataset.index));
    const played = audio.play();
    if (played?.catch) played.catch(() => { /* blocked or no source: the word is still selected */ });
  }

  function setStop(button) {
    for (const b of buttons) b.tabIndex = b === button ? 0 : -1;
  }

  for (const button of buttons) {
    button.addEventListener("click", () => { setStop(button); playFrom(button); }, { signal });
    button.addEventListener("keydown", (event) => rovingKeys(buttons, button, event, setStop), { signal });
  }
}

