import { test } from "node:test";
import assert from "node:assert/strict";

import { chapterMarks, paragraphs, sentenceMarks } from "../../static_site/js/result/transcript.js";

const seg = (start, end, words, paragraph) => ({
  start, end, text: words.join(" "), ...(paragraph ? { paragraph: true } : {}),
  words: words.map((text, i) => ({ text, start: start + i, end: start + i + 0.8 })),
});
const timingsOf = (segments) => segments.flatMap((s) => s.words.map((w) => ({ start: w.start, end: w.end, text: w.text })));

test("segments are grouped in the paragraphs they mark, or one each when none is marked", () => {
  const marked = [seg(0, 2, ["Good", "morning."], true), seg(3, 5, ["Today", "rivers."]), seg(10, 11, ["Questions?"], true)];
  assert.deepEqual(paragraphs(marked).map((p) => p.length), [2, 1]);
  const old = [seg(0, 2, ["Hello."]), seg(3, 4, ["Again."]), { start: 5, end: 6, text: " ", words: [] }];
  assert.deepEqual(paragraphs(old).map((p) => p.length), [1, 1]); // an empty segment is no paragraph
});

test("sentence marks come from result.sentences, else from the words' stops", () => {
  const segments = [seg(0, 3, ["Good", "morning.", "Today"]), seg(3, 6, ["we", "start.", "Yes"])];
  const timings = timingsOf(segments);
  const fromResult = sentenceMarks({ segments, sentences: [{ start: 0, end: 1.8 }, { start: 2, end: 4.8 }, { start: 5, end: 5.8 }] }, timings);
  assert.deepEqual(fromResult, [{ start: 0, index: 0 }, { start: 2, index: 2 }, { start: 5, index: 5 }]);
  assert.deepEqual(sentenceMarks({ segments }, timings), fromResult);
});

test("a chapter is marked at the first word heard from its start", () => {
  const segments = [seg(0, 3, ["a", "b", "c"]), seg(300.5, 302, ["Now", "the"])];
  const marks = chapterMarks({ chapters: [{ title: "a b c", start: 0, segment: 0 }, { title: "", start: 300, segment: 1 },
    { title: "bad", start: "x" }] }, timingsOf(segments));
  assert.deepEqual(marks, [{ title: "a b c", start: 0, index: 0 }, { title: "At 5:00", start: 300, index: 3 }]);
});
