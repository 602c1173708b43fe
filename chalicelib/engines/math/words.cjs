// The DOM rewrites' word and table helpers (terms.cjs): letters that spell a word, upright runs,
// joined names, word superscripts and subscripts, and tables said as conditions, lines or a matrix.
'use strict';
const {NAMES} = require('./tex.cjs');
const {children, core, elements, local, make, nextElement, replaceByRow, said} = require('./dom.cjs');

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

module.exports = {FUNCTION_NAMES, subscriptWords, tableSaid, textLike, tokens, wordRuns};
