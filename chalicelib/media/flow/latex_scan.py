"""Scanning TeX's text for where things end, shared by the LaTeX reader and Markdown's formulas:
TeX closes a formula's dollar only outside its braces."""
from __future__ import annotations

import re

_MATH_TOKENS = re.compile(r"\\.|[{}]|\$\$?", re.S)


def closing_dollar(text: str, at: int, closer: str) -> int:
    """Where the `closer` ($ or $$) of a formula whose TeX starts at `at` begins: outside its
    braces (`$\\text{for $x$}$` is one formula, as TeX reads it), escaped dollars skipped; -1
    when there is none before a blank line (TeX ends math at a paragraph's end)."""
    depth = 0
    stop = text.find("\n\n", at)
    stop = len(text) if stop < 0 else stop
    for m in _MATH_TOKENS.finditer(text, at, stop):
        t = m.group(0)
        if t == "{":
            depth += 1
        elif t == "}":
            depth = max(0, depth - 1)
        elif t[0] == "$" and depth == 0 and (closer == "$" or t == "$$"):
            return m.start()
    return -1
