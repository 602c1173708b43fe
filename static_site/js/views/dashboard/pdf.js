// Several photos picked at once become one document: a PDF made here, one page per photo in the
// order chosen, each page the size of its photo with the photo embedded as a JPEG (DCTDecode).
// A JPEG is embedded as it is when it can be (upright, RGB or grey, not too large); anything
// else is drawn in a canvas (EXIF orientation applied) and encoded as a JPEG first.

import { canvasToJpeg, drawScaled, jpegInfo } from "./images.js";

// Pages are sized so that a renderer at this resolution gets the photo's own pixels back (the
// worker renders PDF pages at about 200 dpi).
export const RENDER_DPI = 200;
const PAGE_PIXELS = 12_000_000; // a page larger than this is reduced
const SMALLER_PAGE_PIXELS = 6_000_000; // when the document would be too large for an upload
// Formats a browser draws into a canvas (TIFF and HEIC it cannot).
export const PACKABLE = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"];

const ascii = (text) => new TextEncoder().encode(text);

/** One page's image: JPEG bytes, its size in pixels and its colour space. */
async function pageImage(file, type, maxPixels, quality) {
  if (type === "image/jpeg") {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = jpegInfo(bytes.subarray(0, 512 * 1024));
    if (info && (info.orientation || 1) === 1 && (info.components === 3 || info.components === 1)
        && info.width * info.height <= maxPixels && !quality) {
      return { bytes, width: info.width, height: info.height, gray: info.components === 1 };
    }
  }
  const drawn = await drawScaled(file, maxPixels);
  const blob = await canvasToJpeg(drawn.canvas, quality || 0.88);
  drawn.canvas.width = 0;
  return { bytes: new Uint8Array(await blob.arrayBuffer()), width: drawn.width, height: drawn.height, gray: false };
}

/** A PDF of JPEG pages: [{bytes, width, height, gray}] -> Uint8Array. */
export function writePdf(images, { dpi = RENDER_DPI } = {}) {
  const chunks = [];
  const offsets = [];
  let length = 0;
  const push = (data) => { chunks.push(data); length += data.length; };
  const object = (n, parts) => {
    offsets[n] = length;
    push(ascii(`${n} 0 obj\n`));
    for (const part of parts) push(typeof part === "string" ? ascii(part) : part);
    push(ascii("\nendobj\n"));
  };
  const n = images.length;
  // 1: catalog, 2: pages, then per page i: page 3+3i, contents 4+3i, image 5+3i.
  push(ascii("%PDF-1.4\n"));
  push(new Uint8Array([0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a])); // a binary comment: "this file is binary"
  object(1, ["<< /Type /Catalog /Pages 2 0 R >>"]);
  const kids = images.map((_, i) => `${3 + 3 * i} 0 R`).join(" ");
  object(2, [`<< /Type /Pages /Kids [${kids}] /Count ${n} >>`]);
  images.forEach((image, i) => {
    const w = ((image.width * 72) / dpi).toFixed(2);
    const h = ((image.height * 72) / dpi).toFixed(2);
    const page = 3 + 3 * i;
    object(page, [`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] `
      + `/Resources << /XObject << /Im0 ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`]);
    const content = ascii(`q\n${w} 0 0 ${h} 0 0 cm\n/Im0 Do\nQ\n`);
    object(page + 1, [`<< /Length ${content.length} >>\nstream\n`, content, "\nendstream"]);
    object(page + 2, [`<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} `
      + `/ColorSpace /${image.gray ? "DeviceGray" : "DeviceRGB"} /BitsPerComponent 8 /Filter /DCTDecode `
      + `/Length ${image.bytes.length} >>\nstream\n`, image.bytes, "\nendstream"]);
  });
  const count = 3 + 3 * n;
  const xref = length;
  let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
  for (let k = 1; k < count; k += 1) table += `${String(offsets[k]).padStart(10, "0")} 00000 n \n`;
  push(ascii(`${table}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}

/**
 * Photos [{file, type}] -> one PDF File (application/pdf) of at most `maxBytes`, or throws an
 * Error whose message can be shown. `onProgress(done, total)` after each page.
 */
export async function packPdf(photos, { name, maxBytes, onProgress } = {}) {
  const build = async (maxPixels, quality) => {
    const images = [];
    for (const [i, photo] of photos.entries()) {
      try {
        images.push(await pageImage(photo.file, photo.type, maxPixels, quality));
      } catch {
        throw new Error(`“${photo.file.name}” could not be read as a photo. Remove it and try again.`);
      }
      onProgress?.(i + 1, photos.length);
    }
    return writePdf(images);
  };
  let bytes = await build(PAGE_PIXELS, null);
  if (maxBytes && bytes.length > maxBytes) bytes = await build(SMALLER_PAGE_PIXELS, 0.75);
  if (maxBytes && bytes.length > maxBytes) {
    throw new Error(`These ${photos.length} photos make a document too large to upload. Choose fewer photos.`);
  }
  return new File([bytes], name || "document.pdf", { type: "application/pdf", lastModified: Date.now() });
}
