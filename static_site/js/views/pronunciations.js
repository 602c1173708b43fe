// Pronunciations (#/pronunciations): the account's lexicon (GET/PUT /me/lexicon), what the voice
// says for a written form. Add, edit and remove in a table, then Save (the whole list is
// replaced); import a JSON file (checked, then saved at once) or export the saved list. The
// limits are shown and checked before saving; a refusal from the server goes beside the entry
// it names. Its parts live in ./pronunciations/.

import * as api from "../api.js";
import { announce, elementsOf, setBusy, showMessage } from "../dom.js";
import {
  checkEntries, cleanEntry, DEFAULT_LIMITS, entryNamed, exportText, IMPORT_MAX_BYTES, limitsOf, limitsText, parseImport,
  problemsText,
} from "./pronunciations/entries.js";
import { createTable } from "./pronunciations/table.js";
import { plural } from "../result/messages.js";

export default {
  name: "pronunciations",
  title: "Pronunciations",
  template: "tpl-pronunciations",
  requiresAuth: true,

  mount(root, { signal }) {
    const els = elementsOf(root, {
      form: "#lexicon-form", add: "#lexicon-add", save: "#lexicon-save", status: "#lexicon-status",
      error: "#lexicon-error", limits: "#lexicon-limits", importInput: "#lexicon-import", exportButton: "#lexicon-export",
      ioStatus: "#lexicon-io-status", ioError: "#lexicon-io-error",
    });
    const state = { limits: { ...DEFAULT_LIMITS }, saved: [], loaded: false };
    const table = createTable(root, {
      signal,
      limits: () => state.limits,
      onChange: () => { if (state.loaded) unsaved(els.status); },
    });
    const page = { root, els, state, table, signal };
    els.limits.textContent = limitsText(state.limits);
    setUpEditing(page);
    setUpImportExport(page);
    load(page);
  },
};

function showSaved(page, answer) {
  const { els, state, table } = page;
  state.limits = limitsOf(answer);
  state.saved = (answer?.entries || []).map(cleanEntry);
  els.limits.textContent = limitsText(state.limits);
  table.set(state.saved);
  state.loaded = true;
  els.add.disabled = false;
  els.save.disabled = false;
  els.exportButton.disabled = false;
}

async function load(page) {
  const { els, signal } = page;
  els.status.textContent = "Loading your pronunciations…";
  try {
    const answer = await api.getLexicon({ signal });
    showSaved(page, answer);
    els.status.textContent = countText(page.state.saved.length);
  } catch (error) {
    if (signal.aborted || error.handled) return;
    els.status.textContent = "";
    showMessage(els.error, error.message);
  }
}

function countText(n) {
  if (!n) return "You have no pronunciations yet.";
  return n === 1 ? "You have 1 pronunciation." : `You have ${n.toLocaleString()} pronunciations.`;
}

// Written once, not on each key: a status region says each change of its text.
function unsaved(status) {
  const text = "Changes not saved yet.";
  if (status.textContent !== text) status.textContent = text;
}

function setUpEditing(page) {
  const { els, state, table, signal } = page;
  els.add.addEventListener("click", () => {
    if (table.rows().length >= state.limits.entries) {
      showMessage(els.error, `You have ${state.limits.entries.toLocaleString()} pronunciations: that is the limit.`);
      return;
    }
    showMessage(els.error, "");
    table.add().querySelector('input[name="written"]').focus();
    unsaved(els.status);
  }, { signal });

  els.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const entries = table.entries();
    const checked = checkEntries(entries, state.limits);
    const first = table.showErrors(checked.errors);
    showMessage(els.error, problemsText(checked));
    if (first || checked.list) { (first || els.add).focus(); return; }
    await save(page, entries.map(cleanEntry), { button: els.save, done: (n) => `Saved. ${countText(n)}` });
  }, { signal });
}

/** PUT the list; true when saved. A refusal naming an entry is shown beside it (when it is in the table). */
async function save(page, entries, { button, done, errorEl = page.els.error, inTable = true }) {
  const { els, table, signal } = page;
  showMessage(els.error, "");
  showMessage(els.ioError, "");
  setBusy(button, true, "Saving…");
  try {
    const answer = await api.putLexicon(entries, { signal });
    showSaved(page, answer);
    els.status.textContent = "";
    (inTable ? els.status : els.ioStatus).textContent = done(page.state.saved.length);
    return true;
  } catch (error) {
    if (signal.aborted || error.handled) return false;
    const named = inTable && error.status === 400 ? entryNamed(error, table.rows().length) : null;
    if (named) {
      const row = table.rows()[named.index];
      table.setError(row, named.field, error.message);
      row.querySelector(`input[name="${named.field}"]`).focus();
      announce(error.message);
    } else {
      showMessage(errorEl, error.message);
    }
    return false;
  } finally {
    if (!signal.aborted) setBusy(button, false);
  }
}

function setUpImportExport(page) {
  const { els, state, signal } = page;
  els.importInput.addEventListener("change", async () => {
    const file = els.importInput.files?.[0];
    els.importInput.value = ""; // the same file may be chosen again after a fix
    if (!file) return;
    showMessage(els.ioError, "");
    els.ioStatus.textContent = "";
    let text = ""; // a file past the size limit is not read at all (parseImport refuses it by its size)
    try {
      if (file.size <= IMPORT_MAX_BYTES) text = await file.text();
    } catch { // gone from the disk since it was chosen, or not readable
      showMessage(els.ioError, `${file.name} could not be read. Nothing was imported.`);
      return;
    }
    const parsed = parseImport(text, state.limits, file.size);
    if (parsed.error) { showMessage(els.ioError, parsed.error); return; }
    await save(page, parsed.entries, {
      button: els.importInput, errorEl: els.ioError, inTable: false,
      done: (n) => `Imported ${file.name} and saved it: ${plural(n, "pronunciation")}.`,
    });
  }, { signal });

  els.exportButton.addEventListener("click", () => {
    const blob = new Blob([exportText(state.saved, state.limits)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "pagevoice-pronunciations.json";
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    els.ioStatus.textContent = `Exported ${plural(state.saved.length, "pronunciation")} to ${link.download}.`;
  }, { signal });
}
