"""cfn-lint on every template infra/ produces (SAM transform included: cfn-lint runs it)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _cfn_lint() -> str:
    exe = Path(sys.executable).parent / "cfn-lint"
    found = str(exe) if exe.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed: pip install -r requirements-dev.txt"
    return found


def _lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_cfn_lint(), "--format", "parseable", str(path)], capture_output=True, text=True,
                          timeout=300)


def test_cfn_lint_passes_on_the_packaged_template(packaged):
    proc = _lint(packaged["template_path"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("params", [
    {"SiteOrigin": "https://pagevoice.example.org", "WorkerReservedConcurrency": 5,
     "JwtSecretKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
])
def test_cfn_lint_passes_with_the_optional_branches_taken(packaged, tmp_path, params):
    # Same template; the defaults of the parameters that switch conditions flipped, so the
    # linter also resolves the other side of each Fn::If.
    template = json.loads(json.dumps(packaged["template"]))
    for name, value in params.items():
        template["Parameters"][name]["Default"] = value
    path = tmp_path / "sam-options.json"
    path.write_text(json.dumps(template))
    proc = _lint(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cfn_lint_catches_a_broken_template(packaged, tmp_path):
    # Guard against a linter that silently checks nothing (e.g. a SAM transform it skips).
    template = json.loads(json.dumps(packaged["template"]))
    template["Resources"]["APIHandler"]["Properties"]["Role"] = {"Fn::GetAtt": ["NoSuchRole", "Arn"]}
    template["Resources"]["Worker"]["Properties"]["MemorySize"] = "lots"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(template))
    proc = _lint(path)
    assert proc.returncode != 0
    assert "NoSuchRole" in proc.stdout and "lots" in proc.stdout
