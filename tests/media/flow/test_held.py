"""No silent loss (issue 55): what a reader keeps is set against what the file holds (flow.held),
and a document read in small part says so (cut reason "unread") instead of "complete".

Real files: OpenOffice.org's Documentation of the Microsoft Compound Document File Format
(tests/data/flow/compdocfileformat.odt, Public Documentation License 1.0, carried by The
Document Foundation's ODF Toolkit test files; tests/data/flow/SOURCES.md), which was read as
its page header alone ("9 Glossary", "25"): a date format's number:text before the body was
taken for office:text. Small files written here pin each construct real office documents use.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from chalicelib.media import flow
from chalicelib.media.flow import held
from chalicelib.media.flow import html as flow_html
from chalicelib.media.flow import odt as flow_odt
from tests.media.flow import docx_make as dm
from tests.media.flow import odt_make as om
from tests.media.flow.test_epub import make as make_epub
from tests.media.flow.test_epub import opf, xhtml

DATA = Path(__file__).resolve().parents[2] / "data" / "flow"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NUMBER = 'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"'
DATE_STYLE = ('<number:date-style style:name="N37"><number:year number:style="long"/><number:text>-</number:text>'
              "<number:month/><number:text>-</number:text><number:day/></number:date-style>")


def read(data: bytes, content_type: str, **caps) -> dict:
    return flow.read(data, content_type=content_type, max_words=caps.get("max_words", 100_000),
                     max_chars=caps.get("max_chars", 1_000_000))


def lines(doc: dict) -> list[str]:
    return [line["text"] for s in doc["sections"] for line in s["lines"]]


def kept_chars(doc: dict) -> int:
    return sum(len(w["text"]) for s in doc["sections"] for line in s["lines"] for w in line["words"])


def make_odt(body: str, automatic: str = "") -> bytes:
    ns = om.NS
    om.NS = f"{ns} {NUMBER}"
    try:
        return om.odt(body, automatic=automatic)
    finally:
        om.NS = ns


# ------------------------------------------------------------------------ ODT: the cause, fixed

def test_the_real_odt_is_read_whole():
    doc = read((DATA / "compdocfileformat.odt").read_bytes(), ODT)
    assert doc["cut"] is None
    said = lines(doc)
    assert len(said) > 500 and kept_chars(doc) > 35_000  # was 12 characters: the page header
    assert "OpenOffice.org's Documentation of the" in said and "1 Introduction" in said
    assert "9 Glossary" in [o["title"] for o in doc["outline"]]
    # its generated table of contents is still not read: each chapter title said once as a heading
    assert sum(t == "1 Introduction" for t in said) == 1


def test_a_date_format_before_the_body_no_longer_hides_it():
    body = om.h("Intro", 1) + om.p("Body one.") + om.p("Body two.")
    doc = read(make_odt(body, automatic=DATE_STYLE), ODT)
    assert lines(doc) == ["Intro", "Body one.", "Body two."] and doc["cut"] is None


EVERYTHING = (
    '<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>'
    '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info>'
    "<dc:creator>A</dc:creator></office:change-info><text:p>Struck out.</text:p></text:deletion>"
    "</text:changed-region></text:tracked-changes>"
    '<text:table-of-content text:name="toc"><text:index-body><text:index-title>' + om.p("Contents")
    + "</text:index-title>" + om.p("1 Alpha<text:tab/>1") + om.p("2 Beta<text:tab/>2") + "</text:index-body>"
    "</text:table-of-content>"
    '<text:section text:name="S1">' + om.h("Alpha", 1)
    + om.p('The first <text:span text:style-name="T1">chapter</text:span> begins<text:soft-page-break/> here, '
           'see <text:a xlink:href="https://example.org">the site</text:a>.<text:bookmark text:name="b1"/>'
           '<text:change text:change-id="c1"/>'
           "<office:annotation><dc:creator>R</dc:creator><text:p>A remark.</text:p></office:annotation>"
           '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>'
           + om.p("A footnote.") + "</text:note-body></text:note>")
    + '<text:soft-page-break/><text:list text:style-name="Numbering_20_123"><text:list-item>' + om.p("One")
    + '<text:list><text:list-item>' + om.p("One inner") + "</text:list-item></text:list></text:list-item>"
    + "<text:list-item>" + om.p("Two") + "</text:list-item></text:list>"
    + '<text:section text:name="S2">' + om.h("Beta", 2)
    + "<table:table><table:table-row><table:table-cell>" + om.p("Cell A") + "</table:table-cell><table:table-cell>"
    + om.p("Cell B") + "</table:table-cell></table:table-row></table:table>"
    + om.p('Anchor.<draw:frame draw:name="F"><draw:text-box>' + om.p("Boxed words.") + "</draw:text-box></draw:frame>")
    + "</text:section></text:section>"
    + '<text:numbered-paragraph text:level="1"><text:number>7.</text:number>' + om.p("Numbered alone")
    + "</text:numbered-paragraph>")


def test_every_construct_of_real_office_documents_is_read():
    doc = read(make_odt(EVERYTHING, automatic=DATE_STYLE), ODT)
    assert doc["cut"] is None
    assert lines(doc) == ["Alpha", "The first chapter begins here, see the site.", "1. One", "a) One inner",
                          "2. Two", "1 A footnote.", "Beta", "Cell A", "Cell B", "Anchor.", "Boxed words.",
                          "7. Numbered alone"]


def test_what_is_left_out_on_purpose_is_not_counted_as_held():
    b = flow.Builder(max_words=1000, max_chars=10_000)
    got = flow_odt.read(make_odt(EVERYTHING, automatic=DATE_STYLE), b, None)["held"]
    said = "".join(lines(read(make_odt(EVERYTHING, automatic=DATE_STYLE), ODT))).replace(" ", "")
    # deletions, the comment and the table of contents are not held; the list style's labels
    # are said but not in the file (a saved text:number, "7.", is)
    assert got["chars"] == len(said) - len("1.a)2.")


# ------------------------------------------------------------------------ the safeguard

def test_an_odt_read_in_small_part_says_so(monkeypatch):
    """A reader that loses its tables (a stand-in for any construct a reader misses): the
    document is no longer called complete, and says how much it holds."""
    monkeypatch.setattr(flow_odt._Odt, "table", lambda self, *a, **k: None)
    rows = "".join(f"<table:table-row><table:table-cell>{om.p(f'Row {i} holds the figures of the year')}"
                   "</table:table-cell></table:table-row>" for i in range(40))
    doc = read(make_odt(om.p("Figures.") + f"<table:table>{rows}</table:table>"), ODT)
    cut = doc["cut"]
    assert cut["reason"] == "unread" and cut["kept"] == 1 and cut["found"] >= 280
    assert cut["chars"]["kept"] == 8 and cut["chars"]["held"] > 1000


def test_a_docx_whose_body_sits_in_a_contents_control_says_so():
    """Word's "Table of Contents" content control is not read (the outline again); a template
    that wraps the whole body in one loses the body, and the result says so."""
    inner = "".join(dm.p(f"Paragraph {i} of the report, with its many words.") for i in range(30))
    body = ('<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
            f"<w:sdtContent>{inner}</w:sdtContent></w:sdt>" + dm.p("The end."))
    doc = read(dm.docx(body), DOCX)
    assert lines(doc) == ["The end."]
    assert doc["cut"]["reason"] == "unread" and doc["cut"]["chars"]["held"] > 1000


def test_docx_hidden_deleted_and_field_code_text_is_not_held():
    hidden = '<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>' + "Hidden words. " * 40 + "</w:t></w:r></w:p>"
    deleted = '<w:p><w:del w:id="1" w:author="A"><w:r><w:delText>' + "Deleted. " * 40 + "</w:delText></w:r></w:del></w:p>"
    field = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>' + " PAGEREF x " * 40
             + '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    doc = read(dm.docx(hidden + deleted + field + dm.p("Shown text of the letter.")), DOCX)
    assert doc["cut"] is None and lines(doc) == ["3", "Shown text of the letter."]


def test_an_epub_read_in_small_part_says_so(monkeypatch):
    chapter = "".join(f"<table><tr><td>Entry {i} of the ship's log, written at sea.</td></tr></table>" for i in range(30))
    book = make_epub({"OEBPS/content.opf": opf('<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>',
                                               '<itemref idref="c1"/>'),
                      "OEBPS/c1.xhtml": xhtml("<p>The log.</p>" + chapter)})
    assert read(book, "application/epub+zip")["cut"] is None
    monkeypatch.setattr(flow_html.Walker, "_table", lambda self, el: None)
    doc = read(book, "application/epub+zip")
    assert lines(doc) == ["The log."] and doc["cut"]["reason"] == "unread"


def test_a_web_page_read_in_small_part_says_so(monkeypatch):
    page = ("<html><body><nav><a href='/'>Home</a></nav><main><h1>Results</h1><p>The season's results.</p>"
            + "".join(f"<ul><li>Match {i}: the home side won by two goals to one.</li></ul>" for i in range(30))
            + "</main></body></html>").encode()
    assert read(page, "text/html")["cut"] is None
    monkeypatch.setattr(flow_html.Walker, "_list", lambda self, el, ordered: None)
    doc = read(page, "text/html")
    assert lines(doc) == ["Results", "The season's results."] and doc["cut"]["reason"] == "unread"


def test_a_page_whose_main_element_holds_only_its_introduction_is_read_whole():
    """<main> misused for an introduction, the article after it: main_content weighs it, and the
    check (set against the main content) has nothing to say."""
    page = ("<html><body><header><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></header>"
            "<main><p>A short introduction to the story.</p></main><div class='story'>"
            + "<p>The article's long paragraph goes on and on, with many words in it.</p>" * 30
            + "</div><footer>(c) Site</footer></body></html>").encode()
    doc = read(page, "text/html")
    assert doc["cut"] is None and len(lines(doc)) >= 30


def test_small_documents_and_documents_cut_at_the_caps_are_not_flagged():
    assert not held.lost(10, {"chars": 150, "words": 30})  # under MIN_HELD: a share says little
    assert held.lost(10, {"chars": 1000, "words": 200}) and not held.lost(600, {"chars": 1000, "words": 200})
    data = make_odt("".join(om.p(f"Paragraph {i} has five words.") for i in range(2000)))
    assert read(data, ODT, max_words=100)["cut"]["reason"] == "words"


def test_the_result_says_why_in_a_sentence(monkeypatch):
    from chalicelib.kinds.page import pipeline

    monkeypatch.setattr(flow_odt._Odt, "table", lambda self, *a, **k: None)
    rows = "".join(f"<table:table-row><table:table-cell>{om.p(f'Row {i} holds the figures of the year')}"
                   "</table:table-cell></table:table-row>" for i in range(40))
    data = make_odt(om.p("Figures.") + f"<table:table>{rows}</table:table>")
    monkeypatch.setattr(pipeline.sandbox, "read_flow", lambda data, **kw: flow.read(
        data, content_type=kw["content_type"], max_words=kw["max_words"], max_chars=kw["max_chars"]))
    result = pipeline.read(data, content_type=ODT)
    info = result["document"]
    assert info["complete"] is False and info["reason"] == "unread"
    assert info["note"].startswith("PageVoice could read only 1% of this document's text (8 of ")


@pytest.mark.parametrize("name", ["compdocfileformat.odt"])
def test_real_files_are_zips_of_their_kind(name):
    with zipfile.ZipFile(io.BytesIO((DATA / name).read_bytes())) as z:
        assert z.read("mimetype") == ODT.encode()


def test_the_old_cause_would_now_be_said(monkeypatch):
    """The body taken to be a date format's number:text (the cause, put back): the header alone
    is read, and the check, counting the whole part as it streams, says so."""
    real = flow_odt.stream

    def wrong_body(data, what, parents, keep=(), held=None):
        return real(data, what, ("{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}text",), keep, held)

    monkeypatch.setattr(flow_odt, "stream", wrong_body)
    doc = read((DATA / "compdocfileformat.odt").read_bytes(), ODT)
    assert lines(doc) == ["9 Glossary", "25"]
    assert doc["cut"]["reason"] == "unread" and doc["cut"]["chars"]["held"] > 35_000
