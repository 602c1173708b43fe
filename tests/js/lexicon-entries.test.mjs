import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkEntries, chars, DEFAULT_LIMITS, entryNamed, exportText, fold, holdToLimit, limitsOf, limitsText, parseImport,
  problemsText,
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

test("a repeat is what the server refuses: the same letters in any case unless both match case", () => {
  const written = (...list) => checkEntries(list.map((w) => (typeof w === "string" ? { written: w, spoken: "x" } : { spoken: "x", ...w })),
    DEFAULT_LIMITS).errors.map((e) => e.written || "");
  assert.deepEqual(written("Dr.", "DR."), ["", "“DR.” is already entry 1 (“Dr.”), in another case: keep one, or set Match case on both."]);
  assert.deepEqual(written({ written: "US", match_case: true }, { written: "us", match_case: true }), ["", ""]);
  assert.deepEqual(written({ written: "US", match_case: true }, "us")[1], "“us” is already entry 1 (“US”), in another case: keep one, or set Match case on both.");
  assert.deepEqual(written("us", { written: "US", match_case: true })[1], "“US” is already entry 1 (“us”), in another case: keep one, or set Match case on both.");
  // Letter for letter, never another spelling: "Straße" and "STRASSE" are two entries.
  assert.deepEqual(written("Straße", "STRASSE", "strasse"), ["", "", "“strasse” is already entry 2 (“STRASSE”), in another case: keep one, or set Match case on both."]);
  assert.equal(written("Straße", "STRAẞE")[1], "“STRAẞE” is already entry 1 (“Straße”), in another case: keep one, or set Match case on both.");
  assert.deepEqual(written("ﬁne", "FINE"), ["", ""]);
  assert.deepEqual(written("ıstanbul", "Istanbul"), ["", ""]);
  // Composed or not, and spaces run together, as the server keeps them.
  assert.equal(written("caf\u00e9", { written: "cafe\u0301", match_case: true })[1], "“cafe\u0301” is already entry 1.");
  assert.equal(written("New York", "New   York")[1], "“New   York” is already entry 1.");
  assert.equal(fold("ΟΔΟΣ \u212a"), fold("οδος k"));
});

test("a field holds its limit in characters as the server counts them, what was typed last giving way", () => {
  assert.equal(chars("😀".repeat(60)), 60);
  assert.deepEqual(holdToLimit("😀".repeat(60), 120, 100), { value: "😀".repeat(60), caret: 120 });  // 120 UTF-16 units: kept
  assert.deepEqual(holdToLimit("😀".repeat(101), 202, 100), { value: "😀".repeat(100), caret: 200 });
  // Typed (or pasted) in the middle: that is what gives way, not the end.
  assert.deepEqual(holdToLimit("ab𝔡𝔡cd", 6, 4), { value: "abcd", caret: 2 });
  assert.deepEqual(holdToLimit("ab𝔡𝔡cd", 4, 5), { value: "ab𝔡cd", caret: 2 });
  assert.deepEqual(holdToLimit("abXYZcd", 5, 4), { value: "abcd", caret: 2 });
  // Runs of spaces count once (the server keeps one), the ends not at all.
  assert.deepEqual(holdToLimit(`  New${" ".repeat(9)}York `, 18, 8), { value: `  New${" ".repeat(9)}York `, caret: 18 });
  assert.deepEqual(holdToLimit("New York!", 9, 8), { value: "New York", caret: 8 });
});
