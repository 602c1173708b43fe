// The player of a page result: Play, the position slider, the speed, the state line, the
// keyboard shortcuts, and the recording's parts as the result grows (player.js plays them); on a
// phone, the mini-player while the player is scrolled away (mini-player.js).

import { announce, elementsOf, showMessage } from "../dom.js";
import { createPlayer, SPEEDS } from "./player.js";
import { setUpAudio } from "./common.js";
import { createMiniPlayer } from "./mini-player.js";
import { recordingParts } from "./model.js";
import { audioNote, spokenTime, timeText, waitingNote } from "./messages.js";

const SEEK_STEP_S = 5;

/**
 * `onTick(time)` on every frame while playing; `stepWord(dir)` moves to the word before or after;
 * `audioUrl()` is the job's whole recording, if any.
 */
export function createRecording(root, { signal, refresh, audioUrl, onTick, stepWord }) {
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
  setUpShortcuts(els, player, { signal, stepWord });
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
  }

  /** The result's recording so far; `urlOf(file)` gives a part's URL. False when there is no text. */
  function show({ result, done, doc, urlOf, hasTimings }) {
    const hasText = Boolean(result.text);
    els.player.hidden = !hasText;
    if (!hasText) { // nothing to hear: the note under "Listen" says why
      root.querySelector("#listen-plain").append(els.audioNote);
      if (done) setUpAudio(root, null, signal, null, { missing: doc ? "no text was found in this document" : "no text was found" });
      return false;
    }
    const speech = result.speech || null;
    const parts = recordingParts(speech, { done, urlOf, audioUrl: audioUrl(), holding: player.hasParts });
    player.setParts(parts, { final: done });
    showMessage(els.audioNote, audioNote(speech, { done, parts: parts.length }));
    els.prevWord.disabled = !hasTimings;
    els.nextWord.disabled = !hasTimings;
    showState();
    return true;
  }

  return { player, show, tick };
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
  els.speed.replaceChildren(...SPEEDS.map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = `${value}×`;
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

/** Space plays or pauses; Left/Right step a word, with Shift 5 seconds (not in a field). */
function setUpShortcuts(els, player, { signal, stepWord }) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (els.player.hidden || !document.body.contains(els.player)) return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (target.closest("input, select, textarea, [contenteditable=''], [contenteditable='true']")) return;
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
    }
  }, { signal });
}
