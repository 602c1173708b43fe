"""gTTS engine against a mocked Google endpoint (no network) that answers with real MP3s.

Each part's MP3 has its own length, so the WAV's duration equals their sum only if every
part was decoded: decoding the joined stream stops after the first part's Xing/Info header.
"""
from __future__ import annotations

import base64
import io
import json
import re
import urllib.parse

import numpy as np
import pytest
import requests
import responses
import soundfile as sf

from chalicelib.engines.tts import base, get_engine
from chalicelib.engines.tts.gtts_engine import GoogleTtsError, GttsConfig, GttsEngine
from chalicelib.errors import EngineUnavailable, PageVoiceError

URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
RATE = 24000  # what Google sends
TOLERANCE = 0.06  # seconds per part, for MP3 encoder delay and padding

LONG_TEXT = (
    "PageVoice reads the text in a photo and speaks it aloud. Google's service takes at most "
    "one hundred characters at a time, so gTTS cuts longer text into parts, first at "
    "punctuation and then between words. "
    "this line came from OCR without any punctuation at all and runs on well past the limit "
    "of a single request to the speech service. The last sentence is short."
)


def tone_mp3(seconds: float, rate: int = RATE, channels: int = 1, freq: float = 440.0) -> bytes:
    t = np.arange(int(round(seconds * rate))) / rate
    wave = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, np.repeat(wave[:, None], channels, axis=1), rate, format="MP3", subtype="MPEG_LAYER_III")
    return buf.getvalue()


def google_reply(mp3: bytes | None) -> str:
    """A batchexecute reply as Google sends it: the audio RPC's result is a JSON string."""
    result = None if mp3 is None else json.dumps([base64.b64encode(mp3).decode("ascii")])
    frame = json.dumps(["wrb.fr", "jQ1olc", result, None, None, None, "generic"], separators=(",", ":"))
    return ")]}'\n\n[" + frame + '\n,["di",27]\n,["af.httprm",27,"3172555329265361983",8]\n]'


def sent_part(request) -> list:
    """[text, lang, speed, "null"] from the f.req form field gTTS posts."""
    rpc = json.loads(urllib.parse.parse_qs(request.body)["f.req"][0])
    return json.loads(rpc[0][0][1])


@pytest.fixture
def google():
    """Answers each POST with a tone whose length depends on its position; records parts."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.parts, mock.seconds, mock.formats = [], [], []

        def answer(request):
            i = len(mock.parts)
            mock.parts.append(sent_part(request))
            seconds = 0.35 + 0.17 * i  # a different length for every part
            rate, channels = mock.formats[i] if i < len(mock.formats) else (RATE, 1)
            mock.seconds.append(seconds)
            return 200, {}, google_reply(tone_mp3(seconds, rate, channels, freq=300 + 60 * i))

        mock.add_callback(responses.POST, URL, callback=answer, content_type="application/json; charset=utf-8")
        yield mock


def test_registered():
    assert isinstance(get_engine("gtts"), GttsEngine)


def test_voice_is_the_language_google_speaks(google):
    engine = get_engine("gtts", GttsConfig(voice="fr"))
    assert engine.voice == "fr"
    audio = engine.synthesize("Bonjour à tous, la bibliothèque ouvre lundi.")
    assert [p[1] for p in google.parts] == ["fr"] and len(audio.samples)


def test_the_language_is_also_read_from_its_earlier_variable_name():
    """PAGEVOICE_GTTS_LANG was the setting's name: a deployment that set it keeps its language."""
    from chalicelib import settings

    def voice(environ):
        return settings.load(GttsConfig, GttsEngine.ENV_PREFIX, environ=environ).voice

    assert voice({}) == "en"
    assert voice({"PAGEVOICE_GTTS_LANG": "fr"}) == "fr"
    assert voice({"PAGEVOICE_GTTS_VOICE": "de", "PAGEVOICE_GTTS_LANG": "fr"}) == "de"  # the current name wins


def test_a_language_google_lacks_is_engine_unavailable():
    with responses.RequestsMock(), pytest.raises(EngineUnavailable, match="does not support the language 'xx'"):
        GttsEngine(GttsConfig(voice="xx")).synthesize("Hello.")  # refused before any request


def test_long_text_every_part_decoded(google):
    audio = GttsEngine().synthesize(LONG_TEXT)

    texts = [p[0] for p in google.parts]
    assert len(google.calls) == len(texts) >= 4
    assert all(0 < len(t) <= 100 for t in texts), texts
    assert all(p[1] == "en" for p in google.parts)
    # Parts cover the text in order (gTTS drops punctuation where it cuts).
    assert re.findall(r"\w+", " ".join(texts)) == re.findall(r"\w+", LONG_TEXT)

    wav = base.to_wav(audio)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert int.from_bytes(wav[20:22], "little") == 1  # PCM
    channels, width, rate, seconds = base.wav_info(wav)
    assert (channels, width, rate) == (1, 2, RATE)
    assert seconds == pytest.approx(sum(google.seconds), abs=TOLERANCE * len(texts))
    assert audio.samples.dtype == np.int16 and np.abs(audio.samples).max() > 3000


def test_parts_with_other_rates_and_channels_are_resampled(google):
    google.formats[:] = [(RATE, 1), (16000, 2), (44100, 1)]
    audio = GttsEngine().synthesize(LONG_TEXT)

    assert len(google.parts) >= 3
    assert audio.sample_rate == RATE and audio.samples.ndim == 1
    assert audio.seconds == pytest.approx(sum(google.seconds), abs=TOLERANCE * len(google.parts))


def test_offline_is_engine_unavailable():
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, body=requests.exceptions.ConnectionError("Name or service not known"))
        with pytest.raises(EngineUnavailable) as caught:
            GttsEngine().synthesize("Hello there.")
    assert "internet access to translate.google.com" in caught.value.message


def test_google_http_error_is_retryable():
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, status=500, body="Internal Server Error")
        with pytest.raises(GoogleTtsError) as caught:
            GttsEngine().synthesize("Hello there.")
    assert isinstance(caught.value, PageVoiceError) and caught.value.permanent is False
    assert "HTTP 500" in caught.value.message


def test_reply_without_audio_is_permanent():
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, body=google_reply(None))
        with pytest.raises(GoogleTtsError) as caught:
            GttsEngine().synthesize("Hello there.")
    assert caught.value.permanent is True


def test_nothing_to_say_sends_nothing():
    with responses.RequestsMock():  # any request would fail as unmatched
        for text in ("", "  \n", "... !?"):
            assert len(GttsEngine().synthesize(text).samples) == 0


def test_reply_missing_the_audio_rpc_is_not_a_silent_gap(google):
    # gTTS's stream() yields nothing for such a reply; the engine must notice the missing part.
    google.replace(responses.POST, URL, body=")]}'\n\n[[\"di\",27]\n]")
    with pytest.raises(GoogleTtsError, match="0 audio parts for 1 text parts"):
        GttsEngine().synthesize("Hello there.")


@pytest.mark.parametrize("garbage", [b"\x00" * 600, b"ID3\x04\x00\x00\x00\x00\x00\x00not audio at all", b"<html>nope</html>"])
def test_audio_that_cannot_be_decoded_is_an_error_not_silence(garbage):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, body=google_reply(garbage))
        with pytest.raises(GoogleTtsError, match="cannot be decoded"):
            GttsEngine().synthesize("Hello there.")
