// "Voice for this file" (POST /uploads' `voice`, CONTRACTS section 16) where the kind reads aloud:
// "My default voice" (nothing sent: the account's voice for the language, else the language's
// default), or a voice of the language chosen above; with the language left to detection, the
// voices of every language that has a choice, by language. Not remembered: it is this file's.

import { createVoicePicker, loadVoices } from "../../voice-picker.js";
import { languagesWithChoice, MY_DEFAULT, ownDefault, readsAloud, voiceGroups } from "../../voices.js";

const HINT = "Your default voice for each language is chosen on your account page.";

/**
 * `offer(kind)` and `refill()` (the language changed) fill the choice; `mine(voices)` takes the
 * account's (GET /me); `current()` is the `voice` to send (or undefined); `disable(on)`.
 */
export function mountVoice(root, { signal, languageOf }) {
  const wrap = root.querySelector("#voice-choice");
  const picker = createVoicePicker(wrap, { id: "upload-voice", label: "Voice for this file", hint: HINT, signal });
  let all = null; // GET /voices' rows, once known
  let table = null;
  let kind = null;
  let chosen = {}; // the account's voices

  function refill() {
    const code = languageOf();
    const codes = code ? [code] : languagesWithChoice(all, table).map((l) => l.code);
    const voices = (all || []).filter((v) => codes.includes(v.language));
    wrap.hidden = !(readsAloud(kind) && voices.length);
    if (wrap.hidden) return;
    const home = code || "en"; // what "My default voice" plays: the language's, English's when detected
    picker.fill({
      groups: voiceGroups(voices, { byLanguage: !code, table }),
      empty: { text: MY_DEFAULT, voice: ownDefault(all, chosen, home) },
      selected: picker.value(),
    });
  }

  loadVoices(signal).then((loaded) => {
    ({ voices: all, table } = loaded);
    refill();
  }).catch(() => { /* no choice offered: the account's voices and the defaults read it */ });

  return {
    offer(next) {
      kind = next;
      refill();
    },
    refill,
    mine(voices) {
      chosen = { ...(voices || {}) };
      if (all) refill();
    },
    current: () => (wrap.hidden ? undefined : picker.value() || undefined),
    disable: (on) => picker.disable(on),
  };
}
