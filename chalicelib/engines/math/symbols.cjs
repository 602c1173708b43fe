// The MathML to be spoken, rewritten as strings before SRE parses it (speech.cjs): ∇× and ∇·,
// a vector's arrow, function letters, degrees, money, quantities with units, Δ.
'use strict';

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
const CURRENCY = {'$': 'dollar', '\u00A3': 'pound', '\u20AC': 'euro'};

// Hexadecimal character references as their characters (&#xA3; "£"): how MathML may write a sign or a unit.
const characters = (text) => text.replace(/&#x([0-9A-Fa-f]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)));
// A number and what it counts, said as one term ("... plus", not "positive").
const amount = (number, words) => `<mrow>${number}<mtext>\u00A0${words}</mtext></mrow>`;

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
  return mathml.replace(QUANTITY, (whole, number, value, symbols) => {
    const words = unitWords(characters(symbols).replace(/\u00A0/g, ' ').trim(), value.trim());
    return words ? amount(number, words) : whole;
  });
}

function money(mathml) {
  return mathml.replace(MONEY, (_, bare, wrapped, value) => {  // £ in TeX: MathJax wraps it in an mrow
    const name = CURRENCY[characters(bare || wrapped)];
    return amount(`<mn>${value}</mn>`, `${name}${value === '1' ? '' : 's'}`);
  });
}

// Δ as a letter is "Delta" (SRE names U+0394 "triangle", Δt "triangle t"; its italic twin "Delta").
const DELTA = /(<mi\b[^>]*>\s*)(?:\u0394|&#x394;|&#916;)(\s*<\/mi>)/gi;

function symbols(mathml) {
  return quantities(money(mathml)).replace(DELTA, '$1\u{1D6E5}$2').replace(CROSS, '$1\u2A2F').replace(DOT, '$1\u2219').replace(ARROW, '<mrow><mtext>vector</mtext>$1</mrow>')
    .replace(FUNCTION_LETTER, '$1<mo>\u2061</mo>').replace(DEGREES, '<mrow>$1<mi>\u00B0</mi></mrow>');
}

module.exports = {symbols};
