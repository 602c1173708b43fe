"""Whole books from the command line (issue 74 part 3; CONTRACTS sections 4 and 15): `process` and
`ocr` read a document past one worker's limits in the service's shards, on this machine's
processes (chalicelib.cli_book), and write what the service stores (result-index.json and its
files) with the joined result.json and, when recording, the parts and speech.mp3. Real engines
throughout: the text layer, the flow reader, the voice."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import cli_book, settings
from chalicelib.jobs import book as executor
from chalicelib.jobs import growing
from tests.media import documents as docs
from tests.results import validate_result

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["harbour", "lantern", "meadow", "orchard", "pebble", "quarry", "raven", "saddle", "timber", "willow", "river",
         "stone", "garden", "window", "morning", "silver", "journey", "amber", "cobalt", "driftwood", "falcon", "glacier",
         "island", "juniper", "kelp", "nectar"]


def cli(*args, timeout: int = 600, stderr=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chalicelib", *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=stderr, timeout=timeout, env={**os.environ})


def novel(paragraphs: int, seed: int = 74) -> str:
    """A plain-text novel of varied paragraphs (~51 words each), a chapter heading every 100."""
    rng = random.Random(seed)
    out = []
    for i in range(paragraphs):
        if i % 100 == 0:
            out.append(f"Chapter {i // 100 + 1}")
        sentences = []
        for _ in range(4):
            words = [rng.choice(WORDS) for _ in range(12)]
            sentences.append(" ".join([words[0].capitalize(), *words[1:]]) + ".")
        out.append(f"Paragraph {i} says: " + " ".join(sentences))
    return "\n\n".join(out)


def lines_of(i: int) -> list[str]:
    """Page i's lines: words that differ from page to page (no line repeats as a running header)."""
    rng = random.Random(i)
    return [" ".join(rng.choice(WORDS) for _ in range(6)).capitalize() + ".",
            f"Then {rng.choice(WORDS)} and {rng.choice(WORDS)} met {WORDS[i % len(WORDS)]} {i + 1} times."]


def text_pdf(pages: int) -> bytes:
    return docs.text_pdf([docs.TextPage(lines_of(i), font_size=14) for i in range(pages)])


def index_and_result(folder: Path, result: Path) -> tuple[dict, dict]:
    """The book's index (every file it names is there) and the joined result, which is the index
    assembled as the site assembles it."""
    index = json.loads((folder / growing.INDEX).read_text())
    assert all((folder / name).is_file() for name in growing.part_names(index))
    joined = json.loads(result.read_text())
    assert joined == growing.assemble(index, lambda name: (folder / name).read_bytes())
    return index, joined


@pytest.fixture(scope="module")
def long_text(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("books") / "long novel.txt"
    path.write_text(novel(1100), encoding="utf-8")
    words = len(path.read_text().split())
    assert words > settings.get().books.book_words and words > settings.get().limits.max_document_words
    return path


def test_a_long_text_is_read_whole_by_process_no_audio(long_text, tmp_path):
    """56,000 words of text: a book (the single-worker cut was 50,000 words): every word in the
    result, in order, complete; its index and files are the service's; a progress line on a
    terminal."""
    import pty

    parent, child = pty.openpty()
    try:
        run = cli("process", long_text, "--no-audio", "--out", tmp_path / "out", "--workers", "2", stderr=child)
        os.close(child)
        child = None
        shown = b""
        while True:
            try:
                piece = os.read(parent, 65536)
            except OSError:
                break
            if not piece:
                break
            shown += piece
    finally:
        if child is not None:
            os.close(child)
        os.close(parent)
    assert run.returncode == 0, shown.decode(errors="replace")
    assert b"\r" in shown and b"pages read" in shown and b"Traceback" not in shown
    index, result = index_and_result(tmp_path / "out", tmp_path / "out" / "result.json")
    validate_result(result)
    assert result["text"].split() == long_text.read_text().split()  # every word, in order
    assert result["document"]["book"] and result["document"]["complete"] is True
    assert "reason" not in result["document"] and "speech" not in result
    assert [c["title"] for c in result["chapters"]] == [f"Chapter {n}" for n in range(1, 12)]
    names = [f["name"] for part in index["parts"] for f in part["files"]]
    assert executor.PAGES_FILE.format(0) in names and executor.TEXT_FILE.format(1) in names
    assert len(index["parts"][0]["files"]) > 1  # cut in shards (reading_by_words)


def test_ocr_reads_a_long_text_whole_and_prints_it_quietly(long_text):
    """`ocr` prints a book's joined result; no progress line when stderr is not a terminal."""
    run = cli("ocr", long_text)
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    result = json.loads(run.stdout)
    assert result["text"].split() == long_text.read_text().split()
    assert result["document"]["complete"] is True and result["document"]["read"] == len(result["pages"])


def test_a_pdf_of_more_pages_than_a_worker_reads_is_read_whole(tmp_path):
    """A 120-page PDF with a text layer (a book past 50 pages): every page, each with its own
    text, the same as the pages the book module reads; the index's pages files are the reading
    shards' (1, then settings.books.text_shard_pages)."""
    from chalicelib import kinds
    from chalicelib.kinds import plan

    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(text_pdf(120))
    run = cli("ocr", pdf, "--out", tmp_path / "out", "--workers", "2")
    assert run.returncode == 0, run.stderr
    index, result = index_and_result(tmp_path / "out" / "long", tmp_path / "out" / "long.json")
    validate_result(result)
    assert len(result["pages"]) == 120 and result["document"] == {
        "format": "pdf", "pages_in_file": 120, "pages": 120, "book": True, "read": 120, "complete": True}
    for i, page in enumerate(result["pages"]):
        assert page["text"] == "\n".join(lines_of(i)), i
        assert (tmp_path / "out" / "long" / page["image"]).read_bytes()[:2] == b"\xff\xd8"
    shards = plan.reading(120, settings.get().books.text_shard_pages)
    assert [f["count"] for f in index["parts"][0]["files"]] == [r.end - r.first for r in shards]
    # The same pages as the kind's book module reads them in one go (the service's shard work).
    alone = kinds.get("page").book_work().read_pages(pdf, 60, 62)
    assert [p["text"] for p in alone.pages] == [p["text"] for p in result["pages"][60:62]]


@pytest.mark.slow
def test_process_records_a_60_page_pdf_in_speech_parts(tmp_path):
    """A 60-page PDF: read and recorded by the pool; the index lists each section's MP3 and
    timings, every page is heard, the parts are joined into speech.mp3, and it is complete."""
    pdf = tmp_path / "sixty.pdf"
    pdf.write_bytes(text_pdf(60))
    out = tmp_path / "out"
    run = cli("process", pdf, "--out", out)
    assert run.returncode == 0, run.stderr
    index, result = index_and_result(out, out / "result.json")
    speech = result["speech"]
    assert result["document"]["complete"] is True and speech["complete"] is True and len(result["pages"]) == 60
    parts = speech["parts"]
    assert len(parts) > 1 and all(p["start"] is not None for p in parts)
    assert sum(p["seconds"] for p in parts) == pytest.approx(speech["seconds"], abs=0.01)
    heard = set()
    for part in parts:
        assert (out / part["file"]).read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
        heard |= {w["page"] for w in json.loads((out / part["timings"]).read_text())["words"]}
    assert heard == set(range(60))
    from mutagen.mp3 import MP3  # (GPL: a test's reader only)

    assert MP3(out / cli_book.MP3).info.length == pytest.approx(speech["seconds"], abs=1.0)


@pytest.mark.slow  # ~25 CPU s
def test_process_reads_a_500_page_pdf_whole(tmp_path):
    """Issue 74's acceptance: a 500-page PDF with a text layer, `process --no-audio`: every page
    there with its own text, in order, and complete."""
    pdf = tmp_path / "five hundred.pdf"
    pdf.write_bytes(text_pdf(500))
    out = tmp_path / "out"
    run = cli("process", pdf, "--no-audio", "--out", out, "--workers", "2", timeout=1800)
    assert run.returncode == 0, run.stderr
    _, result = index_and_result(out, out / "result.json")
    validate_result(result)
    assert result["document"] == {"format": "pdf", "pages_in_file": 500, "pages": 500, "book": True, "read": 500,
                                  "complete": True}
    assert len(result["pages"]) == 500 and "speech" not in result
    for i, page in enumerate(result["pages"]):
        assert page["text"] == "\n".join(lines_of(i)), i
    assert result["text"].split() == [w for i in range(500) for line in lines_of(i) for w in line.split()]


def test_the_joined_result_is_the_assembled_index(tmp_path):
    """cli_book.joined streams what growing.assemble builds: lists and texts of files and tails,
    one level down too, empty files and tails."""
    files = {"a.json": [{"x": 1}, {"y": "é\"\\"}], "b.json": [], "t1.json": "Hello \"world\"\n", "t2.json": "…ü",
             "w.json": [{"start": 0.5}]}
    for name, value in files.items():
        (tmp_path / name).write_bytes(growing.encode(value))
    index = {"format": 1, "next": 0, "result": {"schema": 1, "pages": None, "text": None, "speech": {"words": None, "n": 2}},
             "parts": [{"path": ["pages"], "type": "list", "files": [{"name": "a.json"}, {"name": "b.json"}],
                        "tail": [{"z": None}]},
                       {"path": ["text"], "type": "text", "files": [{"name": "t1.json"}, {"name": "t2.json"}], "tail": "!"},
                       {"path": ["speech", "words"], "type": "list", "files": [{"name": "w.json"}], "tail": []}]}
    body = b"".join(cli_book.joined(index, tmp_path))
    assert json.loads(body) == growing.assemble(index, lambda name: (tmp_path / name).read_bytes())
    assert json.loads(body)["text"] == "Hello \"world\"\n…ü!"


@pytest.mark.stack
def test_the_command_line_reads_a_book_as_the_service_does(stack, tmp_path):
    """The same 60-page PDF uploaded to the local stack (its workers read it as a book, in shards
    taken from the queue) and read by `ocr`: the same pages, text and chapters."""
    import requests

    from tests.stackclient import login, register, send_file, wait_job

    data = text_pdf(60)
    pdf = tmp_path / "same.pdf"
    pdf.write_bytes(data)
    headers = login(stack, register(stack))
    r = requests.post(f"{stack.api_url}/uploads", headers=headers, timeout=30,
                      json={"filename": pdf.name, "content_type": "application/pdf", "size": len(data)})
    assert r.status_code == 201, r.text
    send_file(r.json()["upload"], pdf.name, data, "application/pdf")
    run = cli("ocr", pdf, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    _, mine = index_and_result(tmp_path / "out" / "same", tmp_path / "out" / "same.json")
    job = wait_job(stack, headers, r.json()["job_id"], timeout=900)
    assert job["status"] == "done", job["error"]
    if job.get("result") is not None:
        theirs = job["result"]
    else:
        parts = job["result_parts"]
        theirs = growing.assemble(parts["index"], lambda name: requests.get(parts["urls"][name], timeout=30).content)
    assert theirs["document"]["book"] and theirs["text"] == mine["text"]
    assert theirs["pages"] == mine["pages"]
    assert [{k: c[k] for k in ("title", "page", "block")} for c in theirs["chapters"]] == \
        [{k: c[k] for k in ("title", "page", "block")} for c in mine["chapters"]]
    assert {k: theirs["document"][k] for k in ("format", "pages", "read")} == \
        {k: mine["document"][k] for k in ("format", "pages", "read")}


# Marked by hand: `worlds_book` needs formats_stack, not `stack`. tests/conftest.py's TOGETHER
# puts this file with the other formats_stack files, on one pytest worker: the book is made once.
@pytest.mark.stack
def test_process_reads_the_300000_word_epub_as_the_service_did(worlds_book, formats_stack, tmp_path):
    """Issue 74's acceptance: the 300,000-word EPUB the formats stack made (tests/conftest.py
    `worlds_book`, tests/jobs/test_book_formats_on_the_stack.py), the same bytes read by `process
    --no-audio`: complete, every section's words as the flow reader finds them, and the same pages'
    text, words and chapters as the service's result. (The service's upload spoke only the titles:
    its blocks' `spoken` marks are its own, so pages are compared by their text and words.)"""
    from tests.jobs.test_book_formats_on_the_stack import flow_sections, worlds_book_now
    from tests.jobs.test_book_on_the_stack import result_of

    data, titles = worlds_book["data"], worlds_book["titles"]
    epub = tmp_path / "worlds.epub"
    epub.write_bytes(data)
    out = tmp_path / "out"
    run = cli("process", epub, "--no-audio", "--out", out, "--workers", "2", timeout=1800)
    assert run.returncode == 0, run.stderr
    _, mine = index_and_result(out, out / "result.json")
    validate_result(mine)
    sections = flow_sections(data)
    assert sum(len(s.split()) for s in sections) >= 300_000
    document = mine["document"]
    assert mine["flow"] is True and document["book"] is True and document["format"] == "epub"
    assert document["complete"] is True and "reason" not in document and "speech" not in mine
    assert len(mine["pages"]) == len(sections) == document["pages"] == document["read"]
    assert [" ".join(w["text"] for line in p["lines"] for w in line["words"]) for p in mine["pages"]] == sections
    assert [c["title"] for c in mine["chapters"]] == titles

    job = worlds_book_now(formats_stack, worlds_book)  # (after the command's run: its URLs fresh)
    assert job["status"] == "done", job["error"]
    theirs = result_of(job)
    assert theirs["text"] == mine["text"]
    assert [p["text"] for p in theirs["pages"]] == [p["text"] for p in mine["pages"]]
    assert [[[w["text"] for w in line["words"]] for line in p["lines"]] for p in theirs["pages"]] == \
        [[[w["text"] for w in line["words"]] for line in p["lines"]] for p in mine["pages"]]
    assert [{k: c[k] for k in ("title", "page", "block")} for c in theirs["chapters"]] == \
        [{k: c[k] for k in ("title", "page", "block")} for c in mine["chapters"]]
    assert {k: theirs["document"][k] for k in ("format", "pages", "read", "complete")} == \
        {k: document[k] for k in ("format", "pages", "read", "complete")}
