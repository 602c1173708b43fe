"""A language's voices are tried best first: a worker without RHVoice (its non-free voices not
installed) speaks Russian and Ukrainian with espeak-ng, and one without Kokoro's voice files
(not fetched) Spanish with SVOX Pico and Portuguese with espeak-ng; each says so."""
from __future__ import annotations

import pytest

from chalicelib.kinds import voice

SENTENCES = {"ru": "Все люди рождаются свободными.", "uk": "Усі люди народжуються вільними."}


@pytest.mark.parametrize("code, name", [("ru", "aleksandr-hq"), ("uk", "volodymyr")])
def test_rhvoice_speaks_where_it_is_installed(code, name):
    said = voice.speak(SENTENCES[code], language=code)
    assert said.wav and said.info["voice"] == {"id": f"rhvoice:{name}", "language": code, "engine": "rhvoice",
                                               "name": name, "quality": "standard"}


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_without_rhvoice_espeak_speaks_and_the_result_says_so(code, monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEVOICE_RHVOICE_BINARY", str(tmp_path / "RHVoice-test"))  # not installed
    said = voice.speak(SENTENCES[code], language=code)
    assert said.wav and said.info["engine"] == "espeak"
    assert said.info["voice"] == {"id": f"espeak:{code}", "language": code, "engine": "espeak", "name": code,
                                  "quality": "basic"}


def test_a_recording_without_rhvoice_is_spoken_and_read_along_in_espeak(monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEVOICE_RHVOICE_BINARY", str(tmp_path / "RHVoice-test"))
    text = SENTENCES["ru"]
    where = [[({"line": 0, "word": k}, len(w))] for k, w in enumerate(text.split())]
    take = voice.record(text, where=where, language="ru")
    assert take.parts and [p["voice"]["engine"] for p in take.info["parts"]] == ["espeak"]
    assert len(take.info["words"]) == len(where) and "timings" not in take.info["voice"]  # espeak-ng's own


KOKORO = {"es": ("Buenos días a todos.", "pico", "es-ES", "standard"),
          "pt": ("Bom dia a todos.", "espeak", "pt", "basic")}


@pytest.mark.parametrize("code", list(KOKORO))
def test_kokoro_speaks_where_its_voice_files_are_fetched(code):
    said = voice.speak(KOKORO[code][0], language=code)
    assert said.wav and said.info["voice"]["engine"] == "kokoro" and said.info["voice"]["quality"] == "neural"


@pytest.mark.parametrize("code", list(KOKORO))
def test_without_kokoros_voice_files_the_voice_before_it_speaks(code, monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEVOICE_KOKORO_VOICES_DIR", str(tmp_path))  # nothing fetched there
    text, engine, name, quality = KOKORO[code]
    said = voice.speak(text, language=code)
    assert said.wav and said.info["voice"] == {"id": f"{engine}:{name}", "language": code, "engine": engine,
                                               "name": name, "quality": quality}
