"""The table of every environment variable: the platform's settings (chalicelib.settings) and
each engine's `Config`, read from the source, so no engine's runtime is imported.

    .venv/bin/python -m chalicelib.settings_table --markdown   # print it
    .venv/bin/python -m chalicelib.settings_table --write      # write it into docs/settings.md

docs/settings.md holds it between its markers; tests/test_settings.py checks it is up to date.
"""
from __future__ import annotations

import argparse
import ast
import functools
import io
import operator
import re
import tokenize
from pathlib import Path

from chalicelib import settings
from chalicelib.settings import PREFIX, ROOT, SECTIONS

TABLE_BEGIN, TABLE_END = "<!-- settings-table:begin -->", "<!-- settings-table:end -->"
REGENERATE = ".venv/bin/python -m chalicelib.settings_table --write"
DOC = ROOT / "docs" / "settings.md"
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg}


@functools.cache
def _source(path: str) -> tuple[ast.Module, dict[int, str], dict[int, str]]:
    """A module's tree and its comments by line: (tree, trailing comments, whole-line comments)."""
    text = Path(path).read_text()
    trailing, whole = {}, {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            alone = tok.line.strip().startswith("#")
            (whole if alone else trailing)[tok.start[0]] = tok.string.lstrip("#").strip()
    return ast.parse(text), trailing, whole


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _module_value(tree: ast.Module, name: str) -> ast.expr | None:
    return next((node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)), None)


def _class_value(tree: ast.Module, cls: str, attr: str) -> ast.expr | None:
    """`attr`'s value expression in class `cls` or its bases (those of the same module)."""
    node = _classes(tree).get(cls)
    if node is None:
        return None
    own = next((s.value for s in node.body if isinstance(s, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == attr for t in s.targets)), None)
    bases = (_class_value(tree, b.id, attr) for b in node.bases if isinstance(b, ast.Name))
    return own if own is not None else next((v for v in bases if v is not None), None)


def _fields(tree: ast.Module, cls: str) -> dict[str, list[ast.AnnAssign]]:
    """A dataclass's fields in order, its bases' first (those of the same module): each field's
    declarations, the one in effect last."""
    node = _classes(tree)[cls]
    found: dict[str, list[ast.AnnAssign]] = {}
    for base in (b.id for b in node.bases if isinstance(b, ast.Name) and b.id in _classes(tree)):
        found.update(_fields(tree, base))
    for s in node.body:
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name):
            found[s.target.id] = [*found.get(s.target.id, []), s]
    return found


def _fold(node: ast.expr):
    """A constant expression's value (`7 * 24 * 3600`); ValueError for anything else."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_fold(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_fold(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_fold(node.left), _fold(node.right))
    raise ValueError(ast.unparse(node))


def _declared(value: ast.expr | None) -> tuple[ast.expr | None, tuple[str, ...]]:
    """A field's default expression and its explicit variable names (`setting(default, env=...)`,
    `field(default_factory=...)` or a plain default)."""
    if not (isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1] in ("setting", "field")):
        return value, ()
    keywords = {k.arg: k.value for k in value.keywords}
    default = value.args[0] if value.args else keywords.get("default", keywords.get("default_factory"))
    if isinstance(default, ast.Lambda):
        default = default.body
    return default, _fold(keywords["env"]) if "env" in keywords else ()


def shown(value) -> str:
    """A default as the table shows it."""
    if value == "" or value is None:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"`{value}`" if isinstance(value, str | tuple) else str(value)


def _meaning(path: str, node: ast.AnnAssign) -> str:
    """The comment on the field's line, else the comment lines just above it."""
    _, trailing, whole = _source(path)
    own = [trailing[n] for n in range(node.lineno, node.end_lineno + 1) if n in trailing]
    above, line = [], node.lineno - 1
    while line in whole:
        above.insert(0, whole[line])
        line -= 1
    return " ".join(own or above).replace("|", "\\|").replace("<", "&lt;")


def rows(path: str, cls: str, prefix: str = PREFIX) -> list[tuple[str, str, str]]:
    """(variables, default, meaning) of each field of the dataclass `cls` declared in `path`; an
    overriding declaration without a comment keeps the meaning of the one it overrides."""
    out = []
    for name, nodes in _fields(_source(path)[0], cls).items():
        default, env = _declared(nodes[-1].value)
        try:
            text = "(required)" if default is None else shown(_fold(default))
        except ValueError:
            text = f"`{ast.unparse(default)}`"
        variables = ", ".join(f"`{n}`" for n in env or (prefix + name.upper(),))
        meaning = next(filter(None, (_meaning(path, n) for n in reversed(nodes))), "")
        out.append((variables, text, meaning))
    return out


def engine_configs() -> list[tuple[str, str, str, str]]:
    """(task: engine, source file, Config class, prefix) of every engine with a Config, found
    in each task's registry (`chalicelib/engines/<task>/__init__.py`: ENGINES; a task of one engine
    without settings, such as the formulas' speech, has none)."""
    found = []
    for init in sorted((ROOT / "chalicelib" / "engines").glob("*/__init__.py")):
        value = _module_value(_source(str(init))[0], "ENGINES")
        if value is None:
            continue
        registry = ast.literal_eval(value)
        for engine, target in registry.items():
            module, cls = target.split(":")
            path = str(ROOT.joinpath(*module.split(".")).with_suffix(".py"))
            tree = _source(path)[0]
            config, prefix = _class_value(tree, cls, "Config"), _class_value(tree, cls, "ENV_PREFIX")
            if isinstance(prefix, ast.Name):
                prefix = _module_value(tree, prefix.id)
            if isinstance(config, ast.Name):
                found.append((f"{init.parent.name}: {engine}", path, config.id, _fold(prefix) if prefix else PREFIX))
    return found


def markdown() -> str:
    """The table of every environment variable: the platform's sections, then each engine's Config."""
    groups = [(name, settings.__file__, cls.__name__, PREFIX) for name, cls in SECTIONS.items()] + engine_configs()
    lines = ["| section | variable | default | meaning |", "|---|---|---|---|"]
    lines += [f"| {group} | {' | '.join(row)} |" for group, path, cls, prefix in groups for row in rows(path, cls, prefix)]
    return "\n".join(lines) + "\n"


def doc_table(text: str) -> str | None:
    """The table between the markers of docs/settings.md (None without them)."""
    match = re.search(re.escape(TABLE_BEGIN) + r"\n(.*?)" + re.escape(TABLE_END), text, re.S)
    return match.group(1) if match else None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m chalicelib.settings_table", description=__doc__.split("\n")[0])
    ap.add_argument("--markdown", action="store_true", help="print the table of every environment variable")
    ap.add_argument("--write", action="store_true", help="write that table into docs/settings.md between its markers")
    args = ap.parse_args(argv)
    if args.write:
        text = DOC.read_text()
        if doc_table(text) is None:
            raise SystemExit(f"docs/settings.md has no {TABLE_BEGIN} ... {TABLE_END} markers to write between.")
        start, end = text.index(TABLE_BEGIN) + len(TABLE_BEGIN) + 1, text.index(TABLE_END)
        DOC.write_text(text[:start] + markdown() + text[end:])
    else:
        print(markdown(), end="")


if __name__ == "__main__":
    main()
