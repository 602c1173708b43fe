"""Kinds stand alone: each is one package that builds on the shared machinery of
chalicelib.kinds (base, common, voice, pronunciation, plan) and the layers below, never on another kind, so adding a
kind changes no other. The imports are read from the code (not run), lazy ones included; the
tests' stub kind (tests/stubkind/) is held to the same rule and then run through the API and
the worker, plugged in by PAGEVOICE_KIND_PLUGINS alone."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib import aws, kinds, settings
from chalicelib.jobs import worker
from tests.apiclient import post, signed_in
from tests.results import validate_result

pytest_plugins = ["tests.apifixtures"]

ROOT = Path(__file__).resolve().parents[2]
KINDS = ROOT / "chalicelib" / "kinds"
SHARED = {"chalicelib.kinds.base", "chalicelib.kinds.common", "chalicelib.kinds.voice",
          "chalicelib.kinds.pronunciation", "chalicelib.kinds.plan"}
STUB = "tests.stubkind"


def packages() -> dict[str, Path]:
    """Every kind package: chalicelib.kinds' subpackages and the tests' stub kind."""
    found = {f"chalicelib.kinds.{d.name}": d for d in sorted(KINDS.iterdir()) if (d / "__init__.py").is_file()}
    return {**found, STUB: ROOT / "tests" / "stubkind"}


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The modules a file imports, by full name: `from a import b` names a.b when b is a module
    (or package) of ours, else a; relative imports are resolved."""
    name, out = module_of(path), set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            subs = {f"{base}.{a.name}" for a in node.names if _is_ours(f"{base}.{a.name}")}
            out |= subs or {base}
    return out


def _is_ours(name: str) -> bool:
    base = ROOT / Path(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def leaning(path: Path, own: str | None) -> set[str]:
    """What a file imports of chalicelib.kinds beyond the shared machinery and its own package,
    and of the tests' stub kind (the registry itself counts: it holds every kind)."""
    within = {m for m in imported(path) if m == "chalicelib.kinds" or m.startswith(("chalicelib.kinds.", STUB))}
    return {m for m in within - SHARED if own is None or not (m == own or m.startswith(own + "."))}


def test_the_reader_sees_kinds_imports():
    """The check can fail: page's pipeline imports its own declaration and the shared voice."""
    seen = imported(KINDS / "page" / "pipeline.py")
    assert {"chalicelib.kinds.page", "chalicelib.kinds.voice", "chalicelib.kinds.common"} <= seen
    assert leaning(KINDS / "page" / "pipeline.py", own="chalicelib.kinds.digits") == {"chalicelib.kinds.page"}


@pytest.mark.parametrize("package", sorted(packages()))
def test_a_kind_imports_no_other_kind(package):
    folder = packages()[package]
    breach = {str(f.relative_to(ROOT)): sorted(m) for f in sorted(folder.rglob("*.py"))
              if (m := leaning(f, own=package))}
    assert not breach, f"{package} leans on another kind (use chalicelib.kinds.common): {breach}"


@pytest.mark.parametrize("name", sorted(SHARED))
def test_the_shared_machinery_imports_no_kind(name):
    path = ROOT / Path(*name.split(".")).with_suffix(".py")
    assert not leaning(path, own=None), f"{name} imports a kind: {sorted(leaning(path, own=None))}"


def test_each_built_in_kind_is_one_package_with_its_work_inside():
    for name, kind in kinds.BUILT_IN.items():
        package = f"chalicelib.kinds.{name}"
        assert package in packages(), f"the {name} kind is not a package of chalicelib.kinds"
        for target in (kind.runner, kind.warm_up):
            assert target.startswith(package + "."), f"{name}: {target} is outside its package"


def test_no_file_of_the_built_in_kinds_names_the_stub():
    built_in = [p for n, p in packages().items() if n != STUB]
    assert len(built_in) == len(kinds.BUILT_IN)
    naming = [str(f.relative_to(ROOT)) for folder in built_in for f in folder.rglob("*.py")
              if re.search(r"\bstub", f.read_text(), re.IGNORECASE)]
    assert not naming, naming


def test_the_stub_kind_plugged_in_works_end_to_end(client, monkeypatch):
    """Added by a setting alone: GET /kinds offers it, POST /uploads takes its file, the worker
    runs it, and GET /jobs/{id} gives its result (valid by its own schema) and its output."""
    monkeypatch.setenv("PAGEVOICE_KIND_PLUGINS", f"{STUB}:KIND")
    assert "stub" in [k["name"] for k in client.http.get("/kinds").json_body["kinds"]]
    _, headers = signed_in(client)
    body = {"filename": "note.txt", "content_type": "text/plain", "size": 10, "kind": "stub"}
    made = post(client, "/uploads", body, headers=headers).json_body
    key, bucket = made["upload"]["fields"]["key"], settings.get().aws.bucket
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"echo:HELLO")
    assert worker.handle_upload(bucket, key) == "done"
    job = client.http.get(f"/jobs/{made['job_id']}", headers=headers).json_body
    assert job["status"] == "done" and job["kind"] == "stub" and job["result"]["text"] == "HELLO"
    validate_result(job["result"])
    [echo] = [o["Key"] for o in aws.s3().list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].endswith("/echo.txt")]
    assert aws.s3().get_object(Bucket=bucket, Key=echo)["Body"].read() == b"HELLO"
