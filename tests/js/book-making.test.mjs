import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BOOK_FORMATS, followBook, formatOf, formatsFor, leftOutText, linkText, POLL, progressShare, progressText, readyText,
  recordingText, retryable, sectionsTotal, stoppedText, TOO_LONG_TEXT, waitText,
} from "../../static_site/js/result/book-making.js";

/** A fake clock whose sleep moves it on, and the waits asked for. */
function clock() {
  let t = 0;
  const waits = [];
  return {
    waits,
    now: () => t,
    sleep: async (ms) => { waits.push(ms); t += ms; },
  };
}

/** ask() answering the given answers in turn (an Error instance is thrown). */
function answers(...list) {
  let i = 0;
  const asked = () => i;
  const ask = async () => {
    const a = list[Math.min(i++, list.length - 1)];
    if (a instanceof Error) throw a;
    return a;
  };
  return { ask, asked };
}

const apiError = (status, extra = {}) => Object.assign(new Error(`failed ${status}`), { status, ...extra });

test("the formats the API makes, with the labels the site offers", () => {
  assert.deepEqual(BOOK_FORMATS.map((f) => f.format), ["epub", "mp3", "m4b", "chapters"]);
  assert.equal(formatOf("chapters").label, "Chapters as separate MP3 files (ZIP)");
  assert.equal(linkText("chapters"), "Download the chapters (ZIP)");
  assert.equal(progressText("chapters", 0.42, "building"), "Making your ZIP of chapters… 40%");
  assert.equal(formatOf("epub").label, "EPUB 3 book (text and audio in step)");
  assert.equal(formatOf("mp3").label, "MP3 with chapters");
  assert.equal(formatOf("pdf"), null);
  assert.equal(linkText("epub"), "Download the EPUB book");
  assert.equal(linkText("mp3"), "Download the MP3 with chapters");
  assert.equal(linkText("m4b"), "Download the M4B audiobook");
  assert.equal(formatOf("m4b").label, "M4B audiobook with chapters");
});

test("the formats offered: all of a page job's or a whole book's (its parts), else none", () => {
  const page = { status: "done", kind: "page", audio_url: "https://s3/speech.wav", summary: { pages: 1 } };
  assert.deepEqual(formatsFor(page), ["epub", "mp3", "m4b", "chapters"]);
  const parts = [{ file: "book-rec-0000-00.mp3", start: 0, seconds: 61.2 }];
  const inline = { status: "done", kind: "page", audio_url: null, summary: { book: true }, result: { speech: { parts } } };
  assert.deepEqual(formatsFor(inline), ["epub", "mp3", "m4b", "chapters"]);
  const large = { ...inline, result: null, result_parts: { index: { result: { speech: { parts, book: true } } } } };
  assert.deepEqual(formatsFor(large), ["epub", "mp3", "m4b", "chapters"]);
  assert.deepEqual(formatsFor({ ...inline, result: { speech: { parts: [] } } }), []); // nothing was said
  assert.deepEqual(formatsFor({ ...inline, summary: null }), []); // no recording, not a book
  assert.deepEqual(formatsFor({ ...page, status: "processing" }), []);
  assert.deepEqual(formatsFor({ ...page, kind: "speech" }), []); // a short recording: no book
  assert.deepEqual(formatsFor(null), []);
});

test("a long recording's windows (its result's parts) make its book; a short one's upload does not", () => {
  const parts = [{ file: "book-window-0000.mp3", window: 0, start: 0, seconds: 30 }];
  const lecture = { status: "done", kind: "speech", audio_url: null, summary: { book: true, seconds: 7200 },
    result: null, result_parts: { index: { result: { kind: "speech", parts } } } };
  assert.deepEqual(formatsFor(lecture), ["epub", "mp3", "m4b", "chapters"]);
  assert.deepEqual(formatsFor({ ...lecture, result: { kind: "speech", parts }, result_parts: null }),
    ["epub", "mp3", "m4b", "chapters"]);
  // Transcribed before its windows' MP3s were kept, or still being transcribed: none.
  assert.deepEqual(formatsFor({ ...lecture, result_parts: { index: { result: { kind: "speech" } } } }), []);
  assert.deepEqual(formatsFor({ ...lecture, status: "processing" }), []);
  assert.deepEqual(formatsFor({ ...lecture, kind: "digits" }), []);
});

test("progress is read as a share 0..1 from a number, a percentage or {done, total}", () => {
  assert.equal(progressShare(0.4), 0.4);
  assert.equal(progressShare(0), 0);
  assert.equal(progressShare(1), 1);
  assert.equal(progressShare(40), 0.4); // a percentage
  assert.equal(progressShare({ done: 3, total: 12 }), 0.25);
  assert.equal(progressShare({ done: 15, total: 12 }), 1); // clamped
  assert.equal(progressShare({ share: 0.7 }), 0.7);
  assert.equal(progressShare({ done: 3, total: 0 }), null); // the total not known yet
  assert.equal(progressShare(null), null);
  assert.equal(progressShare(undefined), null);
  assert.equal(progressShare("soon"), null);
  assert.equal(progressShare(Number.NaN), null);
  assert.equal(progressShare(-0.2), 0);
});

test("progress is said in steps of ten, by the format's name", () => {
  assert.equal(progressText("epub", 0.4), "Making your book… 40%");
  assert.equal(progressText("epub", 0.49), "Making your book… 40%");
  assert.equal(progressText("mp3", { done: 1, total: 2 }), "Making your MP3… 50%");
  assert.equal(progressText("epub", null), "Making your book…");
  assert.equal(progressText("epub", 1), "Making your book… 100%");
  assert.equal(progressText("mp3", 0, "queued"), "Your MP3 is waiting to be made…");
  assert.equal(progressText("epub", 0.3, "building"), "Making your book… 30%");
  assert.equal(readyText("epub"), "Your book is ready. The download has started.");
  assert.match(stoppedText("mp3"), /^Stopped waiting\. Your MP3 is still being made/);
});

test("a book already made: its URL at once, with no wait", async () => {
  const c = clock();
  const seen = [];
  const { ask, asked } = answers({ url: "https://s3/book.epub?sig" });
  const url = await followBook({ ask, sleep: c.sleep, now: c.now, onProgress: (p) => seen.push(p) });
  assert.equal(url, "https://s3/book.epub?sig");
  assert.equal(asked(), 1);
  assert.deepEqual(c.waits, []);
  assert.deepEqual(seen, []);
});

test("202s are followed with growing waits up to the ceiling, each progress heard, then the URL", async () => {
  const c = clock();
  const seen = [];
  const many = Array.from({ length: 7 }, (_, i) => ({ progress: { done: i, total: 10 } }));
  const { ask, asked } = answers(...many, { url: "u" });
  const url = await followBook({ ask, sleep: c.sleep, now: c.now, onProgress: (p) => seen.push(p) });
  assert.equal(url, "u");
  assert.equal(asked(), 8);
  assert.deepEqual(c.waits, [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
  assert.deepEqual(seen.map((p) => p.done), [0, 1, 2, 3, 4, 5, 6]);

  // The API's own answer (chalicelib/books/export.py): {format, status, progress: 0..1}.
  const heard = [];
  const { ask: real } = answers({ format: "epub", status: "queued", progress: 0 },
    { format: "epub", status: "building", progress: 0.35 }, { format: "epub", url: "w", size: 10 });
  await followBook({ ask: real, sleep: c.sleep, now: c.now, onProgress: (...a) => heard.push(a.slice(0, 2)) });
  assert.deepEqual(heard, [[0, "queued"], [0.35, "building"]]);
});

test("a 202 without progress is heard as null (indeterminate)", async () => {
  const c = clock();
  const seen = [];
  const { ask } = answers({}, { url: "u" });
  await followBook({ ask, sleep: c.sleep, now: c.now, onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen, [null]);
});

test("the wait is bounded: past giveUpMs it ends with a sentence, not a hang", async () => {
  const c = clock();
  const { ask, asked } = answers({ progress: 0.1 });
  const poll = { ...POLL, giveUpMs: 20_000 };
  await assert.rejects(followBook({ ask, sleep: c.sleep, now: c.now, poll }), (e) => e.tooLong && e.message === TOO_LONG_TEXT);
  assert.ok(c.now() <= 20_000, c.now());
  assert.ok(asked() >= 5 && asked() < 10, asked());
  // The real bound: a quarter of an hour at most, asking every 5 s at most once past the start.
  assert.equal(POLL.giveUpMs, 15 * 60 * 1000);
});

test("a refusal ends the wait at once with the server's error (400, 404)", async () => {
  for (const status of [400, 404, 403]) {
    const c = clock();
    const { ask, asked } = answers({ progress: 0.2 }, apiError(status));
    await assert.rejects(followBook({ ask, sleep: c.sleep, now: c.now }), (e) => e.status === status);
    assert.equal(asked(), 2);
  }
});

test("dropped answers (network, 429, 5xx) are asked again, a Retry-After kept, up to the retries", async () => {
  const c = clock();
  const { ask } = answers(apiError(0), apiError(503), apiError(429, { retryAfter: 7 }), { url: "u" });
  assert.equal(await followBook({ ask, sleep: c.sleep, now: c.now }), "u");
  assert.deepEqual(c.waits, [1000, 1500, 7000]);

  const c2 = clock();
  const { ask: failing, asked } = answers(apiError(0));
  await assert.rejects(followBook({ ask: failing, sleep: c2.sleep, now: c2.now }), (e) => e.status === 0);
  assert.equal(asked(), POLL.retries + 1);

  // A success between failures resets the count.
  const c3 = clock();
  const { ask: flaky } = answers(apiError(500), apiError(500), apiError(500), { progress: 0.5 }, apiError(500),
    apiError(500), apiError(500), { url: "v" });
  assert.equal(await followBook({ ask: flaky, sleep: c3.sleep, now: c3.now }), "v");
  assert.equal(retryable(apiError(404)), false);
  assert.equal(retryable(apiError(502)), true);
});

test("cancelled: the request's abort ends the wait, never asked again", async () => {
  const controller = new AbortController();
  let asked = 0;
  const ask = async () => {
    asked += 1;
    if (controller.signal.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
    return { progress: 0.3 };
  };
  const sleep = async () => { controller.abort(); };
  await assert.rejects(followBook({ ask, sleep, signal: controller.signal, now: () => 0 }), (e) => e.name === "AbortError");
  assert.equal(asked, 2); // (an abort has no status: without the signal it would look like the network)

  // A sleep that rejects on cancel ends it too.
  const stop = new AbortController();
  const rejecting = () => { stop.abort(); return Promise.reject(stop.signal.reason); };
  await assert.rejects(followBook({ ask: async () => ({ progress: 0 }), sleep: rejecting, signal: stop.signal }));
});

test("a 401 already handled (the session ended) is not asked again", async () => {
  const { ask, asked } = answers(apiError(0, { handled: true }));
  await assert.rejects(followBook({ ask, sleep: async () => {}, now: () => 0 }));
  assert.equal(asked(), 1);
});

test("what the book's bounds left out (the 200's left_out) is said with the link, and heard once", async () => {
  const chapters = { what: "chapters", count: 45, limit: 255, message: "45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters." };
  const title = { what: "title", count: 101, limit: 200, message: "The title is cut to 200 characters." };
  assert.equal(leftOutText([]), "");
  assert.equal(leftOutText(undefined), ""); // an API from before left_out
  assert.equal(leftOutText([chapters]), "Not all of it fits: 45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters.");
  assert.equal(leftOutText([chapters, title, { what: "x" }]),
    "Not all of it fits: 45 of the 300 headings are not chapters: an MP3 lists at most 255 chapters. The title is cut to 200 characters.");
  assert.equal(readyText("mp3", [chapters]), "Your MP3 is ready. The download has started. The note below the link says what did not fit.");
  assert.equal(readyText("mp3", []), "Your MP3 is ready. The download has started.");
  // The loop hands the whole 200 to onReady, and still ends with its URL.
  const c = clock();
  const made = [];
  const { ask } = answers({ format: "mp3", status: "building", progress: 0.5 }, { url: "u", left_out: [chapters] });
  assert.equal(await followBook({ ask, sleep: c.sleep, now: c.now, onReady: (answer) => made.push(answer) }), "u");
  assert.deepEqual(made, [{ url: "u", left_out: [chapters] }]);
});

// A book read whole and recorded only where it was listened to (CONTRACTS section 15): the API's
// 202 while the rest is recorded first (chalicelib/books/export.py recording_rest).
const recording = (left, seconds, progress) => ({ format: "mp3", status: "recording", progress, sections_left: left, seconds_left: seconds });

test("the rest of a book recorded first is said with the time and the sections left", () => {
  assert.equal(progressText("mp3", 0.25, "recording", { ...recording(39, 540, 0.25), sections_total: 52 }),
    "Recording the rest of the book first: about 9 minutes left (39 of 52 sections left)");
  // The total from the share recorded when the answer does not name it.
  assert.equal(recordingText(recording(39, 540, 0.25)), "Recording the rest of the book first: about 9 minutes left (39 of 52 sections left)");
  assert.equal(recordingText({ ...recording(1, 20, 0.98), sections_total: 52 }),
    "Recording the rest of the book first: less than a minute left (1 of 52 sections left)");
  assert.equal(recordingText(recording(772, 7500, 0)), "Recording the rest of the book first: about 2 hours 5 minutes left (772 of 772 sections left)");
  assert.equal(recordingText(recording(772, 7500, null)), "Recording the rest of the book first: about 2 hours 5 minutes left (772 sections left)");
  assert.equal(recordingText({ status: "recording" }), "Recording the rest of the book first…");
  assert.equal(sectionsTotal({ progress: 1, sections_left: 0 }), null);
  assert.equal(sectionsTotal({ progress: 0.5, sections_left: 10, sections_total: 20 }), 20);
  assert.equal(waitText(60), "about 1 minute");
  assert.equal(waitText(3600), "about 1 hour");
  assert.equal(waitText(null), "");
  assert.equal(waitText(-1), "");
});

test("the rest recorded first: the wait outlasts a quarter of an hour by the seconds left, then ends with the URL", async () => {
  const c = clock();
  const heard = [];
  // An hour of recording left, said by each answer and going down (5 s a poll at the ceiling).
  const many = Array.from({ length: 900 }, (_, i) => recording(900 - i, 3600 - i * 4, i / 900));
  const { ask } = answers(...many, { format: "mp3", status: "building", progress: 0.5 }, { url: "u" });
  const url = await followBook({ ask, sleep: c.sleep, now: c.now, onProgress: (...a) => heard.push(a) });
  assert.equal(url, "u");
  assert.ok(c.now() > POLL.giveUpMs, c.now()); // past the 15 minutes, not given up
  assert.deepEqual(heard[0], [0, "recording", recording(900, 3600, 0)]);
  assert.equal(heard.at(-1)[1], "building");
  // The back-off is the same: 1 s growing to 5 s.
  assert.deepEqual(c.waits.slice(0, 6), [1000, 1500, 2250, 3375, 5000, 5000]);
});

test("the rest recorded first: bounded by what the API says is left, by a ceiling, and by a stall", async () => {
  // Says 10 minutes left, forever: given up 10 + 15 minutes after the start, not before.
  const c = clock();
  let n = 0;
  const going = async () => recording(1000 - n++, 600, 0.1);
  await assert.rejects(followBook({ ask: going, sleep: c.sleep, now: c.now }), (e) => e.tooLong);
  assert.ok(c.now() > POLL.giveUpMs && c.now() <= POLL.recordingMaxMs, c.now());

  // Says a day is left: the ceiling.
  const c2 = clock();
  let m = 0;
  const long = async () => recording(100_000 - m++, 86_400, 0.01);
  await assert.rejects(followBook({ ask: long, sleep: c2.sleep, now: c2.now }), (e) => e.tooLong);
  assert.ok(c2.now() <= POLL.recordingMaxMs && c2.now() > POLL.recordingMaxMs - 10_000, c2.now());

  // No section recorded for stallMs: given up then, whatever the seconds left.
  const c3 = clock();
  const stuck = answers(recording(500, 86_400, 0.2));
  await assert.rejects(followBook({ ask: stuck.ask, sleep: c3.sleep, now: c3.now }), (e) => e.tooLong);
  assert.ok(c3.now() <= POLL.stallMs + 10_000 && c3.now() >= POLL.stallMs - 10_000, c3.now());
});
