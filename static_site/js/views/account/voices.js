// "Your voices": the account's voice for each language (PATCH /me {"voices"}, CONTRACTS section
// 16), chosen after hearing it. A language, then its voices (voice-picker.js); the first choice,
// the language's default, saves null: the account then follows whatever that default is.

import * as api from "../../api.js";
import * as session from "../../session.js";
import { elementsOf, make, setBusy, showMessage } from "../../dom.js";
import { optionLabel } from "../../languages.js";
import { createVoicePicker, loadVoices } from "../../voice-picker.js";
import {
  choicesSummary, defaultOptionText, defaultVoice, languagesWithChoice, savedText, voiceGroups, voicesFor,
} from "../../voices.js";

const HINT = "Files in this language are read in the voice you save here, unless you choose another when you upload one.";

/** `show(user)` with GET /me's answer (its `voices`); the choices come once GET /voices answers too. */
export function mountVoices(root, { signal }) {
  const els = elementsOf(root, {
    form: "#voices-form", language: "#voices-language", picker: "#voices-picker", save: "#voices-save",
    current: "#voices-current", status: "#voices-status", error: "#voices-error",
  });
  const picker = createVoicePicker(els.picker, { id: "account-voice", label: "Voice", hint: HINT, signal });
  let all = null; // GET /voices' rows
  let table = null; // GET /languages' rows by code (names; codes stand in without them)
  let chosen = null; // the account's {code: id}

  function fillLanguages() {
    if (!all || !chosen) return;
    const keep = Object.keys(chosen).filter((code) => chosen[code]);
    const offered = languagesWithChoice(all, table, keep);
    const codes = offered.map((l) => l.code);
    const current = [els.language.value, keep[0], "en", codes[0]].find((code) => codes.includes(code));
    els.language.replaceChildren(...offered.map((l) =>
      make("option", { value: l.code, text: table.get(l.code) ? optionLabel(table.get(l.code)) : l.name })));
    els.language.value = current ?? "";
    els.form.hidden = !offered.length;
    els.current.textContent = choicesSummary(chosen, all, table);
    fillVoices();
  }

  function fillVoices() {
    const code = els.language.value;
    picker.fill({
      groups: voiceGroups(voicesFor(all, code), { table }),
      empty: { text: defaultOptionText(code, all, table), voice: defaultVoice(all, code) },
      selected: chosen[code] || "",
    });
  }

  els.language.addEventListener("change", () => {
    els.status.textContent = "";
    fillVoices();
  }, { signal });

  loadVoices(signal).then((loaded) => {
    ({ voices: all, table } = loaded);
    fillLanguages();
  }).catch((error) => {
    if (!signal.aborted) showMessage(els.error, `The voices could not be listed (${error.message}). Reload the page to try again.`);
  });

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  }, { signal });

  async function save() {
    const code = els.language.value;
    const id = picker.value() || null;
    els.status.textContent = "";
    showMessage(els.error, "");
    setBusy(els.save, true, "Saving…");
    try {
      const user = await api.updateMe({ voices: { [code]: id } }, { signal });
      session.setUser(user); // "My default voice" elsewhere plays this one now
      chosen = { ...(user.voices || {}) };
      els.current.textContent = choicesSummary(chosen, all, table);
      els.status.textContent = savedText(code, chosen[code], all, table);
    } catch (error) {
      if (signal.aborted || error.handled) return;
      showMessage(els.error, error.message);
    } finally {
      if (!signal.aborted) setBusy(els.save, false);
    }
  }

  return {
    show(user) {
      chosen = { ...(user?.voices || {}) };
      fillLanguages();
    },
  };
}
