"""The EPUB 3 with Media Overlays of a whole book read by many workers (chalicelib.books.epub_book):
streamed from its shards' pages files and its parts' timings, a content document of pages (from
a chapter's start, within epub_book.DOCUMENT_BYTES) and its SMIL at a time, the parts' MP3s as
its audio. A synthetic book (tests/books/bookjob.py: pages as the reading shards store them, a
part per page as the worker's MP3 writer makes it) in process and through the API on moto. A
real book read and recorded by the stack's workers, EPUBCheck and Ace clean:
tests/jobs/test_book_on_the_stack.py (the killed worker's book).
EPUBCheck and Ace on a book of 1,000 pages take half an hour: `python -m bench.book_exports
--check` (bench/README.md has its figures)."""
from __future__ import annotations

import io
import itertools
import re
import tracemalloc
import zipfile
from xml.etree import ElementTree

import pytest

from chalicelib.books import HEAD_BYTES, epub_book
from tests.apiclient import signed_in
from tests.books import bookjob, epubtools
from tests.books.test_export import ask, key_of_url, stored
from tests.tasksqueue import Tasks

pytest_plugins = ["tests.apifixtures"]

OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def queue(api_env):
    return Tasks()


def built(pages: int, **kw) -> tuple[bytes, dict, list, list[dict], dict]:
    """A synthetic book of `pages` pages made into its EPUB in process: (the EPUB, its head, its
    shards' pages, its parts' timings, what was read in which order)."""
    head, mp3s, shards, texts, timings = bookjob.synthetic(pages, **kw)
    read = {"parts": [], "timings": []}

    def read_part(k: int) -> bytes:
        read["parts"].append(k)
        return mp3s[k]

    def read_timings(k: int) -> dict:
        read["timings"].append(k)
        return timings[k]

    data = b"".join(epub_book.build_book(head, texts[0], lambda k: mp3s[k][:HEAD_BYTES], read_part, title="Harbour",
                                         read_pages=lambda: itertools.chain.from_iterable(shards),
                                         read_timings=read_timings))
    return data, head, shards, timings, read


def test_a_whole_books_epub_has_each_page_its_overlay_and_its_parts_as_audio():
    data, head, shards, timings, read = built(40)
    assert read == {"parts": list(range(40)), "timings": list(range(40))}  # each once, in order
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.testzip() is None
    first = z.infolist()[0]
    assert (first.filename, first.compress_type, z.read(first)) == ("mimetype", zipfile.ZIP_STORED,
                                                                    b"application/epub+zip")
    assert not any(i.flag_bits & 0x08 for i in z.infolist())  # sizes in the local headers
    names = z.namelist()
    # A document from each chapter's start (a chapter every 10 pages), named by its first page.
    assert [n for n in names if n.startswith("EPUB/text/")] == [f"EPUB/text/page-{p:04d}.xhtml" for p in (1, 11, 21, 31)]
    assert [n for n in names if n.startswith("EPUB/audio/")] == [f"EPUB/audio/part-{k:04d}.mp3" for k in range(1, 41)]
    assert z.read("EPUB/audio/part-0002.mp3") == bookjob.synthetic(3)[1][1]  # the part as the worker made it
    # Every spoken word of every page is lit once, in order, in the part that says it, at its time.
    clips = epubtools.overlays(data)
    pages = [page for shard in shards for page in shard]
    spoken = [(f"../text/page-{p // 10 * 10 + 1:04d}.xhtml", f"p{p + 1}-w{li}-{wi}") for p, page in enumerate(pages)
              for b in page["blocks"] if b["spoken"] for li in b["lines"] for wi, _ in enumerate(page["lines"][li]["words"])]
    assert [(c["page"], c["text"]) for c in clips] == spoken
    for c in clips:
        p = int(re.match(r"p(\d+)-", c["text"]).group(1)) - 1
        assert c["audio"] == f"../audio/part-{p + 1:04d}.mp3"
        word = next(w for w in timings[p]["words"] if f"p{p + 1}-w{w['line']}-{w['word']}" == c["text"])
        assert c["begin"] <= word["start"] < c["end"] <= head["speech"]["parts"][p]["seconds"]
    by_part = itertools.groupby(clips, key=lambda c: c["audio"])
    for _, run in by_part:  # a part's clips tile it from its start
        run = list(run)
        assert run[0]["begin"] == 0 and all(a["end"] == b["begin"] for a, b in zip(run, run[1:]))
    # The contents are the book's chapters, at their headings; the page list its printed pages.
    nav = ElementTree.fromstring(z.read("EPUB/nav.xhtml"))
    toc = [(a.text, a.get("href")) for n in nav.iter(f"{XHTML}nav") if n.get("id") == "toc" for a in n.iter(f"{XHTML}a")]
    assert toc == [(c["title"], f"text/page-{c['page'] + 1:04d}.xhtml#p{c['page'] + 1}-b0") for c in head["chapters"]]
    page_list = [(a.text, a.get("href")) for n in nav.iter(f"{XHTML}nav") if n.get("id") == "page-list"
                 for a in n.iter(f"{XHTML}a")]
    assert page_list == [(str(p + 1), f"text/page-{p // 10 * 10 + 1:04d}.xhtml#page-{p + 1}") for p in range(40)]
    assert dangling(z) == []
    opf = ElementTree.fromstring(z.read("EPUB/package.opf"))
    total = next(m.text for m in opf.iter(f"{OPF}meta") if m.get("property") == "media:duration" and not m.get("refines"))
    # (each part's clips run from its start to its last word's end: its trailing silence is in none)
    assert epubtools.seconds(total) == pytest.approx(sum(t["words"][-1]["end"] for t in timings), abs=0.05)
    assert [i.get("idref") for i in opf.iter(f"{OPF}itemref")] == [f"p{p}" for p in (1, 11, 21, 31)]
    # The same book is the same bytes.
    assert built(40)[0] == data


def dangling(z: zipfile.ZipFile) -> list[str]:
    """Where the contents, the page list and the overlays point at no element (or a document's
    ids repeat): one line each."""
    ids, problems = {}, []
    for name in z.namelist():
        if name.startswith("EPUB/text/"):
            found = [e.get("id") for e in ElementTree.fromstring(z.read(name)).iter() if e.get("id")]
            problems += [f"{name}: {len(found) - len(set(found))} ids repeated"] if len(found) != len(set(found)) else []
            ids[name.removeprefix("EPUB/")] = set(found)
    nav = ElementTree.fromstring(z.read("EPUB/nav.xhtml"))
    targets = [a.get("href") for a in nav.iter(f"{XHTML}a")]
    for name in z.namelist():
        if name.startswith("EPUB/smil/"):
            smil = ElementTree.fromstring(z.read(name))
            targets += [e.get(key).removeprefix("../") for e in smil.iter()
                        for key in ("src", "{http://www.idpf.org/2007/ops}textref") if e.get(key, "").startswith("../text/")]
    for target in targets:
        doc, _, ident = target.partition("#")
        if doc not in ids or (ident and ident not in ids[doc]):
            problems.append(f"{target}: no such element")
    return problems


def bounded(monkeypatch) -> tuple[bytes, tuple]:
    """A book of 30 pages and one chapter in documents of ~5 pages (DOCUMENT_BYTES 10 KB: a
    synthetic page is ~1.9 KB), page 8 in Arabic: (the EPUB, what bookjob.synthetic gave)."""
    monkeypatch.setattr(epub_book, "DOCUMENT_BYTES", 10_000)
    head, mp3s, shards, texts, timings = bookjob.synthetic(30, chapter_every=100)
    shards[0][7]["language"] = {"code": "ar", "confidence": 1.0}  # a page in another language (and direction)
    data = b"".join(epub_book.build_book(head, texts[0], lambda k: mp3s[k][:HEAD_BYTES], mp3s.__getitem__,
                                         title="Harbour", read_pages=lambda: itertools.chain.from_iterable(shards),
                                         read_timings=timings.__getitem__))
    return data, (head, mp3s, shards, texts, timings)


def test_a_document_holds_pages_up_to_its_bound_and_every_reference_finds_its_element(monkeypatch):
    """Pages go into one document until it holds DOCUMENT_BYTES (or a top-level chapter starts),
    each page a div of its own in its own language; contents without chapters nor headings point
    at each page's div."""
    data, (head, mp3s, shards, texts, timings) = bounded(monkeypatch)
    z = zipfile.ZipFile(io.BytesIO(data))
    documents = [n for n in z.namelist() if n.startswith("EPUB/text/")]
    sizes = [len(z.read(n)) for n in documents]
    assert 4 <= len(documents) <= 8 and all(size < 10_000 + 3_000 for size in sizes), (documents, sizes)
    assert dangling(z) == []
    assert len(epubtools.overlays(data)) == sum(len(t["words"]) for t in timings)
    divs = {e.get("id"): e for n in documents for e in ElementTree.fromstring(z.read(n)).iter(f"{XHTML}div")}
    assert list(divs) == [f"p{p}" for p in range(1, 31)]
    assert (divs["p8"].get("lang"), divs["p8"].get("dir"), divs["p9"].get("lang")) == ("ar", "rtl", None)
    # Contents of the pages' first lines (no chapters, no headings): at each page's div.
    for shard in shards:
        for page in shard:
            for block in page["blocks"]:
                block["role"] = "paragraph" if block["role"] == "heading" else block["role"]
    data = b"".join(epub_book.build_book({**head, "chapters": []}, texts[0], lambda k: mp3s[k][:HEAD_BYTES],
                                         mp3s.__getitem__, title="Harbour",
                                         read_pages=lambda: itertools.chain.from_iterable(shards),
                                         read_timings=timings.__getitem__))
    z = zipfile.ZipFile(io.BytesIO(data))
    nav = ElementTree.fromstring(z.read("EPUB/nav.xhtml"))
    toc = [a.get("href") for n in nav.iter(f"{XHTML}nav") if n.get("id") == "toc" for a in n.iter(f"{XHTML}a")]
    starts = [n.removeprefix("EPUB/") for n in z.namelist() if n.startswith("EPUB/text/")]
    assert len(toc) == 30 and [t for t in toc if "#" not in t] == starts and dangling(z) == []


@pytest.mark.slow
def test_documents_of_many_pages_are_epubcheck_and_ace_clean(monkeypatch, tmp_path):
    """EPUBCheck: no error nor warning; Ace: no serious violation (~2 min)."""
    from tests.books.test_epub import check_book

    path = tmp_path / "bounded.epub"
    path.write_bytes(bounded(monkeypatch)[0])
    check_book(path, tmp_path / "ace")


def test_nothing_is_read_before_it_is_asked_for_and_memory_holds_a_page_and_a_part():
    """The builder reads a part's timings when its first page comes and its MP3 once, after the
    pages; its peak (Python's allocations, tracemalloc) on 400 pages is a part and a page, not
    the book (84 MB): under 2 MB, and within 25% of 40 pages' beside what it keeps for the end."""
    peaks = {}
    for pages in (40, 400):
        head, mp3s, shards, texts, timings = bookjob.synthetic(pages)
        pieces = epub_book.build_book(head, texts[0], lambda k, mp3s=mp3s: mp3s[k][:HEAD_BYTES],
                                      lambda k, mp3s=mp3s: bytes(mp3s[k]),
                                      title="Harbour", read_pages=lambda shards=shards: itertools.chain.from_iterable(shards),
                                      read_timings=timings.__getitem__)
        tracemalloc.start()
        try:
            size = sum(len(piece) for piece in pieces)
            _, peaks[pages] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert size > sum(len(m) for m in mp3s)
    print(f"peaks: {peaks}")
    assert peaks[400] < 2e6 and peaks[400] < 1.25 * peaks[40], peaks


def test_a_book_job_downloads_as_an_epub(client, queue):
    """GET /jobs/{id}/export?format=epub of a book job (its shards' files and parts on moto)."""
    user, headers = signed_in(client)
    queue.queued()
    head, mp3s, shards, texts, timings = bookjob.synthetic(45)
    job_id = bookjob.finished_book(user["id"], head, mp3s, pages=shards, texts=texts, timings=timings,
                                   filename="Harbour.pdf")
    assert ask(client, job_id, headers, "epub").status_code == 202
    assert queue.run() == ["book"]
    made = ask(client, job_id, headers, "epub")
    assert made.status_code == 200, made.body
    assert made.json_body["format"] == "epub" and made.json_body["left_out"] == []
    data = stored(key_of_url(made.json_body["url"]))
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.namelist()[0] == "mimetype" and len([n for n in z.namelist() if n.endswith(".xhtml")]) == 5 + 1
    assert len(epubtools.overlays(data)) == sum(len(t["words"]) for t in timings)
