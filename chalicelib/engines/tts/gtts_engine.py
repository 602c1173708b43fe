"""gTTS: Google Translate's text-to-speech (needs internet access), decoded to one mono WAV.

gTTS cuts the text into parts of <= 100 characters and gets one MP3 per part. Every part
carries its own Xing/Info header, so a decoder given the joined stream stops after the first
part: decode each part on its own and join the samples.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.tts.base import Audio, concat
from chalicelib.errors import EngineUnavailable, PageVoiceError
from chalicelib.plugins import dist_version
from chalicelib.settings import setting

GOOGLE_RATE = 24000  # what Google sends; only used when there is nothing to decode


class GoogleTtsError(PageVoiceError):
    """Google answered, but not with audio (5xx, throttled, changed API). Worth retrying."""
    code = "tts_upstream_error"
    status = 502
    permanent = False


@dataclass(frozen=True)
class GttsConfig:
    # The language: an IETF tag Google accepts, e.g. en, fr, zh-TW. PAGEVOICE_GTTS_LANG is its
    # earlier name, still read so that a deployment that set it keeps its language.
    voice: str = setting("en", env=("PAGEVOICE_GTTS_VOICE", "PAGEVOICE_GTTS_LANG"))
    tld: str = "com"  # translate.google.<tld> (accent, or a reachable host)
    timeout_seconds: int = 15  # per request; gTTS's default waits forever


class GttsEngine:
    name = "gtts"
    Config = GttsConfig
    ENV_PREFIX = "PAGEVOICE_GTTS_"

    def __init__(self, config: GttsConfig | None = None) -> None:
        import gtts  # noqa: F401  (an ImportError here becomes EngineUnavailable in plugins)

        self.cfg = config or GttsConfig()
        self.voice = self.cfg.voice
        self.version = dist_version("gTTS")

    def synthesize(self, text: str) -> Audio:
        import av
        from gtts import gTTS, gTTSError

        cfg = self.cfg
        if not text.strip():
            return _silence()
        try:
            tts = gTTS(text, lang=cfg.voice, tld=cfg.tld,
                       timeout=max(1, cfg.timeout_seconds))
        except ValueError as exc:  # lang_check: the tag is not one Google speaks
            raise EngineUnavailable(
                f"gTTS does not support the language '{cfg.voice}' (PAGEVOICE_GTTS_VOICE).") from exc
        try:
            expected = len(tts.get_bodies())  # one request, and one MP3, per text part
        except AssertionError:  # only punctuation: gTTS has nothing to send
            expected = 0
        if not expected:
            return _silence()

        host = f"translate.google.{cfg.tld}"
        try:
            mp3s = list(tts.stream())  # one base64-decoded MP3 per part, in order
        except gTTSError as exc:
            if exc.rsp is None:  # connection refused, DNS, timeout: no answer at all
                cause = exc.__context__ or exc
                raise EngineUnavailable(
                    f"gTTS needs internet access to {host}, which could not be reached "
                    f"({type(cause).__name__}). Use the piper engine to work offline.") from exc
            status = exc.rsp.status_code
            if status < 400:  # a 200 without audio (language refused, API changed): retrying won't help
                err = GoogleTtsError(f"Google's speech service at {host} answered without audio "
                                     f"for language '{cfg.voice}'.", upstream_status=status)
                err.permanent = True
            else:
                err = GoogleTtsError(f"Google's speech service at {host} refused the request "
                                     f"(HTTP {status}); try again later.", upstream_status=status)
            raise err from exc

        # stream() silently yields nothing for a reply without the audio RPC: count, so a
        # part can never go missing from the speech.
        if len(mp3s) != expected:
            raise GoogleTtsError(
                f"Google's speech service returned {len(mp3s)} audio parts for {expected} text parts.")
        try:
            return concat(_decode_all(mp3s), gap_seconds=0.0)  # Google pads each part already
        except (av.FFmpegError, IndexError) as exc:  # IndexError: no audio stream or frames in it
            raise GoogleTtsError(f"Google's speech service sent audio that cannot be decoded ({exc}).") from exc


def _decode_all(mp3s: list[bytes]) -> list[Audio]:
    """Each MP3 on its own (PyAV's FFmpeg), all at the first part's rate, mono int16."""
    import av

    rate, out = None, []
    for data in mp3s:
        with av.open(io.BytesIO(data), format="mp3") as container:
            stream = container.streams.audio[0]
            rate = rate or stream.rate
            # Converts channels and resamples, so parts that differ still join.
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            frames = [f for frame in container.decode(stream) for f in resampler.resample(frame)]
            frames += resampler.resample(None)
        if not frames:
            raise IndexError("no audio frames")  # a part without sound would be a silent gap
        out.append(Audio(np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.int16), rate))
    return out


def _silence() -> Audio:
    return Audio(np.zeros(0, dtype=np.int16), GOOGLE_RATE)
