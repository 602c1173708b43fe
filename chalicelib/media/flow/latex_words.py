"""The LaTeX reader's vocabulary (latex.py): what each command and environment is (dropped,
a symbol, a heading's level, a theorem's name ...) and how TeX prints words: accents, its
ligatures of punctuation, the labels of numbered lists."""
from __future__ import annotations

import re
import unicodedata

from chalicelib.media.flow import tex as texes

MATH_ENVIRONMENTS = frozenset(texes.ENVIRONMENTS) | {"displaymath", "math", "dmath", "dgroup"}
CODE_ENVIRONMENTS = frozenset({"verbatim", "Verbatim", "lstlisting", "minted", "BVerbatim", "LVerbatim",
                               "spverbatim", "code"})
# Read as nothing: drawings, files written out, comments.
SKIPPED_ENVIRONMENTS = frozenset({"comment", "tikzpicture", "pgfpicture", "picture", "filecontents", "pspicture",
                                  "axis", "forest", "tikzcd", "titlepage"})
LIST_ENVIRONMENTS = frozenset({"itemize", "enumerate", "description", "compactitem", "compactenum", "inparaenum",
                               "asparaenum", "list"})
TABLE_ENVIRONMENTS = {"tabular": 1, "tabular*": 2, "tabularx": 2, "tabulary": 2, "longtable": 1, "supertabular": 1,
                      "tabu": 1, "array": 1}
THEOREMS = {"theorem": "Theorem", "lemma": "Lemma", "proposition": "Proposition", "corollary": "Corollary",
            "definition": "Definition", "remark": "Remark", "example": "Example", "exercise": "Exercise",
            "conjecture": "Conjecture", "claim": "Claim", "note": "Note", "problem": "Problem",
            "solution": "Solution", "proof": "Proof", "thm": "Theorem", "lem": "Lemma", "prop": "Proposition",
            "cor": "Corollary", "defn": "Definition", "rem": "Remark", "exa": "Example"}
LEVELS = ("part", "chapter", "section", "subsection", "subsubsection", "paragraph", "subparagraph")
# Commands whose arguments are not read: name -> how many {} arguments (optional [] ones are skipped too).
DROPPED = {"label": 1, "ref": 1, "eqref": 1, "autoref": 1, "Autoref": 1, "cref": 1, "Cref": 1, "crefrange": 2,
           "pageref": 1, "nameref": 1, "vref": 1, "cite": 1, "citep": 1, "parencite": 1, "Parencite": 1,
           "autocite": 1, "Autocite": 1, "footcite": 1, "supercite": 1, "nocite": 1, "citealp": 1, "citeyear": 1,
           "citeyearpar": 1, "vspace": 1, "hspace": 1, "usepackage": 1, "RequirePackage": 1, "documentclass": 1,
           "bibliographystyle": 1, "bibliography": 1, "addbibresource": 1, "printbibliography": 0, "setlength": 2,
           "addtolength": 2, "setcounter": 2, "addtocounter": 2, "stepcounter": 1, "refstepcounter": 1,
           "pagestyle": 1, "thispagestyle": 1, "pagenumbering": 1, "hypersetup": 1, "geometry": 1,
           "graphicspath": 1, "definecolor": 3, "color": 1, "fontsize": 2, "lstset": 1, "captionsetup": 1,
           "newlength": 1, "sisetup": 1, "thanks": 1, "rule": 2, "linespread": 1, "setlist": 1, "newcounter": 1,
           "numberwithin": 2, "hyphenation": 1, "bibitem": 1, "urlstyle": 1, "theoremstyle": 1, "pgfplotsset": 1,
           "usetikzlibrary": 1, "tikzset": 1, "include": 1, "includeonly": 1, "subfile": 1, "import": 2,
           "subimport": 2, "InputIfFileExists": 3, "includepdf": 1, "input": 1, "ShellEscape": 1,
           "immediateShellEscape": 1, "enlargethispage": 1, "vskip": 0, "titleformat": 5, "titlespacing": 4,
           "renewcommand": 0, "newcommand": 0, "providecommand": 0, "DeclareMathOperator": 0, "def": 0,
           "keywords": 0, "date": 1, "markboth": 2, "markright": 1, "footnotemark": 0, "hfill": 0,
           "centering": 0, "noindent": 0, "maketitle": 0, "tableofcontents": 0, "listoffigures": 0,
           "listoftables": 0, "newpage": 0, "clearpage": 0, "cleardoublepage": 0, "appendix": 0, "frontmatter": 0,
           "mainmatter": 0, "backmatter": 0, "label*": 1, "phantomsection": 0, "addcontentsline": 3,
           "nolinkurl": 1, "raggedright": 0, "raggedleft": 0}
REFERENCES = frozenset({"ref", "eqref", "autoref", "Autoref", "cref", "Cref", "vref", "pageref", "nameref"})
TEXTUAL_CITES = frozenset({"citet", "Citet", "textcite", "Textcite", "citeauthor", "Citeauthor", "citealt"})
# Commands whose first arguments are dropped and last one read: name -> arguments dropped.
KEEP_LAST = {"href": 1, "textcolor": 1, "colorbox": 1, "fcolorbox": 2, "foreignlanguage": 1, "resizebox": 2,
             "scalebox": 1, "rotatebox": 1, "raisebox": 1, "multicolumn": 2, "multirow": 2, "texorpdfstring": 0,
             "hyperref": 0, "hyperlink": 1, "hypertarget": 1, "makebox": 0, "framebox": 0, "parbox": 1,
             "setlanguage": 0}
SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
           "l": "ł", "L": "Ł", "i": "i", "j": "j", "S": "§", "P": "¶", "copyright": "©", "pounds": "£",
           "euro": "€", "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’",
           "textquotedblleft": "“", "textquotedblright": "”", "dots": "…", "ldots": "…", "textellipsis": "…",
           "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "TeX": "TeX", "BibTeX": "BibTeX", "slash": "/",
           "textasciitilde": "~", "textbackslash": "\\", "textbar": "|", "textless": "<", "textgreater": ">",
           "textdegree": "°", "textregistered": "®", "texttrademark": "™", "dag": "†", "ddag": "‡",
           "quad": " ", "qquad": " ", "space": " ", "enspace": " ", "thinspace": " ", "nobreakspace": " ",
           "newline": " ", "linebreak": " ", "and": " and ", "And": " and ", "AND": " and ", "newblock": " ",
           "today": "", "xspace": "", "relax": "", "protect": "", "smallskip": "", "medskip": "", "bigskip": "",
           "vfill": "", "hline": "", "toprule": "", "midrule": "", "bottomrule": "", "qed": "", "qedhere": "",
           "indent": "", "par": "\n\n", "item": "", "textunderscore": "_"}
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
           "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
           "b": "\u0331"}
LANGUAGES = {"english": "en", "american": "en", "british": "en", "UKenglish": "en", "USenglish": "en",
             "french": "fr", "francais": "fr", "german": "de", "ngerman": "de", "spanish": "es", "italian": "it",
             "portuguese": "pt", "brazil": "pt", "brazilian": "pt", "dutch": "nl", "polish": "pl", "russian": "ru",
             "swedish": "sv", "danish": "da", "norsk": "nb", "finnish": "fi", "czech": "cs", "greek": "el",
             "catalan": "ca", "turkish": "tr", "ukrainian": "uk"}


def accent(mark: str, arg: str) -> str:
    base = arg.strip().lstrip("\\") if arg.strip() in ("\\i", "\\j") else arg.strip()
    if not base:
        return ""
    return unicodedata.normalize("NFC", base[0] + ACCENTS[mark]) + base[1:]


def typeset(text: str) -> str:
    """TeX's ligatures of punctuation as the characters they print."""
    text = (text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
            .replace("!`", "¡").replace("?`", "¿").replace("`", "‘"))
    # where a dropped \ref or \cite leaves "Section ." or "( )"
    return _COMMA_STOP.sub("", _COMMAS.sub(",", _BEFORE_STOP.sub(r"\1", _EMPTY_PARENS.sub("", text))))


_COMMAS = re.compile(r",(?:[ \u00a0]*,)+")
_COMMA_STOP = re.compile(r",+(?=[.!?])")
_BEFORE_STOP = re.compile(r"[ \t\n\u00a0]+([.,;:!?)\]])")
_EMPTY_PARENS = re.compile(r"[ \u00a0]*\([\s\u00a0,;]*\)|[ \u00a0]*\[[\s\u00a0,;]*\]")


def enumerate_label(level: int, n: int) -> str:
    if level == 1:
        return f"({chr(ord('a') + (n - 1) % 26)})"
    if level == 2:
        return roman(n) + "."
    if level >= 3:
        return chr(ord("A") + (n - 1) % 26) + "."
    return f"{n}."


def roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += numeral
            n -= value
    return out
