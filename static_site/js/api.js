// The PageVoice HTTP API client (CONTRACTS.md section 3). Every failure becomes an ApiError
// whose `message` can be shown to the user as it is: the server's own sentence when it sent
// one, otherwise a generic one. API Gateway's own 4XX/5XX answers carry no CORS headers, so
// the browser reports them as network failures; those still end in a readable message and
// never in a hang (every request has a timeout).

import { config } from "./config.js";
import * as session from "./session.js";

export const NETWORK_MESSAGE = "Could not reach PageVoice. Check your connection and try again.";
export const TIMEOUT_MESSAGE = "PageVoice took too long to answer. Please try again.";
export const SESSION_ENDED_MESSAGE = "Your session has ended. Please log in again.";

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

function genericMessage(status) {
  if (status === 401) return SESSION_ENDED_MESSAGE;
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "That was not found. It may have been deleted.";
  if (status === 413) return "That is too large for PageVoice.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return `PageVoice had a problem (error ${status}). Please try again in a moment.`;
  return `Something went wrong (error ${status}). Please try again.`;
}

function parseRetryAfter(response, body) {
  // Retry-After is readable only if the API exposes it (Access-Control-Expose-Headers);
  // also accept a retry_after field in the body.
  const raw = response.headers.get("Retry-After") ?? body?.retry_after;
  if (raw === undefined || raw === null || raw === "") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
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

  const abort = linkedAbort(signal, timeoutMs ?? config.requestTimeoutMs);
  let response;
  try {
    response = await fetch(url ?? config.apiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
      mode: "cors",
      credentials: "omit", // the token travels in the Authorization header, not cookies
    });
  } catch (error) {
    abort.done();
    if (signal?.aborted) throw error; // the view went away: the caller ignores this
    if (abort.signal.aborted) throw new ApiError(TIMEOUT_MESSAGE, { code: "timeout" });
    throw new ApiError(NETWORK_MESSAGE, { code: "network" });
  }

  let text = "";
  try {
    text = await response.text();
  } catch (error) {
    abort.done();
    if (signal?.aborted) throw error;
    throw new ApiError(NETWORK_MESSAGE, { code: "network" });
  }
  abort.done();

  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }

  if (response.ok) return data;

  const message = typeof data?.message === "string" && data.message.trim()
    ? data.message.trim()
    : genericMessage(response.status);
  const error = new ApiError(message, {
    status: response.status,
    code: typeof data?.error === "string" ? data.error : `http_${response.status}`,
    retryAfter: response.status === 429 ? parseRetryAfter(response, data) : null,
    body: data,
  });
  // The server's message may say when to try again already; never say it twice.
  if (error.retryAfter && !/\d|try again in/i.test(error.message)) {
    error.message += ` Try again in ${error.retryAfter} second${error.retryAfter === 1 ? "" : "s"}.`;
  }
  if (response.status === 401 && token && handle401) {
    error.message = SESSION_ENDED_MESSAGE;
    error.handled = true;
    unauthorizedHandler(error);
  }
  throw error;
}

// ---- Routes -------------------------------------------------------------------------------

export const register = (fields, opts) => request("POST", "/auth/register", { ...opts, body: fields, auth: false });

export const login = (email, password, opts) =>
  request("POST", "/auth/login", { ...opts, body: { email, password }, auth: false });

// A 401 here means the token was already unusable: the user is logged out either way.
export const logout = (opts) => request("POST", "/auth/logout", { ...opts, handle401: false });

export const me = (opts) => request("GET", "/me", opts);

export const createUpload = ({ filename, contentType, size, kind }, opts) =>
  request("POST", "/uploads", { ...opts, body: { filename, content_type: contentType, size, kind } });

// The kinds of job (what each accepts, its limits): the API's one declaration, read once.
let kindsOnce = null;
export function kinds(opts) {
  if (!kindsOnce) {
    kindsOnce = request("GET", "/kinds", { ...opts, signal: undefined, auth: false })
      .catch((error) => { kindsOnce = null; throw error; });
  }
  return kindsOnce;
}

export function listJobs(next, opts) {
  // `next` is the opaque cursor from the previous page; pass it back as ?next=.
  let path = "/jobs";
  if (next) path += `?next=${encodeURIComponent(typeof next === "string" ? next : JSON.stringify(next))}`;
  return request("GET", path, opts);
}

export async function getJob(jobId, opts) {
  const job = await request("GET", `/jobs/${encodeURIComponent(jobId)}`, opts);
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

// ---- A result that grows (chalicelib/jobs/objects.py): an index, and part files read once ----

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

/** The result an index stands for: each grown value is its part files' contents joined, then its tail. */
export function assembleResult(index, files) {
  const copy = (v) => (v && typeof v === "object" && !Array.isArray(v) ? { ...v } : v);
  const result = Object.fromEntries(Object.entries(index.result).map(([k, v]) => [k, copy(v)]));
  for (const part of index.parts) {
    const chunks = part.files.map((file) => files.get(file.name));
    const value = part.type === "list" ? chunks.flat().concat(part.tail) : chunks.join("") + part.tail;
    const [first, second] = part.path;
    if (second === undefined) result[first] = value;
    else result[first][second] = value;
  }
  return result;
}

export const deleteJob = (jobId, opts) => request("DELETE", `/jobs/${encodeURIComponent(jobId)}`, opts);
