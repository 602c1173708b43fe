"""Pages and playback are one thing (issue 44, item 1), in a real Chromium: choosing a page of a
document (its button, previous / next, the keyboard) moves playback to the page's first spoken
word: Play starts there, playing goes on from there, and the shown page is not snapped back.

A three-page document served as a hand-made GET /jobs/{id} answer (tests/site/fakejob.py: the
page images and the WAV parts, one per page, in the real voice, behind presigned URLs)."""
from __future__ import annotations

import pytest

from tests.site.axe import violations
from tests.site.conftest import NARROW, WIDE
from tests.site.fakejob import make_job
from tests.site.test_listening import now_time, open_job, pause, sign_in, wait_ready

pytestmark = pytest.mark.timeout(600)

# Two lines a page (two parts of the recording, about four seconds): long enough to choose
# another page while one is heard.
PAGES = [["Harbour lights at dawn", "Fishing boats leave early"],
         ["Orchard apples in autumn", "Baskets fill before rain"],
         ["Mountain rivers run cold", "Snow melts in spring"]]
WORDS_BEFORE_PAGE_3 = 16


def shown_page(page) -> str | None:
    return page.get_attribute('#page-list [aria-current="page"]', "data-page-index")


def lit(page) -> dict:
    """The word being spoken: its page in the text and on the image, and the image shown."""
    return page.evaluate("""() => {
        const span = document.querySelector('#result-text [aria-current="true"]');
        const box = document.querySelector('#overlay [aria-current="true"]');
        return {text: span?.dataset.pageIndex ?? null, index: span ? Number(span.dataset.wordIndex) : null,
                box: box?.dataset.pageIndex ?? null, image: document.querySelector('#result-image').getAttribute('src')};
    }""")


def wait_lit_on(page, p: str, timeout: int = 5_000) -> None:
    page.wait_for_function(
        "p => document.querySelector('#result-text [aria-current=\"true\"]')?.dataset.pageIndex === p",
        arg=p, timeout=timeout)


def first_word_start(fake, p: int) -> float:
    return min(w["start"] for w in fake.words if w["page"] == p)


def assert_on_page(page, p: int) -> None:
    """Page `p` is shown, and the spoken word is on it (in the text and, when drawn, on the image)."""
    state = lit(page)
    assert shown_page(page) == str(p), state
    assert f"page-00{p + 1}.jpg" in state["image"], state
    assert state["text"] == str(p), state
    assert state["box"] in (None, str(p)), state


def test_a_chosen_page_is_where_playback_starts_and_goes_on(page, stack, shoot):
    sign_in(page, stack)
    fake = make_job(stack, PAGES, document=True, filename="three-pages.pdf")
    starts = [first_word_start(fake, p) for p in range(3)]
    open_job(page, stack, fake)
    wait_ready(page)
    assert shown_page(page) == "0"

    # Page 3 chosen while paused, then Play: playback starts at page 3's first spoken word.
    page.click('#page-list [data-page-index="2"]')
    assert shown_page(page) == "2"
    page.wait_for_function("() => /Page 3 of 3/.test(document.querySelector('#announcer').textContent)")
    assert starts[2] - 0.01 <= now_time(page) < starts[2] + 0.1
    page.click("#play-button")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
    page.wait_for_function("t => Number(document.querySelector('#player-seek').value) > t + 0.3", arg=starts[2])
    assert_on_page(page, 2)
    first = lit(page)["index"]
    assert first >= WORDS_BEFORE_PAGE_3, first
    page.wait_for_timeout(700)
    assert_on_page(page, 2)  # not snapped back to page 1
    assert now_time(page) >= starts[2]

    # Page 2 chosen while playing: playback moves there at once, and stays.
    page.click('#page-list [data-page-index="1"]')
    wait_lit_on(page, "1", timeout=3_000)
    assert starts[1] - 0.01 <= now_time(page) < starts[2]
    assert_on_page(page, 1)
    page.wait_for_timeout(700)
    assert_on_page(page, 1)
    assert page.get_attribute("#play-button", "data-state") == "playing"

    # By keyboard: the page buttons are one tab stop; Left and Enter choose page 1 and play it.
    page.locator('#page-list [aria-current="page"]').focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    wait_lit_on(page, "0", timeout=3_000)
    assert now_time(page) < starts[1]
    assert_on_page(page, 0)

    # "Next page" while playing; then the view follows playback on to page 3 by itself.
    page.select_option("#player-speed", "2")
    page.click("#page-next")
    wait_lit_on(page, "1", timeout=3_000)
    assert_on_page(page, 1)
    page.wait_for_function("() => document.querySelector('#page-list [aria-current=\"page\"]')?.dataset.pageIndex === '2'",
                           timeout=15_000)
    wait_lit_on(page, "2")
    pause(page)
    page.select_option("#player-speed", "1")

    # Paused: "Previous page" moves the position (the lit word) to page 2's first word.
    page.click("#page-prev")
    assert shown_page(page) == "1"
    wait_lit_on(page, "1", timeout=3_000)
    assert starts[1] - 0.01 <= now_time(page) < starts[1] + 0.1
    assert page.get_attribute("#play-button", "data-state") == "paused"
    shoot(page, "pages-chosen-page-2")


def test_choosing_the_page_being_heard_keeps_the_place(page, stack):
    sign_in(page, stack)
    fake = make_job(stack, PAGES, document=True, filename="three-pages.pdf")
    open_job(page, stack, fake)
    wait_ready(page)
    page.click('#result-text [data-word-index="10"]')  # page 2's third word: plays from it
    wait_lit_on(page, "1")
    pause(page)
    at, word = now_time(page), lit(page)["index"]
    page.click('#page-list [data-page-index="1"]')  # the page already shown and heard
    assert now_time(page) == pytest.approx(at, abs=0.01)
    assert lit(page)["index"] == word


def test_a_page_not_recorded_yet_is_shown_and_said(page, stack):
    sign_in(page, stack)
    fake = make_job(stack, PAGES, document=True, filename="three-pages.pdf")
    fake.status, fake.shown_parts = "processing", 2  # only page 1 is recorded so far
    open_job(page, stack, fake)
    wait_ready(page)
    page.click('#page-list [data-page-index="2"]')
    page.wait_for_function("() => document.querySelector('#announcer').textContent === 'Page 3 of 3: not recorded yet.'")
    assert shown_page(page) == "2"
    assert now_time(page) < 0.1
    page.click("#play-button")
    page.wait_for_function("() => Number(document.querySelector('#player-seek').value) > 0.3")
    assert shown_page(page) == "2"  # just chosen: the view stays while page 1 is heard
    pause(page)


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["1280", "360"])
def test_the_document_view_has_no_axe_violations(page, stack, size):
    sign_in(page, stack)
    fake = make_job(stack, PAGES, document=True, filename="three-pages.pdf")
    page.set_viewport_size(size)
    open_job(page, stack, fake)
    wait_ready(page)
    page.click('#page-list [data-page-index="2"]')
    page.click("#play-button")
    wait_lit_on(page, "2")
    pause(page)
    assert violations(page) == []
