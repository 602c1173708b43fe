// "Read again with my pronunciations" on a finished job with a recording (POST
// /jobs/{id}/recording, CONTRACTS section 14): the recording is made again with the account's
// current pronunciations, and the view starts over, following the job as it follows a new one
// (the text first, the new recording played as it grows). A refusal (409, 400) is shown here.

import * as api from "../../api.js";
import { announce, setBusy, showMessage } from "../../dom.js";

export const REREAD_STARTED = "Reading again with your pronunciations…";
export const NOT_READ_AGAIN = "Reading again did not finish; your earlier recording is kept.";

export function mountReread(root, { jobId, signal, navigate }) {
  const wrap = root.querySelector("#reread-wrap");
  const button = root.querySelector("#reread");
  const error = root.querySelector("#reread-error");

  button.addEventListener("click", async () => {
    showMessage(error, "");
    setBusy(button, true, "Starting…");
    try {
      await api.rereadJob(jobId, { signal });
    } catch (failure) {
      if (signal.aborted || failure.handled) return;
      setBusy(button, false);
      showMessage(error, failure.message);
      return;
    }
    announce(REREAD_STARTED);
    navigate(`#/jobs/${encodeURIComponent(jobId)}`); // the same route: the view is made anew
  }, { signal });

  return {
    /** Offered once the job is done and has a recording of its own (not an uploaded one). */
    show(job) {
      wrap.hidden = !(job.status === "done" && job.audio_url && (job.kind || "page") !== "speech");
      // The last "Read again" failed: the job is as it was, and says why (once: polls repeat it).
      const failed = job.status === "done" && job.recording_again_error
        ? `${NOT_READ_AGAIN} ${job.recording_again_error}` : "";
      if (failed && error.textContent !== failed) showMessage(error, failed);
    },
  };
}
