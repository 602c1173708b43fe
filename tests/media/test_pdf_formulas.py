"""Formulas in a PDF's text layer (issue 58 item 1): a tagged PDF's /Formula structure elements are
said by their /Alt text, once, for all their words; a text layer whose formula comes out as
symbols no voice says (a math font's wrong map: "S 1⁄4 kB ln Ω") is said "formula"; the words
keep their text and boxes (only what the recording says changes)."""
from __future__ import annotations

from chalicelib.kinds.page import pipeline
from chalicelib.media import textlayer
from chalicelib.structure import spoken


def tagged_pdf(alt: str | None = "S equals k times the log of W") -> bytes:
    """One page, tagged: a paragraph (MCIDs 0 and 2) around a /Formula element (MCID 1) with its /Alt."""
    content = (b"/P <</MCID 0>> BDC BT /F1 14 Tf 72 700 Td (The entropy is) Tj ET EMC\n"
               b"/Formula <</MCID 1>> BDC BT /F1 14 Tf 172 700 Td (S = k log W) Tj ET EMC\n"
               b"/P <</MCID 2>> BDC BT /F1 14 Tf 262 700 Td (and it only grows.) Tj ET EMC\n")
    alt_entry = f" /Alt ({alt})".encode() if alt else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 5 0 R /MarkInfo << /Marked true >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 6 0 R /StructParents 0 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /StructTreeRoot /K [7 0 R] /ParentTree 9 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /StructElem /S /Document /P 5 0 R /K [8 0 R 10 0 R] >>",
        b"<< /Type /StructElem /S /P /P 7 0 R /Pg 3 0 R /K [0 2] >>",
        b"<< /Nums [0 [8 0 R 10 0 R 8 0 R]] >>",
        b"<< /Type /StructElem /S /Formula /P 7 0 R /Pg 3 0 R /K 1" + alt_entry + b" >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def said(result: dict) -> str:
    return spoken.script(result, "en").text


def test_a_tagged_formula_is_said_by_its_alt_text_once():
    result = pipeline.read(tagged_pdf(), content_type="application/pdf", language="en")
    page = result["pages"][0]
    words = [w for line in page["lines"] for w in line["words"]]
    assert " ".join(w["text"] for w in words) == "The entropy is S = k log W and it only grows."
    (first,) = [w for w in words if "formula" in w]
    assert first["text"] == "S" and first["formula"] == {"spoken": "S equals k times the log of W",
                                                          "alt": "S equals k times the log of W", "words": 5}
    assert said(result) == "The entropy is S equals k times the log of W and it only grows."
    script = spoken.script(result, "en")
    formula_words = [names for names in script.where if any(n["word"] == 3 for n, _ in names)]
    assert all(len(names) == 5 for names in formula_words)  # each said word is the formula's five words


def test_a_tagged_formula_without_alt_text_is_said_formula():
    result = pipeline.read(tagged_pdf(alt=None), content_type="application/pdf", language="en")
    assert said(result) == "The entropy is formula and it only grows."


def test_symbol_soup_is_said_formula_and_a_real_fraction_is_not():
    lines = [{"text": t, "words": [{"text": w} for w in t.split()]}
             for t in ("The entropy is S 1⁄4 kB ln Ω for a gas.", "Add 1⁄4 of the flour.", "so þ 2 x ð y Þ here")]
    textlayer.formulas(lines)
    marked = [[(w["text"], w["formula"]) for w in line["words"] if "formula" in w] for line in lines]
    assert marked == [[("S", {"spoken": "formula", "words": 5})], [], [("þ", {"spoken": "formula", "words": 6})]]
    page = {"lines": lines, "blocks": [{"role": "paragraph", "lines": [0, 1, 2], "spoken": True}]}
    assert said(page) == "The entropy is formula for a gas. Add 1⁄4 of the flour. so formula here"
