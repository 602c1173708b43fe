// The result of any other kind (one without a view of its own here): its text with copy and
// download, its recording if it has one, and its output files as links.

import { showMessage } from "../../dom.js";
import { downloadName, setUpAudio, setUpCopy, setUpDownload } from "../common.js";

export const plainView = {
  empty: { text: "" },
  doneText: (result) => (result.text ? "Done." : "Done: there is no text."),
  show(root, job, result, signal, { audioPending = false } = {}) {
    const panel = root.querySelector("#result");
    if (!panel.hidden) return;
    panel.hidden = false;
    root.querySelector(".result-image-panel").hidden = true;
    const text = root.querySelector("#result-text");
    text.textContent = result.text || "There is no text.";
    text.classList.toggle("is-empty", !result.text);
    const files = root.querySelector("#result-files");
    files.replaceChildren(...Object.entries(job.outputs || {}).map(([name, href]) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = href;
      link.textContent = name;
      link.download = name;
      item.append(link);
      return item;
    }));
    files.hidden = !files.children.length;
    setUpTextActions(root, result.text || "", job.filename, signal);
    if (audioPending) showMessage(root.querySelector("#audio-note"), "Making the recording…");
    else setUpAudio(root, job.audio_url, signal, result.speech, { quiet: true });
  },
  // The recording arrived after the result was shown (status processing, then done).
  update(root, job, result, signal) {
    setUpAudio(root, job.audio_url, signal, result.speech);
  },
};

function setUpTextActions(root, text, filename, signal) {
  setUpCopy(root.querySelector("#copy-text"), text, root.querySelector("#result-text"), signal);
  setUpDownload(root.querySelector("#download-text"), text, downloadName(filename, ".txt"), signal);
}
