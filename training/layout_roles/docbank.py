"""More labelled pages for the role model: DocBank's 100 sample pages in layout-dev's format.

    .venv/bin/python training/layout_roles/docbank.py [--git-dir DIR] [--out /work/data/layout-extra/docbank]

Source: github.com/doc-analysis/DocBank at COMMIT, `DocBank_samples/DocBank_samples/`: 100 pages
of 98 arXiv papers, each the paper's PDF (`{prefix}_black.pdf`, fonts back to black), its page
rendered at 200 dpi (`{prefix}_{page}_ori.jpg`) and the page's tokens labelled from the LaTeX
source (`{prefix}_{page}.txt`: token, x0, y0, x1, y1 on a 0-1000 scale of the page, colour, font,
label). Licence: Apache-2.0 (the repository's LICENSE, and its README: "We update the license to
Apache-2.0"); the papers are arXiv's. Labels are made by the LaTeX colours, not by people: a few
are wrong (an equation's symbols marked `section`).

Nothing is downloaded into the repository: `--git-dir` is a clone of DocBank (bare is enough;
without it one is cloned under the output folder) and the pages are written under `--out`:
`pages/<id>.pdf` (the one page, from the paper's PDF; `pdf` is null where the clone lacks the
paper's PDF: GitHub snapshots may drop large files), `pages/<id>.jpg` and `gt/<id>.json` in
layout-dev's shape (`width`, `height`, `pdf`, `image`, `boxes` with `bbox`, `bbox_norm`,
`class`, `text`, `order`) plus `document` (the paper: pages of one paper stay on one side).

One page is left out (SKIP): its labels call body paragraphs footnotes.

Tokens become boxes by label: a token joins the box before it when it has the same label and
continues it (the same line, or the next line of the same column with no more than half a
line's gap); else it opens a box. DocBank's classes map to layout-dev's: section -> Section-header,
title -> Title, footer -> Footnote (DocBank's `footer` is LaTeX's footnotes; a bare page number
-> Page-footer, and one starting in the page's upper half, a body line's subscripts, -> Text),
paragraph, abstract, author, date, reference -> Text, list -> List-item, caption
-> Caption, table -> Table, equation -> Formula, figure -> Picture.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = "https://github.com/doc-analysis/DocBank.git"
COMMIT = "7078c6e62a88898416893761563344ecce0a62aa"
FOLDER = "DocBank_samples/DocBank_samples"
LICENCE = "Apache-2.0 (DocBank's LICENSE and README); pages from arXiv papers"
OUT = Path("/work/data/layout-extra/docbank")
CLASSES = {"section": "Section-header", "title": "Title", "footer": "Footnote", "paragraph": "Text",
           "abstract": "Text", "author": "Text", "date": "Text", "reference": "Text", "list": "List-item",
           "caption": "Caption", "table": "Table", "equation": "Formula", "figure": "Picture"}
SCALE = 1000.0
# Pages whose labels are wrong past use: body paragraphs coloured as footnotes (their subscripts).
SKIP = {"139.tar_1410.6666.gz_dft-and-kp-tmdc-pdffigs_2"}
LOOK_BACK = 8


@dataclass
class Region:
    label: str
    box: list[float]  # x0, y0, x1, y1 on DocBank's 0-1000 scale
    line: list[float]  # the last line's box, to tell a continued line from a new one
    last: list[float]  # the last token's box: a wide gap on one line is the next column
    words: list[str] = field(default_factory=list)

    def continues(self, label: str, t: list[float]) -> bool:
        if label != self.label:
            return False
        x0, y0, x1, y1 = self.line
        height = max(1.0, y1 - y0)
        if min(y1, t[3]) - max(y0, t[1]) > 0.5 * min(height, t[3] - t[1]):
            return -height <= t[0] - self.last[2] <= 3 * height  # further along the same line
        # the next line starts under this box (a first line indented, a centred heading's second line further right)
        under = self.box[0] - 5 * height <= t[0] <= (self.box[0] + self.box[2]) / 2
        return under and 0 <= t[1] - y1 <= 0.8 * height + 2

    def add(self, word: str, t: list[float]) -> None:
        if min(self.line[3], t[3]) - max(self.line[1], t[1]) > 0:
            self.line = [min(self.line[0], t[0]), min(self.line[1], t[1]), max(self.line[2], t[2]),
                         max(self.line[3], t[3])]
        else:
            self.line = list(t)
        self.box = [min(self.box[0], t[0]), min(self.box[1], t[1]), max(self.box[2], t[2]), max(self.box[3], t[3])]
        self.last = list(t)
        self.words.append(word)


def regions(tokens: str) -> list[Region]:
    """A page's labelled tokens (DocBank's .txt) as boxes, in the file's order."""
    out: list[Region] = []
    for row in tokens.splitlines():
        parts = row.rstrip("\r").split("\t")
        if len(parts) < 10:
            continue
        word, label = parts[0], parts[9]
        box = [float(v) for v in parts[1:5]]
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        # PDF text comes line by line across columns: a box may continue after the other column's words
        open_box = next((r for r in reversed(out[-LOOK_BACK:]) if r.continues(label, box)), None)
        if open_box is not None:
            open_box.add(word, box)
        else:
            out.append(Region(label, list(box), list(box), list(box), [word]))
    return out


def ground_truth(tokens: str, width: int, height: int) -> list[dict]:
    """layout-dev's `boxes` for a page of `width` x `height` image pixels."""
    boxes = []
    for n, r in enumerate(regions(tokens)):
        text = " ".join(r.words)
        cls = CLASSES.get(r.label, "Text")
        number = bool(re.fullmatch(r"\d{1,4}", text))
        if cls == "Footnote" and number:
            cls = "Page-footer"
        elif cls == "Footnote" and r.box[1] < SCALE / 2:
            cls = "Text"  # LaTeX colours a body line's sub- or superscript as a footnote
        norm = [round(v / SCALE, 5) for v in r.box]
        boxes.append({"bbox": [round(norm[0] * width, 2), round(norm[1] * height, 2), round(norm[2] * width, 2),
                               round(norm[3] * height, 2)],
                      "bbox_norm": norm, "class": cls, "source_class": r.label, "furniture": cls == "Page-footer",
                      "page_number_like": number, "text": text, "order": n})
    return boxes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--git-dir", type=Path, help="a clone of DocBank holding COMMIT (default: clone it under --out)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    import pypdfium2 as pdfium
    from PIL import Image

    git_dir = args.git_dir or args.out / "DocBank.git"
    if not git_dir.exists():
        subprocess.run(["git", "clone", "--bare", "--filter=blob:none", REPO, str(git_dir)], check=True)

    def show(path: str) -> bytes:
        return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"], check=True,
                              capture_output=True).stdout

    names = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", COMMIT, FOLDER + "/"],
                           check=True, capture_output=True, text=True).stdout.split()
    (args.out / "gt").mkdir(parents=True, exist_ok=True)
    (args.out / "pages").mkdir(parents=True, exist_ok=True)
    labelled = 0
    for name in sorted(n for n in names if n.endswith(".txt")):
        stem = Path(name).stem
        if stem in SKIP:
            continue
        prefix, page = stem.rsplit("_", 1)
        pid = "docbank-" + re.sub(r"[^A-Za-z0-9_.-]", "_", stem)
        image = show(f"{FOLDER}/{stem}_ori.jpg")
        (args.out / "pages" / f"{pid}.jpg").write_bytes(image)
        try:
            src = pdfium.PdfDocument(show(f"{FOLDER}/{prefix}_black.pdf"))
        except subprocess.CalledProcessError:  # a snapshot without the paper's PDF: the scan alone
            pdf = None
        else:
            one = pdfium.PdfDocument.new()
            one.import_pages(src, [int(page)])
            pdf = f"pages/{pid}.pdf"
            one.save(args.out / pdf)
        width, height = Image.open(args.out / "pages" / f"{pid}.jpg").size
        boxes = ground_truth(show(name).decode("utf-8", "replace"), width, height)
        labelled += any(b["class"] in ("Section-header", "Title", "Footnote") for b in boxes)
        gt = {"image": f"pages/{pid}.jpg", "pdf": pdf, "width": width, "height": height,
              "document": "docbank:" + prefix, "doc_group": None, "multi_column": None, "licence": LICENCE,
              "source": f"doc-analysis/DocBank@{COMMIT}:{FOLDER}/{stem}", "boxes": boxes}
        (args.out / "gt" / f"{pid}.json").write_text(json.dumps(gt, indent=1) + "\n")
    print(f"{len([n for n in names if n.endswith('.txt') and Path(n).stem not in SKIP])} pages written under {args.out} "
          f"({labelled} with a heading, title or footnote)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
