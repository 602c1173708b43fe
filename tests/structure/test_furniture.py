"""chalicelib.structure.furniture: page numbers by their pattern, and running headers, footers
and page numbers by what repeats from page to page (`across_pages`, on hand-made page dicts as
layout.arrange leaves them: `blocks` with boxes, `lines`, `height`)."""
from __future__ import annotations

import copy
import time

import pytest

from chalicelib.structure import furniture
from tests.structure.pages import body_text, line, quad


@pytest.mark.parametrize("text", ["12", " 7 ", "- 12 -", "– 12 –", "(12)", "[3]", "Page 3", "page 3 of 12", "p. 4",
                                  "3/12", "xiv", "XIV", "Seite 5", "iv"])
def test_page_numbers(text):
    assert furniture.is_page_number(text)


@pytest.mark.parametrize("text", ["", "  ", "12 apples", "Chapter 12", "1984 was a year", "Table 3",
                                  "Figure 2", "12.5", "$12", "3 of the 12 branches", "Introduction", "12345",
                                  "see page 3 for details"])
def test_not_page_numbers(text):
    assert not furniture.is_page_number(text)


def test_a_running_title_beside_a_page_number_looks_running():
    assert furniture.looks_running("48 | Types of Sources")
    assert furniture.looks_running("Ch. 17. Land Investments | 385")
    assert not furniture.looks_running("In 1984 the library opened a second branch.")


H = 2200


def page(n: int, *, header: str | None = "The Town Library · Chapter 2 · page {n}", heading: str | None = None,
         number: str | None = "{n}", number_y: int = 2060) -> dict:
    """A page as layout.arrange leaves it, its furniture not yet told (every block a paragraph
    or a heading): a running header at its top, perhaps a heading, two paragraphs, its number."""
    lines, blocks = [], []

    def add(role: str, texts: list[str], x0: int, y0: int, x1: int, h: int = 30, **extra) -> None:
        first = len(lines)
        for k, text in enumerate(texts):
            lines.append(line(text, x0, y0 + 42 * k, x1, y0 + 42 * k + h))
        blocks.append({"role": role, **extra, "lines": list(range(first, len(lines))), "spoken": True,
                       "box": quad(x0, y0, x1, y0 + 42 * (len(texts) - 1) + h)})

    if header:
        add("paragraph", [header.format(n=n)], 150, 100, 900, h=22)
    y = 200
    if heading:
        add("heading", [heading], 150, 200, 700, h=45, level=1)
        y = 280
    add("paragraph", [body_text(k + n) for k in range(12)], 150, y, 1550)
    add("paragraph", [body_text(k + n + 3) for k in range(12)], 150, y + 560, 1550)
    if number:
        add("paragraph", [number.format(n=n)], 820, number_y, 880)
    return {"width": 1700, "height": H, "lines": lines, "blocks": blocks}


def roles(p: dict) -> list[str]:
    return [b["role"] for b in p["blocks"]]


def test_a_running_header_whose_numbers_differ_is_a_header_on_every_page():
    pages = [page(n) for n in (14, 15, 16, 17)]
    furniture.across_pages(pages)
    assert [roles(p) for p in pages] == [["page-header", "paragraph", "paragraph", "page-number"]] * 4


def test_a_heading_that_appears_once_is_not_furniture():
    pages = [page(14), page(15, heading="2.3 Results of the survey"), page(16)]
    furniture.across_pages(pages)
    assert roles(pages[1]) == ["page-header", "heading", "paragraph", "paragraph", "page-number"]
    assert pages[1]["blocks"][1]["level"] == 1


def test_two_different_headings_that_look_alike_are_not_furniture():
    pages = [page(14), page(15, heading="Rebuilding"), page(16, heading="Buildings"), page(17)]
    furniture.across_pages(pages)
    assert roles(pages[1])[:2] == roles(pages[2])[:2] == ["page-header", "heading"]


def test_page_numbers_at_the_same_height_are_page_numbers():
    pages = [page(n, header=None, number=number) for n, number in ((3, "3"), (4, "- 4 -"), (5, "v"))]
    furniture.across_pages(pages)
    assert [roles(p) for p in pages] == [["paragraph", "paragraph", "page-number"]] * 3


def test_numbers_in_different_places_or_in_the_body_are_left_alone():
    """A number that is not at the same height on another page is not told by repetition (the
    page's own analysis decides); body paragraphs are never touched."""
    pages = [page(3, header=None, number="3", number_y=2060), page(4, header=None, number="4", number_y=1700)]
    furniture.across_pages(pages)
    assert [roles(p) for p in pages] == [["paragraph", "paragraph", "paragraph"]] * 2


def test_a_single_page_or_pages_without_blocks_are_left_as_they_are():
    one = [page(1)]
    before = copy.deepcopy(one)
    furniture.across_pages(one)
    assert one == before
    old = [{"width": 1700, "height": H, "lines": p["lines"]} for p in (page(1), page(2))]
    before = copy.deepcopy(old)
    furniture.across_pages(old)
    assert old == before


HEADINGS = ["Origins", "A first branch", "Budgets", "The war years", "Rebuilding", "New readers", "Music",
            "Children's corner", "Archives", "Going digital", "Opening hours", "Staff", "Volunteers", "Friends",
            "Gardens", "Maps", "Local history", "Schools", "Events", "What comes next"]


def test_a_200_page_document_takes_well_under_2_seconds():
    pages = [page(n, heading=HEADINGS[n // 10 - 1] if n % 10 == 0 else None) for n in range(1, 201)]
    start = time.process_time()
    furniture.across_pages(pages)
    spent = time.process_time() - start
    assert spent < 2.0
    assert all(roles(p)[0] == "page-header" and roles(p)[-1] == "page-number" for p in pages)
    assert all(roles(p)[1] == "heading" for n, p in enumerate(pages, 1) if n % 10 == 0)
