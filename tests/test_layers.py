"""The layering, read from the code's imports (not run): a breach fails here, not in review.

    web (the HTTP edge, app.py)  ->  auth, jobs  ->  kinds  ->  engines, media  ->  errors
                                                                 settings, aws, logs, ...

- `chalicelib.errors` is a leaf: every layer may raise its errors, it imports nothing of ours.
- Nothing below the HTTP layer imports it (`chalicelib.web`, `app`).
- Kinds, engines and media do no AWS I/O (no `chalicelib.aws`, no boto3) and know nothing of
  jobs, accounts or HTTP: a kind is a function from bytes to outputs.
- The API's import closure (app.py at import time) holds no ML: engines and runners load by name.
- No import cycles; chalicelib never imports the local stack (infra/) or the tests.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chalicelib"
HEAVY = {"numpy", "cv2", "onnxruntime", "PIL", "piper", "rapidocr", "tensorflow", "keras", "keras_ocr",
         "faster_whisper", "ctranslate2", "av", "scipy", "torch", "gtts", "miniaudio"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    base = ROOT / Path(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))} | {"app": ROOT / "app.py"}


def imports(name: str, top_level_only: bool = False) -> set[str]:
    """Every module `name` imports: ours by full name, others by their top-level name."""
    tree = ast.parse(MODULES[name].read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                package = name.split(".")[:-node.level + (1 if MODULES[name].name == "__init__.py" else 0) or None]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names if is_module(f"{base}.{a.name}")}
    return {m if m.startswith(("chalicelib", "app", "infra", "tests")) else m.split(".")[0] for m in out}


def ours(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES}


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_reader_sees_the_imports():
    assert "chalicelib.jobs.store" in imports("chalicelib.jobs.worker")
    assert "chalicelib.errors" in imports("chalicelib.auth.users")
    assert "numpy" in imports("chalicelib.engines.ocr.rapid")


def test_errors_is_a_leaf():
    assert not ours(imports("chalicelib.errors"))


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not under(n, "chalicelib.web", "app")))
def test_nothing_below_the_http_layer_imports_it(name):
    breach = {m for m in imports(name) if under(m, "chalicelib.web", "app", "chalice")}
    assert not breach, f"{name} imports the HTTP layer: {sorted(breach)}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if under(n, "chalicelib.kinds", "chalicelib.engines",
                                                                     "chalicelib.media")))
def test_kinds_engines_and_media_do_no_aws_io_and_know_no_jobs(name):
    breach = {m for m in imports(name) if under(m, "chalicelib.aws", "boto3", "botocore", "chalicelib.jobs",
                                                "chalicelib.auth", "chalicelib.resources")}
    assert not breach, f"{name} imports {sorted(breach)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_chalicelib_never_imports_the_local_stack_or_tests(name):
    assert not {m for m in imports(name) if under(m, "infra", "tests")}


def closure(start: str) -> set[str]:
    """Modules loaded when `start` is imported (top-level imports, parents included)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in MODULES:
            todo += list(imports(name, top_level_only=True))
            parent = name.rpartition(".")[0]
            if parent:
                todo.append(parent)
    return seen


def test_the_api_loads_no_ml():
    loaded = closure("app")
    assert "chalicelib.kinds" in loaded and "chalicelib.jobs.uploads" in loaded  # the reader works
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
    assert not {m for m in loaded if under(m, "chalicelib.engines", "chalicelib.jobs.worker")}
    assert "chalicelib.media.image" not in loaded


def test_no_import_cycles():
    graph = {name: ours(imports(name)) - {name} for name in MODULES}
    # A package's submodules importing the package itself is how Python packages work.
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
