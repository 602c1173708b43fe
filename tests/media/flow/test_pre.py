"""Preformatted text is read unless it is code (issue 55 item 3): HTML/EPUB <pre>, Markdown
fences, DOCX/ODT "Preformatted Text" paragraphs, and the code-likeness test they share."""
from __future__ import annotations

import pytest

from chalicelib.media.flow.code import language_class, looks_like_code
from tests.media.flow import shapes
from tests.media.flow.docx_make import STYLES
from tests.media.flow.docx_make import docx as make_docx
from tests.media.flow.docx_make import p as docx_p
from tests.media.flow.odt_make import odt as make_odt
from tests.media.flow.odt_make import p as odt_p
from tests.media.flow.shapes import blocks

# Moby-Dick's sermon hymn as Project Gutenberg's HTML sets it (public domain).
HYMN = """
     &ldquo;The ribs and terrors in the whale,
      Arched over me a dismal gloom,
     While all God&rsquo;s sun-lit waves rolled by,
      And lift me deepening down to doom.

     &ldquo;I saw the opening maw of hell,
      With endless pains and sorrows there;
     Which none but they that feel can tell&mdash;
      Oh, I was plunging to despair.
"""
PYTHON = """def spout(whale):
    if whale.near:
        return "There she blows!"
    return None
"""
JS = """const ship = {name: "Pequod"};
function lower(boat) {
  boat.down = true;
}
"""
SHELL = """$ pip install pagevoice
$ pagevoice read moby-dick.html --out whale.wav
"""


def html(body: str) -> dict:
    page = f"<html><head><title>T</title></head><body><article><h1>Chapter 9</h1>{body}</article></body></html>"
    return shapes.read(page, "text/html", max_words=100_000, max_chars=1_000_000)


def test_verse_in_pre_is_read_with_its_lines_a_stanza_a_paragraph():
    got = blocks(html(f"<p>He began the hymn, and with a pealing joy:</p><pre>{HYMN}</pre><p>He paused.</p>"))
    assert got[2] == ("paragraph", "“The ribs and terrors in the whale, / Arched over me a dismal gloom, / "
                                   "While all God’s sun-lit waves rolled by, / And lift me deepening down to doom.", None)
    assert got[3][0] == "paragraph" and got[3][1].endswith("Oh, I was plunging to despair.")
    assert not any(role == "code" for role, _, _ in got)


@pytest.mark.parametrize("pre", [
    f'<pre><code class="language-python">{PYTHON}</code></pre>',
    f"<pre><code>{HYMN}</code></pre>",  # a <code> element says code, whatever its text
    f'<div class="highlight"><pre>{HYMN}</pre></div>',
    f'<pre class="brush: js">{HYMN}</pre>',
    f"<pre>{PYTHON}</pre>", f"<pre>{JS}</pre>", f"<pre>{SHELL}</pre>",  # no markup: the text says code
    f"<listing>{HYMN}</listing>",
])
def test_code_stays_code(pre):
    got = blocks(html(f"<p>Some text before the block.</p>{pre}"))
    assert [role for role, _, _ in got[2:]] == ["code"]


def test_an_address_and_a_signature_in_pre_are_read():
    got = blocks(html("<pre>\n    Captain Ahab,\n    The Pequod,\n    Nantucket.\n\n                W. H. R.\n</pre>"))
    assert got[1:] == [("paragraph", "Captain Ahab, / The Pequod, / Nantucket.", None), ("paragraph", "W. H. R.", None)]


def test_markdown_fences():
    md = (f"Hymn:\n\n```\n{HYMN.replace('&ldquo;', '“').replace('&rsquo;', '’').replace('&mdash;', '—')}```\n\n"
          f"Code:\n\n```\n{PYTHON}```\n\n```text\nOpening maw of hell\n```\n\n    indented = 'code by the spec'\n")
    got = blocks(shapes.read(md, "text/markdown"))
    roles = [role for role, _, _ in got]
    assert roles == ["paragraph", "paragraph", "paragraph", "paragraph", "code", "code", "code"]
    assert got[1][1].startswith("“The ribs and terrors in the whale, / Arched over me")


def test_docx_preformatted_text_verse_is_read_and_code_stays_code():
    styles = STYLES.replace("</w:styles>", '<w:style w:type="paragraph" w:styleId="PreformattedText">'
                                          '<w:name w:val="Preformatted Text"/></w:style></w:styles>')
    verse = ["The ribs and terrors in the whale,", "Arched over me a dismal gloom,"]
    body = "".join(docx_p(x, "PreformattedText") for x in verse) + docx_p("Prose between.")
    body += "".join(docx_p(x, "PreformattedText") for x in PYTHON.strip().split("\n"))
    got = blocks(shapes.read(make_docx(body, styles=styles), None))
    assert got[:3] == [("paragraph", verse[0], None), ("paragraph", verse[1], None),
                       ("paragraph", "Prose between.", None)]
    assert [role for role, _, _ in got[3:]] == ["code"] * 4


def test_odt_preformatted_text_verse_is_read_and_code_stays_code():
    body = (odt_p("The ribs and terrors in the whale,<text:line-break/>Arched over me a dismal gloom,",
                  "Preformatted_20_Text")
            + odt_p("Prose.") + odt_p("print('hi')", "Preformatted_20_Text"))
    got = blocks(shapes.read(make_odt(body), None))
    assert got == [("paragraph", "The ribs and terrors in the whale, / Arched over me a dismal gloom,", None),
                   ("paragraph", "Prose.", None), ("code", "print('hi')", None)]


@pytest.mark.parametrize("lines", [
    PYTHON.split("\n"), JS.split("\n"), SHELL.split("\n"),
    ["SELECT name, age FROM people WHERE age > 30;"], ["#include <stdio.h>", "int main(void) { return 0; }"],
    [">>> import pagevoice", ">>> pagevoice.read('a.html')"], ["npm install --save pagevoice"],
    ["name: CI", "on: [push]", "jobs:", "  test:", "    runs-on: ubuntu-latest"],
    ["for word in words:", "    print(word)"], ["x = 1", "y = x + 1"],
])
def test_looks_like_code(lines):
    assert looks_like_code(lines)


@pytest.mark.parametrize("lines", [
    ["If I should die, think only this of me:", "That there's some corner of a foreign field",
     "That is for ever England. There shall be", "In that rich earth a richer dust concealed;"],
    ["For the rare and radiant maiden whom the angels name Lenore;", "Nameless here for evermore."],
    ["While I nodded, nearly napping, suddenly there came a tapping,", "As of some one gently rapping (rapping)"],
    ["Mr. Knightley,", "Donwell Abbey,", "Surrey."],
    ["*       *       *       *       *"],
    ["I have taken a", "new house in the country, and", "print my letters there; return", "them if you like."],
    ["{this paragraph not in the volume\u2014ED}"],
])
def test_not_code(lines):
    assert not looks_like_code(lines)


def test_language_classes():
    assert all(language_class(c) for c in ("language-python", "lang-js", "highlight", "sourceCode python",
                                           "brush: ruby", "hljs"))
    assert not any(language_class(c) for c in ("poem", "verse", "letter", "stanza", "pre", None, ""))
