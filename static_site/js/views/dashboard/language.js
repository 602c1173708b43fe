// The language of a new upload: "Detect automatically", or one of GET /languages that the
// chosen kind can use; remembered per kind. Without the list the choice is not offered and
// the API detects the language, so uploads never wait on it.

import * as api from "../../api.js";
import {
  AUTO, choiceLabel, choicesFor, optionLabel, remembered, storageKey, uploadLanguage, useOf,
} from "../../languages.js";

/**
 * `offer(kind)` fills the choice for a kind; `current()` is the `language` to send (or undefined);
 * `onChange()` after each fill and choice (the voices offered follow the language).
 */
export function mountLanguage(root, { signal, onChange = () => {} }) {
  const wrap = root.querySelector("#language-choice");
  const select = root.querySelector("#upload-language");
  let all = null; // GET /languages' rows, once known
  let kind = null;

  function fill() {
    const use = useOf(kind);
    const choices = all && kind ? choicesFor(all, use) : [];
    wrap.hidden = !choices.length;
    if (!choices.length) select.replaceChildren();
    else {
      root.querySelector("#upload-language-label").textContent = choiceLabel(use);
      select.replaceChildren(option(AUTO, "Detect automatically"), ...choices.map((c) => option(c.code, optionLabel(c))));
      select.value = remembered(stored(kind.name), choices);
    }
    onChange();
  }

  select.addEventListener("change", () => {
    try { localStorage.setItem(storageKey(kind.name), select.value); } catch { /* not kept: chosen for now */ }
    onChange();
  }, { signal });

  api.languages({ signal }).then((body) => {
    all = body.languages || [];
    fill();
  }).catch(() => { /* no choice offered: the API detects the language */ });

  return {
    offer(next) {
      kind = next;
      fill();
    },
    current: () => (wrap.hidden ? undefined : uploadLanguage(select.value)),
  };
}

function stored(kindName) {
  try { return localStorage.getItem(storageKey(kindName)); } catch { return null; }
}

function option(value, text) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = text;
  return el;
}
