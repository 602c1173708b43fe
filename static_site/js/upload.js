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
};
const ENDINGS = {
  "image/jpeg": [".jpg", ".jpeg", ".jpe", ".jfif"], "image/png": [".png"], "image/webp": [".webp"],
  "image/tiff": [".tif", ".tiff"], "image/bmp": [".bmp"], "image/gif": [".gif"],
  "image/heic": [".heic"], "image/heif": [".heif", ".hif"], "application/pdf": [".pdf"],
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

function sniff(bytes) {
  const b = new Uint8Array(bytes);
  const ascii = (start, text) => [...text].every((ch, i) => b[start + i] === ch.charCodeAt(0));
  return Object.keys(SIGNATURES).find((type) => SIGNATURES[type](b, ascii)) || "";
}

/** Check a file against a kind before uploading; returns the content type to declare, or
 *  throws UploadError. */
export async function checkFile(file, kind, { checkSize = true } = {}) {
  const name = file.name || "This file";
  const wanted = `a ${formatNames(kind)} file`;
  // Browsers often give no type (or a generic one) for .heic files: the name's ending says it.
  let declared = (file.type || "").split(";")[0].trim().toLowerCase();
  if (!declared || declared === "application/octet-stream") declared = typeFromName(kind, file.name);
  if (declared && !kind.content_types.includes(declared)) {
    throw new UploadError(`“${name}” is not a file PageVoice can read as ${kind.label.toLowerCase()}. Choose ${wanted}.`);
  }
  if (file.size === 0) throw new UploadError(`“${name}” is empty. Choose another file.`);
  if (checkSize) checkSizeOf(file, kind);
  let actual = "";
  try {
    actual = sniff(await file.slice(0, 16).arrayBuffer());
  } catch {
    throw new UploadError(`“${name}” could not be read. Choose it again.`);
  }
  // A .heif file may carry a HEIC brand and the reverse: the name's type stands within the family.
  if (HEIF_FAMILY.includes(actual) && HEIF_FAMILY.includes(declared) && kind.content_types.includes(declared)) return declared;
  if (actual && kind.content_types.includes(actual)) return actual;
  // Kinds whose every format we can recognise (images) refuse what we do not recognise.
  if (actual || kind.content_types.every((type) => type in SIGNATURES)) {
    throw new UploadError(`“${name}” does not look like ${wanted}. Choose another file.`);
  }
  if (!declared) throw new UploadError(`“${name}” is not ${wanted}. Choose another file.`);
  return declared;
}

/** Throws the message for a file over the kind's size limit. */
export function checkSizeOf(file, kind) {
  if (file.size > kind.max_bytes) {
    throw new UploadError(`“${file.name || "This file"}” is ${formatBytes(file.size)}; the largest file PageVoice accepts is ${formatBytes(kind.max_bytes)}.`);
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
