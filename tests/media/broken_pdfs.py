"""PDFs whose text layer does not say what the page shows, made by code for the tests of
chalicelib/media/textlayer.py (issue 38). The page is drawn right (the glyphs are DejaVu Sans,
embedded); only the Unicode the text layer gives for those glyphs is wrong:

- `no_unicode_map`: a subset font with its own encoding (glyph codes in the order a subsetter
  handed them out) and no /ToUnicode, as some PDF makers write: the text layer is the codes,
  read as characters ("The quick" -> "/1' #4<"$"). With codes under 32 it gives nothing at all.
- `wrong_unicode_map`: a math font whose /ToUnicode maps its symbols to the Latin-1
  characters of their codes ("=" -> "¼", "+" -> "þ", "(" -> "ð", ")" -> "Þ", "/" -> "="), as in
  the textbook of issue 38 ("S 1⁄4 kB ln Ω" for "S = kB ln Ω"); its letters map right.
- `mixed`: a page of good lines (Helvetica) with a few lines of each kind among them.
- `unmapped_codes`: good lines and one whose font's codes start at 1: control characters, which
  document.py drops as not text, so the line is not in the text layer at all.

Run `python -m tests.media.broken_pdfs DIR` to write them out and look at them.
"""
from __future__ import annotations

import io
import logging
import random
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.media.documents import _write

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core
SIZE = 14  # points: 39 px high at the pipeline's 200 dpi
LEADING = 26
LEFT, TOP = 72, 80  # first baseline: from the left, down from the top (points)
PAGE = (612, 792)  # US Letter

# The math font's symbols at the codes a Latin-1 reading turns into the wrong characters.
MATH_CODES = {"=": 0xBC, "+": 0xFE, "(": 0xF0, ")": 0xDE, "/": 0x3D}


@dataclass
class BrokenPage:
    pdf: bytes
    shown: list[str]  # the page's lines as they are drawn (what a reader sees), top to bottom
    broken: list[int]  # indices into `shown` of the lines whose text layer is wrong
    kind: str


@dataclass
class _Font:
    name: str  # resource name (/F2)
    code_of: dict[str, int]  # character drawn -> its code in the content stream
    ttf: bytes
    widths: dict[int, int]  # code -> advance (1/1000 em)
    to_unicode: dict[int, str] | None  # code -> what the text layer gives; None: no /ToUnicode


NO_MAP_LINES = ["Reading aloud needs the words that the page shows.",
                "A listener cannot see the page, so every word counts.",
                "This text is drawn by a font without a map to letters."]
WRONG_MAP_LINES = ["The entropy of a macro state is given by", "S = kB ln W (2)",
                   "and the sum of the two parts is", "n = (a + b) / 2 (3)", "where a and b are the counts."]
MIXED_LINES = ["Chapter 4. Entropy and time", "According to Boltzmann, the total entropy of a state",
               "at a certain time is given by the formula", "S = kB ln W (2)",
               "where W is the number of corresponding micro states.",
               "Every word of this line is lost to the reader today.",
               "The number of paths grows fast with the time steps,", "m = (p + q) / 2 (3)",
               "and the page goes on with plain words after that."]


def no_unicode_map(first_code: int = 0x21) -> BrokenPage:
    """(a) Every line in a font with its own encoding and no /ToUnicode."""
    font = _scrambled_font("F2", "".join(NO_MAP_LINES), first_code)
    pdf = _pdf([(font, line) for line in NO_MAP_LINES], [font])
    return BrokenPage(pdf, list(NO_MAP_LINES), list(range(len(NO_MAP_LINES))), "no-unicode-map")


def wrong_unicode_map() -> BrokenPage:
    """(b) Every line in a font whose /ToUnicode maps its symbols to wrong characters."""
    font = _math_font("F3", "".join(WRONG_MAP_LINES))
    pdf = _pdf([(font, line) for line in WRONG_MAP_LINES], [font])
    broken = [i for i, line in enumerate(WRONG_MAP_LINES) if set(line) & set(MATH_CODES)]
    return BrokenPage(pdf, list(WRONG_MAP_LINES), broken, "wrong-unicode-map")


def mixed() -> BrokenPage:
    """(c) Good lines, two formula lines of kind (b) and one line of kind (a)."""
    scrambled = _scrambled_font("F2", MIXED_LINES[5], 0x21)
    math = _math_font("F3", MIXED_LINES[3] + MIXED_LINES[7])
    fonts = {5: scrambled, 3: math, 7: math}
    pdf = _pdf([(fonts.get(i), line) for i, line in enumerate(MIXED_LINES)], [scrambled, math])
    return BrokenPage(pdf, list(MIXED_LINES), sorted(fonts), "mixed")


def unmapped_codes() -> BrokenPage:
    """(a) with codes under 32: one line of good ones gives no characters at all."""
    lines = [line for i, line in enumerate(MIXED_LINES) if i not in (3, 7)]
    hidden = lines.index(MIXED_LINES[5])
    font = _scrambled_font("F2", lines[hidden], 0x01)
    pdf = _pdf([(font if i == hidden else None, line) for i, line in enumerate(lines)], [font])
    return BrokenPage(pdf, lines, [hidden], "unmapped-codes")


def private_use_bullets() -> BrokenPage:
    """Not broken: a list whose bullets come from a symbol font that maps them to private use
    (U+F0B7, as Word's Symbol bullets do). document.py drops them; the words are all right."""
    lines = ["Things a listener needs from a page:", "the words in the order they are meant,",
             "the headings spoken as headings,", "and nothing that is not on the page."]
    font = _font("F4", {"\u2022": 0xB7}, to_unicode={0xB7: "\uf0b7"})
    pdf = _pdf([(None, line) for line in lines], [font], bullets={1: font, 2: font, 3: font})
    return BrokenPage(pdf, lines, [], "private-use-bullets")


def all_pages() -> list[BrokenPage]:
    return [no_unicode_map(), wrong_unicode_map(), mixed(), unmapped_codes(), private_use_bullets()]


# ---------------------------------------------------------------- fonts


def _scrambled_font(name: str, text: str, first_code: int) -> _Font:
    """Codes handed out from `first_code` in a fixed shuffle (a subsetter's order), no map back."""
    chars = sorted(set(text) - {" "})
    # Spaces are ours; PDFium reads code 2 as a hyphen at a line's end.
    codes = [c for c in range(first_code, 256) if not chr(c).isspace() and c != 0x02][:len(chars)]
    random.Random(38).shuffle(codes)
    code_of = {**dict(zip(chars, codes)), " ": 0x20}
    return _font(name, code_of, to_unicode=None)


def _math_font(name: str, text: str) -> _Font:
    """Letters, digits and space at their ASCII codes, the symbols at MATH_CODES; the
    /ToUnicode reads every code as Latin-1 (right for ASCII, wrong for the symbols)."""
    code_of = {ch: MATH_CODES.get(ch, ord(ch)) for ch in set(text)}
    return _font(name, code_of, to_unicode={code: bytes([code]).decode("cp1252") for code in code_of.values()})


def _font(name: str, code_of: dict[str, int], to_unicode: dict[int, str] | None) -> _Font:
    """DejaVu Sans cut to the characters of `code_of`, each glyph reached by its code through
    symbolic cmaps ((3,0) at 0xF000 + code and (1,0)): PDFium draws code -> glyph with them."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    assert DEJAVU.exists(), f"{DEJAVU} is missing: apt-get install fonts-dejavu-core (make system-deps)"
    assert len(set(code_of.values())) == len(code_of), "two characters share a code"
    font = TTFont(str(DEJAVU))
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["FFTM"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[ord(ch) for ch in code_of])
    cutter.subset(font)
    cmap = font.getBestCmap()
    glyph = {code: cmap[ord(ch)] for ch, code in code_of.items()}
    tables = []
    for platform, encoding, base, fmt in ((3, 0, 0xF000, 4), (1, 0, 0, 6)):
        table = CmapSubtable.newSubtable(fmt)
        table.platformID, table.platEncID, table.language = platform, encoding, 0
        table.cmap = {base + code: g for code, g in glyph.items()}
        tables.append(table)
    font["cmap"].tables = tables
    out = io.BytesIO()
    font.save(out)
    per_em = font["head"].unitsPerEm
    widths = {code: round(font["hmtx"][g][0] * 1000 / per_em) for code, g in glyph.items()}
    return _Font(name, code_of, out.getvalue(), widths, to_unicode)


# ---------------------------------------------------------------- the PDF


def _pdf(lines: list[tuple[_Font | None, str]], fonts: list[_Font], bullets: dict[int, _Font] | None = None) -> bytes:
    """One page: each line drawn in its font (None: Helvetica, whose text layer is right);
    `bullets`: line index -> the font whose "•" goes before it (the line indented)."""
    ops = []
    for i, (font, line) in enumerate(lines):
        y = PAGE[1] - TOP - LEADING * i
        if bullets and i in bullets:
            ops.append(f"BT /{bullets[i].name} {SIZE} Tf {LEFT} {y} Td <{bullets[i].code_of[chr(0x2022)]:02x}> Tj ET")
            x = LEFT + 2 * SIZE
        else:
            x = LEFT
        if font is None:
            shown = "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
            ops.append(f"BT /F1 {SIZE} Tf {x} {y} Td {shown} Tj ET")
        else:
            ops.append(f"BT /{font.name} {SIZE} Tf {x} {y} Td <{''.join(f'{font.code_of[ch]:02x}' for ch in line)}> Tj ET")
    n_fixed = 5  # catalog, pages, page, content, Helvetica
    refs, objects, extra = [], [], []
    for font in fonts:
        base = n_fixed + 1 + len(extra)
        refs.append(f"/{font.name} {base} 0 R")
        first, last = min(font.widths), max(font.widths)
        widths = " ".join(str(font.widths.get(c, 0)) for c in range(first, last + 1))
        to_unicode = f" /ToUnicode {base + 3} 0 R" if font.to_unicode is not None else ""
        extra.append(f"<< /Type /Font /Subtype /TrueType /BaseFont /PVTEST+DejaVuSans /FirstChar {first} "
                     f"/LastChar {last} /Widths [{widths}] /FontDescriptor {base + 1} 0 R{to_unicode} >>")
        extra.append(f"<< /Type /FontDescriptor /FontName /PVTEST+DejaVuSans /Flags 4 /FontBBox [-1021 -463 1793 1232] "
                     f"/ItalicAngle 0 /Ascent 928 /Descent -236 /CapHeight 729 /StemV 80 /FontFile2 {base + 2} 0 R >>")
        extra.append(_stream(font.ttf, f"/Length1 {len(font.ttf)}"))
        if font.to_unicode is not None:
            extra.append(_stream(_to_unicode(font.to_unicode)))
        else:
            extra.append("null")  # keeps every font at four objects
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE[0]} {PAGE[1]}] "
               f"/Resources << /Font << /F1 5 0 R {' '.join(refs)} >> >> /Contents 4 0 R >>",
               _stream("\n".join(ops).encode("latin-1")),
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", *extra]
    return _write(objects)


def _stream(data: bytes, entries: str = "") -> str:
    """A Flate stream object (as text: documents._write writes it back byte for byte)."""
    packed = zlib.compress(data)
    return f"<< /Length {len(packed)} /Filter /FlateDecode {entries} >>\nstream\n{packed.decode('latin-1')}\nendstream"


def _to_unicode(mapping: dict[int, str]) -> bytes:
    pairs = "\n".join(f"<{code:02x}> <{ord(ch):04x}>" for code, ch in sorted(mapping.items()))
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /PVTEST def /CMapType 2 def\n"
            "1 begincodespacerange <00> <ff> endcodespacerange\n"
            f"{len(mapping)} beginbfchar\n{pairs}\nendbfchar\n"
            "endcmap CMapName currentdict /CMap defineresource pop end end").encode("ascii")


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for page in all_pages():
        (out / f"{page.kind}.pdf").write_bytes(page.pdf)
        print(out / f"{page.kind}.pdf")
