"""bench/clean_pages.py: the paired table's ratios (wall and CPU) and the layout-dev pages it times."""
from __future__ import annotations

from pathlib import Path

from bench import clean_pages

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def test_the_table_gives_each_dataset_the_median_of_its_per_page_ratios():
    rows = {"pagevoice": [{"key": "layout-dev/a", "seconds": 2.0, "cpu_seconds": 3.0},
                          {"key": "layout-dev/b", "seconds": 1.0, "cpu_seconds": 2.0},
                          {"key": "funsd-test/c", "seconds": 3.0, "cpu_seconds": 4.0}],
            "tesseract": [{"key": "layout-dev/a", "seconds": 4.0, "cpu_seconds": 4.0},
                          {"key": "layout-dev/b", "seconds": 4.0, "cpu_seconds": 4.0},
                          {"key": "funsd-test/c", "seconds": 1.0, "cpu_seconds": 1.0}]}
    table = clean_pages.speed_table(rows).splitlines()
    assert table[0].startswith("| dataset | pages |") and table[0].endswith("| pagevoice / tesseract | pagevoice / tesseract CPU |")
    assert table[2] == "| layout-dev | 2 | 1.50 / 2.50 | 4.00 / 4.00 | 0.38 | 0.62 |"
    assert table[3] == "| funsd-test | 1 | 3.00 / 4.00 | 1.00 / 1.00 | 3.00 | 4.00 |"


def test_layout_dev_pages_are_its_images():
    items = clean_pages.layout_items(DATASETS)
    assert len(items) == 55
    assert all(it.image.suffix == ".webp" and it.image.exists() and it.dataset == "layout-dev" for it in items)
