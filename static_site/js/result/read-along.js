// Read-along: the word being spoken is highlighted in the text and on the photo
// (aria-current="true", one element of each at a time), following result.speech.words against
// the playback position. A word chosen in the text or on the photo is selected in both and
// plays from its start. For a document, the shown page follows the spoken word.

import { announce } from "../dom.js";
import { stepFrom, timingAt, timingsOf } from "./model.js";
import { notInRecording } from "./messages.js";

// Seek just past a word's start so the position is inside the word, not before it.
const INTO_WORD_S = 0.001;

/**
 * `view` is what is shown ({job, words}, updated in place); `text` and `pages` give the elements of a word
 * (spanOf, boxOf), make one the tab stop (setStop) and bring it into view; `pages.show(p)`
 * turns to a page. `player` is set once the player exists.
 */
export function createReadAlong({ view, text, pages }) {
  let timings = { list: [], positionOf: new Map() };
  let current = -1; // the word being spoken
  let player = null;
  const selection = createSelection({ view, text, pages });

  const elementsOf = (index) => [text.spanOf(index), pages.boxOf(index)];

  function follow(t) {
    const at = timingAt(timings.list, t);
    setCurrent(at >= 0 ? timings.list[at].index : -1, { followPage: player.playing });
  }

  function setCurrent(index, { followPage = true } = {}) {
    if (index === current) return;
    for (const el of elementsOf(current)) {
      el?.classList.remove("is-current");
      el?.removeAttribute("aria-current");
    }
    current = index;
    if (index < 0) return;
    const word = view.words[index];
    if (followPage && word && word.pageIndex !== pages.shown()) pages.show(word.pageIndex, { announceIt: true });
    markCurrent();
  }

  function markCurrent() {
    const [span, box] = elementsOf(current);
    for (const el of [span, box]) {
      el?.classList.add("is-current");
      el?.setAttribute("aria-current", "true");
    }
    if (span) text.reveal(span);
    if (box) pages.reveal(box);
  }

  function step(dir) {
    const list = timings.list;
    if (!list.length) return;
    let at = timings.positionOf.get(current);
    if (at === undefined) at = timingAt(list, player.time());
    const timing = list[stepFrom(list, at, dir)];
    player.seek(timing.start + INTO_WORD_S);
    setCurrent(timing.index);
    if (!player.playing) announce(view.words[timing.index]?.text || "");
  }

  function playFrom(index) {
    const at = timings.positionOf.get(index);
    if (at === undefined) {
      announce(notInRecording(view.words[index], player.final || view.job.status === "done"));
      return;
    }
    player.seek(timings.list[at].start + INTO_WORD_S);
    setCurrent(index);
    player.play();
  }

  return {
    follow,
    step,
    /** The boxes of a page were drawn again: mark the chosen and the spoken word on them. */
    markBoxes() {
      selection.markBox();
      markCurrent();
    },
    /** A word chosen in the text or on the photo: selected in both, played if there is sound. */
    choose(index, canPlay) {
      selection.select(index);
      if (canPlay) playFrom(index);
    },
    selected: selection.selected,
    /** The text was drawn again: the next follow() puts the highlight on its new elements. */
    forget() { current = -2; },
    /** New timings from result.speech; kept while their number is unchanged. */
    setTimings(speech, indexOf) {
      const next = timingsOf(speech, indexOf);
      if (next.list.length !== timings.list.length) timings = next;
      return timings.list.length > 0;
    },
    setPlayer(p) { player = p; },
  };
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
