// The speakers' marks in a transcript (CONTRACTS section 17): a heading before each turn (a
// screen reader moves by them: "Ada, 0:12"), the rare words said by another speaker than
// their segment's tagged inline, and a rename shown at once wherever the speaker is named.
// Colour is never the only cue: every mark carries the speaker's name in text.

import { clock } from "./subtitles.js";
import { colourOf, displayName } from "./speakers.js";

/** The element that holds speaker `id`'s name (kept in step with renames by `renameIn`). */
function nameSpan(id, names) {
  const span = document.createElement("span");
  span.className = "speaker-name";
  span.dataset.speakerName = id;
  span.textContent = displayName(id, names);
  return span;
}

/** The class that colours an element as speaker `id` (css: .speaker-c1 ... .speaker-c8). */
export const colourClass = (id, speakers) => `speaker-c${colourOf(id, speakers)}`;

// A turn heading's name, "Ada, 0:12": its own label (a visually hidden ", 0:12" inside it was
// read with a space before the comma: Chromium parts an absolutely placed element with one).
const headingName = (heading) => `${heading.querySelector(".speaker-name").textContent}, ${heading.dataset.clock}`;

/** A turn's heading: a colour swatch, the speaker's name, the time it starts (said, not shown twice). */
export function turnHeading(id, start, { names, speakers }) {
  const heading = document.createElement("h3");
  heading.className = `speaker-turn ${colourClass(id, speakers)}`;
  heading.dataset.testid = "speaker-turn";
  heading.dataset.speaker = id;
  heading.dataset.start = String(start);
  heading.dataset.clock = clock(start);
  const swatch = document.createElement("span");
  swatch.className = "speaker-swatch";
  swatch.setAttribute("aria-hidden", "true");
  heading.append(swatch, nameSpan(id, names));
  heading.setAttribute("aria-label", headingName(heading));
  return heading;
}

/** "Ada:" before words that another speaker than the turn's said, in that speaker's colour. */
export function inlineSpeaker(id, { names, speakers }) {
  const tag = document.createElement("span");
  tag.className = `speaker-inline ${colourClass(id, speakers)}`;
  tag.dataset.testid = "speaker-inline";
  tag.append(nameSpan(id, names), ":");
  return tag;
}

/** Speaker `id` called `label` wherever `container` names them. */
export function renameIn(container, id, label) {
  for (const el of container.querySelectorAll("[data-speaker-name]")) {
    if (el.dataset.speakerName === id) el.textContent = label;
  }
  for (const heading of container.querySelectorAll(".speaker-turn")) {
    if (heading.dataset.speaker === id) heading.setAttribute("aria-label", headingName(heading));
  }
}
