"""onnxruntime session options shared by the engines that run ONNX models (OCR, voice, digits)."""
from __future__ import annotations

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
