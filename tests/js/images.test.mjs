import { test } from "node:test";
import assert from "node:assert/strict";

import { headerSize, jpegInfo, jpegName, megapixels } from "../../static_site/js/views/dashboard/images.js";

// SOI, an EXIF APP1 (big-endian TIFF, one IFD entry: Orientation = 6), then a baseline SOF0.
function jpeg({ orientation = 6, sof = 0xc0 } = {}) {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0];
  const app1 = [...Buffer.from("Exif\0\0"), ...tiff];
  const frame = [8, 0x0b, 0xb8, 0x0f, 0xa0, 3]; // 8 bits, 3000 high, 4000 wide, 3 components
  return new Uint8Array([0xff, 0xd8,
    0xff, 0xe1, 0, app1.length + 2, ...app1,
    0xff, sof, 0, frame.length + 2, ...frame, 0, 0, 0, 0]);
}

test("jpegInfo reads the frame header and the EXIF orientation", () => {
  assert.deepEqual(jpegInfo(jpeg()), { height: 3000, width: 4000, components: 3, orientation: 6, progressive: false });
  assert.equal(jpegInfo(jpeg({ sof: 0xc2 })).progressive, true);
  assert.equal(jpegInfo(new Uint8Array([0x89, 0x50])), null);
});

test("headerSize reads PNG's IHDR", () => {
  const png = new Uint8Array(24);
  png.set([0x89, 0x50, 0x4e, 0x47]);
  png.set([0, 0, 0x01, 0x00, 0, 0, 0x00, 0xc8], 16);
  assert.deepEqual(headerSize(png, "image/png"), { width: 256, height: 200 });
  assert.equal(headerSize(png, "image/gif"), null);
});

test("megapixels and the reduced photo's name", () => {
  assert.equal(megapixels(48_000_000), "48 MP");
  assert.equal(megapixels(7_500_000), "7.5 MP");
  assert.equal(megapixels(2_000_000), "2 MP");
  assert.equal(jpegName("IMG_1.HEIC"), "IMG_1.jpg");
  assert.equal(jpegName(""), "photo.jpg");
});
