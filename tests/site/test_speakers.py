"""Who spoke (issue 78, CONTRACTS section 17) in a real Chromium: a recording of two voices taking
turns (tests/two_voices.py) shows each turn under its speaker's heading, steps by turn, Speaker 2
renamed "Ada" through the "Speakers" list (PATCH /jobs/{id}/speakers) and named at once in the
transcript and in the .vtt / .srt / .txt made in the browser; axe-core finds nothing at 1280x800
and 360x740.

`test_two_voices_on_the_stack` uploads the recording to the real local stack and waits for its
diarized transcript. The other tests serve a hand-made answer of the same recording (the real
WAV, its lines at their real times, labelled as they were spoken) and a PATCH that keeps what
it is sent, as tests/site/fakejob.py does for the page kind: the view's behaviours without the
models' time.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.site.axe import at_both_widths
from tests.site.fakejob import Store, cors_headers
from tests.site.test_site import fetch_job, open_fake_job, token_of, upload_and_wait

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(900)]

SIZES = ({"width": 1280, "height": 800}, {"width": 360, "height": 740})
TURNS = '[data-testid="speaker-turn"]'
NAME_MAX = 80


def recording():
    from tests.two_voices import recording as made
    return made()


def expected_labels() -> list[str]:
    """The turns' speakers as the view names them before any rename: the first voice heard is S1."""
    return [f"Speaker {who + 1}" for _, _, who in recording().turns]


# ---- a hand-made speech job ----------------------------------------------------------------

def speech_result(with_speakers: bool = True) -> dict:
    """A speech result (CONTRACTS sections 9 and 17) of tests/two_voices.py: a segment per line at
    the time it is said, its words spread over it by their lengths; speakers labelled as spoken."""
    from tests.two_voices import LINES
    made = recording()
    segments, seconds = [], {}
    for line, (start, end, who) in zip(LINES, made.turns):
        label = f"S{who + 1}"
        texts = line.split()
        weights = [len(t) + 1 for t in texts]
        words, at = [], start
        for text, weight in zip(texts, weights):
            span = (end - start) * weight / sum(weights)
            words.append({"text": text, "start": round(at, 3), "end": round(at + span * 0.9, 3), "confidence": 0.95,
                          "speaker": label})
            at += span
        segments.append({"start": start, "end": end, "text": line, "words": words, "speaker": label})
        seconds[label] = seconds.get(label, 0.0) + end - start
    result = {"schema": 1, "kind": "speech", "engine": "whisper", "engine_version": "test", "language": "en",
              "duration_s": round(made.seconds, 3), "text": " ".join(LINES), "segments": segments,
              "keyword": None, "timings_ms": {"decode": 1, "asr": 1}}
    if with_speakers:
        result["speakers"] = [{"id": k, "name": None, "seconds": round(v, 1)} for k, v in seconds.items()]
    else:  # one voice: no labels anywhere
        for s in segments:
            del s["speaker"]
            for w in s["words"]:
                del w["speaker"]
    return result


@dataclass
class FakeSpeech:
    """A done speech job served to the page: GET /jobs/{id}, and PATCH /jobs/{id}/speakers keeping
    the names sent (400 with a sentence for an unknown label, a bad name, or one starting "#",
    which this fake refuses to show a server's refusal)."""
    stack: object
    with_speakers: bool = True
    job_id: str = field(default_factory=lambda: f"01FAKE{uuid.uuid4().hex[:20].upper()}")
    speaker_names: dict = field(default_factory=dict)
    patches: list = field(default_factory=list)

    def __post_init__(self):
        self.result = speech_result(self.with_speakers)
        self.audio_url = Store(self.stack).put("meeting.wav", recording().wav, "audio/wav")

    def answer(self) -> dict:
        result = json.loads(json.dumps(self.result))
        for s in result.get("speakers", []):
            s["name"] = self.speaker_names.get(s["id"])
        return {"job_id": self.job_id, "kind": "speech", "status": "done", "filename": "meeting.wav",
                "content_type": "audio/wav", "size": len(recording().wav), "created_at": "2026-11-29T09:00:00Z",
                "updated_at": "2026-11-29T09:00:30Z", "error": None, "timings_ms": None, "summary": None,
                "result": result, "audio_url": None, "outputs": {}, "image_url": self.audio_url,
                "speaker_names": dict(self.speaker_names)}

    def rename(self, body: dict) -> tuple[int, dict]:
        known = {s["id"] for s in self.result.get("speakers", [])}
        for label, name in body.items():
            if label not in known:
                return 400, {"message": f"There is no speaker {label} in this recording."}
            if name is not None and (not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX):
                return 400, {"message": f"A name is 1 to {NAME_MAX} characters of text."}
            if isinstance(name, str) and name.startswith("#"):
                return 400, {"message": "That name cannot be used."}
        for label, name in body.items():
            if name is None:
                self.speaker_names.pop(label, None)
            else:
                self.speaker_names[label] = name.strip()
        answer = self.answer()
        return 200, {"speakers": answer["result"]["speakers"], "speaker_names": answer["speaker_names"]}

    def serve(self, page, site_origin: str) -> None:
        cors = cors_headers(site_origin, "GET,PATCH,DELETE,OPTIONS")

        def job(route):
            if route.request.method == "OPTIONS":
                route.fulfill(status=200, headers=cors, body="")
                return
            route.fulfill(status=200, headers={**cors, "Content-Type": "application/json"},
                          body=json.dumps(self.answer()))

        def speakers(route):
            if route.request.method == "OPTIONS":
                route.fulfill(status=200, headers=cors, body="")
                return
            body = json.loads(route.request.post_data or "{}")
            self.patches.append(body)
            status, answer = self.rename(body)
            route.fulfill(status=status, headers={**cors, "Content-Type": "application/json"}, body=json.dumps(answer))

        page.route(re.compile(rf".*/jobs/{re.escape(self.job_id)}$"), job)
        page.route(re.compile(rf".*/jobs/{re.escape(self.job_id)}/speakers$"), speakers)


# ---- what the tests read and do ------------------------------------------------------------

def turn_names(page) -> list[str]:
    return page.eval_on_selector_all(f"{TURNS} .speaker-name", "els => els.map(e => e.textContent.trim())")


def turn_starts(page) -> list[float]:
    return [float(s) for s in page.eval_on_selector_all(TURNS, "els => els.map(e => e.dataset.start)")]


def read_download(page, testid: str) -> str:
    with page.expect_download() as info:
        page.click(f'[data-testid="{testid}"]')
    return Path(info.value.path()).read_text(encoding="utf-8")


def rename(page, label: str, name: str) -> None:
    """Types `name` in speaker `label`'s field and presses its Rename button (as a person does)."""
    row = page.locator(f'[data-testid="speaker-item"][data-speaker="{label}"]')
    row.get_by_role("textbox", name=f"Name for Speaker {label[1:]}").fill(name)
    row.get_by_role("button", name=f"Rename Speaker {label[1:]}").click()


def renamed_everywhere(page, labels: list[str], name: str) -> None:
    """Speaker 2 is `name` in the transcript's headings and the list, and Speaker 1 still Speaker 1;
    the .vtt, .srt and .txt made now name them so."""
    want = [name if label == "Speaker 2" else label for label in labels]
    page.wait_for_function("([sel, want]) => JSON.stringify([...document.querySelectorAll(sel)].map(e => "
                           "e.textContent.trim())) === JSON.stringify(want)", arg=[f"{TURNS} .speaker-name", want])
    item = page.locator('[data-testid="speaker-item"][data-speaker="S2"] .speaker-name')
    assert item.inner_text().strip() == name
    vtt = read_download(page, "download-vtt")
    assert f"<v {name}>" in vtt and "<v Speaker 1>" in vtt, vtt
    assert "<v Speaker 2>" not in vtt
    srt = read_download(page, "download-srt")
    assert re.search(rf"^{re.escape(name)}: ", srt, re.M) and re.search(r"^Speaker 1: ", srt, re.M), srt
    txt = read_download(page, "download-txt")
    assert f"{name}: " in txt and txt.startswith("Speaker 1: "), txt
    firsts = [line.split(": ", 1)[0] for line in txt.splitlines()]
    assert firsts == want, txt  # a line per turn, each starting with its speaker


# ---- the real stack --------------------------------------------------------------------------

def test_two_voices_on_the_stack(page, stack, tmp_path):
    from tests.site.test_kinds import sign_in_and_choose

    path = tmp_path / "meeting.wav"
    path.write_bytes(recording().wav)
    sign_in_and_choose(page, stack, "speech", "Recording")
    # Transcribed and diarized by the stack's worker: the wait only stops a hung run.
    job_id = upload_and_wait(page, path, patience_ms=600_000)
    job = fetch_job(stack, token_of(page), job_id)
    assert [s["id"] for s in job["result"].get("speakers", [])] == ["S1", "S2"], job["result"].get("speakers")

    labels = expected_labels()
    page.wait_for_selector(TURNS)
    assert turn_names(page) == labels
    for shown, (start, _, _) in zip(turn_starts(page), recording().turns):
        assert abs(shown - start) < 1.0, (shown, start)
    assert page.get_by_role("heading", name=re.compile(r"^Speaker 2, 0:\d\d$")).count() == labels.count("Speaker 2")
    assert page.locator('[data-testid="speaker-item"]').count() == 2

    rename(page, "S2", "Ada")
    renamed_everywhere(page, labels, "Ada")
    assert fetch_job(stack, token_of(page), job_id).get("speaker_names") == {"S2": "Ada"}
    page.reload()  # the name is the API's now: shown as such on a new visit
    page.wait_for_selector('#job-status[data-status="done"]')
    page.wait_for_selector(TURNS)
    assert turn_names(page) == ["Ada" if label == "Speaker 2" else label for label in labels]
    assert at_both_widths(page, within=()) == {}


# ---- a hand-made answer: the view's behaviours ----------------------------------------------

def test_turns_steps_rename_and_exports(page, stack, shoot):
    fake = FakeSpeech(stack)
    open_fake_job(page, stack, fake)
    labels = expected_labels()
    page.wait_for_selector(TURNS)

    # Each turn under its speaker's heading (h3, named "Speaker 2, 0:05"), coloured by speaker.
    assert turn_names(page) == labels
    assert turn_starts(page) == [start for start, _, _ in recording().turns]
    headings = page.get_by_role("heading", level=3, name=re.compile(r"^Speaker [12], 0:\d\d$"))
    assert headings.count() == len(labels)
    colours = page.eval_on_selector_all(TURNS, "els => els.map(e => getComputedStyle(e).color)")
    assert colours[0] != colours[1] and colours[0] == colours[2]
    assert page.locator(".transcript-segment.is-turn").count() == len(labels)

    # Steps by turn: from the start, the first turn then the second, each from its first word,
    # who speaks said; back within a moment of a turn's start: the turn before.
    page.evaluate("() => { document.querySelector('#speech-audio').muted = true; }")
    assert page.is_visible('[data-testid="speech-next-turn"]')
    firsts = page.eval_on_selector_all(".transcript-segment.is-turn", "ps => ps.map(p => "
                                       "Number(p.querySelector('[data-testid=transcript-word]').dataset.start))")
    for turn, said in ((0, r"^Speaker 1, 0:00$"), (1, r"^Speaker 2, 0:0\d$")):
        page.click('[data-testid="speech-next-turn"]')
        page.wait_for_function("s => Math.abs(document.querySelector('#speech-audio').currentTime - s) < 0.6",
                               arg=firsts[turn], timeout=15_000)
        page.evaluate("() => document.querySelector('#speech-audio').pause()")
        page.wait_for_function("re => new RegExp(re).test(document.querySelector('#announcer').textContent)", arg=said)
    page.click('[data-testid="speech-prev-turn"]')
    page.wait_for_function("s => Math.abs(document.querySelector('#speech-audio').currentTime - s) < 0.6",
                           arg=firsts[0], timeout=15_000)
    page.evaluate("() => document.querySelector('#speech-audio').pause()")

    # The Speakers list: a row each with the time spoken; a name refused in the page, then by the API.
    rows = page.locator('[data-testid="speaker-item"]')
    assert rows.count() == 2 and "spoke for" in rows.nth(1).inner_text()
    rename(page, "S1", "x" * (NAME_MAX + 1))
    error = page.locator("#speaker-name-S1-error")
    assert "at most 80 characters" in error.inner_text()
    assert page.get_attribute("#speaker-name-S1", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "speaker-name-S1"
    assert fake.patches == []
    rename(page, "S1", "#hash")
    page.wait_for_function("() => document.querySelector('#speaker-name-S1-error').textContent.includes('cannot be used')")
    assert fake.patches == [{"S1": "#hash"}] and turn_names(page) == labels
    page.fill("#speaker-name-S1", "")
    assert error.inner_text() == ""  # gone as the name is typed again

    # Renamed: everywhere at once, said, and in the files made after.
    rename(page, "S2", "  Ada  ")
    renamed_everywhere(page, labels, "Ada")
    assert fake.patches[-1] == {"S2": "Ada"}
    page.wait_for_function("() => document.querySelector('#announcer').textContent === 'Speaker 2 is now called Ada.'")
    assert page.get_by_role("heading", level=3, name=re.compile(r"^Ada, 0:\d\d$")).count() == labels.count("Speaker 2")

    # A name with WebVTT's markup characters is escaped in the voice tag.
    rename(page, "S1", "Bob <The> & Co")
    page.wait_for_function("() => document.querySelector('#announcer').textContent.includes('Bob <The> & Co')")
    vtt = read_download(page, "download-vtt")
    assert "<v Bob &lt;The&gt; &amp; Co>" in vtt and "<v Ada>" in vtt, vtt
    # An emptied field clears the name: Speaker 1 again.
    rename(page, "S1", "")
    page.wait_for_function("() => document.querySelector('#announcer').textContent.endsWith('Speaker 1 again.')")
    assert fake.patches[-1] == {"S1": None} and turn_names(page)[0] == "Speaker 1"
    shoot(page, "job-speech-speakers")
    assert at_both_widths(page, within=()) == {}


def test_a_recording_of_one_voice_shows_no_speakers(page, stack):
    fake = FakeSpeech(stack, with_speakers=False)
    open_fake_job(page, stack, fake)
    page.wait_for_selector('[data-testid="transcript-word"]')
    assert page.locator(TURNS).count() == 0 and page.locator(".transcript-segment.is-turn").count() == 0
    assert page.is_hidden("#speakers")
    assert page.is_hidden('[data-testid="speech-next-turn"]') and page.is_hidden('[data-testid="speech-prev-turn"]')
    vtt = read_download(page, "download-vtt")
    assert "<v " not in vtt and vtt.startswith("WEBVTT\n\n1\n")
    txt = read_download(page, "download-txt")
    assert txt.splitlines()[0] == "Good morning, and welcome to the weekly planning meeting."


def test_a_word_the_other_speaker_said_is_tagged_and_its_cue_split(page, stack):
    """A segment's word labelled with the other speaker (diarization's word labels win for words):
    tagged "Speaker 2:" where it is, and the subtitles' cue split there; the turns stay the segments'."""
    fake = FakeSpeech(stack)
    first = fake.result["segments"][0]
    first["words"][-1]["speaker"] = "S2"  # "meeting." heard in the second voice
    open_fake_job(page, stack, fake)
    page.wait_for_selector(TURNS)
    assert turn_names(page) == expected_labels()
    tags = page.locator('[data-testid="speaker-inline"]')
    assert tags.count() == 1 and tags.first.inner_text().strip() == "Speaker 2:"
    word = page.locator('[data-testid="transcript-word"][data-speaker="S2"]').first
    assert word.inner_text() == "meeting."
    vtt = read_download(page, "download-vtt")
    cues = [c.split("\n")[-1] for c in vtt.strip().split("\n\n")[1:]]
    assert cues[:3] == ["<v Speaker 1>Good morning, and welcome to the weekly planning", "<v Speaker 2>meeting.",
                        "<v Speaker 2>Thank you. I have three things to report about the garden project."], vtt
    rename(page, "S2", "Ada")
    page.wait_for_function("() => document.querySelector('[data-testid=speaker-inline]').textContent === 'Ada:'")
