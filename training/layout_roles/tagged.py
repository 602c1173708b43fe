"""More labelled pages for the role model: tagged PDFs whose structure tree names their headings.

    .venv/bin/python training/layout_roles/tagged.py [--source /work/data/tagged-pdfs] \
        [--out /work/data/layout-extra/tagged]

Source: a folder of tagged PDFs collected from public repositories of PDF tools (their test
files; `manifest.tsv`: file, pages, producer, `owner/repo@commit:path`, licence) with, per PDF,
`labels/<name>.jsonl`: one object per page, its text lines (pypdfium2's text objects grouped by
baseline, in content-stream order) each with the label of the structure element its marked
content belongs to: `H`, `H1`-`H6` (after the RoleMap), `note` (Note, FENote), `body` (any other
tag), `artifact` (running headers, footers, page numbers) or `unmapped`, and its box in PDF user
space (origin bottom-left). The PDFs were made by Word, InDesign, LiveCycle and Distiller, not
LaTeX: other pages than DocBank's arXiv papers.

Licences (KEEP, LEFT_OUT): a repository's licence covers what its owners could license, and most
of these documents are not theirs. Kept are the documents nobody holds a copyright in (works of
the US federal government: IRS, CMS, FDA, HHS, NIST, USCIS, the Department of Education, a
federal bankruptcy court; a California bill, which as legislation is not copyrightable) and one
whose author licensed it (Adobe's sample in Adobe's MIT-licensed repository). Left out: Crown
copyright ("all rights reserved"), the PDF Association's reference suite (its own copyright, with
a publisher's material), a publisher's edition of Walden, a company's, a municipality's and
unknown authors' documents.

Nothing is copied into the repository: the pages are written under `--out` in layout-dev's shape
(what train.py's `--extra` reads): `pages/<id>.pdf` (the one page, from the PDF), `pages/<id>.png`
(rendered at 200 dpi: the scan) and `gt/<id>.json` (`width`, `height` of the image, `pdf`,
`image`, `boxes` with `bbox` in image pixels, `bbox_norm` in fractions of the page's crop box,
`class`, `text`, `order`). `bbox` (scored against the scan's OCR) is the label's own box, tight
on the glyphs as layout-dev's labels are; `bbox_norm` (scored against the text layer) is the box
of the same characters as the text layer measures them (pdfium's loose boxes: the type's whole
height, as the product's lines are), so that a heading's line is not missed for being measured
differently (a tight box against the same line's loose one meets it at IoU ~0.5-0.6) plus `document` (the PDF: its pages stay on one side) and
`footnotes_labelled: false`: notes are tagged in only two of the PDFs, and footnotes tagged as
plain paragraphs are common, so these pages say nothing of footnotes (train.py leaves them out
of the footnote task).

Lines become boxes by label: a heading line joins the heading before it when it has the same
label, comes next in the content stream and sits right under it (a gap of at most 0.8 of its
height, overlapping it across); H, H1-H6 -> Section-header, note -> Footnote, artifact ->
Page-header in the page's upper half and Page-footer in its lower, body and unmapped -> Text (one
box a line: only heading and footnote boxes are matched in training). A line whose pieces had
different labels (`mixed`, a run-in heading and its paragraph) takes its majority label, as
labelled.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

SOURCE = Path("/work/data/tagged-pdfs")
OUT = Path("/work/data/layout-extra/tagged")
DPI = 200
HEADING = re.compile(r"H[1-6]?")
GAP = 0.8  # a heading's next line sits under it by at most this many of its heights

US = "work of the US federal government (17 U.S.C. 105: no copyright)"
# file -> why it may be used (its manifest licence column says the rest)
KEEP = {
    "PyMuPDF__test_3842.pdf": "NIST SP 800-223 draft; says 'not subject to copyright in the United States'",
    "PyMuPDF__cms-etc-filled.pdf": f"CMS form CMS-1490S, {US}",
    "PyMuPDF__test-2333.pdf": f"USCIS Form I-9 (Spanish), {US}",
    "PyMuPDF__test-4055.pdf": f"IRS Form 7004, {US}",
    "PyMuPDF__test_4114.pdf": f"IRS form (Form 940 credit), {US}",
    "PyMuPDF__test_4965.pdf": f"IRS Form 1040, {US}",
    "mkl-itext7__Read_Pdf.pdf": f"IRS Form W-9, {US}",
    "mkl-itext7__form_field_document.pdf": f"FDA Form 1571, {US}",
    "mkl-itext7__omb_0970_0222_a_wip.pdf": f"HHS National Medical Support Notice, {US}",
    "mkl-pdfbox2__GeneralForbearance.pdf": f"Department of Education forbearance form, {US}",
    "pdfcpu__usageRights.pdf": f"IRS Form W-4, {US}",
    "pdfbox__PDFBOX-4417-001031.pdf": f"FDA budget justification excerpt, {US}",
    "pdfbox__PDFBOX-2725-878725.pdf": f"US bankruptcy court notice, {US}",
    "mkl-itext7__RN_2104812.pdf": "California Legislature bill text: legislation is not copyrightable "
                                  "(Georgia v. Public.Resource.Org, 2020)",
    "pdfservices-java-sdk-samples__extractPdfInput.pdf": "Adobe's own sample in Adobe's repository "
                                                         "(adobe/pdfservices-java-sdk-samples, MIT)",
}
# Forms: their tags call a form's title and its parts' labels (boxed, beside the fields) headings, a
# genre apart from the books, reports and papers the bench reads; `--kinds prose` leaves them out.
FORMS = {"PyMuPDF__cms-etc-filled.pdf", "PyMuPDF__test-2333.pdf", "PyMuPDF__test-4055.pdf", "PyMuPDF__test_4114.pdf",
         "PyMuPDF__test_4965.pdf", "mkl-itext7__Read_Pdf.pdf", "mkl-itext7__form_field_document.pdf",
         "mkl-pdfbox2__GeneralForbearance.pdf", "pdfcpu__usageRights.pdf"}
LEFT_OUT = {
    "opendataloader-pdf__PDFUA-Ref-2-04_Presentation.pdf": "(c) PDF Association; the repository does not own it",
    "opendataloader-pdf__PDFUA-Ref-2-05_BookChapter-german.pdf": "PDF Association reference suite, no licence stated",
    "opendataloader-pdf__PDFUA-Ref-2-06_Brochure.pdf": "PDF Association reference suite; a photographer's copyright",
    "opendataloader-pdf__PDFUA-Ref-2-08_BookChapter.pdf": "a textbook chapter, (c) Cengage Learning material",
    "pdfcpu__WaldenFull.pdf": "public-domain text in GlobalGrey's edition, '(c) GlobalGrey 2018'",
    "pdfcpu__RA_CI.pdf": "Docker Inc.'s document, no licence stated",
    "pdfplumber__chelsea_pdta.pdf": "Municipalite de Chelsea's plan, no licence stated",
    "pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf": "Crown copyright (Canada), 'All rights reserved'",
    "tika__testJournalParser.pdf": "a journal-style paper of unknown authorship, no licence stated",
    "mkl-pdfbox2__Trade_Simple1.pdf": "a user-supplied commentary of unknown origin",
    "mkl-pdfbox2__2020-04_Beschaffungsantrag.pdf": "a user-supplied form of unknown origin",
    "docling-parse__form_fields.pdf": "Canada Revenue Agency form, Crown copyright",
    "pdf.js__issue12706.pdf": "'Copyright (c) 2007 by WindJack Solutions, Inc.'",
}


def regions(page: dict, left: float, bottom: float, width: float, height: float,
            loose: list[list[float]] | None = None) -> list[dict]:
    """A labelled page's lines as layout-dev's boxes in fractions of the crop box (left, bottom,
    width, height in PDF units), top-left origin: `glyphs` the label's own box (tight on the
    glyphs, as a scan's OCR boxes are), `bbox_norm` the loose box (the type's whole height, as the
    product's text layer measures a line) of the characters it holds (`loose[i]`: the i-th line's,
    or None for the label's box)."""
    out: list[dict] = []
    for n, line in enumerate(page["lines"]):
        glyphs = _norm(line["bbox"], left, bottom, width, height)
        if glyphs[2] <= glyphs[0] or glyphs[3] <= glyphs[1]:
            continue
        norm = _norm(loose[n], left, bottom, width, height) if loose and loose[n] else list(glyphs)
        label = line["label"]
        if HEADING.fullmatch(label):
            cls = "Section-header"
        elif label == "note":
            cls = "Footnote"
        elif label == "artifact":
            cls = "Page-header" if norm[1] < 0.5 else "Page-footer"
        else:
            cls = "Text"
        last = out[-1] if out else None
        if cls == "Section-header" and last is not None and last["source_class"] == label and \
                _continues(last["bbox_norm"], norm, last["line_height"]):
            last["bbox_norm"] = _union(last["bbox_norm"], norm)
            last["glyphs"] = _union(last["glyphs"], glyphs)
            last["text"] += "\n" + line["text"]
            last["line_height"] = norm[3] - norm[1]
            continue
        text = line["text"]
        out.append({"bbox_norm": norm, "glyphs": glyphs, "class": cls, "source_class": label, "furniture": cls.startswith("Page-"),
                    "page_number_like": bool(re.fullmatch(r"\s*\d{1,4}\s*", text)) and cls.startswith("Page-"),
                    "text": text, "order": len(out), "mixed": bool(line.get("mixed")), "line_height": norm[3] - norm[1]})
    return out


def _norm(box: list[float], left: float, bottom: float, width: float, height: float) -> list[float]:
    x0, y0, x1, y1 = box
    return [min(1.0, max(0.0, v)) for v in ((x0 - left) / width, 1 - (y1 - bottom) / height, (x1 - left) / width,
                                            1 - (y0 - bottom) / height)]


def _union(a: list[float], b: list[float]) -> list[float]:
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def loose_boxes(pdf_page, lines: list[dict]) -> list[list[float] | None]:
    """Each labelled line's box as the text layer measures it: the union of the loose boxes
    (pdfium's, the font's whole height) of the characters whose tight box's centre lies in the
    line's box (PDF units, origin bottom-left); None where no character does."""
    textpage = pdf_page.get_textpage()
    chars = []
    for i in range(textpage.count_chars()):
        x0, y0, x1, y1 = textpage.get_charbox(i)
        if x1 > x0 and y1 > y0:
            chars.append(((x0 + x1) / 2, (y0 + y1) / 2, textpage.get_charbox(i, loose=True)))
    out: list[list[float] | None] = []
    for line in lines:
        lx0, ly0, lx1, ly1 = line["bbox"]
        inside = [c[2] for c in chars if lx0 - 0.5 <= c[0] <= lx1 + 0.5 and ly0 - 0.5 <= c[1] <= ly1 + 0.5]
        out.append([min(b[0] for b in inside), min(b[1] for b in inside), max(b[2] for b in inside),
                    max(b[3] for b in inside)] if inside else None)
    return out


def _continues(box: list[float], line: list[float], height: float) -> bool:
    """`line` is the next line of the heading `box` (its last line `height` tall): right under it,
    overlapping it across."""
    gap = line[1] - box[3]
    return -0.3 * height <= gap <= GAP * height and min(box[2], line[2]) > max(box[0], line[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--kinds", choices=("all", "prose"), default="all",
                    help="prose: leave the forms (FORMS) out")
    args = ap.parse_args(argv)
    import pypdfium2 as pdfium

    with (args.source / "manifest.tsv").open() as f:
        manifest = {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}
    unknown = set(manifest) - set(KEEP) - set(LEFT_OUT)
    if unknown:
        raise SystemExit(f"no licence decision for {sorted(unknown)}: add them to KEEP or LEFT_OUT")
    (args.out / "gt").mkdir(parents=True, exist_ok=True)
    (args.out / "pages").mkdir(parents=True, exist_ok=True)
    pages = heads = 0
    for name in sorted(n for n in KEEP if args.kinds == "all" or n not in FORMS):
        row = manifest[name]
        src = pdfium.PdfDocument(args.source / name)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).stem)
        for line in (args.source / "labels" / (Path(name).stem + ".jsonl")).read_text().splitlines():
            page = json.loads(line)
            index = page["page"] - 1
            pdf_page = src[index]
            if pdf_page.get_rotation():
                continue  # none of the kept pages is turned; the boxes would need turning too
            left, bottom, right, top = pdf_page.get_cropbox()
            boxes = regions(page, left, bottom, right - left, top - bottom, loose_boxes(pdf_page, page["lines"]))
            if not boxes:
                continue
            pid = f"tagged-{stem}-p{page['page']:03d}"
            one = pdfium.PdfDocument.new()
            one.import_pages(src, [index])
            one.save(args.out / "pages" / f"{pid}.pdf")
            image = pdf_page.render(scale=DPI / 72).to_pil().convert("RGB")
            image.save(args.out / "pages" / f"{pid}.png")
            width, height = image.size
            for b in boxes:
                n = b.pop("glyphs")  # the scan's labels: tight on the glyphs, as layout-dev's are
                b["bbox"] = [round(n[0] * width, 2), round(n[1] * height, 2), round(n[2] * width, 2),
                             round(n[3] * height, 2)]
                b["bbox_norm"] = [round(v, 5) for v in b["bbox_norm"]]
                del b["line_height"]
            gt = {"image": f"pages/{pid}.png", "pdf": f"pages/{pid}.pdf", "width": width, "height": height,
                  "document": "tagged:" + name, "kind": "form" if name in FORMS else "prose", "doc_group": None, "multi_column": None,
                  "footnotes_labelled": False, "licence": f"{KEEP[name]}; repository: {row['licence']}",
                  "source": f"{row['source']}#page={page['page']}", "producer": row["producer"], "boxes": boxes}
            (args.out / "gt" / f"{pid}.json").write_text(json.dumps(gt, indent=1) + "\n")
            pages += 1
            heads += sum(b["class"] == "Section-header" for b in boxes)
    print(f"{pages} pages of {len({n for n in KEEP if args.kinds == 'all' or n not in FORMS})} PDFs written under {args.out} ({heads} heading boxes); "
          f"{len(LEFT_OUT)} PDFs left out for their licences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
