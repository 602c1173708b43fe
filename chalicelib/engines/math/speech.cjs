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
  return tex(source, display);
}

// A binomial coefficient: a fraction without a bar (\binom, \choose). ClearSpeak's default reads
// it as "the 2 by 1 column matrix n, k"; its Matrix_Combinatoric preference says "n choose k", but
// for every 2 by 1 column, so it is chosen only for a formula with a binomial and no table.
const BINOMIAL = /<mfrac\b[^>]*\blinethickness=["']0(?:\.0*)?(?:px|pt|em|ex)?["']/;

function style(mathml, domain) {
  if (domain === 'clearspeak' && BINOMIAL.test(mathml) && !/<mtable\b/.test(mathml)) return 'Matrix_Combinatoric';
  return 'default';
}

// Words SRE takes from a symbol's Unicode name where a teacher says the symbol's own name: ∂
// "partial", ∇ "del" (the operator's name in vector calculus; "nabla" names the glyph).
const SAID = {en: [[/\bpartial differential\b/g, 'partial'], [/\bnabla\b/g, 'del']]};

let rules = null;  // the locale, rule set and preferences SRE is set up with
async function speech(mathml, locale, domain) {
  const prefs = style(mathml, domain);
  if (rules !== `${locale}/${domain}/${prefs}`) {
    // markup "punctuation": the rules' pauses come as commas and stops, which the voice pauses at.
    await sre.setupEngine({locale, domain, modality: 'speech', markup: 'punctuation', style: prefs});
    await sre.engineReady();
    rules = `${locale}/${domain}/${prefs}`;
  }
  let said = sre.toSpeech(mathml);
  for (const [word, name] of (domain === 'clearspeak' && SAID[locale]) || []) said = said.replace(word, name);
  return said;
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
      out.speech = await speech(out.mathml, job.locale || 'en', job.domain || 'clearspeak');
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
