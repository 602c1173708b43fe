import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkEntries, DEFAULT_LIMITS, entryNamed, exportText, limitsOf, limitsText, parseImport, problemsText,
} from "../../static_site/js/views/pronunciations/entries.js";

const limits = { entries: 3, written: 10, spoken: 12 };
const dr = { written: "Dr.", spoken: "doctor", whole_word: true, match_case: false };

test("the limits come from the answer, else the defaults", () => {
  assert.deepEqual(limitsOf({ limits: { entries: 20, written: 5, spoken: 7 } }), { entries: 20, written: 5, spoken: 7 });
  assert.deepEqual(limitsOf({ limits: { entries: "x" } }), { ...DEFAULT_LIMITS });
  assert.deepEqual(limitsOf(null), { ...DEFAULT_LIMITS });
  assert.equal(limitsText(DEFAULT_LIMITS),
    "Up to 500 pronunciations; each written form of at most 100 characters, each spoken form of at most 200 characters.");
});

test("each entry's faults are found before saving, beside their field", () => {
  const { errors, list, count } = checkEntries([
    dr,
    { written: " ", spoken: "x" },
    { written: "Dr.", spoken: "" },
    { written: "abcdefghijk", spoken: "a".repeat(13) },
  ], limits);
  assert.deepEqual(errors[0], {});
  assert.equal(errors[1].written, "Enter the written form.");
  assert.equal(errors[2].written, "“Dr.” is already entry 1.");
  assert.equal(errors[2].spoken, "Enter how it is said.");
  assert.equal(errors[3].written, "At most 10 characters (this has 11).");
  assert.equal(errors[3].spoken, "At most 12 characters (this has 13).");
  assert.equal(count, 3);
  assert.equal(list, "That is 4 pronunciations: the limit is 3. Remove some first.");
  assert.equal(problemsText({ list: null, count: 1 }), "One pronunciation needs fixing: see below.");
  assert.equal(problemsText({ list: null, count: 0 }), "");
});

test("an import reads the exported shape or a bare list, and is refused whole with a reason", () => {
  assert.deepEqual(parseImport(exportText([dr], limits), limits), { entries: [dr] });
  assert.deepEqual(parseImport(JSON.stringify([{ written: " St. ", spoken: "saint" }]), limits),
    { entries: [{ written: "St.", spoken: "saint", whole_word: true, match_case: false }] });
  const refused = (text) => parseImport(text, limits).error;
  assert.equal(refused("{nope"), "This file is not JSON. Nothing was imported.");
  assert.equal(refused("{}"), "This file has no list of pronunciations (\"entries\"). Nothing was imported.");
  assert.equal(refused(JSON.stringify({ entries: [dr, dr, dr, dr] })),
    "This file has 4 pronunciations: the limit is 3. Nothing was imported.");
  assert.equal(refused(JSON.stringify([dr, { written: "x" }])), "Entry 2 of the file has no spoken form. Nothing was imported.");
  assert.equal(refused(JSON.stringify([{ ...dr, match_case: "yes" }])),
    "Entry 1 of the file has \"match_case\" set to something other than true or false. Nothing was imported.");
  assert.equal(refused(JSON.stringify([dr, { written: "Mr.", spoken: "a".repeat(13) }])),
    "Entry 2 of the file (“Mr.”): At most 12 characters (this has 13). Nothing was imported.");
  assert.match(parseImport("[]", limits, 5_000_000).error, /too large/);
});

test("the export is GET /me/lexicon's shape", () => {
  const data = JSON.parse(exportText([{ ...dr, written: " Dr. " }], DEFAULT_LIMITS));
  assert.deepEqual(data, { entries: [dr], limits: { ...DEFAULT_LIMITS } });
});

test("a server's refusal is put beside the entry it names", () => {
  const error = (message, body = {}) => ({ message, body });
  assert.deepEqual(entryNamed(error("Entry 2 (\"Dr.\"): the spoken form is empty."), 3), { index: 1, field: "spoken" });
  assert.deepEqual(entryNamed(error("entry 3: the written form is longer than 100 characters."), 3), { index: 2, field: "written" });
  assert.deepEqual(entryNamed(error("Two entries say \"Dr.\".", { entry: 1, field: "written" }), 3), { index: 0, field: "written" });
  // The API's own sentences (chalicelib/kinds/pronunciation.py).
  assert.deepEqual(entryNamed(error("Entry 2 (\"spoken wor...\"): 'written' is longer than 100 characters."), 3),
    { index: 1, field: "written" });
  assert.deepEqual(entryNamed(error("Entry 3: 'spoken' is empty.", { field: "entries" }), 3), { index: 2, field: "spoken" });
  assert.deepEqual(entryNamed(error("Entries 1 and 3 both say how to speak \"DR.\"; keep one."), 3), { index: 2, field: "written" });
  assert.equal(entryNamed(error("Entry 9 is wrong."), 3), null);
  assert.equal(entryNamed(error("The list is too long."), 3), null);
});

test("lengths are counted as the server counts them: characters, not UTF-16 units, spaces run together", () => {
  // 60 emoji are 60 characters (the server keeps them) though 120 UTF-16 units.
  const wide = { written: "😀".repeat(60), spoken: "𝔡𝔬𝔠𝔱𝔬𝔯 ".repeat(20).trim(), whole_word: true, match_case: false };
  assert.deepEqual(checkEntries([wide], DEFAULT_LIMITS).errors, [{}]);
  assert.deepEqual(parseImport(exportText([wide], DEFAULT_LIMITS), DEFAULT_LIMITS), { entries: [wide] });
  assert.deepEqual(checkEntries([{ written: `New${" ".repeat(95)}York`, spoken: "x" }], DEFAULT_LIMITS).errors, [{}]);
  assert.equal(checkEntries([{ written: "😀".repeat(101), spoken: "x" }], DEFAULT_LIMITS).errors[0].written,
    "At most 100 characters (this has 101).");
});
