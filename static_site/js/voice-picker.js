// A voice picker (GET /voices, CONTRACTS section 16), the one the account page, the upload form
// and "Read again with another voice" use: a labelled <select> of voices in <optgroup>s, and
// "Hear this voice", which plays the chosen voice's sample (made the first time it is asked for:
// a few seconds) and says what happens in a polite live region, with "Try again" after a
// failure. Native controls, so the keyboard and screen readers use it as any select and button.

import * as api from "./api.js";
import { make, sleep } from "./dom.js";
import { tableOf } from "./languages.js";
import { fetchSample, MAKING_SAMPLE, optionText, playingText, readyText, SAMPLE_NOT_PLAYED, sampleCache } from "./voices.js";

const HEAR = "Hear this voice";
const samples = sampleCache(); // the page's samples, whichever picker asked

/** GET /voices' rows and GET /languages' rows by code (without them, codes stand in for names). */
export async function loadVoices(signal) {
  const [voices, languages] = await Promise.all([
    api.voices({ signal }), api.languages({ signal }).catch(() => ({ languages: [] })),
  ]);
  return { voices: voices.voices || [], table: tableOf(languages.languages) };
}

/**
 * The picker drawn in `container`: the select's `id` (its other parts' ids start with it), its
 * `label` and `hint`. Returns {select, fill, value, disable}; `fill` says what it offers.
 */
export function createVoicePicker(container, { id, label, hint = "", signal }) {
  const els = draw(container, { id, label, hint });
  let rows = new Map(); // option value -> voice
  let emptyVoice = null; // the voice the first option ("My default voice") stands for, when known
  const player = samplePlayer(els, signal);
  const chosen = () => (els.select.value ? rows.get(els.select.value) : emptyVoice) || null;
  const offerSample = () => { els.hear.hidden = !chosen()?.sample_url; };

  /** `groups` (voices.voiceGroups) after `empty` ({text, voice}: the option of value ""), `selected` chosen. */
  function fill({ groups, empty = null, selected = "" }) {
    player.stop();
    rows = new Map(groups.flatMap((group) => group.voices.map((v) => [v.id, v])));
    emptyVoice = empty?.voice || null;
    els.select.replaceChildren(...(empty ? [make("option", { value: "", text: empty.text })] : []), ...groups.map(optgroup));
    els.select.value = rows.has(selected) || (empty && selected === "") ? selected : els.select.options[0]?.value ?? "";
    offerSample();
  }

  els.select.addEventListener("change", () => { player.stop(); offerSample(); }, { signal });
  els.hear.addEventListener("click", () => player.toggle(chosen()), { signal });
  els.again.addEventListener("click", () => {
    els.hear.focus(); // Try again goes away as it starts
    player.play(chosen());
  }, { signal });

  return {
    select: els.select,
    fill,
    value: () => els.select.value,
    disable(on) {
      els.select.disabled = on;
      els.hear.disabled = on;
      if (on) player.stop();
    },
  };
}

function draw(container, { id, label, hint }) {
  container.classList.add("voice-picker");
  make("label", { text: label, htmlFor: id }, container);
  const row = make("div", { className: "voice-row" }, container);
  const select = make("select", { id }, row);
  const hear = make("button", { id: `${id}-hear`, type: "button", className: "button button-small button-quiet", text: HEAR }, row);
  if (hint) {
    make("p", { id: `${id}-hint`, className: "field-hint", text: hint }, container);
    select.setAttribute("aria-describedby", `${id}-hint`);
  }
  const line = make("p", { className: "voice-sample" }, container);
  const status = make("span", { id: `${id}-status` }, line);
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const again = make("button", { id: `${id}-again`, type: "button", className: "button button-small button-quiet", text: "Try again", hidden: true }, line);
  const audio = make("audio", { id: `${id}-audio`, preload: "none", hidden: true }, container);
  return { container, select, hear, status, again, audio };
}

/** Plays a voice's sample, asked for (and waited for while it is made) first when not fresh. */
function samplePlayer(els, signal) {
  let attempt = null; // the AbortController of the sample being asked for or played
  const say = (text, state) => {
    if (els.status.textContent !== text) els.status.textContent = text;
    els.container.dataset.sample = state; // for the styles and the tests
  };
  const idle = () => {
    attempt = null;
    els.hear.textContent = HEAR;
  };

  /** Stops what is under way, and clears what was said (another voice chosen, the form filled again). */
  function stop() {
    attempt?.abort();
    els.audio.pause();
    idle();
    els.again.hidden = true;
    say("", "");
  }

  function failed(message) {
    idle();
    say(message, "failed");
    els.again.hidden = false;
  }

  async function play(voice) {
    stop();
    if (!voice) return;
    const controller = new AbortController();
    attempt = controller;
    const gone = () => controller.abort();
    signal.addEventListener("abort", gone, { once: true });
    els.hear.textContent = "Stop";
    try {
      const url = samples.get(voice) || await asked(voice, controller.signal);
      if (controller.signal.aborted) return;
      els.audio.src = url;
      say(playingText(voice), "playing");
      await els.audio.play();
    } catch (error) {
      if (controller.signal.aborted || attempt !== controller) return;
      // Some browsers play only within the press itself, and the sample took seconds to make.
      if (error?.name === "NotAllowedError") { idle(); say(readyText(voice), "ready"); return; }
      failed(error?.message || SAMPLE_NOT_PLAYED);
    } finally {
      signal.removeEventListener("abort", gone);
    }
  }

  async function asked(voice, aborted) {
    const sample = await fetchSample(voice, {
      fetchJson: api.voiceSample, wait: sleep, signal: aborted, onMaking: () => say(MAKING_SAMPLE, "making"),
    });
    samples.set(voice, sample);
    return sample.url;
  }

  els.audio.addEventListener("ended", () => { idle(); say("", "played"); }, { signal });
  els.audio.addEventListener("error", () => { if (attempt) failed(SAMPLE_NOT_PLAYED); }, { signal });

  return { play, stop, toggle: (voice) => (attempt ? stop() : play(voice)) };
}

function optgroup({ label, voices }) {
  const group = make("optgroup", { label });
  group.append(...voices.map((v) => make("option", { value: v.id, text: optionText(v) })));
  return group;
}
