"""Image intake: every refusal is an ImageError with a readable sentence; odd modes become RGB."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from chalicelib.errors import ImageError
from chalicelib.media import image as imaging
from tests import images

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 40_000_000}


@pytest.fixture(scope="module")
def drawn():
    return images.text_image(["HELLO WORLD"])


def refused(data: bytes, **limits) -> str:
    with pytest.raises(ImageError) as err:
        imaging.decode(data, **{**LIMITS, **limits})
    assert err.value.permanent
    return err.value.message


def test_zero_bytes():
    assert refused(b"") == "The file is empty."


def test_truncated_jpeg(drawn):
    data = images.encode(drawn.image, "JPEG")
    assert "truncated or damaged" in refused(data[: len(data) // 2])


def test_text_file_named_png():
    assert "not an image" in refused(b"Dear diary, this is not a picture.\n" * 20)


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>x</text></svg>'
    assert "not an image" in refused(svg)


def test_png_bomb_refused_before_decoding():
    data = images.png_bomb()
    assert len(data) < 2 * 1024 * 1024  # tiny file ...
    msg = refused(data)  # ... 1.6 gigapixels: refused from the header
    assert "40000x40000" in msg and "megapixels" in msg


def test_pixel_cap_is_configurable(drawn):
    assert "limit is 0 megapixels" in refused(images.encode(drawn.image, "PNG"), max_pixels=1000)


def test_size_cap(drawn):
    assert "limit is" in refused(images.encode(drawn.image, "PNG"), max_bytes=100)


def test_animated_gif_reads_first_frame(drawn):
    out = imaging.decode(images.animated_gif(drawn), **LIMITS)
    assert out.format == "GIF" and out.frames >= 2  # Pillow merges identical frames
    assert out.rgb.min() < 50  # the first frame has the text, the others are blank


def test_cmyk_jpeg_becomes_rgb(drawn):
    out = imaging.decode(images.cmyk_jpeg(drawn), **LIMITS)
    assert out.rgb.shape == (drawn.image.height, drawn.image.width, 3)
    assert out.rgb[0, 0].min() > 200  # white paper stays white (no inverted CMYK)
    assert out.rgb.min() < 60  # black text stays dark


def test_16bit_png_scaled_not_clipped(drawn):
    out = imaging.decode(images.png16(drawn), **LIMITS)
    assert out.rgb.dtype == np.uint8 and out.rgb.shape[2] == 3
    assert out.rgb[0, 0].tolist() == [255, 255, 255] and out.rgb.min() < 60


def test_alpha_flattened_on_white():
    img = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    img.putpixel((5, 5), (0, 0, 0, 255))
    out = imaging.decode(images.encode(img, "PNG"), **LIMITS)
    assert out.rgb[0, 0].tolist() == [255, 255, 255] and out.rgb[5, 5].tolist() == [0, 0, 0]


def test_palette_and_formats(drawn):
    for fmt, kw in [("PNG", {}), ("WEBP", {"lossless": True}), ("TIFF", {}), ("BMP", {}), ("JPEG", {})]:
        out = imaging.decode(images.encode(drawn.image.convert("P") if fmt == "PNG" else drawn.image, fmt, **kw),
                             **LIMITS)
        assert out.format == fmt and out.width == drawn.image.width


def test_multipage_tiff_reads_first_page(drawn):
    blank = Image.new("RGB", drawn.image.size, "white")
    data = images.encode(drawn.image, "TIFF", save_all=True, append_images=[blank])
    out = imaging.decode(data, **LIMITS)
    assert out.frames == 2 and out.rgb.min() < 60


def test_exif_orientation_applied(drawn):
    out = imaging.decode(images.exif_rotated_jpeg(drawn), **LIMITS)
    # Stored sideways (portrait); decoded upright (landscape, as drawn).
    assert (out.width, out.height) == drawn.image.size


def test_corrupt_exif_is_ignored(drawn):
    data = bytearray(images.exif_rotated_jpeg(drawn))
    at = data.find(b"Exif\x00\x00")
    data[at + 6: at + 30] = b"\xff" * 24  # smash the TIFF header inside the EXIF block
    out = imaging.decode(bytes(data), **LIMITS)
    assert out.rgb.size > 0


def _decode_peak(data: bytes) -> tuple[np.ndarray, float]:
    """The decoded RGB and the peak of what decoding allocated through numpy, per pixel."""
    import tracemalloc

    tracemalloc.start()
    try:
        out = imaging.decode(data, max_bytes=1 << 30, max_pixels=1 << 30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out.rgb, peak / (out.width * out.height)


def test_deep_images_decode_without_float64_copies():
    """A 16-bit PNG of 40 megapixels took 1.05 GB to decode (float64 copies); a float TIFF 1.13 GB.
    Now 4 bytes a pixel for 16-bit (the RGB result and one 8-bit plane), 9 for float32."""
    h, w = 1500, 2000
    ramp = (np.indices((h, w)).sum(0) * 20 % 65536).astype(np.uint16)
    rgb, per_pixel = _decode_peak(images.encode(Image.fromarray(ramp), "PNG"))
    assert rgb.shape == (h, w, 3) and rgb[0, 0].tolist() == [0, 0, 0] and rgb.max() >= 250
    assert per_pixel <= 4.5, per_pixel
    floats = ramp.astype(np.float32) / 7.0
    floats[0, 1] = np.nan
    rgb, per_pixel = _decode_peak(images.encode(Image.fromarray(floats, mode="F"), "TIFF"))
    assert rgb[0, 1].tolist() == [0, 0, 0] and rgb.max() == 255  # NaN is black, the range scaled
    assert per_pixel <= 9.5, per_pixel  # float32 plane, its NaN mask, 8-bit plane, RGB


def test_heic_photo_decodes(drawn):
    """iPhone photos: HEIC written by pillow-heif's bundled HEVC encoder, read back as format HEIF."""
    out = imaging.decode(images.encode(drawn.image, "HEIF", quality=90), **LIMITS)
    assert (out.format, imaging.content_type(out.format)) == ("HEIF", "image/heic")
    assert (out.width, out.height) == drawn.image.size
    diff = np.abs(out.rgb.astype(np.int16) - np.asarray(drawn.image.convert("RGB"), dtype=np.int16))
    assert diff.mean() < 6  # the same picture, give or take HEVC's losses


def test_heic_orientation_applied_once(drawn):
    """Stored sideways with orientation 6: upright once (pillow-heif turns it; EXIF says 1 after)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = drawn.image.transpose(Image.Transpose.ROTATE_90)
    out = imaging.decode(images.encode(stored, "HEIF", quality=90, exif=exif.tobytes()), **LIMITS)
    assert (out.width, out.height) == drawn.image.size


def test_truncated_heic(drawn):
    data = images.encode(drawn.image, "HEIF", quality=90)
    assert refused(data[: len(data) // 2]) == "The image data is truncated or damaged and cannot be read."


# ---------------------------------------------------------------- hostile files


@pytest.mark.parametrize("big", [False, True], ids=["classic", "bigtiff"])
@pytest.mark.parametrize("order", ["<", ">"], ids=["little-endian", "big-endian"])
def test_tiff_pages_are_counted_by_a_bounded_walk(big, order):
    from tests.media.documents import tiny_pages_tiff

    assert imaging.tiff_pages(tiny_pages_tiff(3, big=big, order=order), stop=100) == 3
    assert imaging.tiff_pages(tiny_pages_tiff(1000, big=big, order=order), stop=11) == 11
    with pytest.raises(ImageError, match="^This TIFF is damaged: its pages loop.$"):
        imaging.tiff_pages(tiny_pages_tiff(5, big=big, order=order, loop_to=1), stop=100)


def test_tiff_walk_stops_at_the_end_of_the_file():
    from tests.media.documents import tiny_pages_tiff

    data = tiny_pages_tiff(4)
    assert imaging.tiff_pages(data[:-30], stop=100) == 3  # the last directory is cut off
    assert imaging.tiff_pages(data[:9], stop=100) == 0
    assert imaging.tiff_pages(b"not a tiff at all", stop=100) == 0


def test_40000_page_tiff_decodes_its_first_page_at_once(monkeypatch):
    """Pillow's n_frames took 17 s on 40,000 one-pixel pages; it is never asked for."""
    from PIL import TiffImagePlugin

    from tests.media.documents import tiny_pages_tiff

    def forbidden(self):
        raise AssertionError("n_frames on an untrusted TIFF")

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "n_frames", property(forbidden))
    data = tiny_pages_tiff(40_000)
    started = time.process_time()
    out = imaging.decode(data, **LIMITS)
    assert time.process_time() - started < 1.0
    assert out.frames == imaging.FRAMES_COUNTED + 1 and out.rgb.shape == (1, 1, 3)


def test_a_tiff_whose_pages_loop_is_refused():
    from tests.media.documents import tiny_pages_tiff

    assert refused(tiny_pages_tiff(3, loop_to=0)) == "This TIFF is damaged: its pages loop."


def test_gif_frames_are_not_walked(drawn, monkeypatch):
    from PIL import GifImagePlugin

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "n_frames", property(lambda self: 1 / 0))
    assert imaging.decode(images.animated_gif(drawn), **LIMITS).frames == 2
    assert imaging.decode(images.encode(drawn.image, "GIF"), **LIMITS).frames == 1


def _peak_in_child(name: str) -> float:
    """Peak RSS (MB) of a fresh process decoding a hostile file, less the same process idle."""
    import subprocess
    import sys

    code = ("import resource, sys; from tests.hardening import hostile; from chalicelib.media import image; "
            "data = hostile.by_name(sys.argv[1]).data; before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            "image.decode(data, max_bytes=15 << 20, max_pixels=40_000_000); "
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)")
    out = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["png-rgba16-at-cap", "tiff-lzw-at-cap", "gif-at-cap", "bmp-rle8-at-cap"])
def test_bombs_at_the_pixel_cap_decode_in_bounded_memory(name):
    """39.7 megapixels inflated from a few hundred KB: the RGB result (119 MB) and Pillow's own
    picture (159 MB), no whole-image copies beside them (a 16-bit RGBA PNG took 1.09 GB)."""
    assert _peak_in_child(name) < 450


def test_heic_claiming_a_huge_size_is_refused_from_its_header():
    from tests.hardening import hostile

    assert "60000x60000 pixels" in refused(hostile.heic_lying_size())
