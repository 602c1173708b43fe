// The player of a page result: Play, the position slider, the speed (0.5x-4x), the state line,
// the keyboard shortcuts (with a switch to turn them all off, remembered: WCAG 2.1.4; other
// parts add keys through addKeys), and the recording's parts as the result grows (player.js
// plays them); the mini-player while the player is scrolled away (mini-player.js).

import { announce, elementsOf, showMessage } from "../dom.js";
import { createPlayer } from "./player.js";
import { speedChoices, speedLabel } from "./player/speeds.js";
import { setUpAudio } from "./common.js";
import { createMiniPlayer } from "./mini-player.js";
import { recordingParts } from "./model.js";
import { audioNote, spokenTime, timeText, waitingNote } from "./messages.js";

const SEEK_STEP_S = 5;
const SHORTCUTS_KEY = "pagevoice.shortcuts"; // "off" when the person switched them off

/**
 * `onTick(time)` on every frame while playing; `onState()` when the state changes (playing,
 * paused, sought, the speed, parts added); `stepWord(dir)` moves to the word before or after;
 * `audioUrl()` is the job's whole recording, if any.
 */
export function createRecording(root, { signal, refresh, audioUrl, onTick, onState = () => {}, stepWord }) {
  const els = elementsOf(root, SELECTORS);
  placeAudio(root, els);
  let lastSpokenSecond = -1;
  const player = createPlayer({
    elements: [els.audioA, els.audioB],
    signal,
    refresh,
    onChange: showState,
    onTick: tick,
  });
  const slider = setUpSlider(els.seek, player, signal);
  setUpButtons(els, player, { signal, stepWord });
  const keys = {}; // more shortcuts (event.key -> action), added by the other parts (addKeys)
  setUpShortcuts(els, player, { signal, stepWord, keys, on: setUpShortcutSwitch(root, signal) });
  const mini = createMiniPlayer(root, { signal, player, stepWord, watched: els.play.parentElement });

  function tick(t) {
    showTime(t);
    onTick(t);
    mini.update({ canStep: !els.nextWord.disabled });
  }

  function showTime(t) {
    const total = player.duration();
    els.time.textContent = timeText(t, total, !player.final && player.hasParts);
    els.seek.max = String(total || 0);
    if (!slider.dragging) els.seek.value = String(Math.min(t, total || 0));
    const second = Math.floor(t);
    if (second !== lastSpokenSecond) { // not every frame: screen readers read each change
      lastSpokenSecond = second;
      els.seek.setAttribute("aria-valuetext", spokenTime(t, total));
    }
  }

  function showState() {
    els.play.textContent = player.playing ? "Pause" : "Play";
    els.play.dataset.state = player.playing ? "playing" : "paused";
    els.player.dataset.ready = String(player.ready);
    els.seek.disabled = !player.hasParts;
    const note = waitingNote({ waiting: player.waiting, hasParts: player.hasParts, audioUrl: audioUrl() });
    if (els.state.textContent !== note) els.state.textContent = note;
    showTime(player.time());
    mini.update({ canStep: !els.nextWord.disabled });
    onState();
  }

  /** The result's recording so far; `urlOf(file)` gives a part's URL. False when there is no text. */
  function show({ result, done, doc, urlOf, hasTimings, book = null }) {
    const hasText = Boolean(result.text);
    els.player.hidden = !hasText;
    if (!hasText) { // nothing to hear: the note under "Listen" says why
      root.querySelector("#listen-plain").append(els.audioNote);
      if (done) setUpAudio(root, null, signal, null, { missing: doc ? "no text was found in this document" : "no text was found" });
      return false;
    }
    const speech = result.speech || null;
    // A book's parts a run at a time (book-view.js); other results' from the start.
    const run = book ? book(player.files()) : null;
    const parts = run ? run.parts : recordingParts(speech, { done, urlOf, audioUrl: audioUrl(), holding: player.hasParts });
    if (run?.replace) player.replaceParts(parts, { final: run.final });
    else player.setParts(parts, { final: run ? run.final : done });
    showMessage(els.audioNote, audioNote(speech, { done, parts: parts.length }));
    els.prevWord.disabled = !hasTimings;
    els.nextWord.disabled = !hasTimings;
    showState();
    return true;
  }

  return { player, show, tick, addKeys: (map) => Object.assign(keys, map) };
}

const SELECTORS = {
  player: "#player",
  play: "#play-button",
  time: "#player-time",
  seek: "#player-seek",
  speed: "#player-speed",
  prevWord: "#prev-word",
  nextWord: "#next-word",
  state: "#player-state",
  audioNote: "#audio-note",
  audioA: "#result-audio",
  audioB: "#result-audio-next",
  viewport: "#zoom-viewport",
};

// The page's own player replaces the plain <audio> the other result views show.
function placeAudio(root, els) {
  els.player.append(els.audioA, els.audioB);
  els.player.insertBefore(els.audioNote, els.player.querySelector("#shortcuts"));
  els.audioA.controls = false;
  els.audioA.hidden = true;
  els.audioB.hidden = true;
  root.querySelector("#audio-title").hidden = true;
}

function setUpButtons(els, player, { signal, stepWord }) {
  els.speed.replaceChildren(...speedChoices(player.rate).map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = speedLabel(value);
    option.selected = value === player.rate;
    return option;
  }));
  els.speed.addEventListener("change", () => {
    player.setRate(Number(els.speed.value));
    announce(`Speed ${els.speed.value} times.`);
  }, { signal });
  els.play.addEventListener("click", () => player.toggle(), { signal });
  els.prevWord.addEventListener("click", () => stepWord(-1), { signal });
  els.nextWord.addEventListener("click", () => stepWord(1), { signal });
}

// While the slider is dragged, playback does not move it back under the pointer.
function setUpSlider(seek, player, signal) {
  const slider = { dragging: false };
  seek.addEventListener("pointerdown", () => { slider.dragging = true; }, { signal });
  window.addEventListener("pointerup", () => { slider.dragging = false; }, { signal });
  seek.addEventListener("input", () => player.seek(Number(seek.value)), { signal });
  seek.addEventListener("change", () => { slider.dragging = false; }, { signal });
  return slider;
}

/**
 * Space plays or pauses; Left/Right step a word, with Shift 5 seconds; `keys` the others (not in
 * a field, and not when switched off: `on()`).
 */
function setUpShortcuts(els, player, { signal, stepWord, keys, on }) {
  document.addEventListener("keydown", (event) => {
    const target = shortcutTarget(event, els, { keys, on });
    if (!target) return;
    if (event.key === " " || event.key === "Spacebar") {
      // Buttons, links and summaries act on Space themselves.
      if (target.closest("button, a[href], summary, [role='button']")) return;
      event.preventDefault();
      player.toggle();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (target === els.viewport) return; // the arrow keys move the zoomed photo
      const dir = event.key === "ArrowLeft" ? -1 : 1;
      event.preventDefault();
      if (event.shiftKey) player.seek(player.time() + dir * SEEK_STEP_S);
      else stepWord(dir);
    } else if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  }, { signal });
}

/** The element a shortcut is pressed on, or null when the key is not the player's. */
function shortcutTarget(event, els, { keys, on }) {
  if (event.defaultPrevented || event.metaKey || !on()) return null;
  // AltGr (Ctrl+Alt on Windows) types [ ] { } on many layouts: those keys are still characters.
  const altGraph = event.getModifierState?.("AltGraph") && keys[event.key];
  if ((event.ctrlKey || event.altKey) && !altGraph) return null;
  if (els.player.hidden || !document.body.contains(els.player)) return null;
  const target = event.target instanceof Element ? event.target : document.body;
  return target.closest("input, select, textarea, [contenteditable=''], [contenteditable='true']") ? null : target;
}

/**
 * "Use these keyboard shortcuts", in the shortcuts' help: single keys can be switched off
 * (WCAG 2.1.4, for speech input and people who type by mistake); remembered in this browser.
 * Returns whether they are on.
 */
function setUpShortcutSwitch(root, signal) {
  let on = true;
  try { on = localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch { /* private mode: on */ }
  const help = root.querySelector("#shortcuts");
  if (!help) return () => on;
  const p = document.createElement("p");
  const label = p.appendChild(document.createElement("label"));
  const box = label.appendChild(document.createElement("input"));
  box.type = "checkbox";
  box.id = "shortcuts-on";
  box.dataset.testid = "shortcuts-on";
  box.checked = on;
  label.append(" Use these keyboard shortcuts");
  help.querySelector("summary").after(p);
  box.addEventListener("change", () => {
    on = box.checked;
    try { localStorage.setItem(SHORTCUTS_KEY, on ? "on" : "off"); } catch { /* not remembered */ }
    announce(on ? "Keyboard shortcuts on." : "Keyboard shortcuts off.");
  }, { signal });
  return () => on;
}
