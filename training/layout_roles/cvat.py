"""Pages labelled by people, never tuned on: docling-cvat-tools' CVAT test pages in layout-dev's shape.

    .venv/bin/python training/layout_roles/cvat.py [--git-dir DIR] [--out /work/data/layout-extra/cvat]

Source: github.com/docling-project/docling-cvat-tools at COMMIT (MIT; the pages themselves are
third-party documents: measured here, never committed), read straight out of a git directory
(`--git-dir`: the `fetch` tool's mirror, or any clone): `tests/cvat_to_docling/fixtures/*/`
(`input.pdf` or `input.png`, `input.xml`) and `tests/data/cvat_pdfs_dataset_e2e/case_0{1,2,3}`
(`<sha256>.pdf` or `doc_<sha256>_page_000001.png`, `case_0N_annotations.xml`). Each annotation
(CVAT for images 1.1) boxes a page image in pixels, DocLayNet-v2 classes with a `content_layer`
(BODY, FURNITURE, BACKGROUND), and draws reading-order polylines through the boxes.

Coordinates. A PDF page's image is the page (its crop box) at 144 dpi (2 px a point; measured
per file as image size / crop-box size: 1.999-2.001); case_01 and case_02's images hold the
PDF's two pages side by side, page 1 left (docling-cvat-tools splits the width by the pages'
widths, so does this). PNG pages are their own image.

Written under `--out` (nothing in the repository), as `training/layout_roles/tagged.py` writes:
per page `pages/<id>.pdf` (the one PDF page: the text layer) and `pages/<id>.png` (the scan: a
PDF page rendered at 200 dpi; a PNG page copied as it is: scan only, `pdf` null), and
`gt/<id>.json` in layout-dev's shape: `width`, `height` (the PNG's), `boxes` with `bbox` (PNG
pixels), `bbox_norm` (fractions of the page), `class`, `source_class`, `text` (the text layer's
under the box; empty on scan-only pages), `order`, plus `document` (one per source document;
case_01/02's two pages are one document), `kind` (KINDS: seen by eye), `footnotes_labelled:
true` (people labelled them), `licence`, `source`.

Classes (layout-dev's names): section_header -> Section-header, title -> Title, footnote ->
Footnote, page_header / page_footer -> Page-header / Page-footer, text, key, value,
handwritten_text, fillable_field, empty_value -> Text, list_item -> List-item, caption ->
Caption, table, document_index -> Table, picture, checkbox_* -> Picture, formula -> Formula.
Any text-like box in the FURNITURE layer (annotators often box running heads and page numbers
as `text` there) -> Page-header in the page's upper half, Page-footer in its lower; BACKGROUND
text (watermarks) is dropped, as are containers (form, key_value_region, body), a table's parts
(rows, columns, cells: the table's box holds them) and keys, values and fields marked inside a
paragraph, a table or a picture (DocLayNet-v2 draws them over those boxes: the outer box holds
the words; alone, or in a form, they are Text).

Order: the reading-order polylines, as docling-cvat-tools reads them: each point names the
smallest box around it (within 5 px; not a table's parts, keys or values), level-1 lines in
the file's order, a level-2 line (a container's own order) where its container comes; a box
the lines miss follows its container (by position) or, in none, comes after all the others by
position (top, then left), and is written `"ordered": false`: bench/layout_score.py leaves it
out of the order pairs (251 of 1,256 body boxes: a book index's entries, a spread with no line).

Exact duplicates are dropped (the same page image twice: 015a/015b, 043a/043b, 038/_018 are one
page each, annotated twice for different tests; the first in path order is kept; `input_b.xml`
alternatives are not read). The e2e set is also in docling-eval: only this repository is read.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = "docling-project/docling-cvat-tools"
COMMIT = "1f6502a78c28c0abbcbead146d0328679c8667f2"
GIT_DIR = Path("/work/.mirror/docling-project+docling-cvat-tools/repo")
OUT = Path("/work/data/layout-extra/cvat")
FIXTURES = "tests/cvat_to_docling/fixtures"
E2E = "tests/data/cvat_pdfs_dataset_e2e"
LICENCE = "docling-cvat-tools (MIT); the pages are third-party documents: measured only, not committed"
DPI = 200
PAGE_NUMBER = re.compile(r"[-–]?\s*\d{1,4}\s*[-–]?|(page|seite)\s+\d{1,4}(\s+(of|von)\s+\d{1,4})?", re.I)
NEAR = 5.0  # px: a polyline point names a box this close (docling-cvat-tools' proximity)

CLASSES = {"section_header": "Section-header", "title": "Title", "footnote": "Footnote",
           "page_header": "Page-header", "page_footer": "Page-footer", "text": "Text", "key": "Text",
           "value": "Text", "handwritten_text": "Text", "fillable_field": "Text", "empty_value": "Text",
           "list_item": "List-item", "caption": "Caption", "table": "Table", "document_index": "Table",
           "document Index": "Table", "picture": "Picture", "checkbox_selected": "Picture",
           "checkbox_unselected": "Picture", "formula": "Formula", "code": "Text", "grading_scale": "Text"}
CONTAINERS = {"form", "key_value_region", "body", "table", "picture", "document_index", "document Index",
              "grading_scale"}
TABLE_PARTS = {"table_row", "table_column", "col_header", "row_header", "table_row_section",
               "table_merged_cell", "fillable_cells"}
GRAPH_CELLS = {"key", "value"}
FORM_CONTAINERS = {"form", "key_value_region", "body"}
OVERLAY = {"key", "value", "fillable_field", "empty_value"}  # marked over other boxes as often as alone
BODY = ("Text", "List-item", "Section-header", "Title", "Caption", "Table")  # bench/layout_score.py's

# Each source document's kind (seen by eye; sha256 prefix of its page image's document): papers
# (journal articles, patents), reports (text-led: reports, manuals, laws, tenders, financial
# statements, an index, a magazine article, a company's report pages), designed pages (brochures,
# flyers, infographics, CVs, covers, slides, templates, a map's legend), forms and worksheets.
_KINDS = {
    "paper": "32a7d8aa5e0c 497a347f9b06 662e02a56aaf f95360ac0184 ea53eb4299ec f0ac80935cb3 a08d29766b5a "
             "d499f67897fa 1a76084e4208 0876138981f9",
    "report": "1ffe1f189763 344e4038a1c0 6d76de24e7ff 75bb199cabb7 8f4109357ac9 a02617dc4909 a4b6343889cd "
              "b50cdc36a36b cb72a5b81790 cc599446da22 e181da980619 ebf4832a78ba f4fbd6381327 fade275d3b92 "
              "ffb0a983a099 5afa96c196fc 0c70b2bae0da 1f195a9e70db 3689d08b323d 6b18af59b633 7f11a5a272d5 1d71ca76baef",
    "designed": "010d07a1b6f6 042ce4eadc85 0564b2abb33c 0b47ef432373 0cafa543ea62 2332791f152b 33a640307319 "
                "3c04a92c856f 5449e9aa1ae2 6692f49b835a 9dd496f53967 8faff281d27a ca658961adbd dcea5d0eb77f",
    "form": "4b7ec91685cf 84e25094aca2 d06f376f7d91 e1c60a1fa598 3738c7ba006d 42ab8750b75d",
}
KINDS = {sha: kind for kind, shas in _KINDS.items() for sha in shas.split()}


@dataclass
class Box:
    n: int  # place in the file
    label: str
    layer: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the image's pixels (rotation undone)
    level: int | None = None
    children: list[int] = field(default_factory=list)
    parent: int | None = None

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])


def git(git_dir: Path, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(git_dir), "show", f"{COMMIT}:{path}"], capture_output=True,
                          check=True).stdout


def listing(git_dir: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", COMMIT, "tests"],
                         capture_output=True, check=True, text=True).stdout
    return out.split()


def upright(el: ET.Element) -> tuple[float, float, float, float]:
    """A box's extent in the image: CVAT turns a box by `rotation` degrees about its centre."""
    x0, y0, x1, y1 = (float(el.get(k)) for k in ("xtl", "ytl", "xbr", "ybr"))
    angle = math.radians(float(el.get("rotation") or 0))
    if not angle:
        return (x0, y0, x1, y1)
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    dx, dy = w * c + h * s, w * s + h * c
    return (cx - dx, cy - dy, cx + dx, cy + dy)


def parse(image: ET.Element) -> tuple[list[Box], list[tuple[int | None, list[tuple[float, float]]]]]:
    """The image's boxes (containment worked out) and its reading-order lines (level, points)."""
    boxes, lines = [], []
    for el in image:
        attrs = {a.get("name"): (a.text or "") for a in el.findall("attribute")}
        if el.tag == "box":
            level = attrs.get("level")
            boxes.append(Box(len(boxes), el.get("label"), attrs.get("content_layer", "BODY"), upright(el),
                             int(level) if level and level.isdigit() else None))
        elif el.tag == "polyline" and el.get("label", "").startswith("reading_order"):
            points = [tuple(float(v) for v in p.split(",")) for p in el.get("points", "").split(";") if p]
            level = attrs.get("level")
            lines.append((int(level) if level and level.isdigit() else None, points))
    for b in boxes:  # the smallest larger box of its layer holding over 70% of it (docling-cvat-tools')
        best = None
        for c in boxes:
            if c is not b and c.layer == b.layer and c.area > b.area and _inside(b.box, c.box) > 0.7 and \
                    (best is None or c.area < best.area):
                best = c
        if best is not None:
            b.parent = best.n
            best.children.append(b.n)
    return boxes, lines


def _inside(a, b) -> float:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return max(ix, 0) * max(iy, 0) / area if area > 0 else 0.0


def _deepest(point, boxes: list[Box]) -> Box | None:
    x, y = point
    hits = [b for b in boxes if b.label not in TABLE_PARTS and b.label not in GRAPH_CELLS
            and b.box[0] - NEAR <= x <= b.box[2] + NEAR and b.box[1] - NEAR <= y <= b.box[3] + NEAR]
    return min(hits, key=lambda b: b.area) if hits else None


def reading_order(boxes: list[Box], lines) -> tuple[list[int], set[int]]:
    """Every box's number in reading order (see the module's docstring), and those the lines
    reached (directly, or as a container of a box they reached)."""
    paths = [(level, touched) for level, points in lines if (touched := _touched(points, boxes))]
    walk = _Walk(boxes)
    for level, touched in paths:
        if level not in (1, None):
            walk.nested.setdefault(_container(touched, boxes), []).append(touched)
    for n in [n for level, touched in paths if level in (1, None) for n in touched]:
        walk.visit(n)
    for container in list(walk.nested):  # lines whose container no level-1 line reached
        for path in walk.nested.pop(container, []):
            for m in path:
                walk.visit(m)
    seq = walk.seq
    rank = {n: i for i, n in enumerate(seq)}

    def key(b: Box) -> tuple:
        p = b.parent
        while p is not None and p not in rank:
            p = boxes[p].parent
        return (rank[p] if p is not None else len(seq), b.box[1], b.box[0])

    rest = sorted((b for b in boxes if b.n not in rank), key=key)
    return seq + [b.n for b in rest], set(seq)


@dataclass
class _Walk:
    """The boxes in the order the lines reach them: a box's containers first, a container's own
    (level-2) lines right after it."""
    boxes: list[Box]
    nested: dict[int, list[list[int]]] = field(default_factory=dict)  # container -> its level-2+ lines
    seq: list[int] = field(default_factory=list)

    def enter(self, n: int) -> None:
        if n not in self.seq:
            self.seq.append(n)
            for path in self.nested.pop(n, []):
                for m in path:
                    self.visit(m)

    def visit(self, n: int) -> None:
        chain, p = [], self.boxes[n].parent
        while p is not None and p not in self.seq:
            chain.append(p)
            p = self.boxes[p].parent
        for a in [*reversed(chain), n]:
            self.enter(a)


def _touched(points, boxes: list[Box]) -> list[int]:
    """The boxes a line's points name, in its order (a box named twice running, once)."""
    out: list[int] = []
    for p in points:
        b = _deepest(p, boxes)
        if b is not None and (not out or out[-1] != b.n):
            out.append(b.n)
    return out


def _container(touched: list[int], boxes: list[Box]) -> int:
    """The smallest box holding all of a nested line's boxes (their common ancestor), or -1."""
    def ancestors(n: int) -> list[int]:
        out, p = [], boxes[n].parent
        while p is not None:
            out.append(p)
            p = boxes[p].parent
        return out
    common = ancestors(touched[0])
    for n in touched[1:]:
        theirs = set(ancestors(n))
        common = [a for a in common if a in theirs]
    return common[0] if common else -1


def classify(b: Box, boxes: list[Box], page_height: float) -> str | None:
    """layout-dev's class of a box, or None for one left out."""
    if b.label in TABLE_PARTS or b.label in FORM_CONTAINERS:
        return None
    if b.label in OVERLAY and b.parent is not None and boxes[b.parent].label not in FORM_CONTAINERS:
        return None  # a key or value marked inside a paragraph, a table or a picture: that box holds its words
    cls = CLASSES.get(b.label)
    if cls is None:
        raise SystemExit(f"unknown CVAT label {b.label!r}: add it to CLASSES")
    if b.layer == "BACKGROUND":
        return "Picture" if cls == "Picture" else None
    if b.layer == "FURNITURE" and cls not in ("Picture", "Page-header", "Page-footer"):
        return "Page-header" if (b.box[1] + b.box[3]) / 2 < page_height / 2 else "Page-footer"
    return cls


@dataclass
class Page:
    pid: str
    document: str
    sha: str
    source: str
    image_w: float  # the annotated image's width and height
    image_h: float
    offset: float  # where this page starts in it (side by side pages), px
    width_px: float  # its width in it, px
    pdf: bytes | None  # the whole PDF, or None
    index: int  # the PDF's page
    png: bytes | None  # a scan-only page's image


def write(page: Page, boxes: list[Box], order: list[int], reached: set[int], out: Path) -> dict | None:
    """A page's files and ground truth (None: no box falls on it)."""
    from PIL import Image

    rank = {n: i for i, n in enumerate(order)}
    text_of = None
    if page.pdf is not None:
        import pypdfium2 as pdfium

        src = pdfium.PdfDocument(page.pdf)
        pdf_page = src[page.index]
        left, bottom, right, top = pdf_page.get_cropbox()
        one = pdfium.PdfDocument.new()
        one.import_pages(src, [page.index])
        one.save(out / "pages" / f"{page.pid}.pdf")
        image = pdf_page.render(scale=DPI / 72).to_pil().convert("RGB")
        textpage = pdf_page.get_textpage()
        pw, ph = right - left, top - bottom

        def text_of(n):  # noqa: E306
            x0, y0, x1, y1 = n
            return textpage.get_text_bounded(left + x0 * pw, top - y1 * ph, left + x1 * pw, top - y0 * ph)
    else:
        image = Image.open(io.BytesIO(page.png)).convert("RGB")
    image.save(out / "pages" / f"{page.pid}.png")
    width, height = image.size
    kept = []
    for b in sorted(boxes, key=lambda b: rank[b.n]):
        cx = (b.box[0] + b.box[2]) / 2
        if not page.offset <= cx < page.offset + page.width_px:
            continue  # the other page's
        cls = classify(b, boxes, page.image_h)
        if cls is None:
            continue
        norm = [min(1.0, max(0.0, v)) for v in ((b.box[0] - page.offset) / page.width_px, b.box[1] / page.image_h,
                                                (b.box[2] - page.offset) / page.width_px, b.box[3] / page.image_h)]
        if norm[2] <= norm[0] or norm[3] <= norm[1]:
            continue
        text = " ".join((text_of(norm) if text_of else "").split())
        kept.append({"bbox": [round(norm[0] * width, 2), round(norm[1] * height, 2), round(norm[2] * width, 2),
                              round(norm[3] * height, 2)],
                     "bbox_norm": [round(v, 5) for v in norm], "class": cls,
                     "source_class": f"{b.label}/{b.layer}", "furniture": cls.startswith("Page-"),
                     "page_number_like": cls.startswith("Page-") and bool(PAGE_NUMBER.fullmatch(text)),
                     "text": text, "order": len(kept), "ordered": b.n in reached})
    if not kept:
        return None
    gt = {"image": f"pages/{page.pid}.png", "pdf": f"pages/{page.pid}.pdf" if page.pdf is not None else None,
          "width": width, "height": height, "document": page.document, "kind": KINDS[page.sha[:12]],
          "doc_group": None, "multi_column": None, "footnotes_labelled": True, "licence": LICENCE,
          "source": f"{REPO}@{COMMIT}:{page.source}", "boxes": kept}
    (out / "gt" / f"{page.pid}.json").write_text(json.dumps(gt, indent=1) + "\n")
    return gt


def pages_of(git_dir: Path, files: list[str]) -> list[tuple[str, ET.Element, list[Page]]]:
    """(annotation file, image element, its pages) for every annotated image, fixtures then e2e."""
    have = set(files)
    out = []
    for xml_path in sorted(f for f in files if f.startswith(FIXTURES) and f.endswith("/input.xml")):
        folder = xml_path.rsplit("/", 1)[0]
        image = ET.fromstring(git(git_dir, xml_path)).find("image")
        pdf = f"{folder}/input.pdf" if f"{folder}/input.pdf" in have else None
        out.append((xml_path, image, _pages(git_dir, image, pdf, None if pdf else f"{folder}/input.png")))
    for xml_path in sorted(f for f in files if f.startswith(E2E) and f.endswith("_annotations.xml")):
        case = xml_path.removesuffix("_annotations.xml")
        for image in ET.fromstring(git(git_dir, xml_path)).findall("image"):
            sha = _sha(image.get("name"))
            pdf, png = f"{case}/{sha}.pdf", f"{case}/{image.get('name')}"
            out.append((xml_path, image, _pages(git_dir, image, pdf if pdf in have else None,
                                                None if pdf in have else png)))
    return out


def _sha(name: str) -> str:
    m = re.fullmatch(r"doc_([0-9a-f]{64})_page_(\d+)\.png", name)
    if not m:
        raise SystemExit(f"unexpected image name {name}")
    return m.group(1)


def _pages(git_dir: Path, image: ET.Element, pdf: str | None, png: str | None) -> list[Page]:
    w, h = float(image.get("width")), float(image.get("height"))
    sha = _sha(image.get("name"))
    if pdf is None:
        return [Page(f"cvat-{sha[:12]}", f"cvat:{sha[:12]}", sha, png, w, h, 0.0, w, None, 0, git(git_dir, png))]
    import pypdfium2 as pdfium

    data = git(git_dir, pdf)
    doc = pdfium.PdfDocument(data)
    widths = []
    for i in range(len(doc)):
        left, bottom, right, top = doc[i].get_cropbox()
        if doc[i].get_rotation():
            raise SystemExit(f"{pdf} page {i + 1} is turned: its boxes would need turning too")
        widths.append(right - left)
    scale = w / sum(widths)
    heights = [doc[i].get_cropbox()[3] - doc[i].get_cropbox()[1] for i in range(len(doc))]
    if any(abs(h / (ph * scale) - 1) > 0.01 for ph in heights):
        raise SystemExit(f"{pdf}: the image ({w:.0f} x {h:.0f}) is not its pages side by side at one scale")
    out, offset = [], 0.0
    for i, pw in enumerate(widths):
        pid = f"cvat-{sha[:12]}" + (f"-p{i + 1}" if len(widths) > 1 else "")
        out.append(Page(pid, f"cvat:{sha[:12]}", sha, pdf + (f"#page={i + 1}" if len(widths) > 1 else ""),
                        w, h, offset, pw * scale, data, i, None))
        offset += pw * scale
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--git-dir", type=Path, default=GIT_DIR)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    (args.out / "gt").mkdir(parents=True, exist_ok=True)
    (args.out / "pages").mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}  # image name / file hash -> the annotation kept
    written = dropped = unordered = body = 0
    counts: dict[str, int] = {}
    for xml_path, image, pages in pages_of(args.git_dir, listing(args.git_dir)):
        digest = hashlib.sha256(pages[0].pdf or pages[0].png).hexdigest()
        keys = (image.get("name"), digest)
        if any(k in seen for k in keys):
            print(f"duplicate: {xml_path} ({image.get('name')[:16]}...) is {seen.get(keys[0]) or seen[keys[1]]}'s page")
            dropped += 1
            continue
        seen.update(dict.fromkeys(keys, xml_path))
        boxes, lines = parse(image)
        order, reached = reading_order(boxes, lines)
        for page in pages:
            gt = write(page, boxes, order, reached, args.out)
            if gt is None:
                continue
            written += 1
            for b in gt["boxes"]:
                counts[b["class"]] = counts.get(b["class"], 0) + 1
                unordered += b["class"] in BODY and not b["ordered"]
                body += b["class"] in BODY
    docs = {json.loads(p.read_text())["document"] for p in (args.out / "gt").glob("*.json")}
    print(f"{written} pages of {len(docs)} documents written under {args.out}; {dropped} duplicate images dropped")
    print(f"{unordered} of {body} body boxes placed in order by position (no reading-order line reached them)")
    print("boxes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
