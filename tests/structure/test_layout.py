"""chalicelib.structure.layout on hand-made pages whose structure is not in doubt: what any
tuning of its thresholds must keep. Each page is given as a text layer gives it (type size and
weight in `Hints`) and, where the case does not rest on weight, as OCR gives it (the size is
the box's height); its lines are handed over shuffled, so the order is the layout's."""
from __future__ import annotations

import random
import time

import pytest

from chalicelib.structure import FURNITURE, layout
from tests.structure.pages import BODY_SIZE, LEFT, RIGHT, SMALL_SIZE, Page, body_text, check, find, line, rotated, texts

SOURCES = ["text", "ocr"]


def shuffled(page: Page, seed: int = 7) -> list[int]:
    order = list(range(len(page.lines)))
    random.Random(seed).shuffle(order)
    return order


def roles(blocks: list[dict]) -> list[str]:
    return [b["role"] for b in blocks]


# ---------------------------------------------------------------- headings


@pytest.mark.parametrize("source", SOURCES)
def test_a_heading_is_its_own_block_before_its_paragraph_and_a_smaller_one_is_level_2(source):
    p = Page(ocr=source == "ocr")
    head = p.add("Background and aims", size=36, gap=14)  # close above its paragraph
    first = p.para(4)
    sub = p.add("Earlier surveys", size=32, gap=14)  # OCR line heights vary: a third larger
    second = p.para(3, start=2)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert roles(blocks) == ["heading", "paragraph", "heading", "paragraph"]
    assert [b.get("level") for b in blocks[::2]] == [1, 2]
    assert texts(lines, blocks[0]) == [p.lines[head]["text"]]
    assert texts(lines, blocks[1]) == [p.lines[i]["text"] for i in first]
    assert texts(lines, blocks[2]) == [p.lines[sub]["text"]]
    assert texts(lines, blocks[3]) == [p.lines[i]["text"] for i in second]
    assert "level" not in blocks[1]


@pytest.mark.parametrize("source", SOURCES)
def test_a_much_larger_first_line_of_the_first_page_is_the_title(source):
    p = Page(ocr=source == "ocr")
    p.add("The Town Library", size=56, gap=40)
    p.add("Background", size=32, gap=14)
    p.para(4)
    _, first = p.arrange(page_index=0)
    _, later = p.arrange(page_index=1)
    assert roles(first) == ["title", "heading", "paragraph"]
    assert "level" not in first[0]
    assert [(b["role"], b.get("level")) for b in later[:2]] == [("heading", 1), ("heading", 2)]


def test_a_bold_line_at_body_size_alone_is_a_heading():
    p = Page()
    p.para(3)
    p.add("Related work", bold=True, gap=14)
    p.para(3, start=3)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert roles(blocks) == ["paragraph", "heading", "paragraph"]
    assert texts(lines, blocks[1]) == ["Related work"]
    assert 1 <= blocks[1]["level"] <= 6


def test_a_run_in_bold_start_is_not_a_heading():
    """"Methods. We asked ..." with its first word bold: a text layer calls that line neither bold
    nor plain (media/document.py `_hints`)."""
    p = Page()
    p.para(3)
    p.add("Methods. We asked every household in the district to answer the questions below", bold=None)
    p.para(3, start=1)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert "heading" not in roles(blocks)
    assert find(lines, blocks, "Methods.")["role"] == "paragraph"


def test_a_forms_field_labels_and_blanks_are_not_headings():
    """A questionnaire's short bold lines ending in a colon ("NAME:", "ADDRESS:") are its fields'
    labels, and a bold line holding a blank to tick ("Yes ( ) No ( )") is a field: not headings
    (issue 55: a court's questionnaire among the tagged PDFs)."""
    p = Page()
    p.add("Creditors' committee questionnaire", size=32, gap=30)
    p.para(3)
    for label in ("YOUR FULL NAME:", "COMPANY NAME:", "ADDRESS:"):
        p.add(label, bold=True, gap=40)
    p.add("Are you a creditor of the company? Yes ( ) No ( )", bold=True, gap=40)
    p.para(3, start=3)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "Creditors'")["role"] == "heading"
    for text in ("YOUR FULL NAME:", "COMPANY NAME:", "ADDRESS:", "Are you a creditor"):
        assert find(lines, blocks, text)["role"] != "heading", text


def test_one_or_two_headings_ending_in_a_colon_stay_headings():
    p = Page()
    p.para(3)
    p.add("Strengths:", bold=True, gap=14)
    p.para(3, start=3)
    p.add("Weaknesses:", bold=True, gap=14)
    p.para(3, start=5)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "Strengths:")["role"] == "heading"
    assert find(lines, blocks, "Weaknesses:")["role"] == "heading"


def test_a_page_set_mostly_in_bold_takes_no_heading_from_bold():
    """Where most of a page's text is bold, bold tells no heading from its text: a larger line
    still does."""
    p = Page()
    p.add("Notice of meeting", size=34, gap=30)
    for k in range(3):
        p.add("Date and place of the meeting", bold=True, gap=14)
        for i in p.para(2, start=k):
            p.hints[i].bold = True
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "Notice of meeting")["role"] == "heading"
    assert [b["role"] for b in blocks].count("heading") == 1


@pytest.mark.parametrize("source", SOURCES)
def test_a_reference_lists_entries_are_not_headings(source):
    """Numbered bibliography entries and their addresses, read from a scan as lines that look
    bold or tall, are not headings."""
    p = Page(ocr=source == "ocr")
    for k in range(3):
        p.para(5, start=k)
    p.add("References", size=48, gap=30)
    for k in range(3):  # as tall as a heading, or bold
        p.add(f"[{k + 13}] Gillis A (2024) DHCP. Available at", size=34, bold=True, gap=30)
        p.add("https://www.techtarget.com/searchnetworking/definition/DHCP.", size=34, bold=True, gap=30)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "References")["role"] == "heading"
    assert [b["role"] for b in blocks].count("heading") == 1


@pytest.mark.parametrize("twin", [True, False])
def test_a_heading_at_the_top_of_its_page_is_not_a_running_header(twin):
    """A section's heading under the running header ("5. Conclusions" under "NIST SP 800-223"),
    or set as the page's other headings are, with its paragraph right under it, is a heading."""
    p = Page(y=100)
    p.add("NIST SP 800-223", size=SMALL_SIZE, gap=4)
    p.add("February 2024", size=SMALL_SIZE, gap=30)
    p.add("2.1.12. HPC Software", bold=True, gap=14)
    for k in range(4):
        p.para(5, start=k)
    if twin:
        p.add("2.1.13. User Software", bold=True, gap=14)
        p.para(4, start=5)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "NIST SP")["role"] == "page-header"
    assert find(lines, blocks, "2.1.12. HPC Software")["role"] == "heading"


# ---------------------------------------------------------------- furniture


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("number", ["12", "- 12 -", "Page 3 of 12", "xiv"])
def test_a_page_number_at_the_foot(source, number):
    p = Page(ocr=source == "ocr")
    for k in range(6):
        p.para(5, start=k)
    p.add(number, x0=800, y=2060)
    lines, blocks = p.arrange(shuffled(p))
    assert find(lines, blocks, number)["role"] == "page-number"
    assert roles(blocks)[-1] == "page-number"
    assert set(roles(blocks[:-1])) == {"paragraph"}


@pytest.mark.parametrize("source", SOURCES)
def test_a_short_line_in_small_type_at_the_head_is_a_page_header(source):
    p = Page(ocr=source == "ocr")
    p.add("A short history of the town library", y=100, size=SMALL_SIZE)
    p.y = 200
    for k in range(6):
        p.para(5, start=k)
    lines, blocks = p.arrange(shuffled(p))
    assert roles(blocks)[0] == "page-header"
    assert texts(lines, blocks[0]) == ["A short history of the town library"]
    assert set(roles(blocks[1:])) == {"paragraph"}


@pytest.mark.parametrize("y", [90, 2090])
def test_a_tagged_pdfs_artifact_in_the_margin_is_furniture(y):
    p = Page()
    for k in range(6):
        p.para(5, start=k)
    p.add("Journal of Municipal Libraries, volume 3", y=y, size=20, artifact=True)
    lines, blocks = p.arrange(shuffled(p))
    assert find(lines, blocks, "Journal of")["role"] in FURNITURE
    assert set(roles(blocks)) - set(FURNITURE) == {"paragraph"}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("top", [1840, 1920],
                         ids=["higher", "down-to-the-bottom-margin"])
def test_small_notes_at_the_foot_opened_by_a_marker_are_footnotes(source, top):
    """Two notes under the body; at 1920 the second ends at 1972, above a 1-inch bottom margin
    (2000 px) with the page number in it."""
    p = Page(ocr=source == "ocr")
    for k in range(6):
        p.para(5, start=k)
    p.y = top
    one = p.add("1 The survey's questions are listed in the appendix.", size=SMALL_SIZE, gap=8)
    star = p.add("* Figures for the district as a whole, not for the town alone.", size=SMALL_SIZE)
    p.add("12", x0=830, y=2060)
    lines, blocks = p.arrange(shuffled(p))
    assert [(b["role"], texts(lines, b)) for b in blocks[-3:]] == [
        ("footnote", [p.lines[one]["text"]]), ("footnote", [p.lines[star]["text"]]), ("page-number", ["12"])]
    assert set(roles(blocks[:-3])) == {"paragraph"}


def test_a_bold_lead_in_going_on_below_is_not_a_heading():
    """A scan's ink calls a line bold when most of it is: "Instruction tuning. In the ..." whose
    sentence goes on in lower case on the line right under it is a paragraph's run-in head, as
    is a "heading" that ends in a word broken across the line."""
    p = Page()
    p.para(3)
    p.add("Instruction tuning. In the instruction tuning", bold=True, gap=12)
    p.add("stage, the model is trained to follow instructions in a question and answer format", gap=12)
    p.para(2, start=4)
    p.add("Comparison to other up-scaling methods. Un-", bold=True, gap=12)
    p.add("like the models before it, ours needs no gating networks or dynamic expert selection.")
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert "heading" not in roles(blocks)


def test_a_paragraphs_last_line_set_apart_by_a_link_is_not_a_heading():
    """A paragraph's last line holding a link (blue, underlined: its ink measures larger and
    bold) goes on, in lower case, the sentence of the line over it: the paragraph's, not a
    heading. A heading under a paragraph that ends its sentence stays one."""
    p = Page()
    p.para(2)
    p.add("Suppose you were new to the game and assigned to play the goalie position. After watching", gap=12)
    p.add("the following video, what strategy might make the most", gap=12)
    p.add("sense for you to adopt on penalty kicks: https://www.youtube.com/watch", size=29, bold=True)
    p.para(3, start=2)
    p.add("Results", size=29, bold=True, gap=12)
    p.para(2, start=4)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    heads = [" ".join(texts(lines, b)) for b in blocks if b["role"] == "heading"]
    assert heads == ["Results"]


def test_a_short_heading_over_a_lower_case_list_is_still_a_heading():
    """"Keywords" (bold, its line ending far short of the text under it, no sentence begun in it)
    over a list that opens in lower case: its line ended there, so it is a heading, not a
    run-in head."""
    p = Page()
    p.para(3)
    p.add("Keywords", bold=True, gap=12)
    p.add("high-performance computing; reference architecture; security posture; threat analysis;")
    p.add("zero trust; access control; storage systems; management software; scientific workflows.")
    p.y += 40
    p.para(2, start=4)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "Keywords")["role"] == "heading"


def test_a_lead_in_whose_paragraph_juts_out_further_down_is_still_a_run_in_head():
    """The paragraph under a run-in head has a line further down set a little to the left (a
    number hanging in the margin): what counts is where its first line starts."""
    p = Page()
    p.para(3)
    p.add("Business characteristics. Business size was", bold=True, gap=12)
    p.add("determined by the number of staff at the time of the interview, as the decree says")
    p.add("50 - 99 staff are medium-sized firms, the largest in the survey", x0=LEFT - 40)
    p.para(2, start=4)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert "heading" not in roles(blocks)


def test_a_bar_charts_labels_beside_its_picture_are_not_headings():
    """A text layer's chart: its bars an image, its labels text right beside it within its
    height ("OCR-Recall" left of the bars), bold: labels, not headings; the heading over it is one."""
    p = Page()
    p.para(3)
    p.add("Model performance", bold=True, gap=30)
    top = p.y
    for k, label in enumerate(("OCR-Recall", "OCR-Precision", "Parsing-F1")):
        p.add(label, x0=LEFT + 200, x1=LEFT + 380, y=top + 40 + 100 * k, bold=True)
    p.y = top + 400
    p.para(3, start=3)
    chart = (LEFT + 390, top, LEFT + 1000, top + 360)
    lines, blocks = p.arrange(shuffled(p), page_index=1, figures=[chart])
    assert find(lines, blocks, "Model performance")["role"] == "heading"
    for label in ("OCR-Recall", "OCR-Precision", "Parsing-F1"):
        assert find(lines, blocks, label)["role"] != "heading", label


@pytest.mark.parametrize("source", SOURCES)
def test_a_tables_two_line_label_beside_its_cells_is_not_a_heading(source):
    """A table's row label in bold over two lines, its cells short lines set level with its top
    (on a scan OCR makes them one block taller than the label): not a heading."""
    p = Page(ocr=source == "ocr")
    p.para(3)
    y = p.y + 30
    p.add("Embracing complexity in", y=y, bold=True, size=BODY_SIZE if source == "text" else 34)
    p.add("sustainability", bold=True, size=BODY_SIZE if source == "text" else 34)
    for k, cell in enumerate(("Systems thinking", "Critical thinking", "Problem framing")):
        p.add(cell, x0=LEFT + 600, y=y + k * 36)
    p.y = y + 200
    p.para(3, start=3)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert find(lines, blocks, "Embracing complexity")["role"] != "heading"


def test_a_charts_labels_are_not_headings():
    """Where no picture is known (a scan, a drawing in a PDF), a chart's axis name set upright,
    or one under a row of tick numbers, is a label, however large or bold."""
    p = Page()
    p.para(4)
    y = p.y + 40
    p.lines.append(line("Yen/tonne", LEFT, y, LEFT + 40, y + 180))  # turned a quarter: taller than wide
    p.hints.append(layout.Hints(size=40, bold=True))
    for k, tick in enumerate(("150", "175", "200")):
        p.add(tick, x0=LEFT + 300 + 150 * k, y=y + 200, size=BODY_SIZE, bold=True)
    p.add("Distance to hole (inches)", x0=LEFT + 330, y=y + 250, size=36, bold=True)
    p.y = y + 400
    p.para(4, start=1)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert "heading" not in roles(blocks)


@pytest.mark.parametrize("source", SOURCES)
def test_a_section_number_read_apart_from_its_heading_goes_with_it(source):
    """OCR reads "3   Training Details" and "22  <note>" as two lines each (a wide space after
    the number): the number opens its heading's block and its note's."""
    p = Page(ocr=source == "ocr")
    for k in range(4):
        p.para(5, start=k)
    y = p.y
    number = p.add("3", y=y, size=36, bold=True)
    head = p.add("Training Details", x0=LEFT + 60, y=y, size=36, bold=True, gap=14)
    p.para(4, start=1)
    p.y = 1900
    mark = p.add("22", y=1900, size=SMALL_SIZE)
    note = p.add("The likelihood of each response given the model's parameters.", x0=LEFT + 40, y=1900, size=SMALL_SIZE)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    heading = find(lines, blocks, "Training Details")
    assert heading["role"] == "heading" and texts(lines, heading) == ["3", "Training Details"]
    footnote = find(lines, blocks, "The likelihood")
    assert footnote["role"] == "footnote" and texts(lines, footnote) == ["22", p.lines[note]["text"]]
    assert [p.lines[i]["text"] for i in (number, head, mark)] == ["3", "Training Details", "22"]


@pytest.mark.parametrize("source", SOURCES)
def test_a_small_note_with_body_text_below_it_is_not_a_footnote(source):
    p = Page(ocr=source == "ocr")
    for k in range(5):
        p.para(5, start=k)
    p.add("1 The survey's questions are listed in the appendix.", size=SMALL_SIZE, gap=40)
    p.para(5, start=3)
    lines, blocks = p.arrange(shuffled(p))
    assert "footnote" not in roles(blocks)
    assert find(lines, blocks, "1 The survey")["role"] in ("paragraph", "list-item")


# ---------------------------------------------------------------- lists, tables


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("marks", [["•"] * 3, ["1.", "2.", "3."], ["a)", "b)", "c)"], ["–"] * 3],
                         ids=["bullets", "numbers", "letters", "dashes"])
def test_list_lines_are_separate_list_items(source, marks):
    p = Page(ocr=source == "ocr")
    p.para(3)
    items = [f"{marks[0]} a quiet room for reading", f"{marks[1]} longer opening hours on weekdays and, for students",
             "preparing their exams, on Saturday evenings too", f"{marks[2]} a place where groups can meet"]
    for text in items:
        p.add(text, x0=LEFT + 40)
    p.y += 40
    p.para(3, start=2)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert roles(blocks) == ["paragraph", "list-item", "list-item", "list-item", "paragraph"]
    assert [texts(lines, b) for b in blocks[1:4]] == [items[:1], items[1:3], items[3:]]


TABLE = [["Branch", "Opened", "Visitors"],
         ["Central", "1904", "81,200"],
         ["Riverside", "1968", "23,950"],
         ["Hill Road", "1987", "12,400"],
         ["Station", "2011", "30,075"]]


@pytest.mark.parametrize("source", SOURCES)
def test_aligned_rows_of_three_columns_are_one_table_read_row_by_row(source):
    p = Page(ocr=source == "ocr")
    p.para(4)
    columns = [(LEFT, LEFT + 300), (700, 900), (1200, 1400)]
    for r, row in enumerate(TABLE):
        y = p.y
        for (x0, _), text in zip(columns, row):
            p.add(text, x0=x0, y=y, bold=r == 0)
    p.y += 40
    p.para(4, start=2)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert roles(blocks) == ["paragraph", "table", "paragraph"]
    table = blocks[1]
    assert (table["rows"], table["cols"]) == (5, 3)
    assert [(c["row"], c["col"]) for c in table["cells"]] == [(r, c) for r in range(5) for c in range(3)]
    assert [c["header"] for c in table["cells"]] == [r == 0 for r in range(5) for _ in range(3)]
    assert [[lines[i]["text"] for i in c["lines"]] for c in table["cells"]] == [[t] for row in TABLE for t in row]


@pytest.mark.parametrize("source", SOURCES)
def test_a_cells_wrapped_text_stays_in_its_cell(source):
    p = Page(ocr=source == "ocr")
    p.para(4)
    for r, row in enumerate(TABLE):
        y = p.y
        for x0, text in zip((LEFT, 700, 1200), row):
            p.add(text, x0=x0, y=y, bold=r == 0)
        if row[0] == "Hill Road":
            p.add("(closed 2019)", x0=LEFT)
    p.y += 40
    p.para(4, start=2)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert roles(blocks) == ["paragraph", "table", "paragraph"]
    table = blocks[1]
    assert (table["rows"], table["cols"]) == (5, 3)
    assert [[lines[i]["text"] for i in c["lines"]] for c in table["cells"] if c["row"] == 3] == \
        [["Hill Road", "(closed 2019)"], ["1987"], ["12,400"]]


# ---------------------------------------------------------------- reading order


def two_columns(ocr: bool, breaks: list[int]) -> tuple[Page, list[list[int]]]:
    """A full-width heading over two columns of 20 lines; a paragraph breaks after each line
    number in `breaks` (in both columns, at the same height). The expected reading: the heading,
    then the left column's paragraphs, then the right's."""
    p = Page(ocr=ocr)
    head = p.add("How the town chose its new library", size=36, gap=40)
    top = p.y
    paragraphs = [[head]]
    for col, (x0, x1) in enumerate([(LEFT, 830), (870, RIGHT)]):
        p.y = top
        current: list[int] = []
        for k in range(20):
            current.append(p.add(body_text(k + 3 * col)[:52], x0=x0, x1=x1))
            if k + 1 in breaks:
                p.y += 40
                paragraphs.append(current)
                current = []
        paragraphs.append(current)
    return p, paragraphs


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("breaks", [[], [8], [5, 12]], ids=["no-break", "break", "two-breaks"])
def test_two_columns_read_heading_then_left_then_right(source, breaks):
    p, paragraphs = two_columns(source == "ocr", breaks)
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert [lines.index(p.lines[i]) for para in paragraphs for i in para] == list(range(len(lines)))
    assert roles(blocks) == ["heading"] + ["paragraph"] * (len(paragraphs) - 1)
    assert [texts(lines, b) for b in blocks] == [[p.lines[i]["text"] for i in para] for para in paragraphs]


@pytest.mark.parametrize("degrees", [20, -20])
def test_a_photo_turned_by_20_degrees_still_reads_top_to_bottom(degrees):
    p = Page(ocr=True)
    p.add("Background and aims", size=36, gap=14)
    p.para(4)
    p.add("Earlier surveys", size=32, gap=14)
    p.para(3, start=2)
    p.para(3, start=4)
    p.lines = [rotated(ln, degrees) for ln in p.lines]
    lines, blocks = p.arrange(shuffled(p), page_index=1)
    assert lines == p.lines
    assert roles(blocks) == ["heading", "paragraph", "heading", "paragraph", "paragraph"]


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize("source", SOURCES)
def test_lines_inside_a_figure_belong_to_the_figure(source):
    p = Page(ocr=source == "ocr")
    p.para(4)
    box = (400, p.y, 1300, p.y + 600)
    labels = [p.add(t, x0=x, y=box[1] + dy, size=SMALL_SIZE)
              for t, x, dy in [("Visitors per year", 700, 20), ("80,000", 420, 120), ("40,000", 420, 320),
                               ("1990", 500, 560), ("2020", 1200, 560)]]
    p.y = box[3] + 20
    caption = p.add("Figure 2. Visitors to the central library by year.", size=SMALL_SIZE, x0=400, gap=40)
    p.para(4, start=2)
    empty = (1400, 1900, 1600, 2000)  # a picture with no text
    lines, blocks = p.arrange(shuffled(p), page_index=1, figures=[box, empty])
    figures = [b for b in blocks if b["role"] == "figure"]
    assert len(figures) == 2
    assert sorted(texts(lines, next(f for f in figures if f["lines"]))) == sorted(p.lines[i]["text"] for i in labels)
    assert [f["box"] for f in figures if not f["lines"]] == [[[1400, 1900], [1600, 1900], [1600, 2000], [1400, 2000]]]
    assert find(lines, blocks, p.lines[caption]["text"])["role"] == "caption"
    assert all(b["role"] in ("paragraph", "figure", "caption") for b in blocks)


def test_a_page_with_no_lines_keeps_its_figures():
    lines, blocks = layout.arrange([], 1700, 2200, figures=[(100, 100, 500, 400)])
    assert lines == []
    assert blocks == [{"role": "figure", "lines": [], "spoken": True,
                       "box": [[100, 100], [500, 100], [500, 400], [100, 400]]}]


# ---------------------------------------------------------------- a whole page, and scale


@pytest.mark.parametrize("source", SOURCES)
def test_a_page_with_everything_keeps_every_line_once_and_reindexes_them(source):
    p = Page(ocr=source == "ocr")
    p.add("A short history of the town library", y=100, size=SMALL_SIZE)
    p.y = 200
    p.add("Background and aims", size=36, gap=14)
    p.para(4)
    for text in ["• a quiet room", "• longer hours", "• a meeting room"]:
        p.add(text, x0=LEFT + 40)
    p.y += 40
    for row in TABLE:
        y = p.y
        for x0, text in zip((LEFT, 700, 1200), row):
            p.add(text, x0=x0, y=y)
    p.y += 40
    p.para(5, start=1)
    p.y = 1900
    p.add("1 The survey's questions are listed in the appendix.", size=SMALL_SIZE)
    p.add("12", x0=830, y=2060)
    given = [p.lines[i] for i in shuffled(p, seed=3)]
    lines, blocks = layout.arrange(given, 1700, 2200, None if p.ocr else [p.hints[p.lines.index(ln)] for ln in given])
    check(given, lines, blocks)
    assert roles(blocks) == ["page-header", "heading", "paragraph", "list-item", "list-item", "list-item", "table",
                             "paragraph", "footnote", "page-number"]
    assert all(b["spoken"] is True for b in blocks)
    assert all(set(b) >= {"role", "lines", "spoken", "box"} for b in blocks)


def timed(lines: list[dict], width: int, height: int) -> float:
    start = time.process_time()
    out, blocks = layout.arrange(lines, width, height)
    spent = time.process_time() - start
    check(lines, out, blocks)
    return spent


def word_line(k: int, x: float, y: float) -> dict:
    return line(f"w{k}", round(x), round(y), round(x) + 30, round(y) + 20)


HOSTILE = {
    # three columns whose lines are staggered, so every band holds one line of each column in turn
    "3-interleaved-columns": lambda: ([word_line(k, 100 + 500 * (k % 3), 20 + 8 * k) for k in range(5000)], 1700, 40100),
    "one-row-of-5000-cells": lambda: ([word_line(k, 10 + 40 * k, 100) for k in range(5000)], 200_020, 300),
    "70x70-grid": lambda: ([word_line(k, 10 + 40 * (k % 70), 10 + 30 * (k // 70)) for k in range(4900)], 2820, 2120),
}


@pytest.mark.parametrize("name", ["3-interleaved-columns", "one-row-of-5000-cells", "70x70-grid"])
def test_5000_lines_in_a_hostile_layout_take_bounded_cpu_time(name):
    """The process's CPU seconds, not the clock's: a quadratic arrangement of 5,000 lines takes
    minutes, this one ~0.5 s (its figure beside the 2 s goal: bench/timings.py); twice the goal
    leaves room for what a busy machine adds to CPU time (caches shared with its neighbours:
    1.96-2.07 s where 1.6-1.9 s alone)."""
    lines, width, height = HOSTILE[name]()
    random.Random(1).shuffle(lines)
    assert timed(lines, width, height) < 4.0


@pytest.mark.parametrize("source", SOURCES)
def test_a_page_whose_only_text_is_at_its_top_is_read(source):
    """A short letter's page: one line near the top and nothing under it is the page's text,
    not its running header."""
    p = Page(y=120, ocr=source == "ocr")
    p.add("The first page of the letter")
    _, blocks = p.arrange()
    assert roles(blocks) == ["paragraph"]


@pytest.mark.parametrize("source", SOURCES)
def test_a_sentence_opening_the_page_is_not_a_running_header(source):
    p = Page(y=120, ocr=source == "ocr")
    p.add("Every reader deserves to hear the page in its own language.", gap=40)
    p.para(4)
    _, blocks = p.arrange()
    assert roles(blocks)[0] == "paragraph"


@pytest.mark.parametrize("source", SOURCES)
def test_a_signs_lines_at_the_photos_edges_are_read(source):
    """A photo of a sign has no running text for furniture to frame: its top word and the number
    at its foot are the sign's (on ICDAR's street photos 5 of 238 words were left out so)."""
    p = Page(y=40, ocr=source == "ocr")
    p.add("EXIT")
    p.add("Platform two", y=900)
    p.add("24", y=2120)
    _, blocks = p.arrange()
    assert all(b["spoken"] is True and b["role"] not in FURNITURE for b in blocks), blocks
