// What a file is called in sentences, by its kind and type: a photo, a document, a recording,
// handwritten digits. Apart from the DOM so that it can be tested under node.

const NOUNS = {
  photo: ["photo", "photos"],
  document: ["document", "documents"],
  recording: ["recording", "recordings"],
  digits: ["photo of digits", "photos of digits"],
  file: ["file", "files"],
};
const ORDER = ["photo", "document", "recording", "digits", "file"];

const PHOTO_ENDINGS = /\.(jpe?g|jpe|jfif|png|webp|tiff?|bmp|gif|heic|heif|hif)$/i;

/**
 * "photo", "document", "recording", "digits" or "file", from a job's kind and content type, or
 * (GET /jobs lists no type) its file name's ending.
 */
export function fileNoun({ kind, content_type: type, filename } = {}) {
  const t = String(type || "").toLowerCase();
  const name = String(filename || "");
  if (kind === "digits") return "digits";
  if (kind === "speech" || t.startsWith("audio/")) return "recording";
  if (t === "application/pdf" || (!t && /\.pdf$/i.test(name))) return "document";
  if (t.startsWith("image/") || (!t && PHOTO_ENDINGS.test(name))) return "photo";
  return "file";
}

const counted = (n, noun) => `${n} ${NOUNS[noun][n === 1 ? 0 : 1]}`;

function joined(parts) {
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0];
}

/** The history's count: "2 photos.", "1 photo and 1 document shown.", "Nothing uploaded yet." */
export function filesCountText(jobs, { more = false } = {}) {
  if (!jobs.length) return "You have not uploaded anything yet.";
  const counts = new Map();
  for (const job of jobs) counts.set(fileNoun(job), (counts.get(fileNoun(job)) || 0) + 1);
  const parts = ORDER.filter((noun) => counts.has(noun)).map((noun) => counted(counts.get(noun), noun));
  return `${joined(parts)}${more ? " shown" : ""}.`;
}

/** "Delete this recording and its text?" */
export function deleteQuestion(job) {
  const noun = fileNoun(job);
  return `Delete this ${NOUNS[noun][0]} and its text?`;
}
