"""The account page's "Podcast feed" section (issue 75 part 2) in a real Chromium against the
local stack: off by default; turned on, its address shown and copied (the one GET /me gives, and
a feed that answers); a new address asked for, confirmed, and the old one a 404 at once; turned
off, and its address a 404; every change said in the live region, the focus where the next step
is; the keyboard alone; axe-core clean at 1280 and 360 px (the address wrapped into view)."""
from __future__ import annotations

import pytest
import requests

from tests.site.axe import at_both_widths
from tests.site.test_account import account_of, focused, open_account, tab_to, text_of
from tests.site.test_site import api_register, login_ui, new_user

pytestmark = pytest.mark.timeout(300)

FEED_ON = "Your feed is on. Copy its address into your podcast app."
FEED_OFF = "Your feed is off: its address no longer works."
FEED_ROTATED = "Your feed has a new address. The old one no longer works: subscribe again with this one."


def status_is(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#feed-status').textContent === t", arg=text)


def test_the_feed_section_turns_on_copies_rotates_and_turns_off(page, stack, shoot):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.site_url.rstrip("/"))
    open_account(page)

    # Off by default, said in words; nothing to copy.
    page.wait_for_selector("#feed-state[data-on='false']")
    assert text_of(page, "#feed-title") == "Podcast feed"
    assert "is off" in text_of(page, "#feed-state")
    assert page.is_visible("#feed-enable") and not page.is_visible("#feed-url")
    assert page.get_attribute("#feed-panel", "aria-labelledby") == "feed-title"
    assert page.get_attribute("#feed-status", "role") == "status"
    assert page.get_attribute("#feed-status", "aria-live") == "polite"
    assert at_both_widths(page) == {}

    # On, by the keyboard: the address is the account's, a working feed, and has the focus.
    tab_to(page, "#feed-enable")
    page.keyboard.press("Enter")
    status_is(page, FEED_ON)
    address = page.input_value("#feed-url")
    assert address == account_of(stack, page)["feed_url"] and address.startswith(stack.api_url)
    assert focused(page) == "feed-url"
    assert page.evaluate("document.querySelector('label[for=feed-url]').textContent") == "Your feed's address"
    feed = requests.get(address, timeout=30)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("application/rss+xml")
    shoot(page, "account-feed")
    assert at_both_widths(page, within=("#feed-url", "#feed-copy", "#feed-rotate", "#feed-disable")) == {}

    page.click("#feed-copy")
    status_is(page, "Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == address

    # A new address asks first; "keep" changes nothing.
    page.click("#feed-rotate")
    assert page.is_visible("#feed-rotate-confirm") and focused(page) == "feed-rotate-yes"
    assert "stops the old one" in text_of(page, "#feed-rotate-question")
    assert at_both_widths(page) == {}
    page.click("#feed-rotate-no")
    assert focused(page) == "feed-rotate" and page.input_value("#feed-url") == address
    page.click("#feed-rotate")
    page.click("#feed-rotate-yes")
    status_is(page, FEED_ROTATED)
    rotated = page.input_value("#feed-url")
    assert rotated != address and rotated == account_of(stack, page)["feed_url"]
    assert requests.get(address, timeout=30).status_code == 404  # the old one, at once
    assert requests.get(rotated, timeout=30).status_code == 200
    assert focused(page) == "feed-url" and page.is_visible("#feed-disable")

    # Off: the address goes, and stops working; the focus goes to turning it on again.
    page.click("#feed-disable")
    status_is(page, FEED_OFF)
    assert focused(page) == "feed-enable" and not page.is_visible("#feed-url")
    assert account_of(stack, page)["feed_url"] is None
    assert requests.get(rotated, timeout=30).status_code == 404

    # Shown as it is when the page is opened again.
    page.click("#feed-enable")
    status_is(page, FEED_ON)
    again = page.input_value("#feed-url")
    page.reload()
    open_account(page)
    page.wait_for_selector("#feed-state[data-on='true']")
    assert page.input_value("#feed-url") == again


def test_a_refusal_is_shown_and_the_feed_stays_as_it_was(page, stack, page_errors):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    open_account(page)
    page.wait_for_selector("#feed-state[data-on='false']")
    page.route("**/me", lambda route: route.fulfill(
        status=503, content_type="application/json", headers={"Access-Control-Allow-Origin": "*"},
        body='{"message": "The account is busy; try again in a moment.", "code": "transient"}')
        if route.request.method == "PATCH" else route.continue_())
    page_errors.allow("503")
    page.click("#feed-enable")
    page.wait_for_selector("#feed-error:not([hidden])")
    assert "busy" in text_of(page, "#feed-error") and page.get_attribute("#feed-error", "role") == "alert"
    assert page.is_visible("#feed-enable") and page.is_enabled("#feed-enable")  # ready to try again
    assert account_of(stack, page)["feed_url"] is None
