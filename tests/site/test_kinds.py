"""The site's views for the `digits` and `speech` kinds, and recording in the browser, in a real
Chromium against the running local stack (CONTRACTS sections 6, 8, 9).

Real files from ../shared/datasets (a test fails when one is missing). The recorder test
launches a second Chromium whose fake microphone plays speech-dev's goforward.wav in a loop.
Screenshots at 1280 and 360 px go to tests/artifacts/screenshots/.
"""
from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import pytest
import requests

from tests import chromium
from tests.site.conftest import WIDE
from tests.site.test_site import (
    BOX_TOLERANCE_PX,
    RESULT_TIMEOUT_MS,
    api,
    api_register,
    fetch_job,
    login_ui,
    new_user,
    one_job,
    token_of,
    upload_and_wait,
    wait_image_loaded,
)

pytestmark = pytest.mark.timeout(600)

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def dataset(relative: str) -> Path:
    path = DATASETS / relative
    if not path.is_file():
        pytest.fail(f"missing test data: {path} (the shared datasets are part of the workspace)")
    return path


def percent(p: float) -> str:
    """The site's percent format (js/result/common.js percent())."""
    v = p * 100
    if v <= 0:
        return "0%"
    if v < 0.1:
        return "<0.1%"
    if 99.9 < v < 100:
        return ">99.9%"
    return f"{v:.1f}".removesuffix(".0") + "%"


def sign_in_and_choose(page, stack, kind: str, label: str) -> None:
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    radio = page.locator(f'[data-testid="kind-{kind}"]')
    radio.wait_for()
    # The label is the API's (GET /kinds).
    assert page.locator("label.kind-option", has=radio).inner_text().strip() == label
    radio.check()


def watch_highlight(page, selector: str) -> None:
    """Record the text of every element of `selector` that gets aria-current="true" (window.__lit)."""
    page.evaluate(
        """(selector) => {
            window.__lit = [];
            const root = document.querySelector(selector);
            new MutationObserver((records) => {
                for (const r of records) {
                    if (r.target.getAttribute('aria-current') === 'true') window.__lit.push(r.target.textContent);
                }
            }).observe(root, {subtree: true, attributes: true, attributeFilter: ['aria-current']});
        }""",
        selector,
    )


def audio_duration(page, selector: str) -> float:
    page.wait_for_function(
        "s => { const a = document.querySelector(s); return a && a.readyState >= 1 && a.duration > 0; }",
        arg=selector, timeout=30_000)
    return page.evaluate("s => document.querySelector(s).duration", selector)


def read_download(page, testid: str) -> str:
    with page.expect_download() as info:
        page.click(f'[data-testid="{testid}"]')
    download = info.value
    return Path(download.path()).read_text(encoding="utf-8"), download.suggested_filename


# ---- digits --------------------------------------------------------------------------------

def test_digits_number_boxes_bars_and_recording(page, stack, shoot):
    image = dataset("digits-dev/images/tathagat_7.png")
    sign_in_and_choose(page, stack, "digits", "Handwritten digits")
    # Pictures: the camera is offered, the microphone is not.
    assert page.is_visible("text=Take a photo") and page.is_hidden('[data-testid="record-start"]')
    job_id = upload_and_wait(page, image)
    job = fetch_job(stack, token_of(page), job_id)
    result = job["result"]
    assert job["kind"] == "digits" and result["text"] == "7", result
    assert page.get_attribute("#result", "data-kind") == "digits"

    # The number, large.
    assert page.inner_text('[data-testid="digits-number"]').strip() == "7"
    assert page.is_hidden('[data-testid="digits-unsure"]')
    assert page.inner_text("#job-status") == "Done: the number is 7."

    # Its box over the picture: the result's box scaled to the displayed picture.
    wait_image_loaded(page)
    img = page.locator("#result-image").bounding_box()
    assert img["width"] >= 200, "a 28 px scan is drawn large enough to see"
    scale_x, scale_y = img["width"] / result["width"], img["height"] / result["height"]
    assert abs(scale_x - scale_y) < 0.01
    boxes = page.locator('#overlay [data-testid="word-box"]')
    assert boxes.count() == len(result["digits"]) == 1
    xs = [p[0] for p in result["digits"][0]["box"]]
    ys = [p[1] for p in result["digits"][0]["box"]]
    expected = {"x": img["x"] + min(xs) * scale_x, "y": img["y"] + min(ys) * scale_y,
                "width": (max(xs) - min(xs)) * scale_x, "height": (max(ys) - min(ys)) * scale_y}
    actual = boxes.first.bounding_box()
    for key, value in expected.items():
        assert abs(actual[key] - value) <= BOX_TOLERANCE_PX, f"{key}: {actual[key]:.1f}, expected {value:.1f}"

    # The ten probabilities as bars, 7 the highest and highlighted, read as "7: 99.7%".
    bars = page.locator('[data-testid="digit-bars"]')
    assert bars.count() == 1
    items = bars.first.locator("li")
    assert items.count() == 10
    shown = [float(items.nth(d).get_attribute("data-probability")) for d in range(10)]
    assert shown == result["digits"][0]["probabilities"]
    assert max(range(10), key=shown.__getitem__) == 7
    best = bars.first.locator("li.is-best")
    assert best.count() == 1 and best.get_attribute("data-digit") == "7"
    spoken = items.nth(7).locator(".visually-hidden").text_content()
    assert spoken.startswith(f"7: {percent(shown[7])}"), spoken
    assert items.nth(7).locator("[aria-hidden=true]").count() == 1  # the drawing is not read twice
    assert page.locator("#digit-bars-panel ol[data-testid=digit-cards] > li").count() == 1

    # The number read aloud.
    assert audio_duration(page, "#result-audio") > 0.3
    assert page.inner_text("#job-delete") == "Delete this picture"
    shoot(page, "job-digits")

    # Selecting the box lights the digit in the number and its bars.
    boxes.first.click()
    assert "selected" in page.get_attribute('[data-testid="digit"]', "class")
    assert "selected" in page.get_attribute('[data-testid="digit-card"]', "class")

    # A digit PageVoice is not sure of, and a picture with none (the answer rewritten on its way).
    def unsure(route):
        response = route.fetch()
        body = response.json()
        r = body["result"]
        r["text"] = r["lines"][0]["text"] = r["lines"][0]["words"][0]["text"] = "?"
        r["digits"][0].update(digit=None, unsure=True, confidence=0.41)
        r["lines"][0]["words"][0]["confidence"] = 0.41
        r["sure"] = False
        route.fulfill(response=response, json=body)

    page.route(one_job, unsure)
    page.reload()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert page.inner_text('[data-testid="digits-number"]').strip() == "?"
    assert "digit-unsure" in page.get_attribute('[data-testid="digit"]', "class")
    assert "not sure" in page.inner_text('[data-testid="digits-unsure"]')
    assert page.get_attribute('#overlay [data-testid="word-box"]', "data-low-confidence") == "true"
    assert "not sure" in page.inner_text('[data-testid="digit-card"] .digit-card-title')
    shoot(page, "job-digits-unsure")
    page.unroute(one_job)

    def empty(route):
        response = route.fetch()
        body = response.json()
        body["result"].update(text="", lines=[], digits=[], sure=True)
        body["audio_url"] = None
        route.fulfill(response=response, json=body)

    page.route(one_job, empty)
    page.reload()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert page.inner_text('[data-testid="digits-number"]').strip() == "No handwritten digits were found."
    assert page.is_hidden("#digit-bars-panel")
    assert "no digits were found" in page.inner_text("#audio-note")
    page.unroute(one_job)


# ---- speech --------------------------------------------------------------------------------

def test_recording_transcript_follows_playback(page, stack, shoot):
    recording = dataset("speech-dev/asr/goforward.flac")
    sign_in_and_choose(page, stack, "speech", "Recording")
    # Recordings: the microphone is offered, the camera is not; the picker takes audio.
    assert page.is_visible('[data-testid="record-start"]') and page.is_hidden("text=Take a photo")
    assert "audio/flac" in page.get_attribute("#upload-input", "accept").split(",")
    assert page.inner_text("#upload-label") == "Choose a recording"
    job_id = upload_and_wait(page, recording)
    job = fetch_job(stack, token_of(page), job_id)
    result = job["result"]
    assert job["kind"] == "speech"
    assert page.get_attribute("#result", "data-kind") == "speech"
    assert page.is_hidden(".result-image-panel") and page.is_hidden(".result-text-panel")

    # The transcript, a word each, with its times.
    transcript = page.locator('[data-testid="transcript"]')
    assert "forward" in transcript.inner_text().lower()
    words = transcript.locator('[data-testid="transcript-word"]')
    expected = [w for s in result["segments"] for w in s["words"]]
    assert words.count() == len(expected) >= 2
    for i, word in enumerate(expected):
        assert float(words.nth(i).get_attribute("data-start")) == pytest.approx(word["start"])
        assert float(words.nth(i).get_attribute("data-end")) == pytest.approx(word["end"])
    assert page.is_hidden('[data-testid="keyword"]')  # 2.8 s: longer than a command
    assert page.is_hidden('[data-testid="speech-note"]')

    # The upload plays; the word being heard is lit, and changes as it plays.
    assert audio_duration(page, "#speech-audio") > 2
    watch_highlight(page, '[data-testid="transcript"]')
    page.evaluate("() => { const a = document.querySelector('#speech-audio'); a.muted = true; return a.play(); }")
    page.wait_for_function("() => new Set(window.__lit).size >= 2", timeout=15_000)
    lit = transcript.locator('[aria-current="true"]')
    if lit.count():  # (it may have finished by now)
        assert "is-current" in lit.first.get_attribute("class")
    page.evaluate("() => document.querySelector('#speech-audio').pause()")

    # Selecting a word plays from its start.
    last = words.nth(len(expected) - 1)
    last.click()
    start = expected[-1]["start"]
    page.wait_for_function(
        "s => { const t = document.querySelector('#speech-audio').currentTime; return t >= s - 0.05 && t < s + 1.5; }",
        arg=start, timeout=5_000)
    assert last.get_attribute("aria-current") == "true"
    page.evaluate("() => document.querySelector('#speech-audio').pause()")

    # By keyboard: one tab stop for the words, arrows move among them, Enter plays from there.
    assert [words.nth(i).get_attribute("tabindex") for i in range(words.count())].count("0") == 1
    words.first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.index") == "1"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "s => { const t = document.querySelector('#speech-audio').currentTime; return t >= s - 0.05 && t < s + 1.5; }",
        arg=expected[1]["start"], timeout=5_000)
    assert words.nth(1).get_attribute("aria-current") == "true"
    page.evaluate("() => document.querySelector('#speech-audio').pause()")

    # The text as subtitles, made in the browser.
    vtt, name = read_download(page, "download-vtt")
    assert vtt.startswith("WEBVTT") and name == "goforward.vtt"
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$", vtt, re.M), vtt
    srt, _ = read_download(page, "download-srt")
    first = result["segments"][0]
    assert srt.startswith("1\n") and re.search(r"^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$", srt, re.M), srt
    ms = round(first["start"] * 1000)
    assert f"00:00:{ms // 1000:02d},{ms % 1000:03d} -->" in srt
    txt, _ = read_download(page, "download-txt")
    assert "forward" in txt.lower()
    shoot(page, "job-speech")

    # A short command clip, a cut-short transcript, and silence (the answer rewritten on its way).
    def command(route):
        response = route.fetch()
        body = response.json()
        body["result"].update(keyword={"label": "forward", "confidence": 0.91}, complete=False,
                              transcribed_s=1.5)
        route.fulfill(response=response, json=body)

    page.route(one_job, command)
    page.reload()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert page.inner_text('[data-testid="keyword"]') == "Command: forward (91%)"
    assert "the first 1.5 seconds of this 2.8 seconds recording" in page.inner_text('[data-testid="speech-note"]')
    shoot(page, "job-speech-command")
    page.unroute(one_job)

    def silence(route):
        response = route.fetch()
        body = response.json()
        body["result"].update(text="", segments=[], keyword={"label": "unknown", "confidence": 0.7})
        route.fulfill(response=response, json=body)

    page.route(one_job, silence)
    page.reload()
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    assert transcript.inner_text().strip() == "Nothing was said."
    assert page.inner_text('[data-testid="keyword"]') == "Command: not one of the command words"
    assert page.is_disabled('[data-testid="copy-transcript"]') and page.is_hidden('[data-testid="download-vtt"]')
    page.unroute(one_job)


@pytest.mark.timeout(1500)
def test_a_long_recording_is_transcribed_whole_on_its_clock_with_an_outline_and_steps(page, stack, tmp_path, shoot):
    """A 40-minute recording (CONTRACTS section 15: transcribed in windows by the stack's workers)
    through the site: whole, its words on the whole recording's clock, its chapters to jump to,
    steps by sentence and chapter, axe-core clean at both widths. (Two hours here took ~80 CPU s,
    a third of it the listening MP3 of two hours of silence: the same windows' path at any
    length; hours of speech through it are bench.speech's joined hour.)"""
    import io

    import numpy as np
    import soundfile as sf

    from bench.speech_common import normalise, wer_counts
    from chalicelib.engines import asr
    from tests.engines.asr.audiofiles import LECTURE_SAID_AT, in_silence
    from tests.jobs.test_book_on_the_stack import result_of
    from tests.site.axe import at_both_widths

    data, placed = in_silence(40, 5)
    path = tmp_path / "lecture.flac"
    path.write_bytes(data)
    sign_in_and_choose(page, stack, "speech", "Recording")
    # 40 minutes in 10+ windows on the stack's two workers; the wait only stops a hung run.
    job_id = upload_and_wait(page, path, patience_ms=900_000)
    result = result_of(fetch_job(stack, token_of(page), job_id))  # its windows' files, as the site reads them
    assert result["document"]["windows"] >= 10 and result["complete"] is True and result["duration_s"] == 2400.0
    words = [w for seg in result["segments"] for w in seg["words"]]
    errors, total = 0, 0  # every sentence once, where it was said
    for start, end, text in placed:
        got = " ".join(w["text"] for w in words if start - 0.5 <= w["start"] < end + 0.5)
        errors, total = errors + wer_counts(normalise(text), normalise(got)), total + len(text.split())
    assert errors / total <= 0.05 and len(words) <= total + 2
    # A word heard at 0:33:20 is timed there: the audio cut around it and transcribed alone gives
    # the same words at the same times, less the cut's start. Only the cut is decoded (FLAC is
    # lossless: the samples the intake decodes, float32 of the 16-bit PCM).
    cut = np.ascontiguousarray(sf.read(io.BytesIO(data), start=(LECTURE_SAID_AT - 5) * 16000,
                                       stop=(LECTURE_SAID_AT + 25) * 16000, dtype="float32")[0])
    alone = [w for seg in asr.get_engine("whisper").transcribe(cut).segments for w in seg.words]
    there = [w for w in words if LECTURE_SAID_AT - 5 <= w["start"] < LECTURE_SAID_AT + 25]
    # The same words (Whisper may spell one differently in another context: "-sposed" in the
    # windows, "-disposed" in the cut, on one of the machines this ran on), each at the same time.
    assert abs(there[0]["start"] - LECTURE_SAID_AT) < 0.5 and len(there) == len(alone)
    assert wer_counts(normalise(" ".join(w.text for w in alone)),
                      normalise(" ".join(w["text"] for w in there))) <= 0.05 * len(alone)  # the goal above
    assert max(abs(w["start"] - (LECTURE_SAID_AT - 5 + a.start)) for w, a in zip(there, alone)) < 0.3
    chapters = result["chapters"]
    assert len(chapters) >= 6  # a sentence every 5 minutes: a chapter each (plan.CHAPTER_MIN_S apart)

    # The outline: each chapter with its time, and choosing one plays from there.
    outline = page.locator('[data-testid="speech-chapter"]')
    assert outline.count() == len(chapters)
    assert chapters[0]["title"].rstrip("…") in outline.first.inner_text()
    page.evaluate("() => { document.querySelector('#speech-audio').muted = true; }")
    outline.nth(1).click()
    page.wait_for_function(
        "s => { const t = document.querySelector('#speech-audio').currentTime; return t >= s - 0.1 && t < s + 3; }",
        arg=chapters[1]["start"], timeout=10_000)
    assert outline.nth(1).get_attribute("aria-current") == "location"
    assert outline.first.get_attribute("aria-current") is None
    page.evaluate("() => document.querySelector('#speech-audio').pause()")

    # Paragraphs: one per pause of the recording, each starting with its time.
    paragraphs = page.locator("#transcript .transcript-segment")
    assert paragraphs.count() == sum(1 for s in result["segments"] if s.get("paragraph")) >= len(placed) - 4

    # Steps by sentence, on the recording itself: back to the sentence before, on to the next.
    sentences = [s["start"] for s in result["sentences"]]
    here = page.evaluate("document.querySelector('#speech-audio').currentTime")
    after = [t for t in sentences if t > here + 0.05]
    page.click('[data-testid="speech-next-sentence"]')
    page.wait_for_function(
        "s => Math.abs(document.querySelector('#speech-audio').currentTime - s) < 0.6", arg=after[0], timeout=10_000)
    page.evaluate("() => document.querySelector('#speech-audio').pause()")
    page.click('[data-testid="speech-prev-chapter"]')
    page.wait_for_function(
        "s => Math.abs(document.querySelector('#speech-audio').currentTime - s) < 0.6", arg=chapters[1]["start"],
        timeout=10_000)
    page.evaluate("() => document.querySelector('#speech-audio').pause()")
    assert page.locator('[data-testid="transcript-word"][aria-current="true"]').count() == 1
    # Watched while it was written down, it offers the whole text once it is whole.
    assert page.is_enabled('[data-testid="copy-transcript"]') and page.is_visible('[data-testid="download-srt"]')
    shoot(page, "job-speech-long")
    assert at_both_widths(page) == {}


def test_subtitle_formats(page, stack):
    """SRT and WebVTT timestamps, hours included, and long segments split at words."""
    page.goto(stack.site_url.rstrip("/") + "/")
    out = page.evaluate("""async () => {
        const m = await import('./js/result/subtitles.js');
        const segments = [
            {start: 1.24, end: 3725.0049, text: ' Hello there. ', words: []},
            {start: 0, end: 20, text: 'x', words: Array.from({length: 40}, (_, i) =>
                ({text: 'word' + i, start: i / 2, end: i / 2 + 0.4}))},
        ];
        return {srt: m.toSrt(segments), vtt: m.toVtt(segments), stamp: m.timestamp(59.9996, '.'),
                empty: m.toVtt([])};
    }""")
    assert out["srt"].startswith("1\n00:00:01,240 --> 01:02:05,005\nHello there.\n\n2\n00:00:00,000 --> ")
    assert out["vtt"].startswith("WEBVTT\n\n1\n00:00:01.240 --> 01:02:05.005\nHello there.\n")
    assert out["stamp"] == "00:01:00.000"
    assert out["empty"] == "WEBVTT\n"
    cues = out["vtt"].split("\n\n")[1:]
    assert len(cues) > 3 and all(len(c.split("\n")[2]) <= 84 for c in cues)


# ---- recording in the browser --------------------------------------------------------------

def microphone_file(tmp_path: Path) -> Path:
    """A 16 kHz mono 16-bit WAV of speech-dev's goforward.wav for Chromium's fake microphone."""
    source = dataset("speech-dev/asr/goforward.wav")
    target = tmp_path / "microphone.wav"
    with wave.open(str(source)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2):
            shutil.copyfile(source, target)
            return target
    import numpy as np
    import soundfile as sf

    data, rate = sf.read(str(source), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    positions = np.arange(0, len(mono), rate / 16000)
    sf.write(str(target), np.interp(positions, np.arange(len(mono)), mono), 16000, subtype="PCM_16")
    return target


def test_record_from_the_microphone(browser, stack, tmp_path, shoot, page_errors):
    wav = microphone_file(tmp_path)
    # A second Chromium (same Playwright) whose fake microphone loops the file.
    mic = chromium.launch(browser.browser_type, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                          f"--use-file-for-fake-audio-capture={wav}")
    try:
        context = chromium.new_context(mic, viewport=WIDE, permissions=["microphone"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.add("pageerror", str(exc)))
        page.on("console", lambda msg: msg.type == "error" and page_errors.add("console", msg.text))
        sign_in_and_choose(page, stack, "speech", "Recording")

        record = page.locator('[data-testid="record-start"]')
        record.focus()
        page.keyboard.press("Enter")  # keyboard-operable
        page.wait_for_selector('[data-testid="recorder"]:not([hidden])')
        started = page.evaluate("performance.now()")
        assert page.evaluate("document.activeElement.id") == "record-stop"
        assert page.locator('[data-testid="level"]').get_attribute("id") == "level"
        assert page.locator('label[for="level"]').inner_text() == "Sound level"
        # The level moves with the sound; the timer counts.
        page.wait_for_function("() => document.querySelector('#level').value > 0.05", timeout=10_000)
        page.wait_for_function("() => document.querySelector('#record-timer').textContent === '0:01'",
                               timeout=10_000)
        shoot(page, "dashboard-recording")
        remaining = 3500 - (page.evaluate("performance.now()") - started)
        if remaining > 0:
            page.wait_for_timeout(remaining)
        page.click('[data-testid="record-stop"]')
        page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
        page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
        job = fetch_job(stack, token_of(page), page.url.rsplit("/", 1)[-1])
        assert job["kind"] == "speech"
        assert re.fullmatch(r"recording-[\d-]+\.webm", job["filename"]), job["filename"]
        assert "forward" in page.inner_text('[data-testid="transcript"]').lower(), job["result"]
        # MediaRecorder's WebM has no duration in it: the page has the browser find it, so the
        # player shows it and a selected word plays from its start.
        page.wait_for_function(
            "() => { const a = document.querySelector('#speech-audio'); return isFinite(a.duration) && a.duration > 2; }",
            timeout=30_000)
        words = page.locator('[data-testid="transcript-word"]')
        second = words.nth(1)
        start = float(second.get_attribute("data-start"))
        page.evaluate("() => { document.querySelector('#speech-audio').muted = true; }")
        second.click()
        page.wait_for_function(
            "s => { const t = document.querySelector('#speech-audio').currentTime; return t >= s - 0.05 && t < s + 1.5; }",
            arg=start, timeout=5_000)
        page.evaluate("() => document.querySelector('#speech-audio').pause()")
        shoot(page, "job-speech-recorded")
        context.close()
    finally:
        mic.close()


def test_a_refused_microphone_is_explained(page, stack, page_errors):
    """No fake microphone and no permission: a sentence saying so, and the picker still works."""
    sign_in_and_choose(page, stack, "speech", "Recording")
    page.click('[data-testid="record-start"]')
    error = page.locator('[data-testid="upload-error"]')
    error.wait_for(state="visible")
    assert "microphone" in error.inner_text().lower()
    assert page.is_hidden('[data-testid="recorder"]')
    assert page.is_enabled('[data-testid="record-start"]')
    # Nothing was left behind on the API.
    r = requests.get(api(stack, "/jobs"), headers={"Authorization": f"Bearer {token_of(page)}"}, timeout=30)
    assert r.json()["jobs"] == []
