// Photo checks and the upload itself: POST /uploads for a presigned POST, then the file straight
// to S3 with XMLHttpRequest (fetch has no upload progress).

import { formatBytes } from "./dom.js";

// The types the server accepts (mirrors the API's check), with the extensions we map from
// when the browser reports no type.
const TYPES = {
  "image/jpeg": ["jpg", "jpeg", "jpe", "jfif"],
  "image/png": ["png"],
  "image/webp": ["webp"],
  "image/tiff": ["tif", "tiff"],
  "image/bmp": ["bmp"],
  "image/gif": ["gif"],
};
export const ACCEPTED_TYPES = Object.keys(TYPES);
export const ACCEPTED_NAMES = "JPEG, PNG, WebP, TIFF, BMP or GIF";

export class UploadError extends Error {
  constructor(message) {
    super(message);
    this.name = "UploadError";
  }
}

function typeFromName(name) {
  const ext = String(name || "").split(".").pop().toLowerCase();
  return ACCEPTED_TYPES.find((type) => TYPES[type].includes(ext)) || "";
}

// Recognise the image by its first bytes: a renamed text file claims image/png by its
// extension, and we would rather say so now than after the upload.
function sniff(bytes) {
  const b = new Uint8Array(bytes);
  const ascii = (start, text) => [...text].every((ch, i) => b[start + i] === ch.charCodeAt(0));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x89 && ascii(1, "PNG")) return "image/png";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if ((ascii(0, "II") && b[2] === 42 && b[3] === 0) || (ascii(0, "MM") && b[2] === 0 && b[3] === 42)) return "image/tiff";
  if (ascii(0, "BM")) return "image/bmp";
  return "";
}

/** Check a file before uploading; returns the content type to declare, or throws UploadError. */
export async function checkFile(file, maxBytes) {
  const name = file.name || "This file";
  const declared = file.type || typeFromName(file.name);
  if (declared && !ACCEPTED_TYPES.includes(declared)) {
    throw new UploadError(`“${name}” is not a photo PageVoice can read. Choose a ${ACCEPTED_NAMES} image.`);
  }
  if (file.size === 0) throw new UploadError(`“${name}” is empty. Choose another photo.`);
  if (file.size > maxBytes) {
    throw new UploadError(`“${name}” is ${formatBytes(file.size)}; the largest photo PageVoice accepts is ${formatBytes(maxBytes)}.`);
  }
  let actual = "";
  try {
    actual = sniff(await file.slice(0, 16).arrayBuffer());
  } catch {
    throw new UploadError(`“${name}” could not be read. Choose it again.`);
  }
  if (!actual) {
    throw new UploadError(`“${name}” does not look like a ${ACCEPTED_NAMES} image. Choose another photo.`);
  }
  return actual;
}

export function fileName(file, contentType) {
  if (file.name) return file.name;
  // Pasted images may come without a name.
  return `pasted-photo.${TYPES[contentType]?.[0] || "png"}`;
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
