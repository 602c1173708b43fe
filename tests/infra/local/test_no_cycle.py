"""The local stack's modules import each other in layers, read from their imports with ast
(those inside functions too): a cycle fails here.

    stack, process  ->  state (snapshots, recovery)  ->  journal (the server's assembly)
        ->  guard, mailbox  ->  iam, sigv4  ->  files, wsgi (import nothing of infra.local)
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "infra" / "local"


def local_imports(path: Path) -> set[str]:
    """The infra.local modules `path` imports, anywhere in it (module level or in a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            base, names = "", [a.name for a in node.names]
        else:
            continue
        for full in [base, *(f"{base}.{n}" if base else n for n in names)]:
            if full.startswith("infra.local.") and (PACKAGE / f"{full.split('.')[2]}.py").is_file():
                found.add(full.split(".")[2])
    found.discard(path.stem)
    return found


def graph() -> dict[str, set[str]]:
    return {p.stem: local_imports(p) for p in sorted(PACKAGE.glob("*.py")) if p.stem != "__init__"}


def cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `g` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(g.get(node, ())):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_reader_sees_imports_inside_functions():
    g = graph()
    assert {"iam", "journal", "files"} <= g["state"]
    assert "slots" in g["tasks"]  # tasks.deliver imports it inside the function
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_infra_local_has_no_import_cycle():
    found = cycle(graph())
    assert found is None, "import cycle in infra/local: " + " -> ".join(found)


def test_the_bottom_layers_import_nothing_of_infra_local():
    g = graph()
    assert g["files"] == g["wsgi"] == g["sigv4"] == set()
