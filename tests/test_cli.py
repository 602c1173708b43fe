"""`python -m chalicelib ocr|digits|transcribe|tts|process` as a user runs it (CONTRACTS sections 4 and 6)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.engines.tts.base import wav_info
from tests import images
from tests.results import validate_result

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, stdin: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chalicelib", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ})


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "sign.jpg"
    path.write_bytes(images.encode(images.text_image(["OPEN DAILY", "MAIN STREET"]).image, "JPEG"))
    return path


def test_ocr_prints_result(photo):
    run = cli("ocr", photo)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    validate_result(doc)
    assert doc["text"] == "OPEN DAILY\nMAIN STREET"


def test_ocr_out_dir_and_bad_file(photo, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    run = cli("ocr", photo, bad, "--out", tmp_path / "out")
    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [f"{bad}: This file is not one PageVoice can read. Upload a photo or a "
                                               "scan (JPEG, PNG, WebP, TIFF, BMP, GIF or HEIC), a PDF, or a document "
                                               "(Word, OpenDocument, EPUB, a web page, Markdown, a Jupyter notebook, "
                                               "LaTeX or text)."]
    validate_result(json.loads((tmp_path / "out" / "sign.json").read_text()))  # the good one still written


@pytest.mark.slow
def test_process_writes_result_and_speech(photo, tmp_path):
    run = cli("process", photo, "--out", tmp_path)
    assert run.returncode == 0, run.stderr
    validate_result(json.loads((tmp_path / "result.json").read_text()))
    channels, width, _, seconds = wav_info((tmp_path / "speech.wav").read_bytes())
    assert (channels, width) == (1, 2) and 1.0 < seconds < 5.0  # four words


def test_tts_from_stdin(tmp_path):
    run = cli("tts", "-", "-o", tmp_path / "hi.wav", stdin="Hello there.")
    assert run.returncode == 0, run.stderr
    assert wav_info((tmp_path / "hi.wav").read_bytes())[3] > 0.4


@pytest.mark.slow
def test_bad_input_one_line_error(tmp_path):
    for args in (["process", tmp_path / "missing.jpg", "--out", tmp_path], ["tts", "", "-o", tmp_path / "x.wav"]):
        run = cli(*args)
        assert run.returncode != 0
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


SHARED = ROOT.parent / "shared" / "datasets"


def shared(path: str) -> Path:
    found = SHARED / path
    assert found.exists(), f"the CLI tests need {found} (../shared/datasets beside the repo)"
    return found


@pytest.mark.slow
def test_digits_and_transcribe_print_or_write_results(tmp_path):
    """CONTRACTS section 6: `digits IMAGE...` and `transcribe AUDIO...` as `ocr` does."""
    run = cli("digits", shared("digits-dev/images/tathagat_7.png"))
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    validate_result(doc)
    assert doc["kind"] == "digits" and doc["text"] == "7"
    run = cli("transcribe", shared("speech-dev/asr/goforward.flac"), "--out", tmp_path)
    assert run.returncode == 0 and run.stdout == "", run.stderr
    doc = json.loads((tmp_path / "goforward.json").read_text())
    validate_result(doc)
    assert doc["kind"] == "speech" and "forward" in doc["text"].lower()
    bad = tmp_path / "notes.wav"
    bad.write_text("not a recording")
    run = cli("transcribe", bad)
    assert run.returncode != 0 and len(run.stderr.strip().splitlines()) == 1 and "notes.wav" in run.stderr


@pytest.mark.slow
def test_process_by_kind_writes_the_kinds_outputs(tmp_path):
    run = cli("process", shared("digits-dev/images/tathagat_7.png"), "--kind", "digits", "--out", tmp_path / "d")
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "d" / "result.json").read_text())["text"] == "7"
    assert wav_info((tmp_path / "d" / "speech.wav").read_bytes())[3] > 0.3
    run = cli("process", shared("speech-dev/asr/goforward.flac"), "--kind", "speech", "--out", tmp_path / "s")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["result.json"]  # no recording: the upload is one


@pytest.mark.slow
def test_process_a_pdf_writes_every_page_and_the_recording(tmp_path):
    """`process file.pdf`: one result for the document, each page's image, the whole recording."""
    from tests.media import documents as docs

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(docs.text_pdf([docs.TextPage(["Dear reader,", "page one."]), docs.TextPage(["Page two ends it."])]))
    run = cli("process", pdf, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["text"] == "Dear reader,\npage one.\n\nPage two ends it."
    assert [p["image"] for p in result["pages"]] == ["page-001.jpg", "page-002.jpg"]
    assert all((tmp_path / "out" / p["image"]).read_bytes()[:2] == b"\xff\xd8" for p in result["pages"])
    assert (tmp_path / "out" / "speech.mp3").stat().st_size > 1000
    assert wav_info((tmp_path / "out" / "speech.wav").read_bytes())[3] == pytest.approx(result["speech"]["seconds"], abs=0.05)


LAYOUT = ROOT.parent / "shared" / "datasets" / "layout-dev" / "pages"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Two real pages of one report (DP-Bench, MIT) joined into a PDF: a running header with the
    page number, a heading, a table."""
    from tests.media import documents as docs

    pages = [LAYOUT / f"{stem}.pdf" for stem in ("01030000000048", "01030000000051")]
    assert all(p.exists() for p in pages), f"this test needs {LAYOUT} (../shared/datasets beside the repo)"
    path = tmp_path_factory.mktemp("cli") / "report.pdf"
    path.write_bytes(docs.join(*(p.read_bytes() for p in pages)))
    return path


def test_ocr_reads_a_document_with_its_structure_and_no_recording(report):
    """CONTRACTS section 13 from the command line: blocks on each page, what is not spoken."""
    run = cli("ocr", report)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    validate_result(doc)
    assert len(doc["pages"]) == 2 and "speech" not in doc
    roles = [[b["role"] for b in page["blocks"]] for page in doc["pages"]]
    assert all(r[0] == "page-header" for r in roles) and "table" in roles[1] and "heading" in roles[0]
    assert doc["skipped"] == {"page-header": 2}
    assert doc["chapters"][0] == {"title": "Filipino Women in Electoral Politics", "level": 1, "page": 0, "block": 1}

    everything = json.loads(cli("ocr", report, "--skip", "").stdout)
    assert everything["skipped"] == {} and all(b["spoken"] for p in everything["pages"] for b in p["blocks"])


def test_ocr_reads_a_multipage_tiff_as_a_scan(tmp_path):
    from PIL import Image

    from tests.media import documents as docs

    scans = [Image.open(LAYOUT / f"{stem}.webp").convert("RGB") for stem in ("01030000000048", "01030000000051")]
    path = tmp_path / "scan.tiff"
    path.write_bytes(docs.tiff(scans))
    run = cli("ocr", path, timeout=600)  # two 200 dpi pages by OCR: ~10 s of CPU
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [p["source"] for p in doc["pages"]] == ["ocr", "ocr"]
    # "8 Encinas Franco and Laguna" (the page number and the running header, one line or two)
    # is furniture on both pages: none of its words is spoken.
    for p in doc["pages"]:
        furniture = [i for b in p["blocks"] if b["role"] in ("page-header", "page-number") for i in b["lines"]]
        said = " ".join(p["lines"][i]["text"] for i in furniture)
        assert "Encinas Franco and Laguna" in said and any(n in said.split() for n in ("8", "12")), said
    assert doc["skipped"]["page-header"] == 2


def test_ocr_refuses_an_unknown_role(photo):
    run = cli("ocr", photo, "--skip", "page-number,sidebar")
    assert run.returncode == 2 and "unknown role sidebar" in run.stderr


def test_ocr_reads_every_document_format_without_pages_with_its_structure(tmp_path):
    """Issue 39: the `ocr` command reads DOCX, ODT, EPUB, HTML, Markdown and text (real files of
    other projects' tests: tests/media/flow/real_files.py) and prints each
    result with its blocks; no recording is made. Markdown is told by its file name's ending."""
    from tests.media.flow.real_files import files as real_files

    files = real_files()
    paths = []
    for name in ("tables", "headerfooter", "book", "page", "readme", "text"):
        filename, data, _ = files[name]
        paths.append(tmp_path / filename)
        paths[-1].write_bytes(data)
    out = tmp_path / "out"
    run = cli("ocr", *paths, "--out", out, timeout=600)
    assert run.returncode == 0, run.stderr
    results = {p.name: json.loads((out / f"{p.stem}.json").read_text()) for p in paths}
    formats = {name: r["document"]["format"] for name, r in results.items()}
    assert formats == {"tables.docx": "docx", "headerfooter.odt": "odt", "war-of-the-worlds.epub": "epub",
                       "firefox.html": "html", "README.md": "markdown", "letter.txt": "text"}
    for name, result in results.items():
        validate_result(result)
        assert result["flow"] is True and "speech" not in result, name
        assert all("blocks" in p for p in result["pages"]), name
    roles = {name: {b["role"] for p in r["pages"] for b in p["blocks"]} for name, r in results.items()}
    assert "table" in roles["tables.docx"] and {"page-header", "page-footer"} <= roles["headerfooter.odt"]
    assert {"heading", "code", "table"} <= roles["README.md"]
    assert len(results["war-of-the-worlds.epub"]["chapters"]) >= 20
    assert not list(tmp_path.glob("**/*.wav"))
