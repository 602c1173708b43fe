// The presigned URLs of a job's files (photo, page images, recording parts, download): the first
// one seen per file is kept so an element's src stays stable across polls; fresh ones are asked
// for when a URL has expired.

import * as api from "../api.js";
import { showMessage } from "../dom.js";
import { downloadName } from "./common.js";
import { SPEECH_MP3, SPEECH_WAV } from "./model.js";

const URL_MAX_AGE_MS = 10 * 60 * 1000; // presigned GETs last 15 minutes: refresh before that
const OBJECT_URL_LIFE_MS = 60_000;

export function createUrls(job, signal) {
  let latest = linksOf(job); // the newest answer's links, from a poll or a refresh
  let urls = {}; // output file -> its URL
  let urlsAt = Date.now();
  let photo = job.image_url;

  /** A new answer for this job: keep its URLs for the files not seen yet. */
  function remember(nextJob) {
    latest = linksOf(nextJob);
    if (nextJob.image_url && !photo) photo = nextJob.image_url;
    for (const [file, url] of Object.entries(nextJob.outputs || {})) urls[file] ??= url;
    if (nextJob.audio_url) urls[SPEECH_WAV] ??= nextJob.audio_url;
  }

  function of(file) {
    if (!urls[file] && latest.outputs?.[file]) urls[file] = latest.outputs[file];
    return urls[file] || null;
  }

  async function refresh() {
    const fresh = await api.getJob(latest.jobId, { signal });
    latest = { ...linksOf(fresh), jobId: latest.jobId };
    urls = { ...(fresh.outputs || {}) };
    if (fresh.audio_url) urls[SPEECH_WAV] ??= fresh.audio_url;
    urlsAt = Date.now();
    return urls;
  }

  return {
    remember,
    of,
    refresh,
    refreshIfOld: () => (Date.now() - urlsAt > URL_MAX_AGE_MS ? refresh() : null),
    audioUrl: () => latest.audioUrl,
    /** The photo's URL (the first one seen), and the newest one after a refresh. */
    photo: () => photo,
    freshPhoto: () => latest.imageUrl,
    setPhoto: (url) => { photo = url; },
  };
}

const linksOf = (job) => ({ jobId: job.job_id, outputs: job.outputs, audioUrl: job.audio_url, imageUrl: job.image_url });

/**
 * The compressed recording, downloaded under the upload's name. The URL is another origin's,
 * where `download` is ignored: fetch it and save the bytes.
 */
export function setUpRecordingDownload(link, { urls, current, error, signal }) {
  const fileOf = () => current().result?.speech?.download || SPEECH_MP3;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const name = downloadName(current().job.filename, ".mp3");
    try {
      await urls.refreshIfOld();
      let response = await fetch(urls.of(fileOf()));
      if (!response.ok) {
        await urls.refresh();
        response = await fetch(urls.of(fileOf()));
      }
      if (!response.ok) throw new Error(String(response.status));
      save(await response.blob(), name);
    } catch {
      if (signal.aborted) return;
      showMessage(error, "The recording could not be downloaded. Reload the page to try again.");
    }
  }, { signal });
}

/** `blob` saved as a download named `name`. */
export function save(blob, name) {
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), OBJECT_URL_LIFE_MS);
}

/** The link to the compressed recording once it is finished, hidden until then. */
export function showRecordingLink(link, urls, speech, done) {
  const mp3 = done ? urls.of(speech?.download || SPEECH_MP3) : null;
  link.hidden = !mp3;
  if (mp3) link.href = mp3;
}
