// The recording of a page, played from its parts (speech-000.wav, speech-001.wav, ...) while
// they are still being made. Two <audio> elements take turns: the one playing holds part i, the
// other has part i+1 loaded and ready, and takes over a few milliseconds before the first one
// ends (the parts meet in the pause between sentences), so there is no audible gap. Playback
// speed keeps the pitch (HTMLMediaElement.preservesPitch). A time in the whole recording is
// part.start + currentTime of the element playing that part. The pieces: player/parts.js (the
// list of parts), player/slots.js (the two elements), player/transport.js (playing and seeking).

import { addParts, advance, recover, replaceParts, seekTo, start } from "./player/transport.js";
import { applyRate, durationOf, timeOf, watchSlots } from "./player/slots.js";
import { validSpeed } from "./player/speeds.js";

const SPEED_KEY = "pagevoice.speed";

/** The speed chosen last (any speed 0.5x-4x, the older list's 0.75x and 1.25x too), else 1. */
export function savedSpeed() {
  try {
    return validSpeed(localStorage.getItem(SPEED_KEY)) ?? 1;
  } catch {
    return 1;
  }
}

export function saveSpeed(value) {
  try { localStorage.setItem(SPEED_KEY, String(value)); } catch { /* private mode: not remembered */ }
}

/**
 * `elements`: two <audio> elements. `onChange()` is called when the state changes (playing,
 * waiting, parts added); `onTick(time)` on every animation frame while playing.
 * `refresh()` resolves to fresh URLs ({file: url}) when a part's URL has expired.
 */
export function createPlayer({ elements, onChange = () => {}, onTick = () => {}, refresh, signal }) {
  const st = {
    slots: elements.map((el) => ({ el, index: -1, pending: null })),
    cur: 0, // the slot playing (or about to)
    parts: [], // {file, start, seconds, url}
    final: false, // no more parts will come
    rate: savedSpeed(),
    wantPlay: false, // the listener pressed Play (we may be waiting for audio)
    waitingForMore: false, // played to the end of what exists; more is being made
    position: 0, // where we are when no part is loaded
    frame: 0,
    retries: 0,
    ready: false, // the first part can play
    onChange, onTick, refresh, signal,
  };
  watchSlots(st, { advance: () => advance(st), recover: (slot) => recover(st, slot) });

  return {
    /** Parts made so far (in order; `url` for each) and whether more will come. */
    setParts(list, { final: isFinal = false } = {}) { addParts(st, list, isFinal); },
    /** Parts that do not continue the ones held (see transport.js replaceParts). */
    replaceParts(list, { final: isFinal = false } = {}) { replaceParts(st, list, isFinal); },
    /** The files of the parts held, in order. */
    files: () => st.parts.map((part) => part.file),
    play() {
      st.wantPlay = true;
      if (!st.parts.length) { onChange(); return; } // starts when the first part arrives
      if (st.final && timeOf(st) >= durationOf(st) - 0.05) seekTo(st, 0);
      st.waitingForMore = false;
      start(st);
      onChange();
    },
    pause() {
      st.wantPlay = false;
      st.waitingForMore = false;
      for (const { el } of st.slots) el.pause();
      onTick(timeOf(st));
      onChange();
    },
    toggle() { if (st.wantPlay) this.pause(); else this.play(); },
    seek(t) { seekTo(st, t); },
    setRate(value) {
      value = validSpeed(value) ?? st.rate;
      st.rate = value;
      for (const { el } of st.slots) applyRate(el, value);
      saveSpeed(value);
      onChange();
    },
    get rate() { return st.rate; },
    get playing() { return st.wantPlay; },
    /** Playing was asked for but there is nothing to play yet (the first part, or the next). */
    get waiting() { return st.wantPlay && (!st.parts.length || st.waitingForMore); },
    get ready() { return st.ready; },
    get final() { return st.final; },
    get hasParts() { return st.parts.length > 0; },
    time: () => timeOf(st),
    duration: () => durationOf(st),
  };
}
