// The result of a `digits` job (CONTRACTS section 8): the number, large; the picture with a box
// over each digit (overlay.js, as for a page's words); per digit, how likely each of 0-9 is,
// as bars a screen reader reads as "7: 99.7%"; and the number read aloud (speech.wav).

import { showMessage } from "../../dom.js";
import { linkWords, renderBoxes, wordsOf } from "../overlay.js";
import { percent, setUpAudio, setUpCopy, showImage } from "../common.js";
import { createLanguage } from "../language.js";

const UNSURE = "?";
const SMALL_IMAGE_PX = 256; // drawn larger than life: keep the pixels sharp

export const digitsView = {
  empty: { width: 1, height: 1, text: "", lines: [], digits: [] },
  statusText: {
    uploading: "Waiting for the picture to arrive…",
    queued: "In the queue: PageVoice will read the digits in a moment…",
    processing: "Reading the digits…",
    partial: "Number read. Making the recording…",
    failed: "PageVoice could not read this picture.",
  },
  deleteText: ["Delete this picture", "Delete this picture, its number and its recording?"],
  doneText(result) {
    const words = wordsOf(result);
    if (!words.length) return "Done: no handwritten digits were found.";
    const number = spokenNumber(result);
    return result.sure === false || words.some((w) => w.text === UNSURE)
      ? `Done: the number looks like ${number}; PageVoice is not sure of every digit.`
      : `Done: the number is ${number}.`;
  },
  show: showDigits,
  update(root, job, result, signal) {
    setUpAudio(root, job.audio_url, signal, result.speech, { missing: "no digits were found" });
    createLanguage(root, { signal, text: false }).apply({ result, done: true });
  },
};

function spokenNumber(result) {
  return (result.text || "").split("\n").filter(Boolean).join(", ");
}

/** result.digits in the order of the words (lines in order, then as found within a line). */
function digitsInWordOrder(result) {
  const digits = (result.digits || []).map((d, i) => ({ ...d, found: i }));
  return digits.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.found - b.found);
}

function showDigits(root, job, result, signal, { audioPending = false } = {}) {
  const panel = root.querySelector("#result");
  if (!panel.hidden) return; // already shown
  panel.hidden = false;

  // The picture, with a box per digit.
  root.querySelector("#image-title").textContent = "Picture";
  root.querySelector("#overlay-toggle-label").textContent = "Show digit boxes";
  const legend = root.querySelector("#overlay-legend");
  const low = document.createElement("span");
  low.className = "legend-low";
  low.textContent = "Dashed orange";
  legend.replaceChildren("Select a box to find the digit in the number. ", low,
    " boxes are digits PageVoice is unsure of.");
  const img = showImage(root, job, result, signal, { what: "picture" });
  root.querySelector("#figure").classList.add("figure-digits");
  img.classList.toggle("is-small", Math.max(result.width || 0, result.height || 0) <= SMALL_IMAGE_PX);
  const overlay = root.querySelector("#overlay");
  overlay.setAttribute("aria-label", "Digit boxes");
  const toggle = root.querySelector("#overlay-toggle");
  toggle.addEventListener("change", () => { overlay.hidden = !toggle.checked; }, { signal });

  const words = wordsOf(result);
  const boxes = renderBoxes(overlay, result, words);

  // The number, large: one span per digit (linked to its box), one line per line.
  root.querySelector("#digits-panel").hidden = false;
  root.querySelector("#text-title").hidden = true;
  root.querySelector("#result-text").hidden = true;
  root.querySelector("#download-text").hidden = true;
  const number = root.querySelector("#digits-number");
  const spans = [];
  if (!words.length) {
    number.textContent = "No handwritten digits were found.";
    number.classList.add("is-empty");
  } else {
    let line = null;
    for (const word of words) {
      if (!line || Number(line.dataset.lineIndex) !== word.lineIndex) {
        line = document.createElement("span");
        line.className = "digits-line";
        line.dataset.lineIndex = String(word.lineIndex);
        number.append(line);
      }
      const span = document.createElement("span");
      span.className = "digit";
      span.dataset.testid = "digit";
      span.dataset.wordIndex = String(word.index);
      span.textContent = word.text;
      if (word.text === UNSURE) {
        span.classList.add("digit-unsure");
        span.title = "PageVoice is not sure of this digit";
      }
      line.append(span);
      spans.push(span);
    }
  }
  linkWords({ boxes, spans, textContainer: number, signal });

  const unsureCount = words.filter((w) => w.text === UNSURE).length;
  showMessage(root.querySelector("#digits-unsure"), unsureCount
    ? `PageVoice is not sure of ${unsureCount === 1 ? "the digit" : `the ${unsureCount} digits`} marked “?”. ` +
      "The likeliest values are shown below; a clearer picture may help."
    : "");

  setUpCopy(root.querySelector("#copy-text"), result.text || "", number, signal);

  // Per digit: the ten probabilities as bars.
  const digits = digitsInWordOrder(result);
  const cards = root.querySelector("#digit-cards");
  cards.replaceChildren(...digits.map((digit, i) => digitCard(digit, i, digits.length)));
  root.querySelector("#digit-bars-panel").hidden = !digits.length;
  // Selecting a digit (box or number) also points out its bars.
  const select = (index) => {
    cards.querySelectorAll(".digit-card").forEach((card) =>
      card.classList.toggle("selected", card.dataset.wordIndex === index));
  };
  for (const el of [...boxes, ...spans]) {
    el.addEventListener("click", () => select(el.dataset.wordIndex), { signal });
  }

  if (audioPending) showMessage(root.querySelector("#audio-note"), "Making the recording…");
  else setUpAudio(root, job.audio_url, signal, result.speech, { missing: "no digits were found" });
  createLanguage(root, { signal, text: false }).apply({ result, done: !audioPending });
}

function digitCard(digit, index, count) {
  const probabilities = Array.isArray(digit.probabilities) ? digit.probabilities.map(Number) : [];
  const best = probabilities.length ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  const card = document.createElement("li");
  card.className = "digit-card";
  card.dataset.testid = "digit-card";
  card.dataset.wordIndex = String(index);
  const title = document.createElement("p");
  title.className = "digit-card-title";
  title.id = `digit-card-title-${index}`;
  const which = count > 1 ? `Digit ${index + 1}` : "The digit";
  const unsure = digit.digit === null || digit.digit === undefined || digit.unsure;
  title.textContent = unsure
    ? `${which}: not sure${best >= 0 ? ` (perhaps ${best})` : ""}`
    : `${which}: ${digit.digit} (${percent(digit.confidence)} sure)`;
  if (unsure) card.classList.add("is-unsure");

  const bars = document.createElement("ul");
  bars.className = "digit-bars";
  bars.dataset.testid = "digit-bars";
  bars.setAttribute("aria-labelledby", title.id);
  probabilities.forEach((p, d) => {
    const item = document.createElement("li");
    item.className = "digit-bar";
    item.dataset.digit = String(d);
    item.dataset.probability = String(p);
    const label = `${d}: ${percent(p)}`;
    const spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = d === best ? `${label}, the likeliest` : label;
    // What is seen: the digit, a bar as long as its probability, the percent.
    const seen = document.createElement("span");
    seen.className = "digit-bar-row";
    seen.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "digit-bar-digit";
    name.textContent = String(d);
    const track = document.createElement("span");
    track.className = "digit-bar-track";
    const fill = document.createElement("span");
    fill.className = "digit-bar-fill";
    fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "digit-bar-value";
    value.textContent = percent(p);
    seen.append(name, track, value);
    item.append(spoken, seen);
    if (d === best) {
      item.classList.add("is-best");
      item.dataset.best = "true";
    }
    bars.append(item);
  });
  card.append(title, bars);
  return card;
}
