// Playing, moving on from part to part, seeking and taking in new parts. `st` is the player's
// state (player.js); each change ends with st.onChange() so the page can redraw.

import { mergeParts, partAt } from "./parts.js";
import { applyRate, current, durationOf, loadAt, loadPart, other, preloadNext, timeOf } from "./slots.js";

const EARLY_SWITCH_S = 0.03; // start the next part this long (real time) before this one ends

export function start(st) {
  const el = current(st).el;
  applyRate(el, st.rate);
  el.play().catch((error) => {
    if (error?.name === "AbortError") return; // a new src replaced this one
    st.wantPlay = false;
    st.onChange();
  });
  preloadNext(st);
  loop(st);
}

// Called at the end of a part (or just before it): on to the next one, or wait for it.
export function advance(st) {
  const next = current(st).index + 1;
  if (next < st.parts.length) {
    const old = current(st);
    if (other(st).index !== next) loadPart(st, other(st), next);
    else if (other(st).el.currentTime) other(st).el.currentTime = 0;
    st.cur = 1 - st.cur;
    if (st.wantPlay) start(st);
    old.el.pause();
    preloadNext(st);
  } else if (!st.final) {
    st.waitingForMore = st.wantPlay; // resumes when the next part arrives
  } else {
    st.wantPlay = false;
    st.waitingForMore = false;
  }
  st.onChange();
}

// Every animation frame while playing: report the time, and hand over to the next part a
// moment before this one ends (the "ended" event comes too late for a gapless join).
function loop(st) {
  cancelAnimationFrame(st.frame);
  const step = () => {
    const slot = current(st);
    const el = slot.el;
    if (st.wantPlay && !el.paused && slot.index >= 0 && Number.isFinite(el.duration)) {
      const left = (el.duration - el.currentTime) / (el.playbackRate || 1);
      const next = other(st);
      if (left <= EARLY_SWITCH_S && next.index === slot.index + 1 && next.el.readyState >= 3) advance(st);
    }
    st.onTick(timeOf(st));
    if (st.wantPlay && !st.waitingForMore) st.frame = requestAnimationFrame(step);
  };
  st.frame = requestAnimationFrame(step);
}

export async function recover(st, slot) {
  // A presigned URL has expired (or the network blinked): ask for fresh ones, once or twice.
  if (!st.refresh || st.retries >= 2 || slot.index < 0) {
    st.wantPlay = current(st) === slot ? false : st.wantPlay;
    st.onChange();
    return;
  }
  st.retries += 1;
  const at = slot.el.currentTime || 0;
  try {
    const urls = await st.refresh();
    for (const part of st.parts) if (urls[part.file]) part.url = urls[part.file];
  } catch {
    return;
  }
  if (st.signal?.aborted) return;
  loadPart(st, slot, slot.index, at);
  if (current(st) === slot && st.wantPlay) start(st);
}

export function addParts(st, list, isFinal) {
  const before = st.parts.length;
  const added = mergeParts(st.parts, list);
  st.final = isFinal;
  if (st.parts.length && current(st).index < 0) loadAt(st, st.position);
  if (added) {
    if (st.waitingForMore) {
      st.waitingForMore = false;
      advance(st);
    } else if (st.wantPlay && before === 0) {
      start(st);
    } else {
      preloadNext(st);
    }
  }
  if (st.final && st.waitingForMore) { st.waitingForMore = false; st.wantPlay = false; }
  st.onChange();
}

export function seekTo(st, value) {
  const t = Math.max(0, Math.min(Number(value) || 0, durationOf(st) || 0));
  if (!st.parts.length) { st.position = t; st.onTick(t); return; }
  const index = partAt(st.parts, t);
  const offset = Math.max(0, t - st.parts[index].start);
  st.waitingForMore = false;
  if (current(st).index === index) {
    current(st).el.currentTime = offset;
  } else if (other(st).index === index) {
    current(st).el.pause();
    st.cur = 1 - st.cur;
    current(st).el.currentTime = offset;
  } else {
    current(st).el.pause();
    loadPart(st, current(st), index, offset);
  }
  for (const slot of st.slots) if (slot !== current(st)) slot.el.pause();
  if (st.wantPlay) start(st);
  else preloadNext(st);
  st.onTick(timeOf(st));
  st.onChange();
}

/**
 * Another list of parts in place of the one held (a book's: the listener moved to parts that do
 * not play on from these, or their clock became known): the part playing goes on where it was
 * when it is in the new list, else playback moves to the new list's start.
 */
export function replaceParts(st, list, isFinal) {
  const slot = current(st);
  const held = slot.index >= 0 ? st.parts[slot.index] : null;
  const offset = held ? timeOf(st) - held.start : 0;
  for (const s of st.slots) {
    s.el.pause();
    s.index = -1;
    s.pending = null;
  }
  st.parts = list.map((part) => ({ ...part }));
  st.final = isFinal;
  st.waitingForMore = false;
  const same = held ? st.parts.find((part) => part.file === held.file) : null;
  const t = same ? same.start + offset : st.parts[0]?.start ?? 0;
  st.position = t;
  if (st.parts.length) seekTo(st, t);
  else st.onChange();
}

