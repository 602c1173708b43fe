"""EPUB 3 with Media Overlays (issue 41 item 1; chalicelib/books/epub.py).

The slow tests make books of real jobs, read by the real page pipeline (chalicelib.kinds.page,
what the worker runs: OCR or the text layer, structure, the voice, speech.mp3): a photo, a
3-page scanned PDF, a 3-page PDF with chapters (printed by Chromium, page numbers in its
footers), a Markdown document (no pages). Each book must pass EPUBCheck with no error and no
warning and Ace by DAISY with no serious or critical violation, and its Media Overlays must
read back as the recording's sentences, in order, inside the MP3.

The fast tests build from a hand-made result (tests/books/unusual.py) without the pipeline.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

import pytest

from chalicelib import books
from chalicelib.books import FORMATS, builder, epub
from chalicelib.errors import PageVoiceError
from tests import chromium
from tests.books import epubtools, unusual

X = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SMIL = "{http://www.w3.org/ns/SMIL}"

CSS = "<style>body{font:18px serif;margin:0 40px} h1{font-size:32px} td,th{border:1px solid #000;padding:4px 10px}</style>"
CHAPTERS = [
    "<h1>1. The library</h1><p>The survey was sent to every household in the district in the spring. "
    "Most of them answered within a few weeks.</p><p>People asked for longer opening hours.</p>",
    "<h1>2. The plan</h1><p>The council approved the plan in the autumn.</p>"
    "<table><tr><th>Room</th><th>Seats</th></tr><tr><td>Reading room</td><td>40</td></tr></table>",
    "<h1>3. The building</h1><p>The building has two floors. The entrance faces the park.</p>",
]
FOOTER = "<div style='font-size:14px;width:100%;text-align:center'><span class='pageNumber'></span></div>"


def in_a_thread_of_its_own(run):
    """run() in a thread of its own, as tests/media/documents.py chromium_pdfs prints: Playwright's
    sync API refuses a thread whose event loop is already running, as the main thread's is once
    a site test's session browser has started in the same pytest worker."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def printed_with_page_numbers() -> bytes:
    """The chapters printed to PDF by the real Chromium, one a page, a page number in each footer."""
    return in_a_thread_of_its_own(_printed_with_page_numbers)


def _printed_with_page_numbers() -> bytes:
    from playwright.sync_api import sync_playwright

    html = (f"<html><head>{CSS}</head><body>"
            + "".join(f"<section style='page-break-after:always'>{c}</section>" for c in CHAPTERS) + "</body></html>")
    with sync_playwright() as pw:
        browser = chromium.launch(pw.chromium, package=chromium.FULL)
        try:
            page = browser.new_page()
            page.set_content(html)
            # No outline=True: the page kind's outline reader fails on pypdfium2 5's bookmarks
            # (reported); chapters come from the headings.
            return page.pdf(format="Letter", display_header_footer=True, header_template="<span></span>",
                            footer_template=FOOTER, margin={"top": "60px", "bottom": "80px"})
        finally:
            browser.close()


def scanned(pdf: bytes, dpi: int = 120) -> bytes:
    """The printed pages as a scanner gives them: pictures only."""
    import pypdfium2 as pdfium

    from tests.media import documents as docs

    images = [page.render(scale=dpi / 72).to_pil() for page in pdfium.PdfDocument(pdf)]
    return docs.scanned_pdf(images, dpi=dpi)


def read_aloud(data: bytes, **kw) -> tuple[dict, bytes, float]:
    """The real page pipeline on `data`: (result, speech.mp3, seconds it took)."""
    from chalicelib.kinds.page import pipeline

    t0 = time.perf_counter()
    done = pipeline.run(data, **kw)
    mp3 = done.files["speech.mp3"][0]
    mp3 = mp3 if isinstance(mp3, bytes) else mp3.read()
    return done.result, mp3, time.perf_counter() - t0


class Book:
    def __init__(self, name: str, result: dict, mp3: bytes, tmp, seconds: float):
        self.name, self.result, self.mp3 = name, result, mp3
        t0 = time.perf_counter()
        self.data = builder(FORMATS["epub"])(result, mp3, title=f"The {name}")
        self.build_seconds = time.perf_counter() - t0
        self.path = tmp / f"{name}.epub"
        self.path.write_bytes(self.data)
        self.tmp, self.pipeline_seconds = tmp, seconds
        print(f"{name}: pipeline {seconds:.1f} s, EPUB {len(self.data)} bytes in {self.build_seconds:.3f} s")

    def check(self) -> None:
        check_book(self.path, self.tmp / f"ace-{self.name}")

    def part(self, name: str) -> str:
        return zipfile.ZipFile(io.BytesIO(self.data)).read(name).decode()


def check_book(path, outdir) -> None:
    """EPUBCheck: no error, no warning; Ace: no serious or critical violation (run side by side)."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        checked = pool.submit(epubtools.epubcheck, path)
        ace = epubtools.ace(path, outdir)
        report = checked.result()
    assert report["checker"]["nFatal"] == report["checker"]["nError"] == report["checker"]["nWarning"] == 0, \
        epubtools.problems(report)
    assert epubtools.violations(ace) == []
    assert {"schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
            "schema:accessibilitySummary", "schema:accessModeSufficient"} <= set(ace["a11y-metadata"]["present"])
    lesser = epubtools.violations(ace, ("minor", "moderate"))
    print(f"{path.name}: EPUBCheck and Ace {time.perf_counter() - t0:.1f} s; Ace's minor or moderate: {lesser}")


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("books")


@pytest.fixture(scope="module")
def printed():
    return printed_with_page_numbers()


@pytest.fixture(scope="module")
def photo_book(tmp):
    from tests import images

    photo = images.encode(images.text_image(["MAIN STREET CAFE", "Open daily from nine.", "Fresh bread."], size=52).image,
                          "JPEG", quality=90)
    result, mp3, seconds = read_aloud(photo)
    return Book("photo", result, mp3, tmp, seconds)


@pytest.fixture(scope="module")
def scan_book(tmp, printed):
    result, mp3, seconds = read_aloud(scanned(printed))
    return Book("scan", result, mp3, tmp, seconds)


@pytest.fixture(scope="module")
def chapters_book(tmp, printed):
    result, mp3, seconds = read_aloud(printed)
    return Book("chapters", result, mp3, tmp, seconds)


MARKDOWN = """# Opening hours

The library opens at nine. It closes at six.

## Services

- Books for children.
- Large print for older readers.

| Room | Seats |
|------|-------|
| Reading room | 40 |

## Ask us

Write to the front desk.
"""


@pytest.fixture(scope="module")
def flow_book(tmp):
    result, mp3, seconds = read_aloud(MARKDOWN.encode(), content_type="text/markdown")
    return Book("markdown", result, mp3, tmp, seconds)


# ---------------------------------------------------------------- real jobs, real checkers


@pytest.mark.slow
def test_a_photo_makes_a_valid_accessible_book(photo_book):
    assert "pages" not in photo_book.result
    photo_book.check()
    assert "page-list" not in photo_book.part("EPUB/nav.xhtml")  # a photo has no printed pages


@pytest.mark.slow
def test_a_scanned_pdf_makes_a_valid_accessible_book_with_its_printed_pages(scan_book):
    result = scan_book.result
    assert [p["source"] for p in result["pages"]] == ["ocr"] * 3
    scan_book.check()
    nav = ElementTree.fromstring(scan_book.part("EPUB/nav.xhtml"))
    page_list = next(n for n in nav.iter(f"{X}nav") if n.get(EPUB_TYPE) == "page-list")
    assert [a.text for a in page_list.iter(f"{X}a")] == ["1", "2", "3"]  # the footers' numbers, not spoken
    assert result["skipped"] == {"page-number": 3}


@pytest.mark.slow
def test_a_pdf_with_chapters_makes_a_valid_accessible_book_with_its_contents(chapters_book):
    chapters_book.check()
    nav = ElementTree.fromstring(chapters_book.part("EPUB/nav.xhtml"))
    toc = next(n for n in nav.iter(f"{X}nav") if n.get(EPUB_TYPE) == "toc")
    entries = [(a.text, a.get("href")) for a in toc.iter(f"{X}a")]
    assert entries == [(c["title"], f"text/page-{c['page'] + 1:03d}.xhtml#b{c['block']}")
                       for c in chapters_book.result["chapters"]]
    assert [t for t, _ in entries] == ["1. The library", "2. The plan", "3. The building"]
    page = ElementTree.fromstring(chapters_book.part("EPUB/text/page-001.xhtml"))
    assert page.find(f".//{X}h1").get("id") == "b0"


@pytest.mark.slow
def test_a_document_without_pages_makes_a_valid_book(flow_book):
    assert flow_book.result["flow"] is True
    flow_book.check()
    assert "page-list" not in flow_book.part("EPUB/nav.xhtml") and "doc-pagebreak" not in flow_book.part("EPUB/text/page-001.xhtml")
    services = ElementTree.fromstring(flow_book.part("EPUB/text/page-002.xhtml"))
    assert [li.get("id") for li in services.iter(f"{X}li")] == ["b1", "b2"]
    assert [th.text or "".join(th.itertext()) for th in services.iter(f"{X}th")] == ["Room", "Seats"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["photo_book", "scan_book", "chapters_book", "flow_book"])
def test_the_overlays_play_every_sentence_in_order_inside_the_recording(name, request):
    book = request.getfixturevalue(name)
    check_overlays(book.data, book.result, book.mp3)


def check_overlays(data: bytes, result: dict, mp3: bytes) -> None:
    """Read back: every sentence of result.speech.sentences has its clips, in speaking order,
    covering its span; the clips tile the recording without overlap and end inside the MP3;
    media:duration is their sum; every clip's word element exists."""
    sentences = result["speech"]["sentences"]
    clips = epubtools.overlays(data)
    assert [k for k in dict.fromkeys(c["sentence"] for c in clips)] == list(range(len(sentences)))
    for k, s in enumerate(sentences):
        mine = [c for c in clips if c["sentence"] == k]
        assert mine[0]["begin"] <= s["start"] + 0.0005 and mine[-1]["end"] >= s["end"] - 0.0005, (k, s, mine)
    assert all(c["end"] > c["begin"] for c in clips)
    assert all(b["begin"] >= a["end"] - 0.0005 for a, b in zip(clips, clips[1:]))  # in order, no overlap
    assert {c["audio"] for c in clips} == {"../audio/speech.mp3"}
    assert clips[-1]["end"] <= epubtools.mp3_seconds(mp3)
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.read("EPUB/audio/speech.mp3") == mp3
    total = re.search(r'<meta property="media:duration">([^<]+)<', z.read("EPUB/package.opf").decode()).group(1)
    assert epubtools.seconds(total) == pytest.approx(sum(c["end"] - c["begin"] for c in clips), abs=0.002)
    for page in {c["page"] for c in clips}:
        ids = set(re.findall(r' id="([^"]+)"', z.read("EPUB/text/" + page.split("/")[-1]).decode()))
        assert {c["text"] for c in clips if c["page"] == page} <= ids


# ---------------------------------------------------------------- a hand-made result, no pipeline


@pytest.fixture(scope="module")
def odd():
    result = unusual.result()
    mp3 = unusual.silent_mp3(result["speech"]["seconds"])
    return result, mp3, epub.build(result, mp3, title="Rivers")


def parts(data: bytes) -> dict[str, str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n).decode() for n in z.namelist() if not n.endswith(".mp3")}


def test_an_unusual_result_is_marked_up_as_its_structure(odd):
    result, mp3, data = odd
    files = parts(data)
    page = ElementTree.fromstring(files["EPUB/text/page-001.xhtml"])  # well-formed XML
    body = page.find(f"{X}body")
    first = body[0]
    assert (first.get("role"), first.get(EPUB_TYPE), first.get("aria-label")) == ("doc-pagebreak", "pagebreak", "iv")
    assert body[1].get("class") == "page-header" and "Annual report 2024" in "".join(body[1].itertext())
    assert "".join(body.find(f"{X}h1").itertext()) == "Rivers of the north"
    paragraph = body.find(f".//{X}p[@id='b2']")
    assert "".join(paragraph.itertext()) == "The river is long and cold. It runs to the sea in the north-ern hills."
    assert [s.get("id") for s in paragraph.findall(f"{X}span")] == ["s1", "s2"]  # a sentence each; the empty line left out
    # The table and the figure, each with its caption, in reading order.
    table_figure, figure = body.findall(f"{X}figure")
    assert [child.tag for child in table_figure] == [f"{X}table", f"{X}figcaption"]
    assert [(th.get("scope"), "".join(th.itertext())) for th in table_figure.iter(f"{X}th")] == [("col", "Town"), ("col", "People")]
    assert [child.tag for child in figure] == [f"{X}figcaption"]
    assert "".join(figure.itertext()).strip() == "Figure 1. A map of the river."
    # The table's sentence crosses its cells, the list's its items: a span per cell or item.
    cells = [[s.get("id") for s in td.findall(f"{X}span")] for td in table_figure.iter(f"{X}td")]
    assert cells == [["s3-2"], ["s3-3"]]
    items = body.find(f"{X}ul")
    assert items.get("class") == "marked" and [li.find(f"{X}span").get("id") for li in items] == ["s6", "s6-1"]
    # Another language's line: marked with its language and direction.
    arabic = body.find(f".//{X}p[@id='b9']")
    assert (arabic.get(XML_LANG), arabic.get("lang"), arabic.get("dir")) == ("ar", "ar", "rtl")
    note = body.find(f"{X}aside")
    assert (note.get("role"), note.get(EPUB_TYPE)) == ("doc-footnote", "footnote")
    assert "".join(note.itertext()) == "1 Source: the survey of 2023."
    assert body.find(f".//{X}p[@class='page-number']") is None  # not spoken: the page break carries "iv"
    assert not [s for s in body.iter(f"{X}span") if not "".join(s.itertext()) and s.get("role") != "doc-pagebreak"]

    second = ElementTree.fromstring(files["EPUB/text/page-002.xhtml"])
    assert (second.get(XML_LANG), second.get("dir")) == ("ar", "rtl")
    assert second.find(f".//{X}span[@role='doc-pagebreak']").get("aria-label") == "2"  # no printed number: its place
    assert second.find(f".//{X}h2").get("id") == "b1"


def test_an_unusual_results_package_and_navigation(odd):
    result, mp3, data = odd
    files = parts(data)
    opf = files["EPUB/package.opf"]
    assert re.findall(r"<dc:language>(\w+)</dc:language>", opf) == ["en", "ar"]
    assert "page-progression-direction" not in opf  # the book is English; its Arabic page says so itself
    features = re.findall(r'"schema:accessibilityFeature">(\w+)<', opf)
    assert set(features) >= {"synchronizedAudioText", "tableOfContents", "readingOrder", "structuralNavigation",
                             "pageNavigation"}
    # The footnote is not in the recording: the audio alone does not suffice.
    assert re.findall(r'"schema:accessModeSufficient">(\w+)<', opf) == ["textual"]
    assert "dcterms:conformsTo" not in opf and '<meta property="media:active-class">-epub-media-overlay-active<' in opf
    nav = ElementTree.fromstring(files["EPUB/nav.xhtml"])
    toc = next(n for n in nav.iter(f"{X}nav") if n.get(EPUB_TYPE) == "toc")
    assert [(a.text, a.get("href")) for a in toc.iter(f"{X}a")] == [
        ("Rivers of the north", "text/page-001.xhtml#b1"), ("الفصل الثاني", "text/page-002.xhtml#b1")]
    assert toc.find(f"{X}ol/{X}li/{X}ol/{X}li") is not None  # the level-2 chapter nests in the first
    pages = next(n for n in nav.iter(f"{X}nav") if n.get(EPUB_TYPE) == "page-list")
    assert [(a.text, a.get("href")) for a in pages.iter(f"{X}a")] == [
        ("iv", "text/page-001.xhtml#page-1"), ("2", "text/page-002.xhtml#page-2")]
    # The sentence that runs onto the Arabic page is a seq in each page's overlay.
    second = ElementTree.fromstring(files["EPUB/smil/page-002.smil"])
    assert second.find(f".//{SMIL}seq").get("{http://www.idpf.org/2007/ops}textref") == "../text/page-002.xhtml#s7"
    check_overlays(data, result, mp3)


def test_a_book_in_a_right_to_left_language_turns_its_pages_right_to_left():
    result = unusual.result()
    result["language"] = {"code": "ar", "confidence": 0.9, "detected": True}
    files = parts(epub.build(result, b"mp3", title="الأنهار"))
    assert '<spine page-progression-direction="rtl">' in files["EPUB/package.opf"]
    assert re.findall(r"<dc:language>(\w+)</dc:language>", files["EPUB/package.opf"]) == ["ar", "en"]
    nav = ElementTree.fromstring(files["EPUB/nav.xhtml"])
    assert (nav.get(XML_LANG), nav.get("dir")) == ("ar", "rtl")
    assert ElementTree.fromstring(files["EPUB/text/page-001.xhtml"]).get(XML_LANG) == "en"  # its page says its own


def test_a_book_is_the_same_bytes_each_time_and_its_zip_is_an_epubs(odd):
    result, mp3, data = odd
    assert epub.build(result, mp3, title="Rivers") == data
    z = zipfile.ZipFile(io.BytesIO(data))
    first = z.infolist()[0]
    assert (first.filename, first.compress_type, first.extra) == ("mimetype", zipfile.ZIP_STORED, b"")
    assert data[30:38] == b"mimetype" and data[38:58] == b"application/epub+zip"
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert epub.build(result, mp3, title="Rivers of the north") != data


def test_sentence_pars_are_an_option(odd):
    result, mp3, _ = odd
    data = epub.build(result, mp3, title="Rivers", words=False)
    smil = ElementTree.fromstring(parts(data)["EPUB/smil/page-001.smil"])
    assert smil.find(f".//{SMIL}seq") is None
    texts = [p.find(f"{SMIL}text").get("src").split("#")[1] for p in smil.iter(f"{SMIL}par")]
    assert texts == [f"s{k}" for k in range(8)]  # sentences 0-7 start on page 1


def test_text_xml_cannot_hold_and_timings_of_missing_words_are_left_out():
    result = unusual.result()
    page = result["pages"][0]
    page["lines"][1] = unusual.line("Rivers of\x0c the north\x00")  # control codes a text layer may carry
    words = result["speech"]["words"]
    words.insert(3, {**words[2], "line": 99})  # a timing of a word the page does not have
    data = epub.build(result, b"mp3", title="Rivers\x07")
    files = parts(data)
    for name, text in files.items():
        if name.endswith((".xhtml", ".opf", ".smil")):
            ElementTree.fromstring(text)  # well-formed
    assert "Rivers of the north" in "".join(ElementTree.fromstring(files["EPUB/text/page-001.xhtml"]).itertext())
    assert "#w99-" not in files["EPUB/smil/page-001.smil"]


def test_progress_is_told_page_by_page():
    result = unusual.result()
    told = []
    epub.build(result, b"ID3 not checked here", title="Rivers", progress=told.append)
    assert told == sorted(told) and told[-1] == 1.0 and len(told) == len(result["pages"]) + 1


def test_a_result_without_a_recording_is_refused_with_a_reason():
    result = unusual.result()
    for broken in ({k: v for k, v in result.items() if k != "speech"},
                   {**result, "speech": {**result["speech"], "sentences": []}}):
        with pytest.raises(epub.NotReadAloud, match="no recording") as raised:
            epub.build(broken, b"mp3", title="Rivers")
        assert isinstance(raised.value, ValueError) and isinstance(raised.value, PageVoiceError)
    with pytest.raises(ValueError, match="no recording"):
        epub.build(result, b"", title="Rivers")


FIFTY_PAGES = """
import io, json, re, time, zipfile
from chalicelib.books import epub
from tests.books import unusual
result, recording = unusual.long_document(50), b"\\x01" * 21_600_000  # resident, as a read file is
def status(key):
    return int(re.search(key + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from here
before = status("VmRSS")
t0 = time.perf_counter()
data = epub.build(result, recording, title="Fifty pages")
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "grown": status("VmHWM") - before, "bytes": len(data),
                  "files": len(zipfile.ZipFile(io.BytesIO(data)).namelist())}))
"""


def test_a_fifty_page_document_is_built_in_bounded_memory():
    """50 dense pages (20,000 words, 2,000 sentences) and an hour's recording (21.6 MB, as 48 kbit/s
    makes it), in a process of its own: what building adds to its peak memory is the book (the
    recording once more) and little else, whatever the pages. (Its seconds, goal under 30 s,
    are a figure of `make bench`: bench/timings.py.)"""
    run = subprocess.run([sys.executable, "-c", FIFTY_PAGES], capture_output=True, text=True, timeout=300,
                         cwd=epubtools.ROOT)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    print(f"50 pages, 20,000 words: {found['bytes']} bytes in {found['seconds']:.2f} s, "
          f"peak grew {found['grown'] / 1e6:.1f} MB")
    assert found["files"] == 3 + 50 * 2 + 3  # mimetype, container, css; each page and its overlay; audio, nav, package
    assert found["grown"] < found["bytes"] + 20e6


@pytest.mark.slow
def test_an_unusual_result_passes_epubcheck_and_ace(odd, tmp):
    path = tmp / "unusual.epub"
    path.write_bytes(odd[2])
    check_book(path, tmp / "ace-unusual")


# ---------------------------------------------------------------- inputs the checkers' books do not cover


def test_a_very_long_title_is_clipped_wherever_the_book_shows_it():
    """A web page's or a DOCX's declared title has no bound of its own (a 1 MB <title> was a 1 MB
    title in the OPF, the navigation and every page's <title>: 50 MB of XHTML for 50 sections)."""
    result = unusual.result()
    files = parts(epub.build(result, b"mp3", title="A report on the rivers of the north " * 30_000))
    [title] = ElementTree.fromstring(files["EPUB/package.opf"]).iter("{http://purl.org/dc/elements/1.1/}title")
    assert len(title.text) <= books.TITLE_MAX and title.text.startswith("A report on the rivers") and title.text.endswith("…")
    for name in ("EPUB/text/page-001.xhtml", "EPUB/text/page-002.xhtml", "EPUB/nav.xhtml"):
        shown = ElementTree.fromstring(files[name]).find(f"{X}head/{X}title").text
        assert shown.startswith(title.text), name
    assert max(len(text) for text in files.values()) < 30_000


def test_a_sparse_table_is_bounded_by_its_cells():
    """A flow document's cell indices count the empty cells before them (a 260 KB web page's row of
    28,000 empty cells under 500 rows of one made a 126 MB page in 28 s): a table far sparser than
    its cells is written as its text, in reading order."""
    result = unusual.result()
    table = result["pages"][0]["blocks"][3]
    table["cells"][3]["col"] = 100_000  # "700,000", far to the right of "Oslo"
    data = epub.build(result, unusual.silent_mp3(result["speech"]["seconds"]), title="Rivers")
    page = parts(data)["EPUB/text/page-001.xhtml"]
    assert len(page) < 20_000
    figure = ElementTree.fromstring(page).find(f".//{X}figure[@id='b3']")
    assert " ".join("".join(figure.itertext()).split()) == "Town People Oslo 700,000 Table 1. Towns by the river."
    check_overlays(data, result, unusual.silent_mp3(result["speech"]["seconds"]))


def test_a_table_of_contents_that_jumps_a_level_and_comes_back_nests_under_its_parent():
    """Headings 1, 3, 2: the 2 is under the 1 (beside the 3), not a top-level entry."""
    from chalicelib.books import package

    nav = package.nav("T", "en", [package.Entry("A", "a", 1), package.Entry("C", "c", 3), package.Entry("B", "b", 2),
                                  package.Entry("D", "d", 3), package.Entry("E", "e", 1)], [], "a", "book.css")
    toc = ElementTree.fromstring(nav).find(f"{X}body/{X}nav/{X}ol")
    assert [li.find(f"{X}a").text for li in toc.findall(f"{X}li")] == ["A", "E"]
    under_a = toc.find(f"{X}li/{X}ol")
    assert [li.find(f"{X}a").text for li in under_a.findall(f"{X}li")] == ["C", "B"]
    assert [a.text for a in under_a.findall(f"{X}li/{X}ol/{X}li/{X}a")] == ["D"]  # under B


def test_a_recording_cut_at_its_length_limit_is_not_said_to_suffice():
    """speech.complete false (reason "duration"): the text goes on past the recording, so the audio
    alone does not suffice and the summary says where the recording stops."""
    result = unusual.result()
    result["skipped"] = {"page-number": 1}  # only furniture left out: a whole recording suffices
    opf = parts(epub.build(result, b"mp3", title="Rivers"))["EPUB/package.opf"]
    assert re.findall(r'"schema:accessModeSufficient">(\w+)<', opf) == ["textual", "auditory"]
    result["speech"] = {**result["speech"], "complete": False, "reason": "duration"}
    opf = parts(epub.build(result, b"mp3", title="Rivers"))["EPUB/package.opf"]
    assert re.findall(r'"schema:accessModeSufficient">(\w+)<', opf) == ["textual"]
    summary = re.search(r'"schema:accessibilitySummary">([^<]+)<', opf).group(1)
    assert "stops before the end" in summary and "reads everything" not in summary


@pytest.mark.browser
def test_text_in_another_direction_reads_in_its_own_order():
    """Rendered by the real Chromium, as reading systems render the XHTML: Arabic words in an
    English paragraph read right to left (a dir on each word's span isolated it, and the isolated
    words were laid out left to right); an English paragraph on an Arabic page is laid out left to
    right (its full stop at its end, not before its first word)."""
    from playwright.sync_api import sync_playwright

    result = unusual.result()
    first = result["pages"][0]
    first["blocks"][2]["lines"] += [13]  # the Arabic line joins the English paragraph
    del first["blocks"][9]
    second = result["pages"][1]
    second["lines"].append(unusual.line("The sea is wide.", "en"))
    second["blocks"].append({"role": "paragraph", "lines": [3], "spoken": True})
    z = zipfile.ZipFile(io.BytesIO(epub.build(result, b"mp3", title="Rivers")))
    types = {"xhtml": "application/xhtml+xml", "css": "text/css"}

    def serve(route):  # the book's files, each with the media type its manifest gives
        name = "EPUB/" + route.request.url.split("/book/", 1)[1]
        route.fulfill(body=z.read(name), content_type=types.get(name.rsplit(".", 1)[-1], "application/octet-stream"))

    def read() -> None:
        with sync_playwright() as pw:
            browser = chromium.launch(pw.chromium)
            try:
                page = browser.new_page()
                page.route("http://book.test/**", serve)
                page.goto("http://book.test/book/text/page-001.xhtml")
                x = [page.eval_on_selector(f"[id='w13-{w}']", "e => e.getBoundingClientRect().x") for w in range(3)]
                assert x[0] > x[1] > x[2], x
                page.goto("http://book.test/book/text/page-002.xhtml")
                assert page.evaluate("getComputedStyle(document.querySelector('#b3')).direction") == "ltr"
                stop, start = page.evaluate("""() => {
                    const walk = document.createTreeWalker(document.querySelector('#b3'), NodeFilter.SHOW_TEXT), texts = [];
                    while (walk.nextNode()) texts.push(walk.currentNode);
                    const first = texts[0], last = texts[texts.length - 1], r = document.createRange();
                    r.setStart(last, last.length - 1); r.setEnd(last, last.length);
                    const stop = r.getBoundingClientRect().x;
                    r.setStart(first, 0); r.setEnd(first, 1);
                    return [stop, r.getBoundingClientRect().x]; }""")
                assert stop > start
            finally:
                browser.close()

    in_a_thread_of_its_own(read)


def test_a_sentence_without_word_timings_lights_the_sentence():
    """A sentence the recording times but whose words it does not: its par points at the
    sentence's element (every word of it lit while it is heard), not at its first word alone."""
    result = unusual.result()
    first = result["speech"]["sentences"][1]  # "The river is long and cold."
    result["speech"]["words"] = [w for w in result["speech"]["words"]
                                 if not first["start"] <= w["start"] <= first["end"]]
    mp3 = unusual.silent_mp3(result["speech"]["seconds"])
    data = epub.build(result, mp3, title="Rivers")
    smil = ElementTree.fromstring(parts(data)["EPUB/smil/page-001.smil"])
    seqs = {s.get("{http://www.idpf.org/2007/ops}textref").split("#")[1]: s for s in smil.iter(f"{SMIL}seq")}
    assert [p.find(f"{SMIL}text").get("src").split("#")[1] for p in seqs["s1"].iter(f"{SMIL}par")] == ["s1"]
    assert [p.find(f"{SMIL}text").get("src").split("#")[1] for p in seqs["s0"].iter(f"{SMIL}par")] == [
        "w1-0", "w1-1", "w1-2", "w1-3"]  # the others word by word
    page = ElementTree.fromstring(parts(data)["EPUB/text/page-001.xhtml"])
    assert "".join(page.find(f".//{X}span[@id='s1']").itertext()) == "The river is long and cold."
    check_overlays(data, result, mp3)
