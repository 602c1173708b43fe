// The recording of a page, played from its parts (speech-000.wav, speech-001.wav, ...) while
// they are still being made. Two <audio> elements take turns: the one playing holds part i, the
// other has part i+1 loaded and ready, and takes over a few milliseconds before the first one
// ends (the parts meet in the pause between sentences), so there is no audible gap. Playback
// speed keeps the pitch (HTMLMediaElement.preservesPitch). A time in the whole recording is
// part.start + currentTime of the element playing that part.

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const SPEED_KEY = "pagevoice.speed";
const EARLY_SWITCH_S = 0.03; // start the next part this long (real time) before this one ends

export function savedSpeed() {
  try {
    const value = Number(localStorage.getItem(SPEED_KEY));
    return SPEEDS.includes(value) ? value : 1;
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
  const slots = elements.map((el) => ({ el, index: -1, pending: null }));
  let cur = 0; // the slot playing (or about to)
  let parts = []; // {file, start, seconds, url}
  let final = false; // no more parts will come
  let rate = savedSpeed();
  let wantPlay = false; // the listener pressed Play (we may be waiting for audio)
  let waitingForMore = false; // played to the end of what exists; more is being made
  let position = 0; // where we are when no part is loaded
  let frame = 0;
  let retries = 0;
  let ready = false; // the first part can play

  for (const slot of slots) {
    const el = slot.el;
    el.preload = "auto";
    applyRate(el);
    el.addEventListener("loadedmetadata", () => {
      if (slot.pending !== null) {
        el.currentTime = slot.pending;
        slot.pending = null;
      }
    }, { signal });
    el.addEventListener("canplay", () => {
      if (!ready && slot.index === 0) { ready = true; onChange(); }
    }, { signal });
    el.addEventListener("ended", () => { if (slots[cur] === slot) advance(); }, { signal });
    el.addEventListener("playing", () => { retries = 0; onChange(); }, { signal });
    el.addEventListener("waiting", () => onChange(), { signal });
    el.addEventListener("error", () => recover(slot), { signal });
  }
  signal?.addEventListener("abort", () => {
    cancelAnimationFrame(frame);
    for (const { el } of slots) { el.pause(); el.removeAttribute("src"); el.load(); }
  }, { once: true });

  function applyRate(el) {
    el.preservesPitch = true;
    el.defaultPlaybackRate = rate; // a new src resets playbackRate to this
    el.playbackRate = rate;
  }

  function load(slot, index, offset = 0) {
    slot.index = index;
    slot.pending = offset || null;
    slot.el.src = parts[index].url;
    applyRate(slot.el);
    if (offset) {
      try { slot.el.currentTime = offset; } catch { /* applied on loadedmetadata */ }
    }
  }

  const other = () => slots[1 - cur];
  const duration = () => {
    if (!parts.length) return 0;
    const last = parts[parts.length - 1];
    let seconds = last.seconds;
    if (!(seconds > 0)) {
      const slot = slots.find((s) => s.index === parts.length - 1);
      seconds = slot && Number.isFinite(slot.el.duration) ? slot.el.duration : 0;
    }
    return last.start + seconds;
  };

  function time() {
    const slot = slots[cur];
    if (slot.index < 0) return position;
    const offset = slot.pending !== null ? slot.pending : slot.el.currentTime;
    return parts[slot.index].start + (offset || 0);
  }

  function partAt(t) {
    let i = 0;
    while (i + 1 < parts.length && parts[i + 1].start <= t + 1e-6) i += 1;
    return i;
  }

  function preloadNext() {
    const next = slots[cur].index + 1;
    if (slots[cur].index >= 0 && next < parts.length && other().index !== next) load(other(), next);
  }

  function start() {
    const el = slots[cur].el;
    applyRate(el);
    el.play().catch((error) => {
      if (error?.name === "AbortError") return; // a new src replaced this one
      wantPlay = false;
      onChange();
    });
    preloadNext();
    loop();
  }

  // Called at the end of a part (or just before it): on to the next one, or wait for it.
  function advance() {
    const index = slots[cur].index;
    const next = index + 1;
    if (next < parts.length) {
      const old = slots[cur];
      if (other().index !== next) load(other(), next);
      else if (other().el.currentTime) other().el.currentTime = 0;
      cur = 1 - cur;
      if (wantPlay) start();
      old.el.pause();
      preloadNext();
      onChange();
      return;
    }
    if (!final) {
      waitingForMore = wantPlay; // resumes when the next part arrives
      onChange();
      return;
    }
    wantPlay = false;
    waitingForMore = false;
    onChange();
  }

  function loop() {
    cancelAnimationFrame(frame);
    const step = () => {
      const slot = slots[cur];
      const el = slot.el;
      if (wantPlay && !el.paused && slot.index >= 0 && Number.isFinite(el.duration)) {
        const left = (el.duration - el.currentTime) / (el.playbackRate || 1);
        const next = other();
        if (left <= EARLY_SWITCH_S && next.index === slot.index + 1 && next.el.readyState >= 3) advance();
      }
      onTick(time());
      if (wantPlay && !waitingForMore) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
  }

  async function recover(slot) {
    // A presigned URL has expired (or the network blinked): ask for fresh ones, once or twice.
    if (!refresh || retries >= 2 || slot.index < 0) { wantPlay = slots[cur] === slot ? false : wantPlay; onChange(); return; }
    retries += 1;
    const at = slot.el.currentTime || 0;
    try {
      const urls = await refresh();
      for (const part of parts) if (urls[part.file]) part.url = urls[part.file];
    } catch {
      return;
    }
    if (signal?.aborted) return;
    load(slot, slot.index, at);
    if (slots[cur] === slot && wantPlay) start();
  }

  return {
    /** Parts made so far (in order; `url` for each) and whether more will come. */
    setParts(list, { final: isFinal = false } = {}) {
      const before = parts.length;
      list.forEach((part, i) => {
        if (i < parts.length) {
          if (!parts[i].url && part.url) parts[i].url = part.url;
          if (part.seconds > 0) parts[i].seconds = part.seconds;
        } else if (part.url) {
          parts.push({ ...part });
        }
      });
      final = isFinal;
      if (parts.length && slots[cur].index < 0) {
        const t = position;
        load(slots[cur], partAt(t), t - parts[partAt(t)].start);
      }
      if (parts.length > before) {
        if (waitingForMore) {
          waitingForMore = false;
          advance();
        } else if (wantPlay && before === 0) {
          start();
        } else {
          preloadNext();
        }
      }
      if (final && waitingForMore) { waitingForMore = false; wantPlay = false; }
      onChange();
    },
    play() {
      wantPlay = true;
      if (!parts.length) { onChange(); return; } // starts when the first part arrives
      if (final && time() >= duration() - 0.05) this.seek(0);
      waitingForMore = false;
      start();
      onChange();
    },
    pause() {
      wantPlay = false;
      waitingForMore = false;
      for (const { el } of slots) el.pause();
      onTick(time());
      onChange();
    },
    toggle() { if (wantPlay) this.pause(); else this.play(); },
    seek(t) {
      const total = duration();
      t = Math.max(0, Math.min(Number(t) || 0, total || 0));
      if (!parts.length) { position = t; onTick(t); return; }
      const index = partAt(t);
      const offset = Math.max(0, t - parts[index].start);
      waitingForMore = false;
      if (slots[cur].index === index) {
        slots[cur].el.currentTime = offset;
      } else if (other().index === index) {
        slots[cur].el.pause();
        cur = 1 - cur;
        slots[cur].el.currentTime = offset;
      } else {
        slots[cur].el.pause();
        load(slots[cur], index, offset);
      }
      for (const slot of slots) if (slot !== slots[cur]) slot.el.pause();
      if (wantPlay) start();
      else preloadNext();
      onTick(time());
      onChange();
    },
    setRate(value) {
      rate = value;
      for (const { el } of slots) applyRate(el);
      saveSpeed(value);
      onChange();
    },
    get rate() { return rate; },
    get playing() { return wantPlay; },
    /** Playing was asked for but there is nothing to play yet (the first part, or the next). */
    get waiting() { return wantPlay && (!parts.length || waitingForMore); },
    get ready() { return ready; },
    get final() { return final; },
    get hasParts() { return parts.length > 0; },
    time,
    duration,
  };
}
