// The page result's model: pages, the word index and the read-along timings (CONTRACTS 1, 7, 10).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  allWords, aspectOf, indexWords, isDocument, pagesOf, pageToShow, recordingParts, shapeOf,
  stepFrom, timingAt, timingsOf, wordsOnPage,
} from "../../static_site/js/result/model.js";

const line = (text) => ({ text, words: text.split(" ").map((w) => ({ text: w, box: [[0, 0], [1, 1]] })) });

const photo = {
  width: 400, height: 300, text: "OPEN DAILY\nNINE TO FIVE",
  lines: [line("OPEN DAILY"), line("NINE TO FIVE")],
};

const documentResult = {
  text: "first page\nsecond page here",
  document: { pages: 3, read: 2, pages_in_file: 3 },
  pages: [
    { width: 100, height: 200, text: "first page", lines: [line("first page")], image: "page-1.png" },
    { width: 100, height: 200, text: "second page here", lines: [line("second page here")], image: "page-2.png" },
  ],
};

describe("pages", () => {
  it("a photo is one page without an image of its own", () => {
    assert.equal(isDocument(photo), false);
    const pages = pagesOf(photo);
    assert.equal(pages.length, 1);
    assert.deepEqual([pages[0].width, pages[0].height, pages[0].image], [400, 300, null]);
    assert.equal(pages[0].lines, photo.lines);
  });

  it("a document's pages are its own, with their images", () => {
    assert.equal(isDocument(documentResult), true);
    assert.deepEqual(pagesOf(documentResult).map((p) => p.image), ["page-1.png", "page-2.png"]);
  });

  it("one page is a document only when the result says it came from one", () => {
    const onePage = { pages: [documentResult.pages[0]] };
    assert.equal(isDocument(onePage), false);
    assert.equal(isDocument({ ...onePage, document: { pages: 1 } }), true);
    assert.equal(isDocument({ pages: [] }), false);
    // A book is a document before its first page is read (issue 77: not shown as a photo).
    const book = { pages: [], document: { book: true, pages: 90, read: 0 } };
    assert.equal(isDocument(book), true);
    assert.deepEqual(pagesOf(book), []);
    assert.equal(isDocument(null), false);
  });

  it("the page shown after growth stays put, falls back to the last, starts at the first", () => {
    assert.equal(pageToShow(-1, 3), 0);
    assert.equal(pageToShow(1, 3), 1);
    assert.equal(pageToShow(5, 2), 1);
  });

  it("a page's aspect is 1 when its size is unknown", () => {
    assert.equal(aspectOf({ width: 400, height: 200 }), 2);
    assert.equal(aspectOf({ width: 400 }), 1);
    assert.equal(aspectOf(undefined), 1);
  });

  it("the shape changes when a page, a line, text or an unsure word is added", () => {
    const pages = pagesOf(documentResult);
    const shape = shapeOf(documentResult, pages);
    assert.equal(shape, shapeOf({ ...documentResult }, [...pages]));
    const more = [...pages, { lines: [] }];
    assert.notEqual(shapeOf(documentResult, more), shape);
    assert.notEqual(shapeOf({ ...documentResult, text: `${documentResult.text}!` }, pages), shape);
    assert.notEqual(shapeOf({ ...documentResult, unsure: [{ text: "x" }] }, pages), shape);
  });
});

describe("word index", () => {
  it("numbers every word in reading order with its page, line and place", () => {
    const words = allWords(pagesOf(photo));
    assert.deepEqual(words.map((w) => w.text), ["OPEN", "DAILY", "NINE", "TO", "FIVE"]);
    assert.deepEqual(words.map((w) => w.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(
      words.map((w) => [w.pageIndex, w.lineIndex, w.wordInLine]),
      [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [0, 1, 2]],
    );
    assert.deepEqual(words[0].box, [[0, 0], [1, 1]]);
  });

  it("continues the running index across the pages of a document", () => {
    const { words, indexOf } = indexWords(pagesOf(documentResult));
    assert.equal(words.length, 5);
    assert.deepEqual(wordsOnPage(words, 1).map((w) => [w.text, w.index]), [["second", 2], ["page", 3], ["here", 4]]);
    assert.equal(indexOf(1, 0, 2), 4);
    assert.equal(indexOf(0, 0, 1), 1);
    assert.equal(indexOf(undefined, 0, 1), 1, "no page means the first");
    assert.equal(indexOf(2, 0, 0), undefined);
    assert.equal(indexOf(1, 0, 3), undefined);
  });

  it("is empty for a result without text", () => {
    const { words, indexOf } = indexWords(pagesOf({ width: 1, height: 1, text: "", lines: [] }));
    assert.deepEqual(words, []);
    assert.equal(indexOf(0, 0, 0), undefined);
    assert.deepEqual(pagesOf({ text: "" })[0].lines, []);
  });
});

const photoIndex = indexWords(pagesOf(photo));
const photoSpeech = {
  words: [ // out of order on purpose: the list is sorted by start
    { line: 1, word: 0, start: 1.5, end: 1.9 },
    { line: 0, word: 0, start: 0.2, end: 0.6 },
    { line: 0, word: 1, start: 0.8, end: 1.2 },
    { line: 1, word: 1, start: "2.0", end: 2.2 },
    { line: 1, word: 2, start: 2.5, end: 3.1 },
  ],
};

describe("timings", () => {
  const { list, positionOf } = timingsOf(photoSpeech, photoIndex.indexOf);
  const heard = (t) => { const at = timingAt(list, t); return at < 0 ? null : list[at].index; };

  it("are in speaking order, each tied to its word", () => {
    assert.deepEqual(list.map((t) => t.index), [0, 1, 2, 3, 4]);
    assert.equal(list[3].start, 2);
    assert.equal(positionOf.get(2), 2);
  });

  it("give no word before the first starts", () => {
    assert.equal(heard(0), null);
    assert.equal(heard(0.1), null);
  });

  it("give the word being spoken, and the last one started between words", () => {
    assert.equal(heard(0.2), 0);
    assert.equal(heard(0.5), 0);
    assert.equal(heard(0.7), 0, "in the gap after OPEN");
    assert.equal(heard(0.8), 1);
    assert.equal(heard(1.4), 1);
    assert.equal(heard(2.1), 3);
  });

  it("count a start a millisecond ahead as reached", () => {
    assert.equal(heard(1.4995), 2);
    assert.equal(heard(1.49), 1);
  });

  it("keep the last word after the end of the recording", () => {
    assert.equal(heard(3.0), 4);
    assert.equal(heard(99), 4);
  });

  it("step one word back or on, within the list", () => {
    assert.equal(stepFrom(list, 2, 1), 3);
    assert.equal(stepFrom(list, 2, -1), 1);
    assert.equal(stepFrom(list, 4, 1), 4);
    assert.equal(stepFrom(list, 0, -1), 0);
    assert.equal(stepFrom(list, -1, 1), 0, "before the first word, either way goes to it");
    assert.equal(stepFrom(list, -1, -1), 0);
  });
});

describe("timings of documents, missing and partial recordings", () => {
  const { indexOf } = photoIndex;

  it("find words on page 2 of a document", () => {
    const doc = indexWords(pagesOf(documentResult));
    const docTimings = timingsOf({
      words: [
        { page: 0, line: 0, word: 0, start: 0, end: 0.4 },
        { page: 0, line: 0, word: 1, start: 0.5, end: 0.9 },
        { page: 1, line: 0, word: 0, start: 1.2, end: 1.6 },
        { page: 1, line: 0, word: 2, start: 2.0, end: 2.4 },
      ],
    }, doc.indexOf);
    const at = (t) => doc.words[docTimings.list[timingAt(docTimings.list, t)].index];
    assert.deepEqual([at(1.3).text, at(1.3).pageIndex], ["second", 1]);
    assert.deepEqual([at(2.2).text, at(2.2).pageIndex], ["here", 1]);
    assert.equal(docTimings.positionOf.get(3), undefined, "a word not spoken has no timing");
  });

  it("drop words not in the text and words without a start", () => {
    const kept = timingsOf({
      words: [
        { line: 0, word: 0, start: 0.1, end: 0.2 },
        { line: 7, word: 0, start: 0.3, end: 0.4 },
        { line: 0, word: 1, start: "soon", end: 0.6 },
        { line: 1, word: 0, end: 0.9 },
      ],
    }, indexOf);
    assert.deepEqual(kept.list.map((t) => t.index), [0]);
  });

  it("are empty for a result without a recording, and give no word", () => {
    for (const s of [undefined, null, {}, { words: [] }]) {
      const empty = timingsOf(s, indexOf);
      assert.deepEqual(empty.list, []);
      assert.equal(timingAt(empty.list, 1), -1);
    }
  });

  it("cover only the words recorded when the recording was cut short", () => {
    const short = timingsOf({ complete: false, characters: 10, words: photoSpeech.words.slice(1, 3) }, indexOf);
    assert.deepEqual(short.list.map((t) => t.index), [0, 1]);
    assert.equal(short.list[timingAt(short.list, 50)].index, 1, "the last recorded word stays heard");
    assert.equal(short.positionOf.get(4), undefined);
  });

});

describe("recording parts", () => {
  const urlOf = (file) => ({ "speech.wav": "https://s3/wav", "part-0.wav": "https://s3/p0" })[file] || null;

  it("are the parts made so far, with their URLs", () => {
    const parts = recordingParts({ parts: [{ file: "part-0.wav", start: "0", seconds: 4.5 }, { file: "part-1.wav", start: 4.5 }] },
      { done: false, urlOf, audioUrl: null });
    assert.deepEqual(parts, [
      { file: "part-0.wav", start: 0, seconds: 4.5, url: "https://s3/p0" },
      { file: "part-1.wav", start: 4.5, seconds: 0, url: null },
    ]);
  });

  it("are speech.wav alone for a finished recording made in one piece", () => {
    assert.deepEqual(recordingParts({ seconds: 12 }, { done: true, urlOf, audioUrl: null }),
      [{ file: "speech.wav", start: 0, seconds: 12, url: "https://s3/wav" }]);
    assert.deepEqual(recordingParts(null, { done: true, urlOf: () => null, audioUrl: "https://api/audio" }),
      [{ file: "speech.wav", start: 0, seconds: 0, url: "https://api/audio" }]);
  });

  it("are speech.wav for a finished recording opened afresh, its parts for a player holding them", () => {
    const speech = { seconds: 9, parts: [{ file: "part-0.wav", start: 0, seconds: 4.5 }, { file: "part-1.wav", start: 4.5, seconds: 4.5 }] };
    assert.deepEqual(recordingParts(speech, { done: true, urlOf, audioUrl: null }),
      [{ file: "speech.wav", start: 0, seconds: 9, url: "https://s3/wav" }]);
    assert.deepEqual(recordingParts(speech, { done: true, urlOf, audioUrl: null, holding: true }).map((p) => p.file),
      ["part-0.wav", "part-1.wav"]);
    assert.deepEqual(recordingParts(speech, { done: false, urlOf, audioUrl: null }).map((p) => p.file),
      ["part-0.wav", "part-1.wav"]);
  });

  it("are none while processing without parts, or when there is no recording", () => {
    assert.deepEqual(recordingParts({ seconds: 12 }, { done: false, urlOf, audioUrl: null }), []);
    assert.deepEqual(recordingParts({}, { done: true, urlOf: () => null, audioUrl: null }), []);
  });
});
