// Read-along: the word being spoken is highlighted in the text and on the photo
// (aria-current="true", one element of each at a time), following result.speech.words against
// the playback position. A word chosen in the text or on the photo is selected in both and
// plays from its start. For a document, the shown page follows the spoken word, and a page the
// person chooses (its button, previous / next, the keyboard) moves playback to its first spoken
// word: playing goes on from there, and Play starts there. Just after a page is chosen the view
// stays on it (HOLD_MS) while the spoken word is elsewhere (a page not recorded yet).

import { announce } from "../dom.js";
import { stepFrom, timingAt, timingsOf } from "./model.js";
import { notInRecording } from "./messages.js";
import { recordingGrows } from "./recording-follow.js";

// Seek just past a word's start so the position is inside the word, not before it.
const INTO_WORD_S = 0.001;
const HOLD_MS = 5000;

/**
 * `view` is what is shown ({job, words}, updated in place); `text` and `pages` give the elements of a word
 * (spanOf, boxOf), make one the tab stop (setStop) and bring it into view; `pages.show(p)`
 * turns to a page. `player` is set once the player exists.
 */
export function createReadAlong({ view, text, pages }) {
  let timings = { list: [], positionOf: new Map() };
  let timingsIndexOf = null;
  let player = null;
  const hold = createHold(view);
  const selection = createSelection({ view, text, pages });
  const lit = createHighlight({ view, text, pages });
  const setCurrent = lit.set;
  pages.onTurn(turnTo);
  // No more will be recorded (a book done is recorded on where it is listened to until whole).
  const recordingWhole = () => player.final || (view.job.status === "done" && !recordingGrows(view.result));

  function follow(t) {
    const at = timingAt(timings.list, t);
    const index = at >= 0 ? timings.list[at].index : -1;
    setCurrent(index, { followPage: player.playing && !hold.keeps(index) });
  }

  /** Page `p` chosen by the person: shown, and playback moved to its first spoken word. */
  function turnTo(p) {
    if (!view.pages[p]) return;
    pages.show(p, { announceIt: true });
    hold.set(p);
    const to = player ? pageStart(timings.list, view.words, p, player.time()) : null;
    if (to?.start === undefined) {
      if (to && timings.list.length) announce(pageNotHeard(p, view.pages.length, recordingWhole()));
      return;
    }
    player.seek(to.start + INTO_WORD_S);
    setCurrent(to.index, { followPage: false });
  }

  function step(dir) {
    const list = timings.list;
    if (!list.length) return;
    hold.clear();
    let at = timings.positionOf.get(lit.current());
    if (at === undefined) at = timingAt(list, player.time());
    const timing = list[stepFrom(list, at, dir)];
    player.seek(timing.start + INTO_WORD_S);
    setCurrent(timing.index);
    if (!player.playing) announce(view.words[timing.index]?.text || "");
  }

  function playFrom(index) {
    hold.clear();
    const at = timings.positionOf.get(index);
    if (at === undefined) {
      announce(notInRecording(view.words[index], recordingWhole()));
      return;
    }
    player.seek(timings.list[at].start + INTO_WORD_S);
    setCurrent(index);
    player.play();
  }

  return {
    follow,
    step,
    /** Page `p` chosen (the page buttons call this through pages.onTurn; other ways in may too). */
    turnTo,
    /** The boxes of a page were drawn again: mark the chosen and the spoken word on them. */
    markBoxes() {
      selection.markBox();
      lit.mark();
    },
    /** A word chosen in the text or on the photo: selected in both, played if there is sound. */
    choose(index, canPlay) {
      selection.select(index);
      if (canPlay) playFrom(index);
    },
    selected: selection.selected,
    /** The text was drawn again: the next follow() puts the highlight on its new elements. */
    forget: lit.forget,
    /** New timings from result.speech; kept while their number is unchanged. */
    setTimings(speech, indexOf) {
      const next = timingsOf(speech, indexOf);
      // (a book's window moved: the same number of timings may be other words')
      if (next.list.length !== timings.list.length || indexOf !== timingsIndexOf) timings = next;
      timingsIndexOf = indexOf;
      return timings.list.length > 0;
    },
    setPlayer(p) { player = p; },
    /** The read-along timings ({list, positionOf}: model.js's timingsOf). */
    timings: () => timings,
    /** Playback moved to a mark of steps.js ({start, index}): its first word lit, paused or not. */
    goTo({ start, index }) {
      hold.clear();
      player.seek(start + INTO_WORD_S);
      if (timings.positionOf.has(index)) setCurrent(index);
    },
  };
}

/** The word being spoken: aria-current and .is-current on its text and its box, both in view. */
function createHighlight({ view, text, pages }) {
  let current = -1;
  const elementsOf = (index) => [text.spanOf(index), pages.boxOf(index)];

  /** Word `index` is spoken; `followPage`: turn to its page if another is shown. */
  function set(index, { followPage = true } = {}) {
    if (index === current) return;
    for (const el of elementsOf(current)) {
      el?.classList.remove("is-current");
      el?.removeAttribute("aria-current");
    }
    current = index;
    if (index < 0) return;
    const word = view.words[index];
    if (followPage && word && word.pageIndex !== pages.shown()) pages.show(word.pageIndex, { announceIt: true });
    mark();
  }

  function mark() {
    const [span, box] = elementsOf(current);
    for (const el of [span, box]) {
      el?.classList.add("is-current");
      el?.setAttribute("aria-current", "true");
    }
    if (span) text.reveal(span);
    // Both kept clear of the mini-player; the page moves for the box only as long as the text's
    // word stays seen (the text being read is not pulled away for the page image).
    if (box) pages.reveal(box, { keep: span });
  }

  return { set, mark, current: () => current, forget() { current = -2; } };
}

/** The word chosen last, marked "selected" in the text and pressed on the photo. */
function createSelection({ view, text, pages }) {
  let selected = -1;

  function select(index) {
    if (selected >= 0) {
      text.spanOf(selected)?.classList.remove("selected");
      const old = pages.boxOf(selected);
      old?.classList.remove("selected");
      old?.setAttribute("aria-pressed", "false");
    }
    selected = index;
    const word = view.words[index];
    if (word && word.pageIndex !== pages.shown()) pages.show(word.pageIndex);
    const span = text.spanOf(index);
    const box = pages.boxOf(index);
    span?.classList.add("selected");
    box?.classList.add("selected");
    box?.setAttribute("aria-pressed", "true");
    if (span) { text.reveal(span); text.setStop(span); }
    if (box) pages.setStop(box);
  }

  function markBox() {
    const box = pages.boxOf(selected);
    if (!box) return;
    box.classList.add("selected");
    box.setAttribute("aria-pressed", "true");
    pages.setStop(box);
  }

  return { select, markBox, selected: () => selected };
}

/** The page the person chose last, kept in view for a moment while the spoken word is elsewhere. */
function createHold(view) {
  let hold = null; // {page, until}
  return {
    set(page) { hold = { page, until: performance.now() + HOLD_MS }; },
    clear() { hold = null; },
    /** Whether the view stays on the chosen page rather than follow word `index` (until it is there). */
    keeps(index) {
      if (hold && (view.words[index]?.pageIndex === hold.page || performance.now() > hold.until)) hold = null;
      return hold !== null;
    },
  };
}

/**
 * Where playback goes when page `p` is chosen at time `t`: null to stay (the word heard is on
 * that page already), the timing of its first spoken word, or {} when it has none (yet).
 */
function pageStart(list, words, p, t) {
  const here = timingAt(list, t);
  if (here >= 0 && words[list[here].index]?.pageIndex === p) return null;
  return list.find((x) => words[x.index]?.pageIndex === p) || {};
}

// Said when a chosen page has nothing in the recording: it follows "Page 2 of 3." in one sentence.
function pageNotHeard(p, total, final) {
  return `Page ${p + 1} of ${total}: ${final ? "it has no text to hear" : "not recorded yet"}.`;
}
