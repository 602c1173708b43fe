"""Type size and bold told from a scan's ink (structure/ink.py), on lines drawn with DejaVu Sans
and its bold face."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from chalicelib.structure import ink, layout

FONTS = "/usr/share/fonts/truetype/dejavu/"


def page(lines: list[tuple[str, bool] | tuple[str, bool, int]]) -> tuple[np.ndarray, list[dict]]:
    """Lines drawn one under the other (text, bold, point size: 28 unless given), each with a
    box as OCR gives it: the glyphs' extent and a little margin."""
    image = Image.new("RGB", (1400, 80 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    out = []
    for k, (text, heavy, *pt) in enumerate(lines):
        font = ImageFont.truetype(FONTS + ("DejaVuSans-Bold.ttf" if heavy else "DejaVuSans.ttf"), pt[0] if pt else 28)
        x0, y0, x1, y1 = draw.textbbox((40, 40 + 70 * k), text, font=font)
        draw.text((40, 40 + 70 * k), text, fill="black", font=font)
        box = [[x0, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [x0, y1 + 4]]
        out.append({"text": text, "box": box, "words": [{"text": w, "box": box} for w in text.split()]})
    return np.asarray(image), out


def test_a_bold_line_among_regular_ones_is_bold():
    rgb, lines = page([("Results of the survey", True),
                       ("The survey was sent to every household in the district", False),
                       ("during the spring, and most of them answered within", False),
                       ("a month; the figures below are what they said.", False),
                       ("Methods", True)])
    hints = ink.hints(rgb, lines)
    assert [h.bold for h in hints] == [True, False, False, False, True]
    assert all(h.ink for h in hints)
    body = hints[1].size
    assert all(abs(h.size - body) <= 0.08 * body for h in hints)  # bold at body size is body size


RUNNING = [("The survey was sent to every household in the district", False),
           ("during the spring, and most of them answered within", False),
           ("a month; the figures below are what they said.", False)]


def test_size_is_the_x_height_not_the_box_height():
    # A line without ascenders or descenders has a box a third shorter than one with both, at
    # the same size; capitals fill the cap height, not the x-height: all are body size.
    rgb, lines = page([*RUNNING, ("momentous news on a warm summer morn", False),
                       ("Typography (quality) judged by jury", False), ("RESULTS OF THE SURVEY", False)])
    heights = [ln["box"][2][1] - ln["box"][0][1] for ln in lines]
    assert heights[3] < 0.8 * heights[4]
    hints = ink.hints(rgb, lines)
    body = hints[0].size
    assert [round(h.size / body, 2) for h in hints[3:]] == pytest.approx([1.0, 1.0, 1.0], abs=0.1)


def test_larger_and_smaller_type_measure_so():
    rgb, lines = page([*RUNNING, ("Results of the survey", False, 38), ("1 Counted in the spring of that year", False, 21)])
    hints = ink.hints(rgb, lines)
    body = hints[0].size
    assert hints[3].size >= 1.25 * body
    assert hints[4].size <= 0.82 * body


def test_too_little_running_text_to_compare_gives_no_hints():
    rgb, lines = page([("Exit", True), ("Open 24 hours", False)])
    assert ink.hints(rgb, lines) is None


@pytest.mark.parametrize("box", [[[5, 5], [9, 5], [9, 8], [5, 8]], [[-50, -50], [-10, -50], [-10, -10], [-50, -10]]])
def test_a_box_too_small_or_off_the_image_is_not_judged(box):
    rgb, lines = page([(t, False) for t in ("one two three four", "five six seven eight", "nine ten eleven twelve")])
    odd = {"text": "x", "box": box, "words": [{"text": "x", "box": box}]}
    assert ink.hints(rgb, [*lines, odd])[-1].bold is None


def test_labels_among_a_charts_ink_are_told_from_headings_with_a_rule_or_a_frame():
    """A chart's bars with a tick's label under them and a legend beside them; a heading with a rule
    under it and another inside a thin frame: only the chart's labels lie among a drawing's ink."""
    rgb, lines = page([*RUNNING, ("Results of the survey", True), ("Methods", True), *RUNNING])
    image = Image.new("RGB", (1400, rgb.shape[0] + 300), "white")  # room for the chart
    image.paste(Image.fromarray(rgb), (0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONTS + "DejaVuSans.ttf", 28)
    for text, x, y in (("3", 900, image.height - 200), ("single-frequency", 1110, image.height - 330)):
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        draw.text((x, y), text, fill="black", font=font)
        box = [[x0, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [x0, y1 + 4]]
        lines.append({"text": text, "box": box, "words": [{"text": text, "box": box}]})
    for k in range(4):  # bars standing right above the tick's label
        draw.rectangle([880 + 60 * k, image.height - 420 + 30 * k, 910 + 60 * k, image.height - 210], fill=(70, 100, 150))
    methods = lines[4]["box"]
    draw.line([(40, methods[2][1] + 6), (600, methods[2][1] + 6)], fill="black", width=2)  # a rule under it
    head = lines[3]["box"]
    draw.rectangle([head[0][0] - 20, head[0][1] - 8, head[2][0] + 300, head[2][1] + 8], outline="black", width=2)
    hints = ink.hints(np.asarray(image), lines)
    near = {ln["text"]: h.figure for ln, h in zip(lines, hints)}
    assert near["3"] and near["single-frequency"]
    assert not near["Results of the survey"] and not near["Methods"] and not near[RUNNING[0][0]]


def test_a_box_taller_than_its_line_does_not_take_in_the_line_above():
    # Detectors differ by a few pixels in how far a box reaches: one that takes in the
    # descenders of the line above (past a blank row) still measures its own line's size.
    rgb, lines = page([*RUNNING, ("gypsy jumpy quippy foggy", False), ("preprint arXiv: 1701.06538.", False)])
    tight = ink.hints(rgb, lines)[4].size
    line, above = lines[4], lines[3]
    line["box"] = [[x, above["box"][2][1] - 6 if k < 2 else y] for k, (x, y) in enumerate(line["box"])]
    gray = rgb.mean(axis=2)
    x0, y0, x1, _ = (int(v) for v in (line["box"][0][0], line["box"][0][1], line["box"][1][0], 0))
    assert (gray[y0:y0 + 4, x0:x1] < 128).any()  # the descenders of the line above are in the box
    assert ink.hints(rgb, lines)[4].size == pytest.approx(tight, rel=0.05)


@pytest.mark.parametrize("thick", [2, 6, 10])
def test_a_rule_under_a_line_in_its_box_is_not_the_line(thick):
    # A heading's rule the detector's box took in: a solid bar, thicker than the line holds ink
    # (a 2-4 pt rule under short words) is not its text; the letters are the strokes.
    rgb, lines = page([*RUNNING, ("Methods", False), ("momentous news on a warm summer morn", False)])
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    for line in lines[3:]:
        foot = line["box"][2][1]  # the line's box reaches 4 px under its ink: the rule's gap
        draw.rectangle([20, foot - 2, 1300, foot - 3 + thick], fill="black")
        line["box"] = [[x, y + thick if k >= 2 else y] for k, (x, y) in enumerate(line["box"])]
    hints = ink.hints(np.asarray(image), lines)
    body = hints[0].size
    assert [round(h.size / body, 1) for h in hints[3:]] == [1.0, 1.0]
    assert not any(h.bold for h in hints[3:])


def test_accents_over_capitals_are_not_the_ascent():
    # An accent sits apart over a capital (a blank row between): counted in the ascent, a line of
    # accented capitals at body size measured as the x-height band under a taller ascent, a third
    # larger than its neighbours.
    rgb, lines = page([*RUNNING, ("ÉTUDE À ÉTÉ", False), ("RESULTS OF THE SURVEY", False)])
    hints = ink.hints(rgb, lines)
    body = hints[0].size
    assert [round(h.size / body, 1) for h in hints[3:]] == pytest.approx([1.0, 1.0], abs=0.1)


# ---------------------------------------------------------------- pictures on a drawn page


def drawn(size: tuple[int, int], paper="white") -> tuple[Image.Image, ImageDraw.ImageDraw, list[dict]]:
    image = Image.new("RGB", size, paper)
    return image, ImageDraw.Draw(image), []


def write(draw: ImageDraw.ImageDraw, lines: list[dict], text: str, x: int, y: int, *, bold=False, pt=28,
          fill="black") -> tuple[int, int, int, int]:
    """The text drawn at (x, y) and its line as OCR gives it (the glyphs' extent and a margin)."""
    font = ImageFont.truetype(FONTS + ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), pt)
    x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
    draw.text((x, y), text, fill=fill, font=font)
    box = [[x0, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [x0, y1 + 4]]
    lines.append({"text": text, "box": box, "words": [{"text": w, "box": box} for w in text.split()]})
    return x0, y0, x1, y1


def roles(image: Image.Image, lines: list[dict]) -> dict[str, str]:
    """{a line's text: the role of its block}, the page arranged as a scan's is (the ink's hints)."""
    rgb = np.asarray(image)
    ordered, blocks = layout.arrange(lines, image.width, image.height, measure=lambda ls: ink.hints(rgb, ls))
    return {ordered[i]["text"]: b["role"] for b in blocks for i in b["lines"]}


SURVEY = ["The survey was sent to every household in the district",
          "during the spring, and most of them answered within",
          "a month; the figures below are what they said of it."]


def test_a_bar_charts_axis_name_under_its_ticks_is_no_heading_and_the_pages_heading_stays():
    # The axis's name sits under the categories' labels, further than a body height from the
    # bars: it is the chart's all the same (a short line right under a label), in larger type
    # than the body as headings are. The page's own heading, over running text, stays one.
    image, draw, lines = drawn((1400, 2000))
    write(draw, lines, "Results of the survey", 40, 300, bold=True)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 370 + 50 * k)
    for k, (name, height) in enumerate((("North", 260), ("South", 180), ("East", 320), ("West", 120))):
        draw.rectangle([300 + 170 * k, 1000 - height, 380 + 170 * k, 1000], fill=(70, 100, 150))
        write(draw, lines, name, 300 + 170 * k, 1015, pt=22)
    write(draw, lines, "Households by district", 420, 1058, pt=36)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 1200 + 50 * k)
    got = roles(image, lines)
    assert got["Results of the survey"] == "heading"
    assert got["Households by district"] != "heading"
    assert not any(got[name] == "heading" for name in ("North", "South", "East", "West"))


def test_a_label_set_on_a_maps_pale_ground_is_no_heading():
    # A map's ground is pale grey, crossed by white streets, with a park: paler than any ink,
    # but not the paper. Its place names are labels, however bold; the heading over the page's
    # text is one.
    image, draw, lines = drawn((1400, 2000))
    write(draw, lines, "Where the stations are", 40, 300, bold=True)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 370 + 50 * k)
    draw.rectangle([200, 560, 1000, 1240], fill=(232, 234, 237))
    for k in range(6):
        draw.rectangle([200, 600 + 110 * k, 1000, 612 + 110 * k], fill="white")
        draw.rectangle([260 + 140 * k, 560, 272 + 140 * k, 1240], fill="white")
    draw.rectangle([700, 840, 840, 940], fill=(200, 230, 200))
    write(draw, lines, "Tracy Aviary", 440, 870, bold=True)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 1300 + 50 * k)
    got = roles(image, lines)
    assert got["Where the stations are"] == "heading"
    assert got["Tracy Aviary"] != "heading"


def test_a_heading_on_a_coloured_band_or_a_slides_gradient_stays_a_heading():
    # Text set on colour is not a picture's label: a heading in white on a band of one flat
    # colour, and a slide whose whole ground shades from one colour to another.
    image, draw, lines = drawn((1400, 2000))
    draw.rectangle([20, 280, 1380, 360], fill=(0, 150, 150))
    write(draw, lines, "Competence area", 40, 300, bold=True, fill="white")
    for k, text in enumerate(SURVEY + SURVEY):
        write(draw, lines, text, 40, 400 + 50 * k)
    assert roles(image, lines)["Competence area"] == "heading"

    ramp = np.linspace(0, 1, 800)[:, None, None] * np.linspace(0.6, 1, 1400)[None, :, None]
    ground = (np.array([120, 110, 235]) + ramp * np.array([100, 110, 15])).astype(np.uint8)
    image = Image.fromarray(ground)
    draw, lines = ImageDraw.Draw(image), []
    write(draw, lines, "Contents", 40, 100, pt=48, fill="white")
    for k, text in enumerate(["1. Overview of the reading service", "2. Introduction of the services and their use",
                              "3. Product and detail of its specification", "4. Integration"]):
        write(draw, lines, text, 500, 200 + 90 * k, fill="white")
    assert roles(image, lines)["Contents"] == "heading"


def test_a_legends_labels_by_their_coloured_dots_are_no_headings_but_a_heading_with_an_icon_is():
    # A pie chart's legend: a coloured dot before each label, which OCR takes into the line's
    # box but does not read; its first label set larger. Two or more keyed lines one under
    # the other are a legend's (or a list's) items. A heading with a square icon before it,
    # over running text, has no keyed neighbour and stays a heading.
    image, draw, lines = drawn((1400, 2000))
    write(draw, lines, "Results of the survey", 40, 300, bold=True)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 370 + 50 * k)
    for start, end, colour in ((0, 270, (150, 0, 150)), (270, 330, (250, 150, 0)), (330, 360, (20, 140, 40))):
        draw.pieslice([150, 620, 550, 1020], start, end, fill=colour)
    for k, (text, colour) in enumerate((("Primary", (50, 100, 220)), ("Lower Secondary", (220, 60, 20)),
                                        ("Upper Secondary", (250, 150, 0)), ("Doctorate", (20, 140, 40)))):
        y = 660 + 48 * k + 8 * (k > 0)
        x0, y0, x1, y1 = write(draw, lines, text, 850, y, pt=34 if k == 0 else 28)
        draw.ellipse([805, (y0 + y1) // 2 - 12, 829, (y0 + y1) // 2 + 12], fill=colour)
        lines[-1]["box"] = [[800, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [800, y1 + 4]]  # the dot in the box
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 1100 + 50 * k)
    x0, y0, x1, y1 = write(draw, lines, "Methods", 80, 1300, bold=True)
    draw.rectangle([40, (y0 + y1) // 2 - 13, 66, (y0 + y1) // 2 + 13], fill=(0, 150, 150))
    lines[-1]["box"] = [[36, y0 - 4], [x1, y0 - 4], [x1, y1 + 4], [36, y1 + 4]]
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 1370 + 50 * k)
    keyed = {ln["text"]: h.keyed for ln, h in zip(lines, ink.hints(np.asarray(image), lines))}
    assert keyed["Primary"] and keyed["Doctorate"] and not keyed["Methods"] and not keyed[SURVEY[0]]
    got = roles(image, lines)
    assert got["Primary"] != "heading"
    assert got["Methods"] == "heading" and got["Results of the survey"] == "heading"


def test_a_legends_row_with_two_small_square_keys_is_no_heading():
    # A chart's legend in one row, each name after a small square of its colour (smaller than
    # a dot key: squares fill their box as no letter does), set larger than the body.
    image, draw, lines = drawn((1400, 2000))
    write(draw, lines, "Results of the survey", 40, 300, bold=True)
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 370 + 50 * k)
    x0, y0, _, y1 = write(draw, lines, "single-frequency", 460, 700, pt=34)
    _, _, x1, _ = write(draw, lines, "multi-frequency", 800, 700, pt=34)
    lines[-2:] = [{"text": "single-frequency multi-frequency", "box": [[430, y0 - 4], [x1, y0 - 4], [x1, y1 + 4],
                                                                      [430, y1 + 4]], "words": []}]
    lines[-1]["words"] = [{"text": w, "box": lines[-1]["box"]} for w in lines[-1]["text"].split()]
    middle = (y0 + y1) // 2
    draw.rectangle([434, middle - 7, 446, middle + 7], fill=(90, 110, 150))
    draw.rectangle([774, middle - 7, 786, middle + 7], fill=(190, 100, 80))
    for k, text in enumerate(SURVEY):
        write(draw, lines, text, 40, 820 + 50 * k)
    assert [h.keyed for h in ink.hints(np.asarray(image), lines)] == [False] * 4 + [True] + [False] * 3
    assert roles(image, lines)["single-frequency multi-frequency"] != "heading"


@pytest.mark.parametrize("shade, grain", [(0.2, 6), (0.3, 15), (0.5, 5)])
def test_a_photographed_pages_uneven_light_and_grain_are_no_picture(shade, grain):
    # A page photographed under a lamp: its paper darkens towards one corner (by up to a half),
    # with grain; the shade has no outline (the colour on both sides of where it crosses the
    # paper's is the same, grain averaged along it): the heading stays.
    image, draw, lines = drawn((1400, 2000))
    write(draw, lines, "Results of the survey", 40, 300, bold=True)
    for k, text in enumerate(SURVEY + SURVEY):
        write(draw, lines, text, 40, 370 + 50 * k)
    rgb = np.asarray(image).astype(float)
    yy, xx = np.mgrid[0:2000, 0:1400]
    light = 1 - shade * np.hypot(yy / 2000, xx / 1400) / np.sqrt(2)
    noise = np.random.default_rng(7).normal(0, grain, rgb.shape[:2])
    shot = np.clip(rgb * light[..., None] + noise[..., None], 0, 255).astype(np.uint8)
    hints = ink.hints(shot, lines)
    assert not any(h.figure or h.keyed for h in hints)
    assert roles(Image.fromarray(shot), lines)["Results of the survey"] == "heading"


def test_a_heavy_rule_under_a_letterhead_is_no_drawing():
    # A letterhead's heavy rule, under half a body height thick: a rule, however the blur that
    # evens a scan's grain out widens it; the name over it stays a heading.
    image, draw, lines = drawn((1400, 2000))
    x0, y0, x1, y1 = write(draw, lines, "DAVIS POLK AND WARDWELL", 300, 300, bold=True, pt=34)
    draw.rectangle([40, y1 + 16, 1360, y1 + 30], fill="black")  # 15 px: under half of a 35 px body
    for k, text in enumerate(SURVEY + SURVEY):
        write(draw, lines, text, 40, y1 + 70 + 50 * k)
    assert not ink.hints(np.asarray(image), lines)[0].figure
    assert roles(image, lines)["DAVIS POLK AND WARDWELL"] == "heading"
