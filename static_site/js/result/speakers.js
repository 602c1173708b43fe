// Who spoke in a speech result (CONTRACTS section 17), pure: the speakers listed with the names
// given them, what each is called ("Ada", or "Speaker 2" while unnamed), the colour each is
// drawn in, and whether a name typed can be sent. A result of one voice has no
// `speakers` and no labels: every function here then says "no speakers" and nothing changes.

// Colours in css/style.css (--speaker-1 ... --speaker-8), taken in turn past the eighth.
export const SPEAKER_COLOURS = 8;
export const NAME_MAX = 80; // characters, as the API counts them

/** True when the result names more than one voice (its `speakers` list). */
export function hasSpeakers(result) {
  return Array.isArray(result?.speakers) && result.speakers.length > 0;
}

/** "S2" -> "Speaker 2" (a label not of that shape is said as it is, after "Speaker"). */
export function labelText(id) {
  const n = /^S(\d+)$/.exec(String(id ?? ""));
  return `Speaker ${n ? Number(n[1]) : String(id ?? "").trim() || "?"}`;
}

/** A name as shown and exported: its runs of white space one space, trimmed; "" when none. */
export const cleanName = (name) => (typeof name === "string" ? name.replace(/\s+/g, " ").trim() : "");

/**
 * The names in force {id: name}: each listed speaker's `name`, then the job's `speaker_names`
 * over them (the answer's own record of renames; a null there clears a name).
 */
export function namesOf(result, speakerNames) {
  const names = {};
  for (const s of result?.speakers || []) if (cleanName(s?.name)) names[s.id] = cleanName(s.name);
  for (const [id, name] of Object.entries(speakerNames || {})) {
    if (cleanName(name)) names[id] = cleanName(name);
    else delete names[id];
  }
  return names;
}

/** What speaker `id` is called: its name, else "Speaker N". */
export const displayName = (id, names) => cleanName(names?.[id]) || labelText(id);

/** The colour of speaker `id` (1-8): by its place in the list, else by its label's number. */
export function colourOf(id, speakers) {
  const at = (speakers || []).findIndex((s) => s?.id === id);
  const n = at >= 0 ? at : (Number(/^S(\d+)$/.exec(String(id))?.[1]) || 1) - 1;
  return (n % SPEAKER_COLOURS) + 1;
}

/** The speakers as listed [{id, name, seconds, label}], `label` what each is called now. */
export function speakerRows(result, names) {
  return (result?.speakers || []).filter((s) => s && typeof s.id === "string").map((s) => ({
    id: s.id,
    name: cleanName(names?.[s.id]) || null,
    seconds: Number(s.seconds) || 0,
    label: displayName(s.id, names),
  }));
}

/**
 * Why a name typed for a speaker cannot be sent, or "" when it can (an empty field clears the
 * name of a speaker who has one: `hadName`). Characters counted as the API counts them (code points).
 */
export function nameProblem(typed, { hadName = false } = {}) {
  const name = cleanName(typed);
  if (!name) return hadName ? "" : "Type a name first.";
  if ([...name].length > NAME_MAX) return `A name can be at most ${NAME_MAX} characters.`;
  return "";
}

/** What the announcement says after a rename: "Speaker 2 is now called Ada." */
export function renamedText(id, before, after) {
  if (!after) return `${before} is now called ${labelText(id)} again.`;
  return `${before} is now called ${after}.`;
}
