"""Issue 40's pronunciations in a real Chromium against the running local stack.

The Pronunciations page (#/pronunciations) by keyboard alone: add, edit, remove and save; the
limits shown and checked before saving (errors beside their field, aria-describedby); a refusal
of the server shown beside the entry it names; axe-core at both widths. Import and export
round-trip a JSON file; an oversized import is refused with a message. Then what is heard:
with "Dr." -> "doctor" saved on the page, a page saying "Dr. Smith" shows "Dr." and Whisper base
hears "doctor"; after "Smith" -> "Watson" is added, "Read again with my pronunciations" makes the
recording again and Whisper hears "Watson" where the text still says "Smith".

(The voice, piper, already says "Dr." as "doctor" by itself, so the first check cannot tell a
lexicon from none: `speech.lexicon` says the list was applied, and "Watson" is what only the
lexicon can make heard.)
"""
from __future__ import annotations

import json

import pytest
import requests

from tests import chromium, images
from tests.site.axe import at_both_widths, violations
from tests.site.test_account import bearer, focused, tab_to, text_of
from tests.site.test_site import (
    RESULT_TIMEOUT_MS,
    api,
    api_register,
    fetch_job,
    login_ui,
    new_user,
    token_of,
    upload_and_wait,
    wait_view,
)

pytestmark = pytest.mark.timeout(900)

DR = {"written": "Dr.", "spoken": "doctor", "whole_word": True, "match_case": False}
WATSON = {"written": "Smith", "spoken": "Watson", "whole_word": True, "match_case": True}
LINES = ["Dr. Smith reads", "the morning news."]

# "Try it" speaks with the browser's voice; headless Chromium has none: count what it was asked.
COUNT_SPEECH = """
window.__said = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => { window.__said.push(u.text); };
  window.speechSynthesis.cancel = () => {};
}
"""


def lexicon_of(stack, page) -> dict:
    r = requests.get(api(stack, "/me/lexicon"), headers=bearer(page), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def open_pronunciations(page) -> None:
    """From the account page's link, as a person finds it."""
    page.click('[data-testid="nav-account"]')
    wait_view(page, "account")
    page.click('[data-testid="account-pronunciations"]')
    wait_view(page, "pronunciations")
    page.wait_for_function("() => /You have/.test(document.querySelector('#lexicon-status').textContent)")


def save_and_wait(page) -> str:
    page.click("#lexicon-save")
    page.wait_for_function("() => /^Saved\\./.test(document.querySelector('#lexicon-status').textContent)")
    return text_of(page, "#lexicon-status")


def row_field(page, n: int, field: str):
    return page.locator('[data-testid="lexicon-row"]').nth(n).locator(f'input[name="{field}"]')


def described_error(page, n: int, field: str) -> str:
    """The error a field's aria-describedby points at (what a screen reader says with it)."""
    return page.evaluate("""([n, field]) => {
        const input = document.querySelectorAll('[data-testid="lexicon-row"]')[n].querySelector(`input[name="${field}"]`);
        return (input.getAttribute('aria-describedby') || '').split(' ').map(id => document.getElementById(id)?.textContent || '').join(' ').trim();
    }""", [n, field])


def test_the_page_by_keyboard_with_limits_and_refusals(page, stack, shoot):
    page.add_init_script(COUNT_SPEECH)
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    open_pronunciations(page)
    assert focused(page) == "lexicon-title"
    assert text_of(page, "#lexicon-status") == "You have no pronunciations yet."
    limits = lexicon_of(stack, page)["limits"]
    assert text_of(page, "#lexicon-limits") == (
        f"Up to {limits['entries']} pronunciations; each written form of at most {limits['written']} characters, "
        f"each spoken form of at most {limits['spoken']} characters.")

    # Keyboard only: Add, the two forms, the flags, Try it, Save.
    tab_to(page, "#lexicon-add")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "written"
    page.keyboard.type("Dr.")
    page.keyboard.press("Tab")
    page.keyboard.type("doctor")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "whole_word"
    assert page.evaluate("document.activeElement.checked") is True
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "match_case"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Try it: entry 1"
    page.keyboard.press("Enter")
    assert page.evaluate("window.__said") == ["doctor"]
    assert text_of(page, "#lexicon-status") == "Changes not saved yet."
    tab_to(page, "#lexicon-save")
    page.keyboard.press("Enter")
    page.wait_for_function("() => /^Saved\\./.test(document.querySelector('#lexicon-status').textContent)")
    assert text_of(page, "#lexicon-status") == "Saved. You have 1 pronunciation."
    assert lexicon_of(stack, page)["entries"] == [DR]

    # Checked before saving: an empty entry and a repeated written form, each beside its field.
    page.click("#lexicon-add")
    page.click("#lexicon-save")
    assert described_error(page, 1, "written") == "Enter the written form."
    assert described_error(page, 1, "spoken") == "Enter how it is said."
    assert row_field(page, 1, "written").get_attribute("aria-invalid") == "true"
    assert focused(page) == row_field(page, 1, "written").get_attribute("id")
    assert text_of(page, "#lexicon-error") == "One pronunciation needs fixing: see below."
    page.keyboard.type("Dr.")
    row_field(page, 1, "spoken").fill("drive")
    page.click("#lexicon-save")
    assert described_error(page, 1, "written") == "“Dr.” is already entry 1."
    assert lexicon_of(stack, page)["entries"] == [DR]  # nothing was sent
    # The same letters in another case repeat "Dr." too (neither matches case), as the API says.
    row_field(page, 1, "written").fill("DR.")
    page.click("#lexicon-save")
    assert described_error(page, 1, "written") == \
        "“DR.” is already entry 1 (“Dr.”), in another case: keep one, or set Match case on both."
    assert lexicon_of(stack, page)["entries"] == [DR]  # nothing was sent
    # The limits hold in the fields, in characters as the server counts them: as many emoji as
    # letters are typed (a maxLength would stop at half), and no more than the limit.
    row_field(page, 1, "written").fill("")
    row_field(page, 1, "written").focus()
    page.keyboard.type("😀" * (limits["written"] + 5))
    assert row_field(page, 1, "written").input_value() == "😀" * limits["written"]
    row_field(page, 1, "written").fill("St.")
    row_field(page, 1, "spoken").fill("s" * (limits["spoken"] + 20))
    assert len(row_field(page, 1, "spoken").input_value()) == limits["spoken"]
    row_field(page, 1, "spoken").fill("😀" * limits["spoken"])  # 400 UTF-16 units, 200 characters: all kept and saved
    assert save_and_wait(page) == "Saved. You have 2 pronunciations."
    assert lexicon_of(stack, page)["entries"][1]["spoken"] == "😀" * limits["spoken"]
    assert at_both_widths(page) == {}
    shoot(page, "pronunciations")

    # The server's own refusal goes beside the entry it names: a control character (the page
    # leaves that rule to the API).
    row_field(page, 1, "written").fill("St.\u0007")
    row_field(page, 1, "spoken").fill("drive")
    page.click("#lexicon-save")
    page.wait_for_function("() => document.querySelectorAll('[aria-invalid=\"true\"]').length > 0")
    message = described_error(page, 1, "written")
    assert message == "Entry 2: 'written' must not contain control characters.", message
    assert row_field(page, 1, "written").get_attribute("aria-invalid") == "true"
    assert focused(page) == row_field(page, 1, "written").get_attribute("id")
    assert text_of(page, "#lexicon-error") == ""  # said once, beside the entry
    assert lexicon_of(stack, page)["entries"][0] == DR and len(lexicon_of(stack, page)["entries"]) == 2
    assert at_both_widths(page) == {}

    # Remove by keyboard: the focus stays in the list; the rest is saved.
    row_field(page, 1, "written").fill("St.")
    row_field(page, 1, "spoken").fill("saint")
    page.locator('[data-testid="lexicon-remove"]').nth(0).focus()
    page.keyboard.press("Enter")
    assert page.locator('[data-testid="lexicon-row"]').count() == 1
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove entry 1"
    assert save_and_wait(page) == "Saved. You have 1 pronunciation."
    assert lexicon_of(stack, page)["entries"] == [
        {"written": "St.", "spoken": "saint", "whole_word": True, "match_case": False}]


def test_import_export_round_trip_and_an_oversized_import(page, stack, tmp_path):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.click('[data-testid="nav-dashboard"]')
    page.click('[data-testid="dashboard-pronunciations"]')  # the dashboard links here too
    wait_view(page, "pronunciations")
    page.wait_for_function("() => /You have/.test(document.querySelector('#lexicon-status').textContent)")

    entries = [DR, {"written": "NASA", "spoken": "nasa", "whole_word": True, "match_case": True},
               {"written": "Œuvre", "spoken": "euvruh", "whole_word": False, "match_case": False}]
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    page.set_input_files("#lexicon-import", str(mine))
    page.wait_for_function("() => document.querySelector('#lexicon-io-status').textContent")
    assert text_of(page, "#lexicon-io-status") == "Imported mine.json and saved it: 3 pronunciations."
    assert page.locator('[data-testid="lexicon-row"]').count() == 3
    assert row_field(page, 2, "written").input_value() == "Œuvre"
    assert lexicon_of(stack, page)["entries"] == entries

    with page.expect_download() as download:
        page.click("#lexicon-export")
    exported = tmp_path / "exported.json"
    download.value.save_as(exported)
    assert download.value.suggested_filename == "pagevoice-pronunciations.json"
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["entries"] == entries
    assert data["limits"] == lexicon_of(stack, page)["limits"]
    assert text_of(page, "#lexicon-io-status") == "Exported 3 pronunciations to pagevoice-pronunciations.json."

    # Past the limit: refused whole before anything is sent.
    limit = data["limits"]["entries"]
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"entries": [{"written": f"w{i}", "spoken": f"word {i}"} for i in range(limit + 1)]}))
    page.set_input_files("#lexicon-import", str(big))
    page.wait_for_selector("#lexicon-io-error:not([hidden])")
    assert text_of(page, "#lexicon-io-error") == (
        f"This file has {limit + 1:,} pronunciations: the limit is {limit:,}. Nothing was imported.")
    assert lexicon_of(stack, page)["entries"] == entries

    # The exported file imports back to the same list (after a change that it undoes).
    requests.put(api(stack, "/me/lexicon"), headers=bearer(page), json={"entries": [DR]}, timeout=30)
    page.reload()
    wait_view(page, "pronunciations")
    page.wait_for_function("() => /You have 1 /.test(document.querySelector('#lexicon-status').textContent)")
    page.set_input_files("#lexicon-import", str(exported))
    page.wait_for_function("() => /^Imported/.test(document.querySelector('#lexicon-io-status').textContent)")
    assert text_of(page, "#lexicon-io-error") == ""
    assert lexicon_of(stack, page)["entries"] == entries


def heard(job: dict) -> list[str]:
    """What Whisper base hears in the job's recording, normalised ("Dr." -> "doctor")."""
    from whisper_normalizer.english import EnglishTextNormalizer

    from chalicelib.engines.asr import get_engine
    from chalicelib.media.audio import decode

    wav = requests.get(job["audio_url"], timeout=60)
    assert wav.status_code == 200
    audio = decode(wav.content, max_bytes=50_000_000, max_seconds=600.0)
    text = get_engine("whisper").transcribe(audio.samples, audio.sample_rate, language="en").text
    return EnglishTextNormalizer()(text).split()


def add_entry(page, entry: dict) -> None:
    page.click("#lexicon-add")
    n = page.locator('[data-testid="lexicon-row"]').count() - 1
    row_field(page, n, "written").fill(entry["written"])
    row_field(page, n, "spoken").fill(entry["spoken"])
    row_field(page, n, "whole_word").set_checked(entry["whole_word"])
    row_field(page, n, "match_case").set_checked(entry["match_case"])


def test_what_is_heard_and_read_again(browser, page, stack, tmp_path):
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    open_pronunciations(page)
    add_entry(page, DR)
    assert save_and_wait(page) == "Saved. You have 1 pronunciation."

    photo = tmp_path / "doctor.png"
    photo.write_bytes(images.encode(images.text_image(LINES, size=56).image, "PNG"))
    page.click('[data-testid="nav-dashboard"]')
    wait_view(page, "dashboard")
    job_id = upload_and_wait(page, photo)
    shown = page.locator('#result-text [data-testid="text-word"]').all_inner_texts()
    assert "Dr." in shown and "Smith" in shown, shown  # shown as written
    job = fetch_job(stack, token_of(page), job_id)
    assert "Dr." in job["result"]["text"]
    assert job["result"]["speech"].get("lexicon") == {"entries": 1}
    first = heard(job)
    assert "doctor" in first and "smith" in first, first

    # A new pronunciation, then "Read again": the same text, a new recording.
    open_pronunciations(page)
    add_entry(page, WATSON)
    assert save_and_wait(page) == "Saved. You have 2 pronunciations."
    page.goto(page.url.split("#")[0] + f"#/jobs/{job_id}")
    wait_view(page, "job")
    page.wait_for_selector('#job-status[data-status="done"]')
    page.wait_for_selector('#reread:visible')
    assert violations(page, "#reread-wrap") == []
    other = chromium.new_context(browser).new_page()  # the same job open in another tab, still "done"
    try:
        login_ui(other, stack, user)
        other.goto(page.url)
        other.wait_for_selector('#reread:visible')

        statuses = []
        page.on("response", lambda r: r.url.endswith(f"/jobs/{job_id}") and r.request.method == "GET"
                and statuses.append(r.json()["status"]))
        page.click("#reread")
        page.wait_for_function("() => document.querySelector('#announcer').textContent.startsWith('Reading again')")
        # The other tab asks while the recording is made again: refused with the server's sentence.
        other.click("#reread")
        other.wait_for_selector("#reread-error:not([hidden])")
        assert text_of(other, "#reread-error")
        assert other.locator("#reread").is_enabled()
    finally:
        other.context.close()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert {"queued", "processing"} & set(statuses), statuses  # followed as it ran again
    page.wait_for_selector('#player[data-ready="true"]')

    again = fetch_job(stack, token_of(page), job_id)
    assert again["result"]["text"] == job["result"]["text"]  # the text is unchanged
    assert again["result"]["speech"].get("lexicon") == {"entries": 2}
    second = heard(again)
    assert "watson" in second and "smith" not in second, second
    assert "doctor" in second, second


# Blob.text counted, and a file it cannot read (one too large for a string, or gone from the
# disk) refused as the browser refuses it.
COUNT_READS = """
window.__reads = 0;
const text = Blob.prototype.text;
Blob.prototype.text = function () {
  window.__reads += 1;
  if (this.name === 'unreadable.json') return Promise.reject(new DOMException('gone', 'NotReadableError'));
  return text.call(this);
};
"""


def test_an_import_too_large_is_not_read_and_one_that_cannot_be_read_is_said(page, stack, tmp_path):
    page.add_init_script(COUNT_READS)
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    page.goto(page.url.split("#")[0] + "#/pronunciations")
    wait_view(page, "pronunciations")
    page.wait_for_function("() => /You have/.test(document.querySelector('#lexicon-status').textContent)")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (3 << 20))  # a large file (a video chosen by mistake) is not read into the page
    page.set_input_files("#lexicon-import", str(huge))
    page.wait_for_selector("#lexicon-io-error:not([hidden])")
    assert "too large" in text_of(page, "#lexicon-io-error")
    assert page.evaluate("window.__reads") == 0
    gone = tmp_path / "unreadable.json"
    gone.write_text(json.dumps({"entries": [DR]}))
    page.set_input_files("#lexicon-import", str(gone))
    page.wait_for_function("() => /could not be read/.test(document.querySelector('#lexicon-io-error').textContent)")
    assert text_of(page, "#lexicon-io-error") == "unreadable.json could not be read. Nothing was imported."
    assert lexicon_of(stack, page)["entries"] == []
