// The sleep timer: playback pauses after 15, 30 or 60 minutes, or at the end of the chapter being
// heard (the next chapter's start on the recording's clock, else the recording's end). The time
// left is shown beside it; the pause is announced.

import { announce, make } from "../dom.js";
import { clock } from "./messages.js";

const CHECK_MS = 250;
const CHOICES = [["", "Off"], ["15", "15 minutes"], ["30", "30 minutes"], ["60", "60 minutes"], ["chapter", "End of this chapter"]];

/** The time (on the recording's clock) the chapter heard at `t` ends, or null when not known. */
export function chapterEnd(chapters, t) {
  const starts = (chapters || []).filter((ch) => ch.start !== null && ch.start !== undefined)
    .map((ch) => Number(ch.start)).filter((s) => Number.isFinite(s) && s > t + 0.5).sort((a, b) => a - b);
  return starts.length ? starts[0] : null;
}

/** `player` the page's player; `chapters()` the result's chapters ({start}). */
export function createSleepTimer(root, { signal, player, chapters }) {
  const els = build(root);
  let deadline = null; // Date.now() to pause at
  let chapterStop = null; // the recording's time to pause at

  els.select.addEventListener("change", () => {
    const value = els.select.value;
    deadline = /^\d+$/.test(value) ? Date.now() + Number(value) * 60_000 : null;
    chapterStop = value === "chapter" ? chapterEnd(chapters(), player.time()) : null;
    if (value === "chapter" && chapterStop === null) chapterStop = Infinity; // the last chapter: its end is the recording's
    showState();
    announce(value ? `Sleep timer set: ${stateText()}.` : "Sleep timer off.");
  }, { signal });

  const timer = setInterval(() => {
    if (deadline === null && chapterStop === null) return;
    const now = Date.now();
    const due = (deadline !== null && now >= deadline) || (chapterStop !== null && player.time() >= chapterStop - 0.05);
    if (due || (chapterStop === Infinity && !player.playing && player.final)) {
      if (due) player.pause();
      deadline = chapterStop = null;
      els.select.value = "";
      showState();
      if (due) announce("Sleep timer: playback paused.");
      return;
    }
    showState();
  }, CHECK_MS);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });

  function stateText() {
    if (deadline !== null) return `pauses in ${clock(Math.max(0, (deadline - Date.now()) / 1000))}`;
    if (chapterStop === Infinity) return "pauses at the end of the recording";
    if (chapterStop !== null) return `pauses at the end of this chapter, at ${clock(chapterStop)}`;
    return "";
  }

  function showState() {
    const text = stateText();
    const shown = text ? `${text[0].toUpperCase()}${text.slice(1)}.` : "";
    if (els.state.textContent !== shown) els.state.textContent = shown;
  }
}

function build(root) {
  const row = make("p", { id: "sleep-timer-row", className: "player-row sleep-timer" });
  make("label", { htmlFor: "sleep-timer", text: "Sleep timer" }, row);
  const select = make("select", { id: "sleep-timer" }, row);
  for (const [value, text] of CHOICES) select.append(new Option(text, value));
  const state = make("span", { id: "sleep-timer-state", className: "field-hint" }, row);
  root.querySelector("#player-state").before(row);
  return { select, state };
}
