// Steps by sentence, paragraph and chapter, words per minute, and the speeds (issue 40).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { indexWords, timingsOf } from "../../static_site/js/result/model.js";
import {
  BACK_GRACE_S, chapterMarks, linesByBlankSpace, markAt, paragraphMarks, paragraphStarts, sentenceMarks, sentenceText,
  stepTarget, wordsPerMinute,
} from "../../static_site/js/result/steps.js";
import { MAX_SPEED, MIN_SPEED, speedChoices, validSpeed } from "../../static_site/js/result/player/speeds.js";

// A line of words at height `top` (40 px tall).
const line = (text, top) => ({
  text, box: [[0, top], [500, top], [500, top + 40], [0, top + 40]],
  words: text.split(" ").map((w) => ({ text: w, box: [[0, top], [10, top], [10, top + 40], [0, top + 40]] })),
});

// Two paragraphs (a blank line's space between them), four sentences.
const page = {
  lines: [line("The tide came in. Boats rose", 0), line("slowly on it.", 50), line("Night fell! Gulls slept.", 160)],
};
const { words, indexOf } = indexWords([page]);
// Word i is heard from i * 0.5 s to i * 0.5 + 0.4 s.
const speech = { words: words.map((w, i) => ({ line: w.lineIndex, word: w.wordInLine, start: i * 0.5, end: i * 0.5 + 0.4 })) };
const timings = timingsOf(speech, indexOf);

describe("sentences", () => {
  it("come from the timed words' punctuation when the result has none", () => {
    const marks = sentenceMarks({ sentences: undefined, timings, words, indexOf });
    assert.deepEqual(marks.map((m) => m.index), [0, 4, 9, 11]); // The / Boats / Night / Gulls
    assert.deepEqual(marks.map((m) => m.start), [0, 2, 4.5, 5.5]);
  });

  it("come from result.speech.sentences when given: each its first word's start", () => {
    const sentences = [{ start: 0, end: 1.9, line: 0, word: 0 }, { start: 1.95, end: 4.4, line: 0, word: 4 },
      { start: 4.45, end: 6, line: 2, word: 0 }];
    const marks = sentenceMarks({ sentences, timings, words, indexOf });
    assert.deepEqual(marks, [{ start: 0, index: 0 }, { start: 2, index: 4 }, { start: 4.5, index: 9 }]);
  });

  it("a paragraph's first word starts a sentence even without punctuation before it", () => {
    const starts = new Set([0, 6]);
    const marks = sentenceMarks({ timings, words, indexOf, paragraphStarts: starts });
    assert.ok(marks.some((m) => m.index === 6));
  });

  it("say their words (to the next sentence)", () => {
    const marks = sentenceMarks({ timings, words, indexOf });
    assert.equal(sentenceText(marks, 1, timings, words), "Boats rose slowly on it.");
    assert.equal(sentenceText(marks, 3, timings, words), "Gulls slept.");
    assert.equal(sentenceText(marks, 1, timings, words, 2), "Boats rose …");
  });
});

describe("paragraphs", () => {
  it("are lines grouped by blank space when there are no blocks", () => {
    assert.deepEqual(linesByBlankSpace(page.lines), [[0, 1], [2]]);
    assert.deepEqual(linesByBlankSpace([{ box: null }, { box: null }]), [[0], [1]]);
    const starts = paragraphStarts({ blocksByPage: null, pages: [page], indexOf });
    assert.deepEqual([...starts], [0, 9]);
    assert.deepEqual(paragraphMarks(starts, timings), [{ start: 0, index: 0 }, { start: 4.5, index: 9 }]);
  });

  it("are the spoken blocks of section 13", () => {
    const blocks = [[
      { role: "heading", lines: [0], spoken: true },
      { role: "page-number", lines: [1], spoken: false },
      { role: "paragraph", lines: [2], spoken: true },
    ]];
    assert.deepEqual([...paragraphStarts({ blocksByPage: blocks, pages: [page], indexOf })], [0, 9]);
  });
});

describe("chapters", () => {
  it("are their heading's first word, or their start", () => {
    const blocks = [[{ role: "heading", lines: [0] }, { role: "paragraph", lines: [1] }, { role: "heading", lines: [2] }]];
    const chapters = [{ title: "One", level: 1, page: 0, block: 0, start: 0 }, { title: "Two", level: 1, page: 0, block: 2, start: 4.4 }];
    assert.deepEqual(chapterMarks({ chapters, blocksByPage: blocks, indexOf, timings }),
      [{ start: 0, index: 0 }, { start: 4.5, index: 9 }]);
    assert.deepEqual(chapterMarks({ chapters: undefined, blocksByPage: blocks, indexOf, timings }), []);
  });
});

describe("a step", () => {
  const marks = [{ start: 0, index: 0 }, { start: 2, index: 4 }, { start: 4.5, index: 9 }, { start: 5.5, index: 11 }];

  it("forward reaches the next mark", () => {
    assert.equal(stepTarget(marks, 0, 1).index, 4);
    assert.equal(stepTarget(marks, 2.001, 1).index, 9); // just after a step there: the one after it
    assert.equal(stepTarget(marks, 3.9, 1).index, 9);
    assert.equal(stepTarget(marks, 6, 1), null); // the last
  });

  it("back goes to the start of the one heard after the grace, else to the one before", () => {
    assert.equal(BACK_GRACE_S, 1.5);
    assert.equal(stepTarget(marks, 4.4, -1).index, 4); // 2.4 s into the second: its start
    assert.equal(stepTarget(marks, 2.001, -1).index, 0); // at its start: the one before
    assert.equal(stepTarget(marks, 3.0, -1).index, 0); // 1 s in: the one before
    assert.equal(stepTarget(marks, 3.0, -1, 0.5).index, 4); // (at 3x the grace is shorter)
    assert.equal(stepTarget(marks, 0.3, -1).index, 0); // in the first: its start
    assert.equal(stepTarget([], 1, -1), null);
  });

  it("counts a mark a hair after the position as reached (a seek lands short)", () => {
    assert.equal(markAt(marks, 1.99), 1);
    assert.equal(markAt(marks, -1), -1);
  });
});

describe("words per minute", () => {
  it("are the timed words over their span, times the speed", () => {
    const list = timings.list; // 13 words over 6.4 s
    assert.equal(wordsPerMinute(list, 1), Math.round((13 / 6.4) * 60));
    assert.equal(wordsPerMinute(list, 4), Math.round((13 / 6.4) * 240));
    assert.equal(wordsPerMinute(list.slice(0, 1), 1), null);
    assert.equal(wordsPerMinute([], 1), null);
  });
});

describe("speeds", () => {
  it("run from 0.5x to 4x in tenths", () => {
    const list = speedChoices(1);
    assert.equal(list.length, 36);
    assert.equal(list[0], MIN_SPEED);
    assert.equal(list.at(-1), MAX_SPEED);
    assert.ok(list.includes(1.1) && list.includes(3.3) && !list.includes(0.75));
  });

  it("keep a speed saved from the older list in its place", () => {
    const list = speedChoices(0.75);
    assert.equal(list.length, 37);
    assert.deepEqual(list.slice(2, 5), [0.7, 0.75, 0.8]);
    assert.equal(validSpeed("1.25"), 1.25);
    assert.equal(validSpeed("0.75"), 0.75);
  });

  it("refuse what is out of range or not a number", () => {
    for (const bad of ["0.4", "4.1", "", null, "fast", "NaN"]) assert.equal(validSpeed(bad), null, bad);
    assert.equal(validSpeed("4"), 4);
  });
});
