// The recogniser's output read as text (greedy CTC, as the worker's engine: class 0 is the
// blank, then the model's characters, then the space), with a confidence per word. Pure.

/** `probs` (Float32Array, steps x classes) of one line, of which the first `valid` steps show
 *  the crop (the rest is padding). -> { text, score, words: [{ text, score, from, to }] },
 *  `from`/`to` the steps of a word's first and last character (for its place in the line). */
export function decode(probs, steps, classes, valid, alphabet) {
  const chars = [];
  let prev = -1;
  for (let t = 0; t < Math.min(steps, valid); t++) {
    const row = t * classes;
    let best = 0;
    let bestP = probs[row];
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c];
      if (p > bestP) { bestP = p; best = c; }
    }
    if (best !== 0 && best !== prev) chars.push({ ch: alphabet[best] ?? "", p: bestP, t });
    prev = best;
  }
  const words = [];
  let cur = null;
  for (const c of chars) {
    if (c.ch === " ") { cur = null; continue; }
    if (!cur) { cur = { chars: [], from: c.t, to: c.t }; words.push(cur); }
    cur.chars.push(c);
    cur.to = c.t;
  }
  const out = words.map((word) => ({
    text: word.chars.map((c) => c.ch).join(""),
    score: word.chars.reduce((s, c) => s + c.p, 0) / word.chars.length,
    from: word.from, to: word.to,
  }));
  const score = chars.length ? chars.reduce((s, c) => s + c.p, 0) / chars.length : 0;
  return { text: out.map((word) => word.text).join(" "), score, words: out };
}

/** The alphabet from keys.txt (one character a line): blank first, the space last. */
export function alphabetOf(keysText) {
  return ["", ...keysText.split("\n"), " "];
}
