"""bench/ocr_cache.py: a reading is stored once and given back as it was read (its lines, its
attributes, its engine's name and version); another image, language or OCR source reads
afresh; a reading cut short is not stored."""
from __future__ import annotations

import numpy as np

from bench import ocr_cache
from chalicelib.engines.ocr.base import Line, Reading, Word


class Engine:
    name, version = "fake", "1.0"

    def __init__(self):
        self.calls = 0

    def read(self, image, *, deadline=None, language=None):
        self.calls += 1
        box = [[0, 0], [10, 0], [10, 5], [0, 5]]
        line = Line(text=f"read {self.calls}", confidence=0.9, box=box, words=[Word("read", 0.9, box)])
        return Reading([line], complete=image.mean() < 200, reason=None if image.mean() < 200 else "time",
                       engine=self)


def test_a_reading_comes_back_from_the_cache(tmp_path):
    engine, stats = Engine(), {"hits": 0, "misses": 0}
    cached = ocr_cache.Cached(engine, tmp_path, "src1", stats)
    image = np.zeros((20, 30, 3), np.uint8)
    first = cached.read(image)
    again = ocr_cache.Cached(engine, tmp_path, "src1", stats).read(image.copy())
    assert engine.calls == 1 and stats == {"hits": 1, "misses": 1}
    assert isinstance(again, Reading) and [ln.text for ln in again] == [ln.text for ln in first] == ["read 1"]
    assert again.complete and again.coverage() is None
    assert (again.engine.name, again.engine.version) == ("fake", "1.0")
    assert cached.name == "fake"  # everything but `read` is the engine's


def test_another_image_language_or_source_reads_afresh(tmp_path):
    engine, stats = Engine(), {"hits": 0, "misses": 0}
    image = np.zeros((20, 30, 3), np.uint8)
    ocr_cache.Cached(engine, tmp_path, "src1", stats).read(image)
    ocr_cache.Cached(engine, tmp_path, "src1", stats).read(image, language="de")
    ocr_cache.Cached(engine, tmp_path, "src2", stats).read(image)
    other = image.copy()
    other[0, 0, 0] = 1
    ocr_cache.Cached(engine, tmp_path, "src1", stats).read(other)
    assert engine.calls == 4 and stats["hits"] == 0


def test_a_reading_cut_short_is_not_stored(tmp_path):
    engine, stats = Engine(), {"hits": 0, "misses": 0}
    white = np.full((20, 30, 3), 255, np.uint8)  # Engine says "cut short" on a light image
    for _ in range(2):
        assert not ocr_cache.Cached(engine, tmp_path, "src1", stats).read(white).complete
    assert engine.calls == 2 and not list(tmp_path.iterdir())


def test_the_source_digest_follows_the_ocr_code(tmp_path):
    ocr = tmp_path / "chalicelib" / "engines" / "ocr"
    ocr.mkdir(parents=True)
    (ocr / "a.py").write_text("x = 1\n")
    before = ocr_cache.source_digest(tmp_path)
    (ocr / "a.py").write_text("x = 2\n")
    assert ocr_cache.source_digest(tmp_path) != before
