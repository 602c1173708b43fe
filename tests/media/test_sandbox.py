"""Untrusted decoding in a child process with limits (chalicelib/media/sandbox.py), with real
crafted files: a decoder that blows up or spins fails its file with a sentence, and the calling
process goes on decoding the next file."""
from __future__ import annotations

import io
import os
import signal
import threading
import time

import numpy as np
import pytest
from PIL import Image

from chalicelib.errors import AudioError, ImageError, Transient
from chalicelib.media import audio, image, sandbox
from tests.engines.asr.audiofiles import encode, read_wav
from tests.media import documents as docs

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 40_000_000}
DOCUMENT = {**LIMITS, "max_pages": 50, "dpi": 200}
TEXT = "A normal page of text, read right after a hostile one"


def nested_forms(depth: int = 6, fanout: int = 10) -> bytes:
    """A PDF whose page draws a form object that draws the next one `fanout` times, `depth`
    deep; the last draws a line of text (10**6 lines of text in under 3 KB)."""
    def stream(entries: str, body: str) -> str:
        return f"<< {entries} /Length {len(body)} >>\nstream\n{body}\nendstream"

    font = "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
               "/Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>", stream("", "/X Do")]
    for level in range(depth):
        if level == depth - 1:
            body, resources = "BT /F1 12 Tf 10 10 Td (" + "hello world, " * 8 + ") Tj ET", font
        else:
            body = " ".join(f"q 1 0 0 1 {i} 0 cm /X Do Q" for i in range(fanout))
            resources = f"/Resources << /XObject << /X {6 + level} 0 R >> >>"
        objects.append(stream(f"/Type /XObject /Subtype /Form /BBox [0 0 612 792] {resources}", body))
    return docs._write(objects)


def read_normal_pdf() -> str:
    with sandbox.open_document(docs.text_pdf([docs.TextPage([TEXT])]), **DOCUMENT) as doc:
        return "\n".join(line["text"] for line in doc.page(0).lines())


@pytest.fixture
def timers(monkeypatch) -> list[tuple[float, str]]:
    """Each request's timer (its seconds, and what ended it: "answer" or "killed"): the child
    is killed by that timer, whatever the machine's load, not by a bound of this test."""
    made: list[tuple[float, str]] = []
    real = threading.Timer

    def timer(seconds, expire):
        made.append((seconds, "answer"))
        k = len(made) - 1

        def fired():
            made[k] = (seconds, "killed")
            expire()
        return real(seconds, fired)

    monkeypatch.setattr(sandbox.threading, "Timer", timer)
    return made


def test_nested_forms_fail_for_memory_and_the_caller_goes_on(monkeypatch, timers):
    monkeypatch.setenv("PAGEVOICE_DECODE_MEMORY_MB", "400")
    with pytest.raises(ImageError, match=r"^This PDF needs more memory to open than PageVoice allows\."), \
            sandbox.open_document(nested_forms(), **DOCUMENT) as doc:
        doc.page(0).rgb()
    assert "killed" not in {how for _, how in timers}  # the memory limit ended it, not its time
    assert read_normal_pdf() == TEXT


def test_nested_forms_fail_for_time_within_the_limit(monkeypatch, timers):
    monkeypatch.setenv("PAGEVOICE_DECODE_SECONDS", "3")
    with pytest.raises(ImageError, match=r"^This PDF took too long to open \(over 3 s\)\."), \
            sandbox.open_document(nested_forms(), **DOCUMENT) as doc:
        doc.page(0)
    # Killed at the limit (its 3 s timer; or the child's own CPU limit of the same 3 s), not waited for.
    assert timers and all(seconds == 3.0 for seconds, _ in timers), timers
    assert read_normal_pdf() == TEXT


def test_the_jobs_deadline_ends_a_decoding_for_another_try(timers):
    """Cut short by the job's time (not the sandbox's), the file is not blamed: a later turn
    or attempt has time of its own."""
    with pytest.raises(Transient, match="tried again"), \
            sandbox.open_document(nested_forms(), deadline=time.monotonic() + 2, **DOCUMENT) as doc:
        doc.page(0)
    # The request's time was what the job had left (under 2 s, not the sandbox's 60), and its timer ended it.
    assert timers[-1][1] == "killed" and timers[-1][0] <= 2, timers


@pytest.mark.parametrize("sig,said", [(signal.SIGKILL, "took too long"), (signal.SIGABRT, "needs more memory"),
                                      (signal.SIGSEGV, "made its decoder crash")])
def test_a_child_killed_by_a_signal_fails_its_file_only_and_says_why(sig, said):
    """SIGKILL is the CPU limit's hard end, SIGABRT a C++ allocation refused at the address-space
    limit (PDFium), anything else a crash."""
    data = docs.text_pdf([docs.TextPage([TEXT]), docs.TextPage([TEXT])])
    with sandbox.open_document(data, **DOCUMENT) as doc:
        assert doc.page(0).source == "text"
        os.kill(doc.child.proc.pid, sig)
        with pytest.raises(ImageError, match=f"^This PDF {said}"):
            doc.page(1)
    assert read_normal_pdf() == TEXT


def test_a_jpeg_of_many_empty_scans_is_decoded_in_the_child_within_its_time(monkeypatch):
    """libjpeg re-walks the whole frame for each scan of a progressive JPEG: thousands of empty
    scans of a few bytes each make a small file that decodes for minutes. Such a file goes to
    the child, whose time is limited; a photo's handful of scans stays in-process."""
    import io

    photo = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(photo, "JPEG", progressive=True)
    assert 1 < sandbox.jpeg_scans(photo.getvalue()) <= sandbox.MAX_INLINE_SCANS
    assert not sandbox.is_sandboxed_image(photo.getvalue())
    flood = _empty_scans(photo.getvalue(), 5000)
    assert sandbox.jpeg_scans(flood) == 1000  # counted no further than needed
    assert sandbox.is_sandboxed_image(flood)
    monkeypatch.setenv("PAGEVOICE_DECODE_SECONDS", "60")
    decoded = sandbox.decode_image(flood, max_bytes=15 << 20, max_pixels=40_000_000)
    assert decoded.rgb.shape == (64, 64, 3)


def _empty_scans(jpeg: bytes, n: int) -> bytes:
    """`jpeg` with `n` extra refinement scans of the first component that add nothing."""
    # SOS: 1 component (id 1, tables 0/0), spectral 1..63, successive approximation Ah=1 Al=0,
    # then one entropy-coded byte (an end-of-band run).
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x10" + b"\x00"
    return jpeg[:-2] + scan * n + b"\xff\xd9"


def test_a_document_is_read_through_the_child_as_in_process():
    from chalicelib.media import document

    data = docs.scanned_pdf([Image.new("RGB", (300, 200), (250, 240, 230))] * 2)
    with sandbox.open_document(data, **DOCUMENT) as sand, document.open_document(data, **DOCUMENT) as here:
        assert (sand.format, sand.pages_in_file, sand.page_count) == (here.format, here.pages_in_file, here.page_count)
        a, b = sand.page(1), here.page(1)
        assert (a.index, a.width, a.height, a.source, a.cut, a.lines()) == (b.index, b.width, b.height, b.source, b.cut, b.lines())
        assert sand.pages_at_least == here.pages_at_least
        assert np.array_equal(a.rgb(), b.rgb())
        assert Image.open(io.BytesIO(a.jpeg())).size == (a.width, a.height)


def test_an_error_raised_in_the_child_arrives_with_its_type_and_message():
    tiff = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(tiff, "TIFF")
    with pytest.raises(ImageError) as here:
        image.decode(tiff.getvalue(), max_bytes=LIMITS["max_bytes"], max_pixels=1000)
    with pytest.raises(ImageError) as there:
        sandbox.decode_image(tiff.getvalue(), max_bytes=LIMITS["max_bytes"], max_pixels=1000)
    assert there.value.message == here.value.message and "megapixels" in there.value.message
    with pytest.raises(AudioError, match="not a recording"):
        sandbox.decode_audio(b"RIFF not really", max_bytes=1000, max_seconds=10)


@pytest.mark.parametrize("fmt", ["TIFF", "HEIF"])
def test_tiff_and_heic_images_decode_in_the_child_as_in_process(fmt):
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:, :32] = (200, 30, 30)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    data = buf.getvalue()
    assert sandbox.is_sandboxed_image(data)
    got, want = sandbox.decode_image(data, **LIMITS), image.decode(data, **LIMITS)
    assert got.format == want.format == fmt and got.frames == want.frames == 1
    assert np.array_equal(got.rgb, want.rgb) and got.alpha is None


def test_other_images_stay_in_process():
    buf = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 0, 0)).save(buf, "PNG")
    assert not sandbox.is_sandboxed_image(buf.getvalue())
    assert sandbox.decode_image(buf.getvalue(), **LIMITS).alpha.shape == (10, 20)


def test_a_recording_round_trips_through_the_child():
    samples, rate = read_wav("asr/goforward.wav")
    data = encode(samples, rate, "flac")
    limits = {"max_bytes": 20_000_000, "max_seconds": 900.0}
    got, want = sandbox.decode_audio(data, **limits), audio.decode(data, **limits)
    assert got.samples.dtype == np.float32 and np.array_equal(got.samples, want.samples)
    assert got.to_dict() == want.to_dict() and got.sample_rate == audio.SAMPLE_RATE


def test_the_child_gets_no_credentials(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t")
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
    monkeypatch.setenv("PAGEVOICE_LOCAL_WORKER_SECRET_ACCESS_KEY", "s3cr3t")
    env = sandbox._child_env()
    assert "s3cr3t" not in env.values() and "AWS_LAMBDA_RUNTIME_API" not in env
    assert env["PATH"] == os.environ["PATH"] and str(sandbox.ROOT) in env["PYTHONPATH"]


def test_a_message_claiming_more_than_its_cap_is_refused_before_it_is_read():
    import json
    import struct

    def claiming(blob_bytes: int) -> io.BytesIO:
        header = json.dumps({"op": "open", "args": {}, "blobs": [blob_bytes]}).encode()
        return io.BytesIO(struct.pack(">Q", len(header)) + header + b"%PDF-")

    with pytest.raises(EOFError):  # accepted: it reads on until the pipe ends
        sandbox._receive(claiming(sandbox.MAX_MESSAGE))
    with pytest.raises(ValueError, match="too large"):
        sandbox._receive(claiming(sandbox.MAX_MESSAGE + 1))


def test_a_large_document_is_opened_from_a_file_the_child_reads_as_its_pages_need(monkeypatch, tmp_path):
    """A book's scan of up to settings.books.max_book_bytes (500 MB): sent whole to the child, it
    did not fit its address space beside the decoder, and every page of a 454 MB scanned PDF
    failed ("needs more memory to open"). From a file, PDFium reads what its pages need.
    Here a 300 MB PDF, under a child capped at 400 MB of address space (sent whole, it does not
    open: the child's copy of the message alone is 300 MB)."""
    monkeypatch.setenv("PAGEVOICE_DECODE_MEMORY_MB", "400")
    data = docs.padded_text_pdf(["A large file of one page"], 300 * 1024 * 1024)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    opts = dict(max_bytes=len(data) + 1, max_pixels=50_000_000, max_pages=10, dpi=150)
    with sandbox.open_document(data, **opts) as doc:  # bytes: written to a temporary file
        page = doc.page(0)
        assert page.rgb().shape == (page.height, page.width, 3)
        assert len(list(tmp_path.iterdir())) == 1
    assert not list(tmp_path.iterdir())  # gone once the document is closed
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    with sandbox.open_document(path, **opts) as doc:  # a file: opened where it is
        assert doc.page_count == 1 and doc.page(0).rgb().shape == (page.height, page.width, 3)
    assert path.exists()
