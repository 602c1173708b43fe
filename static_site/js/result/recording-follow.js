// (pure) A book that is done but whose recording is not whole (CONTRACTS section 15, "What is
// recorded, what is queued"): its sections are recorded where someone listens, after "done".
// While the listener waits on text not recorded yet, or sections they asked for are queued, the
// job view (views/job.js) goes on asking GET /jobs/{id} with back-off, only while the page is
// seen, and shows each answer as it shows a book being made (the same update: new parts join the
// player). Nothing queued and nobody waiting: it stops, until the listener moves or plays on.
// No DOM: the view gives the loop its request, its pause and what is wanted.

/** The event the result's parts send on the view's root when the listener wants recording that
 *  may not be made yet (a place not recorded chosen, playback waiting, a place saved). */
export const RECORDING_WANTED = "pagevoice:recording-wanted";

export const FOLLOW = Object.freeze({
  firstMs: 2000, // a place just asked for is recorded within seconds
  growth: 1.5,
  maxMs: 10_000,
  retries: 3, // dropped answers in a row before it waits for the listener again
});

/** A book's recording still being made where it is asked for (a result's `speech`). */
export const recordingGrows = (result) => result?.speech?.book === true && result.speech.complete === false;

/** A finished job whose recording is not whole: its view keeps following it. */
export const followsAfterDone = (job) => job?.status === "done" && recordingGrows(job.result);

/** Sections asked for and not recorded yet (0 when the answer does not say). */
export const queuedOf = (job) => Math.max(0, Number(job?.result?.speech?.sections?.queued) || 0);

/** Whether to ask again now: the page seen, and something queued or the listener waiting. */
export const wanted = ({ job, waiting, visible }) => followsAfterDone(job) && visible && (waiting || queuedOf(job) > 0);

const retryable = (error) => !error?.status || error.status === 429 || error.status >= 500;

/**
 * Follows a finished book's recording until it is whole: `ask()` gives the job's next answer,
 * `show(job)` shows it, `isWanted(job)` says whether to ask (wanted() with the page's state), and
 * `pause(ms)` waits `ms` (Infinity: until woken) and resolves true when woken early (the listener
 * moved, the page was seen again, a place was saved), false when the time ran out. A wake asks
 * once at once (a saved place may have queued sections), then the back-off starts again.
 * Ends with the last answer once the recording is whole; throws when cancelled.
 */
export async function followRecording({ job, ask, show, isWanted, pause, signal, poll = FOLLOW }) {
  let delay = poll.firstMs;
  let failures = 0; // dropped answers in a row: past `retries`, it waits to be woken
  while (followsAfterDone(job)) {
    const woken = await pause(isWanted(job) && failures <= poll.retries ? delay : Infinity);
    if (!woken && !isWanted(job)) continue;
    // The next wait grows; woken (asked at once), the back-off starts again from its first wait.
    delay = woken ? poll.firstMs : Math.min(delay * poll.growth, poll.maxMs);
    if (woken) failures = 0;
    try {
      job = await ask();
      failures = 0;
    } catch (error) {
      if (signal?.aborted || error?.handled || !retryable(error)) throw error;
      failures += 1;
      continue;
    }
    show(job);
  }
  return job;
}

/**
 * The pause followRecording waits in, and what wakes it: `pause(ms)` resolves false after `ms`
 * (never, for Infinity) or true at the next `wake()` (at once when a wake came while nobody
 * waited). `wake({soft: true})` (a place saved while playing) ends only a pause without end: while
 * it is asked for anyway, a saved place every few seconds does not restart the back-off.
 * `timer(ms, fn)` sets the timeout and returns its cancel. Cancelled (`signal`), the pause
 * rejects with the signal's reason.
 */
export function createWake({ timer, signal }) {
  let waiter = null; // {endless, end}
  let pending = null; // a wake that came while nobody waited: "soft" or "hard"
  return {
    wake({ soft = false } = {}) {
      if (!waiter) {
        if (pending !== "hard") pending = soft ? "soft" : "hard";
        return;
      }
      if (soft && !waiter.endless) return;
      waiter.end(true);
    },
    pause(ms) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const endless = !Number.isFinite(ms);
      const woken = pending === "hard" || (pending === "soft" && endless);
      pending = null;
      if (woken) return Promise.resolve(true);
      return new Promise((resolve, reject) => {
        const settle = (value, ok = true) => {
          waiter = null;
          cancel();
          signal?.removeEventListener("abort", onAbort);
          if (ok) resolve(value);
          else reject(signal.reason);
        };
        const onAbort = () => settle(null, false);
        const cancel = endless ? () => {} : timer(ms, () => settle(false));
        waiter = { endless, end: settle };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
