""""Paste a link" on the dashboard (issue 75, the site's side) in Chromium on the local stack: an
article served from the stack's one allowed address (tests/links/web.py at LINK_SITE) pasted and
read as an upload is (the job's page, its text without the site's menu and footer, the job in the
list); an address that answers 404 fails its job with the worker's sentence; addresses the form
refuses say why beside the field (aria-describedby, aria-invalid, focused) with no request, and
the API's own 400 is shown there too. axe-core finds nothing at 1280x800 and 360x740."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import LINK_SITE
from tests.links.web import serve
from tests.site.axe import at_both_widths
from tests.site.test_site import api_register, fetch_job, login_ui, new_user, token_of, url, wait_view

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(900)]

SIZES = ({"width": 1280, "height": 800}, {"width": 360, "height": 740})
PATIENCE_MS = 600_000  # fetched, read and recorded by the stack's worker: only stops a hung run

TITLE = "The Ferry at Dawn"
PARAGRAPHS = ["The ferry left the harbour at dawn with twelve passengers and a crate of oranges.",
              "By noon the wind had turned, and the captain steered for the calm side of the island."]
NAV = "Home Archive Subscribe"
FOOTER = "Copyright Harbour Gazette, all rights reserved"
ARTICLE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE} | Harbour Gazette</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/archive">Archive</a></li>
<li><a href="/subscribe">Subscribe</a></li></ul></nav>
<main><article>
<h1>{TITLE}</h1>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
</article></main>
<footer><p>{FOOTER}</p></footer>
</body></html>
""".encode()

FIELD = "#link-url"
ERROR = "#link-url-error"


@pytest.fixture(scope="module")
def site():
    """The one web server LINK_SITE can hold in a session: every path of this module from it."""
    server = serve(*LINK_SITE, {"/article.html": (200, ARTICLE, "text/html; charset=utf-8")})
    yield "http://{}:{}".format(*LINK_SITE)
    server.shutdown()
    server.server_close()


def sign_in(page, stack) -> None:
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.locator("#link-form").wait_for(state="visible")


def paste_and_read(page, address: str) -> None:
    """The address typed in the labelled field, then "Read this link" pressed."""
    page.get_by_role("textbox", name="Paste a link").fill(address)
    page.get_by_role("button", name="Read this link").click()


def read_to_job(page, address: str) -> str:
    """A link read from the dashboard: on to its job's page, as after an upload; its id."""
    paste_and_read(page, address)
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    wait_view(page, "job")
    return page.url.rsplit("/", 1)[-1]


def refused_beside_the_field(page, words: str) -> str:
    """The field's error says `words`, tied to the field, which is marked invalid and focused."""
    page.wait_for_function("([sel, words]) => document.querySelector(sel).textContent.includes(words)",
                           arg=[ERROR, words])
    field = page.locator(FIELD)
    assert field.get_attribute("aria-invalid") == "true"
    assert "link-url-error" in field.get_attribute("aria-describedby").split()
    assert page.evaluate("document.activeElement?.id") == "link-url"
    assert page.locator(ERROR).is_visible()
    return page.inner_text(ERROR)


def test_a_pasted_link_is_read_as_an_upload_is(page, stack, site):
    sign_in(page, stack)
    field = page.locator(FIELD)
    assert field.get_attribute("type") == "url" and field.get_attribute("autocomplete") == "off"
    assert field.get_attribute("inputmode") == "url"
    assert at_both_widths(page, within=("#link-submit",)) == {}

    address = f"{site}/article.html"
    job_id = read_to_job(page, address)
    page.wait_for_selector('#job-status[data-status="done"]', timeout=PATIENCE_MS)
    shown = page.inner_text("#result")
    for paragraph in PARAGRAPHS:
        assert paragraph in re.sub(r"\s+", " ", shown), shown
    for boilerplate in ("Subscribe", "Archive", "Copyright", "all rights reserved"):
        assert boilerplate not in shown, shown
    assert page.inner_text("#job-title").strip().startswith(TITLE)  # the page's own title, not its file name
    assert page.inner_text("#job-file").strip() == f"Link: {address}"
    job = fetch_job(stack, token_of(page), job_id)
    assert job["link"] == address and job["status"] == "done" and job["content_type"] == "text/html"

    # In the list as any upload is, done, and opened from there.
    page.goto(url(stack, "#/app"))
    wait_view(page, "dashboard")
    item = page.locator(f'[data-testid="history-item"][data-job-id="{job_id}"]')
    item.wait_for()
    assert item.get_attribute("data-status") == "done"
    assert item.locator('[data-testid="history-open"]').inner_text().strip() == "article.html"
    item.locator('[data-testid="history-open"]').click()
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=60_000)
    assert PARAGRAPHS[1] in re.sub(r"\s+", " ", page.inner_text("#result"))


def test_a_link_that_answers_404_fails_with_the_reason(page, stack, site, shoot):
    sign_in(page, stack)
    read_to_job(page, f"{site}/missing")
    page.wait_for_selector('#job-status[data-status="failed"]', timeout=PATIENCE_MS)
    assert page.inner_text("#job-status").strip() == "PageVoice could not read this link."
    error = page.locator("#job-error")
    assert error.is_visible() and error.get_attribute("role") == "alert"
    assert "404" in error.inner_text(), error.inner_text()
    assert page.inner_text("#job-delete").strip() == "Delete this file"  # not "this photo": it may be a page
    shoot(page, "read-by-link-404")


def test_addresses_refused_are_said_beside_the_field(page, stack, shoot):
    sign_in(page, stack)
    asked = []
    page.on("request", lambda req: "/uploads" in req.url and asked.append(req.method))

    assert page.locator(ERROR).is_hidden()  # nothing said before a try
    paste_and_read(page, "ftp://example.org/x")
    said = refused_beside_the_field(page, "ftp:")
    assert "https://" in said, said
    assert at_both_widths(page, within=("#link-submit",)) == {}  # the form with its error shown
    shoot(page, "read-by-link-refused")

    # Enter in the field submits too; an address without its scheme is shown with one.
    page.fill(FIELD, "example.org/news")
    assert page.locator(FIELD).get_attribute("aria-invalid") is None  # the error goes as it changes
    page.press(FIELD, "Enter")
    assert "https://example.org/news" in refused_beside_the_field(page, "as in")
    page.fill(FIELD, "https://ada:secret@example.org/private")
    page.press(FIELD, "Enter")
    refused_beside_the_field(page, "user name and password")
    assert asked == [], "a refused address must not be offered to the API"

    # The API's own 400 is shown the same way: a name and password put back into what is sent.
    def with_credentials(route):
        if route.request.method != "POST":
            route.continue_()
            return
        body = json.loads(route.request.post_data)
        body["url"] = body["url"].replace("https://", "https://ada:secret@", 1)
        route.continue_(post_data=json.dumps(body))

    page.route(re.compile(r".*/uploads$"), with_credentials)
    page.fill(FIELD, "https://example.org/private")
    page.get_by_role("button", name="Read this link").click()
    # (the API's sentence, chalicelib/links/fetch.py, not the form's "user name and password")
    refused_beside_the_field(page, "A link with a user name or password in it is not read")
    assert "POST" in asked
    assert page.evaluate("document.body.dataset.view") == "dashboard"
    assert page.get_by_role("button", name="Read this link").is_enabled()
