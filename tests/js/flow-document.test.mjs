// Documents without pages (issue 39, CONTRACTS section 13 `flow: true`): what the result view
// says of them and how their code blocks are drawn, without the DOM.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { documentParts, notReadLine, roleName } from "../../static_site/js/result/document.js";
import { documentNote, doneText, progressText } from "../../static_site/js/result/messages.js";
import { isDocument, isFlow } from "../../static_site/js/result/model.js";

const line = (text) => ({ text, box: null, words: text.split(" ").map((w) => ({ text: w, box: null })) });
const section = (...texts) => ({ width: null, height: null, image: null, text: texts.join("\n"), lines: texts.map(line) });

const flow = (extra = {}) => ({
  flow: true,
  width: null,
  height: null,
  text: "Title\nOne two three\nFour five",
  pages: [section("Title", "One two three"), section("Four five")],
  chapters: [{ title: "Title", level: 1, page: 0, block: 0 }, { title: "Four", level: 2, page: 1, block: 0 }],
  document: { format: "markdown", title: "Title", pages_in_file: 2, pages: 2, read: 2, complete: true },
  ...extra,
});

describe("a document without pages", () => {
  it("is a document, told apart from one with pages", () => {
    assert.ok(isFlow(flow()));
    assert.ok(isDocument(flow()));
    assert.ok(!isFlow({ pages: [section("a")], document: { pages: 1 } }));
    assert.ok(!isFlow({ lines: [] }));
  });

  it("is counted in words and chapters, not pages", () => {
    assert.equal(doneText(flow()), "Done: 6 words in 2 chapters.");
    assert.equal(doneText(flow({ chapters: [] })), "Done: 6 words.");
    assert.equal(doneText(flow({ pages: [section()], chapters: [] })), "Done: no text was found in this document.");
  });

  it("is read at once: the progress line speaks of the recording only", () => {
    assert.equal(progressText(flow()), "Text ready. Making the recording…");
    assert.equal(progressText(flow({ speech: { parts: [{ file: "speech-000.wav" }] } })),
      "Text ready. You can listen now; the rest of the recording is being made.");
  });

  it("cut short at the words or characters of one document, says where", () => {
    const cut = (reason, words) => flow({ document: { ...flow().document, complete: false, reason, ...(words ? { words } : {}) } });
    assert.equal(documentNote(cut("words", { kept: 50000, found: 180000 }), { done: true, pagesShown: 2 }),
      `This document is longer than the number of words PageVoice reads of one document: PageVoice read the first ${(50000).toLocaleString()} words of ${(180000).toLocaleString()}. The rest was left out.`);
    assert.equal(documentNote(cut("chars"), { done: true, pagesShown: 2 }),
      "This document is longer than the number of characters PageVoice reads of one document: PageVoice read it up to there. The rest was left out.");
    assert.equal(documentNote(flow(), { done: true, pagesShown: 2 }), "");
    assert.equal(documentNote(cut("words", { kept: 5, found: 9 }), { done: false, pagesShown: 2 }), "");
  });
});

describe("a code block", () => {
  it("is its own part, and named when it is not read", () => {
    const lines = ["print(1)", "x = 2", "After"].map(line);
    const parts = documentParts([{ role: "code", lines: [0, 1], spoken: false }, { role: "paragraph", lines: [2] }], lines);
    assert.deepEqual(parts.map((p) => [p.type, p.lines]), [["code", [0, 1]], ["paragraph", [2]]]);
    assert.equal(roleName("code"), "code block");
    assert.equal(notReadLine({ code: 2, footnote: 1 }), "Not read: 1 footnote, 2 code blocks.");
  });
});
