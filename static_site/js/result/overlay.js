// The result: word boxes over the photo, the text with the same words, and the link between
// them (select a box and its word lights up in the text, and the reverse).
//
// Boxes are positioned in percent of result.width x result.height inside a wrapper that is
// exactly the displayed image, so their page geometry is the result box scaled by
// displayed/natural size at any width, without recomputing on resize.

import { rovingKeys, scrollWithin } from "../dom.js";
import { mathElement } from "./math.js";

export const LOW_CONFIDENCE = 0.6;

/** Flatten result.lines[*].words[*] with their line/word indexes and one running index. */
export function wordsOf(result) {
  const words = [];
  (result.lines || []).forEach((line, lineIndex) => {
    (line.words || []).forEach((word, wordInLine) => {
      words.push({ ...word, lineIndex, wordInLine, index: words.length });
    });
  });
  return words;
}

export function bounds(box) {
  const xs = box.map((p) => Number(p[0]));
  const ys = box.map((p) => Number(p[1]));
  const left = Math.min(...xs);
  const top = Math.min(...ys);
  return { left, top, width: Math.max(...xs) - left, height: Math.max(...ys) - top };
}

export const pct = (value, total) => `${(value / total) * 100}%`;

/**
 * Where the text is on a page: the bounding box of its lines (of their words where a line has no
 * box) as fractions of the page, {left, top, right, bottom}; null when nothing has a box.
 */
export function textBox(page) {
  if (!(page?.width > 0 && page?.height > 0)) return null;
  const points = (page.lines || []).flatMap((line) => {
    if (Array.isArray(line.box) && line.box.length >= 2) return line.box;
    return (line.words || []).flatMap((w) => (Array.isArray(w.box) ? w.box : []));
  }).filter((pt) => Number.isFinite(Number(pt?.[0])) && Number.isFinite(Number(pt?.[1])));
  if (!points.length) return null;
  const b = bounds(points);
  const clamp = (v) => Math.max(0, Math.min(1, v));
  return {
    left: clamp(b.left / page.width), top: clamp(b.top / page.height),
    right: clamp((b.left + b.width) / page.width), bottom: clamp((b.top + b.height) / page.height),
  };
}

function isLow(word) {
  return typeof word.confidence === "number" && word.confidence < LOW_CONFIDENCE;
}

function describe(word) {
  if (typeof word.confidence !== "number") return word.text;
  const percent = Math.round(word.confidence * 100);
  return isLow(word) ? `${word.text} (unsure: ${percent}% confidence)` : `${word.text} (${percent}% confidence)`;
}

// A word's text; a formula (issue 58) drawn as mathematics, the punctuation glued to it around it
// (`formula.span`: where the formula is in the word's text). Its text stays the word's (a linear
// LaTeX form) where the formula has no MathML to draw or is past math.js's bounds.
function fillWord(span, word) {
  const formula = word.formula;
  const label = formula?.alt || formula?.spoken || word.text; // what screen readers without MathML say
  const math = formula?.mathml ? mathElement(formula.mathml, { fallback: label }) : null;
  if (!math) {
    span.textContent = word.text;
    return;
  }
  const [from, to] = Array.isArray(formula.span) ? formula.span : [0, word.text.length];
  if (formula.display) math.setAttribute("display", "block");
  span.classList.add("is-formula");
  span.append(word.text.slice(0, from), math, word.text.slice(to));
}

function tagWord(el, word) {
  el.dataset.wordIndex = String(word.index);
  el.dataset.lineIndex = String(word.lineIndex);
  el.dataset.wordInLine = String(word.wordInLine);
  if (typeof word.confidence === "number") el.dataset.confidence = String(word.confidence);
  el.dataset.lowConfidence = String(isLow(word));
  if (isLow(word)) el.classList.add("low-confidence");
}

/** One absolutely positioned button per word, in the overlay layer. */
export function renderBoxes(overlay, result, words) {
  if (!(result.width > 0 && result.height > 0)) { // no pixel space to place boxes in
    overlay.replaceChildren();
    return [];
  }
  const items = words.filter((word) => Array.isArray(word.box) && word.box.length >= 2).map((word) => {
    const b = bounds(word.box);
    const el = document.createElement("button");
    el.type = "button";
    el.className = "word-box";
    el.dataset.testid = "word-box";
    tagWord(el, word);
    el.style.left = pct(b.left, result.width);
    el.style.top = pct(b.top, result.height);
    el.style.width = pct(b.width, result.width);
    el.style.height = pct(b.height, result.height);
    el.setAttribute("aria-label", describe(word));
    el.setAttribute("aria-pressed", "false");
    el.title = describe(word);
    el.tabIndex = -1;
    return el;
  });
  // One tab stop for the whole group; arrow keys move between boxes (roving tabindex).
  if (items.length) items[0].tabIndex = 0;
  overlay.replaceChildren(...items);
  return items;
}

/**
 * The text, line by line, each word wrapped in a span found in order inside the line's text so
 * the original spacing and punctuation are kept. Plain text for screen readers (the boxes are
 * the keyboard way in); the spans are for pointer users and for highlighting.
 */
export function renderText(container, result, words) {
  const lines = result.lines || [];
  if (!lines.length) {
    container.textContent = result.text || "";
    return [];
  }
  const spans = [];
  let next = 0;
  lines.forEach((line, lineIndex) => {
    const p = document.createElement("p");
    p.className = "text-line";
    p.dataset.lineIndex = String(lineIndex);
    const text = typeof line.text === "string" ? line.text : "";
    let cursor = 0;
    const lineWords = [];
    while (next < words.length && words[next].lineIndex === lineIndex) lineWords.push(words[next++]);
    for (const word of lineWords) {
      const at = word.text ? text.indexOf(word.text, cursor) : -1;
      if (at === -1) {
        // The word is not in the line's text as written: add it after what we have, spaced.
        if (p.lastChild) p.append(" ");
      } else {
        p.append(text.slice(cursor, at));
        cursor = at + word.text.length;
      }
      const span = document.createElement("span");
      span.className = "text-word";
      span.dataset.testid = "text-word";
      fillWord(span, word);
      tagWord(span, word);
      p.append(span);
      spans.push(span);
    }
    p.append(text.slice(cursor));
    container.append(p);
  });
  return spans;
}

/** Wire selection between boxes and text words, and keyboard movement among the boxes. */
export function linkWords({ boxes, spans, textContainer, signal }) {
  const boxByIndex = new Map(boxes.map((el) => [el.dataset.wordIndex, el]));
  const spanByIndex = new Map(spans.map((el) => [el.dataset.wordIndex, el]));
  let selected = null;

  function select(index) {
    if (selected !== null) {
      boxByIndex.get(selected)?.classList.remove("selected");
      boxByIndex.get(selected)?.setAttribute("aria-pressed", "false");
      spanByIndex.get(selected)?.classList.remove("selected");
    }
    selected = index;
    const box = boxByIndex.get(index);
    const span = spanByIndex.get(index);
    box?.classList.add("selected");
    box?.setAttribute("aria-pressed", "true");
    span?.classList.add("selected");
    if (span) scrollWithin(textContainer, span);
    if (box) setRovingStop(box);
  }

  function setRovingStop(box) {
    for (const el of boxes) el.tabIndex = el === box ? 0 : -1;
  }

  for (const box of boxes) {
    box.addEventListener("click", () => select(box.dataset.wordIndex), { signal });
    box.addEventListener("keydown", (event) => rovingKeys(boxes, box, event, setRovingStop), { signal });
  }
  for (const span of spans) {
    span.addEventListener("click", () => select(span.dataset.wordIndex), { signal });
  }
  return { select };
}

