// (pure) "Download as a book" (GET /jobs/{id}/export?format=epub|mp3|m4b|chapters, CONTRACTS section 14) as
// data and a loop: the formats offered, the share done read from the answer's `progress` (a
// number 0..1, a percentage, or {done, total}), its sentence, and the bounded polling with
// back-off (the API answers 202 while the book is made, then 200 with a presigned URL and what
// the format's bounds left out, said beside the link). A whole book recorded only where it was
// listened to answers 202 "recording" while the rest is recorded first (CONTRACTS section 15):
// its time and sections left are said, and the wait lasts as long as the API says the rest
// takes, within RECORDING_MAX_MS, unless no section is recorded for `stallMs`. No DOM:
// the view (./book.js) gives the loop its request, its sleep and its clock.

export const BOOK_FORMATS = Object.freeze([
  Object.freeze({ format: "epub", label: "EPUB 3 book (text and audio in step)", noun: "book", kind: "EPUB" }),
  Object.freeze({ format: "mp3", label: "MP3 with chapters", noun: "MP3", kind: "MP3" }),
  Object.freeze({ format: "m4b", label: "M4B audiobook with chapters", noun: "audiobook", kind: "M4B" }),
  Object.freeze({ format: "chapters", label: "Chapters as separate MP3 files (ZIP)", noun: "ZIP of chapters", kind: "ZIP" }),
]);

export const formatOf = (name) => BOOK_FORMATS.find((f) => f.format === name) || null;

/** A finished job read by many workers (its summary says `book`), whose recording is its parts. */
export function isWholeBook(job) {
  const head = job?.result || job?.result_parts?.index?.result || null;
  return Boolean(job?.summary?.book) && (head?.speech?.parts || []).length > 0;
}

/** A finished long recording transcribed by many workers, whose windows' MP3s (`parts`) are its
 *  book's audio (a short recording makes no book). */
export function isLongRecording(job) {
  const head = job?.result || job?.result_parts?.index?.result || null;
  return Boolean(job?.summary?.book) && (head?.parts || []).length > 0;
}

/** The formats offered for `job`: none until it is a finished page job with a recording (its
 *  speech.wav, or a whole book's parts) or a long recording, then every one. */
export function formatsFor(job) {
  if (job?.status !== "done") return [];
  const kind = job.kind || "page";
  const recorded = kind === "page" ? Boolean(job.audio_url) || isWholeBook(job)
    : kind === "speech" && isLongRecording(job);
  return recorded ? BOOK_FORMATS.map((f) => f.format) : [];
}

export const POLL = Object.freeze({
  firstMs: 1000,
  growth: 1.5,
  maxMs: 5000,
  giveUpMs: 15 * 60 * 1000, // a 50-page document's book takes minutes, not a quarter of an hour
  retries: 3, // dropped answers (network, 429, 5xx) in a row before the wait ends with the reason
  // A book's rest recorded first ("recording"): the wait is extended by the seconds it says are
  // left (then giveUpMs more for the book itself), up to this from the start...
  recordingMaxMs: 6 * 60 * 60 * 1000,
  stallMs: 15 * 60 * 1000, // ...while its sections left go down at least this often
});

/** The share of the book made, 0..1, or null when the answer does not say. */
export function progressShare(progress) {
  let share = null;
  if (typeof progress === "number") share = progress > 1 ? progress / 100 : progress;
  else if (progress && typeof progress === "object") {
    const total = Number(progress.total);
    if ("done" in progress && total > 0) share = Number(progress.done) / total;
    else if ("share" in progress) share = Number(progress.share);
  }
  if (share === null || !Number.isFinite(share)) return null;
  return Math.min(1, Math.max(0, share));
}

/** "Making your book… 40%" (said in the polite live region: in steps of 10, not every poll);
 *  `status` "queued": not started yet; "recording": the rest of a book's recording made first
 *  (`answer`: the 202's sections_left and seconds_left, and sections_total when known). */
export function progressText(format, progress, status, answer = {}) {
  const noun = formatOf(format)?.noun || "book";
  if (status === "queued") return `Your ${noun} is waiting to be made…`;
  if (status === "recording") return recordingText({ progress, ...answer });
  const share = progressShare(progress);
  if (share === null) return `Making your ${noun}…`;
  return `Making your ${noun}… ${Math.floor(share * 10) * 10}%`;
}

/** "about 9 minutes", "less than a minute", "about 2 hours 5 minutes" for a wait in seconds. */
export function waitText(seconds) {
  const s = seconds === null || seconds === undefined || seconds === "" ? NaN : Number(seconds);
  if (!Number.isFinite(s) || s < 0) return "";
  if (s < 60) return "less than a minute";
  const minutes = Math.round(s / 60);
  const unit = (n, one) => `${n.toLocaleString("en")} ${one}${n === 1 ? "" : "s"}`;
  if (minutes < 60) return `about ${unit(minutes, "minute")}`;
  const rest = minutes % 60;
  return `about ${unit(Math.floor(minutes / 60), "hour")}${rest ? ` ${unit(rest, "minute")}` : ""}`;
}

/** The sections in the book's recording: the 202's `sections_total`, else the job's (given), else
 *  what its share recorded and sections left imply; null when nothing says. */
export function sectionsTotal({ progress, sections_left: left, sections_total: total }) {
  if (Number(total) > 0) return Math.round(Number(total));
  const share = progressShare(progress);
  const n = Number(left);
  if (share === null || !(n > 0) || share >= 1) return null;
  return Math.round(n / (1 - share));
}

/** "Recording the rest of the book first: about 9 minutes left (40 of 52 sections left)". */
export function recordingText(answer) {
  const wait = waitText(answer.seconds_left);
  const leftN = Number(answer.sections_left);
  const total = sectionsTotal(answer);
  let sections = "";
  if (Number.isFinite(leftN) && leftN >= 0) {
    const of = total !== null && total >= leftN ? ` of ${total.toLocaleString("en")}` : "";
    sections = ` (${leftN.toLocaleString("en")}${of} section${(total ?? leftN) === 1 ? "" : "s"} left)`;
  }
  return `Recording the rest of the book first${wait ? `: ${wait} left` : "…"}${sections}`;
}

/** Said once the book is made; `leftOut` (the 200's left_out) non-empty: the note is pointed to. */
export const readyText = (format, leftOut = []) =>
  `Your ${formatOf(format)?.noun || "book"} is ready. The download has started.`
  + (leftOutText(leftOut) ? " The note below the link says what did not fit." : "");

/** The note beside the book's link: the sentences of what the format's bounds left out ("" for none). */
export function leftOutText(leftOut) {
  const said = (Array.isArray(leftOut) ? leftOut : []).map((e) => e?.message).filter((m) => typeof m === "string" && m);
  return said.length ? `Not all of it fits: ${said.join(" ")}` : "";
}

export const stoppedText = (format) =>
  `Stopped waiting. Your ${formatOf(format)?.noun || "book"} is still being made: choose it again to check on it.`;

export const TOO_LONG_TEXT = "Making the book is taking longer than usual. Try again in a few minutes.";

/** The link offered once made, in case the download did not start: "Download the EPUB book". */
const LINKS = {
  epub: "Download the EPUB book", mp3: "Download the MP3 with chapters", m4b: "Download the M4B audiobook",
  chapters: "Download the chapters (ZIP)",
};
export const linkText = (format) => LINKS[format] || LINKS.epub;

/** A failure worth asking again after (the network, too many requests, the server's trouble). */
export const retryable = (error) => !error?.status || error.status === 429 || error.status >= 500;

/**
 * Asks until the book is made: `ask()` answers the API's JSON ({url} when made, {status,
 * progress} while it is made); `onProgress(progress, status, answer)` hears each 202,
 * `onReady(answer)` the 200 (its `left_out`). Ends with the URL, or throws the
 * request's error (a refusal at once, dropped answers after `retries` in a row), or an Error with
 * `tooLong` after `giveUpMs` (extended while the rest of a book is recorded first: by its
 * `seconds_left`, within `recordingMaxMs`, while its sections left go down within `stallMs`).
 * Cancelled (`signal`), `ask` and `sleep(ms)` reject and so does this.
 */
export async function followBook({
  ask, sleep, signal, onProgress = () => {}, onReady = () => {}, now = Date.now, poll = POLL,
}) {
  const limit = giveUp(now(), poll);
  let delay = poll.firstMs;
  let failures = 0;
  for (;;) {
    let answer = null;
    let wait = delay;
    try {
      answer = await ask();
      failures = 0;
    } catch (error) {
      if (signal?.aborted || error?.handled || !retryable(error) || ++failures > poll.retries) throw error;
      if (error.retryAfter) wait = error.retryAfter * 1000;
    }
    if (answer?.url) {
      onReady(answer);
      return answer.url;
    }
    if (answer) onProgress(answer.progress ?? null, answer.status, answer);
    if (limit.passed(answer, now() + wait)) throw Object.assign(new Error(TOO_LONG_TEXT), { tooLong: true });
    await sleep(wait);
    delay = Math.min(delay * poll.growth, poll.maxMs);
  }
}

/** When the wait gives up: `passed(answer, at)` says whether asking again at `at` is too late. */
function giveUp(started, poll) {
  let deadline = started + poll.giveUpMs;
  let left = null; // the sections left last said, and when they went down
  let moved = started;
  return {
    passed(answer, at) {
      if (answer?.status === "recording") {
        const sections = Number(answer.sections_left);
        if (left === null || sections < left) moved = at;
        left = sections;
        const seconds = Number(answer.seconds_left);
        const more = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
        deadline = Math.max(deadline, Math.min(at + more + poll.giveUpMs, started + (poll.recordingMaxMs ?? 0)));
        if (at - moved > (poll.stallMs ?? poll.giveUpMs)) return true;
      }
      return at > deadline;
    },
  };
}
