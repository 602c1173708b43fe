""""Read again with my pronunciations" that did not finish (static_site/js/views/job/reread.js):
the job is back as it was (tests/jobs/test_record_again.py shows the server side), and its view
says why in an alert beside the button, with the earlier recording still playable."""
from __future__ import annotations

from tests.site.axe import violations
from tests.site.fakejob import make_job
from tests.site.test_listening import open_job, sign_in, wait_ready

WHY = "The voice could not say this text."


def test_a_failed_read_again_is_said_and_the_recording_kept(page, stack, shoot):
    sign_in(page, stack)
    fake = make_job(stack, [["Quiet pages", "Read aloud"]], filename="quiet-pages.png")
    fake.edit = lambda answer: {**answer, "recording_again_error": WHY}
    open_job(page, stack, fake)
    page.wait_for_selector("#reread-error:not([hidden])")
    assert page.get_attribute("#reread-error", "role") == "alert"
    assert page.inner_text("#reread-error") == f"Reading again did not finish; your earlier recording is kept. {WHY}"
    assert page.is_visible("#reread")  # it may be asked again
    wait_ready(page)  # the earlier recording plays
    assert violations(page, "#reread-wrap") == []
    page.locator("#reread-wrap").scroll_into_view_if_needed()
    shoot(page, "reread-failed")

    fake.edit = None  # asked again and made: the message goes with the next view
    page.reload()
    page.wait_for_selector("#reread:visible")
    assert page.is_hidden("#reread-error")
