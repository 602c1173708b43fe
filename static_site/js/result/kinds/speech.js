// The result of a `speech` job (CONTRACTS section 9): the recording itself (the upload, at the
// job's image_url), what was said in paragraphs of words that light up while they are heard
// (transcript.js: select one to listen from there, steps by sentence and chapter, a long
// recording's chapters), the command word of a short clip, and the text as .txt, .srt and
// .vtt. A long recording's transcript grows while its windows are transcribed. Several voices
// (CONTRACTS section 17): each turn under its speaker's name, steps by turn, the speakers
// named in the "Speakers" list (speaker-list.js) and in the exports.

import { showMessage } from "../../dom.js";
import { downloadName, percent, setUpCopy, setUpDownload } from "../common.js";
import { showSpokenLanguage } from "../language.js";
import { length, toSrt, toText, toVtt } from "../subtitles.js";
import { mountTranscript, wordList } from "../transcript.js";
import { hasSpeakers, namesOf } from "../speakers.js";
import { mountSpeakers } from "../speaker-list.js";

const POLL_GROWING_MS = 3000; // a long recording's windows take tens of seconds each

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
  progressText(result) {
    const progress = result?.document?.progress;
    if (!progress || typeof progress.seconds !== "number") return "";
    const left = typeof progress.seconds_left === "number" && progress.seconds_transcribed > 0
      ? `, about ${length(Math.max(60, progress.seconds_left))} left` : "";
    return `Listening to the recording: ${length(progress.seconds_transcribed || 0)} of ${length(progress.seconds)} written down${left}…`;
  },
  show: showSpeech,
  update() { /* a short recording's result comes whole: show() drew it */ },
};

export function keywordText(keyword) {
  if (!keyword || !keyword.label) return "";
  if (keyword.label === "unknown") return "Command: not one of the command words";
  if (keyword.label === "silence") return "Command: none (only silence was heard)";
  const sure = typeof keyword.confidence === "number" ? ` (${percent(keyword.confidence)})` : "";
  return `Command: ${keyword.label}${sure}`;
}

function showSpeech(root, job, result, signal) {
  const panel = root.querySelector("#result");
  if (!panel.hidden) return null; // already shown
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

  const transcript = mountTranscript(root, audio, signal);
  const shown = { job, result, names: namesOf(result, job.speaker_names) };
  const exports = setUpExports(root, signal);
  const speakers = mountSpeakers(root, {
    jobId: job.job_id,
    signal,
    names: () => shown.names,
    onRenamed(id, names) { // the new name everywhere at once: the transcript, the copy, the files
      shown.names = names;
      transcript.rename(id, names);
      exports.make(shown.job, shown.result, shown.names);
    },
  });
  const draw = (now, current) => {
    Object.assign(shown, { job: now, result: current, names: namesOf(current, now.speaker_names) });
    showNote(root, current, now.status === "processing");
    drawText(root, now, current, { transcript, exports, names: shown.names });
    speakers.show(current, { done: now.status === "done" });
  };
  draw(job, result);
  showSpokenLanguage(root, { result, named: job.language, signal });
  return {
    update(next, nextResult) { draw(next, nextResult || result); },
    pollMs: () => POLL_GROWING_MS,
  };
}

/** What the transcript lacks: a long recording still being written down, or cut short. */
function showNote(root, result, growing) {
  const note = root.querySelector("#speech-note");
  const failed = result.document?.failed || [];
  if (growing) {
    const upTo = typeof result.transcribed_s === "number" && result.transcribed_s > 0
      ? `The first ${length(result.transcribed_s)} are written down below` : "The first minutes will appear below";
    showMessage(note, `${upTo}; the rest follows as PageVoice listens.`);
  } else if (failed.length) {
    showMessage(note, failed.join(" "));
  } else if (result.complete === false) {
    const upTo = typeof result.transcribed_s === "number" ? `the first ${length(result.transcribed_s)}` : "part";
    const of = typeof result.duration_s === "number" ? ` of this ${length(result.duration_s)} recording` : " of this recording";
    showMessage(note, `PageVoice wrote down ${upTo}${of}: the rest took too long. ` +
      "Upload the rest as a recording of its own to get its text.");
  } else {
    showMessage(note, "");
  }
}

/** What was said, word by word, and its copy and downloads (once the text is whole). */
function drawText(root, job, result, { transcript, exports, names }) {
  const box = root.querySelector("#transcript");
  const growing = job.status === "processing";
  const buttons = transcript.draw(result, names);
  if (!String(result.text || "").trim() && !buttons.length) {
    box.textContent = growing ? "" : "Nothing was said.";
    box.classList.toggle("is-empty", !growing);
  }
  exports.make(job, result, names);
}

/**
 * "Copy text" and the .txt/.srt/.vtt links, made again (`make`) for each answer and each rename:
 * off while the text grows; with speakers, their names in them.
 */
function setUpExports(root, signal) {
  const box = root.querySelector("#transcript");
  const copy = root.querySelector("#copy-transcript");
  const links = {
    txt: root.querySelector("#download-transcript-txt"),
    srt: root.querySelector("#download-transcript-srt"),
    vtt: root.querySelector("#download-transcript-vtt"),
  };
  let plain = "";
  setUpCopy(copy, () => plain.trim(), box, signal);
  let made = new AbortController(); // the files' URLs of the last making, revoked when made again
  signal.addEventListener("abort", () => made.abort(), { once: true });

  function make(job, result, names) {
    if (job.status === "processing") {
      plain = "";
      copy.disabled = true;
      for (const link of Object.values(links)) link.hidden = true;
      return;
    }
    const who = hasSpeakers(result) ? names : undefined; // one voice: the files as they always were
    plain = toText(result, who);
    copy.disabled = !plain.trim();
    const hasText = Boolean(plain.trim());
    for (const link of Object.values(links)) link.hidden = !hasText;
    if (!hasText) return;
    made.abort();
    made = new AbortController();
    setUpDownload(links.txt, plain, downloadName(job.filename, ".txt"), made.signal);
    setUpDownload(links.srt, toSrt(result.segments, who), downloadName(job.filename, ".srt"), made.signal,
      "application/x-subrip;charset=utf-8");
    setUpDownload(links.vtt, toVtt(result.segments, who), downloadName(job.filename, ".vtt"), made.signal,
      "text/vtt;charset=utf-8");
  }
  return { make };
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
