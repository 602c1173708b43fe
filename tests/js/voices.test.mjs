// Choosing a voice (CONTRACTS section 16) on the site: what each voice is called, which voices a
// picker offers and in which groups, what the account's choices and the result say, and a
// sample asked for until it is made (202 while it is, then a presigned URL), through a fake fetch.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { namedVoiceText, ownName, spokenVariety, tableOf, voiceCatalog, voiceLine, voiceTitle } from "../../static_site/js/languages.js";
import {
  choicesSummary, defaultOptionText, fetchSample, languagesWithChoice, MAKING_SAMPLE, NO_SAMPLE, optionText, ownDefault,
  playingText, readsAloud, readyText, SAMPLE_GIVE_UP_MS, SAMPLE_NOT_PLAYED, SAMPLE_TOO_SLOW, sampleCache, SampleError,
  savedText, voiceById, voiceGroups, voicesFor,
} from "../../static_site/js/voices.js";

const TABLE = tableOf([
  { code: "en", name: "English", native: "English" },
  { code: "fr", name: "French", native: "français" },
  { code: "ar", name: "Arabic", native: "العربية" },
  { code: "pt", name: "Portuguese", native: "português" },
]);

const row = (id, language, quality, accent, description, extra = {}) => {
  const [engine, name] = id.split(":");
  return { id, language, engine, name, quality, default: false, accent, description,
    sample_url: `http://api.test/voices/${id}/sample?language=${language}`, ...extra };
};
// GET /voices as the API orders it: by language's English name, each default first.
const VOICES = [
  row("espeak:ar", "ar", "basic", "Arabic", "Arabic, eSpeak NG's voice, robotic (formant synthesis)", { default: true }),
  row("piper:joe", "en", "neural", "American", "American man, piper's joe voice", { default: true }),
  row("kokoro:af_heart", "en", "neural", "American", "American woman, Kokoro's flagship voice"),
  row("kokoro:bm_lewis", "en", "neural", "British", "British man"),
  row("pico:en-GB", "en", "standard", "British", "British woman, SVOX Pico"),
  row("kokoro:ff_siwis", "fr", "neural", "French (France)", "French (France) woman", { default: true }),
  row("pico:fr-FR", "fr", "standard", "French (France)", "French woman, SVOX Pico"),
  row("kokoro:pf_dora", "pt", "neural", "Brazilian Portuguese", "Brazilian Portuguese woman", { default: true }),
  row("rhvoice:aleksandr-hq", "ru", "standard", "Russian", "Russian man, RHVoice", { default: true }),
];
const HEART = VOICES[2];
const PICO_GB = VOICES[4];

describe("what a voice is called", () => {
  it("by its own name where its engine gives one, else by its engine and accent", () => {
    assert.equal(ownName(HEART), "Heart");
    assert.equal(ownName(VOICES[1]), "Joe");
    assert.equal(ownName(VOICES[8]), "Aleksandr");
    assert.equal(ownName(PICO_GB), "");
    assert.equal(voiceTitle(HEART), "Heart");
    assert.equal(voiceTitle(PICO_GB), "SVOX Pico (British)");
    assert.equal(voiceTitle(VOICES[0]), "eSpeak NG (Arabic)");
  });

  it("says where its speech is from without saying the language twice", () => {
    assert.equal(spokenVariety(HEART, TABLE), "American English");
    assert.equal(spokenVariety(VOICES[5], TABLE), "French (France)");
    assert.equal(spokenVariety(VOICES[7], TABLE), "Brazilian Portuguese");
    assert.equal(spokenVariety(VOICES[0], TABLE), "Arabic");
    assert.equal(spokenVariety({ language: "en" }, TABLE), "English");
    assert.equal(spokenVariety(HEART, null), "American"); // no table yet: no code shown
    assert.equal(namedVoiceText(HEART, TABLE), "Heart — American English, Kokoro, natural quality");
    assert.equal(namedVoiceText(PICO_GB, TABLE), "SVOX Pico — British English, standard quality");
  });

  it("names the voice that read a result, with its accent from GET /voices", () => {
    const catalog = voiceCatalog(VOICES);
    const heart = { id: "kokoro:af_heart", language: "en", engine: "kokoro", name: "af_heart", quality: "neural" };
    assert.equal(voiceLine({ voice: heart, parts: [{ voice: heart }] }, TABLE, catalog),
      "Read by Heart — American English, Kokoro, natural quality.");
    assert.equal(voiceLine({ voice: heart }, TABLE, null), "Read by Heart — English, Kokoro, natural quality.");
    const pico = { id: "pico:fr-FR", language: "fr", engine: "pico", name: "fr-FR", quality: "standard", timings: "estimated" };
    assert.equal(voiceLine({ voice: heart, parts: [{ voice: heart }, { voice: pico }] }, TABLE, catalog),
      "Read by Heart — American English, Kokoro, natural quality; SVOX Pico — French (France), standard quality. " +
      "The word shown while it plays is estimated.");
    // An older result names no voice's id: said as before.
    const old = { ...heart, id: undefined };
    assert.equal(voiceLine({ voice: old }, TABLE, catalog), "Voice: Kokoro, natural quality.");
  });
});

describe("what a picker offers", () => {
  it("one language's voices, its default first; the languages with a choice by name", () => {
    assert.deepEqual(voicesFor(VOICES, "en").map((v) => v.id), ["piper:joe", "kokoro:af_heart", "kokoro:bm_lewis", "pico:en-GB"]);
    assert.deepEqual(languagesWithChoice(VOICES, TABLE).map((l) => l.code), ["en", "fr"]);
    assert.deepEqual(languagesWithChoice(VOICES, TABLE, ["pt"]).map((l) => l.name), ["English", "French", "Portuguese"]);
    assert.equal(voiceById(VOICES, "pico:fr-FR", "en"), null);
    assert.equal(voiceById(VOICES, "pico:fr-FR").language, "fr");
  });

  it("groups one language's voices by quality, best first, then accent", () => {
    const groups = voiceGroups(voicesFor(VOICES, "en"), { table: TABLE });
    assert.deepEqual(groups.map((g) => [g.label, g.voices.map((v) => v.name)]), [
      ["Natural voices: American", ["joe", "af_heart"]],
      ["Natural voices: British", ["bm_lewis"]],
      ["Standard voices: British", ["en-GB"]],
    ]);
  });

  it("groups several languages' voices by language, then quality", () => {
    const voices = VOICES.filter((v) => ["fr", "en"].includes(v.language));
    assert.deepEqual(voiceGroups(voices, { byLanguage: true, table: TABLE }).map((g) => g.label), [
      "English: natural voices", "English: standard voices", "French: natural voices", "French: standard voices",
    ]);
  });

  it("says each voice by its name and description, the default marked", () => {
    assert.equal(optionText(HEART), "Heart: American woman, Kokoro's flagship voice");
    assert.equal(optionText(VOICES[1]), "Joe: American man, piper's joe voice (default)");
    assert.equal(optionText(PICO_GB), "British woman, SVOX Pico");
    assert.equal(defaultOptionText("en", VOICES, TABLE), "Default voice for English (Joe)");
  });

  it("'My default voice' is the account's voice for the language, else the language's default", () => {
    assert.equal(ownDefault(VOICES, { en: "kokoro:af_heart" }, "en"), HEART);
    assert.equal(ownDefault(VOICES, { en: "kokoro:af_heart" }, "fr").id, "kokoro:ff_siwis");
    assert.equal(ownDefault(VOICES, null, "en").id, "piper:joe");
    assert.equal(ownDefault(VOICES, { en: "kokoro:gone" }, "en").id, "piper:joe");
  });

  it("is offered where the kind reads aloud (its outputs name a recording)", () => {
    assert.equal(readsAloud({ outputs: ["result.json", "speech.wav", "speech.mp3"] }), true);
    assert.equal(readsAloud({ outputs: ["result.json"] }), false);
    assert.equal(readsAloud(null), false);
  });
});

describe("the account's voices said back", () => {
  it("lists the languages with a voice of their own", () => {
    assert.equal(choicesSummary({}, VOICES, TABLE), "Every language is read in its default voice.");
    assert.equal(choicesSummary({ fr: "pico:fr-FR", en: "kokoro:af_heart", pt: null }, VOICES, TABLE),
      "Your voices: English: Heart; French: SVOX Pico (French, France). Other languages are read in their default voice.");
    assert.match(choicesSummary({ en: "kokoro:gone" }, VOICES, TABLE), /English: a voice no longer offered/);
    assert.equal(savedText("en", "kokoro:af_heart", VOICES, TABLE), "Saved: English is read by Heart.");
    assert.equal(savedText("fr", null, VOICES, TABLE), "Saved: French is read in its default voice.");
  });

  it("says whose sample plays", () => {
    assert.equal(playingText(HEART), "Playing Heart's sample.");
    assert.equal(playingText(PICO_GB), "Playing the sample of SVOX Pico (British).");
    assert.equal(readyText(PICO_GB), "The sample of SVOX Pico (British) is ready: press Hear this voice.");
  });
});

/** A clock that moves only when the sample's wait is waited; `answers` are what each GET returns. */
function fakeServer(answers) {
  const clock = { t: 1_000_000, waits: [], asked: [] };
  return {
    clock,
    fetchJson: async (url) => {
      clock.asked.push(url);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) throw answer;
      return answer;
    },
    wait: async (ms) => { clock.waits.push(ms); clock.t += ms; },
    now: () => clock.t,
  };
}

const MAKING = { voice: "kokoro:af_heart", language: "en", status: "making", retry_after: 3 };
const MADE = { voice: "kokoro:af_heart", language: "en", text: "All human beings…", url: "http://s3.test/sample.mp3", expires_in: 900 };

describe("a voice's sample", () => {
  it("is played at once when it was made before", async () => {
    const server = fakeServer([MADE]);
    let making = 0;
    const sample = await fetchSample(HEART, { ...server, onMaking: () => { making += 1; } });
    assert.deepEqual(sample, { url: MADE.url, until: 1_000_000 + 900_000 });
    assert.deepEqual(server.clock.asked, [HEART.sample_url]);
    assert.equal(making, 0);
  });

  it("is asked for again, as often as the API says, while it is made", async () => {
    const server = fakeServer([MAKING, { ...MAKING, retry_after: 0.1 }, { ...MAKING, retry_after: 30 }, MADE]);
    let making = 0;
    const sample = await fetchSample(HEART, { ...server, onMaking: () => { making += 1; } });
    assert.equal(sample.url, MADE.url);
    assert.deepEqual(server.clock.waits, [3000, 500, 5000]); // retry_after, within 0.5-5 s
    assert.equal(making, 1, "'Making the sample…' is said once");
    assert.equal(MAKING_SAMPLE, "Making the sample…");
  });

  it("gives up after a minute with a sentence", async () => {
    const server = fakeServer([MAKING]);
    await assert.rejects(fetchSample(HEART, server), (error) => error instanceof SampleError && error.message === SAMPLE_TOO_SLOW);
    const waited = server.clock.waits.reduce((a, b) => a + b, 0);
    assert.ok(waited <= SAMPLE_GIVE_UP_MS && waited > SAMPLE_GIVE_UP_MS - 5000, waited);
  });

  it("says why it cannot be had", async () => {
    await assert.rejects(fetchSample({ ...HEART, sample_url: null }, fakeServer([MADE])), { message: NO_SAMPLE });
    await assert.rejects(fetchSample(HEART, fakeServer([{}])), { message: SAMPLE_NOT_PLAYED });
    const refused = new Error("The sample of kokoro:af_heart could not be made just now. Try again in a minute.");
    await assert.rejects(fetchSample(HEART, fakeServer([MAKING, refused])), refused); // the API's own sentence
  });

  it("is kept while its URL is fresh", () => {
    let t = 0;
    const cache = sampleCache(() => t);
    cache.set(HEART, { url: MADE.url, until: 900_000 });
    assert.equal(cache.get(HEART), MADE.url);
    assert.equal(cache.get({ ...HEART, language: "fr" }), null);
    t = 880_000; // within the last 30 s: asked again
    assert.equal(cache.get(HEART), null);
  });

  it("is read through the site's API client: 202 then 200, no token sent", async () => {
    const seen = [];
    globalThis.window = { PAGEVOICE_CONFIG: { apiBase: "http://api.test" }, localStorage: new Map() };
    globalThis.window.localStorage.getItem = () => "a-token";
    const replies = [[202, MAKING], [200, MADE]];
    globalThis.fetch = async (url, init) => {
      seen.push({ url, auth: init.headers.Authorization });
      const [status, body] = replies.shift();
      return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Retry-After": "3" } });
    };
    try {
      const api = await import("../../static_site/js/api.js");
      const sample = await fetchSample(HEART, { fetchJson: api.voiceSample, wait: async () => {} });
      assert.equal(sample.url, MADE.url);
      assert.deepEqual(seen, [{ url: HEART.sample_url, auth: undefined }, { url: HEART.sample_url, auth: undefined }]);
    } finally {
      delete globalThis.window;
      delete globalThis.fetch;
    }
  });
});
