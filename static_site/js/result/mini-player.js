// The mini-player: while the page's player is scrolled out of view, at every width, a bar fixed
// at the bottom of the screen shows the word being spoken in its line and the time, above the
// transport audiobook and read-aloud apps keep in reach: back a sentence, back a word, Play /
// Pause, on a word, on a sentence. It drives the same player: no second recording, no second
// state (its sentence steps press the player's own). The page keeps room for it at its end, and
// what is scrolled into view stops above it (CSS: html.has-mini-player and --mini-player-height;
// the lit word: dom.js keepClear for the text, pages.js for the page image).
// While the page's player is on screen the bar is hidden (display: none): nothing in it is
// focusable or read then, so a screen reader meets one Play button at a time where it can be seen.

import { iconButton } from "../dom.js";
import { timeText } from "./messages.js";

const WORDS_BEFORE = 3; // the lit word's line, cut to a few words around it
const WORDS_AFTER = 5;

/** The bar's rectangle while it shows, else null (what the lit word is kept clear of). */
export function barRect() {
  const bar = document.querySelector(".mini-player:not([hidden])");
  return bar ? bar.getBoundingClientRect() : null;
}

/**
 * `player` is the page's player, `stepWord(dir)` moves a word back or on, `watched` the element
 * (the player's first row) whose leaving the screen brings the bar.
 */
export function createMiniPlayer(root, { signal, player, stepWord, watched }) {
  const els = build();
  root.querySelector("#result").append(els.bar);
  let away = false; // the page's own controls are off screen
  let lit = null; // the text's word shown lit in the bar

  els.play.addEventListener("click", () => player.toggle(), { signal });
  els.prev.addEventListener("click", () => stepWord(-1), { signal });
  els.next.addEventListener("click", () => stepWord(1), { signal });
  // The steps by sentence are the player's (listening.js): pressed here, they act there.
  els.prevSentence.addEventListener("click", () => sentenceStep("prev")?.click(), { signal });
  els.nextSentence.addEventListener("click", () => sentenceStep("next")?.click(), { signal });
  // Away unless the player's row is wholly on screen: a row cut at the screen's edge may cut
  // its Play button too.
  const observer = new IntersectionObserver(([entry]) => {
    away = entry.intersectionRatio < 0.99;
    place();
  }, { threshold: [0, 0.99] });
  observer.observe(watched);
  const html = document.documentElement;
  html.classList.add("has-mini-player");
  const sized = new ResizeObserver(() => {
    if (!els.bar.hidden) html.style.setProperty("--mini-player-height", `${els.bar.offsetHeight}px`);
  });
  sized.observe(els.bar);
  signal.addEventListener("abort", () => {
    observer.disconnect();
    sized.disconnect();
    html.classList.remove("has-mini-player");
    html.style.removeProperty("--mini-player-height");
  }, { once: true });

  /** The player's step by sentence, `which` "prev" or "next", while its steps are offered. */
  function sentenceStep(which) {
    const row = root.querySelector("#player-steps");
    const button = root.querySelector(`#${which}-sentence`);
    return row && !row.hidden && button && !button.disabled ? button : null;
  }

  function place() {
    const player = root.querySelector("#player");
    const show = away && player && !player.hidden;
    // The focus on a control of the bar as it goes would be lost: it moves to the same control
    // of the page's player, now on screen.
    if (!show && !els.bar.hidden && els.bar.contains(document.activeElement)) {
      twinOf(root, document.activeElement)?.focus({ preventScroll: true });
    }
    els.bar.hidden = !show;
  }

  /** The state, the time and the lit word, as the page's player shows them now. */
  function update({ canStep }) {
    place();
    const label = player.playing ? "Pause" : "Play";
    if (els.play.textContent !== label) els.play.textContent = label;
    els.play.dataset.state = player.playing ? "playing" : "paused";
    els.prev.disabled = !canStep;
    els.next.disabled = !canStep;
    const sentences = Boolean(sentenceStep("next") || sentenceStep("prev"));
    els.prevSentence.hidden = !sentences;
    els.nextSentence.hidden = !sentences;
    const time = timeText(player.time(), player.duration(), !player.final && player.hasParts);
    if (els.time.textContent !== time) els.time.textContent = time;
    const span = root.querySelector("#result-text .text-word.is-current");
    if (span !== lit) {
      lit = span;
      showLine(els.line, span);
    }
  }

  return { update };
}

/** The page player's control doing what `el`, a control of the bar, does. */
function twinOf(root, el) {
  const twin = { "mini-play": "#play-button", "mini-prev": "#prev-word", "mini-next": "#next-word",
    "mini-prev-sentence": "#prev-sentence", "mini-next-sentence": "#next-sentence" }[el?.id];
  return twin ? root.querySelector(twin) : null;
}

/** The words of the lit word's line around it, the lit one marked (a picture of the text). */
function showLine(line, span) {
  if (!span) { line.replaceChildren(); return; }
  const words = [...(span.closest(".text-line") || span.parentElement).querySelectorAll(".text-word")];
  const at = Math.max(0, words.indexOf(span));
  const from = Math.max(0, at - WORDS_BEFORE);
  const to = Math.min(words.length, at + WORDS_AFTER + 1);
  const nodes = [];
  if (from > 0) nodes.push("… ");
  words.slice(from, to).forEach((word, i) => {
    if (i) nodes.push(" ");
    if (word === span) {
      const mark = document.createElement("mark");
      mark.className = "mini-word";
      mark.textContent = word.textContent;
      nodes.push(mark);
    } else {
      nodes.push(word.textContent);
    }
  });
  if (to < words.length) nodes.push(" …");
  line.replaceChildren(...nodes);
}

function build() {
  const bar = document.createElement("div");
  bar.className = "mini-player";
  bar.id = "mini-player";
  bar.dataset.testid = "mini-player";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Player");
  bar.hidden = true;
  const head = document.createElement("div");
  head.className = "mini-head";
  const line = document.createElement("p");
  line.className = "mini-line";
  line.id = "mini-line";
  line.setAttribute("aria-hidden", "true"); // a picture of the text: it changes with every word
  const time = document.createElement("span");
  time.className = "mini-time";
  time.setAttribute("aria-hidden", "true");
  head.append(line, time);
  const row = document.createElement("div");
  row.className = "mini-controls";
  const prevSentence = iconButton("mini-prev-sentence", "«", "Previous sentence");
  const prev = iconButton("mini-prev", "←", "Previous word");
  const play = document.createElement("button");
  play.type = "button";
  play.className = "button mini-play";
  play.id = "mini-play";
  play.dataset.testid = "mini-play";
  play.textContent = "Play";
  const next = iconButton("mini-next", "→", "Next word");
  const nextSentence = iconButton("mini-next-sentence", "»", "Next sentence");
  // A pointer's hint of what each glyph does (their names are in the buttons' hidden text).
  for (const button of [prevSentence, prev, next, nextSentence]) {
    button.title = button.querySelector(".visually-hidden").textContent;
  }
  prevSentence.hidden = true;
  nextSentence.hidden = true;
  row.append(prevSentence, prev, play, next, nextSentence);
  bar.append(head, row);
  return { bar, line, play, prev, next, prevSentence, nextSentence, time };
}
