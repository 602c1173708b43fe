"""bench/layout.py end to end on three real layout-dev pages (text layer, single), so its wiring
(the reader process, the pipeline's result, the scorer, the table and the JSON) cannot rot."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import layout

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.mark.slow
def test_three_text_layer_pages(tmp_path, capsys):
    assert (DATASETS / "layout-dev" / "gt").is_dir(), f"the layout bench needs {DATASETS}/layout-dev"
    out = tmp_path / "layout.json"
    assert layout.main(["--datasets", str(DATASETS), "--limit", "3", "--configs", "text-single", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "furniture left out (recall)" in printed and "text-single" in printed
    report = json.loads(out.read_text())
    head = report["sides"]["head"]["configs"]["text-single"]
    assert head["errors"] == []
    # The first three pages hold 6 furniture boxes (3 page numbers), 1 footnote, 1 heading, and
    # several hundred words of body text read from their text layers.
    counts = head["counts"]
    assert (counts["pages"], counts["furniture"], counts["page_numbers"], counts["footnotes"], counts["headings"]) == (
        3, 6, 3, 1, 1)
    assert counts["body_words"] > 500
    assert 0 <= head["figures"]["furniture_recall"] <= 1
    assert head["figures"]["cpu_s_per_page"] > 0
    assert set(head["pages"]) == {"01030000000003", "01030000000006", "01030000000017"}


def test_unknown_configuration_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        layout.main(["--configs", "text-single,photo"])
    assert "unknown configuration(s) photo" in capsys.readouterr().err
