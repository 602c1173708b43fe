"""bench.math's material and scoring (issue 58): 40+ real formulas, each with its source and licence
and our expected speech, a held-out part; speech compared through Whisper's normaliser."""
from __future__ import annotations

from bench import math as bench_math


def test_the_fixture_holds_real_formulas_with_sources_licences_and_a_held_out_part():
    items = bench_math.formulas()
    assert len(items) >= 40 and len({i["id"] for i in items}) == len(items)
    for item in items:
        assert sum(k in item for k in ("mathml", "latex", "omml")) == 1 and item["expected"].strip()
        assert {"repo", "path", "commit", "licence"} <= set(item["source"])
    held = [i for i in items if bench_math.part(i) == "held out"]
    assert 10 <= len(held) < len(items) and {i["format"] for i in held} == {"epub"}
    second = [i for i in items if bench_math.part(i) == "held-out-2"]  # a source not used before
    assert len(second) >= 15 and all(i["held_out"] for i in second)
    assert not {i["source"]["repo"] for i in second} & {i["source"]["repo"] for i in items if i not in second}
    kinds = " ".join(i["expected"] for i in items)
    for said in ("fraction", "square root", "squared", "sum", "integral", "sub", "matrix", "if"):
        assert said in kinds  # fractions, roots, powers, sums and integrals, subscripts, matrices, text


def test_speech_is_compared_normalised():
    assert bench_math.wer("the square root of 2", "Square root of two.") == 0.0
    assert bench_math.wer("x equals 4", "x equals 5") == 1 / 3
    shares = bench_math.shares([{"expected": "x squared", "held_out": False}, {"expected": "a over b", "held_out": True}],
                               ["x squared", "the fraction with numerator b and denominator a"])
    assert shares["tuned"]["match"] == 1.0 and shares["held out"]["match"] == 0.0 and shares["all"]["match"] == 0.5
    second = {"expected": "x", "held_out": True, "part": "held-out-2"}
    assert list(bench_math.shares([second], ["x"])) == ["held-out-2", "all"]


def test_clearspeak_alternatives_are_one_canonical_form():
    # Fraction_General = Fraction_Over, nested too
    assert bench_math.wer("6 over n squared", "the fraction with numerator 6, and denominator n squared") == 0.0
    assert bench_math.wer("a over b over c", "the fraction with numerator a and denominator the fraction with "
                                               "numerator b and denominator c") == 0.0
    # Exponent_Ordinal = Exponent_Auto; "raised to the" = "to the"
    assert bench_math.wer("e to the x power", "e raised to the x-th power") == 0.0
    # Matrix_SpeakColNum = Matrix_SilentColNum
    assert bench_math.wer("row 1: bold i, bold j", "Row 1: Column 1, bold i; Column 2, bold j") == 0.0
    # the voice's "parenthesis" for ClearSpeak's "paren"
    assert bench_math.wer("open paren x close paren", "open parenthesis x close parenthesis") == 0.0
    # Paren_Silent = Paren_Auto around a function's argument (nested too), and a named function's "of"
    assert bench_math.wer("exp of negative x squared", "the exp of, open paren, negative x squared, close paren") == 0.0
    assert bench_math.wer("f of g of x plus 1", "f of, open paren, g of, open paren, x plus 1, close paren, close paren") == 0.0
    assert bench_math.wer("x sine phi", "x sine of phi") == 0.0
    # ...but a grouping's parentheses elsewhere count
    assert bench_math.wer("open paren 1 minus y close paren log p", "1 minus y log p") > 0.3
    # not a rule: a different reading stays different
    assert bench_math.wer("n choose k", "the 2 by 1 column matrix n k") > 0.5
    assert bench_math.wer("x squared", "x superscript 2") > 0


def test_what_whisper_writes_for_letters_and_minus_is_not_a_mishearing():
    assert bench_math.heard_wer("the integral of open paren 2 x plus 1 close paren d x",
                                "The integral of open parenthesis 2x plus 1 close parenthesis dx.") == 0
    assert bench_math.heard_wer("x sub i j to the alpha minus 1 power", "x sub ij to the alpha-1 power") == 0
    assert bench_math.heard_wer("x sub i j", "x sub ik") > 0.25  # a letter misheard still is
    assert bench_math.heard_wer("the head", "the h e a d") > 0  # and words are not letters
    assert bench_math.heard_wer("x to the n-th power plus one half plus x to the 10th power",
                                "x to the n-th power plus one-half plus x to the 10th power") == 0
