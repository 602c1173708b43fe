// A large file (a book) sent to S3 as a multipart upload (CONTRACTS section 15): the API began
// it and presigned a PUT per part; the parts go several at once, each with its progress, and
// what S3 already holds (GET /uploads/{id}/parts' `received`) is not sent again. URLs that are
// about to expire, or a part that failed (an expired URL, a dropped connection), are asked for
// again (`refresh`) before the part is tried once more.

import { UploadError } from "./upload.js";

export const PARALLEL = 4; // parts in flight at once
const ATTEMPTS = 3; // tries of one part before the upload stops (it can be resumed)
const EARLY_SECONDS = 60; // ask for fresh URLs this long before they expire

/**
 * Send every part `multipart.parts` lists. `refresh()` resolves to a fresh `multipart` (GET
 * /uploads/{id}/parts). `onProgress(fraction)` counts the bytes S3 holds and those on their way.
 */
export async function sendParts(multipart, file, { refresh, onProgress, signal, timeoutMs, parallel = PARALLEL }) {
  if (file.size !== multipart.size) throw new UploadError("The file changed since its upload began. Choose it again.");
  const urls = new Map(multipart.parts.map((p) => [p.number, p.url]));
  const fresh = { at: Date.now(), seconds: multipart.expires_in, pending: null };
  const held = multipart.received.reduce((sum, p) => sum + p.size, 0);
  const sending = new Map(); // part number -> bytes sent so far
  const report = () => {
    let sent = held;
    for (const bytes of sending.values()) sent += bytes;
    onProgress?.(Math.min(1, sent / multipart.size));
  };

  async function renew() {
    fresh.pending ??= refresh().then((next) => {
      for (const p of next.parts) urls.set(p.number, p.url);
      Object.assign(fresh, { at: Date.now(), seconds: next.expires_in });
    }).finally(() => { fresh.pending = null; });
    return fresh.pending;
  }

  async function one(part) {
    for (let attempt = 1; ; attempt += 1) {
      if (Date.now() - fresh.at > (fresh.seconds - EARLY_SECONDS) * 1000) await renew();
      const start = (part.number - 1) * multipart.part_bytes;
      try {
        await putPart(urls.get(part.number), file.slice(start, start + part.size), {
          signal, timeoutMs, onBytes: (bytes) => { sending.set(part.number, bytes); report(); },
        });
        sending.set(part.number, part.size);
        report();
        return;
      } catch (error) {
        sending.set(part.number, 0);
        report();
        if (error.name === "AbortError" || attempt >= ATTEMPTS) throw error;
        await renew(); // an expired URL looks like any failure (S3's 403 carries no CORS)
      }
    }
  }

  // Once a part has failed for good no other starts, but those under way finish: S3 keeps them
  // for the upload's resumption.
  const queue = [...multipart.parts];
  let failure = null;
  report();
  const worker = async () => {
    while (queue.length && !failure) {
      try {
        await one(queue.shift());
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
  if (failure) throw failure;
}

/** One part's PUT by XMLHttpRequest (fetch has no upload progress). */
function putPart(url, blob, { signal, timeoutMs, onBytes }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.timeout = timeoutMs;
    xhr.upload.addEventListener("progress", (event) => onBytes(event.loaded));
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new UploadError("The file store refused a part of the upload."));
    });
    xhr.addEventListener("error", () => reject(new UploadError("The connection to the file store dropped.")));
    xhr.addEventListener("timeout", () => reject(new UploadError("A part of the upload took too long.")));
    xhr.addEventListener("abort", () => reject(new DOMException("Upload cancelled", "AbortError")));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    if (signal?.aborted) { xhr.abort(); return; }
    xhr.send(blob);
  });
}
