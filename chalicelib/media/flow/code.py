"""Is a preformatted block code? (issue 55 item 3)

Preformatted text is not code: a poem set in <pre> (Project Gutenberg's HTML books), a letter's
layout, an address or a table drawn in spaces is read aloud; only code is left unspoken by
default. The readers mark a block as code when the file says so (HTML: a <code> element or a
language class; Markdown: a fence's language, or an indented block, code by the spec) and
otherwise ask `looks_like_code` about its text. DOCX and ODT ask it about a run of paragraphs in
a code-like style ("Preformatted Text" is what LibreOffice writes for <pre>).

The test, on the block's non-blank lines (measured in bench/pre_blocks.py):
- a line is code-like when it ends like code (`{ } ; ( [ , =>` or a `:` after a keyword-led
  line), starts with a keyword in code's own case (def, return, import, #include, SELECT, ...),
  a comment (`//`, `/*`, `# ` in lower case), a shell prompt (`$ `, `>>> `, `C:\\>`), or holds
  code's operators and shapes (`==`, `->`, `&&`, `x = f(`, `a.b(`, `snake_case`, `camelCase`);
- the block is code when a quarter of its lines are (one, in a block of three lines or fewer),
  or when code's symbols (`{}[]()<>=$#/\\|&*_+^~%@` and backticks) are 8% or more of its
  characters (a table drawn with | and + is then left unspoken too).
Verse ends lines with , ; : . ! ? and starts them with capitals ("If", "For", "While" are
verse's, "if (" and "for x in" code's); that is what keeps it out.
"""
from __future__ import annotations

import re

# Characters code spends and prose rarely does (no , . ; : ! ? ' " - which verse uses).
_SYMBOLS = frozenset("{}[]()<>=$#/\\|&*_+^~%@`")
_NOT_PARENS = _SYMBOLS - frozenset("()")
SYMBOL_SHARE = 0.08
LINE_SHARE = 0.25
# A line's start as code writes it. English words that are also keywords (return, new, class,
# print, let, echo ...) count only with code's syntax after them: a hard-wrapped letter's lines
# start with lower-case words too.
_START = re.compile(
    r"^\s*(?:(?:def|elif|lambda|async\s+def|fn|func|impl|namespace|typedef|struct)\s+\w|"
    r"(?:import|package)\s+[\w.]+(?:\s*,\s*[\w.]+)*\s*;?\s*$|from\s+[\w.]+\s+import\s|"
    r"(?:let|var|const|val|auto)\s+\w+\s*[=:;]|class\s+\w+\s*[:({<]|function\s*\w*\s*\(|return\s*[;(\[{]|"
    r"(?:public|private|protected|static|void|int|char|float|double|bool|string)\s+[\w<>\[\]]+\s*[({=;]|"
    r"(?:if|for|while|switch|catch|with|elif)\s*\(|(?:if|elif|while|else|try|except|finally)\b[^.!?]*:\s*$|"
    r"for\s+\w+(?:\s*,\s*\w+)*\s+in\s+\S.*:\s*$|"
    r"(?:print|printf|echo|puts|console\.\w+|System\.out\.\w+)\s*[(\"'$]|"
    r"(?:sudo|npm|pip|pip3|git|cd|ls|mkdir|curl|wget|apt|apt-get|brew|docker|make|python3?|node)\s+[-\w./~]+|"
    r"#\s*(?:include|define|ifn?def|endif|pragma)\b|#!/|<\?php|<!DOCTYPE|</?[a-z][\w-]*[\s>/]|"
    r"(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\s+(?:[\w*`\"(]+\s*,?\s*)+(?:FROM|INTO|TABLE|SET|INDEX|VIEW)?\b)"
)
_PROMPT = re.compile(r"^\s*(?:\$\s+[a-z./~-]|%\s+[a-z./~-]|>>>\s|PS [A-Z]:\\[^>]*>|[A-Z]:\\[^>]*>\s*\S|"
                     r"[\w.-]+@[\w.-]+:[^$#\s]*[$#]\s|#!/)")
# Commands as typed: tools no prose line starts with, alone or with arguments; English words
# that are also tools (make, just, go) only alone; a script's name; any command with a flag.
_COMMAND = re.compile(
    r"^\s*(?:(?:sudo|npm|npx|yarn|pnpm|pip|pip3|pipx|uv|uvx|conda|poetry|pdm|pytest|tox|nox|ruff|mypy|"
    r"cargo|rustc|rustup|gcc|g\+\+|clang|emcc|cmake|javac|mvn|gradle|dotnet|kubectl|helm|docker|podman|"
    r"terraform|aws|gcloud|az|git|apt|apt-get|yum|dnf|brew|curl|wget|mkdir|rm|cp|mv|chmod|chown|ls|cd|"
    r"python|python3|node|deno|bun|ssh|scp|tar|unzip|export|source)(?:\s+\S.*)?$|"
    r"(?:make|just|go|build|test|run|install)\s*$|[\w./-]+\.(?:cmd|bat|sh|py|exe|ps1)(?:\s.*)?$|"
    r"[a-z][\w.-]*(?:\s+\S+)*\s+--?[a-zA-Z][\w-]*(?:[=\s].*)?$)")
# YAML, TOML and INI: a lower-case key and a colon or an equals sign, a list item of them.
_KEY = re.compile(r"^\s*(?:-\s+)?[a-z_][\w.-]*\s*(?::(?:\s|$)|=\s*\S)|^\s*\[[a-z_][\w.\-\"]*\]\s*$")
_COMMENT = re.compile(r"^\s*(?://|/\*|\*/|#\s+[a-z]|--\s+[a-z]|;;|<!--)")
_SHAPES = re.compile(r"==|!=|<=|>=|->|=>|::|:=|\+=|-=|&&|\|\||\w\.\w+\(|\w\(\)|\b[a-z]+_\w+|"
                     r"\b[a-z]+[A-Z]\w*\(|^\s*\w+(?:\.\w+|\[[^\]]*\])*\s*=\s*\S|\$\{?\w|</\w+>|\w\([^()]*\)\s*;?\s*$")
_WORDY = re.compile(r"[^\W_]")


def strong_line(line: str) -> bool:
    """A line only code has: a prompt, a shebang, a definition, an #include, an import."""
    return bool(_PROMPT.match(line) or re.match(r"^\s*(?:def|class)\s+\w+\s*[(:]|^\s*#\s*include\b|"
                                                r"^\s*(?:import\s+[\w.]+|from\s+[\w.]+\s+import\s)", line))


def code_line(line: str) -> bool:
    """One line that reads as code, by its start, its operators or its end."""
    s = line.rstrip()
    if not s.strip():
        return False
    if (_START.match(s) or _PROMPT.match(s) or _COMMAND.match(s) or _KEY.match(s) or _COMMENT.match(s)
            or _SHAPES.search(s)):
        return True
    body = s.strip()
    if body.endswith("}") and body.startswith("{"):
        return False  # {an editor's note in braces}
    if s.endswith(("{", "}", "[", "=>", "->", "\\")):
        return True
    # ";" or ")" end verse's lines too; code's lines that end so hold code's symbols as well
    return s.endswith((";", ")")) and any(c in _NOT_PARENS for c in s)


def looks_like_code(lines: list[str]) -> bool:
    """True when the block's text reads as code (the module's docstring says how). Lines with
    no letter or digit (a row of stars between sections, a rule) are decoration, not evidence."""
    rows = [x for x in lines if _WORDY.search(x)]
    if not rows:
        return False
    if any(strong_line(x) for x in rows):
        return True
    chars = [c for x in rows for c in x if not c.isspace()]
    if len(chars) >= 20 and sum(c in _SYMBOLS for c in chars) / len(chars) >= SYMBOL_SHARE:
        return True
    hits = sum(code_line(x) for x in rows)
    return hits >= 1 if len(rows) <= 3 else hits / len(rows) >= LINE_SHARE


# Class names highlighters and converters give code: language-x, lang-x, highlight, sourceCode
# (pandoc), brush: x (SyntaxHighlighter), prettyprint, hljs, codehilite, CodeMirror, listing.
_LANGUAGE_CLASS = re.compile(r"(?:^|[\s;])(?:language-|lang-|brush\s*:|highlight|sourcecode|prettyprint|hljs|"
                             r"codehilite|codemirror|code\b|syntax|listing|src-|program)", re.I)


def stanzas(lines: list[str]) -> list[list[str]]:
    """Preformatted text that is not code, as the readers read it: its runs of lines between
    blank ones (a stanza of verse, a letter's block), each a paragraph with its lines kept."""
    out: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [s for s in out if s]


def language_class(value: str | None) -> bool:
    """A class (or data-lang) value that says its element holds code."""
    return bool(value and _LANGUAGE_CLASS.search(value))
