// Resume anywhere: while the recording plays, where the listener is is saved to the account
// (PUT /jobs/{id}/position, CONTRACTS section 14) every few seconds, on pause, and as the page
// goes away (pagehide, the tab hidden, another view); the job opened again (on any device
// signed in) seeks there without playing, and offers "Resume from 2:07" or "Start from the
// beginning".

import { savePlace, savePosition } from "../api.js";
import { clock } from "./messages.js";
import { heardToTheEnd } from "./model.js";
import { RECORDING_WANTED } from "./recording-follow.js";

const SAVE_EVERY_MS = 5000;
const MOVED_S = 0.5; // a position this close to the one saved is not sent again
const FROM_START_S = 1; // a saved position before this is the beginning: nothing to offer
const END_SLACK_S = 1; // the API's own slack past the recording's end

/**
 * `jobId` the job shown; `player` the page's player; `book()` a book's view (book-view.js, with
 * `placeNow()`), whose place is saved as a place in its text: its clock is not known everywhere
 * while it is made (CONTRACTS section 15).
 */
export function createResume(root, { signal, jobId, player, book = () => null }) {
  const els = build(root);
  let saved = null; // the last position saved (or restored)
  let pending = null; // a position to restore once the recording can be sought
  let offered = false;
  let restored = null; // the position the "Resume from" button goes to
  let wasPlaying = false;
  let last = 0; // the position last seen (the elements are emptied when the view goes away)

  // A book's place saved asks for the minutes after it (CONTRACTS section 15): the job view looks
  // for them (views/job.js follows a finished book's recording while sections are queued).
  // (soft: while it is asked for anyway, a place saved every few seconds does not hurry it)
  const places = createPlaces(jobId, book, () => root.dispatchEvent(new CustomEvent(RECORDING_WANTED, { detail: { soft: true } })));
  function save({ keepalive = false, t = player.time() } = {}) {
    if (!player.hasParts) return;
    if (book()) {
      places.save(keepalive);
      return;
    }
    if (!Number.isFinite(t) || (saved !== null && Math.abs(t - saved) < MOVED_S) || (saved === null && t < MOVED_S)) return;
    saved = t;
    savePosition(jobId, t, { keepalive }).catch(() => { saved = null; }); // tried again on the next save
  }

  saveWhile({ signal, player, save, last: () => last });

  let restoredPlace = null; // a book's: the place "Resume" plays from
  els.resume.addEventListener("click", () => {
    close();
    if (restoredPlace) {
      book().goToPlace(restoredPlace);
      return;
    }
    if (restored !== null) player.seek(restored);
    player.play();
  }, { signal });
  els.restart.addEventListener("click", () => {
    close();
    if (restoredPlace) {
      book().goToPlace({ page: 0, line: 0, word: 0 }, { play: false });
      return;
    }
    player.seek(0);
  }, { signal });

  function close() {
    const hadFocus = els.panel.contains(document.activeElement);
    els.panel.hidden = true;
    if (hadFocus) root.querySelector("#play-button")?.focus();
  }

  /** Each answer about the job: the saved position is taken from the first one. */
  function offer(job) {
    if (offered) return;
    offered = true;
    restoredPlace = book() ? offerPlace(els, job?.position?.place, book()) : null;
    if (restoredPlace) {
      places.saved(restoredPlace);
      return;
    }
    const t = Number(job?.position?.t);
    if (Number.isFinite(t) && t >= FROM_START_S) pending = t;
  }

  /** The player's state changed: restore once it can seek; save when playing stops. */
  function update() {
    last = player.time();
    if (wasPlaying && !player.playing) save();
    wasPlaying = player.playing;
    if (player.playing) { // playing on from there (or from elsewhere, before it could be restored)
      pending = null;
      els.panel.hidden = true;
      return;
    }
    if (pending === null || !player.hasParts) return;
    const total = player.duration();
    if (!(total > 0)) return;
    const t = pending;
    if (t > total + END_SLACK_S && !player.final) return; // not made that far yet: wait for it
    pending = null;
    if (t > total + END_SLACK_S) return; // (a recording made again, shorter)
    if (player.final && heardToTheEnd(t, total)) return; // a whole recording heard to its end: play starts from the beginning
    player.seek(Math.min(t, total));
    saved = restored = t;
    last = player.time();
    els.text.textContent = `You stopped at ${clock(t)}.`;
    els.resume.textContent = `Resume from ${clock(t)}`;
    els.panel.hidden = false;
  }

  return { offer, update, tick: (t) => { last = t; } };
}

/** Saved every few seconds while playing, and as the page goes away (`last()`: the time then). */
function saveWhile({ signal, player, save, last }) {
  const timer = setInterval(() => { if (player.playing) save(); }, SAVE_EVERY_MS);
  const away = () => save({ keepalive: true });
  window.addEventListener("pagehide", away, { signal });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") away(); }, { signal });
  signal.addEventListener("abort", () => { clearInterval(timer); save({ keepalive: true, t: last() }); }, { once: true });
}

/** A book's place saved when it changed (book().placeNow(): the word heard); `onSaved()` after. */
function createPlaces(jobId, book, onSaved) {
  let last = null;
  return {
    save(keepalive) {
      const place = book().placeNow();
      const key = JSON.stringify(place);
      if (!place || key === last) return;
      last = key;
      savePlace(jobId, place, { keepalive }).then(onSaved, () => { last = null; }); // tried again on the next save
    },
    saved(place) { last = JSON.stringify(place); },
  };
}

/** A book's saved place shown and offered (its page loaded, its word selected); null at the start. */
function offerPlace(els, place, book) {
  if (!place || !(place.page || place.line || place.word)) return null;
  const at = { page: place.page, line: place.line ?? 0, word: place.word ?? 0 };
  book.goToPlace(at, { play: false });
  const where = `page ${(place.page + 1).toLocaleString("en")}`;
  els.text.textContent = `You stopped on ${where}.`;
  els.resume.textContent = `Resume from ${where}`;
  els.panel.hidden = false;
  return at;
}

function build(root) {
  const panel = document.createElement("div");
  panel.className = "message message-info resume";
  panel.id = "resume";
  panel.dataset.testid = "resume";
  panel.setAttribute("role", "group");
  panel.setAttribute("aria-labelledby", "resume-text");
  panel.hidden = true;
  const text = panel.appendChild(document.createElement("p"));
  text.id = "resume-text";
  const row = panel.appendChild(document.createElement("p"));
  row.className = "player-row resume-actions";
  const resume = row.appendChild(button("resume-play", "button button-small"));
  const restart = row.appendChild(button("resume-restart", "button button-small button-quiet"));
  restart.textContent = "Start from the beginning";
  root.querySelector("#player-title").after(panel);
  return { panel, text, resume, restart };
}

function button(id, className) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = className;
  el.id = id;
  el.dataset.testid = id;
  return el;
}
