"""The shape of the code, read from its syntax tree (not run): no function or method longer than
80 lines in the application (chalicelib/), its infrastructure (infra/) or the benchmarks (bench/).

A long function is split into named steps that read as a table of contents. Nested functions
count on their own and as part of the function around them. Complexity (branches, returns,
arguments, statements) is ruff's business: C901 and the PLR limits in pyproject.toml.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("chalicelib", "infra", "bench")
SKIPPED = {"build", "out", "__pycache__"}  # infra/build and bench/out: generated, not ours to shape
MAX_LINES = 80


def sources(root: Path = ROOT) -> list[Path]:
    return sorted(p for top in CHECKED for p in (root / top).rglob("*.py")
                  if not SKIPPED.intersection(p.relative_to(root).parts))


def long_functions(path: Path, limit: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length in lines) of each function over `limit` lines, from
    its `def` to its last line (decorators not counted)."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef) and child.end_lineno - child.lineno + 1 > limit:
                    found.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), "")
    return found


def test_the_checked_folders_hold_the_code():
    files = sources()
    assert len(files) > 50
    assert ROOT / "chalicelib" / "media" / "audio.py" in files
    assert ROOT / "infra" / "template.py" in files
    assert ROOT / "bench" / "run.py" in files


def test_no_function_is_longer_than_80_lines():
    offenders = [f"{path.relative_to(ROOT)}:{line} {name}: {length} lines"
                 for path in sources() for name, line, length in long_functions(path)]
    for offender in offenders:
        print(offender)
    assert not offenders, f"{len(offenders)} function(s) over {MAX_LINES} lines (split into named steps):\n" \
                          + "\n".join(offenders)


def test_the_measure_counts_every_line_of_nested_and_decorated_functions(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(79))
    (tmp_path / "m.py").write_text(
        "import functools\n\n\n"
        f"@functools.cache\ndef fits():\n{body}\n\n\n"  # 80 lines with its def: allowed
        f"class C:\n    def method(self):\n        def inner():\n{body.replace('    ', '            ')}\n"
        "            return 1\n        return inner\n",
        encoding="utf-8")
    assert long_functions(tmp_path / "m.py") == [("C.method", 88, 83), ("C.method.inner", 89, 81)]
