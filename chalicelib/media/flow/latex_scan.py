"""Scanning TeX's text for where things end, shared by the LaTeX reader (latex.py) and Markdown's
formulas: TeX closes a formula's dollar only outside its braces. For the reader: where a group,
an environment, a conditional's branch, a comment and a table's cell end, and a macro's #1 ...
filled in. Pure functions of the text; groups nested past MAX_DEPTH refuse the file."""
from __future__ import annotations

import re

from chalicelib.media.flow import FlowError

MAX_DEPTH = 256  # groups in text (a formula's own bound is formula.MAX_DEPTH)

_MATH_TOKENS = re.compile(r"\\.|[{}]|\$\$?", re.S)
_COMMENT = re.compile(r"(\\begin\{(verbatim|Verbatim|lstlisting|minted|comment)\*?\}.*?\\end\{\2\*?\})"
                      r"|(\\verb\*?([^A-Za-z\s*]).*?\4)|((?<!\\)(?:\\\\)*)%[^\n]*(?:\n[ \t]*)?", re.S)
_BRACES = re.compile(r"\\.|[{}]", re.S)
_CONDITIONAL = re.compile(r"\\(if[A-Za-z@]*|else|fi)(?![A-Za-z@])")


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


def strip_comments(text: str) -> str:
    """`text` without its comments (an unescaped % to the line's end, and the next line's
    indent, as TeX reads it); verbatim environments and \\verb are left as they are."""
    return _COMMENT.sub(lambda m: m.group(1) or m.group(3) or m.group(5) or "", text)


def past_branch(text: str, i: int, to_else: bool) -> int:
    """Past the branch of a conditional that starts at `i`: to its \\fi, or (`to_else`) its
    \\else where it has one; conditionals inside counted."""
    depth = 0
    for m in _CONDITIONAL.finditer(text, i):
        word = m.group(1)
        if word == "fi":
            if depth == 0:
                return m.end()
            depth -= 1
        elif word == "else":
            if depth == 0 and to_else:
                return m.end()
        elif word not in ("ifthenelse",):
            depth += 1
    return len(text)


def substitute(body: str, args: list[str]) -> str:
    return re.sub(r"#([1-9])", lambda m: args[int(m.group(1)) - 1] if int(m.group(1)) <= len(args) else "", body)


def too_deep() -> FlowError:
    return FlowError(f"This LaTeX file nests its groups more than {MAX_DEPTH} deep ({{ inside {{ ...); PageVoice "
                     "does not read it.")


def group_end(text: str, i: int) -> int:
    """Past the } closing the { at `i` (escaped braces skipped), or the text's end."""
    depth = 0
    for m in _BRACES.finditer(text, i):
        t = m.group(0)
        if t == "{":
            depth += 1
            if depth > MAX_DEPTH:
                raise too_deep()
        elif t == "}":
            depth -= 1
            if depth == 0:
                return m.end()
    return len(text)


def environment_end(text: str, i: int, env: str) -> int:
    """Where the \\end{env} closing the environment opened before `i` begins (nested ones counted)."""
    pattern = re.compile(r"\\(begin|end)\{" + re.escape(env) + r"\}")
    depth = 1
    for m in pattern.finditer(text, i):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.start()
    return len(text)


def split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` (\\\\ or &) outside braces; an escaped & is not one."""
    out, depth, start, k = [], 0, 0, 0
    while k < len(text):
        if text.startswith(sep, k) and depth == 0:
            out.append(text[start:k])
            k += len(sep)
            if sep == "\\\\":
                m = re.compile(r"\*?\s*(\[[^\]]*\])?").match(text, k)
                k = m.end()
            start = k
            continue
        c = text[k]
        if c == "\\":
            k += 2
            continue
        depth += (c == "{") - (c == "}")
        k += 1
    out.append(text[start:])
    return out

