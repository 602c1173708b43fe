"""Jupyter notebooks (`.ipynb`, nbformat 4 and 3; issue 79) into a flow document.

- Markdown cells are read by the Markdown reader (markdown.py: headings, lists, tables, images'
  alt text as figures, `$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]` as formulas), one walker for
  the whole notebook, so its headings make one outline. As Jupyter's MathJax does, a bare
  `\\begin{align}...\\end{align}` (equation, align, gather, multline, eqnarray, alignat, flalign)
  outside code is display math.
- Code cells are `code` (shown, not spoken unless the upload's `skip` leaves code out of its
  list); raw cells too. A cell tagged `skip` (or Jupyter Book's `remove-cell`, or a slide of type
  `skip`) is left out entirely; `remove-input` leaves its code out, `remove-output` its outputs.
- Outputs: text (`stream`, `text/plain`, an error's name and message) is `code`, at most
  OUTPUT_LINES lines each; SymPy's and IPython's `text/latex` is a formula; `text/markdown` is
  read as Markdown; an image (`image/png`, `image/jpeg`, `image/svg+xml`) is a figure with its
  alt text where the output gives one (its metadata's `alt`, or a `text/plain` that is not a
  Python repr such as "<Figure size 640x480 with 1 Axes>"), else "Image".
Hostile-safe: a notebook over MAX_BYTES is refused before it is parsed; an `outputs` list over
MAX_OUTPUT_BYTES (a cell printing a gigabyte, a thousand plots) is cut from the bytes before the
JSON is parsed, said in a line of its own, never decoded; JSON nested deeper than Python's
recursion limit is refused with a sentence.
"""
from __future__ import annotations

import json
import re

from chalicelib.media.flow import Builder, FlowError
from chalicelib.media.flow import markdown as md_reader

MAX_BYTES = 100 * 1024 * 1024  # a notebook's file (its outputs are most of it)
MAX_OUTPUT_BYTES = 2 * 1024 * 1024  # one cell's outputs, as JSON: more is cut unread
MAX_CELLS = 100_000
OUTPUT_LINES = 200  # lines of one text output kept
OUTPUT_LINE_CHARS = 2_000
SKIP_TAGS = frozenset({"skip", "remove-cell", "remove_cell", "remove"})
_CUT = "pagevoice-cut"
_OUTPUTS = re.compile(rb'"outputs"\s*:\s*\[')
# A JSON array's insides up to its next bracket: anything but quotes and brackets, and whole strings.
_NOT_BRACKET = re.compile(rb'(?:[^"\[\]]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.S)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_REPR = re.compile(r"^\s*<[^<>]{0,300}>\s*$")
_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")
_ENV = "|".join(("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign"))
_BARE_ENV = re.compile(r"(?<![$\\])\\begin\{(" + _ENV + r")\*?\}.*?\\end\{\1\*?\}", re.S)
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """Adds the notebook's blocks to `b`; {"title", "language", "outline"}."""
    if len(data) > MAX_BYTES:
        raise FlowError(f"This notebook is {len(data) / 2**20:,.0f} MB; PageVoice reads notebooks of up to "
                        f"{MAX_BYTES // 2**20} MB. Clear its outputs (Jupyter: Edit, Clear Outputs of All Cells) "
                        "and upload it again.")
    try:
        nb = json.loads(_cut_outputs(data))
    except RecursionError:
        raise FlowError("This notebook's JSON nests its values thousands deep; PageVoice does not read it.") from None
    except ValueError as exc:
        raise FlowError(f"This file is not a Jupyter notebook PageVoice can read: its JSON is damaged ({exc}).") from None
    if not isinstance(nb, dict):
        raise FlowError("This file is not a Jupyter notebook: its JSON is not an object of cells.")
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for w in nb["worksheets"] if isinstance(w, dict) and isinstance(w.get("cells"), list)
                 for c in w["cells"]]
    if not isinstance(cells, list):
        raise FlowError("This file is not a Jupyter notebook: it has no list of cells.")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    reader = _Reader(b)
    for cell in cells[:MAX_CELLS]:
        if b.full:
            break
        if isinstance(cell, dict):
            reader.cell(cell)
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    walker = reader.walker
    return {"title": title or walker.front_title or walker.first_heading, "language": walker.language,
            "outline": walker.outline}


def _cut_outputs(data: bytes) -> bytes:
    """`data` with every cell's `outputs` list longer than MAX_OUTPUT_BYTES replaced, unread, by
    one output saying how long it was. Strings are skipped whole by one regex (C speed), so a
    gigabyte of outputs costs a scan, not a parse."""
    if len(data) <= MAX_OUTPUT_BYTES:
        return data
    out, kept = [], 0
    for m in _OUTPUTS.finditer(data):
        if m.start() < kept:
            continue
        end = _array_end(data, m.end())
        if end is None:
            break  # not JSON: json.loads says so
        if end - m.end() > MAX_OUTPUT_BYTES:
            out += [data[kept:m.end() - 1], b'[{"output_type": "%s", "bytes": %d}]' % (_CUT.encode(), end - m.end())]
            kept = end
    return data if not out else b"".join([*out, data[kept:]])


def _array_end(data: bytes, at: int) -> int | None:
    """Where the JSON array whose insides start at `at` ends (past its `]`), or None."""
    depth = 1
    while True:
        at = _NOT_BRACKET.match(data, at).end()
        if at >= len(data):
            return None
        c = data[at]
        at += 1
        if c == 0x5B:  # [
            depth += 1
        elif c == 0x5D:  # ]
            depth -= 1
            if depth == 0:
                return at
        else:
            return None  # a string never closed


def _source(value) -> str:
    """A cell's or output's text: a string, or a list of strings (nbformat's lines)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


def _tags(cell: dict) -> set[str]:
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    out = {t.strip().lower() for t in tags if isinstance(t, str)}
    slide = meta.get("slideshow") if isinstance(meta.get("slideshow"), dict) else {}
    if slide.get("slide_type") == "skip":
        out.add("skip")
    return out


def math_environments(source: str) -> str:
    """Markdown with each bare display environment outside code (fences, indented blocks and
    inline code aside: a fence's lines are left as they are) put between $$ lines, as Jupyter's
    MathJax reads it."""
    if "\\begin" not in source:
        return source
    out, prose, fence = [], [], None
    for line in source.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            out.append(_wrap("\n".join(prose)))
            prose, fence = [], m.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
        else:
            prose.append(line)
    if prose:
        out.append(_wrap("\n".join(prose)))
    return "\n".join(out)


_MATH_SPAN = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\\(.*?\\\)|(?<!\\)\$(?!\s)[^$]*?(?<![\s\\])\$", re.S)


def _wrap(prose: str) -> str:
    """`prose` with its bare environments (not those already inside $...$, $$...$$, \\[...\\]
    or \\(...\\)) between $$ lines."""
    if not _BARE_ENV.search(prose):
        return prose
    spans = [m.span() for m in _MATH_SPAN.finditer(prose)]

    def wrap(m) -> str:
        if any(a <= m.start() < b for a, b in spans):
            return m.group(0)
        return "\n\n$$\n" + m.group(0) + "\n$$\n\n"

    return _BARE_ENV.sub(wrap, prose)


class _Reader:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.md = md_reader._parser()
        self.walker = md_reader._Walker(b)

    def markdown(self, text: str) -> None:
        if text.strip():
            md_reader.read_text(math_environments(text), self.b, self.walker, self.md)

    def cell(self, cell: dict) -> None:
        tags = _tags(cell)
        if tags & SKIP_TAGS:
            return
        kind = cell.get("cell_type")
        if kind == "markdown":
            self.markdown(_source(cell.get("source")))
        elif kind == "heading":  # nbformat 3
            level = cell.get("level") if isinstance(cell.get("level"), int) else 1
            self.markdown("#" * max(1, min(6, level)) + " " + " ".join(_source(cell.get("source")).split()))
        elif kind in ("code", "raw"):
            code = _source(cell.get("source") if "source" in cell else cell.get("input"))
            if code.strip() and "remove-input" not in tags and "remove_input" not in tags:
                self.b.add("code", "", lines=code.rstrip("\n").split("\n"))
            outputs = cell.get("outputs")
            if kind == "code" and isinstance(outputs, list) and not tags & {"remove-output", "remove_output"}:
                for out in outputs:
                    if self.b.full:
                        return
                    if isinstance(out, dict):
                        self.output(out)

    def output(self, out: dict) -> None:
        kind = out.get("output_type")
        if kind == _CUT:
            size = out.get("bytes") if isinstance(out.get("bytes"), int) else 0
            self.b.add("paragraph", f"(This cell's output, {size / 2**20:,.1f} MB, is not read.)")
        elif kind in ("stream", "pyout", "pyerr") and "data" not in out:
            self.text(_source(out.get("text")))
        elif kind == "error":
            name, value = out.get("ename"), out.get("evalue")
            if isinstance(name, str) and isinstance(value, str):
                self.text(f"{name}: {value}")
        elif kind in ("execute_result", "display_data", "pyout"):
            data = out.get("data") if isinstance(out.get("data"), dict) else out  # nbformat 3: on the output
            self.rich(data, out.get("metadata") if isinstance(out.get("metadata"), dict) else {})

    def rich(self, data: dict, meta: dict) -> None:
        """A display: the richest form the notebook says aloud (LaTeX, Markdown, an image's alt
        text), else its plain text."""
        plain = _source(data.get("text/plain") if "text/plain" in data else data.get("text"))
        latex = _source(data.get("text/latex") if "text/latex" in data else data.get("latex"))
        image = next((k for k in _IMAGES if k in data), None) or next(
            (k for k in ("png", "jpeg", "svg") if k in data), None)
        if latex.strip():
            from chalicelib.media.flow import formula

            tex = latex.strip()
            for a, z in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
                if tex.startswith(a) and tex.endswith(z) and len(tex) > len(a) + len(z):
                    tex = tex[len(a):-len(z)]
                    break
            tex = re.sub(r"^\s*\\displaystyle\b", "", tex)
            self.b.add("paragraph", self.b.formula(formula.from_latex(tex, display=True)))
        elif "text/markdown" in data and _source(data["text/markdown"]).strip():
            self.markdown(_source(data["text/markdown"]))
        elif image is not None:
            alt = meta.get(image, {}).get("alt") if isinstance(meta.get(image), dict) else meta.get("alt")
            if not isinstance(alt, str) or not alt.strip():
                alt = plain if plain.strip() and not _REPR.match(plain) and len(plain) < 300 else "Image"
            self.b.add("figure", alt)
        elif plain.strip():
            self.text(plain)

    def text(self, text: str) -> None:
        """Text output as code: colours (ANSI escapes) gone, at most OUTPUT_LINES lines."""
        lines = _ANSI.sub("", text).rstrip("\n").split("\n")
        more = len(lines) - OUTPUT_LINES
        lines = [line[:OUTPUT_LINE_CHARS] for line in lines[:OUTPUT_LINES]]
        if more > 0:
            lines.append(f"... ({more:,} more lines)")
        if any(line.strip() for line in lines):
            self.b.add("code", "", lines=lines)
