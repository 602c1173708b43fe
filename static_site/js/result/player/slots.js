// The two <audio> elements ("slots") that take turns: which part each holds, where the one
// playing is in the whole recording, and their events. `st` is the player's state (player.js).

import { endOf, partAt } from "./parts.js";

export function applyRate(el, rate) {
  el.preservesPitch = true;
  el.defaultPlaybackRate = rate; // a new src resets playbackRate to this
  el.playbackRate = rate;
}

export const current = (st) => st.slots[st.cur];
export const other = (st) => st.slots[1 - st.cur];

export function loadPart(st, slot, index, offset = 0) {
  slot.index = index;
  slot.pending = offset || null;
  slot.el.src = st.parts[index].url;
  applyRate(slot.el, st.rate);
  if (offset) {
    try { slot.el.currentTime = offset; } catch { /* applied on loadedmetadata */ }
  }
}

/** Load the part at time `t` into the current slot. */
export function loadAt(st, t) {
  const index = partAt(st.parts, t);
  loadPart(st, current(st), index, t - st.parts[index].start);
}

/** Where we are in the whole recording: the part's start plus the time within it. */
export function timeOf(st) {
  const slot = current(st);
  if (slot.index < 0) return st.position;
  const offset = slot.pending !== null ? slot.pending : slot.el.currentTime;
  return st.parts[slot.index].start + (offset || 0);
}

export function durationOf(st) {
  return endOf(st.parts, () => {
    const slot = st.slots.find((s) => s.index === st.parts.length - 1);
    return slot && Number.isFinite(slot.el.duration) ? slot.el.duration : 0;
  });
}

/** Have the part after the current one loaded in the other slot, ready to take over. */
export function preloadNext(st) {
  const next = current(st).index + 1;
  if (current(st).index >= 0 && next < st.parts.length && other(st).index !== next) loadPart(st, other(st), next);
}

/** Listens to both elements; `advance()` at the end of the current part, `recover(slot)` on errors. */
export function watchSlots(st, { advance, recover }) {
  for (const slot of st.slots) {
    const el = slot.el;
    const on = (type, listener) => el.addEventListener(type, listener, { signal: st.signal });
    el.preload = "auto";
    applyRate(el, st.rate);
    on("loadedmetadata", () => {
      if (slot.pending !== null) {
        el.currentTime = slot.pending;
        slot.pending = null;
      }
    });
    on("canplay", () => {
      if (!st.ready && slot.index === 0) { st.ready = true; st.onChange(); }
    });
    on("ended", () => { if (current(st) === slot) advance(); });
    on("playing", () => { st.retries = 0; st.onChange(); });
    on("waiting", () => st.onChange());
    on("error", () => recover(slot));
  }
  st.signal?.addEventListener("abort", () => {
    cancelAnimationFrame(st.frame);
    for (const { el } of st.slots) { el.pause(); el.removeAttribute("src"); el.load(); }
  }, { once: true });
}
