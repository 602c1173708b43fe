// The PageVoice HTTP API client (CONTRACTS.md section 3). Every failure becomes an ApiError
// whose `message` can be shown to the user as it is: the server's own sentence when it sent
// one, otherwise a generic one. API Gateway's own 4XX/5XX answers carry no CORS headers, so
// the browser reports them as network failures; those still end in a readable message and
// never in a hang (every request has a timeout).

import { config } from "./config.js";
import * as session from "./session.js";
import { assembleResult, failure, NETWORK_MESSAGE, parseJson, SESSION_ENDED_MESSAGE, TIMEOUT_MESSAGE }
  from "./api-answers.js";
import { bookLayout, bookResult, filesFor, isBook, partsFor, playParts, windowAround } from "./book-index.js";

export class ApiError extends Error {
  constructor(message, { status = 0, code = "network", retryAfter = null, body = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, for 429
    this.body = body; // the parsed JSON error body, when there was one
    this.handled = false; // true when the 401 handler already took over (nothing to show)
  }
}

let unauthorizedHandler = () => {};

// Called when an authenticated request answers 401: the token is bad, expired or revoked.
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// Abort on the caller's signal or after the timeout, whichever comes first.
function linkedAbort(signal, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("timeout", "TimeoutError")), timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  const done = () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  return { signal: controller.signal, done };
}

/**
 * One API call, or with `url` a GET of a presigned S3 URL. `auth: false` for routes without a
 * token; `handle401: false` when a 401 is an expected answer (wrong password at login, logout
 * of a revoked token).
 */
export async function request(method, path, { body, auth = true, handle401 = true, signal, timeoutMs, url } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = auth ? session.getToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;

  const { response, text } = await send(url ?? config.apiBase + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    mode: "cors",
    credentials: "omit", // the token travels in the Authorization header, not cookies
  }, signal, timeoutMs ?? config.requestTimeoutMs);
  const data = parseJson(text);
  if (response.ok) return data;

  const { message, ...fields } = failure(response.status, data, response.headers.get("Retry-After"));
  const error = new ApiError(message, { ...fields, body: data });
  if (response.status === 401 && token && handle401) {
    error.message = SESSION_ENDED_MESSAGE;
    error.handled = true;
    unauthorizedHandler(error);
  }
  throw error;
}

/** The response and its text, or an ApiError saying it timed out or could not be reached. */
async function send(target, init, signal, timeoutMs) {
  const abort = linkedAbort(signal, timeoutMs);
  let response;
  try {
    response = await fetch(target, { ...init, signal: abort.signal });
  } catch (error) {
    abort.done();
    if (signal?.aborted) throw error; // the view went away: the caller ignores this
    if (abort.signal.aborted) throw new ApiError(TIMEOUT_MESSAGE, { code: "timeout" });
    throw new ApiError(NETWORK_MESSAGE, { code: "network" });
  }
  try {
    return { response, text: await response.text() };
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(NETWORK_MESSAGE, { code: "network" });
  } finally {
    abort.done();
  }
}

// ---- Routes -------------------------------------------------------------------------------

export const register = (fields, opts) => request("POST", "/auth/register", { ...opts, body: fields, auth: false });

export const login = (email, password, opts) =>
  request("POST", "/auth/login", { ...opts, body: { email, password }, auth: false });

// A 401 here means the token was already unusable: the user is logged out either way.
export const logout = (opts) => request("POST", "/auth/logout", { ...opts, handle401: false });

export const me = (opts) => request("GET", "/me", opts);

// ---- The account (CONTRACTS section 12) ----

export const updateMe = (fields, opts) => request("PATCH", "/me", { ...opts, body: fields });

export const changePassword = (fields, opts) => request("POST", "/auth/password", { ...opts, body: fields });

export const requestPasswordReset = (email, opts) =>
  request("POST", "/auth/password-reset", { ...opts, body: { email }, auth: false });

export const confirmPasswordReset = (fields, opts) =>
  request("POST", "/auth/password-reset/confirm", { ...opts, body: fields, auth: false });

export const verifyEmail = (token, opts) => request("POST", "/auth/verify-email", { ...opts, body: { token }, auth: false });

export const resendVerification = (opts) => request("POST", "/auth/verify-email/resend", opts);

export const logoutEverywhere = (opts) => request("POST", "/auth/logout-everywhere", opts);

// DELETE with a body: the password proves it is the account's holder.
export const deleteAccount = (password, opts) => request("DELETE", "/me", { ...opts, body: { password } });

export const startExport = (opts) => request("POST", "/me/export", opts);

export const getExport = (opts) => request("GET", "/me/export", opts);

export const createApiKey = (name, opts) => request("POST", "/api-keys", { ...opts, body: { name } });

export const listApiKeys = (opts) => request("GET", "/api-keys", opts);

export const revokeApiKey = (keyId, opts) => request("DELETE", `/api-keys/${encodeURIComponent(keyId)}`, opts);

// `language`: a code of GET /languages; left out, the API detects it. `voice`: an id of GET
// /voices; left out, the account's voice for the language, else the language's default.
export const createUpload = ({ filename, contentType, size, kind, language, voice }, opts) =>
  request("POST", "/uploads", { ...opts, body: { filename, content_type: contentType, size, kind, language, voice } });

// Read by link (CONTRACTS section 18): `{url, kind?, language?, voice?}`; the worker fetches the
// address itself, so the answer ({job_id, kind, language, link}) has no upload form.
export const readLink = ({ url, kind, language, voice }, opts) =>
  request("POST", "/uploads", { ...opts, body: { url, kind, language, voice } });

// A multipart upload (a file over the multipart threshold, CONTRACTS section 15): what S3 holds
// and fresh URLs for the other parts; then the API assembles the parts, which starts the job.
export const uploadParts = (jobId, opts) => request("GET", `/uploads/${encodeURIComponent(jobId)}/parts`, opts);

export const completeUpload = (jobId, opts) => request("POST", `/uploads/${encodeURIComponent(jobId)}/complete`, opts);

/** A GET without a token, read once per page load (asked again after a failure). */
function readOnce(path) {
  let once = null;
  return (opts) => {
    if (!once) {
      once = request("GET", path, { ...opts, signal: undefined, auth: false })
        .catch((error) => { once = null; throw error; });
    }
    return once;
  };
}

// The kinds of job (what each accepts, its limits): the API's one declaration.
export const kinds = readOnce("/kinds");

// The languages PageVoice reads, speaks and transcribes (CONTRACTS section 11).
export const languages = readOnce("/languages");

// The voices it speaks in, by language (CONTRACTS section 16).
export const voices = readOnce("/voices");

/** A voice's sample (its `sample_url`, no sign-in): {url} once made, {status: "making"} (202) while it is made. */
export const voiceSample = (sampleUrl, opts) => request("GET", "", { ...opts, url: sampleUrl, auth: false, handle401: false });

export function listJobs(next, opts) {
  // `next` is the opaque cursor from the previous page; pass it back as ?next=.
  let path = "/jobs";
  if (next) path += `?next=${encodeURIComponent(typeof next === "string" ? next : JSON.stringify(next))}`;
  return request("GET", path, opts);
}

export async function getJob(jobId, opts) {
  const shown = bookRead?.jobId === jobId ? bookRead.center : null;
  const job = await request("GET", `/jobs/${encodeURIComponent(jobId)}${pagesQuery(shown)}`, opts);
  if (isBookAnswer(job)) {
    if (shown === null && !(job.result ?? job.result_parts.index.result).flow) {
      // The first answer: now the place is known, ask again with its pages' images.
      bookState(jobId).center ??= Number(job.position?.place?.page) || 0;
      return getJob(jobId, opts);
    }
    return bookJob(job, opts);
  }
  if (job && job.result === null && job.result_parts) {
    // Still growing, and too large to travel inline: its index, and the part files not read yet.
    job.result = await readParts(jobId, job.result_parts, opts);
  } else if (job && job.result === null && job.result_url) {
    // A result too large to travel inline (a long document's) is read from its presigned URL.
    job.result = await request("GET", "", { ...opts, url: job.result_url, auth: false, handle401: false });
    job.resultWasLarge = true; // (the page polls it less often: megabytes each time)
  }
  return job;
}

// ---- A result that grows (chalicelib/jobs/growing.py): an index, and part files read once ----

const PART_READS = 4; // part files read at once
let partsRead = { jobId: null, files: new Map() }; // the parsed part files of the job shown, by name

async function readParts(jobId, { index, urls }, opts) {
  if (partsRead.jobId !== jobId) partsRead = { jobId, files: new Map() };
  const { files } = partsRead;
  const names = index.parts.flatMap((part) => part.files.map((file) => file.name));
  for (const name of [...files.keys()]) if (!names.includes(name)) files.delete(name); // written again
  const missing = names.filter((name) => !files.has(name));
  for (let i = 0; i < missing.length; i += PART_READS) {
    await Promise.all(missing.slice(i, i + PART_READS).map(async (name) => {
      if (!urls?.[name]) throw new ApiError(NETWORK_MESSAGE, { code: "network" });
      files.set(name, await request("GET", "", { ...opts, url: urls[name], auth: false, handle401: false }));
    }));
  }
  return assembleResult(index, files);
}


// ---- A book (CONTRACTS section 15): a window of its pages and their parts' timings ----

const IMAGES_AROUND = 20; // page images asked for on each side of the place (the window is within them)
const BOOK_FILES_KEPT = 8; // page files held beyond the window's (moving back and forth costs nothing)
const TIMINGS_KEPT = 64; // parts' timing files held beyond the window's
let bookRead = null; // {jobId, center, pages, timings, texts, bases}

function bookState(jobId) {
  if (bookRead?.jobId !== jobId) {
    bookRead = { jobId, center: null, pages: new Map(), timings: new Map(), texts: new Map(), bases: new Map() };
  }
  return bookRead;
}

const getJson = (url, opts) => request("GET", "", { ...opts, url, auth: false, handle401: false });

const pageImages = (urls) => Object.fromEntries(Object.entries(urls || {}).filter(([name]) => /^page-\d+\.jpg$/.test(name)));

/** Forget the oldest entries of `map` past `keep` (a Map keeps the order entries were set in). */
function trim(map, needed, keep) {
  for (const name of [...map.keys()]) {
    if (map.size <= needed.size + keep) break;
    if (!needed.has(name)) map.delete(name);
  }
}

// A book's pages shown: their images' links come with the answer (GET /jobs/{id}?pages=).
const pagesQuery = (center) => (center === null ? ""
  : `?pages=${Math.max(0, center - IMAGES_AROUND)}-${center + IMAGES_AROUND + 1}`);

const isBookAnswer = (job) => Boolean(job) && isBook(job.result ?? job.result_parts?.index?.result) &&
  Boolean(job.result || job.result_parts);

/** A book: the pages around the reading place, their images' links and their timings (book-index.js). */
async function bookJob(job, opts) {
  job.result = await readBook(job, opts);
  job.outputs = { ...job.outputs, ...pageImages(job.result_parts?.urls) };
  job.book = true;
  return job;
}

async function readBook(job, opts) {
  const st = bookState(job.job_id);
  const source = job.result ? { result: job.result } : { index: job.result_parts.index };
  const urls = job.result_parts?.urls || {};
  const head = source.index ? source.index.result : source.result;
  const layout = bookLayout(source);
  st.center ??= Number(job.position?.place?.page) || 0;
  const window = windowAround(layout.total, st.center, head.flow === true);
  const files = filesFor(layout, window).filter((f) => source.index && !st.pages.has(f.name));
  await Promise.all(files.map(async (f) => {
    if (!urls[f.name]) throw new ApiError(NETWORK_MESSAGE, { code: "network" });
    st.pages.set(f.name, await getJson(urls[f.name], opts));
  }));
  const parts = partsFor(playParts(head.speech?.parts, st.bases), window).filter((p) => p.timings_url);
  await Promise.all(parts.filter((p) => !st.timings.has(p.file)).map(async (p) => {
    st.timings.set(p.file, await getJson(p.timings_url, opts));
  }));
  trim(st.pages, new Set(filesFor(layout, window).map((f) => f.name)), BOOK_FILES_KEPT);
  trim(st.timings, new Set(parts.map((p) => p.file)), TIMINGS_KEPT);
  return bookResult(source, { layout, pages: st.pages, timings: st.timings, window, bases: st.bases });
}

/** The book's result with its window around page `center` (the job asked for again: fresh URLs). */
export function moveBook(jobId, center, opts) {
  bookState(jobId).center = Math.max(0, Math.round(Number(center) || 0));
  return getJob(jobId, opts);
}

/**
 * Each text file of the book in order, for search: yields {from, to, text} (the pages it holds);
 * kept once read. `job` is an answer of getJob (its result_parts' URLs).
 */
export async function* bookTexts(job, opts) {
  const st = bookState(job.job_id);
  if (!job.result_parts) {
    const pages = job.result?.pages || [];
    yield { from: 0, to: pages.length, pages: pages.map((p) => p?.text || "") };
    return;
  }
  const layout = bookLayout({ index: job.result_parts.index });
  for (const f of layout.files) {
    if (!st.texts.has(f.text)) st.texts.set(f.text, await getJson(job.result_parts.urls[f.text], opts));
    yield { from: f.from, to: f.to, text: st.texts.get(f.text), name: f.name };
  }
}

/** The pages of one of the book's page files (`name`), read once while held. */
export async function bookPages(job, name, opts) {
  const st = bookState(job.job_id);
  if (!job.result_parts) return job.result?.pages || [];
  if (!st.pages.has(name)) st.pages.set(name, await getJson(job.result_parts.urls[name], opts));
  return st.pages.get(name);
}

export const deleteJob = (jobId, opts) => request("DELETE", `/jobs/${encodeURIComponent(jobId)}`, opts);

// A speech job's speakers named (CONTRACTS section 17): {"S2": "Ada"}, null clearing a name;
// answers {speakers, speaker_names}.
export const nameSpeakers = (jobId, names, opts) =>
  request("PATCH", `/jobs/${encodeURIComponent(jobId)}/speakers`, { ...opts, body: names });

// ---- Pronunciations and reading again (CONTRACTS section 14) ----

export const getLexicon = (opts) => request("GET", "/me/lexicon", opts);

// Replaces the whole list; answers the list as stored (with its limits).
export const putLexicon = (entries, opts) => request("PUT", "/me/lexicon", { ...opts, body: { entries } });

/**
 * "Read again": the job's recording made again with the current pronunciations; `voice` (an id,
 * or null for the account's and the languages' defaults) in another voice, left out in its own.
 */
export async function rereadJob(jobId, opts, voice = undefined) {
  const body = voice === undefined ? undefined : { voice };
  const answer = await request("POST", `/jobs/${encodeURIComponent(jobId)}/recording`, { ...opts, body });
  // The new recording's part files may take the old ones' names: read them all again.
  if (partsRead.jobId === jobId) partsRead = { jobId: null, files: new Map() };
  return answer;
}

/** A job's book (format "epub" or "mp3"): {url} (presigned GET) once made, {progress} (202) while it is made. */
export const exportBook = (jobId, format, opts) =>
  request("GET", `/jobs/${encodeURIComponent(jobId)}/export?format=${encodeURIComponent(format)}`, opts);

// ---- The listening position (CONTRACTS section 14) ----

/**
 * Where the listener is in a job's recording (seconds). `keepalive`: sent as the page goes
 * away (pagehide), so it outlives the page; then no answer is read and a failure is silent.
 */
/** Where the listener is in a book: a place in its text (CONTRACTS section 15), made heard next. */
export const savePlace = (jobId, place, opts = {}) => savePosition(jobId, null, { ...opts, place });

export function savePosition(jobId, t, { keepalive = false, place = null, ...opts } = {}) {
  const path = `/jobs/${encodeURIComponent(jobId)}/position`;
  const body = place ? { page: place.page, line: place.line ?? 0, word: place.word ?? 0 } : { t: Math.round(t * 100) / 100 };
  if (!keepalive) return request("PUT", path, { ...opts, body });
  const token = session.getToken();
  if (!token) return Promise.resolve();
  return fetch(config.apiBase + path, {
    method: "PUT", keepalive: true, mode: "cors", credentials: "omit", body: JSON.stringify(body),
    headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${token}` },
  }).catch(() => {});
}
