// The start page: what PageVoice does and reads, the way in (and a one-time message, as after
// deleting the account), and a file dropped or chosen here, read on the dashboard (after
// signing in, when needed).

import * as api from "../api.js";
import * as session from "../session.js";
import { showFlash } from "../dom.js";
import { keepFiles, touchOnly } from "../first-steps.js";
import { acceptOf } from "../upload.js";
import { listenForDrops, openOnEnter } from "./dashboard/sources.js";

export default {
  name: "landing",
  title: "Hear the words in your photos and documents",
  template: "tpl-landing",

  mount(root, { signal, navigate }) {
    showFlash(root.querySelector("#landing-message"), session.takeFlash()); // e.g. the account was deleted
    const signedIn = session.isSignedIn();
    for (const el of root.querySelectorAll("[data-when]")) {
      el.hidden = (el.dataset.when === "signed-in") !== signedIn;
    }
    mountTry(root, { signal, navigate, signedIn });
  },
};

function mountTry(root, { signal, navigate, signedIn }) {
  const input = root.querySelector("#landing-input");
  const status = root.querySelector("#landing-drop-status");
  if (touchOnly()) root.querySelector("#landing-drop-hint").textContent = "Choose a photo, a document or a recording to read it:";
  // Every kind's formats (the dashboard then picks the kind that reads the file).
  api.kinds({ signal }).then((body) => {
    input.accept = [...new Set(body.kinds.flatMap((kind) => acceptOf(kind).split(",")))].join(",");
  }).catch(() => { /* any file can be chosen; the dashboard says what it cannot read */ });

  function bring(files) {
    const [file] = files;
    if (!file) return;
    keepFiles(files);
    if (signedIn) {
      navigate("#/app");
      return;
    }
    session.setReturnTo("#/app");
    const what = files.length > 1 ? `${files.length} files are` : `“${file.name || "Your file"}” is`;
    status.textContent = `${what} ready to read: create a free account or log in, and PageVoice reads ${files.length > 1 ? "them" : "it"} straight away.`;
  }

  openOnEnter(input, { signal });
  input.addEventListener("change", () => {
    const files = [...(input.files || [])];
    input.value = "";
    bring(files);
  }, { signal });
  listenForDrops(root.querySelector("#landing-drop"), { signal, onFiles: bring });
}
