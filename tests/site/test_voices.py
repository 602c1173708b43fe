"""Choosing a voice (issue 59, CONTRACTS section 16) in a real Chromium against the real local stack.

The account page: a voice heard (its sample made on first request by the stack, 202 then 200 and
a presigned MP3 that plays), by keyboard, then saved as the account's English voice (PATCH /me);
a sample that could not be had says so and offers "Try again". The upload form: a text file read
in the voice chosen for it ("Voice for this file"), the result naming it. "Read again with another
voice" on that job: the recording made again in the voice picked there. axe-core at 1280 and
360 px on the account page with its picker and on the result with the read-again picker.

One account and one job serve the module: the job is the upload's, read again by the last test.
"""
from __future__ import annotations

import pytest
import requests

from tests import chromium
from tests.site.axe import at_both_widths, violations
from tests.site.conftest import WIDE
from tests.site.test_account import bearer, focused, open_account, tab_to, text_of
from tests.site.test_site import (
    RESULT_TIMEOUT_MS,
    api,
    api_register,
    fetch_job,
    login_ui,
    new_user,
    token_of,
    upload_and_wait,
    url,
    wait_view,
)

pytestmark = pytest.mark.timeout(600)

ACCOUNT_VOICE = "pico:en-GB"  # the account's English voice, chosen on the account page (Pico: its sample is made in a second)
FILE_VOICE = "kokoro:am_santa"  # the upload's, over the account's
AGAIN_VOICE = "kokoro:af_heart"  # "Read again with another voice"
TEXT = "The train leaves at eight.\n"
SAMPLE_WAIT_MS = 90_000  # a sample's first making: a few seconds, up to ~30 s on a busy machine


@pytest.fixture(scope="module")
def user(stack):
    user = new_user()
    api_register(stack, user)
    return user


@pytest.fixture(scope="module")
def uploaded(browser, stack, user, tmp_path_factory):
    """A text file uploaded through the dashboard with FILE_VOICE chosen: (job id, the job when done,
    what the result view said of its voice)."""
    path = tmp_path_factory.mktemp("voices") / "train.txt"
    path.write_text(TEXT, encoding="utf-8")
    context = chromium.new_context(browser, viewport=WIDE)
    try:
        page = context.new_page()
        login_ui(page, stack, user)
        page.wait_for_selector("#voice-choice:not([hidden])")
        page.select_option("#upload-voice", FILE_VOICE)
        job_id = upload_and_wait(page, path)
        page.wait_for_function("() => /^Read by /.test(document.querySelector('#result-voice').textContent)")
        return job_id, fetch_job(stack, token_of(page), job_id), text_of(page, "#result-voice")
    finally:
        context.close()


def wait_sample(page, picker: str) -> str:
    """Waits for the picker's sample to be heard (a third of a second of it) or to fail; returns
    its data-sample state."""
    page.wait_for_function("""p => {
        const state = document.querySelector(`.voice-picker:has(#${p})`).dataset.sample;
        return state === 'failed' || state === 'played' || document.querySelector(`#${p}-audio`).currentTime > 0.3;
    }""", arg=picker, timeout=SAMPLE_WAIT_MS)
    return page.eval_on_selector(f".voice-picker:has(#{picker})", "el => el.dataset.sample")


def test_a_voice_is_heard_then_chosen_for_the_account(page, page_errors, stack, user, shoot):
    page_errors.allow(r"status of 503")  # the sample refused once, on purpose, below
    login_ui(page, stack, user)
    open_account(page)
    page.wait_for_selector("#voices-form:not([hidden])")
    assert page.input_value("#voices-language") == "en"
    assert page.input_value("#account-voice") == ""  # the language's default until one is saved
    assert text_of(page, "#account-voice option:checked") == "Default voice for English (Joe)"
    labels = page.eval_on_selector_all("#account-voice optgroup", "gs => gs.map(g => g.label)")
    assert labels[:2] == ["Natural voices: American", "Natural voices: British"], labels
    assert text_of(page, "#voices-current") == "Every language is read in its default voice."

    # By keyboard: the voice chosen with the arrow keys, then Tab to "Hear this voice".
    page.focus("#account-voice")
    while page.input_value("#account-voice") != ACCOUNT_VOICE:
        page.keyboard.press("ArrowDown")
    tab_to(page, "#account-voice-hear")

    # A sample that cannot be had says so in the live region, and "Try again" asks once more.
    page.route("**/voices/*/sample*", lambda route: route.fulfill(
        status=503, content_type="application/json", headers={"Access-Control-Allow-Origin": "*"},
        body='{"error": "unavailable", "message": "The sample could not be made just now. Try again in a minute."}'))
    page.keyboard.press("Enter")
    page.wait_for_selector("#account-voice-again:visible")
    assert text_of(page, "#account-voice-status") == "The sample could not be made just now. Try again in a minute."
    assert page.get_attribute("#account-voice-status", "aria-live") == "polite"
    page.unroute("**/voices/*/sample*")
    answers = []
    page.on("response", lambda r: r.url.startswith(api(stack, "/voices/")) and answers.append((r.status, r.url)))
    page.click("#account-voice-again")
    assert focused(page) == "account-voice-hear"  # not lost as "Try again" goes
    assert wait_sample(page, "account-voice") in ("playing", "played"), text_of(page, "#account-voice-status")
    assert text_of(page, "#account-voice-status") in ("Playing the sample of SVOX Pico (British).", "")
    assert answers and answers[-1][0] == 200 and all(s in (200, 202) for s, _ in answers), answers
    if answers[0][0] == 202:
        print(f"the sample was made on first request: {len(answers) - 1} x 202, then 200")
    audio = page.eval_on_selector("#account-voice-audio", "a => ({src: a.src, played: a.played.length, error: a.error})")
    assert audio["src"].startswith(stack.s3_url) and audio["played"] > 0 and audio["error"] is None, audio
    assert requests.get(audio["src"], timeout=30).content[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

    page.click("#voices-save")
    page.wait_for_function("() => /^Saved/.test(document.querySelector('#voices-status').textContent)")
    assert text_of(page, "#voices-status") == "Saved: English is read by SVOX Pico (British)."
    me = requests.get(api(stack, "/me"), headers=bearer(page), timeout=30).json()
    assert me["voices"].get("en") == ACCOUNT_VOICE, me.get("voices")
    assert text_of(page, "#voices-current").startswith("Your voices: English: SVOX Pico (British).")

    page.reload()
    wait_view(page, "account")
    page.wait_for_function("v => document.querySelector('#account-voice')?.value === v", arg=ACCOUNT_VOICE)
    assert at_both_widths(page) == {}
    page.locator("#voices-form").scroll_into_view_if_needed()
    shoot(page, "account-voices")


def test_a_file_is_read_in_the_voice_chosen_for_it(page, stack, user, uploaded, shoot):
    job_id, job, said = uploaded
    assert job["voice"] == FILE_VOICE, job.get("voice")
    speech = job["result"]["speech"]
    assert speech["voice"]["id"] == FILE_VOICE and {p["voice"]["id"] for p in speech["parts"]} == {FILE_VOICE}, speech["voice"]
    assert said == "Read by Santa — American English, Kokoro, natural quality."

    # A kind that reads nothing aloud offers no voice; the page kind offers "My default voice" first.
    login_ui(page, stack, user)
    page.wait_for_selector("#voice-choice:not([hidden])")
    assert page.input_value("#upload-voice") == "" and text_of(page, "#upload-voice option:checked") == "My default voice"
    assert page.get_attribute("#upload-voice", "aria-describedby") == "upload-voice-hint"
    detected = page.eval_on_selector_all("#upload-voice optgroup", "gs => gs.map(g => g.label)")
    # The language left to detection: every language's voices, by language.
    assert {"English: natural voices", "English: standard voices", "French: natural voices"} <= set(detected), detected
    assert violations(page, "#voice-choice") == []
    shoot(page, "upload-voice")
    page.select_option("#upload-language", "fr")  # a language chosen: its voices alone
    groups = page.eval_on_selector_all("#upload-voice optgroup", "gs => gs.map(g => g.label)")
    assert groups == ["Natural voices: French (France)", "Standard voices: French (France)"], groups
    page.check('[data-testid="kind-speech"]')
    page.wait_for_selector("#voice-choice", state="hidden")


def test_read_again_with_another_voice(page, stack, user, uploaded, shoot):
    job_id, _, _ = uploaded
    login_ui(page, stack, user)
    page.goto(url(stack, f"#/jobs/{job_id}"))
    wait_view(page, "job")
    page.wait_for_selector("#reread-voice-wrap:not([hidden])", timeout=30_000)
    assert page.input_value("#reread-voice-choice") == FILE_VOICE  # the voice it was read in
    assert at_both_widths(page) == {}
    page.locator("#reread-voice-wrap").scroll_into_view_if_needed()
    shoot(page, "reread-voice")

    page.click("#reread-voice")  # the same voice: nothing is asked
    assert text_of(page, "#reread-error") == "This voice reads it now: choose another one."
    page.select_option("#reread-voice-choice", AGAIN_VOICE)
    page.click("#reread-voice")
    page.wait_for_function("() => /^Read by Heart /.test(document.querySelector('#result-voice')?.textContent || '')",
                           timeout=RESULT_TIMEOUT_MS)
    page.wait_for_selector('#job-status[data-status="done"]')
    job = fetch_job(stack, token_of(page), job_id)
    assert job["voice"] == AGAIN_VOICE and job["result"]["speech"]["voice"]["id"] == AGAIN_VOICE
    assert job["result"]["text"].strip() == TEXT.strip()
    assert text_of(page, "#result-voice") == "Read by Heart — American English, Kokoro, natural quality."
