// Languages (CONTRACTS section 11) as plain functions, no DOM: the upload's choices from
// GET /languages, the sentences said about a result's language and voice, and the `lang` and
// `dir` a text in a language gets so screen readers switch voice and right-to-left text reads
// right to left.

export const AUTO = "auto";

// Scripts written right to left (ISO 15924), for a row that says its script but not `rtl`.
const RTL_SCRIPTS = new Set(["Arab", "Hebr", "Thaa", "Syrc", "Nkoo"]);

// The voice engines (GET /languages' engines), as people know them.
const ENGINE_NAMES = {
  piper: "Piper", kokoro: "Kokoro", pico: "SVOX Pico", rhvoice: "RHVoice", espeak: "eSpeak NG", gtts: "Google TTS",
};

// How a voice of each quality sounds, said plainly.
export const QUALITY_WORDS = { neural: "natural", standard: "standard", basic: "robotic" };

/** A language's code, whether the result gives it as "fr" or as {code: "fr", ...}. */
export function codeOf(language) {
  if (typeof language === "string") return language || null;
  return typeof language?.code === "string" && language.code ? language.code : null;
}

/** "français (French)"; a language whose own name is its English one once: "English". */
export function optionLabel(language) {
  const { name, native } = language;
  return native && native !== name ? `${native} (${name})` : name;
}

/**
 * What a kind does with the language an upload names (GET /kinds' `language_use`: "read",
 * "transcribe" or "voice"; null: it takes none). An API that does not say: recordings are
 * transcribed, pictures read.
 */
export function useOf(kind) {
  if (kind && "language_use" in kind) return kind.language_use || null;
  return (kind?.content_types || []).some((t) => t.startsWith("audio/")) ? "transcribe" : "read";
}

const ABLE = {
  read: (language) => language.read === true,
  transcribe: (language) => language.transcribe === true,
  voice: (language) => Boolean(language.voice),
};

/** The languages a kind can be told its upload is in, by English name. */
export function choicesFor(languages, use) {
  const able = ABLE[use];
  if (!able) return [];
  return (languages || []).filter(able).sort((a, b) => a.name.localeCompare(b.name, "en"));
}

/** The label over the choice, by what the kind does with it. */
export function choiceLabel(use) {
  if (use === "transcribe") return "Language spoken";
  if (use === "voice") return "Language to say it in";
  return "Language of the text";
}

/** The localStorage key of the language last chosen for a kind. */
export const storageKey = (kindName) => `pagevoice.language.${kindName}`;

/** The value to select: the one remembered when it is still offered, else "auto". */
export function remembered(stored, choices) {
  return stored && choices.some((c) => c.code === stored) ? stored : AUTO;
}

/** The `language` of POST /uploads: none for "auto" (the API detects it). */
export const uploadLanguage = (value) => (value && value !== AUTO ? value : undefined);

/** GET /languages' rows by code. */
export const tableOf = (languages) => new Map((languages || []).map((l) => [l.code, l]));

/** "French" for "fr"; the code itself for one the table does not know. */
export function nameOf(code, table) {
  return table?.get(code)?.name || code;
}

/** "rtl", "ltr", or "auto" (the browser decides from the text) for a language not known. */
export function directionOf(code, table) {
  const row = code ? table?.get(code) : null;
  if (!row) return "auto";
  return row.rtl === true || RTL_SCRIPTS.has(row.script) ? "rtl" : "ltr";
}

/** The attributes a text in `language` gets: {lang, dir}; null when it names none. */
export function textAttributes(language, table) {
  const code = codeOf(language);
  return code ? { lang: code, dir: directionOf(code, table) } : null;
}

/**
 * A speech result's language (section 9: a plain code) as section 11's {code, detected}, from
 * the job's `language` (the code the upload named, or "auto"); as it is when the job does not say.
 */
export function spokenLanguage(language, named) {
  if (typeof language !== "string" || !language || !named) return language;
  return { code: language, detected: named !== language };
}

/** "Language: French (detected)" or "(chosen)" for result.language; "" when there is none. */
export function languageLine(language, table) {
  const code = codeOf(language);
  if (!code) return "";
  const how = typeof language === "object" && typeof language.detected === "boolean"
    ? (language.detected ? " (detected)" : " (chosen)") : "";
  return `Language: ${nameOf(code, table)}${how}`;
}

/** "SVOX Pico, standard quality" for one voice. */
export function voiceText(voice) {
  const engine = ENGINE_NAMES[voice.engine] || voice.engine || "an unnamed voice";
  const quality = QUALITY_WORDS[voice.quality];
  return quality ? `${engine}, ${quality} quality` : engine;
}

/** Every voice the result names: result.speech.parts[].voice and result.speech.voice. */
const allVoices = (speech) => [...(speech?.parts || []).map((p) => p.voice), speech?.voice]
  .filter((voice) => voice && typeof voice === "object");

/** The distinct voices that read the text, in the order they speak. */
export function voicesOf(speech) {
  const seen = new Map();
  for (const voice of allVoices(speech)) {
    const key = `${voice.engine}|${voice.name}|${voice.language}`;
    if (!seen.has(key)) seen.set(key, voice);
  }
  return [...seen.values()];
}

// A voice's own name, where its engine gives one (Kokoro's "af_heart" is Heart, piper's "joe"
// Joe, RHVoice's "aleksandr-hq" Aleksandr); Pico's, eSpeak NG's and gTTS's are their engine's.
const OWN_NAMES = {
  kokoro: (name) => name.split("_").slice(1).join(" "),
  piper: (name) => name.split(/[-_]/)[0],
  rhvoice: (name) => name.split("-")[0],
};

/** "Heart" for kokoro:af_heart; "" for a voice without a name of its own. */
export function ownName(voice) {
  const name = OWN_NAMES[voice?.engine]?.(String(voice.name || "")) || "";
  return name && name[0].toUpperCase() + name.slice(1);
}

/** "Heart", or for a voice without a name of its own "SVOX Pico (British)", "SVOX Pico (French, France)". */
export function voiceTitle(voice) {
  const engine = ENGINE_NAMES[voice.engine] || voice.engine || "an unnamed voice";
  const accent = String(voice.accent || "").replace(/ \((.*)\)$/, ", $1");
  return ownName(voice) || (accent ? `${engine} (${accent})` : engine);
}

/**
 * Where a voice's speech is from: "American English", "British English", or the accent as GET
 * /voices says it when it names the language or a region ("French (France)", "Brazilian
 * Portuguese"); the language alone without an accent, the accent alone without the table.
 */
export function spokenVariety(voice, table) {
  const accent = voice.accent || "";
  const language = table?.get(voice.language)?.name;
  if (!language) return accent || voice.language || "";
  if (!accent || accent.includes(language) || accent.includes("(")) return accent || language;
  return `${accent} ${language}`;
}

/** "Heart — American English, Kokoro, natural quality"; "SVOX Pico — British English, standard quality". */
export function namedVoiceText(voice, table) {
  const own = ownName(voice);
  const quality = QUALITY_WORDS[voice.quality];
  const how = own ? voiceText(voice) : quality ? `${quality} quality` : "";
  return [`${voiceTitle({ ...voice, accent: "" })} — ${spokenVariety(voice, table)}`, how].filter(Boolean).join(", ");
}

/** GET /voices' rows by id and language ("kokoro:af_heart|en"), and by id alone. */
export function voiceCatalog(voices) {
  const out = new Map();
  for (const row of voices || []) {
    out.set(`${row.id}|${row.language}`, row);
    if (!out.has(row.id)) out.set(row.id, row);
  }
  return out;
}

/** A result's voice with what GET /voices says of it (its accent, its quality as measured). */
const listed = (voice, catalog) => ({ ...voice, ...(catalog?.get(`${voice.id}|${voice.language}`) || catalog?.get(voice.id)) });

/**
 * "Read by Heart — American English, Kokoro, natural quality." for a result that names its voices
 * (speech.voice.id, since CONTRACTS section 16), each distinct voice in the order they speak, with
 * `catalog` (voiceCatalog) saying their accents. An older result: "Voice: SVOX Pico, standard
 * quality", or for a text spoken in several voices "Voices: Piper, natural quality (English);
 * SVOX Pico, standard quality (German)". Where the voice gave no word timings, the highlighted
 * word is an estimate: said too.
 */
export function voiceLine(speech, table, catalog = null) {
  const voices = voicesOf(speech);
  if (!voices.length) return "";
  const estimated = allVoices(speech).some((v) => v.timings === "estimated") ? " The word shown while it plays is estimated." : "";
  if (voices.every((v) => v.id)) {
    return `Read by ${voices.map((v) => namedVoiceText(listed(v, catalog), table)).join("; ")}.${estimated}`;
  }
  if (voices.length === 1) return `Voice: ${voiceText(voices[0])}.${estimated}`;
  const each = voices.map((v) => `${voiceText(v)}${v.language ? ` (${nameOf(v.language, table)})` : ""}`);
  return `Voices: ${each.join("; ")}.${estimated}`;
}

/** "Not spoken: no voice for Amharic" for a finished result with text in a language not spoken. */
export function notSpokenLine(result, table, { done }) {
  const code = codeOf(result?.language);
  if (!done || result.speech || !code || !String(result.text || "").trim()) return "";
  return `Not spoken: no voice for ${nameOf(code, table)}.`;
}
