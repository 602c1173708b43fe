"""What a document holds, counted apart from how its reader reads it (issue 55, "no silent
loss"): the characters (whitespace aside) of every text node of its body, less what is left out
on purpose (deleted text, comments, generated indexes, scripts and styles, hidden elements).
`flow.read` sets it against what the reader kept; when far less was kept, the result says so.

Counted as the parts are parsed, so no part is unpacked or parsed twice: an ODT's content.xml
and a DOCX's document.xml element by element as they stream in (the whole part, whether or not
the reader found its body: the cause of issue 55 was a body not found), a chapter's tree
(EPUB) and a page's main content (HTML: menus and footers are left out on purpose, up to 80%
of some saved pages) by lxml's itertext, in C.
"""
from __future__ import annotations

from collections.abc import Iterable

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_W = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main")
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_XHTML = "{http://www.w3.org/1999/xhtml}"

# Left out on purpose. ODT: tracked deletions, comments, generated indexes (the outline or
# page numbers said again; a bibliography is read), declarations, embedded binaries.
ODT_OUT = tuple(f"{_TEXT}{n}" for n in ("tracked-changes", "table-of-content", "illustration-index", "table-index",
                                        "object-index", "user-index", "alphabetical-index", "sequence-decls",
                                        "variable-decls", "user-field-decls", "dde-connection-decls", "ruby-text")) \
    + (f"{_OFFICE}annotation", f"{_OFFICE}forms", f"{_OFFICE}binary-data", f"{_OFFICE}automatic-styles",
       f"{_OFFICE}scripts", f"{_OFFICE}font-face-decls")
# DOCX: deleted and moved-away text, field codes, and a drawing's fallback (the same text box
# again, for older readers).
DOCX_OUT = tuple(f"{{{ns}}}{n}" for ns in _W for n in ("del", "moveFrom", "delText", "instrText", "delInstrText")) \
    + (f"{_MC}Fallback",)
# HTML and XHTML: code, styling, embedded objects, form controls, the head (html.NEVER).
_HTML_NEVER = ("script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "canvas", "video",
               "audio", "select", "option", "button", "textarea", "map", "head", "datalist", "title")
HTML_OUT = _HTML_NEVER + tuple(_XHTML + n for n in _HTML_NEVER)


class Held:
    """Characters (whitespace aside) and words the counted trees hold. `out`: the tags of
    subtrees left out on purpose; `hides`: whether an element hides the rest of its parent
    (a DOCX run's properties saying w:vanish)."""

    def __init__(self, out: tuple[str, ...] = (), hides=None) -> None:
        self.out, self.hides = frozenset(out), hides
        self.chars = self.words = 0

    def end(self, el, depth: int) -> int | None:
        """One element of a part parsed as a stream (docx.stream), at its end: its own text and
        its children's tails (its children were counted at theirs). The depth to stop counting
        at when it hides the rest of its parent, else None."""
        for t in (el.text, *(c.tail for c in el)):
            if t:
                pieces = t.split()
                self.chars += sum(map(len, pieces))
                self.words += len(pieces)
        return depth - 1 if self.hides is not None and self.hides(el) else None

    def add(self, el, out: tuple[str, ...], also: Iterable = ()) -> None:
        """`el`'s text (its tail aside), less the subtrees whose tag is in `out` and the
        elements in `also` (hidden ones, a book's licence)."""
        also = list(also)
        if el.tag in out or any(e is el for e in also):
            return
        chars, words = _size(el)
        dropped = [e for e in el.iter(*out) if e is not el] if out else []
        dropped += also
        for e in _outermost(dropped):
            c, w = _size(e)
            chars, words = chars - c, words - w
        self.chars += max(0, chars)
        self.words += max(0, words)

    def export(self) -> dict:
        return {"chars": self.chars, "words": self.words}


def _size(el) -> tuple[int, int]:
    # Comments and processing instructions are dropped by every parser the readers use.
    pieces = "".join(t for t in el.itertext() if isinstance(t, str)).split()
    return sum(map(len, pieces)), len(pieces)


def _outermost(els: list) -> list:
    """`els` without those inside another of them (their text is subtracted once)."""
    if len(els) < 2:
        return els
    ids = {id(e) for e in els}
    return [e for e in els if not any(id(a) in ids for a in e.iterancestors())]


_RPR = {f"{{{ns}}}rPr" for ns in _W}
_VANISH = tuple(f"{{{ns}}}vanish" for ns in _W)
_VAL = tuple(f"{{{ns}}}val" for ns in _W)


def docx_hides(el) -> bool:
    """A run's properties that hide it (w:vanish on, under a w:r): the run is not shown."""
    if el.tag not in _RPR or el.getparent() is None or not el.getparent().tag.endswith("}r"):
        return False
    v = next((x for x in el if x.tag in _VANISH), None)
    return v is not None and next((v.get(a) for a in _VAL if v.get(a) is not None), "1") not in ("0", "false", "off")



# Kept under this share of what the file holds, a document is "read in part". Measured (issue
# 55) on files holding >= 200 characters: 169 ODTs (ODF Toolkit's and odfpy's test files), 28
# DOCX (Apache POI's, mammoth's, python-docx's), 5 EPUBs and 43 saved pages' main content all
# kept >= 0.999 (list labels make it more); the lost ODT body kept 0.0003. Half leaves room
# for what a reader drops on purpose and the counts do not know of, and is far above a loss.
KEPT_SHARE = 0.5
# Below this many characters held a share says little (a title page, a one-line note).
MIN_HELD = 200


def lost(kept_chars: int, held: dict | None) -> bool:
    """Whether a reader that kept `kept_chars` left out far more than the file holds."""
    if not held:
        return False
    return held["chars"] >= MIN_HELD and kept_chars < KEPT_SHARE * held["chars"]
