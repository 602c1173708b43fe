// The "Record" button and the recorder panel (level, timer, Stop): the recording is uploaded
// like a chosen file when it stops, or when it reaches the kind's largest size or length.

import { announce, formatBytes, showMessage } from "../../dom.js";
import { canRecord, startRecording } from "./microphone.js";
import { clock } from "../../result/subtitles.js";

export function mountRecorder(root, { signal, kindOf, upload, errorEl, status }) {
  const button = root.querySelector("#record-start");
  const stopButton = root.querySelector("#record-stop");
  const panel = recorderPanel(root, () => recording);
  let recording = null;
  let starting = false;
  let offered = false;

  function showPanel(on) {
    panel.show(on);
    button.hidden = on || !offered;
  }

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
        onLevel: panel.level,
        onLimit: (reason) => { announce(limitMessage(reason, kind)); finish(); },
      });
    } catch (error) {
      refuse(error, { status, errorEl, button });
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
      refuse(error, { status, errorEl, button });
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
  root.querySelector("#record-cancel").addEventListener("click", () => { drop("Recording discarded."); button.focus(); },
    { signal });
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

function refuse(error, { status, errorEl, button }) {
  status.textContent = "";
  showMessage(errorEl, error.message);
  button.disabled = false;
  button.focus();
}

/** The panel shown while recording: its timer and sound level. */
function recorderPanel(root, current) {
  const panel = root.querySelector("#recorder");
  const timer = root.querySelector("#record-timer");
  const meter = root.querySelector("#level");
  let clockTimer = 0;
  return {
    show(on) {
      panel.hidden = !on;
      root.querySelector("#upload-input").disabled = on; // one thing at a time
      clearInterval(clockTimer);
      if (on) {
        timer.textContent = "0:00";
        clockTimer = setInterval(() => { timer.textContent = clock(current()?.elapsed() || 0); }, 250);
      } else {
        meter.value = 0;
      }
    },
    level(value) { meter.value = value; },
  };
}

function limitMessage(reason, kind) {
  return reason === "time"
    ? `The recording reached the longest PageVoice accepts (${clock(kind.max_seconds)}): uploading it now.`
    : `The recording reached the largest file PageVoice accepts (${formatBytes(kind.max_bytes)}): uploading it now.`;
}
