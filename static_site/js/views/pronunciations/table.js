// The pronunciations' table: a row per entry (written, spoken, whole word, match case, Try it,
// Remove), numbered so each field and button says which entry it is; errors beside their field
// (aria-describedby) and aria-invalid on it. Each form holds its limit as it is typed, in
// characters as the server counts them (no maxLength: it counts UTF-16 units, half as many emoji).

import { cloneTemplate } from "../../dom.js";
import { holdToLimit, NEW_ENTRY } from "./entries.js";

const FIELDS = ["written", "spoken"];
let made = 0; // ids stay unique while rows come and go

export function createTable(root, { signal, limits, onChange }) {
  const body = root.querySelector("#lexicon-rows");
  const empty = root.querySelector("#lexicon-empty");
  const canSpeak = typeof window.speechSynthesis !== "undefined" && typeof window.SpeechSynthesisUtterance === "function";

  function rows() { return [...body.querySelectorAll("tr")]; }

  function renumber() {
    rows().forEach((row, i) => {
      const n = i + 1;
      row.dataset.index = String(i);
      for (const el of row.querySelectorAll(".entry-number")) el.textContent = ` (entry ${n})`;
      row.querySelector('[data-action="remove"]').setAttribute("aria-label", `Remove entry ${n}`);
      row.querySelector('[data-action="try"]').setAttribute("aria-label", `Try it: entry ${n}`);
    });
    empty.hidden = rows().length > 0;
  }

  function add(entry = NEW_ENTRY) {
    const row = makeRow(entry);
    row.querySelector('[data-action="try"]').hidden = !canSpeak;
    body.append(row);
    renumber();
    return row;
  }

  function remove(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    return next;
  }

  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    if (button.dataset.action === "try") say(row.querySelector('input[name="spoken"]').value);
    else {
      const next = remove(row);
      onChange({ removed: true });
      (next?.querySelector('[data-action="remove"]') || root.querySelector("#lexicon-add")).focus();
    }
  }, { signal });
  body.addEventListener("input", (event) => {
    const input = event.target;
    if (FIELDS.includes(input.name) && !event.isComposing) hold(input, limits()[input.name]);
    const row = event.target.closest("tr");
    if (row && event.target.getAttribute("aria-invalid") === "true") setError(row, event.target.name, "");
    onChange({});
  }, { signal });
  // What an input method composed is held once it is chosen (not while it is being composed).
  body.addEventListener("compositionend", (event) => {
    if (FIELDS.includes(event.target.name)) hold(event.target, limits()[event.target.name]);
  }, { signal });

  return {
    add,
    rows,
    entries: () => rows().map(entryOf),
    set(entries) {
      body.replaceChildren();
      for (const entry of entries) add(entry);
      renumber();
    },
    /** Shows each row's errors ([{written?, spoken?}]); the first field in error, or null. */
    showErrors(errors) {
      let first = null;
      rows().forEach((row, i) => {
        for (const field of FIELDS) {
          const message = errors[i]?.[field] || "";
          setError(row, field, message);
          if (message && !first) first = row.querySelector(`input[name="${field}"]`);
        }
      });
      return first;
    },
    setError,
  };
}

function hold(input, limit) {
  const held = holdToLimit(input.value, input.selectionStart ?? input.value.length, limit);
  if (held.value === input.value) return;
  input.value = held.value;
  input.setSelectionRange(held.caret, held.caret);
}

/** A row for `entry`, its labels and error slots tied to its fields by unique ids. */
function makeRow(entry) {
  const row = cloneTemplate("tpl-lexicon-row");
  const id = `lex-${++made}`;
  for (const input of row.querySelectorAll("input")) {
    const name = input.name;
    input.id = `${id}-${name}`;
    row.querySelector(`label[data-for="${name}"]`).htmlFor = input.id;
    const slot = row.querySelector(`.field-error[data-field="${name}"]`);
    if (slot) {
      slot.id = `${input.id}-error`;
      input.setAttribute("aria-describedby", slot.id);
    }
    if (input.type === "checkbox") input.checked = Boolean(entry[name]);
    else input.value = entry[name] ?? "";
  }
  return row;
}

function entryOf(row) {
  const value = (name) => row.querySelector(`input[name="${name}"]`);
  return {
    written: value("written").value,
    spoken: value("spoken").value,
    whole_word: value("whole_word").checked,
    match_case: value("match_case").checked,
  };
}

function setError(row, field, message) {
  const input = row.querySelector(`input[name="${field}"]`);
  row.querySelector(`.field-error[data-field="${field}"]`).textContent = message || "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** "Try it": the spoken form in the browser's own voice (only a hint of PageVoice's). */
function say(text) {
  const spoken = text.trim();
  if (!spoken) return;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(spoken));
}
