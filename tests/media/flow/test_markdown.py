"""Markdown read into flow blocks (media/flow/markdown.py).

Real files: charset-normalizer 3.5.2's sdist (MIT) ships its README.md (GitHub tables, fenced
code, an HTML header block, badges, footnotes) and CHANGELOG.md (hundreds of headings and
lists), fetched and pinned by tests/samples.py; nothing downloaded is committed. Small
documents built here pin exact features.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.media.flow import FlowError
from tests import samples
from tests.media.flow import shapes
from tests.media.flow.shapes import blocks, tables

NORMALIZER = ("charset-normalizer", "3.5.2", "39de2a259fc954455c57274dc94c79d5842774e1247a016aff30bc0efed0f4ef")


def read(data: bytes | str, hint: str | None = "text/markdown", **caps) -> dict:
    return shapes.read(data, hint, **caps)


@pytest.fixture(scope="module")
def sdist() -> Path:
    return samples.pypi_sdist(*NORMALIZER) / "charset_normalizer-3.5.2"


def test_readme_structure(sdist):
    doc = read((sdist / "README.md").read_bytes())
    assert doc["format"] == "markdown" and doc["cut"] is None
    got = blocks(doc)
    headings = [(t, lv) for role, t, lv in got if role == "heading"]
    assert ("\u2728 Installation", 2) in headings and ("CLI", 3) in headings and ("Python", 3) in headings
    assert doc["title"] == headings[0][0]
    # the HTML header block is dropped, not read as markup
    assert not any(tag in t for _, t, _ in got for tag in ("<h1", "<p", "<img", "align=", "</"))
    # GitHub tables: the header row's cells are header cells
    first = tables(doc)[0]
    assert first[0][:2] == [("Feature", True), ("Chardet", True)]
    assert all(not header for row in first[1:] for _, header in row)
    assert first[1][0] == ("Fast", False)
    # fenced code is code, one line per code line
    code = [t for role, t, _ in got if role == "code"]
    assert "pip install charset-normalizer -U" in code
    assert any(t.startswith("from charset_normalizer import from_path / ") for t in code)
    # links keep their text, not their address
    assert not any("https://" in t for role, t, _ in got if role != "code")
    # footnotes
    notes = [t for role, t, _ in got if role == "footnote"]
    assert len(notes) == 5 and all(t[0].isdigit() for t in notes)
    items = [t for role, t, _ in got if role == "list-item"]
    assert "Extract matches with the lowest mess detected." in items
    sections = [o["section"] for o in doc["outline"]]
    assert sections == sorted(sections) and len(set(sections)) > 5


def test_changelog_headings_and_lists(sdist):
    doc = read((sdist / "CHANGELOG.md").read_bytes())
    got = blocks(doc)
    headings = [t for role, t, _ in got if role == "heading"]
    assert len(headings) > 100 and not any(t.startswith("#") for t in headings)
    assert sum(1 for role, _, _ in got if role == "list-item") > 200
    assert not any(t.startswith(("- ", "* ")) for role, t, _ in got if role == "list-item")


DOC = """---
title: "The Field Guide: Storms"
lang: en-GB
tags: [weather]
---

Setext Title
============

Intro with a [link to the docs](https://example.com/docs) and `inline code`, *emphasis*
and <span class="x">inline html</span> that keeps its words.[^note]

<div class="banner">
  <p>Cookie banner in raw HTML</p>
</div>

## Steps

3. Third step
4. Fourth step

   A second paragraph of the fourth step.
5. Fifth step
   - nested bullet

* loose bullet
- [x] done task
- [ ] open task

> Quoted words of
> a wise person.

```python


def storm():
    return "rain"
```

    indented code line one
    indented code line two

| Wind | Speed (km/h) |
|------|-------------:|
| Gale | 62           |
| Storm |             |

![A barometer falling](barometer.png)
[![Build Status](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example.com)

Roses are red,\\
violets are blue.\\
That is all.

Subheading
----------

Text with ![inline alt](x.png) image.

[^note]: The note's text, with *emphasis*.
"""


def test_markdown_features():
    doc = read(DOC)
    got = blocks(doc)
    assert doc["title"] == "The Field Guide: Storms" and doc["language"] == "en-GB"
    assert not any("weather" in t or "title:" in t for _, t, _ in got)  # front matter is not read
    assert got[0] == ("heading", "Setext Title", 1)
    assert got[1] == ("paragraph", "Intro with a link to the docs and inline code, emphasis and inline html that "
                                   "keeps its words.", None)
    assert not any("Cookie" in t for _, t, _ in got)
    assert ("heading", "Steps", 2) in got and ("heading", "Subheading", 2) in got
    items = [t for role, t, _ in got if role == "list-item"]
    assert items == ["3. Third step", "4. Fourth step", "A second paragraph of the fourth step.", "5. Fifth step",
                     "nested bullet", "loose bullet", "done task", "open task"]
    assert ("paragraph", "Quoted words of a wise person.", None) in got
    code = [t for role, t, _ in got if role == "code"]
    assert code == ["def storm(): / return \"rain\"", "indented code line one / indented code line two"]
    assert tables(doc) == [[[("Wind", True), ("Speed (km/h)", True)], [("Gale", False), ("62", False)],
                            [("Storm", False)]]]
    figures = [t for role, t, _ in got if role == "figure"]
    assert figures == ["A barometer falling", "inline alt"]
    assert ("paragraph", "Text with image.", None) in got
    assert ("paragraph", "Roses are red, / violets are blue. / That is all.", None) in got  # hard breaks
    assert ("footnote", "note The note's text, with emphasis.", None) in got
    assert [(o["title"], o["level"]) for o in doc["outline"]] == [("Setext Title", 1), ("Steps", 2),
                                                                   ("Subheading", 2)]


def test_reference_links_defined_at_the_end_resolve_in_every_piece():
    body = "\n\n".join(f"Paragraph {i} cites [the source][src] and [another one][]." for i in range(6000))
    doc = read(body + "\n\n[src]: https://example.com/a\n[another one]: https://example.com/b\n", max_chars=400_000)
    got = blocks(doc)
    assert len(got) == 6000 and all("[" not in t for _, t, _ in got)
    assert got[-1] == ("paragraph", "Paragraph 5999 cites the source and another one.", None)


def test_a_code_fence_is_not_cut_between_pieces():
    code = "\n\n".join(f"line {i}" for i in range(30_000))  # blank lines inside the fence
    doc = read("Before.\n\n```text\n" + code + "\n```\n\nAfter.\n", max_chars=400_000)
    got = blocks(doc)
    assert [role for role, _, _ in got] == ["paragraph", "code", "paragraph"]
    assert got[1][1].endswith("line 29999")


def test_title_without_front_matter_is_the_first_heading():
    assert read("Some words.\n\n# Real Title\n\nMore.\n")["title"] == "Real Title"


def test_caps_are_respected():
    text = "\n\n".join(f"## Part {i}\n\nWord " + "word " * 50 for i in range(200))
    doc = read(text, max_words=1000)
    assert doc["cut"]["reason"] == "words" and doc["cut"]["kept"] == 1000
    assert doc["cut"]["found"] > 10_000
    assert sum(len(line["words"]) for s in doc["sections"] for line in s["lines"]) == 1000


def ten_megabytes(sdist) -> bytes:
    data = (sdist / "CHANGELOG.md").read_bytes()
    return (data + b"\n\n") * (10_000_000 // len(data) + 1)


def test_ten_megabytes_within_the_caps(sdist):
    """(Its time, goal under 8 s, is a figure of `make bench`: bench/timings.py.)"""
    doc = read(ten_megabytes(sdist), max_words=50_000, max_chars=500_000)
    assert doc["cut"] is not None and doc["cut"]["found"] > 1_000_000
    assert sum(len(line["words"]) for s in doc["sections"] for line in s["lines"]) <= 50_000


def test_deep_nesting_is_bounded():
    doc = read(">" * 30 + " deep\n\n" + "".join("  " * i + "- level\n" for i in range(25)) + "\nAfter.\n")
    got = blocks(doc)
    assert ("paragraph", "deep", None) in got and ("paragraph", "After.", None) in got
    assert sum(1 for role, _, _ in got if role == "list-item") == 25
    # Past markdown-it's depth the rest of the file would be lost without a word: refused, saying why
    # (their time, goal under 5 s, is a figure of bench/timings.py).
    for deep in DEEP:
        with pytest.raises(FlowError, match="nests its quotes or lists 64. deep"):
            read(deep)


DEEP = (">" * 10_000 + " deep\n\nAfter.\n", "- " * 5000 + "item\n\nAfter.\n")
