"""The layering, read from the code's imports (not run): a breach fails here, not in review.

    web (the HTTP edge, app.py)  ->  account  ->  jobs  ->  auth, kinds  ->  engines, media  ->  errors
                                                                 settings, aws, logs, ...

- `chalicelib.errors` is a leaf: every layer may raise its errors, it imports nothing of ours.
- Nothing below the HTTP layer imports it (`chalicelib.web`, `app`).
- Kinds, engines and media do no AWS I/O (no `chalicelib.aws`, no boto3) and know nothing of
  jobs, accounts or HTTP: a kind is a function from bytes to outputs.
- The API's import closure (app.py at import time) holds no ML: engines and runners load by name.
- Jobs reach S3 through one door: no module of chalicelib.jobs, chalicelib.account or chalicelib.web but
  `chalicelib.jobs.objects` (nor app.py) touches an S3 client or presigns; and no module of
  chalicelib.jobs imports a kind's own module (a kind is read through the registry).
- Accounts build on jobs and auth: neither imports chalicelib.account.
- No import cycles; chalicelib never imports the local stack (infra/) or the tests.
- The site's result views and player live in static_site/js/result/, which imports only itself and
  the shared utilities at js/ root (SHARED_JS).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chalicelib"
HEAVY = {"numpy", "cv2", "onnxruntime", "PIL", "piper", "rapidocr", "tensorflow", "keras", "keras_ocr",
         "faster_whisper", "ctranslate2", "av", "scipy", "torch", "gtts"}


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
    assert "chalicelib.jobs.table" in imports("chalicelib.jobs.worker")
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


@pytest.mark.parametrize("name", sorted(n for n in MODULES if under(n, "chalicelib.auth", "chalicelib.jobs")))
def test_auth_and_jobs_do_not_import_accounts(name):
    breach = {m for m in imports(name) if under(m, "chalicelib.account")}
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


# S3 client operations (and the client itself): what only chalicelib.jobs.objects may use for jobs.
S3_NAMES = {"s3", "head_object", "get_object", "put_object", "copy_object", "upload_fileobj", "upload_file",
            "download_fileobj", "download_file", "delete_object", "delete_objects", "list_objects",
            "list_objects_v2", "get_paginator", "generate_presigned_url", "generate_presigned_post",
            "get_object_tagging", "put_object_tagging", "delete_object_tagging"}
S3_GATEWAY = "chalicelib.jobs.objects"
CLIENT_MAKERS = {"client", "resource", "_client", "_resource"}  # boto3's, a session's, chalicelib.aws's


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def s3_uses(name: str) -> list[str]:
    """Where `name` reaches S3 itself: an S3 operation or `aws.s3` by attribute or import, a
    client made for "s3", or a boto3 S3 import."""
    found = []
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Attribute) and node.attr in S3_NAMES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("boto3.s3", "botocore.s3")):
            found.append(f"line {node.lineno}: from {node.module}")
        elif isinstance(node, ast.ImportFrom):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name in S3_NAMES]
        elif isinstance(node, ast.Call) and _called(node) in CLIENT_MAKERS and \
                any(isinstance(a, ast.Constant) and a.value == "s3" for a in node.args):
            found.append(f"line {node.lineno}: a client for 's3'")
    return found


def test_the_reader_sees_s3_calls():
    assert s3_uses(S3_GATEWAY)  # the gateway itself is where they are
    assert not s3_uses("chalicelib.jobs.table")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if under(n, "chalicelib.jobs", "chalicelib.web",
                                                                     "chalicelib.account", "app")
                                        and n != S3_GATEWAY))
def test_only_the_objects_module_calls_s3_for_jobs(name):
    uses = s3_uses(name)
    assert not uses, f"{name} reaches S3 itself (ask {S3_GATEWAY}): {uses}"


# kinds.plan: how a book is cut into shards, shared by the kind that reads books and their executor.
KIND_REGISTRY = {"chalicelib.kinds", "chalicelib.kinds.base", "chalicelib.kinds.common", "chalicelib.kinds.plan"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if under(n, "chalicelib.jobs")))
def test_jobs_import_no_kind_module(name):
    """The store, the worker and the rest read a kind from the registry (`kinds.get(name)`),
    so adding a kind touches no module of jobs."""
    breach = {m for m in imports(name) if under(m, "chalicelib.kinds") and m not in KIND_REGISTRY}
    assert not breach, f"{name} imports a kind's own module: {sorted(breach)}"


def test_the_store_keeps_records_only():
    """jobs.table is the jobs table: what also needs a job's objects is jobs.lifecycle's."""
    ours_in_jobs = {m for m in imports("chalicelib.jobs.table") if under(m, "chalicelib.jobs")}
    assert ours_in_jobs <= {"chalicelib.jobs.keys"}, f"jobs.table leans on {sorted(ours_in_jobs)}"


# The page kind asks the page's reader (chalicelib.engines.ocr.get_reader, engines/ocr/reader.py)
# which engine reads a page: it may import the OCR package, its protocol and results (base) and
# the reader, nothing else of it; no string of its code (docstrings aside) names a registered
# OCR engine or an engine's module, and no attribute reaches an engine's module.
OCR_PACKAGE = "chalicelib.engines.ocr"
OCR_OPEN = {OCR_PACKAGE, OCR_PACKAGE + ".base", OCR_PACKAGE + ".reader"}


def ocr_engines_named(name: str) -> list[str]:
    """Where module `name` names an OCR engine: an import or attribute of an engine module of
    chalicelib.engines.ocr (all but OCR_OPEN), or a string holding an engine's registry name or
    module (ENGINES, read from the package's source)."""
    package = ast.parse(MODULES[OCR_PACKAGE].read_text())
    registry = next(ast.literal_eval(n.value) for n in package.body if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "ENGINES" for t in n.targets))
    names = set(registry) | {target.split(":")[0] for target in registry.values()}
    closed = {m for m in MODULES if under(m, OCR_PACKAGE) and m not in OCR_OPEN}
    found = [f"imports {m}" for m in sorted(imports(name) & closed)]
    tree = ast.parse(MODULES[name].read_text())
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found += [f"line {node.lineno}: {node.value!r}" for n in sorted(names) if n.lower() in node.value.lower()]
        elif isinstance(node, ast.Attribute) and f"{OCR_PACKAGE}.{node.attr}" in closed:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_the_page_kind_names_no_ocr_engine():
    assert ocr_engines_named("chalicelib.engines.ocr.reader")  # the check sees names where they are
    page = sorted(n for n in MODULES if under(n, "chalicelib.kinds.page"))
    assert "chalicelib.kinds.page.pipeline" in page
    for name in page:
        named = ocr_engines_named(name)
        assert not named, f"{name} names an OCR engine (ask the page's reader, engines/ocr/reader.py): {named}"


# The page kind keeps what it reads as the result tree (chalicelib.structure.elements) and
# exports it once, when it publishes: its code reaches no line's or word's insides by key.
LINE_KEYS = {"words", "box", "confidence"}


def line_keys_read(source: str) -> list[str]:
    """Where `source` reads a line's or a word's key: `x["words"]`, `x.get("box")`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key = node.args[0].value
        if key in LINE_KEYS:
            found.append(f"line {node.lineno}: {key!r}")
    return sorted(found)


def test_the_page_kind_reads_lines_and_words_through_the_result_tree():
    assert line_keys_read('words = [w["text"] for ln in lines for w in ln["words"]]\nbox = w.get("box")') == [
        "line 1: 'words'", "line 2: 'box'"]  # the check sees keys where they are
    for name in sorted(n for n in MODULES if under(n, "chalicelib.kinds.page")):
        found = line_keys_read(MODULES[name].read_text())
        assert not found, f"{name} reads a line's insides by key (use chalicelib.structure.elements): {found}"


SITE_JS = ROOT / "static_site" / "js"
RESULT_JS = SITE_JS / "result"
# The site's shared utilities, the only modules outside js/result/ that a result view may import:
# the DOM helpers, the API client and the languages of CONTRACTS section 11 (the upload's
# choices and the result's language are one table) and a book's index read a window at a time
# (what api.js reads and what the player plays are one reading of it).
SHARED_JS = {"dom.js", "api.js", "languages.js", "book-index.js"}
JS_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']"""
                       r"""|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["'`]([^"'`]+)["'`]""", re.M)


def js_imports(path: Path) -> set[str]:
    """What a module imports (static, side-effect and dynamic), as written."""
    return {next(filter(None, m)) for m in JS_IMPORT.findall(path.read_text())}


def test_result_views_import_only_result_modules_and_shared_utilities():
    """js/result/ is the one home of the result views and the player: its modules import one
    another and SHARED_JS at js/ root, nothing else of the site (no bare or remote import)."""
    seen = {m: js_imports(m) for m in sorted(RESULT_JS.rglob("*.js"))}
    page = seen[RESULT_JS / "kinds" / "page.js"]
    assert {"../model.js", "../../dom.js"} <= page, "the reader sees the imports"
    assert "../languages.js" in seen[RESULT_JS / "language.js"], "... across lines too"
    allowed = {SITE_JS / name for name in SHARED_JS}
    breaches = []
    for module, specs in seen.items():
        for spec in specs:
            target = (module.parent / spec).resolve()
            if not spec.startswith(".") or not (target.is_relative_to(RESULT_JS) or target in allowed):
                breaches.append(f"{module.relative_to(SITE_JS)} imports {spec}")
    assert not breaches


# The persistence doors: the modules that hold the service's data in AWS (S3 and DynamoDB) and
# raise the domain's errors (chalicelib.errors: ObjectMissing, ConditionFailed) in place of
# botocore's, and chalicelib.aws, which builds the clients and says what AWS's refusals mean
# (aws.translated). Only these import boto3 or botocore: every other module, the worker, the
# sweep, auth, accounts and the web layer, sees domain errors only.
PERSISTENCE = {"chalicelib.aws", "chalicelib.jobs.objects", "chalicelib.jobs.table", "chalicelib.jobs.shards",
               "chalicelib.auth.table", "chalicelib.account.records"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_the_persistence_doors_import_the_aws_sdk(name):
    assert set(MODULES) >= PERSISTENCE  # a door renamed must be renamed here
    assert {"boto3", "botocore"} <= imports("chalicelib.aws")  # the reader sees the SDK where it is
    sdk = sorted(m for m in imports(name) if under(m, "boto3", "botocore"))
    assert name in PERSISTENCE or not sdk, \
        f"{name} imports {sdk}: reach AWS through a persistence door ({sorted(PERSISTENCE)}) and catch its domain errors"
