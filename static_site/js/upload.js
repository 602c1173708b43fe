// Photo checks and the upload itself: POST /uploads for a presigned POST, then the file straight
// to S3 with XMLHttpRequest (fetch has no upload progress).

import { formatBytes } from "./dom.js";

// What each kind of job accepts comes from the API (GET /kinds: content types, file name
// endings, size limit, format names): the one declaration the API and the worker use too.

export class UploadError extends Error {
  constructor(message) {
    super(message);
    this.name = "UploadError";
  }
}

/** "JPEG, PNG, WebP, TIFF, BMP or GIF" */
export function formatNames(kind) {
  const names = kind.formats || [];
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}` : names.join("");
}

/** The file picker's `accept`: the kind's types and file name endings. */
export function acceptOf(kind) {
  return [...kind.content_types, ...kind.extensions].join(",");
}

export function typeFromName(kind, name) {
  const ext = `.${String(name || "").split(".").pop().toLowerCase()}`;
  if (!kind.extensions.includes(ext)) return "";
  // The first type whose usual ending this is (the API maps endings to types the same way).
  return kind.content_types.find((type) => (ENDINGS[type] || []).includes(ext)) || kind.content_types[0];
}

// Recognise a file by its first bytes where we can: a renamed text file claims image/png by
// its extension, and we would rather say so now than after the upload.
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT = "application/vnd.oasis.opendocument.text";
const EPUB = "application/epub+zip";
const ZIP = "zip"; // sniff's answer for a zip that does not name its type
const ZIP_TYPES = [DOCX, ODT, EPUB];
// Documents of text: no signature, but never binary (UTF-16 aside, which starts with its BOM).
const NOTEBOOK = "application/x-ipynb+json";
const LATEX_TYPES = ["application/x-tex", "text/x-tex", "application/x-latex", "text/x-latex"];
const TEXT_TYPES = ["text/plain", "text/markdown", "text/x-markdown", "text/html", "application/xhtml+xml", NOTEBOOK,
  ...LATEX_TYPES];
// What browsers and systems declare when they do not know the format: the name's ending says more.
const GENERIC = ["application/octet-stream", "application/zip", "application/x-zip-compressed", "binary/octet-stream"];
// HEIC/HEIF (ISO base media: "ftyp" and a brand at byte 8): what iPhones save.
const HEIC_BRANDS = ["heic", "heix", "heim", "heis", "hevc", "hevx"];
const HEIF_BRANDS = ["mif1", "msf1", "mif2"];
const brand = (ascii, list) => ascii(4, "ftyp") && list.some((name) => ascii(8, name));
const SIGNATURES = {
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/png": (b, ascii) => b[0] === 0x89 && ascii(1, "PNG"),
  "image/gif": (b, ascii) => ascii(0, "GIF87a") || ascii(0, "GIF89a"),
  "image/webp": (b, ascii) => ascii(0, "RIFF") && ascii(8, "WEBP"),
  "image/tiff": (b, ascii) => (ascii(0, "II") && b[2] === 42 && b[3] === 0) || (ascii(0, "MM") && b[2] === 0 && b[3] === 42),
  "image/bmp": (b, ascii) => ascii(0, "BM"),
  "image/heic": (b, ascii) => brand(ascii, HEIC_BRANDS),
  "image/heif": (b, ascii) => brand(ascii, HEIF_BRANDS),
  "application/pdf": (b, ascii) => ascii(0, "%PDF-"),
  // A zip whose first part is "mimetype", stored, says its own type (EPUB, ODT); any other
  // zip may be a DOCX (told by its parts, which the worker reads).
  [ZIP]: (b, ascii) => ascii(0, "PK\x03\x04"),
};
const ENDINGS = {
  "image/jpeg": [".jpg", ".jpeg", ".jpe", ".jfif"], "image/png": [".png"], "image/webp": [".webp"],
  "image/tiff": [".tif", ".tiff"], "image/bmp": [".bmp"], "image/gif": [".gif"],
  "image/heic": [".heic"], "image/heif": [".heif", ".hif"], "application/pdf": [".pdf"],
  [DOCX]: [".docx"], [ODT]: [".odt"], [EPUB]: [".epub"],
  "text/html": [".html", ".htm"], "application/xhtml+xml": [".xhtml"],
  "text/markdown": [".md", ".markdown"], "text/x-markdown": [".md", ".markdown"], "text/plain": [".txt", ".text"],
  // As the service names them (chalicelib/media/types.py): a notebook, and LaTeX sources.
  [NOTEBOOK]: [".ipynb"], "application/x-tex": [".tex", ".latex"], "text/x-tex": [".tex"],
  "application/x-latex": [".latex"], "text/x-latex": [".tex"],
};
const HEIF_FAMILY = ["image/heic", "image/heif"];

/**
 * The kind that reads a file, by its type or else its name's ending: `preferred` when it does,
 * else the first that does; null when none does.
 */
export function kindFor(kinds, file, preferred = null) {
  const type = String(file?.type || "").split(";")[0].trim().toLowerCase();
  const reads = (kind) => Boolean(kind) && (kind.content_types.includes(type) || Boolean(typeFromName(kind, file?.name)));
  if (reads(preferred)) return preferred;
  return kinds.find(reads) || null;
}

/** Does the kind take documents (a PDF), so that several photos can go as one? */
export function takesDocuments(kind) {
  return Boolean(kind?.content_types?.includes("application/pdf"));
}

/** Does the kind read documents without pages (Word, EPUB, web pages, Markdown, text)? */
export function takesTexts(kind) {
  return Boolean(kind?.content_types?.some((type) => ZIP_TYPES.includes(type) || TEXT_TYPES.includes(type)));
}

const HEAD_BYTES = 4096; // enough for every signature and to tell text from binary

function sniff(b) {
  const ascii = (start, text) => [...text].every((ch, i) => b[start + i] === ch.charCodeAt(0));
  const type = Object.keys(SIGNATURES).find((t) => SIGNATURES[t](b, ascii)) || "";
  return type === ZIP ? zipType(b, ascii) : type;
}

// A zip's first local header: the name at byte 30 (its length at 26, the extra field's at 28),
// the compression method at 8 (0: stored) and the stored size at 18. EPUB and ODF put a stored
// "mimetype" first so that its type can be read this way.
function zipType(b, ascii) {
  const u16 = (at) => b[at] | (b[at + 1] << 8);
  if (u16(26) !== 8 || !ascii(30, "mimetype") || u16(8) !== 0) return ZIP;
  const from = 38 + u16(28);
  const type = String.fromCharCode(...b.slice(from, from + Math.min(u16(18), 100))).trim();
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : ZIP;
}

/** Whether the first bytes of a file are not text: a NUL (outside UTF-16 with its BOM), or
 *  many control characters. Latin-1 and UTF-8 pass; the worker detects the encoding. */
export function looksBinary(b) {
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return false;
  let controls = 0;
  for (const byte of b) {
    if (byte === 0) return true;
    if (byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].includes(byte)) controls += 1;
  }
  return controls > b.length / 10;
}

/**
 * The type to declare for `file` before looking at its bytes: the browser's, unless it says
 * nothing useful. Browsers give "" or a generic type for .heic, .md, .epub on some systems,
 * and text/plain for Markdown: the worker tells Markdown from plain text only by the declared
 * type, so the name's ending decides among text types.
 */
export function declaredType(file, kind) {
  const declared = String(file.type || "").split(";")[0].trim().toLowerCase();
  const byName = typeFromName(kind, file.name);
  if (!declared || declared === "application/octet-stream") return byName;
  if (GENERIC.includes(declared)) return byName || declared;
  // (a notebook is JSON to most systems; a .tex file plain text)
  if (["text/plain", "text/xml", "application/xml", "application/json"].includes(declared) && TEXT_TYPES.includes(byName)) {
    return byName;
  }
  return declared;
}

/** Check a file against a kind before uploading; returns the content type to declare, or
 *  throws UploadError. */
export async function checkFile(file, kind, { checkSize = true } = {}) {
  const name = file.name || "This file";
  const wanted = `a ${formatNames(kind)} file`;
  const declared = declaredType(file, kind);
  if (declared && !kind.content_types.includes(declared)) {
    throw new UploadError(`“${name}” is not a file PageVoice can read as ${kind.label.toLowerCase()}. Choose ${wanted}.`);
  }
  if (file.size === 0) throw new UploadError(`“${name}” is empty. Choose another file.`);
  if (checkSize) checkSizeOf(file, kind, declared);
  let head;
  try {
    head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  } catch {
    throw new UploadError(`“${name}” could not be read. Choose it again.`);
  }
  return typeOfBytes(head, declared, kind, { name, wanted });
}

// The type to declare, now that the first bytes are known (checkFile).
function typeOfBytes(head, declared, kind, { name, wanted }) {
  // A text file is text whatever its first letters spell ("BM..." is also a bitmap's mark).
  if (TEXT_TYPES.includes(declared)) {
    if (!looksBinary(head)) return declared;
    const actual = sniff(head);
    if (actual && kind.content_types.includes(actual)) return actual; // a PDF or an EPUB named .txt
    throw new UploadError(`“${name}” is not text: it holds binary data. Choose ${wanted}.`);
  }
  const actual = sniff(head);
  // A .heif file may carry a HEIC brand and the reverse: the name's type stands within the family.
  if (HEIF_FAMILY.includes(actual) && HEIF_FAMILY.includes(declared)) return declared;
  if (actual && kind.content_types.includes(actual)) return actual;
  // A DOCX is a zip that does not name its type: the declared type stands (the worker checks its parts).
  if (actual === ZIP && ZIP_TYPES.includes(declared)) return declared;
  // Refused: bytes we know that the kind does not read, bytes that are not what a type with a
  // signature declares, and anything unrecognised for kinds whose every format has one (images).
  const recognisable = (type) => type in SIGNATURES || ZIP_TYPES.includes(type);
  if (actual || recognisable(declared) || kind.content_types.every(recognisable)) {
    throw new UploadError(`“${name}” does not look like ${wanted}. Choose another file.`);
  }
  if (!declared) throw new UploadError(`“${name}” is not ${wanted}. Choose another file.`);
  return declared;
}

/**
 * The largest file of `contentType` the kind takes: a document (GET /kinds' `document_types`:
 * PDF, TIFF, DOCX, EPUB, ...) may be as large as a book (`max_document_bytes`), a photo
 * `max_bytes`. Without a type, the largest either way.
 */
export function maxBytesOf(kind, contentType = "") {
  const documents = kind.document_types || [];
  const type = String(contentType || "").split(";")[0].trim().toLowerCase();
  if (!type) return Math.max(kind.max_bytes, kind.max_document_bytes || 0);
  return documents.includes(type) ? kind.max_document_bytes : kind.max_bytes;
}

/** What the kind's limits say, for people: one size, or a photo's and a document's. */
export function limitsSentence(kind) {
  const documents = (kind.document_types || []).filter((t) => kind.content_types.includes(t));
  const longest = kind.max_seconds > 0 ? ` and ${durationText(kind.max_seconds)}` : "";
  if (!kind.max_document_bytes || !documents.length) return `${formatNames(kind)} files up to ${formatBytes(kind.max_bytes)}${longest}.`;
  return `${formatNames(kind)} files: photos up to ${formatBytes(kind.max_bytes)}, documents up to ${formatBytes(kind.max_document_bytes)}.`;
}

/** 14400 -> "4 hours", 900 -> "15 minutes", 5400 -> "90 minutes" (a recording's longest). */
export function durationText(seconds) {
  const minutes = Math.round(seconds / 60);
  if (minutes >= 120 && minutes % 60 === 0) return `${minutes / 60} hours`;
  if (minutes === 60) return "1 hour";
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Throws the message for a file over the kind's size limit (for its type, when known). */
export function checkSizeOf(file, kind, contentType = "") {
  const limit = maxBytesOf(kind, contentType);
  if (file.size > limit) {
    throw new UploadError(`“${file.name || "This file"}” is ${formatBytes(file.size)}; the largest file PageVoice accepts is ${formatBytes(limit)}.`);
  }
}

export function fileName(file, contentType) {
  if (file.name) return file.name;
  // Pasted images may come without a name.
  return `pasted-photo${ENDINGS[contentType]?.[0] || ".png"}`;
}

/**
 * Send the file to the presigned POST. Fields go first, in the order given (Content-Type is
 * among them); S3 requires the file to be the last part. Resolves on a 2xx (S3 answers 204).
 */
export function postToStorage(upload, file, filename, { onProgress, signal, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(upload.fields || {})) form.append(key, value);
    form.append("file", file, filename);

    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.timeout = timeoutMs;
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve();
        return;
      }
      // S3 errors are XML with a <Message>; show it when the response is readable.
      const match = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
      const detail = match ? ` (${match[1]})` : "";
      reject(new UploadError(`The photo store refused the upload${detail}. Please try again.`));
    });
    xhr.addEventListener("error", () =>
      reject(new UploadError("The upload could not reach the photo store. Check your connection and try again.")));
    xhr.addEventListener("timeout", () =>
      reject(new UploadError("The upload took too long and was stopped. Please try again.")));
    xhr.addEventListener("abort", () => reject(new DOMException("Upload cancelled", "AbortError")));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    if (signal?.aborted) { xhr.abort(); return; }
    xhr.send(form);
  });
}
