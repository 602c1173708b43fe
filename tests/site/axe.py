"""axe-core (npm, pinned in package-lock.json) run inside the page under test: the WCAG 2 A and
AA rules a screen reader's user depends on, on whatever the page shows now."""
from __future__ import annotations

from pathlib import Path

from tests.site.conftest import NARROW, WIDE

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page, selector: str | None = None) -> list[str]:
    """axe-core's violations on the current view (or the part matching `selector`), one line
    each: rule, impact, and the first offending elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not a <script> tag: the site's CSP (script-src 'self') refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async ([selector, tags]) => {
            const r = await axe.run(selector ? document.querySelector(selector) : document,
                                    {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
        }""", [selector, TAGS])
    return list(found)


def at_both_widths(page, *, within: tuple[str, ...] | None = None) -> dict:
    """axe-core's violations at 1280 and at 360 px wide ({} when there are none), back at 1280.
    `within`: at 360 px the page must not scroll sideways, and these elements must lie inside its width."""
    found = {}
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        if seen := violations(page):
            found[size["width"]] = seen
        if within is not None and size is NARROW:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size['width']} px wide"
            for selector in within:
                box = page.locator(selector).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (selector, box)
    page.set_viewport_size(WIDE)
    return found
