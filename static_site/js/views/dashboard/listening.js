// (pure) "Continue listening": the jobs with a saved place in their recording (GET /jobs items'
// `position` and `seconds`, CONTRACTS section 14), the most recently heard first, and how far.

import { clock, spokenClock } from "../../result/messages.js";
import { heardToTheEnd } from "../../result/model.js";

export const CONTINUE_MAX = 5;

/** The jobs to continue, newest position first, at most `max`. */
export function toContinue(jobs, max = CONTINUE_MAX) {
  const placed = (jobs || []).filter((job) => {
    const t = job?.position?.t;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) return false;
    const { seconds } = job;
    return !heardToTheEnd(t, seconds);
  });
  const when = (job) => Date.parse(job.position.at || job.created_at || "") || 0;
  return placed.sort((a, b) => when(b) - when(a)).slice(0, max);
}

/** "2:07 of 6:20" (or "At 2:07" when the length is not known). */
export function progressText(t, seconds) {
  return Number.isFinite(seconds) && seconds > 0 ? `${clock(t)} of ${clock(seconds)}` : `At ${clock(t)}`;
}

/** What a screen reader says for the progress bar. */
export function progressLabel(name, t, seconds) {
  const where = Number.isFinite(seconds) && seconds > 0
    ? `${spokenClock(t)} of ${spokenClock(seconds)}` : spokenClock(t);
  return `${name}: heard ${where}`;
}
