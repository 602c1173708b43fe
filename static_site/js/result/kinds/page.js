// The result of a `page` job (CONTRACTS sections 1, 7 and 10): the player, the text, and the
// photo (or each page of a document) with a box over every word, in that order in the page.
// The parts live in js/result/; this view composes them and applies each new answer of the
// job to them. While the job is still processing, the result is re-published as the recording
// grows (result.speech.parts): the player starts with the first part and the rest are appended
// as the poll brings them. A result with structure (CONTRACTS section 13) shows its text as a
// document (headings, lists, tables; what is not read dimmed) under the "Not read" line and
// its chapters (../outline.js): choosing one plays from its start. A document without pages
// (`flow: true`: DOCX, EPUB, HTML, Markdown, text) has no image: its text is the whole view.

import { announce } from "../../dom.js";
import { downloadName, setUpCopy, setUpDownload } from "../common.js";
import { pageBlocks, structureKey } from "../document.js";
import { aspectOf, indexWords, isDocument, isFlow, pagesOf, pageToShow, shapeOf, timingAt } from "../model.js";
import { createLanguage } from "../language.js";
import { doneText, notInRecording, progressStep, progressText } from "../messages.js";
import { createPages } from "../pages.js";
import { createReadAlong } from "../read-along.js";
import { createRecording } from "../recording.js";
import { createSteps } from "../listening.js";
import { createMediaSession } from "../media-session.js";
import { createResume } from "../resume.js";
import { createOutline } from "../outline.js";
import { createNotes, createText } from "../text.js";
import { createUrls, setUpRecordingDownload, showRecordingLink } from "../urls.js";
import { createBookView } from "../book-view.js";
import { createSearch } from "../search.js";
import { createSleepTimer } from "../sleep-timer.js";
import { pageAtTime } from "../../book-index.js";
import { RECORDING_WANTED, recordingGrows } from "../recording-follow.js";

const POLL_WAITING_MS = 500; // processing, no recording yet: catch its first part early
const POLL_GROWING_MS = 1000; // the recording is growing

export const pageView = {
  empty: { width: 1, height: 1, text: "", lines: [] },
  doneText,
  progressText,
  progressStep,
  show: showPage,
};

function showPage(root, job, result, signal) {
  root.querySelector("#result").hidden = false;
  // What is shown, replaced by each answer; the parts read it.
  const view = {
    job, result: null, doc: false, flow: false, pages: [], blocks: null, words: [], indexOf: () => undefined, shape: "",
  };
  const urls = createUrls(job, signal);
  let book = null; // a book: its pages a window at a time (../book-view.js)
  const choose = (index) => (book ? book.playIndex(index)
    : readAlong.choose(index, recording.player.hasParts || Boolean(urls.audioUrl())));
  const text = createText(root, { signal, onChoose: choose });
  const pages = createPages(root, {
    signal, view, urls, aspect: aspectOf(result), onChoose: choose, onDrawn: () => readAlong.markBoxes(),
  });
  const readAlong = createReadAlong({ view, text, pages });
  const outline = createOutline(root, { signal, onChoose: (chapter) => jumpTo(parts, chapter) });
  let listening = null; // the steps, the Media Session and the saved position (below)
  const onTick = (t) => {
    readAlong.follow(t);
    outline.follow(t);
    listening?.tick(t);
    if (book && recording.player.playing) book.follow(pageAtTime(view.result.speech?.parts, t));
  };
  let waited = false; // the player waited for more last time its state changed
  const onState = () => {
    listening?.state();
    const waiting = recording.player.waiting;
    // Played up to what is recorded of a finished book: its view asks for what comes (views/job.js).
    if (waiting && !waited && book) root.dispatchEvent(new Event(RECORDING_WANTED));
    waited = waiting;
  };
  const recording = createRecording(root, {
    signal, refresh: urls.refresh, audioUrl: urls.audioUrl, onTick, onState, stepWord: readAlong.step,
  });
  readAlong.setPlayer(recording.player);
  listening = createListening(root, { signal, job, readAlong, recording, book: () => book });
  const parts = {
    root, signal, view, urls, text, pages, readAlong, recording, outline, listening, notes: createNotes(root),
    language: createLanguage(root, { signal }),
  };
  if (job.book) {
    book = createBookView(root, {
      signal, jobId: job.job_id, view,
      onResult: (next) => (next ? applyAnswer(parts, next, next.result) : applyAnswer(parts, view.job, view.result)),
      play: (index) => readAlong.choose(index, true),
      select: (index) => readAlong.choose(index, false),
      heard: () => {
        const list = readAlong.timings().list;
        const at = timingAt(list, recording.player.time());
        return at >= 0 ? list[at].index : readAlong.selected();
      },
    });
    parts.book = book;
    pages.onTurn((p) => book.turn(p, readAlong.turnTo));
    createSearch(root, { signal, view, onChoose: (hit) => book.goToPlace(hit.place, { near: hit.phrase }) });
    createSleepTimer(root, { signal, player: recording.player, chapters: () => view.result.chapters });
  }
  setUpRecordingDownload(root.querySelector("#download-audio"), {
    urls, current: () => view, error: root.querySelector("#job-error"), signal,
  });
  if (book) book.setUpText(root.querySelector("#copy-text"), root.querySelector("#download-text"), job);
  else setUpCopy(root.querySelector("#copy-text"), () => view.result?.text || "", text.el, signal);
  const update = (nextJob, nextResult) => applyAnswer(parts, nextJob, nextResult);
  update(job, result);
  return {
    update,
    /** How soon to ask again while processing: sooner until the recording has started. */
    pollMs: () => (recording.player.hasParts ? POLL_GROWING_MS : POLL_WAITING_MS),
    /** A book's listener waits on text not recorded yet: a place asked for, or playback at its end. */
    waiting: () => Boolean(book) && (book.waiting() || (recording.player.waiting && recordingGrows(view.result))),
  };
}

/** A new answer for this job (each poll while processing, and the final one). */
function applyAnswer(parts, nextJob, nextResult) {
  const { root, view, urls, readAlong, recording } = parts;
  Object.assign(view, {
    job: { ...nextJob }, result: nextResult, doc: isDocument(nextResult), flow: isFlow(nextResult), pages: pagesOf(nextResult),
  });
  if (view.flow) showFlow(root, nextResult);
  view.blocks = pageBlocks(nextResult, view.pages);
  urls.remember(nextJob);
  const shape = `${shapeOf(nextResult, view.pages)}:${structureKey(view.blocks)}`;
  const redrawn = shape !== view.shape;
  if (redrawn) { // drawn again only when what was read has grown
    Object.assign(view, { shape }, indexWords(view.pages));
    redraw(parts);
  }
  parts.notes.showDocument(view);
  parts.outline.show(view);
  const done = nextJob.status === "done";
  parts.language.apply({ result: nextResult, doc: view.doc, done });
  const hasTimings = readAlong.setTimings(nextResult.speech, view.indexOf);
  // The highlight goes on the new elements by the new timings now: while playback waits for
  // more of the recording no tick comes to put it back.
  if (redrawn) recording.tick(recording.player.time());
  parts.listening.show(view);
  const book = parts.book ? (held) => parts.book.playerParts(held) : null;
  parts.book?.show();
  if (recording.show({ result: nextResult, done, doc: view.doc, urlOf: urls.of, hasTimings, book })) {
    showRecordingLink(root.querySelector("#download-audio"), urls, nextResult.speech, done);
  }
}

/** Steps by sentence, paragraph and chapter, the Media Session, and the position saved and restored. */
function createListening(root, { signal, job, readAlong, recording, book }) {
  const player = recording.player;
  const steps = createSteps(root, { signal, player, readAlong, addKeys: recording.addKeys });
  const media = createMediaSession({ signal, player, steps });
  const resume = createResume(root, { signal, jobId: job.job_id, player, book });
  return {
    show(view) {
      resume.offer(view.job);
      steps.show(view);
      media.show(view);
    },
    tick(t) {
      resume.tick(t);
      media.update(t);
    },
    state() {
      resume.update();
      media.update(player.time(), { force: true });
    },
  };
}

/**
 * A chapter chosen: playback from its heading's first word (its start, past the pause before
 * it), the word selected and its page shown, as when the word itself is chosen. A chapter not
 * in the recording (yet) takes the focus to its heading, to read from there.
 */
function jumpTo({ view, urls, readAlong, recording, pages, text, book }, chapter) {
  if (!chapter) return;
  if (book) { // its pages loaded first; played from its run, or asked for
    book.goToPlace({ page: chapter.page, block: chapter.block }, { heading: chapter.id });
    return;
  }
  const player = recording.player;
  const canPlay = chapter.start !== null && (player.hasParts || Boolean(urls.audioUrl()));
  if (chapter.word !== undefined) readAlong.choose(chapter.word, canPlay);
  else if (chapter.page !== pages.shown()) pages.show(chapter.page);
  if (view.flow) text.toTop(document.getElementById(chapter.id)); // the chapter read from its heading down
  if (canPlay) {
    if (chapter.word === undefined) { // a chapter at a block without words (a figure)
      player.seek(chapter.start);
      player.play();
    }
    return;
  }
  const heading = document.getElementById(chapter.id);
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  announce(notInRecording({ text: chapter.title }, view.job.status === "done" && !recordingGrows(view.result)));
}

/**
 * A document without pages (DOCX, EPUB, HTML, Markdown, text): no image, boxes or zoom; its
 * text, reflowed, is the reading view, wide and tall. (Its heading, the document's own title with
 * the file's name under it, is the job view's: views/job.js jobHeading.)
 */
function showFlow(root, result) {
  root.querySelector("#result").dataset.flow = result.document?.format || "text";
  root.querySelector(".result-image-panel").hidden = true;
  root.querySelector("#result-text").setAttribute("aria-label", "Text of the document");
}

/** The text, the shown page and the notes, for words that changed. */
function redraw({ root, signal, view, text, pages, readAlong, notes }) {
  text.render(view, readAlong.selected());
  const p = pageToShow(pages.shown(), view.pages.length);
  pages.show(view.pages[p] || !view.result.window ? p : view.result.window.from); // (a book: a page of its window)
  root.querySelector("#image-title").textContent = view.doc ? "Pages" : "Photo";
  if (view.doc) {
    root.querySelector("#job-delete").textContent = "Delete this document";
    root.querySelector("#job-delete-confirm-panel .confirm-text").textContent = "Delete this document, its text and its recording?";
  }
  notes.showUnsure(view);
  root.querySelector("#copy-text").disabled = !view.result.text;
  if (!view.result.window) { // (a book's is its whole text, made on demand: book-view.js)
    setUpDownload(root.querySelector("#download-text"), view.result.text || "", downloadName(view.job.filename, ".txt"), signal);
  }
  readAlong.forget(); // the highlight goes on the new elements (applyAnswer ticks once the timings are new)
}
