"""Third-party telemetry and hub look-ups are switched off in one place: chalicelib.engines."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chalicelib.engines import OFFLINE

ROOT = Path(__file__).resolve().parents[2]


def test_importing_any_engine_switches_telemetry_off_first():
    # A clean interpreter: the engine module's import alone must set the variables, before
    # onnxruntime is loaded by it.
    code = ("import os, sys; import chalicelib.engines.onnx; "
            "print(os.environ.get('ORT_DISABLE_TELEMETRY'), os.environ.get('HF_HUB_OFFLINE'))")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1"]


def test_no_other_file_sets_them():
    setters = []
    for path in [*ROOT.glob("chalicelib/**/*.py"), *ROOT.glob("bench/**/*.py"), *ROOT.glob("infra/**/*"),
                 *ROOT.glob("tests/**/*.py"), ROOT / "Makefile"]:
        if not path.is_file() or "build" in path.parts or path == Path(__file__).resolve():
            continue
        text = path.read_text(errors="replace")
        setters += [str(path.relative_to(ROOT)) for name in OFFLINE if name in text]
    assert setters == ["chalicelib/engines/__init__.py"] * len(OFFLINE)
