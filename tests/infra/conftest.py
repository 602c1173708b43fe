"""infra/ tests: `make package` runs once per session; everything else reads what it wrote."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "infra" / "build"


def no_aws_env() -> dict:
    """The environment minus anything that could reach an AWS account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_EC2_METADATA_DISABLED="true")
    return env


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> dict:
    """Run the packaging script as `make package` does, into a folder of this session's own
    (a `make package` or another test run may be writing infra/build meanwhile)."""
    out = tmp_path_factory.mktemp("build")
    cache = BUILD / ".chalice-project" / ".chalice" / "deployments"
    if cache.is_dir():  # Chalice's dependency cache: saves downloading requirements.txt again
        shutil.copytree(cache, out / ".chalice-project" / ".chalice" / "deployments")
    proc = subprocess.run([sys.executable, str(ROOT / "infra" / "package.py"), "--out", str(out)], cwd=ROOT,
                          env=no_aws_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"infra/package.py failed:\n{proc.stdout}\n{proc.stderr}"
    return {
        "out": out,
        "stdout": proc.stdout,
        "template": json.loads((out / "sam.json").read_text()),
        "merge": json.loads((out / "merge.json").read_text()),
        "manifest": json.loads((out / "manifest.json").read_text()),
        "zip": out / "deployment.zip",
        "template_path": out / "sam.json",
    }


@pytest.fixture
def template(packaged) -> dict:
    return json.loads(json.dumps(packaged["template"]))  # a copy each test may change
