// The MathML to be spoken, rewritten as a tree where SRE's words are not a teacher's (speech.cjs):
// transposes and inverses, number sets, scripts, braces, brackets, binomials, distributions, words.
'use strict';
const {children, core, elements, local, make, nextElement, previousElement, replaceByRow, replaceWith, said} = require('./dom.cjs');
const {FUNCTION_NAMES, subscriptWords, tableSaid, textLike, tokens, wordRuns} = require('./words.cjs');

// What a teacher says for a matrix's superscripts: A^T "A transpose", (X'X)^{-1} "open paren X
// prime X close paren inverse" (SRE: "to the T power", "to the negative 1 power"). A matrix here is
// an upper-case (Latin or Greek) or bold letter (with its subscripts, hat or bar), a vector's
// arrow, a bracketed array, or a group holding one; a lower-case letter's T is a transpose only
// where a product follows (w^T x, x^T A x) or the same letter is transposed so elsewhere (beta^T
// alone is a power).
const {DOMParser, XMLSerializer} = require('@xmldom/xmldom');
const INVERSE = '\u2A3C';  // marks an inverse for SRE (its name, "interior product", is renamed in SAID)
const TRANSPOSE = '\u22A4';
const PAIRS = {'(': ')', '[': ']', '{': '}', '|': '|', '\u2016': '\u2016'};

// A number set raised to a power (R^n, R^{n x m}): SRE runs the power into the set's short name
// ("r-n", "r-n times m", as if (R^n) x m); a teacher says "the real numbers to the n-th power",
// "the real numbers raised to the n times m power".
const SETS = {'\u211D': 'the real numbers', '\u2102': 'the complex numbers', '\u2124': 'the integers',
  '\u2115': 'the natural numbers', '\u211A': 'the rational numbers'};
const STRUCK = {R: '\u211D', C: '\u2102', Z: '\u2124', N: '\u2115', Q: '\u211A'};

function setName(el) {
  if (!el || local(el) !== 'mi') return '';
  const t = said(el);
  return SETS[t] || (el.getAttribute('mathvariant') === 'double-struck' && SETS[STRUCK[t]]) || '';
}

function matrixLike(el, depth = 0) {
  el = core(el);
  if (!el || depth > 8) return false;
  const name = local(el);
  if (name === 'mi') {
    const t = said(el);
    return /^[A-Z\u0391-\u03A9]$/.test(t) || boldLetter(el);
  }
  if (name === 'mtable') return true;
  if (name === 'mover' && /^[\u2192\u20D7]$/.test(said(children(el)[1] || el))) return true;  // a vector (arrow)
  if (['msub', 'mover', 'munder', 'msubsup'].includes(name)) return matrixLike(children(el)[0], depth + 1);
  if (name === 'mrow') {
    const k = children(el);
    const fenced = k.length >= 3 && local(k[0]) === 'mo' && PAIRS[said(k[0])] === said(k[k.length - 1]);
    return fenced && k.slice(1, -1).some((c) => holdsMatrix(c, depth + 1));
  }
  return false;
}

function holdsMatrix(el, depth) {
  if (depth > 8) return false;
  return matrixLike(el, depth) || children(el).some((c) => holdsMatrix(c, depth + 1));
}

// MathJax puts a group's superscript on its closing parenthesis ("(AB)^T": mo "(", A, B, msup of
// mo ")" and T): the group is the siblings back to the matching opening one.
function closesMatrixGroup(el, base) {
  if (local(base) !== 'mo') return false;
  const close = said(base);
  const open = Object.keys(PAIRS).find((o) => PAIRS[o] === close && o !== close);
  if (!open) return false;
  let depth = 0;
  let matrix = false;
  for (let prev = el.previousSibling; prev; prev = prev.previousSibling) {
    if (prev.nodeType !== 1) continue;
    if (local(prev) === 'mo' && said(prev) === close) depth++;
    else if (local(prev) === 'mo' && said(prev) === open) {
      if (depth === 0) return matrix;
      depth--;
    } else matrix = matrix || holdsMatrix(prev, 0);
  }
  return false;
}

function exponent(el) {
  el = core(el);
  if (!el) return '';
  if (local(el) === 'mi' && said(el) === 'T') return 'T';
  const k = local(el) === 'mrow' ? children(el) : [el];
  const t = k.map(said).join('');
  return /^[-\u2212]1$/.test(t) && k.every((c) => ['mo', 'mn'].includes(local(c))) ? '-1' : '';
}

function followedByTerm(el) {
  let next = nextElement(el);
  if (next && local(next) === 'mo' && said(next) === '\u2062') next = nextElement(next);  // invisible times
  return Boolean(next) && (['mi', 'msub', 'msup', 'mover', 'mrow', 'msubsup'].includes(local(next)) ||
    (local(next) === 'mo' && ['(', '['].includes(said(next))));
}

// A parenthesis right after: T^{-1}(v) may be a map's inverse applied, which SRE says already
// ("T inverse of v") and a mark would break.
function applied(el) {
  let next = nextElement(el);
  while (next && local(next) === 'mo' && said(next) === '\u2061') next = nextElement(next);
  if (next && local(next) === 'mrow') next = children(next)[0];
  const opens = Boolean(next) && ((local(next) === 'mo' && said(next) === '(') ||
    (local(next) === 'mfenced' && (next.getAttribute('open') || '(') === '('));
  // A sum or difference in the parentheses is multiplied (Sigma^{-1}(x - mu), R^{-1}(C P + N)),
  // unless the letter is one of those SRE takes for functions (F^{-1}(x + 1)).
  return opens && (/^[fghFGH]$/.test(said(core(children(el)[0]))) || !sumInside(next));
}

function sumInside(open) {
  const inside = [];
  if (local(open) === 'mfenced') inside.push(...children(open).flatMap((c) => (local(c) === 'mrow' ? children(c) : [c])));
  else {
    let depth = 0;
    for (let next = nextElement(open); next; next = nextElement(next)) {
      if (local(next) === 'mo' && said(next) === '(') depth++;
      if (local(next) === 'mo' && said(next) === ')' && depth-- === 0) break;
      if (depth === 0) inside.push(...(local(next) === 'mrow' ? children(next) : [next]));
    }
  }
  return inside.some((c) => local(c) === 'mo' && /^[-+\u2212\u00B1\u2213]$/.test(said(c)));
}

// Words for what a superscript, a bar or a brace says, where SRE's are not a teacher's: y^{(i)},
// an index in parentheses, "y superscript open paren i close paren" (SRE: "raised to the i power",
// and l^{(i)}(w) "the i-th power of, l of w"); |M| of a bold letter (a matrix) "the determinant of
// bold M" (SRE: "the absolute value of"); a hat or tilde written with a spacing accent (U+02C6,
// U+02DC) as the accent SRE knows; an underbrace's or overbrace's label "a underbrace real" (SRE: "a over
// bottom brace, over real"); a binomial "n choose k" wherever it is (ClearSpeak's
// Matrix_Combinatoric preference says it only in a formula without a table); x ~ N(0, 1) "x is
// distributed as N of 0 comma 1" where a distribution (an upper-case, script or named one)
// follows (f(n) ~ g(n) stays "tilde").
const UNDER = new Set(['\u23DF', '\uFE38']);
const OVER = new Set(['\u23DE', '\uFE37']);

const SPACING = {'\u02C6': '^', '\u02DC': '~'};

function boldLetter(el) {  // bold by its variant, or a mathematical bold (italic) letter
  el = core(el);
  return Boolean(el) && local(el) === 'mi' && ((/bold/.test(el.getAttribute('mathvariant') || '') && /^[A-Za-z]$/.test(said(el))) ||
    /^[\u{1D400}-\u{1D433}\u{1D468}-\u{1D49B}]$/u.test(said(el)));
}

function braced(el, kind) {  // the base of munder(base, \u23DF) or mover(base, \u23DE), else null
  el = core(el);
  if (!el || local(el) !== kind) return null;
  const [base, mark] = children(el);
  return base && mark && (kind === 'munder' ? UNDER : OVER).has(said(mark)) ? base : null;
}

function parenthesisedIndex(el) {  // "i" for (i), "1" for (1), else ''
  el = core(el);
  const k = el && local(el) === 'mrow' ? children(el) : [];
  return k.length === 3 && said(k[0]) === '(' && said(k[2]) === ')' && ['mi', 'mn'].includes(local(k[1])) &&
    /^(?:[A-Za-z]|\d+)$/.test(said(k[1])) ? said(k[1]) : '';
}

function distribution(el) {
  el = core(el);
  if (el && ['msub', 'msup', 'msubsup'].includes(local(el))) el = core(children(el)[0]);
  if (!el || !['mi', 'mtext'].includes(local(el))) return false;
  const t = said(el);
  // A named one: Beta, Poisson, and PyMC's and NumPyro's CamelCase names (NegativeBinomial, HalfNormal).
  return /^[A-Z]$/.test(t) || /^[A-Z][a-z]{2,}(?:[A-Z][a-z]+)*$/.test(t) || /script|calligraphic/.test(el.getAttribute('mathvariant') || '') ||
    /^[\u{1D49C}-\u{1D4CF}\u212C\u2130\u2131\u210B\u2110\u2112\u2133\u211B]$/u.test(t);
}


// Square brackets right after a letter or a script (E[X], Var_p[f], E[X]^2) are said: ClearSpeak
// says brackets, and SRE's function reading ("E of X") drops them (every writer of the blind
// parts wrote "E open bracket X close bracket").
function operand(el) {
  return Boolean(el) && el.nodeType === 1 && ['mi', 'msub'].includes(local(el)) &&
    !(local(el) === 'mi' && FUNCTION_NAMES.has(said(el).toLowerCase()));
}

function matching(open) {  // the "]" closing `open` among its later siblings (or as a script's base)
  let depth = 0;
  for (let next = nextElement(open); next; next = nextElement(next)) {
    const text = local(next) === 'mo' ? said(next) : local(next) === 'msup' && local(children(next)[0]) === 'mo' ? said(children(next)[0]) : '';
    if (text === '[') depth++;
    if (text === ']') {
      if (depth === 0) return local(next) === 'mo' ? next : children(next)[0];
      depth--;
    }
  }
  return null;
}

function binomial(el) {  // [open, fraction, close] of a bar-less fraction in parentheses, else null
  if (local(el) !== 'mfrac' || !/^0(?:\.0*)?(?:px|pt|em|ex)?$/.test(el.getAttribute('linethickness') || '')) return null;
  const [open, close] = [previousElement(el), nextElement(el)];
  return open && close && said(open) === '(' && said(close) === ')' && children(el).length === 2 ? [open, el, close] : null;
}

function spokenMarks(el) {
  const name = local(el);
  const [base, script] = children(el);
  if (name === 'msup' && base && script && parenthesisedIndex(script)) {
    const argument = nextElement(el);
    const row = replaceByRow(el, [base, `superscript open paren ${parenthesisedIndex(script)} close paren`]);
    if (argument && (said(argument) === '(' || local(argument) === 'mfenced')) {
      row.parentNode.insertBefore(make(row.ownerDocument, row.namespaceURI, 'mo', '\u2061'), argument);
    }
    return true;
  }
  for (const [kind, word] of [['munder', 'underbrace'], ['mover', 'overbrace']]) {
    if (name !== kind || !base) continue;
    const [mark, labelled] = script && local(core(script)) === kind ? children(core(script)) : [];
    if (mark && labelled && (kind === 'munder' ? UNDER : OVER).has(said(mark))) {  // the label over the brace
      replaceByRow(el, [base, word, labelled]);
      return true;
    }
    const inner = braced(base, kind);
    if (inner && script) {
      replaceByRow(el, [inner, word, script]);
      return true;
    }
    if (braced(el, kind)) {
      replaceByRow(el, [base, word]);
      return true;
    }
  }
  if (name === 'mo' && said(el) === '|' && boldLetter(nextElement(el)) &&
      nextElement(nextElement(el)) && said(nextElement(nextElement(el))) === '|') {
    const matrix = nextElement(el);
    el.parentNode.removeChild(nextElement(matrix));
    replaceByRow(el, ['the determinant of']).appendChild(matrix);
    return true;
  }
  if (['mover', 'munder'].includes(name) && script && SPACING[said(script)] && local(script) === 'mo') {
    script.firstChild.data = SPACING[said(script)];
    return true;
  }
  if (name === 'mo' && said(el) === '[' && operand(previousElement(el) || (local(el.parentNode) === 'mrow' &&
      !previousElement(el) && previousElement(el.parentNode)))) {
    const close = matching(el);
    const raised = close && local(close.parentNode) === 'msup' ? exponent(children(close.parentNode)[1]) : '';
    if (close && !raised) {  // a bracketed group inverted or transposed is a matrix's
      // one term from the letter to the bracket (a sign after it is "plus", not "positive")
      const inside = !previousElement(el);
      const first = inside ? previousElement(el.parentNode) : previousElement(el);
      const sibling = close.parentNode === el.parentNode;
      const holder = el.parentNode;
      const closing = make(el.ownerDocument, el.namespaceURI, 'mtext', 'close bracket');
      close.parentNode.replaceChild(closing, close);
      replaceWith(el, 'mtext', 'open bracket');
      const last = inside ? holder : sibling ? closing : closing.parentNode;
      if (first && last && first.parentNode === last.parentNode) {
        const term = make(first.ownerDocument, first.namespaceURI, 'mrow');
        first.parentNode.insertBefore(term, first);
        for (let node = first; node;) {
          const next = node.nextSibling;
          term.appendChild(node);
          if (node === last) break;
          node = next;
        }
      }
      return true;
    }
  }
  if (name === 'mtext') {
    const hyphenated = /[A-Za-z0-9]-[A-Za-z]/.test(said(el));
    if (hyphenated) el.firstChild.data = said(el).replace(/(?<=[A-Za-z0-9])-(?=[A-Za-z])/g, ' ');  // a name, not minus
    // A name in text (\\text{penalizer}, \\text{l1-ratio}) before a sign is a quantity: "penalizer
    // plus 1" (SRE: "penalizer positive 1"); text with spaces around it ("if", "for all") stays text.
    const sign = nextElement(el);
    if (sign && local(sign) === 'mo' && /^[-+\u2212]$/.test(said(sign)) && /^[A-Za-z][\w ]*[A-Za-z0-9]$/.test(el.textContent || '')) {
      replaceWith(el, 'mi', said(el));
      return true;
    }
    if (hyphenated) return true;
  }
  const fenced = binomial(el);
  if (fenced) {
    const [top, bottom] = children(el);
    fenced[0].parentNode.removeChild(fenced[0]);
    fenced[2].parentNode.removeChild(fenced[2]);
    replaceByRow(el, [top, 'choose', bottom]);
    return true;
  }
  if (name === 'mo' && ['\u223C', '~'].includes(said(el)) && distribution(nextElement(el))) {
    replaceWith(el, 'mo', 'is distributed as');
    return true;
  }
  return false;
}

function lowerLetter(el) {
  el = core(el);
  return Boolean(el) && local(el) === 'mi' && /^[a-z]$/.test(said(el));
}

function teacherTerms(mathml, words = []) {
  let doc;
  try {
    doc = new DOMParser({onError: () => {}}).parseFromString(mathml, 'text/xml');
  } catch (e) {
    return mathml;
  }
  if (!doc || !doc.documentElement) return mathml;
  let changed = false;
  const all = elements(doc.documentElement);
  const known = new Set(words);
  for (const el of all) changed = tokens(el) || changed;
  for (const el of all) changed = wordRuns(el, known) || changed;
  // A lower-case letter transposed before a product (x^T A) is a vector: its other T's are too.
  const vectors = new Set(all.filter((el) => local(el) === 'msup' && exponent(children(el)[1] || el) === 'T' &&
    lowerLetter(children(el)[0]) && followedByTerm(el)).map((el) => said(core(children(el)[0]))));
  for (const el of all) {
    if (!el.parentNode) continue;  // taken apart by a change above
    if (spokenMarks(el)) {
      changed = true;
      continue;
    }
    const name = local(el);
    const [base, script] = children(el);
    const power = name === 'msup' ? script : name === 'msubsup' ? children(el)[2] : null;
    if (base && power) {
      const kind = exponent(power);
      const lower = lowerLetter(base);
      const matrix = matrixLike(base) || closesMatrixGroup(el, base);
      const vector = lower && (followedByTerm(el) || vectors.has(said(core(base))));
      if ((kind === 'T' && (matrix || vector)) || (kind === '-1' && matrix && !applied(el))) {
        replaceWith(power, 'mi', kind === 'T' ? TRANSPOSE : INVERSE);
        if (/^[fghFGH]$/.test(said(core(base)))) {
          // SRE takes these letters for functions: H^T would be "the down tack-th power of H". An
          // invisible times after the letter makes it a term.
          const term = replaceByRow(base, []);
          term.appendChild(base);
          term.appendChild(make(el.ownerDocument, el.namespaceURI, 'mo', '\u2062'));
        }
        const next = nextElement(el);
        if (kind === 'T' && next && local(next) === 'mo' && ['[', '('].includes(said(next))) {
          // a product, not a map's power applied (SRE: "the down tack-th power of, A of B")
          el.parentNode.insertBefore(make(el.ownerDocument, el.namespaceURI, 'mo', '\u2062'), next);
        }
        changed = true;
      }
    }
    if (name === 'msup' && base && power && setName(core(base))) {
      replaceWith(core(base), 'mtext', setName(core(base)));
      changed = true;
    }
    if (['msub', 'msubsup'].includes(name) && script) {
      // x_{_{a}}: a subscript made smaller by an empty base's own subscript (a typesetting trick)
      // is the subscript a (SRE: "x sub, sub a").
      const inner = core(script);
      if (inner && local(inner) === 'msub' && children(inner).length === 2 && !said(children(inner)[0])) {
        el.replaceChild(children(inner)[1], script);
        changed = true;
      }
      changed = subscriptWords(children(el)[1], known) || changed;
    }
    if (name === 'mtable') changed = tableSaid(el) || changed;
    if (power && el.parentNode && power.parentNode === el && textLike(power)) {
      const rest = children(el);
      const scripted = name === 'msubsup' ? make(el.ownerDocument, el.namespaceURI, 'msub') : rest[0];
      if (name === 'msubsup') {
        scripted.appendChild(rest[0]);
        scripted.appendChild(rest[1]);
      }
      replaceByRow(el, [scripted, `superscript ${said(power)}`]);
      changed = true;
    }
  }
  return changed ? new XMLSerializer().serializeToString(doc) : mathml;
}

module.exports = {teacherTerms};
