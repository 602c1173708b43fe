// The "Speakers" section of a speech result with several voices (CONTRACTS section 17): a row
// per speaker (colour, what they are called, how long they spoke) with a name field and
// Rename. A rename is PATCHed (`PATCH /jobs/{id}/speakers`); on success the view renames them
// everywhere at once (`onRenamed`) and it is said. A refusal is shown beside its field, as
// the site's other forms show theirs; any other failure under the list.

import { announce, showMessage } from "../dom.js";
import { nameSpeakers } from "../api.js";
import { length } from "./subtitles.js";
import { cleanName, labelText, nameProblem, namesOf, renamedText, speakerRows } from "./speakers.js";
import { colourClass, renameIn } from "./speaker-turns.js";

// A label as part of an element id (labels are "S1", "S2"...; anything else is made safe).
const idPart = (id) => String(id).replace(/[^A-Za-z0-9_-]/g, "_");

/** `names()` the names in force; `onRenamed(id, names)` after the API took a rename. */
export function mountSpeakers(root, { jobId, signal, names, onRenamed }) {
  const els = {
    section: root.querySelector("#speakers"),
    list: root.querySelector("#speaker-list"),
    error: root.querySelector("#speakers-error"),
  };
  let shown = "";
  let speakers = [];

  /** The list for `result` (hidden without speakers); drawn again only when the speakers change. */
  function show(result, { done }) {
    const rows = done ? speakerRows(result, names()) : [];
    els.section.hidden = !rows.length;
    const key = JSON.stringify(rows);
    if (key === shown) return;
    shown = key;
    speakers = result.speakers || [];
    els.list.replaceChildren(...rows.map((row) => speakerRow(row, speakers)));
  }

  els.list.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target.closest("form[data-speaker]");
    if (form) rename(form);
  }, { signal });
  els.list.addEventListener("input", (event) => {
    const form = event.target.closest("form[data-speaker]");
    if (form && event.target.getAttribute("aria-invalid") === "true") setError(form, "");
  }, { signal });

  async function rename(form) {
    const id = form.dataset.speaker;
    const input = form.elements.namedItem("name");
    const button = form.querySelector("button");
    const before = names()[id] || labelText(id);
    const problem = nameProblem(input.value, { hadName: Boolean(names()[id]) });
    showMessage(els.error, "");
    if (problem) {
      setError(form, problem);
      input.focus();
      return;
    }
    const name = cleanName(input.value) || null;
    const focused = document.activeElement === button; // (a disabled button loses the focus: given back after)
    busy(button, true);
    try {
      const answer = await nameSpeakers(jobId, { [id]: name }, { signal });
      done(form, id, namesAfter(answer, id, name), before);
    } catch (error) {
      if (signal.aborted || error.handled) return;
      if (error.status === 400) {
        setError(form, error.message);
        input.focus();
      } else {
        showMessage(els.error, error.message);
      }
    } finally {
      if (!signal.aborted) busy(button, false);
      if (focused && !signal.aborted && document.activeElement === document.body) button.focus();
    }
  }

  /** The names the API answered: shown in the row, then everywhere else, and said. */
  function done(form, id, next, before) {
    setError(form, "");
    form.elements.namedItem("name").value = next[id] || "";
    renameIn(els.list, id, next[id] || labelText(id));
    onRenamed(id, next);
    announce(renamedText(id, before, next[id]));
  }

  /** The names in force after a rename: the answer's ({speakers, speaker_names}), else what was sent. */
  function namesAfter(answer, id, name) {
    if (answer?.speakers || answer?.speaker_names) return namesOf({ speakers: answer.speakers || speakers }, answer.speaker_names);
    const next = { ...names() };
    if (name) next[id] = name;
    else delete next[id];
    return next;
  }

  return { show };
}

/** A speaker's row: swatch, name, time spoken, and the rename form labelled with the speaker's label. */
function speakerRow(row, speakers) {
  const item = document.createElement("li");
  item.className = `speaker-item ${colourClass(row.id, speakers)}`;
  item.dataset.testid = "speaker-item";
  item.dataset.speaker = row.id;
  const field = `speaker-name-${idPart(row.id)}`;
  item.innerHTML = `
    <p class="speaker-who"><span class="speaker-swatch" aria-hidden="true"></span>
      <span class="speaker-name" data-speaker-name=""></span>
      <span class="speaker-seconds" data-testid="speaker-seconds"></span></p>
    <form class="speaker-form" novalidate>
      <label class="speaker-field-label" for="${field}">Name<span class="visually-hidden"> for </span></label>
      <input class="speaker-field" id="${field}" name="name" type="text" autocomplete="off" spellcheck="false"
             aria-describedby="${field}-error">
      <button type="submit" class="button button-small" data-testid="speaker-rename">Rename<span
        class="visually-hidden"> </span></button>
      <p class="field-error" id="${field}-error" data-field="name" data-testid="speaker-error"></p>
    </form>`;
  const label = labelText(row.id);
  const name = item.querySelector(".speaker-name");
  name.dataset.speakerName = row.id;
  name.textContent = row.label;
  item.querySelector(".speaker-seconds").textContent = `spoke for ${length(row.seconds)}`;
  item.querySelector("label .visually-hidden").append(label);
  item.querySelector("button .visually-hidden").append(label);
  const form = item.querySelector("form");
  form.dataset.speaker = row.id;
  form.querySelector("input").value = row.name || "";
  return item;
}

/** dom.js's setBusy without its text swap: the button's text holds the speaker's label for screen readers. */
function busy(button, on) {
  button.disabled = on;
  button.setAttribute("aria-busy", String(on));
}

function setError(form, message) {
  const input = form.elements.namedItem("name");
  form.querySelector(".field-error").textContent = message || "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
