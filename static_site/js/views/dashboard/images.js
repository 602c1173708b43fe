// Photos prepared in the browser before they are uploaded: a photo larger than PageVoice reads
// (the kind's max_pixels) or larger than any page needs is reduced in a canvas and sent as a
// JPEG, with its EXIF orientation applied (createImageBitmap's imageOrientation "from-image"),
// so a 48 MP phone photo is read instead of refused after a long upload.

export const SANE_PIXELS = 24_000_000; // a photo above this is reduced (OCR gains nothing from more)
export const TARGET_PIXELS = 16_000_000; // ... to this (about 4,600 x 3,460)
const JPEG_QUALITY = 0.9;
const SHRINKABLE = ["image/jpeg", "image/png", "image/webp"]; // what every browser decodes in a canvas

/** "48 MP", "7.5 MP" */
export function megapixels(pixels) {
  const mp = pixels / 1e6;
  return `${mp >= 10 ? Math.round(mp) : mp.toFixed(1).replace(/\.0$/, "")} MP`;
}

const u16be = (b, i) => (b[i] << 8) | b[i + 1];
const u32be = (b, i) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const u16le = (b, i) => b[i] | (b[i + 1] << 8);
const u24le = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);

/** A JPEG's size, colour components and EXIF orientation, from its markers (no decoding). */
export function jpegInfo(b) {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  let orientation = 1;
  while (i + 4 < b.length) {
    if (b[i] !== 0xff) { i += 1; continue; }
    const marker = b[i + 1];
    if (marker === 0xff) { i += 1; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
    const length = u16be(b, i + 2);
    if (marker === 0xe1 && b[i + 4] === 0x45 && b[i + 5] === 0x78 && b[i + 6] === 0x69 && b[i + 7] === 0x66) {
      orientation = exifOrientation(b, i + 10) || orientation; // "Exif\0\0", then a TIFF header
    }
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7), components: b[i + 9], orientation,
        progressive: marker === 0xc2 };
    }
    if (marker === 0xda) break; // image data: no frame header before it
    i += 2 + length;
  }
  return null;
}

function exifOrientation(b, tiff) {
  const little = b[tiff] === 0x49;
  const u16 = (i) => (little ? u16le(b, i) : u16be(b, i));
  const u32 = (i) => (little ? (u16le(b, i) + u16le(b, i + 2) * 65536) : u32be(b, i));
  if (tiff + 8 > b.length) return null;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > b.length) return null;
  const count = u16(ifd);
  for (let k = 0; k < count; k += 1) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > b.length) return null;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return null;
}

/** Width and height from the file's header (JPEG, PNG, WebP), or null. */
export function headerSize(b, type) {
  if (type === "image/jpeg") return jpegInfo(b);
  if (type === "image/png" && b.length >= 24) return { width: u32be(b, 16), height: u32be(b, 20) };
  if (type === "image/webp" && b.length >= 30) {
    const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
    if (chunk === "VP8 ") return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (chunk === "VP8L") {
      return { width: 1 + (((b[22] & 0x3f) << 8) | b[21]), height: 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6)) };
    }
    if (chunk === "VP8X") return { width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
  }
  return null;
}

async function head(file, bytes = 512 * 1024) {
  return new Uint8Array(await file.slice(0, bytes).arrayBuffer());
}

/** Decode (EXIF orientation applied) and draw into a canvas of at most `maxPixels`, on white. */
export async function drawScaled(file, maxPixels) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const pixels = bitmap.width * bitmap.height;
  const scale = pixels > maxPixels ? Math.sqrt(maxPixels / pixels) : 1;
  const width = Math.max(1, Math.floor(bitmap.width * scale));
  const height = Math.max(1, Math.floor(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // a transparent PNG would turn black in a JPEG
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, width, height);
  const original = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return { canvas, width, height, original };
}

export function canvasToJpeg(canvas, quality = JPEG_QUALITY) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("could not encode"))), "image/jpeg", quality);
  });
}

export function jpegName(name) {
  return `${(name || "photo").replace(/\.[^.]+$/, "") || "photo"}.jpg`;
}

/**
 * A photo too large to read (pixels, or bytes) reduced to a JPEG that is not; others as they
 * are. Resolves to {file, type, note} (note: what was done, for the person) or null when the
 * file is not one this can reduce (or cannot be decoded).
 */
export async function shrinkIfNeeded(file, type, kind) {
  if (!SHRINKABLE.includes(type) || typeof createImageBitmap !== "function") return null;
  const limit = Math.min(kind.max_pixels || SANE_PIXELS, SANE_PIXELS);
  let size = null;
  try {
    size = headerSize(await head(file), type);
  } catch {
    size = null;
  }
  const pixels = size ? size.width * size.height : 0;
  const tooBig = pixels > limit || file.size > kind.max_bytes;
  if (!tooBig) return null;
  const target = Math.min(TARGET_PIXELS, kind.max_pixels || TARGET_PIXELS);
  let drawn;
  try {
    drawn = await drawScaled(file, target);
  } catch {
    return null; // not decodable here: the usual checks say what is wrong with it
  }
  let blob = await canvasToJpeg(drawn.canvas);
  for (const quality of [0.8, 0.7]) {
    if (blob.size <= kind.max_bytes) break;
    blob = await canvasToJpeg(drawn.canvas, quality);
  }
  drawn.canvas.width = 0; // free the pixels now
  if (blob.size > kind.max_bytes) return null;
  const before = drawn.original.width * drawn.original.height;
  const after = drawn.width * drawn.height;
  const note = after < before
    ? `Photo reduced from ${megapixels(before)} to ${megapixels(after)} before uploading, so that PageVoice can read it.`
    : "Photo re-saved as a smaller JPEG before uploading, so that PageVoice can read it.";
  const reduced = new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() });
  return { file: reduced, type: "image/jpeg", note };
}
