// A formula's MathML (issue 58) drawn as the browser's own MathML, which screen readers read as
// mathematics. The MathML comes from the user's document, so it is never inserted as markup: it is
// parsed, then rebuilt element by element from MathML Core's elements and presentation
// attributes only (no links, styles, ids, events or foreign content), within a depth and size.
// Anything else is left out; a formula too deep or too large is shown as its alt text.

const MATHML = "http://www.w3.org/1998/Math/MathML";
export const MAX_DEPTH = 40; // nesting a real formula never reaches (a 10,000-deep one is hostile)
export const MAX_NODES = 3000; // elements and text pieces of one formula

const ELEMENTS = new Set([
  "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle",
  "merror", "mpadded", "mphantom", "msub", "msup", "msubsup", "munder", "mover", "munderover",
  "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "semantics",
]);
// Left out with what they hold: a formula's source (annotation) and its alternatives (maction's).
const DROPPED = new Set(["annotation", "annotation-xml"]);
const ATTRIBUTES = new Set([
  "display", "mathvariant", "displaystyle", "scriptlevel", "mathsize", "dir", "form", "fence",
  "separator", "lspace", "rspace", "stretchy", "symmetric", "maxsize", "minsize", "largeop",
  "movablelimits", "accent", "accentunder", "linethickness", "width", "height", "depth", "voffset",
  "rowspan", "columnspan", "columnalign", "rowalign",
]);
// Presentation values are words, numbers and lengths ("bold", "0.2em", "-1ex", "50%"): nothing
// that could name a resource (url(...), a scheme's colon).
const SAFE_VALUE = /^[\p{L}\p{N} .,%+\-#]*$/u;

/**
 * The formula `mathml` (a string holding one <math> element) as a safe MathML element, with
 * `alttext` (else `fallback`) as its label; null when it holds no MathML to draw.
 */
export function mathElement(mathml, { fallback = "", doc = document } = {}) {
  const parsed = parse(mathml);
  if (!parsed) return null;
  const budget = { nodes: 0 };
  const math = copy(parsed, doc, 0, budget);
  if (!math || budget.nodes > MAX_NODES) return null;
  const label = parsed.getAttribute("alttext") || fallback;
  if (label) math.setAttribute("alttext", label);
  return math;
}

function parse(mathml) {
  if (typeof mathml !== "string" || !mathml.includes("<math") || mathml.length > 200_000) return null;
  // The HTML parser puts <math> in the MathML namespace with or without xmlns, as a page does.
  const found = new DOMParser().parseFromString(`<!doctype html><body>${mathml}`, "text/html")
    .body.querySelector("math");
  return found && found.namespaceURI === MATHML ? found : null;
}

function copy(node, doc, depth, budget) {
  if (++budget.nodes > MAX_NODES || depth > MAX_DEPTH) return null;
  if (node.nodeType === Node.TEXT_NODE) return doc.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE || node.namespaceURI !== MATHML) return undefined;
  const name = node.localName;
  if (DROPPED.has(name)) return undefined;
  if (name === "mfenced") return fenced(node, doc, depth, budget);
  // Not MathML Core (menclose, maction, a misspelling): what it holds, grouped.
  if (!ELEMENTS.has(name)) return copyChildren(doc.createElementNS(MATHML, "mrow"), node, doc, depth, budget);
  const el = doc.createElementNS(MATHML, name);
  for (const { name: attr, value } of node.attributes) {
    if (ATTRIBUTES.has(attr) && value.length <= 200 && SAFE_VALUE.test(value)) el.setAttribute(attr, value);
  }
  return copyChildren(el, node, doc, depth, budget);
}

// MathML 3's <mfenced> (dropped from MathML Core: Chromium would show it without its fences) as
// the row it stands for: its fences and separators as operators.
function fenced(node, doc, depth, budget) {
  const row = doc.createElementNS(MATHML, "mrow");
  const op = (text) => {
    const mo = doc.createElementNS(MATHML, "mo");
    mo.textContent = text;
    return mo;
  };
  const separators = [...(node.getAttribute("separators") ?? ",").replace(/\s/g, "")];
  const parts = [...node.children];
  row.append(op(node.getAttribute("open") ?? "("));
  for (const [k, child] of parts.entries()) {
    const made = copy(child, doc, depth + 1, budget);
    if (made === null) return null;
    if (made) row.append(made);
    if (k < parts.length - 1 && separators.length) row.append(op(separators[Math.min(k, separators.length - 1)]));
  }
  row.append(op(node.getAttribute("close") ?? ")"));
  return row;
}

function copyChildren(el, node, doc, depth, budget) {
  for (const child of node.childNodes) {
    const made = copy(child, doc, depth + 1, budget);
    if (made === null) return null; // over a bound: the whole formula falls back
    if (made) el.append(made);
  }
  return el;
}
