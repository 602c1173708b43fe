import { test } from "node:test";
import assert from "node:assert/strict";

import { writePdf } from "../../static_site/js/views/dashboard/pdf.js";

const latin1 = (bytes) => Buffer.from(bytes).toString("latin1");

test("every object is where the cross-reference table says", () => {
  const image = (w, h) => ({ bytes: new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]), width: w, height: h, gray: false });
  const pdf = latin1(writePdf([image(200, 100), { ...image(400, 400), gray: true }]));
  assert.ok(pdf.startsWith("%PDF-1.4\n"));
  assert.ok(pdf.endsWith("%%EOF\n"));
  const xref = Number(/startxref\n(\d+)\n/.exec(pdf)[1]);
  assert.ok(pdf.startsWith("xref\n0 9\n", xref));
  const offsets = pdf.slice(xref).match(/^\d{10} 00000 n $/gm).map((line) => Number(line.slice(0, 10)));
  assert.equal(offsets.length, 8);
  offsets.forEach((offset, k) => assert.ok(pdf.startsWith(`${k + 1} 0 obj\n`, offset), `object ${k + 1}`));
  assert.match(pdf, /\/Count 2 /);
  assert.match(pdf, /\/MediaBox \[0 0 72\.00 36\.00\]/, "200 px at 200 dpi is one inch");
  assert.match(pdf, /\/ColorSpace \/DeviceGray/);
});
