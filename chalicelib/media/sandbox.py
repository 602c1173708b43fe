"""Untrusted decoding (PDF, TIFF, HEIC, recordings) in a child process with limits.

A decoder fed a hostile file can grow without bound inside C code (PDFium aborts the whole
process past 1.8 GB on a 2 KB PDF of nested forms) or spin for minutes; no Python error handling
runs there. So the decoding happens in `python -m chalicelib.media.sandbox`, which caps its own
address space (settings.limits.decode_memory_mb) and CPU time first thing, before it imports any
decoder, and is killed by its parent at a wall-clock deadline (settings.limits.decode_seconds, or the
job's own deadline when that comes first). A child that dies or overruns becomes a MediaError
with a sentence a person understands; the worker itself goes on.

A plain subprocess over stdin/stdout (Lambda has no /dev/shm for multiprocessing) and no
preexec_fn (the worker has threads). Each message is a JSON header framed by its length, then
raw byte blobs whose sizes the header lists (pixels and samples go over the pipe once, with no
pickling). The parent never unpickles what the child sends: a decoder compromised by its input
can at worst send wrong pixels, not run code in the worker.

JPEG, PNG, WebP, GIF and BMP stay in-process: Pillow decodes them within the pixel cap
(image.py) in bounded memory and time.
"""
from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.errors import AudioError, ImageError, MediaError, Transient

FRAME = struct.Struct(">Q")
# The most one message may carry: a page's pixels (4000 x 4000 RGB, 48 MB), 15 minutes of
# samples (58 MB), an upload up to FILE_BYTES. A bigger claim is a broken (or subverted) child.
MAX_MESSAGE = 256 * 1024 * 1024
# A document larger than this is opened by the child from a file (a book's scan of up to
# settings.books.max_book_bytes, 500 MB), read from disk as its pages need it: sent whole, it
# would not fit the child's address space (decode_memory_mb) beside the decoder.
FILE_BYTES = 32 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]  # the directory holding `chalicelib`
# The child dies with this code on a MemoryError (a clean refusal of an allocation).
EXIT_MEMORY = 86
# Least time a request is given when the job's deadline is near (it is the job's to give).
MIN_SECONDS = 1.0
# One thread and few malloc arenas: each reserves address space the limit counts.
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "MALLOC_ARENA_MAX": "2"}
MAX_INLINE_SCANS = 64  # a JPEG of more scans decodes in the child (is_sandboxed_image)
MAX_ERROR_CHARS = 1000  # a decoder's message is shown to people: a sentence or two
SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "ACCESS_KEY")
ERRORS = {cls.__name__: cls for cls in (MediaError, ImageError, AudioError)}
# What the person is told to try instead, by what they uploaded.
HINTS = {"PDF": "Export or print it to PDF again, or upload photos or scans of its pages.",
         "TIFF": "Save it again as a PDF or as JPEG pictures and upload that.",
         "HEIC image": "Save it as a JPEG and upload that.",
         "JPEG": "Save it again as a plain (not progressive) JPEG or as a PNG and upload that.",
         "recording": "Save it again as WAV or MP3 and upload that.",
         "document": "Save it again (as PDF or plain text, for example) and upload that."}


# ---------------------------------------------------------------- framing (both sides)


def _send(stream, header: dict, blobs=()) -> None:
    views = [memoryview(b).cast("B") for b in blobs]
    raw = json.dumps({**header, "blobs": [v.nbytes for v in views]}).encode()
    _write(stream, FRAME.pack(len(raw)) + raw)
    for view in views:
        _write(stream, view)


def _write(stream, data) -> None:
    view = memoryview(data)
    while view:
        view = view[stream.write(view):]


def _receive(stream) -> tuple[dict, list[bytearray]]:
    (size,) = FRAME.unpack(_read(stream, FRAME.size))
    if size > MAX_MESSAGE:
        raise ValueError("message too large")
    header = json.loads(_read(stream, size))
    sizes = header.pop("blobs")
    if sum(sizes) > MAX_MESSAGE:
        raise ValueError("message too large")
    return header, [_read(stream, n) for n in sizes]


def _read(stream, n: int) -> bytearray:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            raise EOFError("the other side closed the pipe")
        got += k
    return buf


# ---------------------------------------------------------------- the parent's side


class Child:
    """One sandboxed decoder process; `call` sends it one request and waits for the answer
    within the request's time. `what` names the file in messages ("PDF", "recording")."""

    def __init__(self, what: str, error: type[MediaError], *, deadline: float | None, lifetime: float | None = None,
                 seconds: float | None = None):
        from chalicelib import settings

        s = settings.get().limits
        self.what, self.error, self.deadline = what, error, deadline
        self.seconds = float(seconds if seconds is not None else s.decode_seconds)
        cpu_total = lifetime if lifetime is not None else self.seconds
        _undumpable()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(s.decode_memory_mb), str(self.seconds), str(cpu_total)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True, env=_child_env())
        self.expired = False
        self.waiting = False  # a request is out: only then may its timer kill the child
        self.lock = threading.Lock()

    def call(self, op: str, blobs=(), **args) -> tuple[dict, list[bytearray]]:
        seconds, by_job = self._time()
        timer = threading.Timer(seconds, self._expire)
        with self.lock:
            self.waiting = True
        timer.start()
        try:
            _send(self.proc.stdin, {"op": op, "args": args}, blobs)
            header, out = _receive(self.proc.stdout)
        except (OSError, EOFError, ValueError):
            raise self._died(seconds, by_job) from None
        finally:
            with self.lock:  # an answer that came in time is never killed after the fact
                self.waiting = False
            timer.cancel()
        if "error" in header:
            message = str(header["message"])[:MAX_ERROR_CHARS]
            if header["error"] in ERRORS:
                raise ERRORS[header["error"]](message)
            raise RuntimeError(f"the {self.what} decoder failed: {message}")
        return header, out

    def _time(self) -> tuple[float, bool]:
        """This request's seconds, and whether the job's deadline (not ours) set them."""
        if self.deadline is None or self.deadline - time.monotonic() >= self.seconds:
            return self.seconds, False
        return max(MIN_SECONDS, self.deadline - time.monotonic()), True

    def _expire(self) -> None:
        with self.lock:
            if self.waiting:
                self.expired = True
                self.proc.kill()

    def _died(self, seconds: float, by_job: bool) -> Exception:
        import signal

        self.proc.kill()
        code = self.proc.wait()
        this = f"This {self.what}"
        if self.expired and by_job:
            # The job's time ran out, not the file's: the next turn or attempt has its own.
            return Transient(f"{this} could not be opened before the worker's time ran out; it will be tried again.")
        if self.expired or code in (-signal.SIGXCPU, -signal.SIGKILL):  # SIGKILL: the CPU limit's hard end
            return self.error(f"{this} took too long to open (over {seconds:.0f} s). {HINTS[self.what]}")
        if code in (EXIT_MEMORY, -signal.SIGABRT):  # MemoryError, or a C++ allocation refused at the limit
            return self.error(f"{this} needs more memory to open than PageVoice allows. {HINTS[self.what]}")
        return self.error(f"{this} made its decoder crash and cannot be read. {HINTS[self.what]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                _send(self.proc.stdin, {"op": "close", "args": {}})
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _undumpable() -> None:
    """Make this (the worker's) process non-dumpable before it starts a decoder: /proc/<pid>/
    environ and mem then belong to root, so a decoder subverted by its input cannot read the
    worker's credentials from there, though it runs as the same user."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # Linux only
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE


def _child_env() -> dict:
    """The worker's environment without its credentials: a decoder subverted by its input
    gets no AWS identity (nor the Lambda runtime's address) to act as."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PAGEVOICE_LOCAL_WORKER_"))
           and not any(word in k for word in SECRET_WORDS)}
    env.update(CHILD_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def _array(header: dict, buf: bytearray, dtype: str = "uint8"):
    import numpy as np

    return np.frombuffer(buf, dtype=dtype).reshape(header["shape"])  # the received buffer, no copy


def is_tiff(data: bytes) -> bool:
    from PIL import TiffImagePlugin

    return data[:4] in TiffImagePlugin.PREFIXES


def is_sandboxed_image(data: bytes) -> bool:
    """TIFF, HEIC/HEIF and JPEGs of many scans go to the child; other images decode in-process.
    libjpeg walks every block of the image again for each scan of a progressive JPEG: a few
    bytes a scan, so a 15 MB file of empty scans over a 40-megapixel frame takes many minutes
    (a real progressive photo has about ten scans)."""
    return data[4:8] == b"ftyp" or is_tiff(data) or (data[:2] == b"\xff\xd8" and jpeg_scans(data) > MAX_INLINE_SCANS)


def jpeg_scans(data: bytes, stop: int = 1000) -> int:
    """Start-of-scan markers in a JPEG, counted up to `stop` (0xFF 0xDA cannot occur inside
    entropy-coded data, where 0xFF is always followed by 0x00 or a restart marker)."""
    count, at = 0, data.find(b"\xff\xda")
    while at >= 0 and count < stop:
        count += 1
        at = data.find(b"\xff\xda", at + 2)
    return count


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int, deadline: float | None = None):
    """image.decode, in the child for TIFF and HEIC: an image.Decoded."""
    from chalicelib.media import image

    if not is_sandboxed_image(data):
        return image.decode(data, max_bytes=max_bytes, max_pixels=max_pixels)
    image.check_bytes(data, max_bytes)
    what = "HEIC image" if data[4:8] == b"ftyp" else "TIFF" if is_tiff(data) else "JPEG"
    with Child(what, ImageError, deadline=deadline) as child:
        header, blobs = child.call("image", [data], max_bytes=max_bytes, max_pixels=max_pixels)
    alpha = _array({"shape": header["shape"][:2]}, blobs[1]) if header["alpha"] else None
    return image.Decoded(rgb=_array(header, blobs[0]), format=header["format"], frames=header["frames"], alpha=alpha)


def decode_audio(data: bytes | Path, *, max_bytes: int, max_seconds: float, deadline: float | None = None,
                 spill: Path | None = None, spill_after: float | None = None, seconds: float | None = None):
    """audio.decode in the child: an audio.DecodedAudio. `data`: the bytes, or a file's path (a
    long recording's, read from disk by the child). With `spill`, a recording longer than
    `spill_after` seconds is written there as PCM by the child (the result's `path`).
    `seconds`: the child's time, when the recording may be longer than decode_seconds allows."""
    from chalicelib.media import audio

    where = {"path": str(data)} if isinstance(data, Path) else {}
    if spill is not None:
        where |= {"spill": str(spill), "spill_after": spill_after}
    with Child("recording", AudioError, deadline=deadline, seconds=seconds) as child:
        header, blobs = child.call("audio", [] if isinstance(data, Path) else [data], max_bytes=max_bytes,
                                   max_seconds=max_seconds, **where)
    samples = _array(header, blobs[0], "float32") if blobs else None
    return audio.DecodedAudio(samples=samples, **header["fields"])


def read_flow(data: bytes, *, content_type: str | None, max_bytes: int, max_words: int, max_chars: int,
              deadline: float | None = None) -> dict:
    """flow.read in the child (DOCX, ODT, EPUB, HTML, Markdown, text): its JSON."""
    from chalicelib.media import image

    image.check_bytes(data, max_bytes)
    with Child("document", MediaError, deadline=deadline) as child:
        header, _ = child.call("flow", [data], content_type=content_type, max_words=max_words, max_chars=max_chars)
    return header["doc"]


@dataclass
class Page:
    """document.Page's interface, answered by the child that holds the document."""
    index: int
    width: int
    height: int
    source: str
    cut: str | None  # "words" | "chars" when the decoder cut this page's text layer at a cap
    _read: dict | None = field(repr=False)  # {"lines", "blocks"} of a text page
    _document: Document = field(repr=False)

    def lines(self) -> list[dict] | None:
        return None if self._read is None else self._read["lines"]

    def read(self) -> dict | None:
        return self._read

    def rgb(self):
        header, blobs = self._document.child.call("rgb", index=self.index)
        return _array(header, blobs[0])

    def jpeg(self, quality: int = 85, rgb=None) -> bytes:
        if rgb is not None:  # already decoded: encoding it is bounded work
            import io

            from PIL import Image

            out = io.BytesIO()
            Image.fromarray(rgb).save(out, "JPEG", quality=quality)
            return out.getvalue()
        return bytes(self._document.child.call("jpeg", index=self.index, quality=quality)[1][0])


class Document:
    """document.Document's interface; one child holds the open document until `close`."""

    def __init__(self, child: Child, info: dict, spooled: Path | None = None):
        self.child, self.spooled = child, spooled  # the temporary copy the child reads, if any
        self.format, self.pages_in_file, self.page_count = info["format"], info["pages_in_file"], info["page_count"]
        self.pages_at_least: bool = info["pages_at_least"]  # counting stopped: the file holds pages_in_file or more
        self._outline: list[dict] = info.get("outline") or []

    def outline(self) -> list[dict]:
        return self._outline

    def page(self, i: int) -> Page:
        if not 0 <= i < self.page_count:
            raise IndexError(f"page {i} of {self.page_count}")
        header, _ = self.child.call("page", index=i)
        return Page(index=i, width=header["width"], height=header["height"], source=header["source"],
                    cut=header["cut"], _read=header["read"], _document=self)

    def close(self) -> None:
        self.child.close()
        if self.spooled is not None:
            self.spooled.unlink(missing_ok=True)

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def open_document(data: bytes | Path, *, max_bytes: int, max_pixels: int, max_pages: int, dpi: int,
                  max_page_words: int | None = None, max_page_chars: int | None = None,
                  deadline: float | None = None) -> Document:
    """document.open_document in a child kept for the whole document (PDFium opens it once).
    Each request (open, a page, its pixels) has the sandbox's time; the child's CPU over its
    life is capped by the worker's timeout. `data`: the file's bytes, or its path (a book's
    copy on disk); bytes over FILE_BYTES are written to a temporary file, which the child opens."""
    import tempfile

    from chalicelib import settings
    from chalicelib.media import image

    spooled = None
    if isinstance(data, bytes) and len(data) > FILE_BYTES:
        image.check_bytes(data, max_bytes)
        with tempfile.NamedTemporaryFile(prefix="pagevoice-doc-", delete=False) as f:
            f.write(data)
        spooled = data = Path(f.name)
    try:
        if isinstance(data, Path):
            source = image.FileBytes(data)
            try:
                image.check_bytes(source, max_bytes)
                what = "TIFF" if is_tiff(source[:4]) else "PDF"
            finally:
                source.close()
            blobs, where = [], {"path": str(data)}
        else:
            image.check_bytes(data, max_bytes)
            what = "TIFF" if is_tiff(data) else "PDF"
            blobs, where = [data], {}
        s = settings.get()
        child = Child(what, ImageError, deadline=deadline, lifetime=s.worker.worker_timeout_seconds + s.limits.decode_seconds)
        try:
            info, _ = child.call("open", blobs, max_bytes=max_bytes, max_pixels=max_pixels, max_pages=max_pages,
                                 dpi=dpi, max_page_words=max_page_words, max_page_chars=max_page_chars, **where)
        except BaseException:
            child.close()
            raise
    except BaseException:
        if spooled is not None:
            spooled.unlink(missing_ok=True)
        raise
    return Document(child, info, spooled)


# ---------------------------------------------------------------- the child's side


def _limit(memory_mb: int, seconds: float, lifetime: float) -> None:
    """Caps that hold whatever the decoders do: address space, CPU (SIGXCPU at the soft limit,
    SIGKILL at the hard one), no core dumps; and death with the parent."""
    import ctypes
    import math
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    hard = math.ceil(lifetime) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (min(hard, math.ceil(seconds) + 1), hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: go with the worker


def _next_cpu(seconds: float) -> None:
    """A long-lived child (a document) gets `seconds` of CPU per request, within its hard cap."""
    import math
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (min(hard, math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1), hard))


def _op_open(state: dict, blobs: list, path: str | None = None, **kw) -> tuple[dict, list]:
    from chalicelib.media import document, image

    doc = state["doc"] = document.open_document(image.FileBytes(path) if path else bytes(blobs[0]), **kw)
    return {"format": doc.format, "pages_in_file": doc.pages_in_file, "page_count": doc.page_count,
            "pages_at_least": doc.pages_at_least, "outline": doc.outline()}, []


def _held_page(state: dict, index: int):
    if state.get("page") is None or state["page"].index != index:
        state["page"] = state["doc"].page(index)
    return state["page"]


def _op_page(state: dict, blobs: list, index: int) -> tuple[dict, list]:
    state["page"] = None
    page = _held_page(state, index)
    return {"width": page.width, "height": page.height, "source": page.source, "cut": page.cut,
            "read": page.read() if page.source == "text" else None}, []


def _op_rgb(state: dict, blobs: list, index: int) -> tuple[dict, list]:
    import numpy as np

    rgb = np.ascontiguousarray(_held_page(state, index).rgb())  # a bitmap's rows may be padded
    return {"shape": list(rgb.shape)}, [rgb]


def _op_jpeg(state: dict, blobs: list, index: int, quality: int) -> tuple[dict, list]:
    return {}, [_held_page(state, index).jpeg(quality)]


def _op_image(state: dict, blobs: list, **kw) -> tuple[dict, list]:
    import numpy as np

    from chalicelib.media import image

    decoded = image.decode(bytes(blobs[0]), **kw)
    out = [np.ascontiguousarray(decoded.rgb)]
    if decoded.alpha is not None:
        out.append(np.ascontiguousarray(decoded.alpha))
    return {"shape": list(decoded.rgb.shape), "format": decoded.format, "frames": decoded.frames,
            "alpha": decoded.alpha is not None}, out


def _op_audio(state: dict, blobs: list, path: str | None = None, **kw) -> tuple[dict, list]:
    import numpy as np

    from chalicelib.media import audio

    decoded = audio.decode(path or bytes(blobs[0]), **kw)
    fields = {"sample_rate": decoded.sample_rate, "format": decoded.format, "codec": decoded.codec,
              "source_sample_rate": decoded.source_sample_rate, "channels": decoded.channels,
              "duration": decoded.duration, "path": decoded.path}
    if decoded.samples is None:  # spilled to its file
        return {"shape": [0], "fields": fields}, []
    samples = np.ascontiguousarray(decoded.samples, dtype=np.float32)
    return {"shape": [samples.shape[0]], "fields": fields}, [samples]


def _op_flow(state: dict, blobs: list, **kw) -> tuple[dict, list]:
    from chalicelib.media import flow

    return {"doc": flow.read(bytes(blobs[0]), **kw)}, []


OPS = {"flow": _op_flow, "open": _op_open, "page": _op_page, "rgb": _op_rgb, "jpeg": _op_jpeg, "image": _op_image, "audio": _op_audio}


def main(argv: list[str]) -> None:
    memory_mb, seconds, lifetime = int(argv[0]), float(argv[1]), float(argv[2])
    _limit(memory_mb, seconds, lifetime)
    # The protocol gets its own descriptor; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    src = os.fdopen(0, "rb", buffering=0)
    state: dict = {}
    while True:
        try:
            request, blobs = _receive(src)
        except EOFError:
            return
        if request["op"] == "close":
            return
        _next_cpu(seconds)
        try:
            header, answer = OPS[request["op"]](state, blobs, **request["args"])
        except MemoryError:
            os._exit(EXIT_MEMORY)
        except MediaError as exc:
            kind = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in ERRORS)
            header, answer = {"error": kind, "message": exc.message}, []
        except Exception as exc:  # noqa: BLE001 - a decoder's bug: the parent reports it as one
            header, answer = {"error": "bug", "message": f"{type(exc).__name__}: {exc}"}, []
        del blobs
        _send(out, header, answer)


if __name__ == "__main__":
    main(sys.argv[1:])
