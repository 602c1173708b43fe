"""The LaTeX reader's macro step (latex.py): definitions (\\newcommand, \\def,
\\DeclareMathOperator ...) kept, and their uses expanded in text and formulas, a bounded number
of times."""
from __future__ import annotations

import re

from chalicelib.media.flow import FlowError
from chalicelib.media.flow import formula as formulas
from chalicelib.media.flow.latex_scan import substitute

EXPANSIONS = 8  # levels of macro expansion
MAX_EXPANDED = 2_000_000  # characters all expansions may add to a document
INLINE_LEVELS = 16  # arguments read inside arguments (a heading's \emph's \textbf ...), and macros in macros

_MACRO_USE = re.compile(r"\\([A-Za-z@]+)")
_WS = re.compile(r"\s*")


class Macros:
    """latex._Reader's macro commands (a mixin: a macro's text is read by the reader's own scan, and
    its arguments by its group, optional and skip_args)."""

    macros: dict[str, tuple[int, str | None, str]]  # name -> (arguments, the first's default, body)
    expanded: int  # characters expansions have added
    nesting: int

    def do_newif(self, text: str, i: int) -> int:
        m = re.compile(r"\s*\\[A-Za-z@]+").match(text, i)
        return m.end() if m else i

    def do_ifthenelse(self, text: str, i: int) -> int:
        _, i = self.group(text, i)  # the condition
        then, i = self.group(text, i)
        _, i = self.group(text, i)
        self.scan(then)
        return i

    def do_newcommand(self, text: str, i: int) -> int:
        i = _WS.match(text, i).end()
        if text.startswith("*", i):
            i += 1
        name, i = self.group(text, i)
        count, i = self.optional(text, i)
        default, i = self.optional(text, i)
        body, i = self.group(text, i)
        name = name.strip().lstrip("\\")
        if name and name not in ("begin", "end"):
            n = int(count) if count and count.strip().isdigit() else 0
            self.macros[name] = (min(n, 9), default, body)
        return i

    do_renewcommand = do_providecommand = do_newcommand

    def do_declare_math_operator(self, text: str, i: int) -> int:
        star = text.startswith("*", i)
        name, i = self.group(text, i + star)
        body, i = self.group(text, i)
        self.macros[name.strip().lstrip("\\")] = (0, None, f"\\operatorname{'*' if star else ''}{{{body}}}")
        return i

    def do_def(self, text: str, i: int) -> int:
        m = re.compile(r"\s*\\([A-Za-z@]+)([^{]{0,40})").match(text, i)
        if m is None:
            return i
        body, i = self.group(text, m.end())
        params = len(re.findall(r"#\d", m.group(2)))
        self.macros[m.group(1)] = (min(params, 9), None, body)
        return i

    do_gdef = do_edef = do_xdef = do_def

    def do_let(self, text: str, i: int) -> int:
        m = re.compile(r"\s*\\[A-Za-z@]+\s*=?\s*(?:\\[A-Za-z@]+|.)", re.S).match(text, i)
        return m.end() if m else i

    def do_newenvironment(self, text: str, i: int) -> int:
        i = self.skip_args(text, i, 1)
        _, i = self.group(text, i)
        return i

    do_renewenvironment = do_newenvironment

    def use_macro(self, name: str, text: str, i: int) -> int:
        count, default, body = self.macros[name]
        args = []
        for k in range(count):
            if k == 0 and default is not None:
                arg, i = self.optional(text, i)
                args.append(default if arg is None else arg)
            else:
                arg, i = self.group(text, i)
                args.append(arg)
        out = substitute(body, args)
        self.expanded += len(out)
        if self.expanded > MAX_EXPANDED or self.nesting >= INLINE_LEVELS:
            return i
        self.nesting += 1
        try:
            self.scan(out)
        finally:
            self.nesting -= 1
        return i

    def expand(self, source: str) -> str:
        """A formula's TeX with the document's macros expanded (EXPANSIONS levels at most)."""
        if not self.macros:
            return source
        for _ in range(EXPANSIONS):
            out, at, changed = [], 0, False
            for m in _MACRO_USE.finditer(source):
                if m.start() < at or m.group(1) not in self.macros:
                    continue
                count, default, body = self.macros[m.group(1)]
                i, args = m.end(), []
                try:
                    for k in range(count):
                        if k == 0 and default is not None:
                            arg, i = self.optional(source, i)
                            args.append(default if arg is None else arg)
                        else:
                            arg, i = self.group(source, i)
                            args.append(arg)
                except FlowError:
                    return source  # too deep: the formula fails on its own bounds
                piece = substitute(body, args)
                if body and body[-1:].isalpha() and source[i:i + 1].isalpha():
                    piece += " "
                out += [source[at:m.start()], piece]
                at, changed = i, True
            if not changed:
                break
            source = "".join([*out, source[at:]])
            self.expanded += len(source)
            if len(source) > formulas.MAX_LATEX or self.expanded > MAX_EXPANDED:
                break
        return source
