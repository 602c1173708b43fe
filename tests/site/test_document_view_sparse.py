"""A table far sparser than its cells (a column number past thousands of empty ones, as a
hostile HTML table gives) is drawn as its text, not as a grid of empty cells that would stall
the page (static_site/js/result/document.js `tableGrid`, bounded as the EPUB's grid is)."""
from __future__ import annotations

import copy
import time

from tests.site.axe import violations
from tests.site.fakejob import make_structured_job
from tests.site.test_site import open_fake_job, texts

TIDES = [[
    {"role": "heading", "level": 2, "text": ["Tides"]},
    {"role": "table", "rows": [["Morning", "Evening"], ["High", "Low"]]},
    {"role": "caption", "text": ["Table 2 Tides"]},
]]


def sparse(answer: dict) -> dict:
    """The table's last cell moved 50,000 columns to the right."""
    answer = copy.deepcopy(answer)
    table = next(b for b in answer["result"]["pages"][0]["blocks"] if b["role"] == "table")
    table["cells"][-1]["col"] = 50_000
    table["cols"] = 50_001
    return answer


def test_a_sparse_table_is_drawn_as_its_text(page, stack, shoot):
    fake = make_structured_job(stack, TIDES, filename="tides.pdf")
    fake.edit = sparse
    started = time.monotonic()
    open_fake_job(page, stack, fake)
    page.wait_for_selector("#result-text .doc-block")
    assert time.monotonic() - started < 60  # 100,002 empty cells would take minutes
    assert page.locator("#result-text table").count() == 0
    shown = texts(page, '#result-text .doc-block[data-role="table"]')
    assert shown == ["Morning Evening High Low"], shown
    shown = page.inner_text("#result-text")
    assert shown.index("Morning Evening High Low") < shown.index("Table 2 Tides")  # its caption after it, as on the page
    assert violations(page, "#result-text") == []
    shoot(page, "sparse-table-as-text")

    fake.edit = None  # the same table with its cells in place is a grid
    page.reload()
    page.wait_for_selector("#result-text table")
    assert texts(page, "#result-text table thead th") == ["Morning", "Evening"]
