"""What a LaTeX source's `\\ref`s print (latex.py): one pass over the body numbering what LaTeX
numbers, so "See Section~\\ref{s}" is read "See Section 2" and "\\eqref{e}" "equation 3".

Numbered as the standard classes number them: sections (article: 2, 2.1, 2.1.3; with chapters:
1, 1.2, 1.2.1; after `\\appendix` the top level is A, B ...), equations (one per `equation` and
`multline`, one per line of `align`, `gather`, `eqnarray`, `alignat`, `flalign` without
`\\nonumber`/`\\notag`, `\\tag{...}` as given; with chapters, or `\\numberwithin{equation}{section}`,
prefixed by it), and floats' captions (figures and tables, prefixed by the chapter when there are
chapters), and theorems the document declares (`\\newtheorem{thm}{Theorem}`, sharing a counter
`[thm]` or numbered within a section `[section]`). A `\\label` names the last of these before it (a
theorem's, inside it). What is not numbered here (theorems of a class or package, list items,
custom counters, `\\setcounter`) leaves its labels unknown: their `\\ref` is dropped rather than
said wrong.
"""
from __future__ import annotations

import re

_NUMBERED_LINES = frozenset({"align", "gather", "eqnarray", "alignat", "flalign"})
_NUMBERED_ONE = frozenset({"equation", "multline"})
# Environments inside a formula whose \\ do not end a numbered line.
_INNER = frozenset({"cases", "matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix", "Bmatrix", "smallmatrix", "array",
                    "aligned", "gathered", "split", "alignedat", "subarray", "dcases", "rcases", "tabular",
                    "multlined"})
_FLOATS = {"figure": "figure", "figure*": "figure", "table": "table", "table*": "table", "wrapfigure": "figure",
           "wraptable": "table", "sidewaysfigure": "figure", "sidewaystable": "table"}
_UNNUMBERED_CONTEXT = ("theorem", "lemma", "proposition", "corollary", "definition", "remark", "example",
                       "exercise", "conjecture", "claim", "problem", "thm", "lem", "prop", "cor", "defn", "rem")
_TOKEN = re.compile(
    r"\\(?P<sec>part|chapter|section|subsection|subsubsection)(?P<star>\*?)(?![A-Za-z@])"
    r"|\\begin\s*\{(?P<begin>[A-Za-z]+\*?)\}|\\end\s*\{(?P<end>[A-Za-z]+\*?)\}"
    r"|\\label\s*\{(?P<label>[^{}]*)\}|\\(?P<nonumber>nonumber|notag)(?![A-Za-z@])"
    r"|\\tag\*?\s*\{(?P<tag>[^{}]*)\}|(?P<newline>\\\\)|\\(?P<caption>caption)(?![A-Za-z@])"
    r"|\\(?P<appendix>appendix)(?![A-Za-z@])|\\(?P<item>item)(?![A-Za-z@])"
    r"|\\numberwithin\s*\{equation\}\s*\{(?P<within>[a-z]+)\}")
_NEWTHEOREM = re.compile(r"\\newtheorem(?P<star>\*?)\s*\{(?P<env>[^{}]+)\}\s*(?:\[(?P<shared>[^\]]+)\])?\s*"
                         r"\{(?P<name>[^{}]*)\}\s*(?:\[(?P<within>[^\]]+)\])?")
LEVELS = ("chapter", "section", "subsection", "subsubsection")


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26)


class _Numbers:
    def __init__(self, chapters: bool, within: str | None) -> None:
        self.chapters, self.within = chapters, within
        self.counts = dict.fromkeys(LEVELS, 0)
        self.appendix = False
        self.equation = self.figure = self.table = 0
        self.labels: dict[str, tuple[str, str]] = {}
        self.last: tuple[str, str] | None = None
        self.sub: str | None = None  # the number of the subequations being read (theirs are 2a, 2b: not said)

    def section(self, level: str) -> None:
        k = LEVELS.index(level)
        self.counts[level] += 1
        for lower in LEVELS[k + 1:]:
            self.counts[lower] = 0
        top = "chapter" if self.chapters else "section"
        if level == "chapter":
            self.equation = self.figure = self.table = 0
        elif level == "section" and self.within == "section":
            self.equation = 0
        first = LEVELS.index(top)
        if k < first:
            return
        parts = [self.counts[n] for n in LEVELS[first:k + 1]]
        head = _letters(parts[0]) if self.appendix else str(parts[0])
        number = ".".join([head, *map(str, parts[1:])])
        self.last = ("Chapter" if level == "chapter" else "Section", number)

    def prefix(self) -> str:
        """What an equation's or a float's number starts with ("2." in a book's chapter 2)."""
        level = "chapter" if self.chapters else ("section" if self.within == "section" else None)
        if level is None:
            return ""
        n = self.counts[level]
        return (_letters(n) if self.appendix else str(n)) + "."

    def next_equation(self, tag: str | None) -> tuple[str, str] | None:
        if self.sub is not None:
            return None
        if tag is not None:
            return ("equation", tag)
        self.equation += 1
        return ("equation", f"{self.prefix()}{self.equation}")


def labels(body: str, preamble: str = "") -> tuple[dict[str, tuple[str, str]], dict[int, str]]:
    """{label: (what it names, its number)}: ("Section", "2.1"), ("equation", "3"), ("figure", "1"),
    ("Theorem", "2"); and {where in `body` a numbered theorem's \\begin is: its number}."""
    chapters = re.search(r"\\chapter\*?\s*[\[{]", body) is not None
    m = re.search(r"\\numberwithin\s*\{equation\}\s*\{([a-z]+)\}", preamble + body)
    walk = _Walk(_Numbers(chapters, m.group(1) if m else None))
    for t in _NEWTHEOREM.finditer(preamble):
        env, shared = t.group("env").strip(), (t.group("shared") or "").strip()
        if not t.group("star") and env:
            counter = shared if shared in walk.theorems else env
            within = walk.theorems[counter][2] if counter != env else (t.group("within") or "").strip() or None
            walk.theorems[env] = (t.group("name").strip() or env, counter, within)
    for t in _TOKEN.finditer(body):
        kind = "sec" if t.lastgroup == "star" else t.lastgroup
        handler = getattr(walk, "on_" + kind, None)
        if handler is not None:
            handler(t)
    return walk.numbers.labels, walk.begins


class _Walk:
    """The body's numbering tokens in order (labels), and what each changes."""

    def __init__(self, numbers: _Numbers) -> None:
        self.numbers = numbers
        self.math: list[str] = []  # the numbered formula being read, and environments inside it
        self.line: dict = _line()
        self.floats: list[str] = []
        self.theorems: dict[str, tuple[str, str, str | None]] = {}  # env -> (name, counter, within which level)
        self.counters: dict[tuple, int] = {}
        self.begins: dict[int, str] = {}
        self.outer: list[tuple[str, tuple[str, str] | None]] = []  # theorems open, and what \\label named before

    def on_theorem(self, env: str) -> None:
        """A declared theorem begins: its number (2, or 1.2 within sections), named by its labels."""
        name, counter, within = self.theorems[env]
        n = self.numbers
        if within in LEVELS:
            levels = [x for x in LEVELS[:LEVELS.index(within) + 1] if x != "chapter" or n.chapters]
            parts = tuple(n.counts[x] for x in levels)
            key = (counter, parts)
            self.counters[key] = self.counters.get(key, 0) + 1
            number = ".".join(map(str, (*parts, self.counters[key])))
        else:
            self.counters[(counter,)] = self.counters.get((counter,), 0) + 1
            number = str(self.counters[(counter,)])
        self.outer.append((env, n.last))
        n.last = (name, number)

    def on_sec(self, t) -> None:
        if not t.group("star") and t.group("sec") != "part":
            self.numbers.section(t.group("sec"))

    def on_begin(self, t) -> None:
        env = t.group("begin")
        base = env.rstrip("*")
        if self.math:
            self.math.append(env)
        elif (base in _NUMBERED_LINES or base in _NUMBERED_ONE) and not env.endswith("*"):
            self.math.append(env)
            self.line = _line()
        elif env in _FLOATS:
            self.floats.append(_FLOATS[env])
        elif env == "subequations":
            self.numbers.last = self.numbers.next_equation(None)
            self.numbers.sub = self.numbers.last[1] if self.numbers.last else None
        elif env in self.theorems:
            self.on_theorem(env)
            self.begins[t.start()] = self.numbers.last[1]
        elif base in _UNNUMBERED_CONTEXT:
            self.numbers.last = None

    def on_end(self, t) -> None:
        env = t.group("end")
        if self.math:
            if len(self.math) == 1 and env == self.math[0]:
                _end_line(self.numbers, self.line)
                self.math.clear()
            elif env == self.math[-1]:
                self.math.pop()
        elif env in _FLOATS and self.floats:
            self.floats.pop()
        elif env == "subequations":
            self.numbers.sub = None
        elif self.outer and env == self.outer[-1][0]:
            self.numbers.last = self.outer.pop()[1]  # a label after the theorem names what it did before

    def on_newline(self, t) -> None:
        if len(self.math) == 1 and self.math[0].rstrip("*") in _NUMBERED_LINES:
            _end_line(self.numbers, self.line)
            self.line = _line()

    def on_nonumber(self, t) -> None:
        if self.math:
            self.line["numbered"] = False

    def on_tag(self, t) -> None:
        if self.math:
            self.line["tag"] = t.group("tag").strip()

    def on_label(self, t) -> None:
        name = t.group("label").strip()
        if self.math:
            self.line["labels"].append(name)
        elif self.numbers.last is not None and name:
            self.numbers.labels.setdefault(name, self.numbers.last)

    def on_caption(self, t) -> None:
        if not self.floats:
            return
        n = self.numbers
        if self.floats[-1] == "figure":
            n.figure += 1
            count = n.figure
        else:
            n.table += 1
            count = n.table
        n.last = (self.floats[-1], f"{n.prefix() if n.chapters else ''}{count}")

    def on_appendix(self, t) -> None:
        n = self.numbers
        n.appendix = True
        for level in LEVELS[LEVELS.index("chapter" if n.chapters else "section"):]:
            n.counts[level] = 0

    def on_item(self, t) -> None:
        self.numbers.last = None


def _line() -> dict:
    return {"numbered": True, "labels": [], "tag": None}


def _end_line(numbers: _Numbers, line: dict) -> None:
    """A numbered formula's line ends: its number, and its labels named by it."""
    if not line["numbered"] and line["tag"] is None:
        return
    number = numbers.next_equation(line["tag"])
    for name in line["labels"] if number is not None else ():
        if name:
            numbers.labels.setdefault(name, number)
