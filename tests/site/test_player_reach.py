"""The player's transport stays within reach (issue 76, part 2): at a phone's 360 x 740 (touch) and
at 1280 x 800, after Play and scrolling 3,000 px, through the page, the text's box or the zoomed
page image, a Play/Pause control is in the viewport, seen and not covered (the element at its
centre is it), and the lit word, in the text and on the page image, is never under the bar
holding it, also as the read-along moves on; the bar's steps by sentence move playback, pressing
its Pause pauses, and by keyboard its Play plays; while the page's player is on screen the bar is
hidden and nothing in it takes the focus (the focus on it moves to the player's own button as
it goes); axe-core finds nothing. A three-page document, as a PDF's result (hand-made answer,
the real voice: tests/site/fakejob.py): its text, then the page images below it on a phone,
beside it on a wide screen."""
from __future__ import annotations

import json

import pytest

from tests import chromium
from tests.site.axe import violations
from tests.site.conftest import screenshot
from tests.site.fakejob import make_job
from tests.site.test_listening import open_job, sign_in, wait_ready

LINES = [f"Line {i} of this page is spoken in its turn, so that the text runs long." for i in range(28)]
SIZES = [pytest.param({"width": 360, "height": 740}, True, id="phone"),
         pytest.param({"width": 1280, "height": 800}, False, id="wide")]
TEXT_WORD = '#result-text [aria-current="true"]'
BOX_WORD = '#overlay [aria-current="true"]'

# Where the transport is and whether a lit word is under it, measured in one step in the page
# (the lit word changes with every word: a handle found first and measured after may be gone).
# The control: the page's Play/Pause if it is in the viewport, seen and not covered, else the
# bar's. A lit word is under it when its rectangle meets the control's or the bar's.
REACH = """(litSelector) => {
    const box = (e) => { const r = e.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    const reachable = (e) => {
        if (!e || e.hidden || !e.getClientRects().length) return false;
        const s = getComputedStyle(e);
        if (s.visibility !== 'visible' || Number(s.opacity) === 0) return false;
        const r = box(e);
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
        const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
        return Boolean(hit && (hit === e || e.contains(hit)));
    };
    const meets = (a, b) => Boolean(a && b && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom);
    const page = document.querySelector('#play-button'), mini = document.querySelector('#mini-play');
    const bar = document.querySelector('#mini-player');
    const control = reachable(page) ? page : reachable(mini) ? mini : null;
    const cover = control === mini ? box(bar) : control ? box(control) : null;
    const litEl = document.querySelector(litSelector);
    const lit = litEl && litEl.getClientRects().length ? box(litEl) : null;
    const onScreen = Boolean(lit && lit.bottom > 0 && lit.top < innerHeight);
    return {control: control && control.id, playing: page.dataset.state === 'playing',
            label: control && control.textContent, under: meets(lit, cover), lit, onScreen, cover,
            word: litEl && litEl.dataset.wordIndex, scrollY: Math.round(scrollY)};
}"""


# REACH once the lit word is another than `w` (none is lit between lines for a moment), in the
# same step as the wait: the word found is the word measured.
NEXT_WORD = "([s, w]) => { const e = document.querySelector(s); return Boolean(e) && e.dataset.wordIndex !== w && (" + REACH + ")(s); }"


def checked(state: dict, where: str) -> dict:
    assert state["control"] and state["playing"] and state["label"] == "Pause", f"{where}: {json.dumps(state)}"
    assert not state["under"], f"{where}: the lit word is under the player: {json.dumps(state)}"
    return state


def reach(page, where: str, lit: str = TEXT_WORD) -> dict:
    return checked(page.evaluate(REACH, lit), where)


def reach_after_words(page, where: str, lit: str = TEXT_WORD, words: int = 3, now: bool = True) -> list[dict]:
    """Now (unless the person just put the lit word under the bar) and for the next `words` words
    spoken: a Play/Pause control in reach, the lit word clear of it."""
    seen = [reach(page, where, lit)] if now else []
    for _ in range(words):
        before = page.evaluate("s => document.querySelector(s)?.dataset.wordIndex ?? null", lit)
        state = page.wait_for_function(NEXT_WORD, arg=[lit, before], timeout=10_000).json_value()
        seen.append(checked(state, f"{where}, a word on"))
    return seen


def put_under_bar(page, scroller: str, lit: str) -> None:
    """The person scrolls `scroller` (a box running under the bar), and the page if the box cannot
    go so far, until the lit word is under the bar: from the next word on, the read-along must
    bring it back above."""
    moved = page.evaluate("""([scroller, lit]) => {
        const box = document.querySelector(scroller), bar = document.querySelector('#mini-player');
        const word = document.querySelector(lit);
        if (!box || !word || bar.hidden) return null;
        // (its end at the window's end: scrollIntoView would stop above the bar, its scroll-padding)
        scrollBy(0, box.getBoundingClientRect().bottom - innerHeight);
        const top = bar.getBoundingClientRect().top, b = box.getBoundingClientRect();
        if (b.bottom < top + 40) return null;
        box.scrollTop += word.getBoundingClientRect().top - (top + 10);
        scrollBy(0, word.getBoundingClientRect().top - (top + 10)); // (what the box could not do: near its start)
        const r = word.getBoundingClientRect();
        return r.top < innerHeight && r.bottom > top;
    }""", [scroller, lit])
    assert moved, (scroller, "the lit word could not be put under the bar")


def settle(page) -> None:
    """Until the page and its boxes stop scrolling (a wheel's scroll may be animated)."""
    page.wait_for_function("""() => new Promise((done) => {
        const at = () => [scrollY, ...[...document.querySelectorAll('#result-text, #zoom-viewport')].map(e => e.scrollTop)].join();
        const y = at(); requestAnimationFrame(() => requestAnimationFrame(() => done(at() === y))); })""")


def scroll_by(page, selector: str | None, dy: int, touch: bool) -> None:
    """`dy` px scrolled over `selector`'s part on screen (it scrolls that, then the page), or over
    the page's edge (`selector` None): a finger's swipes on a touch screen, else a mouse wheel."""
    if not touch:
        page.mouse.move(*(where(page, selector) if selector else (5, 5)))
        page.mouse.wheel(0, dy)
        settle(page)
        return
    cdp = page.context.new_cdp_session(page)
    try:
        while dy > 0:
            x, y = where(page, selector) if selector else (4, page.viewport_size["height"] * 0.6)
            step = min(dy, 400, y - 20)  # (the finger stays on the screen)
            # A finger's touches, as the phone sends them (the headless shell ignores synthesized
            # scroll gestures of a touch screen): down, up 20 px at a time, lifted.
            cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
            for moved in range(20, int(step) + 1, 20):
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - moved}]})
            cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
            dy -= step
            settle(page)
    finally:
        cdp.detach()


def where(page, selector: str) -> tuple[float, float]:
    """A point low in `selector`'s part on screen and above the bar: where a swipe up starts."""
    b = page.locator(selector).bounding_box()
    end = page.evaluate("(b => b.hidden ? innerHeight : b.getBoundingClientRect().top)(document.querySelector('#mini-player'))")
    top, bottom = max(b["y"], 0), min(b["y"] + b["height"], end)
    assert bottom - top > 60, (selector, "too little of it on screen to scroll it", b)
    return b["x"] + b["width"] / 2, bottom - 10


def bar_controls_unreachable(page) -> None:
    """The bar hidden: not shown, and nothing in it takes the focus."""
    assert page.evaluate("""() => {
        const bar = document.querySelector('#mini-player');
        const buttons = [...bar.querySelectorAll('button')];
        const none = bar.hidden && getComputedStyle(bar).display === 'none';
        const before = document.activeElement;
        const focusable = buttons.filter((b) => { b.focus(); return document.activeElement === b; });
        before?.focus?.({preventScroll: true});
        return none && buttons.length === 5 && focusable.length === 0;
    }""")


@pytest.mark.parametrize("size,touch", SIZES)
def test_play_pause_stays_in_reach_and_off_the_lit_word_while_scrolling(browser, stack, size, touch):
    context = chromium.new_context(browser, viewport=size, has_touch=touch, is_mobile=touch)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, stack)
        fake = make_job(stack, [LINES, LINES, LINES], filename="three-pages.pdf", document=True, sentences=True)
        open_job(page, stack, fake)
        wait_ready(page)
        bar_controls_unreachable(page)  # the page's player is on screen
        page.click("#play-button")
        page.wait_for_selector(TEXT_WORD)

        # The page scrolled 3,000 px (over the page's edge, not the text's box), as far as it goes.
        scroll_by(page, None, 3000, touch)
        # (as far as it went: the room kept for the bar at the page's end came with the bar)
        room = page.evaluate("document.documentElement.scrollHeight - innerHeight - document.querySelector('#mini-player').offsetHeight")
        assert page.evaluate("scrollY") >= min(3000, room) - 30 > 0, room
        assert reach_after_words(page, "page scrolled")[-1]["control"] == "mini-play"

        # The text's own box scrolled 3,000 px, as one does to read on, after the page to it.
        page.evaluate("document.querySelector('#result-text').scrollIntoView({block: 'center'})")
        settle(page)
        scroll_by(page, "#result-text", 3000, touch)
        reach_after_words(page, "text scrolled")
        # The text's box low on the screen, running under the bar: the lit word is kept above it.
        page.evaluate("document.querySelector('#result-text').scrollIntoView({block: 'end'})")
        settle(page)
        seen = reach_after_words(page, "the text's box at the bottom of the screen", words=4)
        assert all(s["onScreen"] for s in seen[1:]), json.dumps(seen)  # followed on screen, not under the bar
        # The person scrolls the box until the lit word is under the bar: the next word is above it.
        put_under_bar(page, "#result-text", TEXT_WORD)
        seen = reach_after_words(page, "the lit word scrolled under the bar", words=3, now=False)
        assert all(s["onScreen"] for s in seen), json.dumps(seen)

        # The page image zoomed and scrolled 3,000 px: its lit box is kept above the bar too.
        page.click("#zoom-in")
        page.click("#zoom-in")
        assert page.evaluate("(v => v.scrollHeight > v.clientHeight)(document.querySelector('#zoom-viewport'))")
        page.evaluate("document.querySelector('#zoom-viewport').scrollIntoView({block: 'end'})")
        settle(page)
        scroll_by(page, "#zoom-viewport", 3000, touch)
        seen = reach_after_words(page, "page image scrolled", lit=BOX_WORD, words=4)
        assert any(s["onScreen"] for s in seen[1:]), json.dumps(seen)
        put_under_bar(page, "#zoom-viewport", BOX_WORD)
        seen = reach_after_words(page, "the lit box scrolled under the bar", lit=BOX_WORD, words=3, now=False)
        assert all(s["onScreen"] for s in seen), json.dumps(seen)
        assert page.locator("#mini-player").is_visible()
        screenshot(page, f"player-reach-{size['width']}.png")
        assert violations(page) == [], size

        # Its steps by sentence are the player's: on to the next sentence's first word.
        lit = page.evaluate("() => Number(document.querySelector('#result-text [aria-current=\"true\"]').dataset.wordIndex)")
        page.click("#mini-next-sentence")
        page.wait_for_function(
            "w => Number(document.querySelector('#result-text [aria-current=\"true\"]')?.dataset.wordIndex) > w + 1",
            arg=lit)

        # Its Pause pauses the page's player; by keyboard its Play plays again.
        control = reach(page, "before pausing")["control"]
        if touch:
            page.tap(f"#{control}")
        else:
            page.click(f"#{control}")
        page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
        assert page.inner_text("#mini-play") == "Play"
        # By keyboard among the page image's boxes, the box focused is never under the bar.
        page.focus('#overlay [data-testid="word-box"][tabindex="0"]')
        put_under_bar(page, "#zoom-viewport", "#overlay :focus")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
            assert page.evaluate("""() => {
                const f = document.activeElement.getBoundingClientRect();
                const b = document.querySelector('#mini-player').getBoundingClientRect();
                return f.bottom <= b.top && f.top >= 0;
            }""")
        page.focus("#mini-play")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
        # Back at the top the bar goes, and the focus on it moves to the player's own Play/Pause.
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_function("() => document.querySelector('#mini-player').hidden")
        assert page.evaluate("document.activeElement.id") == "play-button"
        bar_controls_unreachable(page)
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
        assert errors == []
    finally:
        context.close()
