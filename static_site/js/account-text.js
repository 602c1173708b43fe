// The sentences the account and API-key pages show, apart from the DOM so that they can be
// tested under node: export progress, sizes and times of keys, the retention choice.

import { formatBytes } from "./dom.js";

export const RETENTION = Object.freeze({ min: 1, max: 3650, suggested: 30 });

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The <progress> of an export: { value, max }, or null while the total is not known yet. */
export function exportProgress(exp) {
  const total = Number(exp?.progress?.total) || 0;
  if (exp?.status === "ready") return { value: 1, max: 1 };
  if (!total) return null;
  return { value: Math.min(Number(exp.progress.done) || 0, total), max: total };
}

/** What the export is doing, in a sentence (shown beside its progress bar). */
export function exportProgressText(exp) {
  const done = Number(exp?.progress?.done) || 0;
  const total = Number(exp?.progress?.total) || 0;
  switch (exp?.status) {
    case "queued": return "Waiting to start your export…";
    case "building":
      return total ? `Packing your files: ${done} of ${plural(total, "file")}.` : "Packing your files…";
    case "ready": return `Your export is ready (${formatBytes(Number(exp.size) || 0)}).`;
    case "failed": return exp.message || "The export could not be made. Please try again.";
    default: return "";
  }
}

/** The sentence said aloud when the export changes state (not on every file: that is chatty). */
export function exportAnnouncement(exp) {
  if (exp?.status === "ready") return `${exportProgressText(exp)} Use the download link below.`;
  if (exp?.status === "failed") return exportProgressText(exp);
  if (exp?.status === "building") return "Packing your files.";
  return "Your export has started.";
}

export const exportFinished = (exp) => exp?.status === "ready" || exp?.status === "failed";

/** The download link's text: "Download your export (zip, 4.2 MB)". */
export function exportLinkText(exp) {
  return `Download your export (zip, ${formatBytes(Number(exp?.size) || 0)})`;
}

/** Retention as the form gives it: { days } (null: keep until deleted) or { error }. */
export function parseRetention(enabled, raw) {
  if (!enabled) return { days: null };
  const text = String(raw ?? "").trim();
  if (!text) return { error: "Enter a number of days." };
  if (!/^\d+$/.test(text)) return { error: "Enter a whole number of days, like 30." };
  const days = Number(text);
  if (days < RETENTION.min || days > RETENTION.max) {
    return { error: `Choose from ${RETENTION.min} to ${RETENTION.max} days.` };
  }
  return { days };
}

/** What the account's retention choice means, in a sentence. */
export function retentionText(days) {
  if (days === null || days === undefined) return "Your files are kept until you delete them.";
  return `Each file is deleted ${plural(days, "day")} after you upload it.`;
}

/** "Never used" or the time it was last used, formatted by `format` (a Date -> text). */
export function lastUsedText(date, format) {
  return date ? `Last used ${format(date)}` : "Never used";
}

export function keyCountText(count) {
  return count ? `You have ${plural(count, "API key")}.` : "You have no API keys yet.";
}
