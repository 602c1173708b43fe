// Formulas spoken (issue 58): PageVoice's worker runs this with Node.js, one child per batch of
// formulas (chalicelib/engines/math/__init__.py). Each line in is a JSON object
// {"id", "mathml" | "tex", "display", "locale", "domain"} (domain: SRE's rule set, clearspeak
// unless the bench asks for another); each line out is {"id", "mathml", "speech"} or
// {"id", "error"}. LaTeX becomes MathML by MathJax's TeX input (mathjax-full), MathML becomes
// words by Speech Rule Engine's ClearSpeak rules; both read only files of their packages (no
// network). A formula that fails says why and the next one is read.
'use strict';
const readline = require('readline');
const sre = require('speech-rule-engine');

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

// A binomial coefficient: a fraction without a bar (\binom, \choose). ClearSpeak's default reads
// it as "the 2 by 1 column matrix n, k"; its Matrix_Combinatoric preference says "n choose k", but
// for every 2 by 1 column, so it is chosen only for a formula with a binomial and no table (other
// languages: English says "choose" wherever the binomial is, spokenMarks).
const BINOMIAL = /<mfrac\b[^>]*\blinethickness=["']0(?:\.0*)?(?:px|pt|em|ex)?["']/;
const combinatoric = (mathml) => BINOMIAL.test(mathml) && !/<mtable\b/.test(mathml);

// Where a function's argument is in parentheses, ClearSpeak says them ("P of, open paren, A comma
// B, close paren"); a teacher says "P of A comma B", "alpha sub A of lambda sub i", "max of 1
// minus w comma 0": the parentheses (or braces) around a list, one simple term or a matrix are silent. Those
// around one compound term stay ("the log of, open paren, 1 plus r, close paren": "the log of 1
// plus r" could be log 1, plus r). They are marked by a fence SRE names "flattened", then unsaid.
const SILENT_OPEN = '\u27EE';
const SILENT_CLOSE = '\u27EF';
const FENCES = {'(': ')', '{': '}'};
const SILENT_OPENED = /,?\s*flattened left parenthesis,?/g;
const SILENT_CLOSED = /,?\s*flattened right parenthesis\b/g;

function attr(el, name) {
  return (el.getAttribute && el.getAttribute('data-semantic-' + name)) || '';
}

function elements(root) {
  const out = [];
  const walk = (el) => {
    if (el.nodeType !== 1) return;
    out.push(el);
    for (let c = el.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(root);
  return out;
}

// One term a listener cannot split: a letter or number, with a subscript or an accent (λ sub i,
// y hat); not a power ("f of x squared" could be f(x), squared).
function simpleTerm(el, byId, depth = 0) {
  if (!el || depth > 3) return false;
  const type = attr(el, 'type');
  if (type === 'identifier' || type === 'number' || /\bclearspeak:simple\b/.test(attr(el, 'annotation'))) return true;
  const kids = attr(el, 'children').split(',').map((id) => byId[id]);
  if (type === 'subscript') {
    const [base, sub] = kids;
    return simpleTerm(base, byId, depth + 1) && (simpleTerm(sub, byId, depth + 1) ||
      (attr(sub, 'type') === 'punctuated' && attr(sub, 'children').split(',').every((id) =>
        simpleTerm(byId[id], byId, depth + 1) || attr(byId[id], 'role') === 'comma')));
  }
  if (type === 'overscore' || type === 'underscore') return simpleTerm(kids[0], byId, depth + 1) && kids.length === 2;
  return false;
}

function silentArgument(inner, byId) {
  if (!inner) return false;
  if (attr(inner, 'type') === 'punctuated') {
    const marks = attr(inner, 'content').split(',').map((id) => byId[id]);
    return marks.every((m) => m && ['comma', 'vbar'].includes(attr(m, 'role')));
  }
  // A matrix is one term too: "the 2 by 2 matrix" says where it begins, its rows what it holds.
  return simpleTerm(inner, byId) || ['matrix', 'vector'].includes(attr(inner, 'type'));
}

// What SRE is given to speak (the MathML shown is not changed) and the preferences for it: the
// enriched tree (SRE's own parse) tells a function's argument; a bar inside one is "given"
// (P of A given B: ClearSpeak's VerticalLine_Given; elsewhere a bar keeps its Auto reading:
// absolute value, such that, divides); a lower-case or bold letter, or F, G, H, that SRE takes for a
// function without parentheses is a product ("f p" in "t p times f p", counts of false positives; "h e a d" in
// italic "head", not "h of e a d"; bold F x, "bold F, bold x").
function prepared(mathml) {
  // X | p ~ Beta(a, b): a bar in a statement of what is distributed how is "given", not "divides".
  if (DISTRIBUTED.test(mathml)) mathml = mathml.replace(BAR_ALL, '<mtext>\u00A0given\u00A0</mtext>');
  const prefs = combinatoric(mathml) ? ['Matrix_Combinatoric'] : [];
  let root;
  try {
    root = sre.toEnriched(mathml);
  } catch (e) {
    return {mathml, prefs};
  }
  const all = elements(root);
  const byId = {};
  for (const el of all) if (attr(el, 'id')) byId[attr(el, 'id')] = el;
  let changed = false;
  let given = false;
  for (const el of all) {
    if (attr(el, 'type') !== 'appl') continue;
    const [fnId, argId] = attr(el, 'children').split(',');
    const fn = byId[fnId];
    const arg = byId[argId];
    if (!fn || !arg) continue;
    if (attr(arg, 'type') === 'fenced') {
      const [openId, closeId] = attr(arg, 'content').split(',');
      const open = byId[openId];
      const close = byId[closeId];
      const inner = byId[attr(arg, 'children')];
      if (!open || !close || FENCES[open.textContent.trim()] !== close.textContent.trim()) continue;
      if (inner && attr(inner, 'type') === 'punctuated' &&
          attr(inner, 'content').split(',').some((id) => byId[id] && attr(byId[id], 'role') === 'vbar')) given = true;
      if (silentArgument(inner, byId)) {
        open.textContent = SILENT_OPEN;
        close.textContent = SILENT_CLOSE;
        changed = true;
      }
    } else if (attr(fn, 'role') === 'simple function' && /^[A-Za-z]$/.test(fn.textContent.trim()) &&
               (/^[a-zFGH]$/.test(fn.textContent.trim()) || /bold/.test(fn.getAttribute('mathvariant') || ''))) {
      const apply = byId[attr(el, 'content').split(',')[0]];
      if (apply && attr(apply, 'role') === 'application' && attr(apply, 'added') === 'true') {
        apply.textContent = '\u2062';
        changed = true;
      }
    }
  }
  if (given) prefs.push('VerticalLine_Given');
  return {mathml: changed ? root.toString() : mathml, prefs};
}

const BAR_ALL = /<mo\b[^>]*>\s*(?:\u2223|&#x2223;|&#8739;)\s*<\/mo>/g;
const DISTRIBUTED = /<mo\b[^>]*>\s*is distributed as\s*<\/mo>/;  // teacherTerms' reading of ~ before a distribution

// Symbols SRE names by their Unicode names where a teacher says the operation: ∇× "del cross",
// ∇· "del dot" (a divergence, not a product: ClearSpeak's MultsymbolX_Cross would say "cross"
// for every ×). Marked before parsing by symbols SRE names alone, then renamed (SAID).
const NABLA = '(>\\s*(?:\u2207|&#x2207;|&#8711;)\\s*</m[io]>\\s*<mo\\b[^>]*>)\\s*';
const CROSS = new RegExp(NABLA + '(?:\u00D7|&#xD7;|&#215;)\\s*(?=</mo>)', 'gi');
const DOT = new RegExp(NABLA + '(?:\u22C5|\u00B7|&#x22C5;|&#xB7;|&#8901;|&#183;)\\s*(?=</mo>)', 'gi');
// A vector's arrow said before it, as it is read ("vector B"), not after ("B right arrow").
const ARROW = /<mover\b[^>]*>\s*(<(m[a-z]+)\b[^>]*>(?:(?!<\/?mover\b)[\s\S])*?<\/\2>|<mi\b[^>]*\/>)\s*<mo\b[^>]*>\s*(?:\u2192|\u20D7|&#x2192;|&#x20D7;|&#8594;|&#8407;)\s*<\/mo>\s*<\/mover>/g;

// Γ, Φ, Ψ, ζ and ψ before a parenthesis are functions (the gamma function, a distribution, a wave
// function): SRE reads Γ((ν+1)/2) as "Gamma times ...". An explicit function application says so.
const FUNCTION_LETTER = /(<mi\b[^>]*>\s*(?:\u0393|\u03A6|\u03A8|\u03B6|\u03C8|&#x393;|&#x3A6;|&#x3A8;|&#x3B6;|&#x3C8;)\s*<\/mi>)\s*(?=<mo\b[^>]*>\s*\(\s*<\/mo>)/gi;

// Degrees as Word writes them, a ring (∘, "composed with") or ° raised after a number: "45.0 degrees".
const DEGREES = /<msup\b[^>]*>\s*(<mn\b[^>]*>[^<]*<\/mn>|<mrow\b[^>]*>\s*<mn\b[^>]*>[^<]*<\/mn>\s*<\/mrow>)\s*(?:<mrow\b[^>]*>\s*)?<mo\b[^>]*>\s*(?:\u2218|\u00B0|&#x2218;|&#xB0;|&#8728;|&#176;)\s*<\/mo>\s*(?:<\/mrow>\s*)?<\/msup>/gi;

// An amount of money as it is said: $17.60 "17.60 dollars" (SRE: "dollar sign 17.60"), £5 "5 pounds".
const SIGN = '<m[io]\\b[^>]*>\\s*(\\$|\\u00A3|\\u20AC|&#x24;|&#xA3;|&#x20AC;)\\s*<\\/m[io]>';
const MONEY = new RegExp(`(?:${SIGN}|<mrow\\b[^>]*>\\s*${SIGN.replace('(\\$', '(?<wrapped>\\$')}\\s*<\\/mrow>)\\s*<mn\\b[^>]*>\\s*([^<]*?)\\s*<\\/mn>`, 'gi');
const CURRENCY = {'$': 'dollar', '&#x24;': 'dollar', '\u00A3': 'pound', '&#xa3;': 'pound', '\u20AC': 'euro', '&#x20ac;': 'euro'};

// A unit's symbols after a number, as units() writes them (and authors with \\text{kg}): said as its
// words, "8 newtons per meter" (SRE: "8 cap N slash m"). Plural after a number other than 1, singular after "per".
const UNIT_WORDS = {g: 'gram', kg: 'kilogram', mg: 'milligram', m: 'meter', km: 'kilometer', cm: 'centimeter',
  mm: 'millimeter', s: 'second', ms: 'millisecond', h: 'hour', min: 'minute', N: 'newton', J: 'joule', kJ: 'kilojoule',
  W: 'watt', kW: 'kilowatt', Hz: 'hertz', kHz: 'kilohertz', MHz: 'megahertz', Pa: 'pascal', kPa: 'kilopascal',
  K: 'kelvin', A: 'ampere', V: 'volt', mol: 'mole', L: 'liter', mL: 'milliliter', '%': 'percent'};
const QUANTITY = /(<mn\b[^>]*>\s*([^<]*?)\s*<\/mn>\s*(?:<mstyle\b[^>]*>\s*<mspace\b[^>]*>\s*(?:<\/mspace>)?\s*<\/mstyle>\s*|<mspace\b[^>]*\/>\s*|<mspace\b[^>]*>\s*<\/mspace>\s*)?)<mtext\b[^>]*>\s*([^<]*?)\s*<\/mtext>/g;

function unitWords(symbols, amount) {
  const parts = symbols.split('/');
  const said = [];
  for (const [k, part] of parts.entries()) {
    const names = part.trim().split(/[\s\u00B7\u22C5]+/);
    const words = [];
    for (const [j, name] of names.entries()) {
      const power = /[\u00B2\u00B3]$/.exec(name);
      const base = power ? name.slice(0, -1) : name;
      if (!(base in UNIT_WORDS)) return null;
      const plural = k === 0 && j === names.length - 1 && amount !== '1' && !['hertz', 'percent'].includes(UNIT_WORDS[base]);
      words.push(UNIT_WORDS[base] + (plural ? 's' : '') + (power ? (power[0] === '\u00B2' ? ' squared' : ' cubed') : ''));
    }
    said.push(words.join(' '));
  }
  return said.join(' per ');
}

function quantities(mathml) {
  return mathml.replace(QUANTITY, (whole, number, amount, symbols) => {
    const text = symbols.replace(/&#x([0-9A-Fa-f]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)));
    const words = unitWords(text.replace(/\u00A0/g, ' ').trim(), amount.trim());
    return words ? `<mrow>${number}<mtext>\u00A0${words}</mtext></mrow>` : whole;  // one term: "... plus", not "positive"
  });
}

function money(mathml) {
  return mathml.replace(MONEY, (_, bare, wrapped, amount) => {  // £ in TeX: MathJax wraps it in an mrow
    const sign = bare || wrapped;
    const name = CURRENCY[sign.toLowerCase()] || CURRENCY[sign];
    return `<mrow><mn>${amount}</mn><mtext>\u00A0${name}${amount === '1' ? '' : 's'}</mtext></mrow>`;
  });
}

// Δ as a letter is "Delta" (SRE names U+0394 "triangle", Δt "triangle t"; its italic twin "Delta").
const DELTA = /(<mi\b[^>]*>\s*)(?:\u0394|&#x394;|&#916;)(\s*<\/mi>)/gi;

function symbols(mathml) {
  return quantities(money(mathml)).replace(DELTA, '$1\u{1D6E5}$2').replace(CROSS, '$1\u2A2F').replace(DOT, '$1\u2219').replace(ARROW, '<mrow><mtext>vector</mtext>$1</mrow>')
    .replace(FUNCTION_LETTER, '$1<mo>\u2061</mo>').replace(DEGREES, '<mrow>$1<mi>\u00B0</mi></mrow>');
}

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

function local(el) {
  return (el.localName || el.nodeName || '').replace(/^.*:/, '');
}

function children(el) {
  const out = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c);
  return out;
}

function core(el) {
  while (el && ['mrow', 'mstyle', 'mpadded'].includes(local(el)) && children(el).length === 1) el = children(el)[0];
  return el;
}

const said = (el) => (el.textContent || '').trim();

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

function make(doc, ns, name, text) {
  const made = doc.createElementNS(ns || null, name);
  if (text !== undefined) made.appendChild(doc.createTextNode(text));
  return made;
}

function replaceWith(el, name, text) {
  el.parentNode.replaceChild(make(el.ownerDocument, el.namespaceURI, name, text), el);
}

// `el` replaced by a row of `parts` (elements, or strings said as words: mtext).
function replaceByRow(el, parts) {
  const row = make(el.ownerDocument, el.namespaceURI, 'mrow');
  for (const part of parts) row.appendChild(typeof part === 'string' ? make(el.ownerDocument, el.namespaceURI, 'mtext', part) : part);
  el.parentNode.replaceChild(row, el);
  return row;
}

function nextElement(el) {
  let next = el.nextSibling;
  while (next && next.nodeType !== 1) next = next.nextSibling;
  return next;
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

function previousElement(el) {
  let prev = el.previousSibling;
  while (prev && prev.nodeType !== 1) prev = prev.previousSibling;
  return prev;
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

// A word written in math italics ("head_1", Word's "otherwise" typed in an equation) comes as one
// letter each, which SRE spells ("h e a, d sub 1"). The words are the English words the worker
// found spelt in the formula's source (chalicelib/engines/math: common in its word list); the
// longest of four letters or more (or a function's name, "mod") that a run of single italic
// letters side by side spells, ending in a script's base where one follows, is said as the word.
// Other runs stay letters: a product of variables.
function letter(el) {
  return el && local(el) === 'mi' && /^[A-Za-z]$/.test(said(el)) && !/bold|normal|double|script|fraktur|sans|monospace/.test(el.getAttribute('mathvariant') || '');
}

function wordRuns(parent, known) {
  let changed = false;
  const kids = children(parent);
  let run = [];
  const flush = (script) => {
    const tail = script ? [core(children(script)[0])] : [];
    const letters = run.concat(tail);
    // the longest word in the run: ending at the script's base when there is one (head_1)
    for (let size = letters.length; size >= 3; size--) {
      for (let start = 0; start + size <= letters.length; start++) {
        if (script && start + size !== letters.length) continue;
        const word = letters.slice(start, start + size).map(said).join('');
        if (!(known.has(word) && word.length >= 4) && !FUNCTION_NAMES.has(word)) continue;  // "mod" as in (mod c)
        const merged = make(parent.ownerDocument, parent.namespaceURI, 'mi', word);
        if (script) {
          tail[0].parentNode.replaceChild(merged, tail[0]);
          for (const el of letters.slice(start, -1)) parent.removeChild(el);
        } else {
          parent.insertBefore(merged, letters[start]);
          for (const el of letters.slice(start, start + size)) parent.removeChild(el);
        }
        run = [];
        return true;
      }
    }
    if (script) return flush(null);
    run = [];
    return false;
  };
  for (const el of kids) {
    if (letter(el)) {
      run.push(el);
      continue;
    }
    const scripted = ['msub', 'msup', 'msubsup'].includes(local(el)) && letter(core(children(el)[0]));
    if (run.length) changed = flush(scripted ? el : null) || changed;
  }
  if (run.length) changed = flush(null) || changed;
  return changed;
}

// Letters an author set upright side by side (\\rm meas, \\mathrm{aic}: MathJax gives one each) are
// a word or an abbreviation, said as one; a bold or italic token of several letters (\\mathbf{Fx},
// OpenDocument's italic "MT") is letters, each said ("bold F bold x": SRE said "bold Fx").
function tokens(parent) {
  let changed = false;
  const kids = children(parent);
  let run = [];
  const flush = () => {
    if (run.length >= 2) {
      parent.insertBefore(make(parent.ownerDocument, parent.namespaceURI, 'mi', run.map(said).join('')), run[0]);
      for (const el of run) parent.removeChild(el);
      changed = true;
    }
    run = [];
  };
  for (const el of kids) {
    const variant = el.getAttribute && (el.getAttribute('mathvariant') || '');
    if (['mi', 'mtext'].includes(local(el)) && /^(?:monospace|sans-serif|bold-sans-serif|script|normal)$/.test(variant) &&
        /^[A-Za-z]{2,}$/.test(said(el))) {
      el.removeAttribute('mathvariant');  // a word in a typeface is the word ("sans serif step")
      changed = true;
    }
    if (['mo', 'mi'].includes(local(el)) && said(el) === '...') {
      el.firstChild.data = '\u2026';  // an ellipsis
      changed = true;
    }
    if (local(el) === 'mi' && /^(?:O|\u{1D4AA})$/u.test(said(el)) && nextElement(el) && said(nextElement(el)) === '(') {
      parent.insertBefore(make(el.ownerDocument, el.namespaceURI, 'mo', '\u2061'), nextElement(el));  // big O of
      changed = true;
    }
    if (local(el) === 'mi' && variant === 'normal' && /^[A-Za-z]$/.test(said(el))) {
      run.push(el);
      continue;
    }
    flush();
    if (local(el) === 'mi' && /^(?:bold|italic|bold-italic)$/.test(variant) && /^[A-Za-z]{2,4}$/.test(said(el)) &&
        !FUNCTION_NAMES.has(said(el).toLowerCase())) {
      for (const ch of said(el)) {
        const one = make(el.ownerDocument, el.namespaceURI, 'mi', ch);
        one.setAttribute('mathvariant', variant);
        parent.insertBefore(one, el);
      }
      parent.removeChild(el);
      changed = true;
    }
  }
  flush();
  return joinedNames(parent) || changed;
}

// Names joined by an escaped underscore (\\texttt{max}\\_\\texttt{resource}: a program's identifier)
// are one name, "max underscore resource" (SRE: "max of underscore resource").
function joinedNames(parent) {
  const name = (el) => Boolean(el) && ['mi', 'mtext'].includes(local(core(el))) && /^[A-Za-z][A-Za-z0-9]*$/.test(said(core(el)));
  const scripted = (el) => Boolean(el) && ['msup', 'msub', 'msubsup'].includes(local(el)) && name(children(el)[0]);
  const kids = children(parent);
  let changed = false;
  for (let k = 0; k < kids.length; k++) {
    if (!name(kids[k])) continue;
    let end = k;
    while (end + 2 < kids.length && said(kids[end + 1]) === '_' && (name(kids[end + 2]) || scripted(kids[end + 2]))) {
      end += 2;
      if (scripted(kids[end])) break;  // the last name carries the script
    }
    if (end === k) continue;
    const parts = [];
    for (let n = k; n <= end; n += 2) parts.push(said(core(scripted(kids[n]) ? children(kids[n])[0] : kids[n])));
    const joined = parts.join(' underscore ');
    const carried = scripted(kids[end]);
    if (carried) {
      core(children(kids[end])[0]).firstChild.data = joined;
      core(children(kids[end])[0]).removeAttribute('mathvariant');
    }
    else parent.insertBefore(make(parent.ownerDocument, parent.namespaceURI, 'mi', joined), kids[k]);
    for (let n = k; n <= end; n++) if (!(n === end && carried)) parent.removeChild(kids[n]);
    changed = true;
    k = end;
  }
  return changed;
}

const FUNCTION_NAMES = new Set(NAMES.split('|').concat(['lim', 'sup', 'inf', 'arg', 'mod', 'gcd', 'lcm']));

// A superscript that is a word (y^{\\rm meas}, x^{\\text{model}}) is a label, not a power: "y
// superscript meas" (SRE: "raised to the meas power").
function textLike(el) {
  el = core(el);
  if (!el) return false;
  if (local(el) === 'mtext') return /[A-Za-z]{2}/.test(said(el));
  return local(el) === 'mi' && /^[A-Za-z]{2,}$/.test(said(el)) && !FUNCTION_NAMES.has(said(el).toLowerCase());
}

// A table with nothing around it: SRE reads it as lines. Stacked under a sum or a union its rows
// are conditions, said one after another ("the sum over 0 is less than i, comma, 0 is less than
// j"); with two columns or more and no relation or words in its cells it is a matrix written
// without brackets (LaTeX's matrix, Word's matrix object): said "the 2 by 2 matrix" (brackets
// for speech only; what is shown is as written).
const RELATIONS = /^(?:=|<|>|\u2264|\u2265|\u2260|\u2248|\u2261|\u2208|\u2209|\u2192|\u21D2|\u21D4|\u2A7D|\u2A7E|:=|\u2282|\u2286|\u223C)$/;
const TOKEN_NAMES = new Set(['mi', 'mn', 'mo', 'mtext', 'ms']);
const LARGE = /^[\u2211\u220F\u2210\u22C3\u22C2\u222B\u2A01\u2A02]$/;

function tableSaid(table) {
  let holder = table.parentNode;
  while (holder && local(holder) === 'mrow' && children(holder).length === 1) holder = holder.parentNode;
  if (!holder || holder.nodeType !== 1) return false;
  const first = children(holder)[0];
  const under = ['munder', 'munderover', 'msub', 'msubsup'].includes(local(holder)) && first && LARGE.test(said(core(first)));
  const rows = children(table).filter((r) => local(r) === 'mtr');
  if (under && rows.length > 1) {
    const joined = [];
    rows.forEach((row, k) => {
      if (k) joined.push(make(table.ownerDocument, table.namespaceURI, 'mo', ','));
      for (const cell of children(row)) for (const c of children(cell)) joined.push(c);
    });
    replaceByRow(table, joined);
    return true;
  }
  const around = local(holder) === 'mrow' ? children(holder) : [];
  if (around.length > 2 && said(around[0]) === '{' && said(around[around.length - 1]) === ')' && local(around[0]) === 'mo') {
    holder.removeChild(around[around.length - 1]);  // Word's cases with its default closing: "2 cases"
    return true;
  }
  const fenced = ['mfenced', 'menclose'].includes(local(holder)) ||
    (local(holder) === 'mrow' && children(holder).some((c) => local(c) === 'mo' && /^[([{|\u2016\u27E8\u2329\u3008]$/.test(said(c))));
  const widths = rows.map((r) => children(r).filter((c) => local(c) === 'mtd').length);
  const cells = rows.flatMap((r) => children(r));
  const plain = cells.every((cell) => elements(cell).every((e) => !(local(e) === 'mo' && RELATIONS.test(said(e))) && local(e) !== 'mtext'));
  if (!fenced && rows.length === 1 && children(table).length === 1) {
    // One row laying one formula out (LaTeX's align* of one line, as MathJax writes it: "x" |
    // "{}= a + b"), or one cell alone: its cells' content, not "1 lines, Line 1: ...". A row of
    // values (a row vector) stays. formula.py's _tidy does the same for MathML a page wrote.
    const filled = children(rows[0]).filter((c) => local(c) === 'mtd' && said(c));
    const opensWithRelation = (cell) => {
      const token = elements(cell).find((e) => e !== cell && TOKEN_NAMES.has(local(e)) && said(e));
      return Boolean(token) && local(token) === 'mo' && RELATIONS.test(said(token));
    };
    if (filled.length === 1 || (filled.length > 1 && filled.slice(1).some(opensWithRelation))) {
      replaceByRow(table, filled.flatMap((cell) => children(cell)));
      return true;
    }
  }
  if (!fenced && !plain) {
    // Lines of equations (an align's cells, "& 0! = 1"): an empty cell is layout, not a "blank" to say.
    let removed = false;
    for (const r of rows) {
      for (const c of children(r)) {
        if (local(c) === 'mtd' && !said(c) && children(r).length > 1) {
          r.removeChild(c);
          removed = true;
        }
      }
    }
    if (removed) return true;
  }
  if (fenced || rows.length < 1 || widths[0] < 2 || widths.some((w) => w !== widths[0]) || !plain) return false;
  const row = make(table.ownerDocument, table.namespaceURI, 'mrow');
  table.parentNode.replaceChild(row, table);
  row.appendChild(make(table.ownerDocument, table.namespaceURI, 'mo', '('));
  row.appendChild(table);
  row.appendChild(make(table.ownerDocument, table.namespaceURI, 'mo', ')'));
  return true;
}

function lowerLetter(el) {
  el = core(el);
  return Boolean(el) && local(el) === 'mi' && /^[a-z]$/.test(said(el));
}

// A subscript's letters side by side, three or more with a, e, o or u among them or a word (fix),
// are a word or its abbreviation (n_{samples}, y_{pred}, A_{i,coloc}, P_{fix}): said as one;
// "ijk", "xyz" stay indices.
function subscriptWords(script, known) {
  const sub = core(script);
  const kids = sub && local(sub) === 'mrow' ? children(sub) : [];
  let changed = false;
  let run = [];
  const flush = () => {
    const word = run.map(said).join('');
    if (run.length >= 3 && (/[aeou]/i.test(word) || known.has(word))) {
      sub.insertBefore(make(sub.ownerDocument, sub.namespaceURI, 'mi', word), run[0]);
      for (const el of run) sub.removeChild(el);
      changed = true;
    }
    run = [];
  };
  for (const el of kids) {
    if (letter(el)) run.push(el);
    else flush();
  }
  flush();
  return changed;
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

// Words SRE takes from a symbol's Unicode name where a teacher says the symbol's own name: ∂
// "partial", ∇ "del" (the operator's name in vector calculus; "nabla" names the glyph), λ
// "lambda" (Unicode's "lamda"), ℓ "ell", := "is defined as" (ClearSpeak's own words for it), and
// the marks above: ⨯ after ∇ "cross", ∙ after ∇ "dot", silent parentheses unsaid.
const SAID = {en: [[/\bpartial differential\b/g, 'partial'], [/\bnabla\b/g, 'del'], [/\blamda\b/g, 'lambda'],
  [/\bLamda\b/g, 'Lambda'], [/,?\s*\bcolon equals\b,?/g, ' is defined as'], [/\bvector or cross product\b/g, 'cross'],
  [/\bdel bullet\b/g, 'del dot'], [SILENT_OPENED, ' '], [SILENT_CLOSED, ''], [/\bscript l\b/g, 'ell'],
  [/\bn ary circled plus\b/g, 'direct sum'], [/\bn ary circled times\b/g, 'tensor product'], [/\bn ary /g, ''],
  // Every ellipsis is "dot dot dot" (SRE: "vertical ellipsis", "down right diagonal ellipsis");
  // ⅈ, ⅆ, ⅇ are i, d, e; a double-struck capital applied to an argument is the letter (E of X).
  [/\b(?:vertical|down right diagonal|up right diagonal|midline horizontal) ellipsis\b/g, 'dot dot dot'],
  [/\bdouble struck italic ([a-z])\b/g, '$1'], [/\b(left|right) pointing angle bracket\b/g, '$1 angle bracket'], [/\bdouble struck ([A-Z]),? (?=of\b)/g, '$1 '],
  [/\bthe metric of\b/g, 'the norm of'], [/,?\s*\bbold hat\b/g, ' hat'],  // ‖x‖; a bold letter's hat (î)
  // A transpose (⊤, ⊺, a sans-serif T as the exponent), not a power.
  [/,?\s*(?:raised )?to the (?:down tack|intercalate|sans serif T),? power/g, ' transpose'],
  // w^* "w star", A^\dagger "A dagger" (SRE: "raised to the asterisk power").
  [/,?\s*(?:raised )?to the (?:asterisk|asterisk operator|star operator|star),? power/g, ' star'],
  [/,?\s*(?:raised )?to the (double dagger|dagger),? power/g, ' $1'],
  [/\bthe (?:asterisk|asterisk operator|star operator) power of, (\S+) of\b/g, '$1 star of'],  // F^*(x): a map's
  [/\bthe (double dagger|dagger) power of, (\S+) of\b/g, '$2 $1 of'],
  // SRE's words where its parse slips: "n factorial positive" (n! + 1), ℏ "italic h over two pi".
  [/\bfactorial,? positive\b/g, 'factorial plus'], [/\bitalic h over two pi\b/g, 'h bar'],
  [/\b(?:overline|horizontal bar)\b/g, 'bar'],  // a bar over letters, A B C bar
  [/,?\s*(?:raised )?to the (plus|minus) power/g, ' superscript $1'],  // C^+ is a label, not a power
  [/,?\s*\b(?:script|fraktur|double struck|sans serif|monospace) (hat|bar|tilde|dot|check)\b/g, ' $1'],  // its accent
  [/\bratio,? equals\b/g, 'is defined as'],  // Word's x ∶= y
  // A dot above is a time derivative ("x dot", "x double dot"); OpenDocument's slanted <= and >=
  // are the relations; 12°28′ is 12 degrees 28 minutes; "..." written out is an ellipsis.
  // ≈ and ↦ as a teacher says them (every blind part's writer: "is approximately equal to", "maps to").
  [/\balmost equals\b/g, 'is approximately equal to'], [/\bright arrow from bar\b/g, 'maps to'],
  [/\bis defined to be\b/g, 'is defined as'],  // =^{def}, as := is
  [/\bdot above\b/g, 'dot'], [/\btwo dots\b/g, 'double dot'], [/\bpercent sign\b/g, 'percent'],
  [/\b(less|greater) than or slanted equals?(?: to)?\b/g, 'is $1 than or equal to'],
  [/\b(degrees?),? (\d+(?:\.\d+)?) prime\b/g, '$1 $2 minutes'], [/\bperiod period period\b/g, 'dot dot dot'],
  [/,?\s*(?:raised )?to the (?:exponent, )?interior product,? (?:power|end exponent)/g, ' inverse'],
  [/\bthe interior product power of, ([^,]+?),? of\b/g, '$1 inverse of'],  // L^{-1}{F}: SRE's function reading
  [/,?\s*(?:raised )?to the exponent, (?:down tack|intercalate|sans serif T), end exponent/g, ' transpose'],
  // "lim over x right arrow 0, of" is the limit's picture; "the limit as x approaches 0 of" its words.
  [/\blim over ((?:(?!, of\b).)+?),? right arrow ((?:(?!, of\b).)+?),? of\b/g, 'the limit as $1 approaches $2 of'],
  [/\blim of\b/g, 'the limit of'],
  // A named function before its argument is said with "of", as "f of x" is: "sine of pi t", "log of
  // x", "log squared of x" (SRE: "sine pi t", "log x"; with parentheses it says "of" already).
  [/\b(sine|cosine|tangent|cotangent|secant|cosecant|log|natural log|exp|determinant|Var|Cov|var|cov)( squared| cubed)? (?!of\b|base\b|sub\b|,|$)/g,
    '$1$2 of ']]};

let rules = null;  // the locale, rule set and preferences SRE is set up with
async function setup(locale, domain, prefs) {
  const key = `${locale}/${domain}/${prefs}`;
  if (rules !== key) {
    // markup "punctuation": the rules' pauses come as commas and stops, which the voice pauses at.
    await sre.setupEngine({locale, domain, modality: 'speech', markup: 'punctuation', style: prefs});
    await sre.engineReady();
    rules = key;
  }
}

async function speech(mathml, locale, domain, words) {
  let spoken = {mathml, prefs: domain === 'clearspeak' && combinatoric(mathml) ? ['Matrix_Combinatoric'] : []};
  if (locale === 'en' && domain === 'clearspeak') {
    if (rules === null) await setup(locale, domain, 'default');  // the enriched tree needs the engine
    // An upright letter (\\mathrm{e}, \\mathrm{d}) is the letter: SRE says "normal e". Spoken only: the
    // MathML shown keeps it upright.
    const upright = teacherTerms(mathml, words).replace(/(<mi\b[^>]*?) mathvariant="normal"([^>]*>\s*[A-Za-z\u0391-\u03A9\u03B1-\u03C9]\s*<\/mi>)/g, '$1$2');
    spoken = prepared(symbols(upright));
    // ln said "natural log" (ClearSpeak's Log_LnAsNaturalLog; "l n" is two short letters to hear).
    spoken.prefs.push('Log_LnAsNaturalLog');
  }
  await setup(locale, domain, spoken.prefs.join(':') || 'default');
  let said = sre.toSpeech(spoken.mathml);
  for (const [word, name] of (domain === 'clearspeak' && SAID[locale]) || []) said = said.replace(word, name);
  // a is congruent to b (mod c): SRE names the sign ("is identical to") wherever it is.
  if (locale === 'en' && /\bmod\b/.test(said)) said = said.replace(/\bis identical to\b/g, 'is congruent to');
  return said.replace(/\s+/g, ' ').replace(/\s+,/g, ',').trim();
}

async function main() {
  const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
  for await (const line of lines) {
    if (!line.trim()) continue;
    let job;
    try {
      job = JSON.parse(line);
    } catch (e) {
      continue;
    }
    const out = {id: job.id};
    try {
      out.mathml = job.tex !== undefined ? texToMathml(job.tex, Boolean(job.display)) : job.mathml;
      // MathJax marks an infinity or a dollar sign "normal" (upright), which SRE says aloud
      // ("normal infinity"): upright is how they are shown anyway.
      out.mathml = out.mathml.replace(/ mathvariant="normal"(?=>(?:[^<&A-Za-z]|&#x?[0-9A-Fa-f]+;)*<)/g, '');
      out.speech = await speech(out.mathml, job.locale || 'en', job.domain || 'clearspeak', job.words || []);
    } catch (e) {
      out.error = String((e && e.message) || e).slice(0, 300);
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(String(e) + '\n');
  process.exit(1);
});
