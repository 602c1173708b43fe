// The choice of what a new upload is (GET /kinds), and the upload form that follows from it.

import * as api from "../../api.js";
import { showMessage } from "../../dom.js";
import { touchOnly } from "../../first-steps.js";
import { acceptOf, kindFor, limitsSentence, takesDocuments, takesTexts } from "../../upload.js";

/**
 * Fills the chooser from the API and calls `onChoose(kind)` for the default and each change.
 * `ready` settles when the kinds are known (rejects, with the message shown, when they are not);
 * `chooseFor(file)` then chooses a kind that reads the file (the one chosen, if it does).
 */
export function mountKinds(root, { signal, errorEl, onChoose }) {
  const chooser = root.querySelector("#kind-choice");
  let kinds = [];
  let kind = null;

  function choose(name) {
    kind = kinds.find((k) => k.name === name) || kinds[0];
    onChoose(kind);
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

  function chooseFor(file) {
    const fits = kindFor(kinds, file, kind);
    if (!fits || fits === kind) return;
    const radio = [...chooser.querySelectorAll("input")].find((input) => input.value === fits.name);
    if (radio) radio.checked = true;
    choose(fits.name);
  }

  return { ready, current: () => kind, chooseFor };
}

/** Labels, hints and inputs for a kind; says whether it takes documents and recordings. */
export function showKind(root, kind) {
  const picker = root.querySelector("#upload-input");
  picker.accept = acceptOf(kind);
  root.querySelector("#upload-limits").textContent = limitsSentence(kind);
  const images = kind.content_types.some((t) => t.startsWith("image/"));
  const audio = kind.content_types.some((t) => t.startsWith("audio/"));
  // The camera makes photos: offer it where the kind reads images.
  root.querySelector("#camera-input").closest(".file-button").hidden = !images;
  // A kind that reads documents takes several photos at once (made into one PDF here).
  const documents = takesDocuments(kind);
  picker.multiple = documents;
  root.querySelector("#upload-documents-hint").hidden = !documents;
  // Documents of text too (Word, EPUB, web pages, Markdown, plain text): "a document" says both.
  const what = takesTexts(kind) ? "a document" : "a PDF";
  root.querySelector("#upload-label").textContent = documents ? `Choose photos or ${what}`
    : images ? "Choose a photo" : audio ? "Choose a recording" : "Choose a file";
  // Without a mouse there is nothing to drop and no Ctrl+V: the buttons say it all.
  const hint = root.querySelector("#drop-hint");
  hint.hidden = touchOnly();
  hint.textContent = documents ? `Drop photos or ${what} here, paste a photo (Ctrl+V), or:`
    : images ? "Drop a photo here, paste one (Ctrl+V), or:"
      : audio ? "Drop a recording here, or:" : "Drop a file here, or:";
  return { documents, audio };
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
