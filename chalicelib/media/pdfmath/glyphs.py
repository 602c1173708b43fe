"""A PDF page's glyphs as TeX tokens (issue 79 part 3): each character of the text layer with its
font, size, box and baseline, and what it is in a formula (`\\alpha`, `\\leq`, `x`, `2`).

TeX's own fonts (Computer Modern and its Type 1 cousins: CMMI math italic, CMSY symbols, CMEX
big operators and delimiters, CMR upright, AMS's MSAM/MSBM) are often embedded by pdfTeX without
a /ToUnicode map: PDFium then gives the glyph's code (CMMI's alpha is 0x0B, CMSY's "<=" 0x14,
CMEX's display sum "X"), and these codes are read by the fonts' encodings (OML, OMS, OMX, OT1)
below. A font that has a map (\\pdfgentounicode, LuaTeX, XeTeX, Word's Cambria Math, STIX) gives
Unicode, read by UNICODE. Which a TeX font is, is decided per font on the page: a code below 0x20
says raw codes, one past 0x7F a map.
"""
from __future__ import annotations

import ctypes
import math
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

MAX_GLYPHS = 20_000  # characters looked at on one page (a dense page of text has ~5,000)
MAX_RULES = 2_000  # path objects looked at for fraction bars and radicals' rules


@dataclass
class Glyph:
    index: int  # the character's index in the text page (document.py's chars are in this order)
    tex: str  # the TeX token it is ("x", "\\alpha", "\\sum", "(") or "" for nothing math can use
    kind: str  # "math" (a math font's or a math character), "text" (an upright text font's), "big" (CMEX)
    size: float  # font size (points)
    x0: float
    y0: float  # PDF points, y upwards
    x1: float
    y1: float
    bx: float  # the baseline's origin
    by: float
    upright: bool = False  # a text font (CMR): its letters in math are a function's name or text
    wrong: bool = False  # a character a math font's wrong map gives ("¼" for "="): the reviewer's business
    bold: bool = False  # a bold upright font's (CMBX: \mathbf in a formula)
    ch: str = ""  # the character the text layer gives (a control character: a glyph code without a map)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Rule:
    """A thin horizontal rule: a fraction's bar, a radical's overbar."""
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def y(self) -> float:
        return (self.y0 + self.y1) / 2


def _names(text: str) -> list[str]:
    """A table's entries written one after another, by spaces."""
    return text.split()


GREEK_LOWER = _names("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
               "upsilon phi chi psi omega")
GREEK_UPPER = _names("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega")
_G = [f"\\{n}" for n in GREEK_UPPER]

# OML (CMMI): math italic.
OML = {**{k: _G[k] for k in range(11)}, **{0x0B + k: f"\\{n}" for k, n in enumerate(GREEK_LOWER)},
       0x22: "\\varepsilon", 0x23: "\\vartheta", 0x24: "\\varpi", 0x25: "\\varrho", 0x26: "\\varsigma",
       0x27: "\\varphi", 0x3A: ".", 0x3B: ",", 0x3C: "<", 0x3D: "/", 0x3E: ">", 0x3F: "\\star", 0x40: "\\partial",
       0x60: "\\ell", 0x7B: "\\imath", 0x7C: "\\jmath", 0x7D: "\\wp", 0x7E: "\\vec"}
OML.update({c: chr(c) for c in range(0x41, 0x5B)} | {c: chr(c) for c in range(0x61, 0x7B)}
           | {0x30 + d: str(d) for d in range(10)})
# OMS (CMSY): symbols.
_OMS = _names("- \\cdot \\times * \\div \\diamond \\pm \\mp \\oplus \\ominus \\otimes \\oslash \\odot \\bigcirc \\circ "
        "\\bullet \\asymp \\equiv \\subseteq \\supseteq \\leq \\geq \\preceq \\succeq \\sim \\approx \\subset "
        "\\supset \\ll \\gg \\prec \\succ \\leftarrow \\rightarrow \\uparrow \\downarrow \\leftrightarrow "
        "\\nearrow \\searrow \\simeq \\Leftarrow \\Rightarrow \\Uparrow \\Downarrow \\Leftrightarrow \\nwarrow "
        "\\swarrow \\propto \\prime \\infty \\in \\ni \\triangle \\triangledown \\not \\mapsto \\forall \\exists "
        "\\neg \\emptyset \\Re \\Im \\top \\bot \\aleph")
OMS = {k: t for k, t in enumerate(_OMS)}
OMS.update({c: f"\\mathcal{{{chr(c)}}}" for c in range(0x41, 0x5B)})
OMS.update(dict(zip(range(0x5B, 0x80), _names(
    "\\cup \\cap \\uplus \\wedge \\vee \\vdash \\dashv \\lfloor \\rfloor \\lceil \\rceil \\{ \\} \\langle \\rangle "
    "| \\| \\updownarrow \\Updownarrow \\backslash \\wr \\surd \\amalg \\nabla \\int \\sqcup \\sqcap \\sqsubseteq "
    "\\sqsupseteq \\S \\dagger \\ddagger \\P \\clubsuit \\diamondsuit \\heartsuit \\spadesuit"))))
# OMX (CMEX): big operators and delimiters (sizes and extensible pieces).
_DELIMS = _names("( ) [ ] \\lfloor \\rfloor \\lceil \\rceil \\{ \\} \\langle \\rangle | \\| / \\backslash")
OMX = {k: _DELIMS[k] for k in range(16)}
OMX.update({0x10 + k: t for k, t in enumerate(_names(
    "( ) ( ) [ ] \\lfloor \\rfloor \\lceil \\rceil \\{ \\} \\langle \\rangle / \\backslash ( ) [ ] \\lfloor "
    "\\rfloor \\lceil \\rceil \\{ \\} \\langle \\rangle / \\backslash / \\backslash"))})
OMX.update({0x30: "(", 0x31: ")", 0x32: "[", 0x33: "]", 0x34: "[", 0x35: "]", 0x36: "[", 0x37: "]",
            0x38: "\\{", 0x39: "\\}", 0x3A: "\\{", 0x3B: "\\}", 0x3C: "\\{", 0x3D: "\\}", 0x3E: "\\{", 0x3F: "|",
            0x40: "(", 0x41: ")", 0x42: "(", 0x43: ")", 0x44: "\\langle", 0x45: "\\rangle", 0x46: "\\bigsqcup",
            0x47: "\\bigsqcup", 0x48: "\\oint", 0x49: "\\oint", 0x4A: "\\bigodot", 0x4B: "\\bigodot",
            0x4C: "\\bigoplus", 0x4D: "\\bigoplus", 0x4E: "\\bigotimes", 0x4F: "\\bigotimes", 0x50: "\\sum",
            0x51: "\\prod", 0x52: "\\int", 0x53: "\\bigcup", 0x54: "\\bigcap", 0x55: "\\biguplus", 0x56: "\\bigwedge",
            0x57: "\\bigvee", 0x58: "\\sum", 0x59: "\\prod", 0x5A: "\\int", 0x5B: "\\bigcup", 0x5C: "\\bigcap",
            0x5D: "\\biguplus", 0x5E: "\\bigwedge", 0x5F: "\\bigvee", 0x60: "\\coprod", 0x61: "\\coprod",
            0x62: "^", 0x63: "^", 0x64: "^", 0x65: "~", 0x66: "~", 0x67: "~", 0x68: "[", 0x69: "]",
            0x6A: "\\lfloor", 0x6B: "\\rfloor", 0x6C: "\\lceil", 0x6D: "\\rceil", 0x6E: "\\{", 0x6F: "\\}",
            **{c: "\\surd" for c in range(0x70, 0x78)}, 0x78: "\\uparrow", 0x79: "\\downarrow"})
# OT1 (CMR) in math: upright Greek capitals, digits, = + ( ) and letters of functions' names.
OT1 = {**{k: _G[k] for k in range(11)}, 0x3C: "", 0x3E: "", 0x5C: "", 0x7B: "-", 0x7C: "-"}
# Accents TeX draws as glyphs above their base (OT1 and OML codes): \dot{x}, \hat{x} ...
ACCENTS_OT1 = {0x5F: "\\dot", 0x7F: "\\ddot", 0x5E: "\\hat", 0x7E: "\\tilde", 0x16: "\\bar", 0x14: "\\check",
               0x15: "\\breve", 0x12: "\\grave", 0x13: "\\acute", 0x17: "\\mathring"}
ACCENTS_UNICODE = {"\u02d9": "\\dot", "\u00a8": "\\ddot", "\u02c6": "\\hat", "^": "\\hat", "\u02dc": "\\tilde",
                   "~": "\\tilde", "\u00af": "\\bar", "\u02c7": "\\check", "\u02d8": "\\breve", "\u2192": "\\vec",
                   "\u20d7": "\\vec", "\u0307": "\\dot", "\u0308": "\\ddot", "\u0302": "\\hat", "\u0304": "\\bar"}

# Unicode (a font with a map) -> TeX.
UNICODE = {**{chr(0x3B1 + k): f"\\{n}" for k, n in enumerate(_names(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho varsigma sigma tau "
    "upsilon phi chi psi omega"))},
    **{chr(0x391 + k): (f"\\{n}" if n in GREEK_UPPER else n[0].upper()) for k, n in enumerate(_names(
        "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho _ Sigma Tau "
        "Upsilon Phi Chi Psi Omega"))},
    "\u03d1": "\\vartheta", "\u03d5": "\\phi", "\u03c6": "\\varphi", "\u03f5": "\\epsilon", "\u03b5": "\\varepsilon",
    "\u03d6": "\\varpi", "\u03f1": "\\varrho", "\u00b5": "\\mu", "\u22a4": "\\top", "\u22a5": "\\bot",
    "\u2224": "\\nmid", "\u22a2": "\\vdash", "\u22a3": "\\dashv", "\u2245": "\\cong", "\u2250": "\\doteq",
    "\u2262": "\\not\\equiv", "\u2270": "\\not\\leq", "\u2271": "\\not\\geq", "\u2216": "\\setminus",
    "\u2293": "\\sqcap", "\u2294": "\\sqcup", "\u2240": "\\wr", "\u2210": "\\coprod", "\u2a00": "\\bigodot",
    "\u2a01": "\\bigoplus", "\u2a02": "\\bigotimes", "\u22c0": "\\bigwedge", "\u22c1": "\\bigvee",
    "\u2191": "\\uparrow", "\u2193": "\\downarrow", "\u21a4": "\\mapsfrom", "\u22ee": "\\vdots",
    "\u22f1": "\\ddots", "\u2022": "\\bullet", "\u25b3": "\\triangle", "\u0338": "\\not",
    "\u2212": "-", "\u00b7": "\\cdot", "\u22c5": "\\cdot", "\u00d7": "\\times", "\u00f7": "\\div", "\u00b1": "\\pm",
    "\u2213": "\\mp", "\u2264": "\\leq", "\u2265": "\\geq", "\u2260": "\\neq", "\u2248": "\\approx", "\u2261": "\\equiv",
    "\u223c": "\\sim", "\u2243": "\\simeq", "\u221d": "\\propto", "\u221e": "\\infty", "\u2202": "\\partial",
    "\u2207": "\\nabla", "\u2208": "\\in", "\u2209": "\\notin", "\u220b": "\\ni", "\u2282": "\\subset",
    "\u2283": "\\supset", "\u2286": "\\subseteq", "\u2287": "\\supseteq", "\u222a": "\\cup", "\u2229": "\\cap",
    "\u2200": "\\forall", "\u2203": "\\exists", "\u00ac": "\\neg", "\u2205": "\\emptyset", "\u2192": "\\to",
    "\u2190": "\\leftarrow", "\u2194": "\\leftrightarrow", "\u21d2": "\\Rightarrow", "\u21d0": "\\Leftarrow",
    "\u21d4": "\\Leftrightarrow", "\u21a6": "\\mapsto", "\u2211": "\\sum", "\u220f": "\\prod", "\u222b": "\\int",
    "\u222e": "\\oint", "\u22c3": "\\bigcup", "\u22c2": "\\bigcap", "\u221a": "\\surd", "\u2032": "\\prime",
    "\u2033": "\\prime\\prime", "\u2113": "\\ell", "\u2026": "\\ldots", "\u22ef": "\\cdots", "\u2218": "\\circ",
    "\u2297": "\\otimes", "\u2295": "\\oplus", "\u27e8": "\\langle", "\u27e9": "\\rangle", "\u2329": "\\langle",
    "\u232a": "\\rangle", "\u230a": "\\lfloor", "\u230b": "\\rfloor", "\u2308": "\\lceil", "\u2309": "\\rceil",
    "\u2225": "\\|", "\u2016": "\\|", "\u226a": "\\ll", "\u226b": "\\gg", "\u2227": "\\wedge", "\u2228": "\\vee",
    "\u2223": "|", "{": "\\{", "}": "\\}", "\u2217": "*", "\u22c6": "\\star", "\u2135": "\\aleph",
    "\u211d": "\\mathbb{R}", "\u2115": "\\mathbb{N}", "\u2124": "\\mathbb{Z}", "\u211a": "\\mathbb{Q}",
    "\u2102": "\\mathbb{C}", "\u2020": "\\dagger", "#": "\\#", "%": "\\%", "&": "\\&", "$": "\\$", "_": "\\_",
    "\\": "\\backslash"}
# Extensible delimiters' pieces (Unicode, and the private-use codes of Adobe's Symbol encoding that
# TeX's maps give them): the delimiter they build.
for _c, _t in zip(range(0xF8EB, 0xF8FF), _names(
        "( ( ( [ [ [ \\{ \\{ \\{ \\{ | ) ) ) ] ] ] \\} \\} \\} \\}")):
    UNICODE[chr(_c)] = _t
UNICODE["\u23aa"] = "\\{"
# Extensible delimiters' pieces (Unicode, a mapped CMEX): the delimiter they build.
for _c, _t in zip("\u239b\u239c\u239d\u239e\u239f\u23a0\u23a1\u23a2\u23a3\u23a4\u23a5\u23a6\u23a7\u23a8\u23a9\u23aa"
                  "\u23ab\u23ac\u23ad", _names("( ( ( ) ) ) [ [ [ ] ] ] \\{ \\{ \\{ \\{ \\} \\} \\}")):
    UNICODE[_c] = _t

# Fonts: TeX's math fonts by their names (a subset's "ABCDEF+CMMI10"), and other math fonts.
_TEX_FONTS = re.compile(r"^(cmmi|cmmib|cmbsy|cmsy|cmex|msam|msbm|eufm|eusm|rsfs|cmr|cmbx|cmss|cmtt|cmti|cmsl)\d*$")
_MATH_NAMES = re.compile(r"math|cmmi|cmsy|cmex|cmbsy|cmmib|msam|msbm|eufm|eusm|rsfs|symbol|stix|xits|euler|"
                         r"mtpro|mtmi|mtsy|mtex|txmi|txsy|txex|pxmi|pxsy|pxex|esint|wasy", re.I)
# What a math font's wrong /ToUnicode map gives (chalicelib.media.textlayer.UNUSUAL): such a line is
# read again by OCR, not rebuilt.
WRONG_MAP = frozenset("þÞðÐ¼½¾¬¦¤ÃÂ\u2044")


def font_name(textpage, i: int, cache: dict) -> str:
    """Character i's font's base name, lower case, without a subset's prefix."""
    obj = pdfium_c.FPDFText_GetTextObject(textpage, i)
    key = ctypes.cast(obj, ctypes.c_void_p).value or 0
    if key not in cache:
        name = ""
        font = pdfium_c.FPDFTextObj_GetFont(obj) if key else None
        if font:
            buf = ctypes.create_string_buffer(128)
            n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, 128)
            name = buf.raw[:max(0, min(n, 128) - 1)].decode("latin-1").split("+")[-1].lower()
        cache[key] = name
    return cache[key]


def read(page, textpage, limit: int = MAX_GLYPHS, text: str | None = None) -> tuple[list[Glyph], list[Rule]]:
    """The page's glyphs (at most `limit`, none if the page has no math font or math character)
    and its thin horizontal rules. `text`: the characters as the caller read them: when it holds
    no math character and no font of the page is a math font, nothing is read."""
    n = min(textpage.count_chars(), limit, MAX_GLYPHS)
    if text is not None and not any(_math_char(ch) for ch in text) and not _math_fonts(page):
        return [], []
    fonts: dict = {}
    raw: list[tuple[int, int, str, float, tuple, tuple]] = []
    mathy = False
    for i in range(n):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if pdfium_c.FPDFText_IsGenerated(textpage, i) or code in (0x0A, 0x0D, 0xFFFE, 0x02) or code > 0x10FFFF:
            continue
        name = font_name(textpage, i, fonts)
        if code == 0x20 and not name.startswith("cmex"):  # (CMEX's code 0x20 is a big "(")
            continue
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        if not pdfium_c.FPDFText_GetCharBox(textpage, i, left, right, bottom, top):
            continue
        ox, oy = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(textpage, i, ox, oy)
        matrix = pdfium_c.FS_MATRIX()  # the size as drawn: a font of size 1 scaled by its text matrix
        scale = math.hypot(matrix.c, matrix.d) if pdfium_c.FPDFText_GetMatrix(textpage, i, matrix) else 1.0
        size = pdfium_c.FPDFText_GetFontSize(textpage, i) * (scale or 1.0)
        raw.append((i, code, name, size, (left.value, bottom.value, right.value, top.value), (ox.value, oy.value)))
        mathy = mathy or bool(_MATH_NAMES.search(name)) or _math_char(chr(code))
    if not mathy:
        return [], []
    unmapped = {name for _, code, name, *_ in raw if code < 0x20}  # fonts surely without a text map
    glyphs = []
    for i, code, name, size, box, origin in raw:
        tex, kind, upright = _token(code, name, _raw(code, name, name in unmapped))
        glyphs.append(Glyph(i, tex, kind, size, *box, *origin, upright=upright, wrong=chr(code) in WRONG_MAP,
                            bold=upright and name.startswith(("cmbx", "cmb10")) or "bold" in name and upright,
                            ch=chr(code)))
    return glyphs, _rules(page)


def _math_fonts(page) -> bool:
    """Whether a text object of the page is in a math font (by its name)."""
    seen: dict = {}
    buf = ctypes.create_string_buffer(128)
    for k, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=2)):
        if k >= MAX_GLYPHS:
            break
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        if not key or key in seen:
            continue
        n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, 128)
        seen[key] = name = buf.raw[:max(0, min(n, 128) - 1)].decode("latin-1").split("+")[-1]
        if _MATH_NAMES.search(name):
            return True
    return False


# Codes a text map gives in ASCII for what the encoding holds elsewhere (CMSY's "{", "|", "}",
# "\\"; CMMI's "," and "."): read as characters unless the font shows it has no map.
AMBIGUOUS = {"cmsy": {0x5C, 0x7B, 0x7C, 0x7D}, "cmbsy": {0x5C, 0x7B, 0x7C, 0x7D}, "cmmi": {0x2C, 0x2E, 0x2F},
             "cmmib": {0x2C, 0x2E, 0x2F}, "cmex": set(map(ord, "()[]{}|/\\<>"))}


def _raw(code: int, name: str, unmapped: bool) -> bool:
    """Whether a TeX font's glyph came without a text map (its code, read by the font's encoding).
    A map gives characters past 0x7F for every symbol but the ASCII ones each encoding holds at the
    same codes (CMMI's letters, CMR's digits and "=+()"), so a code below 0x80 is read as a code,
    but for AMBIGUOUS ones in a font with no code below 0x20 on the page (`unmapped`: one has)."""
    m = _TEX_FONTS.match(name)
    if not m or code >= 0x80:
        return False
    return unmapped or code not in AMBIGUOUS.get(m.group(1), ())


def _math_char(ch: str) -> bool:
    o = ord(ch)
    return 0x370 <= o <= 0x3FF or 0x2200 <= o <= 0x22FF or 0x1D400 <= o <= 0x1D7FF or 0x2190 <= o <= 0x21FF \
        or 0x27E8 <= o <= 0x27EF or 0x239B <= o <= 0x23AD


def _token(code: int, name: str, raw: bool) -> tuple[str, str, bool]:  # noqa: PLR0911 - one per font family
    """(TeX token, kind, upright) of a glyph of font `name` whose text layer code is `code`."""
    m = _TEX_FONTS.match(name)
    family = m.group(1) if m else ""
    ch = chr(code)
    if raw and family:
        if family in ("cmmi", "cmmib"):
            return OML.get(code, ""), "math", False
        if family in ("cmsy", "cmbsy"):
            return OMS.get(code, ""), "math", False
        if family == "cmex":
            return OMX.get(code, ""), "big", False
        if family == "msbm" and 0x41 <= code <= 0x5A:
            return f"\\mathbb{{{ch}}}", "math", False
        if family in ("msam", "msbm", "eufm", "eusm", "rsfs"):
            return (f"\\mathcal{{{ch}}}" if ch.isalpha() else ""), "math", False
        if code in OT1:
            return OT1[code], ("math" if code < 11 else "text"), True
        if code in ACCENTS_OT1:
            return ACCENTS_OT1[code], "text", True
        return (ch if code >= 0x20 else ""), "text", True
    math_font = bool(_MATH_NAMES.search(name))
    if family == "cmex" or (math_font and ch in "\u2211\u220f\u222b\u222e\u22c3\u22c2"):
        tex = UNICODE.get(ch, ch)
        return tex, "big", False
    norm = unicodedata.normalize("NFKC", ch)
    if len(norm) == 1 and norm != ch and norm.isalnum() and 0x1D400 <= code <= 0x1D7FF:
        return UNICODE.get(norm, norm), "math", False  # Word's and STIX's math italic letters
    tex = UNICODE.get(ch) or ACCENTS_UNICODE.get(ch)
    if tex is None:
        tex = ch if (ch.isascii() and ch.isprintable()) or ch.isalnum() else ""
    italic = family in ("cmmi", "cmmib") or (math_font and not family)
    kind = "math" if (math_font and family not in ("cmr", "cmbx", "cmss", "cmtt", "cmti", "cmsl")) or _math_char(ch) \
        else "text"
    return tex, kind, not italic and kind == "text"


def _rules(page) -> list[Rule]:
    """The page's thin horizontal rules (fraction bars, radicals' overbars)."""
    out: list[Rule] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    seen = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        seen += 1
        if seen > MAX_RULES:
            break
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, h = right.value - left.value, top.value - bottom.value
        if 0 <= h <= 1.5 and w >= 2.0 and w > 3 * h:
            out.append(Rule(left.value, bottom.value, right.value, top.value))
    return out
