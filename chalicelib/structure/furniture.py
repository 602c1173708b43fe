"""Page furniture: running headers, running footers and page numbers.

On one page (a scanned page of a book is often uploaded on its own) furniture is told by where
it sits, its size and its pattern (`layout._roles` asks `is_page_number` and `looks_running`);
across the pages of a document by repetition: the same text, its numbers masked, at the same
height on several pages (`across_pages`)."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

ROMAN = r"[ivxlcdm]{1,7}"
PAGE_NUMBER = re.compile(
    rf"^(?:[-–—(\[]\s*)?(?:(?:page|p\.|pg\.?|seite|página|pagina)\s*)?(?:\d{{1,4}}|{ROMAN})"
    rf"(?:\s*(?:of|/|von|de|di)\s*\d{{1,4}})?(?:\s*[-–—)\]])?$", re.IGNORECASE)
# "48 | Types of Sources", "Ch. 17. Land Investments | 385", "Online Survey | 39"
RUNNING = re.compile(r"(?:^\d{1,4}\s*[|•·]\s*\S)|(?:\S\s*[|•·]\s*\d{1,4}$)")
# Where repeated text is looked for, as fractions of the page's height.
MARGIN = 0.16
SAME_HEIGHT = 0.04
SIMILAR = 0.8


def is_page_number(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) <= 20 and bool(PAGE_NUMBER.match(t))


def looks_running(text: str) -> bool:
    """Text a running header or footer has: a page number beside a title ("48 | Types of Sources")."""
    return bool(RUNNING.search(text.strip()))


def role_of(text: str, zone: str) -> str:
    """The furniture role of a block at the page's head or foot."""
    if is_page_number(text):
        return "page-number"
    return "page-header" if zone == "head" else "page-footer"


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def across_pages(pages: list[dict]) -> None:
    """Blocks in the margins whose text (numbers masked) comes back at the same height on other
    pages become furniture, as do page numbers in the same place from page to page. Changes
    the pages' `blocks` in place; pages without blocks are left alone. Blocks are compared
    within bands of height only, a bounded number each, so a long document stays linear."""
    seen = []  # (page, block, key, relative top, text)
    bands: dict[int, list[int]] = {}
    for p, page in enumerate(pages):
        height = page.get("height") or 0
        if not height or not page.get("blocks"):
            continue
        placed = sorted((b for b in page["blocks"] if b["lines"] and b.get("box") is not None), key=lambda b: b["box"][0][1])
        edges = placed[:MAX_BLOCKS] + placed[MAX_BLOCKS:][-MAX_BLOCKS:]
        for block in edges:
            if len(block["lines"]) > 3 or block["role"] == "table":
                continue
            y0, y1 = block["box"][0][1] / height, block["box"][2][1] / height
            if y1 <= MARGIN or y0 >= 1 - MARGIN:
                text = " ".join(page["lines"][i]["text"] for i in block["lines"])[:200]
                bands.setdefault(int(y0 / SAME_HEIGHT), []).append(len(seen))
                seen.append((p, block, _key(text), y0, text))
    for p, block, key, y0, text in seen:
        if block["role"] in ("page-header", "page-footer", "page-number"):
            continue
        band = int(y0 / SAME_HEIGHT)
        near = [seen[k] for b in (band - 1, band, band + 1) for k in bands.get(b, ())[:MAX_COMPARED]]
        near = [(q, k, oy, t) for q, _, k, oy, t in near if q != p and abs(oy - y0) <= SAME_HEIGHT]
        # The same text (numbers masked) on another page; or, for text long enough that a
        # near match is no accident (OCR misreads a letter here and there), a near match on two.
        fuzzy = {q for q, k, _, _ in near[:MAX_FUZZY]
                 if len(key) >= FUZZY_MIN_CHARS and SequenceMatcher(None, k, key).ratio() >= SIMILAR}
        twins = any(k == key for _, k, _, _ in near) or len(fuzzy) >= 2
        numbers = is_page_number(text) and any(is_page_number(t) for _, _, _, t in near)
        if twins or numbers:
            block["role"] = role_of(text, "head" if y0 < 0.5 else "foot")
            block.pop("level", None)


MAX_BLOCKS = 8  # per page, nearest its top and nearest its bottom
MAX_COMPARED = 400
MAX_FUZZY = 40
FUZZY_MIN_CHARS = 12
