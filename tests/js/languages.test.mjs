// Languages (CONTRACTS section 11) on the site: the upload's choices, what a result says about
// its language and its voice, and the lang/dir its text gets (an Arabic page right to left).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  AUTO, choiceLabel, choicesFor, codeOf, directionOf, languageLine, nameOf, notSpokenLine, optionLabel,
  remembered, spokenLanguage, storageKey, tableOf, textAttributes, uploadLanguage, useOf, voiceLine, voicesOf, voiceText,
} from "../../static_site/js/languages.js";

// GET /languages as the contract shapes it (a few rows, out of order as an API may send them).
const LANGUAGES = [
  { code: "fr", name: "French", native: "français", read: true, voice: "standard", script: "Latn", rtl: false, transcribe: true },
  { code: "ar", name: "Arabic", native: "العربية", read: true, voice: "basic", script: "Arab", rtl: true, transcribe: true },
  { code: "en", name: "English", native: "English", read: true, voice: "neural", script: "Latn", rtl: false, transcribe: true },
  { code: "am", name: "Amharic", native: "አማርኛ", read: true, voice: null, script: "Ethi", rtl: false, transcribe: false },
  { code: "sw", name: "Swahili", native: "Kiswahili", read: false, voice: "basic", script: "Latn", rtl: false, transcribe: true },
  { code: "he", name: "Hebrew", native: "עברית", read: true, voice: "basic", script: "Hebr", transcribe: true },
];
const TABLE = tableOf(LANGUAGES);

const PICO_FR = { language: "fr", engine: "pico", name: "fr-FR", quality: "standard" };
const PIPER_EN = { language: "en", engine: "piper", name: "joe", quality: "neural" };
const ESPEAK_AR = { language: "ar", engine: "espeak", name: "ar", quality: "basic" };

// A page result read in Arabic (the shape the worker writes; one line of two words).
const ARABIC_RESULT = {
  schema: 1, kind: "page", width: 800, height: 200, text: "بسم الله",
  lines: [{ text: "بسم الله", language: "ar", words: [{ text: "بسم" }, { text: "الله" }] }],
  language: { code: "ar", confidence: 0.99, detected: true },
  speech: { voice: ESPEAK_AR, parts: [{ file: "speech-000.wav", voice: ESPEAK_AR }] },
};

describe("the upload's language choice", () => {
  it("says the language in its own name, then in English", () => {
    assert.equal(optionLabel(LANGUAGES[0]), "français (French)");
    assert.equal(optionLabel(LANGUAGES[2]), "English");
  });

  it("lists what the kind can use, by English name", () => {
    assert.deepEqual(choicesFor(LANGUAGES, "read").map((l) => l.code), ["am", "ar", "en", "fr", "he"]);
    assert.deepEqual(choicesFor(LANGUAGES, "transcribe").map((l) => l.code), ["ar", "en", "fr", "he", "sw"]);
    assert.deepEqual(choicesFor(LANGUAGES, "voice").map((l) => l.code), ["ar", "en", "fr", "he", "sw"]);
    assert.deepEqual(choicesFor(LANGUAGES, null), []);
    assert.deepEqual(choicesFor(undefined, "read"), []);
  });

  it("takes what the kind does with a language from GET /kinds, else from what it accepts", () => {
    assert.equal(useOf({ language_use: "voice" }), "voice");
    assert.equal(useOf({ language_use: null }), null);
    assert.equal(useOf({ content_types: ["audio/wav"] }), "transcribe");
    assert.equal(useOf({ content_types: ["image/png"] }), "read");
    assert.equal(choiceLabel("transcribe"), "Language spoken");
    assert.equal(choiceLabel("read"), "Language of the text");
  });

  it("remembers the choice per kind, and forgets one no longer offered", () => {
    assert.equal(storageKey("speech"), "pagevoice.language.speech");
    const read = choicesFor(LANGUAGES, "read");
    assert.equal(remembered("fr", read), "fr");
    assert.equal(remembered("sw", read), AUTO); // not read: back to detection
    assert.equal(remembered(null, read), AUTO);
  });

  it("sends a code, and nothing for automatic detection", () => {
    assert.equal(uploadLanguage("fr"), "fr");
    assert.equal(uploadLanguage(AUTO), undefined);
    assert.equal(uploadLanguage(""), undefined);
    // JSON leaves the field out, as the contract's default ("auto") wants.
    assert.equal(JSON.stringify({ kind: "page", language: uploadLanguage(AUTO) }), '{"kind":"page"}');
  });
});

describe("the result's language", () => {
  it("says whether it was detected or chosen", () => {
    assert.equal(languageLine({ code: "fr", confidence: 0.97, detected: true }, TABLE), "Language: French (detected)");
    assert.equal(languageLine({ code: "fr", confidence: 1, detected: false }, TABLE), "Language: French (chosen)");
    assert.equal(languageLine("es", TABLE), "Language: es"); // section 9's plain code, a code not in the table
    assert.equal(languageLine("ar", TABLE), "Language: Arabic");
    assert.equal(languageLine(undefined, TABLE), "");
    assert.equal(languageLine({ code: "fr", detected: true }, null), "Language: fr (detected)"); // table not there yet
  });

  it("says whether a recording's language was detected or named at upload", () => {
    assert.equal(languageLine(spokenLanguage("es", "auto"), TABLE), "Language: es (detected)");
    assert.equal(languageLine(spokenLanguage("fr", "fr"), TABLE), "Language: French (chosen)");
    assert.equal(languageLine(spokenLanguage("fr", undefined), TABLE), "Language: French"); // the job does not say
    assert.equal(spokenLanguage(undefined, "auto"), undefined);
  });

  it("reads a code from either shape", () => {
    assert.equal(codeOf("fr"), "fr");
    assert.equal(codeOf({ code: "de" }), "de");
    assert.equal(codeOf({}), null);
    assert.equal(codeOf(""), null);
    assert.equal(nameOf("xx", TABLE), "xx");
  });

  it("lays an Arabic page out right to left, in Arabic", () => {
    assert.deepEqual(textAttributes(ARABIC_RESULT.language, TABLE), { lang: "ar", dir: "rtl" });
    assert.deepEqual(textAttributes(ARABIC_RESULT.lines[0].language, TABLE), { lang: "ar", dir: "rtl" });
    assert.equal(languageLine(ARABIC_RESULT.language, TABLE), "Language: Arabic (detected)");
    assert.equal(voiceLine(ARABIC_RESULT.speech, TABLE), "Voice: eSpeak NG, robotic quality.");
  });

  it("takes the direction from the row's rtl, or its script, and leaves unknown ones to the browser", () => {
    assert.equal(directionOf("fr", TABLE), "ltr");
    assert.equal(directionOf("he", TABLE), "rtl"); // no rtl field: the Hebrew script says it
    assert.equal(directionOf("xx", TABLE), "auto");
    assert.equal(directionOf("ar", null), "auto"); // before GET /languages answers
    assert.equal(textAttributes(null, TABLE), null);
  });
});

describe("the voice, said honestly", () => {
  it("names the engine and how it sounds", () => {
    assert.equal(voiceText(PICO_FR), "SVOX Pico, standard quality");
    assert.equal(voiceText(PIPER_EN), "Piper, natural quality");
    assert.equal(voiceText(ESPEAK_AR), "eSpeak NG, robotic quality");
    assert.equal(voiceText({ language: "ru", engine: "rhvoice", name: "aleksandr-hq", quality: "standard" }),
      "RHVoice, standard quality");
    assert.equal(voiceText({ engine: "newtts" }), "newtts");
    assert.equal(voiceLine({ voice: PICO_FR }, TABLE), "Voice: SVOX Pico, standard quality.");
  });

  it("lists each distinct voice of a text spoken in several", () => {
    const speech = {
      voice: PIPER_EN,
      parts: [{ voice: PIPER_EN }, { voice: { ...PICO_FR, language: "fr" } }, { voice: PIPER_EN }, { file: "x" }],
    };
    assert.equal(voicesOf(speech).length, 2);
    assert.equal(voiceLine(speech, TABLE),
      "Voices: Piper, natural quality (English); SVOX Pico, standard quality (French).");
  });

  it("says when the word shown is an estimate", () => {
    assert.match(voiceLine({ parts: [{ voice: PICO_FR }, { voice: { ...PICO_FR, timings: "estimated" } }] }, TABLE),
      /^Voice: SVOX Pico, standard quality\. The word shown while it plays is estimated\.$/);
    assert.equal(voiceLine({ voice: { ...ESPEAK_AR, timings: "estimated" } }, TABLE),
      "Voice: eSpeak NG, robotic quality. The word shown while it plays is estimated.");
  });

  it("says nothing without a voice", () => {
    assert.equal(voiceLine(undefined, TABLE), "");
    assert.equal(voiceLine({ words: [] }, TABLE), "");
  });

  it("says a text in a language without a voice was not spoken, once the result is done", () => {
    const amharic = { text: "ሰላም", language: { code: "am", detected: true } };
    assert.equal(notSpokenLine(amharic, TABLE, { done: true }), "Not spoken: no voice for Amharic.");
    assert.equal(notSpokenLine(amharic, TABLE, { done: false }), "");
    assert.equal(notSpokenLine({ ...amharic, speech: { voice: ESPEAK_AR } }, TABLE, { done: true }), "");
    assert.equal(notSpokenLine({ ...amharic, text: "  " }, TABLE, { done: true }), "");
    assert.equal(notSpokenLine({ text: "hello" }, TABLE, { done: true }), "");
  });
});
