"""The pagevoice command's decisions without a stack: which kind and format a file gets, the
sentences it refuses with, and the progress it prints when stderr is not a terminal."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from pagevoice_client import cli

from chalicelib import kinds

KINDS = {k.name: k.public() for k in kinds.registry().values()}  # what GET /kinds answers


def args(tmp_path: Path, **given) -> argparse.Namespace:
    return argparse.Namespace(**{"kind": None, "format": None, "out": tmp_path / "out", **given})


def test_a_file_gets_its_kind_and_format_by_its_ending(tmp_path):
    for name, kind, fmt in (("letter.pdf", "page", "mp3"), ("notes.MD", "page", "mp3"), ("talk.flac", "speech", "txt"),
                            ("photo.jpg", "page", "mp3")):
        (tmp_path / name).write_bytes(b"x")
        item = cli.plan(KINDS, tmp_path / name, args(tmp_path))
        assert (item.kind, item.fmt, item.out) == (kind, fmt, tmp_path / "out" / f"{Path(name).stem}.{fmt}")
    assert KINDS["page"]["endings"][".md"] == "text/markdown"  # what the site declares for Markdown
    chapters = cli.plan(KINDS, tmp_path / "letter.pdf", args(tmp_path, format="chapters"))
    assert (chapters.fmt, chapters.out) == ("chapters", tmp_path / "out" / "letter-chapters.zip")  # an mp3 a chapter
    digits = cli.plan(KINDS, tmp_path / "photo.jpg", args(tmp_path, kind="digits"))
    assert (digits.kind, digits.fmt) == ("digits", "json")


@pytest.mark.parametrize("name, given, said", [
    ("archive.zip", {}, "archive.zip: PageVoice does not read .zip (it reads "),
    ("talk.flac", {"format": "mp3"}, "talk.flac: a recording gives its transcript as txt or json, not mp3."),
    ("talk.flac", {"kind": "digits"}, "talk.flac: PageVoice does not read .flac as digits"),
    ("missing.pdf", {}, "missing.pdf: no such file."),
])
def test_what_it_cannot_do_is_said_before_anything_is_sent(tmp_path, name, given, said):
    if name != "missing.pdf":
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(ValueError) as refused:
        cli.plan(KINDS, tmp_path / name, args(tmp_path, **given))
    assert said in str(refused.value)


def test_without_an_api_key_it_says_where_to_get_one(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("PAGEVOICE_API_KEY", raising=False)
    assert cli.main(["read", str(tmp_path / "a.pdf")]) == 2
    assert "set PAGEVOICE_API_KEY" in capsys.readouterr().err


def test_progress_off_a_terminal_is_a_line_a_tenth(capsys, tmp_path):
    show = cli.Progress(quiet=False)
    show.tty = False
    item = cli.Item(path=tmp_path / "book.pdf", kind="page", fmt="mp3", out=tmp_path / "book.mp3")
    for mb in range(0, 101):
        show.say(item, f"uploading {mb} of 100 MB", mb / 100)
    show.say(item, "waiting for a worker")
    show.say(item, "waiting for a worker")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 12 and lines[0] == "book.pdf: [....................]   0% uploading 0 of 100 MB"
    assert lines[-2].startswith("book.pdf: [####################] 100%") and lines[-1] == "book.pdf: waiting for a worker"


def test_progress_of_a_book_and_a_long_recording():
    book = {"status": "processing", "result": {"document": {"progress": {"pages_read": 312, "pages": 529,
                                                                        "seconds_left": 360}}}}
    assert cli.progress_of(book) == ("read 312 of 529 pages, about 6 min 00 s left", 312 / 529)
    lecture = {"status": "processing", "result": None, "result_parts": {"index": {"result": {"document": {
        "progress": {"seconds_transcribed": 1800.0, "seconds": 7200.0}}}}}}
    assert cli.progress_of(lecture) == ("transcribed 30 min 00 s of 2 h 00 min", 0.25)
    assert cli.progress_of({"status": "queued", "result": None}) == ("waiting for a worker", None)


def test_the_readme_shows_the_commands_help_as_it_is(monkeypatch, capsys):
    import re

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("PAGEVOICE_API_URL", raising=False)
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["read", "--help"])
    shown = re.search(r"```text\n(usage: pagevoice read.*?)```", (Path(__file__).parents[2] / "README.md").read_text(), re.S)
    assert shown and shown.group(1) == capsys.readouterr().out


def test_a_recording_of_several_people_is_saved_a_line_per_turn_with_their_names():
    said = [("S1", "Good morning."), ("S1", "Welcome."), ("S2", "Thank you."), ("S1", "Go ahead.")]
    result = {"text": "Good morning. Welcome. Thank you. Go ahead.",
              "segments": [{"text": f" {t}", "speaker": who, "words": []} for who, t in said],
              "speakers": [{"id": "S1", "name": None, "seconds": 3.0}, {"id": "S2", "name": None, "seconds": 1.0}]}
    assert cli.transcript(result, {"S2": "Ada"}) == "Speaker 1: Good morning. Welcome.\nAda: Thank you.\nSpeaker 1: Go ahead."
    one = {"text": "Good morning.", "segments": [{"text": "Good morning.", "words": []}]}
    assert cli.transcript(one) == "Good morning."


def test_a_web_address_is_read_by_link_and_saved_by_its_last_part(tmp_path):
    args = argparse.Namespace(kind=None, format=None, out=tmp_path)
    item = cli.plan_link("https://example.org/essays/On%20Rivers.html?x=1", args)
    assert item.link.startswith("https://") and item.kind == "page" and item.out == tmp_path / "On-Rivers.mp3"
    assert cli.plan_link("https://example.org/", args).out == tmp_path / "example.mp3"
    assert cli.is_link("HTTPS://example.org/a.pdf") and not cli.is_link("notes.pdf")
    with pytest.raises(ValueError, match="not as digits"):
        cli.plan_link("https://example.org/a.png", argparse.Namespace(kind="digits", format=None, out=tmp_path))
