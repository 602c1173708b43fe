// Multipart uploads under way, remembered in localStorage by the file (its name, size and last
// change): the same file chosen again after a dropped connection or a closed tab goes on from
// the parts S3 holds instead of starting over. Kept a day, as S3 keeps unfinished parts.

const KEY = "pagevoice.uploads";
const DAY_MS = 24 * 3600 * 1000;

/** The file's identity: what is the same when the same file is chosen again. */
export function fileKey(file) {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

function read() {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) || "{}");
    return all && typeof all === "object" ? all : {};
  } catch {
    return {};
  }
}

function write(all) {
  try { localStorage.setItem(KEY, JSON.stringify(all)); } catch { /* storage full or off: not resumable */ }
}

/** The job whose upload of this file is under way for this account and kind, or null. */
export function recall(file, { user, kind }, now = Date.now()) {
  const found = read()[fileKey(file)];
  if (!found || found.user !== user || found.kind !== kind || now - found.at > DAY_MS) return null;
  return found.jobId;
}

export function remember(file, { user, kind, jobId }, now = Date.now()) {
  const all = read();
  for (const [key, entry] of Object.entries(all)) if (now - entry.at > DAY_MS) delete all[key];
  all[fileKey(file)] = { user, kind, jobId, at: now };
  write(all);
}

export function forget(file) {
  const all = read();
  delete all[fileKey(file)];
  write(all);
}
