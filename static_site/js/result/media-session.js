// The Media Session (headphones' buttons, the lock screen, the browser's media controls): the
// recording's title (the document's title, else the file's name), "PageVoice" as the artist,
// the chapter heard as the album; play, pause, previous / next track as a sentence back / on,
// 10 seconds back / on, and a seek to a time; the position kept with the speed.

import { chapterAt, timedChapters } from "./chapters.js";

const SEEK_OFFSET_S = 10;
const POSITION_EVERY_MS = 1000; // while playing the browser runs the position on by itself

/** `steps.step(unit, dir)` from listening.js; `chapters()` its chapter list (chapters.js). */
export function createMediaSession({ signal, player, steps }) {
  const session = typeof navigator !== "undefined" ? navigator.mediaSession : undefined;
  if (!session || typeof MediaMetadata === "undefined") return { show() {}, update() {} };
  let title = "";
  let album = null;
  let timed = [];
  let listed = null;
  let positionAt = 0;

  const handlers = {
    play: () => player.play(),
    pause: () => player.pause(),
    previoustrack: () => steps.step("sentence", -1),
    nexttrack: () => steps.step("sentence", 1),
    seekbackward: (d) => player.seek(player.time() - (d?.seekOffset || SEEK_OFFSET_S)),
    seekforward: (d) => player.seek(player.time() + (d?.seekOffset || SEEK_OFFSET_S)),
    seekto: (d) => { if (Number.isFinite(d?.seekTime)) player.seek(d.seekTime); },
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try { session.setActionHandler(action, handler); } catch { /* an action this browser lacks */ }
  }
  signal.addEventListener("abort", () => {
    for (const action of Object.keys(handlers)) {
      try { session.setActionHandler(action, null); } catch { /* as above */ }
    }
    session.metadata = null;
    session.playbackState = "none";
  }, { once: true });

  function setMetadata() {
    session.metadata = new MediaMetadata({ title, artist: "PageVoice", ...(album ? { album } : {}) });
  }

  /** The job shown: its title, and its chapters (listening.js's list). */
  function show({ job, result }) {
    const next = String(result?.document?.title || "").trim() || job?.filename || "Recording";
    const list = steps.chapters();
    if (list !== listed) {
      listed = list;
      timed = timedChapters(list);
    }
    if (next !== title) {
      title = next;
      setMetadata();
    }
  }

  /** The position or state changed (`force`: not only on the clock: a seek, play, pause, the speed). */
  function update(t, { force = false } = {}) {
    const at = timed.length ? chapterAt(timed, t) : -1;
    const chapter = at >= 0 ? listed[at]?.title ?? null : null;
    if (chapter !== album && title) {
      album = chapter;
      setMetadata();
    }
    session.playbackState = player.playing ? "playing" : "paused";
    const now = performance.now();
    if (!force && now - positionAt < POSITION_EVERY_MS) return;
    positionAt = now;
    const duration = player.duration();
    if (!(duration > 0) || typeof session.setPositionState !== "function") return;
    try {
      session.setPositionState({ duration, playbackRate: player.rate, position: Math.min(Math.max(0, t), duration) });
    } catch { /* a duration the browser refuses: the position is left as it was */ }
  }

  return { show, update };
}
