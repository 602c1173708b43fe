import { test } from "node:test";
import assert from "node:assert/strict";

import { chapterOfPage, findIn, normalise, pagesOfText, phraseAt } from "../../static_site/js/result/search-text.js";

test("phrases are compared whatever their case and spacing", () => {
  assert.equal(normalise("The  Keeper\ncounted"), "the keeper counted");
  const hits = findIn([{ page: 3, text: "Leaf 4." }, { page: 987, text: "The keeper counted\nnine grey gulls on page 988." }],
    "keeper COUNTED nine");
  assert.equal(hits.length, 1);
  assert.equal(hits[0].page, 987);
  assert.match(hits[0].snippet, /keeper counted nine grey gulls/);
  assert.deepEqual(findIn([{ page: 0, text: "x" }], "  "), []);
  assert.equal(findIn([{ page: 0, text: "a a a a" }], "a", 2).length, 2); // at most `limit`
});

test("a shard's text parts into its pages when it can, else says it cannot", () => {
  assert.deepEqual(pagesOfText("\n\nOne.\n\nTwo.", 2), ["One.", "Two."]);
  assert.equal(pagesOfText("One.\n\nTwo, para 2.\n\nThree.", 2), null);
});

test("a hit's first word among a page's words, and its chapter", () => {
  const words = ["Leaf", "9.", "The", "keeper", "counted", "nine"].map((text, index) => ({ text, index: index + 10 }));
  assert.equal(phraseAt(words, "the KEEPER counted"), 12);
  assert.equal(phraseAt(words, "gulls"), undefined);
  const chapters = [{ page: 0, title: "One" }, { page: 25, title: "Two" }];
  assert.equal(chapterOfPage(chapters, 24).title, "One");
  assert.equal(chapterOfPage(chapters, 25).title, "Two");
});

test("the sleep timer's end of chapter is the next chapter's start", async () => {
  // (a module that builds DOM only when created: its pure part is importable)
  const { chapterEnd } = await import("../../static_site/js/result/sleep-timer.js");
  const chapters = [{ start: 0 }, { start: 100 }, { start: null }, { start: 250 }];
  assert.equal(chapterEnd(chapters, 10), 100);
  assert.equal(chapterEnd(chapters, 120), 250);
  assert.equal(chapterEnd(chapters, 260), null);
});
