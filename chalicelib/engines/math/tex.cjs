// LaTeX to MathML, the engine's first step (speech.cjs): what authors write that MathJax reads
// as something else tidied (norms, ellipses, units, bare alignments), then MathJax's TeX input.
'use strict';

let tex = null;  // MathJax's TeX-to-MathML converter, loaded on the first LaTeX formula
function texToMathml(source, display) {
  if (tex === null) {
    const {mathjax} = require('mathjax-full/js/mathjax.js');
    const {TeX} = require('mathjax-full/js/input/tex.js');
    const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
    const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
    const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');
    const {SerializedMmlVisitor} = require('mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js');
    const {STATE} = require('mathjax-full/js/core/MathItem.js');
    const adaptor = liteAdaptor();
    RegisterHTMLHandler(adaptor);
    // No "require" or "autoload": a formula never makes MathJax fetch or load anything.
    const packages = AllPackages.filter((p) => !['require', 'autoload', 'html', 'bbox', 'bussproofs'].includes(p));
    const doc = mathjax.document('', {InputJax: new TeX({packages})});
    const visitor = new SerializedMmlVisitor();
    tex = (s, d) => visitor.visitTree(doc.convert(s, {display: d, end: STATE.CONVERT}));
  }
  return tex(texTidy(source), display);
}

// What authors write that MathJax reads as something else (the LaTeX kept and shown is theirs):
// "||A||" a norm (MathJax: four bars, "the absolute value of, times A"); "..." an ellipsis ("period
// period period"); a function's name without its backslash before a parenthesis ("abs(x)": "a b s
// of x"); alignment marks with no environment around them (a reST or Markdown block's "y &= 1 \\
// z &= 2": a MathJax error) are an aligned block's.
const NAMES = 'abs|sgn|sign|exp|log|ln|sin|cos|tan|sinh|cosh|tanh|max|min|argmax|argmin|det|tr|diag|var|cov|erf|softmax';
function texTidy(source) {
  let t = units(source).replace(/(?<!\\)\|\|/g, '\\|').replace(/(?<!\\)\.\.\./g, '\\ldots ')
    .replace(new RegExp(`(?<![\\\\A-Za-z])(${NAMES})(?=\\s*\\()`, 'g'), '\\operatorname{$1}');
  if (topLevelAlignment(t)) t = `\\begin{aligned}${t}\\end{aligned}`;
  return t;
}

// Quantities written with the units package (\\unit[2]{kg}, \\unitfrac[8]{N}{m}) or siunitx (\\SI{2}{\\kilo\\gram},
// \\qty, \\si, \\num), which MathJax does not know ("backslash unit 2 times k g"): the number, a thin
// space and the unit's symbols upright as text, as they are printed; the voice says the unit's
// words (UNIT_WORDS) after a number.
const SI_PREFIX = {kilo: 'k', milli: 'm', micro: '\u00B5', centi: 'c', mega: 'M', giga: 'G', nano: 'n'};
const SI_UNIT = {gram: 'g', metre: 'm', meter: 'm', second: 's', newton: 'N', joule: 'J', watt: 'W', hertz: 'Hz',
  pascal: 'Pa', kelvin: 'K', ampere: 'A', volt: 'V', mole: 'mol', litre: 'L', liter: 'L', hour: 'h', minute: 'min',
  kilogram: 'kg', percent: '\\%'};
const ARG = '\\{([^{}]*)\\}';
function siSymbols(u) {
  if (!/\\[A-Za-z]/.test(u)) return u.replace(/\s+/g, ' ').trim();
  let out = '';
  for (const [, name] of u.matchAll(/\\([A-Za-z]+)/g)) {
    if (name === 'per') out += '/';
    else if (name in SI_PREFIX) out += SI_PREFIX[name];
    else if (name in SI_UNIT) out += (out && !/[/\s]$/.test(out) && !/[kmcMGn\u00B5]$/.test(out) ? ' ' : '') + SI_UNIT[name];
    else if (name === 'squared') out += '\u00B2';
    else if (name === 'cubed') out += '\u00B3';
    else return null;  // a unit it does not know: left as written
  }
  return out;
}
function units(t) {
  const text = (value, u) => {
    const symbols = siSymbols(u);
    if (symbols === null) return null;
    return `${value === undefined ? '' : `${value}\\,`}\\textrm{${symbols}}`;
  };
  return t.replace(new RegExp(`\\\\unitfrac\\[([^\\]]*)\\]${ARG}${ARG}`, 'g'), (m, v, a, b) => text(v, `${a}/${b}`) ?? m)
    .replace(new RegExp(`\\\\unit(?:\\[([^\\]]*)\\])?${ARG}`, 'g'), (m, v, u) => text(v, u) ?? m)
    .replace(new RegExp(`\\\\(?:SI|qty)${ARG}${ARG}`, 'g'), (m, v, u) => text(v, u) ?? m)
    .replace(new RegExp(`\\\\si${ARG}`, 'g'), (m, u) => text(undefined, u) ?? m)
    .replace(new RegExp(`\\\\num${ARG}`, 'g'), '$1')
    .replace(/\\(?:text(?:rm)?\{\\pounds\}|pounds(?![A-Za-z]))\s*/g, '\u00A3');  // LaTeX's \\pounds, unknown to MathJax
}

// An alignment mark or a line break outside every group and environment (a matrix's own "&" and
// "\\" are inside its \begin ... \end).
function topLevelAlignment(t) {
  let depth = 0;
  for (let k = 0; k < t.length; k++) {
    const c = t[k];
    if (c === '\\') {
      if (depth === 0 && t[k + 1] === '\\') return true;
      const env = /^\\(begin|end)\s*\{[^{}]*\}/.exec(t.slice(k, k + 40));
      if (env) {
        depth = env[1] === 'begin' ? depth + 1 : Math.max(0, depth - 1);
        k += env[0].length - 1;
        continue;
      }
      k++;  // an escaped character (\{, \&) or the first letter of a command
    } else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '&' && depth === 0) return true;
  }
  return false;
}

module.exports = {NAMES, texToMathml};
