"""layout-dev split by source document (issue 55 item 2): two halves, A and B, so that a rule
or a model tuned on one half can be scored on pages of documents it has never seen.

A page's document: its `doc_group` (pages sharing a running header or footer); a page without
one joins its neighbour in id order when both have the same page size and their ids are at
most `NEIGHBOUR_IDS` apart (DP-Bench numbers a document's pages consecutively: 036/037 are pages
6 and 7 of one report, 070 is page 14 of the report whose pages 13 and 15 are 074 and 075).
Over-joining only makes the split stricter. Documents are dealt to the halves greedily, the
heaviest first (pages, headings, footnotes weighed higher as they are rarer), each to the half
lighter so far, so both halves hold some of each.
"""
from __future__ import annotations

from bench import layout_score as ls

NEIGHBOUR_IDS = 6
HALVES = ("A", "B")


def documents(gts: dict[str, dict]) -> list[list[str]]:
    """Page ids grouped by source document, each group in id order, groups by their first id."""
    docs: list[list[str]] = []
    last = None
    for pid in sorted(gts):
        gt = gts[pid]
        if last is not None and _same_document(last, pid, gts):
            docs[-1].append(pid)
        elif gt.get("doc_group") and any(gts[d[0]].get("doc_group") == gt["doc_group"] for d in docs):
            next(d for d in docs if gts[d[0]].get("doc_group") == gt["doc_group"]).append(pid)
        else:
            docs.append([pid])
        last = pid
    return docs


def _same_document(a: str, b: str, gts: dict[str, dict]) -> bool:
    ga, gb = gts[a], gts[b]
    if ga.get("doc_group") or gb.get("doc_group"):
        if ga.get("doc_group") == gb.get("doc_group"):
            return True
        if ga.get("doc_group") and gb.get("doc_group"):
            return False
    return (ga["width"], ga["height"]) == (gb["width"], gb["height"]) and 0 < int(b) - int(a) <= NEIGHBOUR_IDS


def count(gts: dict[str, dict], ids: list[str], classes) -> int:
    return sum(b["class"] in classes for pid in ids for b in gts[pid]["boxes"])


def halves(gts: dict[str, dict]) -> dict[str, list[str]]:
    """{"A": page ids, "B": page ids}: whole documents on each side."""
    docs = documents(gts)

    def weight(ids: list[str]) -> int:  # a footnote is rarer than a heading, a heading than a page
        return len(ids) + count(gts, ids, ls.HEADINGS) + FOOTNOTE_WEIGHT * count(gts, ids, (ls.FOOTNOTE,))

    out: dict[str, list[str]] = {h: [] for h in HALVES}
    for d in sorted(docs, key=lambda d: (-weight(d), d[0])):
        out[min(HALVES, key=lambda h: (weight(out[h]), h))] += d
    return {h: sorted(ids) for h, ids in out.items()}


FOOTNOTE_WEIGHT = 4


def other(half: str) -> str:
    return HALVES[1 - HALVES.index(half)]


def describe(gts: dict[str, dict], split: dict[str, list[str]]) -> str:
    docs = documents(gts)
    parts = []
    for h, ids in split.items():
        n = sum(d[0] in ids for d in docs)
        parts.append(f"{h}: {len(ids)} pages of {n} documents, {count(gts, ids, ls.HEADINGS)} headings, "
                     f"{count(gts, ids, (ls.FOOTNOTE,))} footnotes")
    return "; ".join(parts)


ROWS = [  # (label, figure, the count shown beside it)
    ("heading F1", "heading_f1", "headings"),
    ("footnotes left out (recall)", "footnote_recall", "footnotes"),
    ("furniture left out (recall)", "furniture_recall", "furniture"),
    ("body words wrongly left out", "body_words_left_out", "body_words"),
    ("reading order, all pages", "reading_order", "order_pairs"),
]


def table(columns: dict[str, ls.Counts]) -> str:
    """Rows of figures (count beside each) over named columns of summed page counts."""
    width = max(15, *(len(c) + 2 for c in columns))
    lines = [f"  {'':<30}" + "".join(f"{c:>{width}}" for c in columns)]
    for label, key, n in ROWS:
        cells = ""
        for counts in columns.values():
            value = ls.figures(counts)[key]
            cells += f"{'-' if value is None else f'{value:.3f}'} ({getattr(counts, n)})".rjust(width)
        lines.append(f"  {label:<30}{cells}")
    return "\n".join(lines)


def total(per_page: dict[str, ls.Counts], ids: list[str]) -> ls.Counts:
    out = ls.Counts()
    for pid in ids:
        if pid in per_page:
            out += per_page[pid]
    return out
