// Formulas spoken (issue 58): PageVoice's worker runs this with Node.js, one child per batch of
// formulas (chalicelib/engines/math/__init__.py). Each line in is a JSON object
// {"id", "mathml" | "tex", "display", "locale", "domain"} (domain: SRE's rule set, clearspeak
// unless the bench asks for another); each line out is {"id", "mathml", "speech"} or
// {"id", "error"}. LaTeX becomes MathML by MathJax's TeX input (mathjax-full), MathML becomes
// words by Speech Rule Engine's ClearSpeak rules; both read only files of their packages (no
// network). A formula that fails says why and the next one is read.
// Its steps, one module each beside it: tex.cjs (LaTeX to MathML), terms.cjs and words.cjs (the
// tree's rewrites, on dom.cjs), symbols.cjs (the string rewrites), then prepared and SRE here.
'use strict';
const readline = require('readline');
const sre = require('speech-rule-engine');
const {texToMathml} = require('./tex.cjs');
const {symbols} = require('./symbols.cjs');
const {teacherTerms} = require('./terms.cjs');
const {elements} = require('./dom.cjs');

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
