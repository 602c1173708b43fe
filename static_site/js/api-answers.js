// Reading the API's answers, apart from sending requests (api.js) so that it can be tested
// without a browser: the sentences people see, and a grown result put together from its parts.

export const NETWORK_MESSAGE = "Could not reach PageVoice. Check your connection and try again.";
export const TIMEOUT_MESSAGE = "PageVoice took too long to answer. Please try again.";
export const SESSION_ENDED_MESSAGE = "Your session has ended. Please log in again.";

export function genericMessage(status) {
  if (status === 401) return SESSION_ENDED_MESSAGE;
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "That was not found. It may have been deleted.";
  if (status === 413) return "That is too large for PageVoice.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return `PageVoice had a problem (error ${status}). Please try again in a moment.`;
  return `Something went wrong (error ${status}). Please try again.`;
}

/** Seconds to wait from a Retry-After header (seconds or a date) or a retry_after field, or null. */
export function parseRetryAfter(header, body, now = Date.now()) {
  // The header is readable only if the API exposes it (Access-Control-Expose-Headers).
  const raw = header ?? body?.retry_after;
  if (raw === undefined || raw === null || raw === "") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export function parseJson(text) {
  if (!text) return null;
  try { return JSON.parse(text); } catch { return null; }
}

/**
 * What a failed answer says: the server's own sentence when it sent one (with when to try
 * again, unless it says so already), else a generic one; its error code; seconds to wait on 429.
 */
export function failure(status, data, retryHeader) {
  let message = typeof data?.message === "string" && data.message.trim()
    ? data.message.trim()
    : genericMessage(status);
  const retryAfter = status === 429 ? parseRetryAfter(retryHeader, data) : null;
  if (retryAfter && !/\d|try again in/i.test(message)) {
    message += ` Try again in ${retryAfter} second${retryAfter === 1 ? "" : "s"}.`;
  }
  return { message, status, code: typeof data?.error === "string" ? data.error : `http_${status}`, retryAfter };
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
