"""Listening like a reader (issue 40), in a real Chromium: steps back and forward by sentence,
paragraph and chapter (keys and buttons; the lit word on the sentence's first word), the
Media Session (handlers registered and acting, the title and the chapter), speed up to 4x
with the lit word on the word heard (judged by Whisper on the same recording), and resume
anywhere (the position saved while playing and as the page goes, restored in another browser
context signed in as the same user; another user's position refused).

The behaviour tests serve hand-made GET /jobs/{id} answers (tests/site/fakejob.py: real WAV
parts in the real voice); resume runs a real upload through the real stack.
"""
from __future__ import annotations

import bisect
import io
import re
import time
import wave

import numpy as np
import pytest
import requests

from tests import chromium
from tests.site.axe import at_both_widths
from tests.site.fakejob import make_job, make_structured_job
from tests.site.test_listening import now_time, open_job, pause, sign_in, wait_ready
from tests.site.test_site import RESULT_TIMEOUT_MS, api, api_register, login_ui, new_user, token_of, url, wait_view

pytestmark = pytest.mark.timeout(900)

# A heading, two paragraphs (the first of two sentences over three lines, the first sentence long
# enough to be 1.5 s into), a second heading and its paragraph. Word indexes (running):
#   0 Harbour 1 news | 2 The ... 15 quay. 16 Boats 17 rose | 18 slowly ... 21 water.
#   22 Gulls 23 cried 24 above. 25 Night 26 fell 27 soon. | 28 Weather | 29 Rain 30 is 31 due. 32 Winds ...
BLOCKS = [[
    {"role": "heading", "level": 1, "text": ["Harbour news"]},
    {"role": "paragraph", "text": ["The tide came in early this morning and", "lifted every boat along the quay. Boats rose",
                                   "slowly on the water."]},
    {"role": "paragraph", "text": ["Gulls cried above. Night fell soon."]},
    {"role": "heading", "level": 2, "text": ["Weather"]},
    {"role": "paragraph", "text": ["Rain is due. Winds are calm."]},
]]
THE, BOATS, GULLS, NIGHT, WEATHER, RAIN = 2, 16, 22, 25, 28, 29


def lit_index(page) -> int | None:
    value = page.evaluate("document.querySelector('#result-text [aria-current=\"true\"]')?.dataset.wordIndex ?? null")
    return None if value is None else int(value)


def assert_at_word(page, fake, index: int) -> None:
    """The lit word is `index` (in the text and on the photo) and playback is at its start."""
    assert lit_index(page) == index, (lit_index(page), index)
    box = page.get_attribute('#overlay [aria-current="true"]', "data-word-index")
    assert box == str(index)
    assert abs(now_time(page) - fake.words[index]["start"]) < 0.05, (now_time(page), fake.words[index])


def said(page) -> str:
    page.wait_for_timeout(120)  # (the announcer is filled 50 ms after it is cleared)
    return page.inner_text("#announcer")


def structured(stack):
    return make_structured_job(stack, BLOCKS, document=False, filename="harbour-news.png")


# ---- steps ----------------------------------------------------------------------------------

def test_steps_by_sentence_and_paragraph_with_keys_and_buttons(page, stack, shoot):
    sign_in(page, stack)
    fake = structured(stack)
    open_job(page, stack, fake)
    wait_ready(page)
    assert page.is_visible("#player-steps")
    help_ = page.locator("#shortcuts")
    help_.locator("summary").click()
    for line in ("Previous or next sentence", "Previous or next paragraph", "Previous or next chapter"):
        assert line in help_.inner_text()

    # Keys, paused: each step lights the first word of the sentence reached and says it.
    page.focus("#job-title")
    page.keyboard.press(".")
    assert_at_word(page, fake, THE)
    assert said(page) == "The tide came in early this morning and lifted every boat along the quay."
    page.keyboard.press(".")
    assert_at_word(page, fake, BOATS)
    assert said(page) == "Boats rose slowly on the water."
    page.keyboard.press(".")
    assert_at_word(page, fake, GULLS)
    page.keyboard.press(",")  # at a sentence's start: the one before
    assert_at_word(page, fake, BOATS)
    page.keyboard.press("]")  # the next paragraph
    assert_at_word(page, fake, GULLS)
    page.keyboard.press("]")  # (the heading is a paragraph of its own)
    assert_at_word(page, fake, WEATHER)
    page.keyboard.press("[")
    assert_at_word(page, fake, GULLS)
    page.keyboard.press("[")
    assert_at_word(page, fake, THE)

    # The same with the buttons.
    page.click("#next-sentence")
    assert_at_word(page, fake, BOATS)
    page.click("#next-paragraph")
    assert_at_word(page, fake, GULLS)
    page.click("#next-sentence")
    assert_at_word(page, fake, NIGHT)
    page.click("#prev-sentence")
    assert_at_word(page, fake, GULLS)
    page.click("#next-paragraph")
    assert_at_word(page, fake, WEATHER)
    page.click("#prev-paragraph")
    assert_at_word(page, fake, GULLS)
    page.click("#next-chapter")  # "Weather"
    assert_at_word(page, fake, WEATHER)
    assert said(page) == "Weather"
    page.click("#prev-chapter")
    assert_at_word(page, fake, 0)
    assert at_both_widths(page) == {}
    shoot(page, "listen-steps")

    # Playing, more than 1.5 s into a sentence: back goes to its start; pressed again at once,
    # to the sentence before.
    page.click(f'#result-text [data-word-index="{THE}"]')
    start = fake.words[THE]["start"]
    page.wait_for_function("t => Number(document.querySelector('#player-seek').value) > t", arg=start + 2.0)
    assert now_time(page) < fake.words[BOATS]["start"]  # still in that sentence
    page.focus("#job-title")
    page.keyboard.press(",")
    t = now_time(page)
    assert start - 0.01 <= t < start + 0.3, (t, start)
    assert lit_index(page) in (THE, THE + 1)
    page.keyboard.press(",")
    assert now_time(page) < fake.words[1]["start"]  # the heading, "Harbour news"
    assert lit_index(page) in (0, 1)
    pause(page)


def test_the_shortcuts_can_be_switched_off_and_stay_off(page, stack):
    sign_in(page, stack)
    fake = structured(stack)
    open_job(page, stack, fake)
    wait_ready(page)
    page.click("#shortcuts summary")
    switch = page.locator("#shortcuts-on")
    assert switch.is_checked()
    switch.uncheck()
    page.focus("#job-title")
    for key in (".", "]", "Space", "ArrowRight"):
        page.keyboard.press(key)
    assert lit_index(page) is None and now_time(page) == 0
    assert page.get_attribute("#play-button", "data-state") == "paused"
    page.click("#next-sentence")  # the buttons still work
    assert lit_index(page) == THE
    page.reload()
    wait_ready(page)
    assert not page.locator("#shortcuts-on").is_checked()  # remembered
    page.click("#shortcuts summary")
    page.check("#shortcuts-on")
    page.focus("#job-title")
    page.keyboard.press(".")
    assert lit_index(page) == THE


def test_the_results_own_sentences_are_the_steps(page, stack):
    """speech.sentences, when the result has them, decide where a sentence starts (the client's
    punctuation is only the fallback): a sentence the list leaves out is not a step."""
    sign_in(page, stack)
    fake = make_job(stack, [["Dr. Smith rang at nine.", "The ferry was late. Nobody minded."]], sentences=True)
    listed = fake.result["speech"]["sentences"]
    # (the fake's own segmenter splits after "Dr.": the list drops that sentence, as a good one would)
    assert [s["word"] for s in listed[:2]] == [0, 1]
    fake.result["speech"]["sentences"] = [listed[0], *listed[2:]]
    open_job(page, stack, fake)
    wait_ready(page)
    page.focus("#job-title")
    page.keyboard.press(".")
    assert_at_word(page, fake, 5)  # "The", not "Smith"
    page.keyboard.press(".")
    assert_at_word(page, fake, 9)  # "Nobody"
    page.keyboard.press(",")
    assert_at_word(page, fake, 5)


# ---- the Media Session ----------------------------------------------------------------------

CAPTURE_MEDIA_SESSION = """
window.__ms = {handlers: {}, positions: []};
const ms = navigator.mediaSession;
const set = ms.setActionHandler.bind(ms);
ms.setActionHandler = (action, handler) => { window.__ms.handlers[action] = handler; return set(action, handler); };
const position = ms.setPositionState.bind(ms);
ms.setPositionState = (state) => { window.__ms.positions.push(state); return position(state); };
"""


def invoke(page, action: str, details: dict | None = None) -> None:
    page.evaluate("([a, d]) => window.__ms.handlers[a]({action: a, ...(d || {})})", [action, details])


def metadata(page) -> dict | None:
    return page.evaluate("""() => { const m = navigator.mediaSession.metadata;
        return m && {title: m.title, artist: m.artist, album: m.album}; }""")


def test_media_session_handlers_are_registered_and_act(page, stack):
    page.add_init_script(CAPTURE_MEDIA_SESSION)
    sign_in(page, stack)
    fake = structured(stack)
    open_job(page, stack, fake)
    wait_ready(page)
    handlers = page.evaluate("Object.keys(window.__ms.handlers).filter(a => window.__ms.handlers[a])")
    assert set(handlers) >= {"play", "pause", "previoustrack", "nexttrack", "seekbackward", "seekforward", "seekto"}
    assert metadata(page) == {"title": "harbour-news.png", "artist": "PageVoice", "album": "Harbour news"}

    invoke(page, "play")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    invoke(page, "pause")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'")
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"

    invoke(page, "seekto", {"seekTime": fake.words[GULLS]["start"] + 0.3})
    assert now_time(page) == pytest.approx(fake.words[GULLS]["start"] + 0.3, abs=0.05)
    invoke(page, "nexttrack")  # a sentence on
    assert_at_word(page, fake, NIGHT)
    invoke(page, "previoustrack")  # a sentence back
    assert_at_word(page, fake, GULLS)
    # 10 s on into the chapter "Weather", and back.
    weather = fake.result["chapters"][1]["start"]
    total = fake.result["speech"]["seconds"]
    assert weather + 0.5 < total
    t = max(0.0, weather + 0.5 - 10)
    invoke(page, "seekto", {"seekTime": t})
    invoke(page, "seekforward")
    assert now_time(page) == pytest.approx(min(t + 10, total), abs=0.05)
    assert metadata(page)["album"] == "Weather"  # the chapter heard
    invoke(page, "seekbackward")
    assert now_time(page) == pytest.approx(t, abs=0.05)
    assert metadata(page)["album"] == "Harbour news"

    page.select_option("#player-speed", "2.5")
    last = page.evaluate("window.__ms.positions.at(-1)")
    assert last["playbackRate"] == 2.5
    assert last["duration"] == pytest.approx(fake.result["speech"]["seconds"], abs=0.05)
    assert last["position"] == pytest.approx(t, abs=0.05)
    page.select_option("#player-speed", "1")


# ---- speed ---------------------------------------------------------------------------------

def test_speeds_up_to_4x_with_words_per_minute_and_the_old_saved_speeds(page, stack, shoot):
    sign_in(page, stack)
    fake = structured(stack)
    page.evaluate("localStorage.setItem('pagevoice.speed', '1.25')")  # saved by the older list
    open_job(page, stack, fake)
    wait_ready(page)
    assert page.input_value("#player-speed") == "1.25"
    assert page.evaluate("document.querySelector('#result-audio').playbackRate") == 1.25
    options = page.eval_on_selector_all("#player-speed option", "els => els.map(e => e.value)")
    assert options[0] == "0.5" and options[-1] == "4" and "3.7" in options and len(options) == 37
    words = fake.words
    per_minute = len(words) / (words[-1]["end"] - words[0]["start"]) * 60

    def wpm() -> int:
        text = page.inner_text("#player-wpm")
        assert re.fullmatch(r"[\d,]+ words a minute", text), text
        return int(text.split()[0].replace(",", ""))

    assert wpm() == round(per_minute * 1.25)
    assert page.get_attribute("#player-speed", "aria-describedby") == "player-wpm"
    # By keyboard: the control is labelled "Speed"; End is 4x.
    assert page.locator("#player-speed").evaluate("e => e.labels[0].textContent") == "Speed"
    page.focus("#player-speed")
    page.keyboard.press("End")
    page.wait_for_function("() => document.querySelector('#player-speed').value === '4'")
    assert wpm() == round(per_minute * 4)
    rates = page.eval_on_selector_all("#player audio", "els => els.map(a => [a.playbackRate, a.preservesPitch])")
    assert rates == [[4, True], [4, True]]
    assert page.evaluate("localStorage.getItem('pagevoice.speed')") == "4"
    shoot(page, "listen-speed-4x")
    page.select_option("#player-speed", "1")


def heard_words(wav_bytes: bytes) -> list:
    """Whisper base's words (text, start, end) in a WAV: the judge of tests/engines/tts/test_timings.py."""
    from chalicelib.engines import asr
    with wave.open(io.BytesIO(wav_bytes)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    heard = asr.get_engine("whisper").transcribe(samples.astype(np.float32) / 32768.0, rate)
    return [w for seg in heard.segments for w in seg.words]


def norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


MAX_LEAD = 0.15  # seconds Whisper's word times may run early (tests/engines/tts/test_timings.py)
LIT_WITHIN_S = 0.35

SPOKEN_LINES = ["Please read the attached letter before Monday morning", "The meeting moved to room twelve on the third floor",
                "Doctor Smith will bring the new budget and the signed forms",
                "Call the front desk if you need help finding the building"]


def lit_frames(page) -> list[tuple[float, int | None]]:
    """Play the whole recording from the start, recording per animation frame (audio time, lit
    word) in the page. The recorder starts just after Play so that in each frame it runs after
    the player's own frame (which moves the highlight): started before, it would see each
    frame's highlight one frame late."""
    page.click("#play-button")
    page.evaluate("""() => {
        window.__frames = [];
        const step = () => {
            const audio = [...document.querySelectorAll('#player audio')].find(a => !a.paused);
            const lit = document.querySelector('#result-text [aria-current="true"]');
            if (audio) window.__frames.push([audio.currentTime, lit ? Number(lit.dataset.wordIndex) : null]);
            window.__raf = requestAnimationFrame(step);
        };
        window.__raf = requestAnimationFrame(step);
    }""")
    page.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'paused'", timeout=120_000)
    return [tuple(f) for f in page.evaluate("cancelAnimationFrame(window.__raf) || window.__frames")]


def test_at_4x_the_lit_word_is_the_word_heard_judged_by_whisper(page, stack):
    """At 4x the lit word is the word heard, however many frames this machine draws: the voice's
    timings are the words Whisper hears (within LIT_WITHIN_S), and in every frame drawn the lit
    word is the one those timings say is playing, at the audio time of that frame or of the one
    before (the player's frame read the time a moment earlier). (Was: each word's first lit
    frame within 0.35 s of Whisper's start, judged where frames came often enough, and enough of
    them: a busy machine draws fewer, and a CI run beside the stack tests failed at 0.51 s.)"""
    sign_in(page, stack)
    fake = make_job(stack, [SPOKEN_LINES], voice_timings=True)
    open_job(page, stack, fake)
    wait_ready(page)
    page.select_option("#player-speed", "4")
    frames = lit_frames(page)
    page.select_option("#player-speed", "1")
    written = " ".join(SPOKEN_LINES).split()
    starts = [w["start"] for w in fake.words]
    assert len(starts) == len(written) and starts == sorted(starts)

    # The voice's timings against what Whisper hears (no browser: the same at any load).
    heard = heard_words(requests.get(fake.outputs["speech.wav"], timeout=30).content)
    pairs, j = [], 0  # (written word, Whisper's start), matched by text in order
    for k, word in enumerate(norm(w) for w in written):
        for jj in range(j, min(j + 4, len(heard))):
            if norm(heard[jj].text) == word:
                j = jj + 1
                pairs.append((k, heard[jj].start))
                break
    assert len(pairs) >= 0.75 * len(written), (len(pairs), len(written))
    lead = float(np.median([starts[k] - h for k, h in pairs]))
    lead = min(MAX_LEAD, max(0.0, lead))
    timings = [starts[k] - (h + lead) for k, h in pairs]

    # The page: every frame's lit word is the word playing at its time.
    def playing(t: float) -> int:
        return bisect.bisect_right(starts, t) - 1

    wrong = [(t, lit, playing(before - 0.01), playing(t + 0.01))
             for (before, _), (t, lit) in zip([frames[0], *frames], frames)
             if lit is not None and not playing(before - 0.01) <= lit <= playing(t + 0.01)]
    lit = {index for _, index in frames if index is not None}
    print(f"\n4x: {len(frames)} frames, {len(lit)} of {len(written)} words lit, {len(pairs)} matched to Whisper's "
          f"(+{lead:.3f} s lead): the voice's timings median {np.median(timings):+.3f} s, worst "
          f"{max(abs(e) for e in timings):.3f} s; frames whose lit word is not the one playing: {len(wrong)}")
    assert max(abs(e) for e in timings) <= LIT_WITHIN_S, timings
    assert lit and not wrong, wrong[:10]


# ---- resume --------------------------------------------------------------------------------

def position_of(stack, token: str, job_id: str) -> dict | None:
    r = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json().get("position")


SIGN = ["HARBOUR MASTER OFFICE", "BOATS MUST REPORT ON ARRIVAL", "FUEL DOCK OPEN SIX TO NINE",
        "NO SWIMMING NEAR THE PIER"]


def test_resume_on_another_device_and_only_for_the_owner(page, stack, browser, tmp_path, shoot):
    from tests import images
    path = tmp_path / "harbour-sign.jpg"
    path.write_bytes(images.encode(images.text_image(SIGN, size=52, width=1100).image, "JPEG", quality=90))
    user = new_user()
    api_register(stack, user)
    login_ui(page, stack, user)
    token = token_of(page)
    page.set_input_files("#upload-input", str(path))
    page.wait_for_url(re.compile(r"#/jobs/[^/]+$"), timeout=60_000)
    job_id = page.url.rsplit("/", 1)[-1]
    page.wait_for_selector('#job-status[data-status="done"]', timeout=RESULT_TIMEOUT_MS)
    wait_ready(page)
    total = float(page.get_attribute("#player-seek", "max"))
    assert total > 5.0, total

    # Played to a point and paused: saved.
    page.click("#play-button")
    page.wait_for_function("t => Number(document.querySelector('#player-seek').value) > t", arg=total * 0.6)
    pause(page)
    paused_at = now_time(page)
    deadline = time.monotonic() + 10  # (a save made while playing, every 5 s, may be there first)
    while ((saved := position_of(stack, token, job_id)) is None or abs(saved["t"] - paused_at) >= 0.5) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert saved is not None and abs(saved["t"] - paused_at) < 0.5, (saved, paused_at)

    # Moved, then the page goes away (pagehide): the keepalive PUT still lands.
    page.evaluate("t => { const s = document.querySelector('#player-seek'); s.value = t; s.dispatchEvent(new Event('input')); }",
                  total * 0.3)
    moved_to = now_time(page)
    page.close()
    deadline = time.monotonic() + 10
    while abs(position_of(stack, token, job_id)["t"] - moved_to) > 0.1 and time.monotonic() < deadline:
        time.sleep(0.2)
    saved = position_of(stack, token, job_id)
    assert abs(saved["t"] - moved_to) <= 0.1, (saved, moved_to)

    # Another device (a new browser context), the same user: the job opens there, not playing.
    other = chromium.new_context(browser, viewport={"width": 1280, "height": 900})
    try:
        second = other.new_page()
        login_ui(second, stack, user)
        second.goto(url(stack, f"#/jobs/{job_id}"))
        wait_view(second, "job")
        wait_ready(second)
        second.wait_for_selector("#resume:not([hidden])")
        assert abs(now_time(second) - saved["t"]) < 1.0, (now_time(second), saved)
        minutes, seconds = divmod(int(saved["t"]), 60)
        assert second.inner_text("#resume-play") == f"Resume from {minutes}:{seconds:02d}"
        assert second.get_attribute("#play-button", "data-state") == "paused"
        assert at_both_widths(second) == {}
        shoot(second, "listen-resume")
        # By keyboard: Tab reaches "Resume from" (before Play), Enter plays from there.
        second.focus("#job-title")
        for _ in range(12):
            second.keyboard.press("Tab")
            if second.evaluate("document.activeElement.id") in ("resume-play", "play-button"):
                break
        assert second.evaluate("document.activeElement.id") == "resume-play"
        second.keyboard.press("Enter")
        second.wait_for_function("() => document.querySelector('#play-button').dataset.state === 'playing'")
        assert saved["t"] - 0.1 <= now_time(second) < saved["t"] + 1.0
        assert second.is_hidden("#resume")
        assert second.evaluate("document.activeElement.id") == "play-button"
        pause(second)
        # The real result's own sentences (speech.sentences) are the steps: "." lights the first
        # word of one of them.
        r = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
        sentences = r.json()["result"]["speech"].get("sentences")
        assert sentences, "the result has no speech.sentences"
        firsts = {(s["line"], s["word"]) for s in sentences}
        second.focus("#job-title")
        second.keyboard.press(",")
        second.keyboard.press(",")
        lit = second.evaluate("""() => { const w = document.querySelector('#result-text [aria-current="true"]');
            return [Number(w.dataset.lineIndex), Number(w.dataset.wordInLine)]; }""")
        assert tuple(lit) in firsts, (lit, sentences)
    finally:
        other.close()

    # Another user: 404 for their PUT and their GET, and the owner's position is unchanged.
    stranger = new_user()
    api_register(stack, stranger)
    r = requests.post(api(stack, "/auth/login"), json={"email": stranger["email"], "password": stranger["password"]},
                      timeout=30)
    assert r.status_code == 200, r.text
    their = r.json()["token"]
    r = requests.put(api(stack, f"/jobs/{job_id}/position"), json={"t": 1.0},
                     headers={"Authorization": f"Bearer {their}"}, timeout=30)
    assert r.status_code == 404, r.text
    r = requests.get(api(stack, f"/jobs/{job_id}"), headers={"Authorization": f"Bearer {their}"}, timeout=30)
    assert r.status_code == 404
    assert position_of(stack, token, job_id)["t"] != 1.0


def test_start_from_the_beginning_and_a_position_saved_while_playing(page, stack):
    """A fake job opened with a saved position: "Start from the beginning" goes to 0:00; playing
    saves every few seconds."""
    sign_in(page, stack)
    fake = structured(stack)
    fake.position = 6.4
    open_job(page, stack, fake)
    wait_ready(page)
    page.wait_for_selector("#resume:not([hidden])")
    assert now_time(page) == pytest.approx(6.4, abs=0.05)
    assert page.inner_text("#resume-text") == "You stopped at 0:06."
    lit = lit_index(page)
    assert lit is not None and fake.words[lit]["start"] <= 6.4 + 0.01  # the word heard there is lit
    page.click("#resume-restart")
    assert now_time(page) == 0 and page.is_hidden("#resume")
    assert page.evaluate("document.activeElement.id") == "play-button"
    before = len(fake.positions)
    page.click("#play-button")
    page.wait_for_timeout(5600)
    assert len(fake.positions) > before, fake.positions  # saved while playing
    assert 4.0 <= fake.positions[-1] <= now_time(page) + 0.05
    pause(page)


def test_a_recording_heard_to_its_end_is_not_offered_to_resume(page, stack):
    """A place saved at the end of a whole recording (listened to the end, as the dashboard's
    Continue listening counts it): the job opens at the beginning, with nothing to resume."""
    sign_in(page, stack)
    fake = structured(stack)
    total = fake.result["speech"]["seconds"]
    fake.position = total - 0.4
    open_job(page, stack, fake)
    wait_ready(page)
    page.wait_for_timeout(500)  # (the offer is made as soon as the player can seek)
    assert page.is_hidden("#resume") and now_time(page) == 0
    page.click("#play-button")
    page.wait_for_function("() => Number(document.querySelector('#player-seek').value) > 0.3")
    pause(page)
    assert now_time(page) < 2.0
