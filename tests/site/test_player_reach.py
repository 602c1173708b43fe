"""The player's transport stays within reach (issue 76): at a phone's 360 x 740 (touch) and at
1280 x 800, after Play and scrolling 3,000 px, through the page or the text, a Play/Pause control
is on screen and the lit word is never under it (the text scrolls clear of the bar); axe-core
finds nothing. A three-page document, as a PDF's result: the text box, then the page images and
the downloads below it."""
from __future__ import annotations

import pytest

from tests import chromium
from tests.site.axe import violations
from tests.site.conftest import screenshot
from tests.site.fakejob import make_job
from tests.site.test_listening import open_job, sign_in, wait_ready

LINES = [f"Line {i} of this page is spoken in its turn, so that the text runs long." for i in range(28)]
SIZES = [pytest.param({"width": 360, "height": 740}, True, id="phone"),
         pytest.param({"width": 1280, "height": 800}, False, id="wide")]

# Where the transport is and whether the lit word is under it, measured in one step in the page
# (the lit word changes with every word: a handle found first and measured after may be gone).
REACH = """() => {
    const rect = (s) => { const e = document.querySelector(s);
        if (!e || e.hidden || !e.getClientRects().length) return null;
        const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    const inside = (r) => r && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
    const play = rect('#play-button'), mini = rect('#mini-play'), bar = rect('#mini-player');
    const lit = rect('#result-text [aria-current="true"]');
    const under = Boolean(bar && lit && lit.bottom > bar.top && lit.top < bar.bottom);
    return {control: inside(play) ? 'player' : inside(mini) ? 'mini-player' : null,
            playing: document.querySelector('#play-button').dataset.state === 'playing', under, lit, bar,
            scrollY: Math.round(scrollY)};
}"""


def reach_after_words(page, where: str, words: int = 3) -> None:
    """For the next `words` words spoken: a Play/Pause control on screen, the lit word clear of it."""
    for _ in range(words):
        state = page.evaluate(REACH)
        assert state["control"] and state["playing"], (where, state)
        assert not state["under"], (where, "the lit word is under the player", state)
        before = page.inner_text('#result-text [aria-current="true"]')
        page.wait_for_function("w => document.querySelector('#result-text [aria-current=\"true\"]')?.textContent !== w",
                               arg=before, timeout=10_000)


def settle(page) -> None:
    """Until the page stops scrolling (a wheel's scroll may be animated)."""
    page.wait_for_function("""() => new Promise((done) => { const y = scrollY;
        requestAnimationFrame(() => requestAnimationFrame(() => done(scrollY === y))); })""")


@pytest.mark.parametrize("size,touch", SIZES)
def test_play_pause_stays_on_screen_and_off_the_lit_word_while_scrolling(browser, stack, size, touch):
    context = chromium.new_context(browser, viewport=size, has_touch=touch, is_mobile=touch)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, stack)
        fake = make_job(stack, [LINES, LINES, LINES], filename="three-pages.pdf", document=True)
        open_job(page, stack, fake)
        wait_ready(page)
        page.click("#play-button")
        page.wait_for_selector('#result-text [aria-current="true"]')

        # The page scrolled 3,000 px (the pointer over the page's header, not the text's box).
        page.mouse.move(5, 5)
        page.mouse.wheel(0, 3000)
        settle(page)
        assert page.evaluate("scrollY") > 0
        reach_after_words(page, "page scrolled")
        # The text's own box scrolled 3,000 px, as one does to read on, then the page to it.
        box = page.locator("#result-text")
        box.scroll_into_view_if_needed()
        b = box.bounding_box()
        page.mouse.move(b["x"] + b["width"] / 2, b["y"] + min(b["height"], 100) / 2)
        page.mouse.wheel(0, 3000)
        settle(page)
        reach_after_words(page, "text scrolled")
        # The text's box low on the screen, running under the bar: the lit word is kept above it.
        page.evaluate("document.querySelector('#result-text').scrollIntoView({block: 'end'})")
        settle(page)
        reach_after_words(page, "text's box at the bottom of the screen", words=4)
        screenshot(page, f"player-reach-{size['width']}.png")
        assert violations(page) == [], size
        # Its Pause is the page's player's.
        control = page.evaluate(REACH)["control"]
        page.click("#mini-play" if control == "mini-player" else "#play-button")
        page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
    finally:
        context.close()
