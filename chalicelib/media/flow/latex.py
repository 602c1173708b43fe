"""LaTeX sources (`.tex`, issue 79) into a flow document: read as a person reads the PDF they make,
by our own scanner (no TeX runs: nothing is executed, expanded past a bound or opened).

- The preamble is not read: `\\title`, `\\author` and `\\date`, macros (`\\newcommand`, `\\def`,
  `\\DeclareMathOperator`, expanded in formulas and text, a bounded number of times), theorem
  names (`\\newtheorem`) and babel's language are taken from it. `\\maketitle` says the title and
  the authors.
- `\\part`, `\\chapter`, `\\section` ... `\\subparagraph` are headings (the highest used is level 1)
  and the outline; paragraphs end at blank lines and `\\par`; `itemize`, `enumerate` (numbered as
  LaTeX numbers them: 1., (a), i., A.) and `description` are list items; `abstract` is a section
  headed "Abstract"; theorems, lemmas, definitions and proofs start with their name ("Theorem
  (Bayes).", "Proof."); `tabular` is a table (its first row the header); a float's `\\caption` is
  a caption and `\\includegraphics[alt=...]` a figure; `verbatim`, `lstlisting` and `minted` are
  code; `thebibliography`'s entries are notes, headed "References".
- Formulas: `$...$`, `\\(...\\)` inline; `$$...$$`, `\\[...\\]` and the `equation`, `align`,
  `gather`, `multline`, `eqnarray`, `alignat`, `flalign`, `displaymath` and `math` environments
  (and their starred forms) become formula words in their sentence (formula.from_latex, the
  worker's MathJax: `cases`, `matrix` and the rest inside them are MathJax's), with the
  document's macros expanded and `\\label`, `\\tag`, `\\nonumber`, `\\ref`, `\\eqref` dropped.
- Not read as words: comments, `\\label`, `\\pageref`; a reference (`\\ref`, `\\eqref`, `\\autoref`,
  `\\cref`) says the number the PDF prints where latex_labels knows it ("Section 2.1", "equation
  3"), else nothing (an unknown `\\eqref`: "the equation"); parenthetical citations (`\\cite`, `\\citep`, `\\parencite`, `\\autocite`, ...) are dropped and
  textual ones (`\\citet`, `\\textcite`, `\\citeauthor`) said "citation", standing for the names
  the sentence gives them; `\\footnote` is a note after its paragraph (numbered; notes are left
  out of the recording by default); emphasis (`\\emph`, `\\textbf`, ...) is its words.
- Never: `\\input`, `\\include`, `\\subfile`, `\\import`, `\\openin`, `\\read` (an upload is one
  file: nothing else is opened, in the upload or outside it), `\\write` and `\\write18` (no shell
  escape: their text is dropped), `\\catcode` (its change is not made).
Bounded: a file over MAX_BYTES is refused; groups `{...}` nested past MAX_DEPTH (latex_scan.py) in
text, or environments past MAX_ENVIRONMENTS, refuse the file with a sentence; a formula past
formula.py's bounds fails alone ("formula"); macro expansion stops at EXPANSIONS levels and
MAX_EXPANDED characters (latex_macros.py); the reading stops at the document's caps.
Its steps, each a module: latex_scan.py (where groups, environments and conditionals end),
latex_macros.py (macros kept and expanded), latex_words.py (what each command is, how TeX prints
words), latex_labels.py (what each \\ref prints); this one reads the text into blocks.
"""
from __future__ import annotations

import re

from chalicelib.media.flow import Builder, FlowError, latex_labels
from chalicelib.media.flow import formula as formulas
from chalicelib.media.flow import latex_words as words
from chalicelib.media.flow import tex as texes
from chalicelib.media.flow.encoding import decode
from chalicelib.media.flow.latex_macros import INLINE_LEVELS, Macros
from chalicelib.media.flow.latex_scan import (
    MAX_DEPTH,
    closing_dollar,
    environment_end,
    group_end,
    past_branch,
    split_top,
    strip_comments,
    too_deep,
)

MAX_BYTES = 50 * 1024 * 1024  # a book's LaTeX is a few MB
MAX_ENVIRONMENTS = 64

_SPECIAL = re.compile(r"[\\{}$~\n&]")
_NAME = re.compile(r"[A-Za-z@]+\*?")
_BLANK = re.compile(r"[ \t\r]*\n")
_WS = re.compile(r"\s*")
_REFS_IN_MATH = re.compile(r"\\(?:eq)?ref\s*\{[^{}]*\}|\\(?:auto|c|C|page|name)ref\s*\{[^{}]*\}|\\cite[a-z]*\s*\{[^{}]*\}")
_EQUATION_BEFORE = re.compile(r"(?:equations?|eqs?\.|eqns?\.)[\s\u00a0]*$", re.I)
_ALIASES = {"DeclareMathOperator": "declare_math_operator", "PackageWarning": "message", "PackageInfo": "message"}
_DOC_BEGIN = "\\begin{document}"
_DOC_END = "\\end{document}"


class _Stop(Exception):
    """The document's caps are met: the rest is not read."""


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """Adds the LaTeX source's blocks to `b`; {"title", "language", "outline"}."""
    if len(data) > MAX_BYTES:
        raise FlowError(f"This LaTeX file is {len(data) / 2**20:,.0f} MB; PageVoice reads LaTeX sources of up to "
                        f"{MAX_BYTES // 2**20} MB.")
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", hint or "", re.I)
    text, _ = decode(data, m.group(1) if m else None)
    text = strip_comments(text.replace("\r\n", "\n").replace("\r", "\n"))
    start = text.find(_DOC_BEGIN)
    preamble, body = (text[:start], text[start + len(_DOC_BEGIN):]) if start >= 0 else ("", text)
    end = body.find(_DOC_END)
    if end >= 0:
        body = body[:end]
    reader = _Reader(b, levels(body))
    reader.labels, reader.numbered = latex_labels.labels(body, preamble)
    reader.body = body
    reader.preamble(preamble)
    try:
        reader.scan(body)
        reader.par()
    except _Stop:
        pass
    title = b.plain(reader.title or "")  # a formula as its LaTeX
    return {"title": title or reader.first_heading, "language": reader.language, "outline": reader.outline}


def levels(body: str) -> dict[str, int]:
    """Each sectioning command's heading level: the highest used is 1."""
    used = [n for n in words.LEVELS[:2] if re.search(r"\\" + n + r"\*?\s*[\[{]", body)]
    order = [*used, *words.LEVELS[2:]]
    return {n: min(6, k + 1) for k, n in enumerate(order)} | {n: 1 for n in words.LEVELS[:2] if n not in used}


class _Reader(Macros):
    def __init__(self, b: Builder, heading_levels: dict[str, int]) -> None:
        self.b = b
        self.levels = heading_levels
        self.buf: list[str] = []
        self.role = "paragraph"
        self.prefix = ""
        self.lists: list[list] = []  # [environment, items so far]
        self.envs: list[str] = []
        self.notes: list[str] = []  # footnotes waiting for their paragraph's end
        self.noted = 0
        self.depth = 0
        self.nesting = 0  # arguments and macros being read inside one another
        self.inline_mode = False  # reading a command's argument: blocks are words
        self.expanded = 0
        self.macros: dict[str, tuple[int, str | None, str]] = {}
        self.theorems = dict(words.THEOREMS)
        self.title: str | None = None
        self.author: str | None = None
        self.language: str | None = None
        self.outline: list[dict] = []
        self.first_heading: str | None = None
        self.quiet = False  # the preamble: nothing is read aloud
        self.labels: dict[str, tuple[str, str]] = {}  # what each \ref prints (latex_labels)
        self.numbered: dict[int, str] = {}  # where in the body each numbered theorem begins: its number
        self.body: str | None = None
        self.begun: int | None = None

    # ---------------------------------------------------------------- blocks

    def par(self) -> None:
        """The paragraph (list item, caption ...) read so far, added; then its notes."""
        if self.inline_mode:
            self.buf.append(" ")
            return
        text = words.typeset("".join(self.buf))
        self.buf = []
        if self.quiet:
            self.notes = []
            return
        if text.strip():
            if self.prefix:
                text = f"{self.prefix} {text}"
                self.prefix = ""
            self.b.add(self.role, text)
        self.role = "list-item" if self.lists else "paragraph"
        for note in self.notes:
            self.b.add("footnote", note)
        self.notes = []
        if self.b.full:
            raise _Stop

    def block(self, role: str, text: str) -> None:
        """A block of its own (a caption, a figure's alt text); words in an argument."""
        if self.inline_mode:
            self.buf.append(f" {text} ")
        elif not self.quiet:
            self.par()
            self.b.add(role, text)

    def heading(self, text: str, level: int) -> None:
        if self.inline_mode or self.quiet:
            self.buf.append(f" {text} ")
            return
        self.par()
        text = " ".join(text.split())
        if text and self.b.add("heading", text, level=level):
            title = self.b.plain(text)
            self.outline.append({"title": title, "level": level, "section": len(self.b.sections) - 1})
            self.first_heading = self.first_heading or title

    # ---------------------------------------------------------------- the preamble

    def preamble(self, text: str) -> None:
        """Title, author, macros, theorem names and the language, nothing read aloud."""
        m = re.search(r"\\usepackage\s*\[([^\]]*)\]\s*\{(?:babel|polyglossia)\}", text)
        if m:
            options = [o.strip() for o in m.group(1).split(",") if o.strip()]
            main = next((o.split("=")[1] for o in options if o.startswith("main=")), options[-1] if options else "")
            self.language = words.LANGUAGES.get(main.strip())
        self.quiet = True
        try:
            self.scan(text)
        finally:
            self.buf, self.quiet = [], False

    # ---------------------------------------------------------------- scanning

    def scan(self, text: str) -> None:
        """Reads `text` into the open paragraph and the blocks it makes."""
        i, n = 0, len(text)
        while i < n:
            m = _SPECIAL.search(text, i)
            if m is None:
                self.buf.append(text[i:])
                return
            if m.start() > i:
                self.buf.append(text[i:m.start()])
            c, i = m.group(0), m.end()
            if c == "\n":
                blank = _BLANK.match(text, i)
                if blank:
                    i = _WS.match(text, i).end()
                    self.par()
                else:
                    self.buf.append(" ")
            elif c == "~":
                self.buf.append("\u00a0")
            elif c == "{":
                self.depth += 1
                if self.depth > MAX_DEPTH:
                    raise too_deep()
            elif c == "}":
                self.depth = max(0, self.depth - 1)
            elif c == "&":
                self.buf.append(" ")
            elif c == "$":
                i = self.dollars(text, i)
            else:
                i = self.command(text, i)

    def inline(self, text: str) -> str:
        """`text` (a command's argument) read as words, apart from the open paragraph."""
        if self.nesting >= INLINE_LEVELS:
            return " ".join(re.sub(r"\\[A-Za-z@]+\*?|[{}$]", " ", text).split())
        saved = (self.buf, self.role, self.prefix, self.depth, self.notes, self.inline_mode)
        self.buf, self.notes, self.depth, self.inline_mode = [], [], 0, True
        self.nesting += 1
        try:
            self.scan(text)
            out = words.typeset("".join(self.buf))
        finally:
            notes = self.notes
            self.buf, self.role, self.prefix, self.depth, self.notes, self.inline_mode = saved
            self.notes += notes
            self.nesting -= 1
        return " ".join(out.split())

    def dollars(self, text: str, i: int) -> int:
        display = text.startswith("$", i)
        closer = "$$" if display else "$"
        at = i + 1 if display else i
        end = closing_dollar(text, at, closer)
        if end < 0:
            return at  # an unclosed dollar: TeX's error, read as nothing
        self.math(text[at:end], display)
        return end + len(closer)

    def math(self, source: str, display: bool, whole: bool = False) -> None:
        """A formula word for `source` (the TeX between its delimiters, or a whole environment)."""
        source = _REFS_IN_MATH.sub("", self.expand(source))
        if not source.strip() or re.fullmatch(r"\s*(\\[,;:!> ]|\\quad|\\qquad|~)*\s*", source):
            return
        if len(source) > formulas.MAX_LATEX:
            found = formulas.from_latex(source)
        elif texes._nesting(source) > formulas.MAX_DEPTH:
            found = formulas.failed(f"This formula nests its parts more than {formulas.MAX_DEPTH} deep; "
                                    "PageVoice does not read it.")
        else:
            found = formulas.from_latex(texes.tidy(source), display=display)
        if not self.quiet or self.inline_mode:
            self.buf.append(self.b.formula(found))

    # ---------------------------------------------------------------- arguments

    def group(self, text: str, i: int) -> tuple[str, int]:
        """The argument at `i` (after spaces): a {group}'s insides, a command or one character."""
        i = _WS.match(text, i).end()
        if i >= len(text):
            return "", i
        if text[i] == "{":
            end = group_end(text, i)
            return text[i + 1:end - 1], end
        if text[i] == "\\":
            m = _NAME.match(text, i + 1)
            end = m.end() if m else i + 2
            return text[i:end], end
        return text[i], i + 1

    def optional(self, text: str, i: int) -> tuple[str | None, int]:
        """An optional [argument] at `i` (after spaces), or None."""
        j = _WS.match(text, i).end()
        if not text.startswith("[", j):
            return None, i
        depth, k = 0, j + 1
        while k < len(text):
            c = text[k]
            if c == "\\":
                k += 2
                continue
            if c == "{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep()
            elif c == "}":
                depth -= 1
            elif c == "]" and depth <= 0:
                return text[j + 1:k], k + 1
            k += 1
        return None, i

    def skip_args(self, text: str, i: int, count: int) -> int:
        _, i = self.optional(text, i)
        for _ in range(count):
            _, i = self.group(text, i)
            _, i = self.optional(text, i)
        return i

    # ---------------------------------------------------------------- commands

    def command(self, text: str, i: int) -> int:
        if i >= len(text):
            return i
        m = _NAME.match(text, i)
        if m is None:
            return self.symbol(text, i)
        name, i = m.group(0), m.end()
        base = name.rstrip("*")
        if base in words.ACCENTS and len(base) == 1:  # \c{c}, \v s
            arg, i = self.group(text, i)
            self.buf.append(words.accent(base, arg))
            return i
        if name in ("begin", "end"):
            if name == "begin" and text is self.body:  # where it begins: a theorem's number is known by it
                self.begun = m.start() - 1
            env, i = self.group(text, i)
            env = env.strip()
            return self.begin(text, i, env) if name == "begin" else self.end(env, i)
        if base in self.levels:
            _, i = self.optional(text, i)
            arg, i = self.group(text, i)
            if not self.quiet or self.inline_mode:
                self.heading(self.inline(arg), self.levels[base])
            return i
        return self.named(name, base, text, i)

    def named(self, name: str, base: str, text: str, i: int) -> int:
        """A command of letters `name` (`base`: without its star), its arguments from `i`."""
        if base.startswith("if") and base not in ("ifthenelse",) and base not in self.macros:
            # TeX's conditionals: the first branch is read (\iffalse's none: a way to comment out)
            return past_branch(text, i, to_else=True) if base == "iffalse" else i
        if base == "else":
            return past_branch(text, i, to_else=False)
        handler = getattr(self, "do_" + _ALIASES.get(base, base.replace("@", "_")), None)
        if handler is not None:
            return handler(text, i)
        if base in self.macros:
            return self.use_macro(base, text, i)
        return self.plain_command(name, base, text, i)

    def plain_command(self, name: str, base: str, text: str, i: int) -> int:
        """A command without a handler: dropped, said as a symbol, or its last argument read."""
        if base in words.REFERENCES:
            return self.reference(base, text, i)
        if base in words.TEXTUAL_CITES:
            self.buf.append("citation")
            return self.skip_args(text, i, 1)
        if name in words.DROPPED or base in words.DROPPED:
            return self.skip_args(text, i, words.DROPPED.get(name, words.DROPPED.get(base, 0)))
        if base in words.KEEP_LAST:
            return self.skip_args(text, i, words.KEEP_LAST[base])
        if base in words.SYMBOLS:
            sym = words.SYMBOLS[base]
            if sym == "\n\n":
                self.par()
            else:
                self.buf.append(sym)
            return i + 2 if text.startswith("{}", i) else i
        # Any other command: its name is not read, its optional argument neither; a {group}
        # after it is read as text (\emph{word} is its word).
        _, i = self.optional(text, i)
        return i

    def symbol(self, text: str, i: int) -> int:
        """A one-character command: \\\\, \\,, \\%, \\$, \\(, \\[, accents."""
        c = text[i]
        i += 1
        if c == "\\":  # a line break (its optional [length] and * dropped)
            if text.startswith("*", i):
                i += 1
            _, i = self.optional(text, i)
            self.buf.append(" ")
        elif c in "&%$#_{}":
            self.buf.append(c)
        elif c in ",;:! >\n\t":
            self.buf.append(" ")
        elif c in "-/@":
            pass
        elif c == "(":
            end = texes._closing(text, i, "\\)")
            if end >= 0:
                self.math(text[i:end], False)
                return end + 2
        elif c == "[":
            end = texes._closing(text, i, "\\]")
            if end >= 0:
                self.math(text[i:end], True)
                return end + 2
        elif c in words.ACCENTS:
            arg, i = self.group(text, i)
            self.buf.append(words.accent(c, arg))
        return i

    def begin(self, text: str, i: int, env: str) -> int:
        base = env.rstrip("*")
        if base in words.MATH_ENVIRONMENTS or base in words.CODE_ENVIRONMENTS or base in words.SKIPPED_ENVIRONMENTS:
            return self.raw_environment(text, i, env)
        if base in words.TABLE_ENVIRONMENTS:
            return self.tabular(text, i, env)
        self.envs.append(env)
        if len(self.envs) > MAX_ENVIRONMENTS:
            raise FlowError(f"This LaTeX file nests its environments more than {MAX_ENVIRONMENTS} deep; PageVoice "
                            "does not read it.")
        return self.environment(text, i, base)

    def raw_environment(self, text: str, i: int, env: str) -> int:
        """An environment whose insides are not LaTeX to read: a formula, code, a drawing."""
        base = env.rstrip("*")
        closer = "\\end{" + env + "}"
        end = text.find(closer, i)
        stop = end if end >= 0 else len(text)
        body = text[i:stop]
        if base in ("displaymath", "math", "dmath"):
            self.math(body, base != "math")
        elif base in words.MATH_ENVIRONMENTS:
            self.math("\\begin{" + env + "}" + body + closer, True)
        elif base in words.CODE_ENVIRONMENTS and not self.quiet and not self.inline_mode:
            body = re.sub(r"^\s*(\[[^\]\n]*\])?(\{[^}\n]*\})?[ \t]*\n", "", body, count=1)  # [options]{language}
            self.par()
            self.b.add("code", "", lines=body.strip("\n").split("\n"))
        return stop + len(closer) if end >= 0 else stop

    def environment(self, text: str, i: int, base: str) -> int:
        """The start of an environment whose insides are read: a list, a theorem, a float ..."""
        if base in words.LIST_ENVIRONMENTS:
            self.par()
            self.lists.append([base, 0])
            self.role = "list-item"
            # enumitem's [label=(\alph*), leftmargin=*] and list's {label}{spacing}: not read
            i = self.skip_args(text, i, 2) if base == "list" else self.optional(text, i)[1]
        elif base == "abstract":
            self.heading("Abstract", self.levels.get("section", 1))
        elif base == "thebibliography":
            _, i = self.group(text, i)
            self.heading("References", self.levels.get("section", 1))
        elif base in self.theorems:
            self.par()
            note, i = self.optional(text, i)
            number = self.numbered.get(self.begun) if self.begun is not None else None
            name = f"{self.theorems[base]} {number}" if number else self.theorems[base]  # "Theorem 1.2"
            self.prefix = f"{name} ({self.inline(note)})." if note else f"{name}."
        elif base in ("figure", "table", "wrapfigure", "wraptable", "sidewaysfigure", "sidewaystable"):
            self.par()
            _, i = self.optional(text, i)
            if base.startswith("wrap"):
                i = self.skip_args(text, i, 2)
        elif base in ("minipage",):
            i = self.skip_args(text, i, 1)
        return i

    def end(self, env: str, i: int) -> int:
        if env in self.envs:
            while self.envs:
                top = self.envs.pop()
                base = top.rstrip("*")
                if base in words.LIST_ENVIRONMENTS or base in self.theorems or base in (
                        "abstract", "thebibliography", "figure", "table", "quote", "quotation", "verse", "center"):
                    self.par()
                if base in words.LIST_ENVIRONMENTS and self.lists:
                    self.lists.pop()
                    self.role = "list-item" if self.lists else "paragraph"
                if top == env:
                    break
        return i

    def tabular(self, text: str, i: int, env: str) -> int:
        i = self.skip_args(text, i, words.TABLE_ENVIRONMENTS.get(env, words.TABLE_ENVIRONMENTS.get(env.rstrip("*"), 1)))
        end = environment_end(text, i, env)
        body = text[i:end]
        after = end + len("\\end{" + env + "}") if end < len(text) else end
        if self.quiet or self.inline_mode:
            return after
        self.par()
        body = re.sub(r"\\(?:hline|toprule|midrule|bottomrule|endhead|endfirsthead|endfoot|endlastfoot|"
                      r"addlinespace|noalign\{[^{}]*\})|\\c(?:mid)?rule(?:\([^)]*\))?\{[^{}]*\}", " ", body)
        rows = []
        for row in split_top(body, "\\\\"):
            cells = [self.inline(c) for c in split_top(row, "&")]
            if any(c.strip() for c in cells):
                rows.append(cells)
        self.b.table([[(c, r == 0 and len(rows) > 1) for c in row] for r, row in enumerate(rows)])
        return after

    # ---------------------------------------------------------------- commands with a meaning

    def do_item(self, text: str, i: int) -> int:
        label, i = self.optional(text, i)
        self.par()
        if self.lists:
            self.lists[-1][1] += 1
            kind, n = self.lists[-1]
            self.role = "list-item"
            if label is not None:
                self.prefix = self.inline(label)
            elif kind in ("enumerate", "compactenum", "inparaenum", "asparaenum"):
                level = sum(1 for k, _ in self.lists if k in ("enumerate", "compactenum", "inparaenum",
                                                              "asparaenum")) - 1
                self.prefix = words.enumerate_label(level, n)
        return i

    def reference(self, base: str, text: str, i: int) -> int:
        """\\ref and its kin as the PDF prints them where the number is known (latex_labels): "2.1",
        "Section 2.1" (\\autoref, \\cref), "equation 3" (\\eqref: "(3)"; after "Equation~", "3");
        else not read, and an unknown \\eqref "the equation"."""
        _, i = self.optional(text, i)
        arg, i = self.group(text, i)
        found = [self.labels.get(name.strip()) for name in arg.split(",")]
        after_equation = _EQUATION_BEFORE.search("".join(self.buf[-3:])) is not None
        if not found or None in found or base in ("pageref", "nameref"):
            if base == "eqref" and not after_equation:
                self.buf.append("the equation")
            return i
        said = []
        for what, raw in found:
            number = self.inline(raw) if "\\" in raw or "$" in raw else raw  # \tag{$\star$}
            if base == "eqref" or (base != "ref" and what == "equation"):
                said.append(number if after_equation else f"{'Equation' if base == 'Cref' else 'equation'} {number}")
            elif base == "ref":
                said.append(number)
            else:
                said.append(f"{what.capitalize() if base != 'cref' or what != 'equation' else what} {number}")
        self.buf.append(" and ".join(said))
        return i

    def do_bibitem(self, text: str, i: int) -> int:
        self.par()
        i = self.skip_args(text, i, 1)
        self.role = "footnote"
        return i

    def do_title(self, text: str, i: int) -> int:
        _, i = self.optional(text, i)
        arg, i = self.group(text, i)
        self.title = self.inline(arg) or None
        return i

    def do_author(self, text: str, i: int) -> int:
        _, i = self.optional(text, i)
        arg, i = self.group(text, i)
        self.author = self.inline(arg) or None
        return i

    def do_maketitle(self, text: str, i: int) -> int:
        if self.quiet or self.inline_mode:
            return i
        self.par()
        if self.title:
            self.b.add("title", self.title)
        if self.author:
            self.b.add("paragraph", self.author)
        return i

    def do_footnote(self, text: str, i: int) -> int:
        _, i = self.optional(text, i)
        arg, i = self.group(text, i)
        note = self.inline(arg)
        if note:
            self.noted += 1
            self.notes.append(f"{self.noted} {note}")
        return i

    do_footnotetext = do_footnote

    def do_caption(self, text: str, i: int) -> int:
        _, i = self.optional(text, i)
        arg, i = self.group(text, i)
        self.block("caption", self.inline(arg))
        return i

    def do_includegraphics(self, text: str, i: int) -> int:
        options, i = self.optional(text, i)
        _, i = self.group(text, i)
        m = re.search(r"\balt\s*=\s*(\{(?P<b>[^{}]*)\}|(?P<p>[^,]*))", options or "")
        if m:
            self.block("figure", self.inline(m.group("b") if m.group("b") is not None else m.group("p")))
        return i

    def do_verb(self, text: str, i: int) -> int:
        if text.startswith("*", i):
            i += 1
        if i >= len(text):
            return i
        delim = text[i]
        end = text.find(delim, i + 1)
        if end < 0:
            return i + 1
        self.buf.append(text[i + 1:end])
        return end + 1

    def do_ensuremath(self, text: str, i: int) -> int:
        arg, i = self.group(text, i)
        self.math(arg, False)
        return i

    def do_url(self, text: str, i: int) -> int:
        arg, i = self.group(text, i)
        self.buf.append(arg)
        return i

    def do_write(self, text: str, i: int) -> int:
        """\\write<stream>{...} (\\write18: the shell): nothing is written, run or read."""
        m = re.compile(r"\s*(?:-?\d+|\\[A-Za-z@]+)").match(text, i)
        if m:
            i = m.end()
        _, i = self.group(text, i)
        return i

    do_message = do_typeout = do_wlog = lambda self, text, i: self.skip_args(text, i, 1)

    def do_input(self, text: str, i: int) -> int:
        """\\input{file} or TeX's \\input file: another file, never opened (module docstring)."""
        j = _WS.match(text, i).end()
        if text.startswith("{", j):
            _, j = self.group(text, j)
            return j
        m = re.compile(r"[^\s{}\\]*").match(text, j)
        return m.end()

    def do_openin(self, text: str, i: int) -> int:
        m = re.compile(r"[^\n]*").match(text, i)  # \openin5=file, \read5 to \x: the line
        return m.end()

    do_openout = do_read = do_closein = do_closeout = do_catcode = do_openin

    def do_immediate(self, text: str, i: int) -> int:
        return i

    def do_newtheorem(self, text: str, i: int) -> int:
        env, i = self.group(text, i)
        _, i = self.optional(text, i)
        name, i = self.group(text, i)
        _, i = self.optional(text, i)
        if env.strip():
            self.theorems[env.strip()] = self.inline(name) or env.strip()
        return i
