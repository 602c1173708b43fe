import { test } from "node:test";
import assert from "node:assert/strict";

import { pastedFile } from "../../static_site/js/views/dashboard/sources.js";

// Clipboard items as the browser lists them: a kind, a type and getAsFile().
const item = (kind, type, name) => ({ kind, type, getAsFile: () => (kind === "file" ? { name, type } : null) });

test("a pasted image is preferred over other files", () => {
  const items = [item("string", "text/plain"), item("file", "application/pdf", "a.pdf"), item("file", "image/png", "shot.png")];
  assert.equal(pastedFile(items).name, "shot.png");
});

test("any pasted file when there is no image; none for text alone", () => {
  assert.equal(pastedFile([item("file", "application/pdf", "a.pdf")]).name, "a.pdf");
  assert.equal(pastedFile([item("string", "text/plain")]), null);
  assert.equal(pastedFile(undefined), null);
});
