// What the page result says: counts, clocks, page labels, unsure words and cut-short notes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  audioNote, bookProgressText, clock, documentNote, doneText, hoursText, notInRecording, pageLabel, plural,
  progressStep, progressText,
  spokenClock, spokenTime, timeText, unsureItem, unsureNote, waitingNote,
} from "../../static_site/js/result/messages.js";

const line = (text) => ({ text, words: text.split(" ").map((w) => ({ text: w })) });
const page = (text) => ({ width: 10, height: 10, text, lines: text ? [line(text)] : [] });

describe("counts and clocks", () => {
  it("say one or many", () => {
    assert.equal(plural(1, "page"), "1 page");
    assert.equal(plural(0, "page"), "0 pages");
    assert.equal(plural(1200, "word"), `${(1200).toLocaleString()} words`);
  });

  it("show minutes and seconds, never negative", () => {
    assert.equal(clock(65.9), "1:05");
    assert.equal(clock(0), "0:00");
    assert.equal(clock(-3), "0:00");
    assert.equal(clock(undefined), "0:00");
    assert.equal(timeText(5, 65, false), "0:05 / 1:05");
    assert.equal(timeText(5, 65, true), "0:05 / 1:05 so far");
  });

  it("speak a position in words", () => {
    assert.equal(spokenClock(1), "1 second");
    assert.equal(spokenClock(61), "1 minute 1 second");
    assert.equal(spokenClock(130), "2 minutes 10 seconds");
    assert.equal(spokenTime(3, 61), "3 seconds of 1 minute 1 second");
  });
});

describe("status", () => {
  it("counts the words of a photo, or says none were found", () => {
    assert.equal(doneText({ text: "a b", lines: [line("a b")] }), "Done: 2 words found.");
    assert.equal(doneText({ width: 1, height: 1, text: "", lines: [] }), "Done: no text was found in this photo.");
  });

  it("counts the words and pages of a document", () => {
    const doc = { text: "one\ntwo three", document: { pages: 2 }, pages: [page("one"), page("two three")] };
    assert.equal(doneText(doc), "Done: 3 words on 2 pages.");
    assert.equal(doneText({ ...doc, pages: [page(""), page("")] }), "Done: no text was found on 2 pages.");
  });

  it("follows a document being read page by page", () => {
    const reading = { text: "one", document: { pages: 3, read: 1 }, pages: [page("one")] };
    assert.equal(progressText(reading), "Page 1 of 3 read… Making the recording…");
    const recorded = { ...reading, speech: { parts: [{ file: "part-0.wav" }] } };
    assert.equal(progressText(recorded), "Page 1 of 3 read… You can listen now; the rest of the recording is being made.");
    const all = { ...reading, document: { pages: 2, read: 2 }, pages: [page("one"), page("")] };
    assert.equal(progressText(all), "All 2 pages read. Making the recording…");
    assert.equal(progressText({ ...reading, text: "" }), "Page 1 of 3 read… No text so far.");
  });

  it("says how far a book is: pages read, recording made of about how long, time left", () => {
    const progress = { pages_read: 312, pages: 529, seconds_recorded: 15120, seconds_estimated: 86400, seconds_left: 360 };
    assert.equal(bookProgressText(progress), "312 of 529 pages read, 4 h 12 min of about 24 h 0 min recorded, about 6 min left.");
    const book = { text: "x", pages: [page("x")], document: { pages: 529, read: 312, progress } };
    assert.equal(progressText(book), "312 of 529 pages read, 4 h 12 min of about 24 h 0 min recorded, about 6 min left.");
    assert.equal(progressText({ ...book, speech: { parts: [{ file: "book-rec-0000-00.mp3" }] } }),
      "312 of 529 pages read, 4 h 12 min of about 24 h 0 min recorded, about 6 min left. You can listen now.");
    assert.equal(bookProgressText({ pages_read: 1, pages: 1000, seconds_recorded: 0 }), "1 of 1,000 pages read.");
    // What is said at once (the rest at most every 30 s, views/job.js): listening possible, every page read.
    assert.equal(progressStep(book), "wait:reading");
    assert.equal(progressStep({ ...book, speech: { parts: [{ file: "a.mp3" }] } }), "listen:reading");
    assert.equal(progressStep({ ...book, document: { progress: { ...progress, pages_read: 529 } } }), "wait:read");
    assert.equal(progressStep({ text: "x", pages: [page("x")] }), null);
    assert.equal(hoursText(20), "under a minute");
  });

  it("says the text is ready for a photo", () => {
    assert.equal(progressText({ text: "hi", lines: [line("hi")] }), "Text ready. Making the recording…");
  });

  it("labels the shown page and the pages still being read", () => {
    assert.equal(pageLabel(1, 2, 2), "Page 2 of 2");
    assert.equal(pageLabel(0, 2, 5), "Page 1 of 2 (3 more being read)");
  });
});

describe("notes", () => {
  it("count the unsure words left out, on the photo or the pages", () => {
    assert.equal(unsureNote(0, false), "");
    assert.equal(unsureNote(1, false), "1 unsure word was left out of the text: marked with dashed outlines on the photo.");
    assert.equal(unsureNote(3, true), "3 unsure words were left out of the text: marked with dashed outlines on the pages.");
  });

  it("list an unsure word with its page and how sure the reading was", () => {
    assert.equal(unsureItem({ text: "Qu1ck", confidence: 0.414, page: 1 }, true), "“Qu1ck” on page 2, 41% sure");
    assert.equal(unsureItem({ text: "Qu1ck" }, false), "“Qu1ck”");
  });

  it("say nothing about a whole result, or while it is still being read", () => {
    const doc = { document: { pages: 2, complete: false, reason: "pages", pages_in_file: 9 }, pages: [page("a"), page("b")] };
    assert.equal(documentNote({ text: "a", lines: [] }, { done: true, pagesShown: 1 }), "");
    assert.equal(documentNote(doc, { done: false, pagesShown: 2 }), "");
    assert.equal(documentNote({ ...doc, document: { pages: 2, complete: true } }, { done: true, pagesShown: 2 }), "");
  });

  it("say which pages of a long document were left out", () => {
    const doc = { document: { pages: 2, complete: false, reason: "pages", pages_in_file: 9 }, pages: [page("a"), page("b")] };
    assert.equal(documentNote(doc, { done: true, pagesShown: 2 }),
      "This document has 9 pages; PageVoice read the first 2 pages. The pages after that were left out.");
    const failed = { ...doc, document: { pages: 4, read: 3, complete: false, reason: "time" } };
    assert.equal(documentNote(failed, { done: true, pagesShown: 2 }), "Not every page could be read: PageVoice read 3 of 4 pages.");
  });

  it("say a result cut short by its size kept the text read up to there", () => {
    const cut = { complete: false, reason: "size", document: { pages: 5, complete: false, reason: "pages", pages_in_file: 9 },
      pages: [page("a"), page("b")] };
    assert.equal(documentNote(cut, { done: true, pagesShown: 2 }),
      "What PageVoice read grew too large to keep whole: it kept the text read up to there (2 pages).");
    assert.equal(documentNote({ complete: false, reason: "size", text: "a" }, { done: true, pagesShown: 1 }),
      "What PageVoice read grew too large to keep whole: it kept the text read up to there.");
  });

  it("say how much of the text a cut-short recording covers, or that there is none", () => {
    const short = { complete: false, characters: 12000 };
    assert.equal(audioNote(short, { done: true, parts: 1 }),
      `The recording covers the first ${(12000).toLocaleString()} characters of the text; the rest is too long to record in one go.`);
    assert.equal(audioNote(short, { done: false, parts: 1 }), "");
    assert.equal(audioNote({ complete: true }, { done: true, parts: 0 }), "There is no recording of this text.");
    assert.equal(audioNote(null, { done: true, parts: 2 }), "");
    // A finished book's recording is made where it is listened to: not whole, and not cut short.
    assert.equal(audioNote({ complete: false, book: true, characters: 900, sections: { total: 9, recorded: 2, queued: 0 } },
      { done: true, parts: 2 }), "");
  });

  it("say what the player waits for", () => {
    assert.equal(waitingNote({ waiting: true, hasParts: false }), "Waiting for the recording: it starts in a moment…");
    assert.equal(waitingNote({ waiting: true, hasParts: true }), "Waiting for the next part of the recording…");
    assert.equal(waitingNote({ waiting: false, hasParts: false, audioUrl: null }), "The recording is being made…");
    assert.equal(waitingNote({ waiting: false, hasParts: false, audioUrl: "https://s3/wav" }), "");
    assert.equal(waitingNote({ waiting: false, hasParts: true }), "");
  });

  it("say whether a chosen word will still be recorded", () => {
    assert.equal(notInRecording({ text: "FIVE" }, true), "“FIVE” is not in the recording.");
    assert.equal(notInRecording({ text: "FIVE" }, false), "“FIVE” has not been recorded yet.");
  });
});
