// What the page result says to the listener, as plain functions of the result (no DOM).

import { allWords, isDocument, isFlow, pagesOf } from "./model.js";

export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "1:05" for 65.4 seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "1 minute 5 seconds" for 65.4 seconds: what a screen reader says for a position. */
export function spokenClock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return m ? `${plural(m, "minute")} ${plural(rest, "second")}` : plural(rest, "second");
}

export function doneText(result) {
  const pages = pagesOf(result);
  const count = allWords(pages).length;
  if (isFlow(result)) { // its sections are not pages: its chapters say how it is divided
    const chapters = (result.chapters || []).length;
    if (!count) return "Done: no text was found in this document.";
    return `Done: ${plural(count, "word")}${chapters > 1 ? ` in ${plural(chapters, "chapter")}` : ""}.`;
  }
  if (isDocument(result)) {
    return count ? `Done: ${plural(count, "word")} on ${plural(pages.length, "page")}.`
      : `Done: no text was found on ${plural(pages.length, "page")}.`;
  }
  return count ? `Done: ${plural(count, "word")} found.` : "Done: no text was found in this photo.";
}

/** "4 h 12 min" (or "12 min", "under a minute") for a length or a wait in seconds. */
export function hoursText(seconds) {
  const m = Math.round((seconds || 0) / 60);
  if (m < 1) return "under a minute";
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

/** A book being made (CONTRACTS section 15's document.progress): "312 of 529 pages read, 4 h 12 min
 *  of about 24 h 0 min recorded, about 6 min left." */
export function bookProgressText(progress) {
  const { pages_read: read, pages, seconds_recorded: made, seconds_estimated: about, seconds_left: left } = progress;
  const parts = [`${read.toLocaleString()} of ${plural(pages, "page")} read`];
  if (made > 0) parts.push(`${hoursText(made)}${about ? ` of about ${hoursText(about)}` : ""} recorded`);
  if (left != null) parts.push(`about ${hoursText(left)} left`);
  return `${parts.join(", ")}.`;
}

/**
 * What in a book's progress is said as soon as it changes (null for anything but a book being
 * made): whether it can be listened to yet, whether every page is read. Its numbers change with
 * every answer and are said less often (views/job.js).
 */
export function progressStep(result) {
  const progress = result?.document?.progress;
  if (!progress) return null;
  const listen = result.speech?.parts?.length ? "listen" : "wait";
  return `${listen}:${progress.pages_read >= progress.pages ? "read" : "reading"}`;
}

/** The status while the result grows (status processing). */
export function progressText(result) {
  const doc = result.document;
  if (doc?.progress) { // a book, made by many workers
    const listen = result.speech?.parts?.length ? " You can listen now." : "";
    return `${bookProgressText(doc.progress)}${listen}`;
  }
  let read = "Text ready.";
  if (doc && isDocument(result) && !isFlow(result)) {
    const total = doc.pages || result.pages.length;
    const done = doc.read ?? result.pages.length;
    read = done < total ? `Page ${done} of ${total} read…` : `All ${plural(total, "page")} read.`;
  }
  const parts = result.speech?.parts?.length;
  if (!result.text) return `${read} No text so far.`;
  return parts ? `${read} You can listen now; the rest of the recording is being made.` : `${read} Making the recording…`;
}

/** "Page 2 of 3", and how many more are still being read when the document is not all in. */
export function pageLabel(page, shown, expected) {
  const more = expected > shown ? ` (${expected - shown} more being read)` : "";
  return `Page ${page + 1} of ${shown}${more}`;
}

export function unsureNote(count, doc) {
  if (!count) return "";
  return `${plural(count, "unsure word")} ${count === 1 ? "was" : "were"} left out of the text: ` +
    `marked with dashed outlines on the ${doc ? "pages" : "photo"}.`;
}

/** One line of the list of unsure words: “word” on page 2, 40% sure. */
export function unsureItem(word, doc) {
  const where = doc ? ` on page ${(word.page ?? 0) + 1}` : "";
  const sure = typeof word.confidence === "number" ? `, ${Math.round(word.confidence * 100)}% sure` : "";
  return `“${word.text}”${where}${sure}`;
}

/** Why a finished result holds less than the upload: pages left out, or a result cut short. */
export function documentNote(result, { done, pagesShown }) {
  if (!done) return "";
  const doc = result.document;
  if (result.complete === false && result.reason === "size") {
    // The worker's last guard: the result grew past the largest it keeps.
    const pages = isDocument(result) ? ` (${plural(pagesShown, "page")})` : "";
    return `What PageVoice read grew too large to keep whole: it kept the text read up to there${pages}.`;
  }
  if (!doc || doc.complete !== false) return "";
  if (isFlow(result)) return flowCutShort(doc);
  return doc.reason === "pages"
    ? `This document has ${plural(doc.pages_in_file, "page")}; PageVoice read the first ${plural(doc.pages, "page")}. The pages after that were left out.`
    : `Not every page could be read: PageVoice read ${doc.read ?? pagesShown} of ${plural(doc.pages_in_file || doc.pages, "page")}.`;
}

// A document without pages cut at the words or characters PageVoice reads of one document.
function flowCutShort(doc) {
  if (doc.reason === "unread" && doc.note) return doc.note; // far less read than the file holds
  const kept = Number(doc.words?.kept);
  const found = Number(doc.words?.found);
  const limit = doc.reason === "chars" ? "the number of characters" : "the number of words";
  const read = kept > 0 && found > kept
    ? `PageVoice read the first ${plural(kept, "word")} of ${found.toLocaleString()}`
    : "PageVoice read it up to there";
  return `This document is longer than ${limit} PageVoice reads of one document: ${read}. The rest was left out.`;
}

/** The worker ran out of time for a very long text: how much the recording covers. */
export function recordingCutShort(characters) {
  return `The recording covers the first ${Number(characters || 0).toLocaleString()} characters ` +
    "of the text; the rest is too long to record in one go.";
}

/** The note under the player: a recording cut short, or none at all (a book's recording is made
 *  where it is listened to: not whole, and not cut short). */
export function audioNote(speech, { done, parts }) {
  if (speech && speech.complete === false && done && speech.book !== true) return recordingCutShort(speech.characters);
  return done && !parts ? "There is no recording of this text." : "";
}

/** The player's state line while there is nothing to hear yet. */
export function waitingNote({ waiting, hasParts, audioUrl }) {
  if (waiting && !hasParts) return "Waiting for the recording: it starts in a moment…";
  if (waiting) return "Waiting for the next part of the recording…";
  return !hasParts && !audioUrl ? "The recording is being made…" : "";
}

/** Said when a place chosen in a book is not recorded yet (it is asked for), and once it is. */
export const RECORDING_HERE = "Recording from here…";
export const RECORDED_HERE = "Recorded: playing from here.";

/** Said when a word chosen in the text has no place in the recording. */
export function notInRecording(word, final) {
  return final ? `“${word?.text}” is not in the recording.` : `“${word?.text}” has not been recorded yet.`;
}

/** "1:05 / 3:20", with " so far" while the recording grows. */
export const timeText = (t, total, growing) => `${clock(t)} / ${clock(total)}${growing ? " so far" : ""}`;

export const spokenTime = (t, total) => `${spokenClock(t)} of ${spokenClock(total)}`;
