"""chalicelib.structure.regions: a layout detector's regions settle what the rules answer worst."""
from __future__ import annotations

from chalicelib.engines.layout import Region
from chalicelib.structure import regions
from chalicelib.structure.elements import Block


def block(role: str, lines: list[int], box: tuple[float, float, float, float], **rest) -> Block:
    x0, y0, x1, y1 = box
    return Block(role, lines, None, {"box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "spoken": True, **rest})


TEXTS = ["1. Introduction", "Education Content Platform PoC Case", "it runs on from the line before",
         "A sentence that ends.", "Reference frameworks:", "Competence Statement"]


def test_a_paragraph_the_detector_calls_a_heading_and_shaped_as_one_is_a_heading_at_its_peers_level():
    heading = block("heading", [0], (100, 100, 400, 130), level=2)
    slide = block("paragraph", [1], (100, 300, 600, 330))
    changed = regions.weigh(TEXTS, [heading, slide], [Region("Section-header", 0.62, (98, 298, 602, 333))])
    assert changed == 1
    assert (slide.role, slide.rest["level"]) == ("heading", 2)


def test_the_blocks_own_shape_and_the_detectors_doubt_keep_a_paragraph():
    head = Region("Section-header", 0.9, (100, 300, 600, 330))
    for text in ("it runs on from the line before", "A sentence that ends.", "Reference frameworks:",
                 " ".join(["word"] * 15)):
        para = block("paragraph", [0], (100, 300, 600, 330))
        assert regions.weigh([text], [para], [head]) == 0 and para.role == "paragraph", text
    three_lines = block("paragraph", [0, 1, 2], (100, 300, 600, 330))
    assert regions.weigh(TEXTS, [three_lines], [head]) == 0
    unsure = block("paragraph", [1], (100, 300, 600, 330))
    assert regions.weigh(TEXTS, [unsure], [Region("Section-header", 0.45, (100, 300, 600, 330))]) == 0
    text_surer = block("paragraph", [1], (100, 300, 600, 330))
    assert regions.weigh(TEXTS, [text_surer], [head, Region("Text", 0.95, (100, 300, 600, 330))]) == 0
    # A heading region over a whole column is not this block's.
    small = block("paragraph", [1], (100, 300, 600, 330))
    assert regions.weigh(TEXTS, [small], [Region("Section-header", 0.9, (100, 300, 600, 1300))]) == 0


def test_a_heading_inside_a_table_the_detector_is_sure_of_is_the_tables_label():
    table = Region("Table", 0.87, (50, 200, 1200, 900))
    label = block("heading", [5], (100, 250, 400, 280), level=3)
    assert regions.weigh(TEXTS, [label], [table]) == 1
    assert label.role == "paragraph" and "level" not in label.rest
    # ...unless the detector sees a heading there, or is unsure of the table.
    kept = block("heading", [5], (100, 250, 400, 280), level=3)
    assert regions.weigh(TEXTS, [kept], [table, Region("Section-header", 0.4, (100, 250, 400, 280))]) == 0
    unsure = block("heading", [5], (100, 250, 400, 280), level=3)
    assert regions.weigh(TEXTS, [unsure], [Region("Table", 0.5, (50, 200, 1200, 900))]) == 0


def test_regions_are_scaled_to_the_blocks_and_nothing_changes_without_them():
    slide = block("paragraph", [1], (100, 300, 600, 330))
    assert regions.weigh(TEXTS, [slide], []) == 0
    # The detector saw a 2x image: its box is halved onto the page's.
    assert regions.weigh(TEXTS, [slide], [Region("Title", 0.8, (200, 600, 1200, 660))], scale=(0.5, 0.5)) == 1
    assert slide.role == "heading" and slide.rest["level"] == 2  # no heading on the page: level 2
    unspoken = block("paragraph", [1], (100, 300, 600, 330), spoken=False)
    assert regions.weigh(TEXTS, [unspoken], [Region("Title", 0.8, (100, 300, 600, 330))]) == 0


def test_a_page_of_running_text_is_not_worth_a_detection():
    texts = ["It was the best of times, it was the worst of times, it was the age of wisdom,",
             "it was the age of foolishness.", "Chapter 2", "Short line"]
    running = [block("paragraph", [0, 1], (100, 100, 900, 160)), block("page-number", [3], (500, 1000, 520, 1020))]
    assert not regions.worth_asking(texts, running)
    assert regions.worth_asking(texts, running + [block("paragraph", [2], (100, 200, 300, 230))])
    assert regions.worth_asking(texts, running + [block("heading", [3], (100, 200, 300, 230), level=1)])


def test_a_sections_heading_taken_for_a_running_header_is_spoken_as_a_heading():
    texts = ["1. BACKGROUND INFORMATION", "Annual report 2021"]
    top = block("page-header", [0], (100, 40, 700, 70))
    running = block("page-header", [1], (100, 1500, 700, 1530))
    changed = regions.weigh(texts, [top, running], [Region("Section-header", 0.64, (100, 40, 700, 70)),
                                                   Region("Page-header", 0.2, (100, 40, 700, 70)),
                                                   Region("Section-header", 0.7, (100, 1500, 700, 1530)),
                                                   Region("Page-footer", 0.8, (100, 1500, 700, 1530))])
    assert changed == 1
    assert top.role == "heading" and running.role == "page-header"
