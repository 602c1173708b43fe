"""The optional keras-ocr engine.

Two halves:
- the pure mapping (CTC decoding with confidences, keras-ocr words -> lines, weights lookup,
  the fetch command) runs here, in the main venv, which has no TensorFlow;
- the adapter with real (untrained) keras-ocr models runs in `.venv-keras` as a subprocess:
  `Detector(weights=None)` / `Recognizer(weights=None)`, so only the mapping to the result
  schema is checked, never accuracy. No network is used: the weights are not there.

`.venv-keras` missing is a failure, not a skip: `make test` creates it (`make keras-venv`).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import textwrap
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from chalicelib.engines.ocr import keras_engine as ke
from chalicelib.engines.ocr.base import build_result
from chalicelib.errors import EngineUnavailable
from chalicelib.geometry import bounds
from tests import images
from tests.results import validate_result

ROOT = Path(__file__).resolve().parents[3]
KERAS_PY = ROOT / ".venv-keras" / "bin" / "python"


class _Engine:
    name = "keras-ocr"
    version = "test"


def box(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def doc_for(words, width=800, height=400):
    doc = build_result(_Engine(), width, height, ke.group_words(words, width, height))
    validate_result(doc)
    return doc


# ------------------------------------------------------------------ pure mapping (main venv)

def test_main_venv_has_no_tensorflow_and_default_requirements_stay_light():
    for name in ("requirements.txt", "requirements-worker.txt", "requirements-dev.txt"):
        reqs = [ln.split("#")[0].strip().lower() for ln in (ROOT / name).read_text().splitlines()]
        for heavy in ("tensorflow", "keras", "imgaug"):
            assert not any(heavy in r for r in reqs), \
                f"{name} pulls {heavy}: keras-ocr belongs in requirements-keras.txt"
    keras_reqs = (ROOT / "requirements-keras.txt").read_text()
    for pin in ("keras-ocr==0.9.3", "tensorflow-cpu==2.15.1", "keras==2.15.0", "numpy==1.26.4",
                "efficientnet==1.0.0", "imgaug==0.4.0"):
        assert pin in keras_reqs


def test_ctc_greedy_merges_repeats_drops_blanks_and_averages_emitting_steps():
    alphabet = "ab"  # blank is index 2
    steps = [(0, 0.9), (0, 0.8), (2, 0.7), (0, 0.6), (1, 0.5), (1, 0.95), (2, 0.99)]
    probs = np.zeros((len(steps), 3))
    for t, (idx, p) in enumerate(steps):
        probs[t] = (1 - p) / 2
        probs[t, idx] = p
    text, conf = ke.ctc_greedy(probs, alphabet)
    assert text == "aab"
    assert conf == pytest.approx(np.mean([0.9, 0.6, 0.5]))  # the steps that emitted a, a, b
    assert ke.ctc_greedy(np.tile([0.1, 0.1, 0.8], (5, 1)), alphabet) == ("", 0.0)


def test_words_become_lines_in_reading_order_split_on_wide_gaps():
    words = [  # given in no order, as keras-ocr returns them
        ("here", 0.9, box(260, 100, 330, 130)),
        ("total", 0.8, box(500, 20, 590, 50)),   # same row, far right: its own line
        ("hello", 0.9, box(20, 20, 110, 50)),
        ("42", 0.7, box(600, 21, 640, 51)),
        ("world", 0.6, box(120, 22, 210, 52)),
        ("second", 0.9, box(20, 100, 140, 130)),
        ("line", 0.9, box(150, 101, 250, 131)),
    ]
    doc = doc_for(words)
    assert doc["text"] == "hello world\ntotal 42\nsecond line here"
    first = doc["lines"][0]
    assert [w["text"] for w in first["words"]] == ["hello", "world"]
    assert first["box"] == [[20, 20], [210, 20], [210, 52], [20, 52]]  # union of its words
    assert first["confidence"] == pytest.approx(0.75)
    for line in doc["lines"]:
        xs = [bounds(w["box"])[0] for w in line["words"]]
        assert xs == sorted(xs)


def test_line_confidence_is_weighted_by_characters():
    doc = doc_for([("a", 0.2, box(10, 10, 30, 40)), ("bbb", 0.6, box(40, 10, 100, 40))])
    assert doc["lines"][0]["confidence"] == pytest.approx(0.5)


def test_gently_sloping_line_stays_one_line_and_close_rows_do_not_merge():
    slope = [(f"w{i}", 0.9, box(20 + 70 * i, 100 + 8 * i, 80 + 70 * i, 130 + 8 * i)) for i in range(6)]
    doc = doc_for(slope)
    assert doc["text"] == "w0 w1 w2 w3 w4 w5"  # first and last word share no pixel row
    rows = [("up", 0.9, box(20, 100, 100, 130)), ("down", 0.9, box(20, 118, 100, 148))]
    assert doc_for(rows)["text"] == "up\ndown"  # 12 px of 30 overlap: two lines


def test_boxes_are_clipped_to_the_image_and_empty_readings_dropped():
    words = [("edge", 0.9, [[-5.4, -3.0], [60.2, -3.0], [60.2, 30.7], [-5.4, 30.7]]),
             ("far", 0.9, box(770, 380, 830, 420)),
             ("", 0.0, box(300, 300, 350, 330)),
             ("   ", 0.4, box(400, 300, 450, 330))]
    doc = doc_for(words, width=800, height=400)
    assert doc["text"] == "edge\nfar"
    for line in doc["lines"]:
        for b in [line["box"]] + [w["box"] for w in line["words"]]:
            assert all(0 <= x <= 799 and 0 <= y <= 399 for x, y in b)


def test_rotated_word_box_is_clockwise_from_top_left():
    rotated = [[100, 60], [180, 40], [188, 70], [108, 90]]  # keras-ocr order, tilted up-right
    doc = doc_for([("tilt", 0.9, rotated)])
    assert doc["lines"][0]["words"][0]["box"] == rotated
    assert doc_for([])["lines"] == []


# ------------------------------------------------------------------ weights and fetch (main venv)

def test_missing_or_damaged_weights_name_the_fetch_command(tmp_path):
    with pytest.raises(EngineUnavailable) as err:
        ke.weight_paths(str(tmp_path))
    msg = err.value.message
    assert ke.FETCH_COMMAND in msg and str(tmp_path) in msg
    assert "craft_mlt_25k.h5 is missing" in msg and "crnn_kurapan.h5 is missing" in msg
    (tmp_path / "craft_mlt_25k.h5").write_bytes(b"not really weights")
    with pytest.raises(EngineUnavailable, match="craft_mlt_25k.h5 is damaged"):
        ke.weight_paths(str(tmp_path))


def test_cache_dir_honours_keras_ocr_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_OCR_CACHE_DIR", str(tmp_path))
    assert ke.cache_dir() == str(tmp_path)
    with pytest.raises(EngineUnavailable, match=str(tmp_path)):
        ke.weight_paths()


@pytest.fixture
def fake_release(monkeypatch):
    """Two small files standing in for the release assets, served by a fake urlopen."""
    blobs = {}
    weights = {}
    for role, spec in ke.WEIGHTS.items():
        data = f"fake {role} weights".encode()
        blobs[spec["url"]] = data
        weights[role] = {**spec, "sha256": hashlib.sha256(data).hexdigest()}
    monkeypatch.setattr(ke, "WEIGHTS", weights)
    calls = []

    def urlopen(url, timeout=None):
        calls.append(url)
        return io.BytesIO(blobs[url])

    monkeypatch.setattr(ke.urllib.request, "urlopen", urlopen)
    return blobs, calls


def test_fetch_downloads_verifies_and_reuses(fake_release, tmp_path, capsys):
    blobs, calls = fake_release
    assert ke.main(["fetch-weights", "--cache-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["craft_mlt_25k.h5", "crnn_kurapan.h5"]
    assert set(ke.weight_paths(str(tmp_path))) == {"detector", "recognizer"}
    assert len(calls) == 2
    assert ke.main(["fetch-weights", "--cache-dir", str(tmp_path)]) == 0
    assert len(calls) == 2  # files with the right SHA256 are not fetched again
    assert "present, SHA256 ok" in capsys.readouterr().out


def test_fetch_refuses_a_file_with_the_wrong_sha256(fake_release, tmp_path, capsys):
    blobs, _ = fake_release
    blobs[ke.WEIGHTS["detector"]["url"]] = b"tampered"
    assert ke.main(["fetch-weights", "--cache-dir", str(tmp_path)]) == 1
    assert "SHA256" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_fetch_offline_prints_one_line_naming_the_files(monkeypatch, tmp_path, capsys):
    def offline(url, timeout=None):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(ke.urllib.request, "urlopen", offline)
    assert ke.main(["fetch-weights", "--cache-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("could not reach github.com")
    assert "craft_mlt_25k.h5" in err and "crnn_kurapan.h5" in err and str(tmp_path) in err


def test_main_venv_reports_the_engine_as_not_installed():
    # The main venv never has keras_ocr; choosing the engine there must say how to get it.
    with pytest.raises(EngineUnavailable, match="requirements-keras.txt"):
        ke.KerasOcrEngine()


# ------------------------------------------------------------------ real keras-ocr (.venv-keras)

def keras_python() -> Path:
    if not KERAS_PY.exists():
        pytest.fail(f"{KERAS_PY} does not exist: the keras-ocr engine is tested in its own venv. "
                    "Create it with `make keras-venv` (python3.11 -m venv .venv-keras && "
                    ".venv-keras/bin/pip install -r requirements-keras.txt).", pytrace=False)
    return KERAS_PY


def run_keras(args, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGEVOICE_KERAS", "KERAS_OCR"))}
    env.update({"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""})
    env.update(env_extra or {})
    return subprocess.run([str(keras_python()), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def draw_page(path: Path):
    """Words at known places: two columns on the first row, one line below. Returns word boxes."""
    img = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(img)
    font = images.font(30)
    rows = [(30, [(30, "HELLO"), (160, "WORLD"), (430, "TOTAL"), (550, "42")]),
            (110, [(30, "second"), (165, "line"), (240, "here")])]
    boxes = []
    for y, words in rows:
        for x, word in words:
            draw.text((x, y), word, font=font, fill="black")
            x0, y0, x1, y1 = draw.textbbox((x, y), word, font=font)
            boxes.append(box(x0 - 3, y0 - 3, x1 + 3, y1 + 3))
    img.save(path)
    return boxes


# Runs in .venv-keras: builds the untrained engine (seeded), then reads the page once with the
# real pipeline and once with the detector replaced by the known word boxes (untrained CRAFT
# finds nothing), so the recogniser, CTC decoding, scaling back and grouping all run for real.
ADAPTER_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from PIL import Image
    import tensorflow as tf
    tf.keras.utils.set_random_seed(1234)
    import keras_ocr
    from chalicelib.engines.ocr import get_engine
    from chalicelib.engines.ocr import keras_engine as ke
    from chalicelib.engines.ocr.base import build_result

    image_path, boxes = sys.argv[1], np.array(json.loads(sys.argv[2]), dtype=float)
    image = np.array(Image.open(image_path).convert("RGB"))
    h, w = image.shape[:2]
    engine = get_engine("keras-ocr")
    out = {"engine_name": engine.name, "engine_version": engine.version,
           "detector_weights": engine.detector_weights,
           "keras_ocr_version": keras_ocr.__version__, "scale": engine.pipeline.scale,
           "max_size": engine.pipeline.max_size}

    real = build_result(engine, w, h, engine.read(image))
    out["real"] = real  # validated by the tests (jsonschema is not in this venv)

    seen = {}
    real_detect = engine.pipeline.detector.detect
    def detect(images, **kwargs):
        seen["shape"] = images[0].shape
        return [boxes * (images[0].shape[1] / w)]
    engine.pipeline.detector.detect = detect
    stubbed = build_result(engine, w, h, engine.read(image))
    out["stubbed"] = stubbed
    out["detector_input_shape"] = list(seen["shape"])
    engine.pipeline.detector.detect = real_detect
    # Slivers and specks must not crash CRAFT (VGG needs sides of 16+ px; cv2 a 1+ px resize).
    out["tiny"] = [len(engine.read(np.full(shape, 255, np.uint8)))
                   for shape in [(1, 1, 3), (5, 300, 3), (1, 3000, 3)]]

    # Our decoding (softmax model + ctc_greedy) must read what keras-ocr's own CTC model reads.
    resized, scale = keras_ocr.tools.resize_image(image, max_scale=engine.pipeline.scale,
                                                  max_size=engine.pipeline.max_size)
    ours = engine.recognize_boxes(resized, boxes * scale, scale)
    theirs = engine.pipeline.recognizer.recognize_from_boxes(
        images=[resized], box_groups=[boxes * scale], verbose=0)[0]
    out["ours"] = [[t, c, np.asarray(b).tolist()] for t, c, b in ours]
    out["theirs"] = theirs
    # The benchmark's workload for untrained models: detector run, given boxes read.
    calls = []
    engine.pipeline.detector.detect = lambda images, **kw: calls.append(1) or real_detect(images, **kw)
    given = engine.detect_words(image, boxes=boxes)
    engine.pipeline.detector.detect = real_detect
    out["given"] = {"detector_calls": len(calls), "words": [[t, c, np.asarray(b).tolist()] for t, c, b in given]}

    # The weights we fetch are the ones keras-ocr itself would download.
    det = keras_ocr.detection.PRETRAINED_WEIGHTS[("clovaai_general", False)]
    rec = keras_ocr.recognition.PRETRAINED_WEIGHTS["kurapan"]["weights"]["top"]
    out["weights_match"] = (
        {k: det[k] for k in ("url", "filename", "sha256")} == ke.WEIGHTS["detector"]
        and {k: rec[k] for k in ("url", "filename", "sha256")} == ke.WEIGHTS["recognizer"])

    # The trained path without the real files: weights saved from these models, under the
    # release file names, with their SHA256 put in place of the release's.
    import hashlib, os, tempfile
    cache = tempfile.mkdtemp()
    saved = {}
    for role, model in (("detector", engine.pipeline.detector.model),
                        ("recognizer", engine.pipeline.recognizer.model)):
        path = os.path.join(cache, ke.WEIGHTS[role]["filename"])
        model.save_weights(path)
        ke.WEIGHTS[role] = {**ke.WEIGHTS[role], "sha256": ke.sha256sum(path)}
        saved[role] = model.get_weights()[0]
    loaded = ke.KerasOcrEngine(ke.KerasOcrConfig(cache_dir=cache, untrained=False))
    out["loaded_weights_equal"] = bool(
        np.array_equal(loaded.pipeline.detector.model.get_weights()[0], saved["detector"])
        and np.array_equal(loaded.pipeline.recognizer.model.get_weights()[0], saved["recognizer"]))
    out["loaded_doc"] = build_result(loaded, w, h, loaded.read(image))
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "page.png"
    boxes = draw_page(path)
    # An empty cache: no converted detector either (`make fetch-weights`), so untrained throughout.
    run = run_keras(["-c", ADAPTER_SCRIPT, str(path), json.dumps(boxes)],
                    {"PAGEVOICE_KERAS_OCR_UNTRAINED": "1",
                     "KERAS_OCR_CACHE_DIR": str(tmp_path_factory.mktemp("empty-cache"))})
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout), boxes


def test_given_boxes_are_read_after_the_detector_runs(adapter):
    """bench/ times untrained keras-ocr with a trained detector's workload: CRAFT still runs,
    and the recogniser reads the given word boxes, which come back in image pixels."""
    out, boxes = adapter
    given = out["given"]
    assert given["detector_calls"] == 1
    assert [w[0] for w in given["words"]] == [w[0] for w in out["ours"]]
    assert len(given["words"]) == len(boxes)
    np.testing.assert_allclose([w[2] for w in given["words"]], boxes, atol=1.0)


def test_untrained_pipeline_result_validates(adapter):
    out, _ = adapter
    real = out["real"]
    validate_result(real)
    assert real["engine"] == "keras-ocr" == out["engine_name"]
    assert real["engine_version"] == out["keras_ocr_version"] == "0.9.3"
    assert (real["width"], real["height"]) == (640, 200)
    # CPU-sized defaults: 640 px enlarged 1.5x (under the 1280 px cap).
    assert (out["scale"], out["max_size"]) == (1.5, 1280)
    assert out["detector_input_shape"] == [300, 960, 3]
    assert out["tiny"] == [0, 0, 0]


def test_untrained_recognizer_output_maps_into_lines(adapter):
    out, boxes = adapter
    doc = out["stubbed"]
    validate_result(doc)
    read = [(t, b) for t, _, b in out["ours"] if t.strip()]
    assert read, "the seeded untrained recogniser read nothing: nothing to map"
    # Every non-empty reading is in the result, once, with its box back in image pixels.
    words = [w for line in doc["lines"] for w in line["words"]]
    assert len(words) == len(read)
    which = {}  # word index in `boxes` -> (line index, position)
    for li, line in enumerate(doc["lines"]):
        assert line["words"], "every line has words"
        assert line["text"] == " ".join(w["text"] for w in line["words"])
        for pos, w in enumerate(line["words"]):
            assert all(0 <= x < 640 and 0 <= y < 200 for x, y in w["box"])
            assert 0.0 <= w["confidence"] <= 1.0
            matches = [i for i, b in enumerate(boxes)
                       if np.abs(np.array(w["box"]) - np.array(b)).max() <= 1]
            assert len(matches) == 1, (w, boxes)
            which[matches[0]] = (li, pos)
        lx0, ly0, lx1, ly1 = bounds(line["box"])
        for w in line["words"]:
            wx0, wy0, wx1, wy1 = bounds(w["box"])
            assert lx0 <= wx0 and ly0 <= wy0 and wx1 <= lx1 and wy1 <= ly1
    # Grouping: HELLO WORLD | TOTAL 42 | second line here, in reading order.
    groups = [[0, 1], [2, 3], [4, 5, 6]]
    order = [li for li, _ in sorted(which.values())]
    for group in groups:
        present = [i for i in group if i in which]
        assert len({which[i][0] for i in present}) <= 1, f"group {group} split: {which}"
        assert [which[i][1] for i in present] == list(range(len(present)))
    assert order == sorted(order)
    line_of_group = [which[g[0]][0] for g in groups if g[0] in which]
    assert line_of_group == sorted(line_of_group)


def test_confidence_path_decodes_like_keras_ocr(adapter):
    out, _ = adapter
    assert [t for t, _, _ in out["ours"]] == out["theirs"]
    assert all(0.0 <= c <= 1.0 for _, c, _ in out["ours"])


def test_fetched_weights_are_the_ones_keras_ocr_uses(adapter):
    out, _ = adapter
    assert out["weights_match"]


def test_weights_in_the_cache_are_verified_and_loaded(adapter):
    out, _ = adapter
    assert out["loaded_weights_equal"]
    validate_result(out["loaded_doc"])


def test_cli_reads_with_untrained_keras_ocr(tmp_path):
    path = tmp_path / "page.png"
    draw_page(path)
    run = run_keras(["-m", "chalicelib", "ocr", str(path), "--engine", "keras-ocr"],
                    {"PAGEVOICE_KERAS_OCR_UNTRAINED": "1", "KERAS_OCR_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr[-4000:]
    doc = json.loads(run.stdout)  # stdout is the JSON alone (no TensorFlow or Keras chatter)
    validate_result(doc)
    assert doc["engine"] == "keras-ocr" and (doc["width"], doc["height"]) == (640, 200)


def test_keras_venv_without_weights_says_how_to_fetch(tmp_path):
    script = ("from chalicelib.engines.ocr import get_engine\n"
              "from chalicelib.errors import EngineUnavailable\n"
              "try:\n    get_engine('keras-ocr')\n"
              "except EngineUnavailable as exc:\n    print(exc.message)\n    raise SystemExit(3)\n")
    run = run_keras(["-c", script], {"KERAS_OCR_CACHE_DIR": str(tmp_path)}, timeout=120)
    assert run.returncode == 3, run.stderr[-4000:]
    assert ke.FETCH_COMMAND in run.stdout and str(tmp_path) in run.stdout
    assert "craft_mlt_25k.h5" in run.stdout


# ------------------------------------------------------------------ converted CRAFT weights

def test_converted_detector_is_used_only_when_its_recorded_sha256_matches(tmp_path, monkeypatch):
    from infra import keras_weights as kw

    assert kw.OUT_NAME == ke.CONVERTED_DETECTOR
    assert ke.converted_detector_path(str(tmp_path)) is None
    h5 = tmp_path / ke.CONVERTED_DETECTOR
    h5.write_bytes(b"converted weights")
    assert ke.converted_detector_path(str(tmp_path)) is None  # no recorded SHA256
    (tmp_path / (ke.CONVERTED_DETECTOR + ".sha256")).write_text(
        f"{hashlib.sha256(b'converted weights').hexdigest()}  {ke.CONVERTED_DETECTOR}\n")
    assert ke.converted_detector_path(str(tmp_path)) == str(h5)
    h5.write_bytes(b"damaged")
    assert ke.converted_detector_path(str(tmp_path)) is None
    # The release files are still what the trained engine needs: the converted detector alone
    # does not make it available.
    with pytest.raises(EngineUnavailable, match="crnn_kurapan.h5 is missing"):
        ke.weight_paths(str(tmp_path))


def test_untrained_engine_reports_untrained_detector(adapter):
    out, _ = adapter
    assert out["detector_weights"] == "untrained"


# Runs in .venv-keras: the converter's unpickler on a legacy torch file whose state-dict pickle
# calls os.system (a marker file would appear), then on one that is well formed.
UNPICKLER_SCRIPT = textwrap.dedent("""
    import io, json, os, pickle, sys
    import numpy as np
    from infra import keras_weights as kw

    marker = sys.argv[1]
    out = {}

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    def legacy(state_pickle, keys=(), data=b""):
        buf = io.BytesIO()
        for head in (kw.LEGACY_MAGIC, kw.LEGACY_PROTOCOL, {"little_endian": True}):
            pickle.dump(head, buf, protocol=2)
        buf.write(state_pickle)
        pickle.dump(list(keys), buf, protocol=2)
        buf.write(data)
        path = os.path.join(os.path.dirname(marker), "w.pth")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        return path

    for label, obj in (("os_system", {"x": Evil()}), ("eval", {"x": eval})):
        try:
            kw.read_legacy_state_dict(legacy(pickle.dumps(obj, protocol=2)))
            out[label] = "loaded"
        except pickle.UnpicklingError as exc:
            out[label] = "refused: " + str(exc)
    out["marker_exists"] = os.path.exists(marker)

    # A well-formed file, pickled as torch 1.x did (persistent storage id, _rebuild_tensor_v2).
    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return obj if isinstance(obj, tuple) and obj[:1] == ("storage",) else None
    class Storage:  # pickled as the global torch.FloatStorage
        pass
    Storage.__module__, Storage.__qualname__ = "torch", "FloatStorage"
    import types
    torch = types.ModuleType("torch"); torch.FloatStorage = Storage
    utils = types.ModuleType("torch._utils")
    def _rebuild_tensor_v2(*a):
        pass
    _rebuild_tensor_v2.__module__ = "torch._utils"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    import collections
    class T:
        def __reduce__(self):
            return (_rebuild_tensor_v2, (("storage", Storage, "k1", "cpu", 6, None), 0, (2, 3), (1, 2), False,
                                         collections.OrderedDict()))
    buf = io.BytesIO()
    P(buf, protocol=2).dump(collections.OrderedDict(w=T()))
    values = np.arange(6, dtype="<f4")
    path = legacy(buf.getvalue(), ["k1"], np.int64(6).tobytes() + values.tobytes())
    del sys.modules["torch"], sys.modules["torch._utils"]
    got = kw.read_legacy_state_dict(path)
    out["good"] = got["w"].tolist()  # strides (1, 2): the transpose of a 3x2 row-major block
    print(json.dumps(out))
""")


def test_converter_unpickler_refuses_anything_but_torch_tensors(tmp_path):
    marker = tmp_path / "pwned"
    run = run_keras(["-c", UNPICKLER_SCRIPT, str(marker)], timeout=120)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(run.stdout)
    assert out["os_system"].startswith("refused") and "os" in out["os_system"], out
    assert out["eval"].startswith("refused"), out
    assert not out["marker_exists"] and not marker.exists()
    assert out["good"] == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
