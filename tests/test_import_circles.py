"""No import circle anywhere in the house's own code: app.py, chalicelib, infra, bench, training.

Read from the source with `ast`, not run. Imports inside functions count as much as those at the
top: a function-level import only hides a circle until that function runs (or until someone moves
the import up), and the modules still cannot be understood apart. `if TYPE_CHECKING:` imports are
left out (they never run). The tests are not part of the graph: they import what they test.

tests/test_layers.py checks chalicelib and app.py the same way; this test covers the rest too.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("app.py", "chalicelib", "infra", "bench", "training")


def house() -> dict[str, Path]:
    """Every module of the house by dotted name (a script folder without __init__.py too)."""
    files = [ROOT / "app.py"] + [p for top in TOP[1:] for p in sorted((ROOT / top).rglob("*.py"))]
    out = {}
    for path in files:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = house()


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (never run)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def _ours(name: str) -> str | None:
    """`name` or the nearest package of it that is a module of the house (`a.b.c` may name a
    function c of module a.b), else None."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(name: str) -> set[str]:
    """The house's modules that module `name` imports, anywhere in its code."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    # A script run from its folder (training/scripts put their folder on sys.path) imports its
    # siblings by their bare names.
    script_dir = None if (path.parent / "__init__.py").exists() else ".".join(package)
    found: set[str] = set()

    def add(dotted: str) -> None:
        hit = _ours(dotted)
        if hit is None and script_dir:
            hit = _ours(f"{script_dir}.{dotted}")
        if hit is not None:
            found.add(hit)

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package[:len(package) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:  # `from pkg import module` imports pkg.module
                add(f"{base}.{alias.name}")
            add(base)
    # A package's modules importing the package itself is how packages work, not a circle.
    return {m for m in found if m != name and not name.startswith(m + ".")}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), each as a path back to its
    start, shortest first: what to break."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.add(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted((_shortest_circle(graph, g) for g in groups), key=lambda c: (len(c), c))


def _shortest_circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    came_from = {start: None}
    todo = [start]
    while todo:
        nxt = []
        for node in todo:
            for dep in sorted(graph.get(node, ()) & group):
                if dep == start:
                    path = [node]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    return list(reversed(path)) + [start]
                if dep not in came_from:
                    came_from[dep] = node
                    nxt.append(dep)
        todo = nxt
    raise AssertionError(f"no circle in {sorted(group)}")  # cannot happen for a Tarjan group


def test_the_reader_sees_the_house_imports():
    assert {"app", "chalicelib.jobs.worker", "infra.local.stack", "bench.clean_pages",
            "training.scripts.train"} <= set(MODULES)
    assert "chalicelib.jobs.table" in imports("chalicelib.jobs.worker")
    assert "bench.render" in imports("bench.languages")  # `from bench import render`
    assert "training.scripts.lines" in imports("training.scripts.train")  # a sibling script
    # Function-level imports count.
    assert "chalicelib.kinds.page.pipeline" in imports("bench.languages")


def test_a_circle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": {"e"}}
    assert circles(graph) == [["e", "e2", "e"], ["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_house():
    graph = {name: imports(name) for name in MODULES}
    found = circles(graph)
    assert not found, "import circles (move what both need to a module both import):\n" + "\n".join(
        " -> ".join(c) for c in found)
