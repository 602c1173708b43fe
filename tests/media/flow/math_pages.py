"""Makes tests/data/flow/math/'s web pages from formulas.md with the tools people use, not by hand:

    python -m tests.media.flow.math_pages   # needs pandoc (Debian's 2.17) and the site tests' Chromium

- pandoc-mathjax.html: `pandoc --standalone --mathjax=<MathJax 3's CDN address>` (upstream pandoc's
  default address; Debian's build points at a local MathJax 2 instead);
- pandoc-katex.html: `pandoc --standalone --katex=<KaTeX's CDN folder>`: bare TeX in
  `<span class="math ...">` that the page's script hands to katex.render;
- mathjax-saved.html: pandoc-mathjax.html as Chromium shows it once MathJax 3 (the math engine's
  own mathjax-full, chalicelib/engines/math/node_modules) has drawn it, saved as a browser saves
  a page's DOM: CHTML glyphs beside MathJax's assistive MathML.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parents[2] / "data" / "flow" / "math"
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js"
KATEX_CDN = "https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/"
LOCAL_MATHJAX = (Path(__file__).resolve().parents[3] / "chalicelib" / "engines" / "math" / "node_modules"
                 / "mathjax-full" / "es5" / "tex-chtml-full.js")


def pandoc(option: str, out: str) -> None:
    subprocess.run(["pandoc", "--standalone", option, "formulas.md", "-o", out], cwd=HERE, check=True)


def saved_by_chromium() -> str:
    from playwright.sync_api import sync_playwright

    from tests.chromium import launch

    html = (HERE / "pandoc-mathjax.html").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = launch(p.chromium)
        page = browser.new_page()
        page.route("**/*", lambda route: route.fulfill(path=str(LOCAL_MATHJAX), content_type="text/javascript")
                   if route.request.url == MATHJAX_CDN else route.fulfill(body=html, content_type="text/html"))
        page.goto("http://pages.test/formulas.html")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.document"
                               " && document.querySelectorAll('mjx-container').length > 0")
        page.evaluate("() => MathJax.startup.promise")
        saved = page.content()
        browser.close()
    return saved


def main() -> None:
    pandoc(f"--mathjax={MATHJAX_CDN}", "pandoc-mathjax.html")
    pandoc(f"--katex={KATEX_CDN}", "pandoc-katex.html")
    (HERE / "mathjax-saved.html").write_text(saved_by_chromium(), encoding="utf-8")


if __name__ == "__main__":
    main()
