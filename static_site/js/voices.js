// The voices people choose from (GET /voices, CONTRACTS section 16) as plain functions, no DOM:
// which voices a picker lists and in which groups, what each option and status line says, the
// account's choices said back, and a voice's sample asked for until it is made. voice-picker.js
// draws them; languages.js names a voice (also for the result, which may not import this).

import { nameOf, ownName, QUALITY_WORDS, voiceTitle } from "./languages.js";

const QUALITIES = ["neural", "standard", "basic"]; // best first
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export const SAMPLE_GIVE_UP_MS = 60_000; // a sample takes a few seconds to ~30 s the first time
const SAMPLE_WAIT_MS = { least: 500, most: 5000, first: 2000 }; // between asks while it is made
const SAMPLE_MARGIN_MS = 30_000; // a sample's presigned URL is asked again this long before it expires

/** Whether uploads of a kind are read aloud, so a voice can be chosen (GET /kinds' outputs name its recording). */
export const readsAloud = (kind) => (kind?.outputs || []).some((name) => /^speech\.(wav|mp3)$/.test(name));

/** The voices of one language, in GET /voices' order (its default first). */
export const voicesFor = (voices, code) => (voices || []).filter((v) => v.language === code);

/** The language's default voice (what speaks it unless one is chosen), or null. */
export const defaultVoice = (voices, code) => voicesFor(voices, code).find((v) => v.default) || null;

/** What "My default voice" is in a language: the account's (`chosen`, GET /me's voices), else the language's. */
export const ownDefault = (voices, chosen, code) => voiceById(voices, chosen?.[code], code) || defaultVoice(voices, code);

/** The voice of that id (speaking `code`, when given), or null. */
export function voiceById(voices, id, code = null) {
  return (voices || []).find((v) => v.id === id && (!code || v.language === code)) || null;
}

/**
 * The languages with a choice of voice (more than one), and those named in `keep` (the account's
 * choices), by English name: [{code, name}].
 */
export function languagesWithChoice(voices, table, keep = []) {
  const count = new Map();
  for (const v of voices || []) count.set(v.language, (count.get(v.language) || 0) + 1);
  const codes = [...count.keys()].filter((code) => count.get(code) > 1 || keep.includes(code));
  return codes.map((code) => ({ code, name: nameOf(code, table) })).sort((a, b) => a.name.localeCompare(b.name, "en"));
}

/** "Heart: American woman, Kokoro's flagship voice", "(default)" after a language's default. */
export function optionText(voice) {
  const own = ownName(voice);
  const text = own ? `${own}: ${voice.description || voice.accent || ""}` : voice.description || voiceTitle(voice);
  return `${text}${voice.default ? " (default)" : ""}`;
}

/**
 * The <optgroup>s of a picker, [{label, voices}]: one language's voices by quality, best first,
 * then accent ("Natural voices: British"); several languages' (`byLanguage`, with `table` for
 * their names) by language, then quality ("English: natural voices"). Within a group, as listed.
 */
export function voiceGroups(voices, { byLanguage = false, table = null } = {}) {
  const groups = new Map();
  const rank = (v) => QUALITIES.indexOf(v.quality);
  const sorted = byLanguage ? [...voices] : [...voices].sort((a, b) => rank(a) - rank(b));
  for (const v of sorted) {
    const quality = `${QUALITY_WORDS[v.quality] || v.quality} voices`; // "natural voices"
    const label = byLanguage ? `${nameOf(v.language, table)}: ${quality}` : `${capital(quality)}: ${v.accent || nameOf(v.language, table)}`;
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(v);
  }
  const out = [...groups].map(([label, list]) => ({ label, voices: list }));
  return byLanguage ? out.sort((a, b) => rank(a.voices[0]) - rank(b.voices[0])).sort(byLanguageName(table)) : out;
}

// Groups of several languages by the language's English name (a stable sort keeps quality's order).
const byLanguageName = (table) => (a, b) =>
  nameOf(a.voices[0].language, table).localeCompare(nameOf(b.voices[0].language, table), "en");

/** "Default voice for English (Joe)": the account page's choice of no voice of one's own. */
export function defaultOptionText(code, voices, table) {
  const first = defaultVoice(voices, code);
  return `Default voice for ${nameOf(code, table)}${first ? ` (${voiceTitle(first)})` : ""}`;
}

/**
 * The account's voices said back: "Your voices: English: Heart; French: Siwis." (GET /me's
 * `voices`: {code: id}; null or missing: the language's default).
 */
export function choicesSummary(chosen, voices, table) {
  const said = Object.entries(chosen || {}).filter(([, id]) => id)
    .map(([code, id]) => ({ language: nameOf(code, table), voice: voiceById(voices, id, code) || voiceById(voices, id) }))
    .sort((a, b) => a.language.localeCompare(b.language, "en"))
    .map(({ language, voice }) => `${language}: ${voice ? voiceTitle(voice) : "a voice no longer offered"}`);
  return said.length ? `Your voices: ${said.join("; ")}. Other languages are read in their default voice.`
    : "Every language is read in its default voice.";
}

/** "Saved: English is read by Heart." after PATCH /me; "... in its default voice." for none. */
export function savedText(code, id, voices, table) {
  const voice = id ? voiceById(voices, id, code) : null;
  return `Saved: ${nameOf(code, table)} is read ${voice ? `by ${voiceTitle(voice)}` : "in its default voice"}.`;
}

/** "Heart's sample", or for a voice without a name of its own "the sample of SVOX Pico (British)". */
export function sampleName(voice) {
  const own = ownName(voice);
  return own ? `${own}'s sample` : `the sample of ${voiceTitle(voice)}`;
}

export const MY_DEFAULT = "My default voice";
export const MAKING_SAMPLE = "Making the sample…";
export const playingText = (voice) => `Playing ${sampleName(voice)}.`;
export const NO_SAMPLE = "There is no sample of this voice yet.";
export const SAMPLE_TOO_SLOW = "The sample is taking too long to make. Try again in a minute.";
export const SAMPLE_NOT_PLAYED = "The sample could not be played.";
/** A sample ready when the browser would not play it without a new press (Safari after a wait). */
export const readyText = (voice) => `${capital(sampleName(voice))} is ready: press Hear this voice.`;

export class SampleError extends Error {
  constructor(message) {
    super(message);
    this.name = "SampleError";
  }
}

/**
 * A voice's sample: GET its `sample_url` until it is made (the API answers 202 {status: "making",
 * retry_after} the first time, then 200 {url, expires_in}). `fetchJson(url, {signal})` is the
 * GET (api.voiceSample), `wait(ms, signal)` the pause; `onMaking()` once it is being made.
 * Resolves {url, until} (ms since the epoch the URL is good till); throws a SampleError (or the
 * GET's own error, whose message says why) and gives up after `giveUpMs`.
 */
export async function fetchSample(voice, { fetchJson, wait, signal, onMaking = () => {}, now = Date.now, giveUpMs = SAMPLE_GIVE_UP_MS }) {
  if (!voice?.sample_url) throw new SampleError(NO_SAMPLE);
  const started = now();
  let said = false;
  for (;;) {
    const answer = await fetchJson(voice.sample_url, { signal });
    if (answer?.url) return { url: answer.url, until: now() + Math.max(0, Number(answer.expires_in) || 0) * 1000 };
    if (answer?.status !== "making") throw new SampleError(SAMPLE_NOT_PLAYED);
    if (!said) { said = true; onMaking(); }
    const asked = Number(answer.retry_after) * 1000 || SAMPLE_WAIT_MS.first;
    const pause = Math.min(SAMPLE_WAIT_MS.most, Math.max(SAMPLE_WAIT_MS.least, asked));
    if (now() + pause - started > giveUpMs) throw new SampleError(SAMPLE_TOO_SLOW);
    await wait(pause, signal);
  }
}

/** The samples' URLs while fresh, by voice and language: hearing a voice again asks nothing. */
export function sampleCache(now = Date.now) {
  const kept = new Map();
  const key = (voice) => `${voice.id}|${voice.language}`;
  return {
    get: (voice) => {
      const hit = kept.get(key(voice));
      return hit && hit.until - SAMPLE_MARGIN_MS > now() ? hit.url : null;
    },
    set: (voice, sample) => kept.set(key(voice), sample),
  };
}
