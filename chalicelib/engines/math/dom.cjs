// The MathML tree's helpers (an @xmldom/xmldom document or SRE's enriched tree), shared by the
// engine's DOM rewrites (terms.cjs, words.cjs) and its reading of SRE's parse (speech.cjs).
'use strict';

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

function previousElement(el) {
  let prev = el.previousSibling;
  while (prev && prev.nodeType !== 1) prev = prev.previousSibling;
  return prev;
}

module.exports = {children, core, elements, local, make, nextElement, previousElement, replaceByRow, replaceWith, said};
