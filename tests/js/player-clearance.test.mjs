// The lit word kept clear of the mini-player's bar (issue 76 part 2): how far the text's box, the
// zoomed page image or the page scrolls so that a word is above the bar, and when the page moves.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  CLEAR_GAP, MIN_SEEN, boxSeenBottom, isSeen, pageClearBy, pageClearKeeping, scrollWithinBy, seenEnd,
} from "../../static_site/js/result/player/clearance.js";

const HEIGHT = 740; // a phone's window
const BAR = { top: 620, bottom: 740 }; // the bar fixed at its bottom, 120 px tall
const word = (top, height = 24) => ({ top, bottom: top + height });

describe("where the window stops being seen", () => {
  it("is the bar's top while it shows, else the window's bottom", () => {
    assert.equal(seenEnd(HEIGHT, BAR), 620);
    assert.equal(seenEnd(HEIGHT, null), HEIGHT);
  });

  it("is the bar's top for a box running under it, the box's own bottom above it", () => {
    assert.equal(boxSeenBottom({ top: 300, bottom: 700 }, 620), 620);
    assert.equal(boxSeenBottom({ top: 100, bottom: 500 }, 620), 500);
  });

  it("is the box's own bottom when only a sliver of it is above the bar (the page moves then)", () => {
    const box = { top: 620 - MIN_SEEN + 1, bottom: 1000 };
    assert.equal(boxSeenBottom(box, 620), 1000);
  });
});

describe("a scrolling box (the text, the zoomed page image)", () => {
  const box = { top: 300, bottom: 700 }; // runs 80 px under the bar

  it("scrolls a word under the bar up above it, with a gap", () => {
    assert.equal(scrollWithinBy(box, word(630), 620), 630 + 24 - 620 + CLEAR_GAP);
  });

  it("leaves a word seen above the bar where it is", () => {
    assert.equal(scrollWithinBy(box, word(400), 620), 0);
    assert.equal(scrollWithinBy(box, word(620 - 24 - 1), 620), 0);
  });

  it("scrolls a word above the box's top down into it", () => {
    assert.equal(scrollWithinBy(box, word(250), 620), 250 - 300 - CLEAR_GAP);
  });

  it("never takes a word past the box's top (a box shorter than its word)", () => {
    const low = { top: 560, bottom: 800 };
    assert.equal(boxSeenBottom(low, 620), 620);
    assert.equal(scrollWithinBy(low, word(590, 60), 620), 590 - 560);
  });

  it("without the bar, only the box's own edges count", () => {
    assert.equal(scrollWithinBy(box, word(650), HEIGHT), 0);
    assert.equal(scrollWithinBy(box, word(690), HEIGHT), 690 + 24 - 700 + CLEAR_GAP);
  });
});

describe("the page", () => {
  it("moves a word under the bar up above it", () => {
    assert.equal(pageClearBy(word(650), HEIGHT, BAR), 650 + 24 - 620 + CLEAR_GAP);
    assert.equal(pageClearBy(word(610), HEIGHT, BAR), 610 + 24 - 620 + CLEAR_GAP); // partly under
  });

  it("stays for a word seen, above the screen or below it, and while the bar is hidden", () => {
    assert.equal(pageClearBy(word(300), HEIGHT, BAR), 0);
    assert.equal(pageClearBy(word(-500), HEIGHT, BAR), 0);
    assert.equal(pageClearBy(word(900), HEIGHT, BAR), 0);
    assert.equal(pageClearBy(word(700), HEIGHT, null), 0);
  });

  it("moves for the page image's box only while the text's lit word stays seen", () => {
    const box = word(650);
    const by = 650 + 24 - 620 + CLEAR_GAP;
    assert.equal(pageClearKeeping(box, null, HEIGHT, BAR), by); // no text word (a photo without text)
    assert.equal(pageClearKeeping(box, word(-300), HEIGHT, BAR), by); // the text's word is not seen
    assert.equal(pageClearKeeping(box, word(400), HEIGHT, BAR), by); // still seen after
    assert.equal(pageClearKeeping(box, word(by - 1), HEIGHT, BAR), 0); // it would leave the top
  });

  it("says what is seen: between the window's top and the bar's", () => {
    assert.equal(isSeen(word(300), HEIGHT, BAR), true);
    assert.equal(isSeen(word(630), HEIGHT, BAR), false);
    assert.equal(isSeen(word(630), HEIGHT, null), true);
    assert.equal(isSeen(word(-30), HEIGHT, BAR), false);
  });
});
