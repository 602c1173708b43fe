// "Read again" on a finished job with a recording (POST /jobs/{id}/recording): "with my
// pronunciations" (CONTRACTS section 14: the account's current list) and "with another voice"
// (section 16: a voice of the job's language, heard first in the picker, or the account's
// default). Only the recording is made again; the view starts over, following the job as it
// follows a new one (the text first, the new recording played as it grows). A refusal (409,
// 400) is shown here.

import * as api from "../../api.js";
import * as session from "../../session.js";
import { announce, setBusy, showMessage } from "../../dom.js";
import { codeOf, voiceTitle } from "../../languages.js";
import { createVoicePicker, loadVoices } from "../../voice-picker.js";
import { MY_DEFAULT, ownDefault, voiceById, voiceGroups, voicesFor } from "../../voices.js";

export const REREAD_STARTED = "Reading again with your pronunciations…";
export const NOT_READ_AGAIN = "Reading again did not finish; your earlier recording is kept.";
export const SAME_VOICE = "This voice reads it now: choose another one.";
const VOICE_HINT = "Only the recording is made again, in the voice chosen. The text stays as it is.";

export function mountReread(root, { jobId, signal, navigate }) {
  const wrap = root.querySelector("#reread-wrap");
  const error = root.querySelector("#reread-error");
  const voice = mountVoiceChoice(root, { signal });

  async function readAgain(button, voiceId, started) {
    showMessage(error, "");
    setBusy(button, true, "Starting…");
    try {
      await api.rereadJob(jobId, { signal }, voiceId);
    } catch (failure) {
      if (signal.aborted || failure.handled) return;
      setBusy(button, false);
      showMessage(error, failure.message);
      return;
    }
    announce(started);
    navigate(`#/jobs/${encodeURIComponent(jobId)}`); // the same route: the view is made anew
  }

  const button = root.querySelector("#reread");
  button.addEventListener("click", () => readAgain(button, undefined, REREAD_STARTED), { signal });
  voice.button.addEventListener("click", () => {
    const chosen = voice.chosen();
    if (chosen.same) showMessage(error, SAME_VOICE);
    else readAgain(voice.button, chosen.id, chosen.started);
  }, { signal });

  return {
    /** Offered once the job is done and has a recording of its own (not an uploaded one). */
    show(job) {
      wrap.hidden = !(job.status === "done" && job.audio_url && (job.kind || "page") !== "speech");
      if (!wrap.hidden) voice.offer(job);
      // The last "Read again" failed: the job is as it was, and says why (once: polls repeat it).
      const failed = job.status === "done" && job.recording_again_error
        ? `${NOT_READ_AGAIN} ${job.recording_again_error}` : "";
      if (failed && error.textContent !== failed) showMessage(error, failed);
    },
  };
}

/**
 * The voices of the job's language (shown when there is a choice), the voice it has now chosen;
 * `chosen()` is {id (null: the account's default), same (it reads in that voice now), started}.
 */
function mountVoiceChoice(root, { signal }) {
  const group = root.querySelector("#reread-voice-wrap");
  const button = root.querySelector("#reread-voice");
  const picker = createVoicePicker(root.querySelector("#reread-voice-picker"), {
    id: "reread-voice-choice", label: "Voice", hint: VOICE_HINT, signal,
  });
  let loaded = null; // {voices, table}
  let job = null;
  let offered = null; // the language whose voices are shown

  function fill() {
    const code = codeOf(job?.result?.language);
    if (!loaded || !code || code === offered) return;
    offered = code;
    const voices = voicesFor(loaded.voices, code);
    group.hidden = voices.length < 2;
    picker.fill({
      groups: voiceGroups(voices, { table: loaded.table }),
      empty: { text: MY_DEFAULT, voice: ownDefault(loaded.voices, session.getUser()?.voices, code) },
      selected: job.voice || "",
    });
  }

  loadVoices(signal).then((answer) => {
    loaded = answer;
    fill();
  }).catch(() => { /* not offered: "Read again with my pronunciations" still is */ });

  return {
    button,
    offer(next) {
      job = next;
      fill();
    },
    chosen() {
      const id = picker.value() || null;
      const spoken = job.result?.speech?.voice?.id;
      const chosenVoice = id && voiceById(loaded.voices, id, offered);
      return {
        id,
        same: id === (job.voice || null) || (id !== null && id === spoken),
        started: `Reading again in ${chosenVoice ? `${voiceTitle(chosenVoice)}'s voice` : "your default voice"}…`,
      };
    },
  };
}
