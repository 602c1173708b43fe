"""The engines' shared onnxruntime session options."""
from chalicelib.engines.onnx import session_options


def test_threads_sleep_when_idle_instead_of_spinning():
    opts = session_options(2)
    assert opts.intra_op_num_threads == 2 and opts.inter_op_num_threads == 1
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert session_options(0).intra_op_num_threads == 1


def test_every_onnx_engine_uses_them(monkeypatch):
    """OCR, the voice and the digits model: none builds its own options (one would spin)."""
    import onnxruntime as ort

    seen = []
    real = ort.InferenceSession.__init__

    def init(self, path_or_bytes, sess_options=None, **kw):
        seen.append(sess_options.get_session_config_entry("session.intra_op.allow_spinning"))
        real(self, path_or_bytes, sess_options=sess_options, **kw)

    monkeypatch.setattr(ort.InferenceSession, "__init__", init)
    from chalicelib.engines.digits.cnn import CnnDigitsEngine
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.engines.tts.piper_engine import PiperEngine

    # Built here, not through get_engine: that keeps one per process, perhaps made already.
    RapidOcrEngine()
    PiperEngine()
    CnnDigitsEngine()
    assert len(seen) >= 5 and set(seen) == {"0"}, seen
