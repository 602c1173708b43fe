"""`python -m chalicelib ocr|tts|process` as a user runs it (CONTRACTS section 4)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.results import validate_result
from chalicelib.engines.tts.base import wav_info
from tests import images

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chalicelib", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120, env={**os.environ})


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
    assert run.stderr.strip().splitlines() == [f"{bad}: This file is not an image we can read. "
                                               "Upload a JPEG, PNG, WebP, TIFF, BMP or GIF."]
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
