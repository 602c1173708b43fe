"""A formula in the spoken script (issue 58): said with its words inside its sentence, each of them
the formula's word, so the recording lights the formula once, from its first word to its last, and
the sentence steps keep it in its sentence."""
from __future__ import annotations

from chalicelib.engines import math
from chalicelib.kinds import voice
from chalicelib.structure import sentences, spoken

SAID = "x equals the fraction with numerator negative b plus or minus the square root of b squared minus 4 a c " \
       "and denominator 2 a"


def result() -> dict:
    words = [{"text": w, "confidence": 1.0, "box": None} for w in ["The", "roots", "are"]]
    text = r"x=\frac{-b±\sqrt{b^2-4ac}}{2a},"
    words.append({"text": text, "confidence": 1.0, "box": None,
                  "formula": {"mathml": "<math/>", "span": [0, len(text) - 1], "spoken": SAID}})
    words += [{"text": w, "confidence": 1.0, "box": None} for w in ["as", "every", "student", "knows.", "Then", "we", "stop."]]
    line = {"text": " ".join(w["text"] for w in words), "confidence": 1.0, "box": None, "words": words}
    page = {"width": None, "height": None, "lines": [line], "language": {"code": "en"},
            "blocks": [{"role": "paragraph", "lines": [0], "spoken": True}]}
    return {"pages": [page], "flow": True}


def test_the_script_says_the_formulas_words_each_the_formulas_word():
    script = spoken.script(result(), "en")
    assert script.text == f"The roots are {math.voiced(SAID, 'en')}, as every student knows. Then we stop."
    assert "4 eh c and denominator 2 eh," in script.text  # the variable a said as its letter (math.voiced)
    assert len(script.where) == len(script.text.split())
    said = [k for k, names in enumerate(script.where) if names and names[0][0]["word"] == 3]
    assert len(said) == len(SAID.split()) and said == list(range(3, 3 + len(said)))
    # the formula stays inside its sentence: two sentences, the second starting at "Then"
    starts = sentences.sentence_starts(script.text, "en")
    assert [script.text.split()[k] for k in starts] == ["The", "Then"]


def test_a_letter_is_said_as_a_letter_only_inside_a_formula():
    r = result()
    words = r["pages"][0]["lines"][0]["words"]
    words[0]["text"] = "A"  # "A roots are ...": the article stays the article
    r["pages"][0]["lines"][0]["text"] = " ".join(w["text"] for w in words)
    text = spoken.script(r, "en").text
    assert text.startswith("A roots are x equals") and " eh " in text and " a " not in text
    alt = words[3]["formula"]
    alt.pop("mathml")
    alt["spoken"] = "a formula"  # a PDF's alt text, a person's words, is said as written
    assert "are a formula," in spoken.script(r, "en").text
    r = result()
    r["pages"][0]["language"] = {"code": "de"}
    r["pages"][0]["lines"][0]["words"][3]["formula"]["spoken"] = "a hoch 2"
    assert "a hoch 2" in spoken.script(r, "en").text  # German says "a" as its letter


def test_a_formula_without_words_is_said_formula():
    r = result()
    f = r["pages"][0]["lines"][0]["words"][3]["formula"]
    del f["spoken"]
    assert "The roots are formula, as every" in spoken.script(r, "en").text


def test_the_recording_lights_the_formula_once_from_its_first_word_to_its_last():
    script = spoken.script(result(), "en")
    take = voice.record(script.text, where=script.where, language="en", tts_engine="espeak")
    words = take.info["words"]
    lit = [w for w in words if w["word"] == 3]
    assert len(lit) == 1, "one timing for the formula"
    before = next(w for w in words if w["word"] == 2)
    after = next(w for w in words if w["word"] == 4)
    assert before["end"] <= lit[0]["start"] < lit[0]["end"] <= after["start"]
    assert lit[0]["end"] - lit[0]["start"] > 3.0  # the whole formula's words, not one of them
    assert [s["word"] for s in take.info["sentences"]] == [0, 8]
