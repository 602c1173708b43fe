"""Issue 76 part 1: a stray mark after a word is not a sentence end unless the image says so.

Real photos of signs and labels (tests/data/signs, sources and licences in its SOURCES.md), read
by the real default engine through the page job's own path (`pipeline.read`: decode, OCR, layout,
language, structure) and split into the sentences the voice speaks (`spoken.script`, then
`sentences.sentence_starts`, as `sentences.timed` does). On the "stray" photos the engine reads
a mark beside a word (a letter's dot, a bullet, a registered sign, a bolt head, a speck) as a full
stop: the word after it must not start a sentence. On the "real" photos a printed full stop ends
a sentence: the word after it must start one. On the "stray-read" photos (packaging photographed
in a shop, 348 px) the mark stands after a block's last word, where the voice ends the sentence
anyway (the spoken script closes each block): what is checked there is the engine's own reading
(`result["lines"]`), which must not carry the stop.

The rules' first limits (`stops.stray_stops`, `not_a_stop`) were set on the photos marked
`dev`; the ones marked `held` were first run after that and passed. Their stops were among those
measured when the limits were later widened, so they are no clean hold-out of the final limits
(bench/README.md, "A stray mark is not a sentence end unless the image says so").
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

SIGNS = Path(__file__).resolve().parents[2] / "data" / "signs"

# (file, the word read before the mark, the word after it, what the mark is, dev or held):
# "stray": no printed stop (a mark read as one): no stop is spoken there and, inside a block, the
#          next word starts no sentence;
# "end": a printed stop ending a sentence: kept, and the next word starts a sentence;
# "abbrev": a printed stop after an abbreviation: kept, and the next word starts no sentence;
# "kept": a printed stop: kept (what the segmenter then makes of "Ch." is not this rule's);
# "stray-read": no printed stop, at a block's end: the engine's reading of the word has no stop.
CASES = [
    ("hairdresser-sign.jpg", "SALONG", "heri", "stray", "dev"),  # the dot of the script "i" of "Cheri"
    ("book-page.jpg", "wundern", "Ihnen", "end", "dev"),
    ("insurance-sign.jpg", "LTD", "M", "end", "dev"),
    ("insurance-sign.jpg", "CO", "LTD", "abbrev", "dev"),
    ("homoeo-hall-sign.jpg", "Dr", "Balai", "abbrev", "dev"),
    ("homoeo-hall-sign.jpg", "S/o", "Dr", "abbrev", "dev"),
    ("homoeo-hall-lower-sign.jpg", "DR", "B.R", "abbrev", "dev"),  # issue 55's ink rule dropped these:
    ("homoeo-hall-lower-sign.jpg", "B.R", "KAR", "abbrev", "dev"),  # their ink 0.34-0.36, like each other
    ("insurance-wall.jpg", "M", "9436168050", "abbrev", "dev"),  # ink 0.0 to issue 55's rule, a blob a pen wide
    ("computer-learning-sign.jpg", "Bishalgarh", "DACAAA", "end", "held"),
    ("mistanna-sign.jpg", "Ch", "Saha", "kept", "held"),
    ("station-sign.jpg", "JN", "HEIGHT", "end", "held"),
    ("doctors-sign.jpg", "DR", "N.C", "abbrev", "held"),
    ("bank-sign.jpg", "Govt", "of", "abbrev", "held"),
    # Grocery Store Dataset photos (held): a registered sign, a glare-eaten letter, a dash ornament.
    ("tropicana-grapefruit-juice.jpg", "tropicana", "GOLDEN", "stray-read", "held"),  # the logo's registered sign
    pytest.param("tropicana-apple-juice.jpg", "Tropicana", "PRESSED", "stray-read", "held", marks=pytest.mark.xfail(
        strict=True, reason="the logo's registered sign read as a stop at the line's end: at 348 px it is a "
        "small blob on the baseline after the a, shaped and placed as a printed stop (not_a_stop passes it)")),
    pytest.param("oatghurt-carton.jpg", "ORIGIN", "LY!", "stray-read", "held", marks=pytest.mark.xfail(
        strict=True, reason="glare ate \"AL\" of \"ORIGINAL\": the foot of the L read as a stop at the line's "
        "end, pen under STOP_MARK_PEN: not judged")),
    pytest.param("yoghurt-carton.jpg", "dig", "MILD", "stray-read", "held", marks=pytest.mark.xfail(
        strict=True, reason="the dash ornament closing \"- Naturligt god for dig -\" read as a stop at the "
        "line's end, pen under STOP_MARK_PEN: not judged")),
]


def _bare(word: str) -> str:
    return re.sub(r"[^\w/:,.]", "", word).strip(".").casefold()


@pytest.fixture(scope="module")
def read():
    from chalicelib.kinds.page import pipeline
    from chalicelib.structure import sentences, spoken

    seen: dict[str, tuple] = {}

    def run(name: str):
        if name not in seen:
            result = pipeline.read((SIGNS / name).read_bytes())
            code = (result.get("language") or {}).get("code") or "en"
            script = spoken.script(result, code)
            spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", script.text)]
            engine = [w["text"] for line in result.get("lines") or [] for w in line.get("words") or []]
            seen[name] = (script.text, spans, sentences.sentence_starts(script.text, code, script.languages), engine)
        return seen[name]

    return run


def _id(case) -> str:
    c = case.values if hasattr(case, "values") else case
    return f"{c[4]}-{c[3]}-{c[0]}-{c[1]}"


@pytest.mark.parametrize("name, before, after, kind, part", CASES, ids=[_id(c) for c in CASES])
def test_a_stop_ends_a_sentence_only_where_the_photo_prints_one(read, name, before, after, kind, part):
    text, spans, starts, engine = read(name)
    if kind == "stray-read":
        pairs = [k for k in range(len(engine) - 1)
                 if _bare(engine[k]) == _bare(before) and _bare(engine[k + 1]) == _bare(after)]
        assert pairs, (f"{before!r} then {after!r} not read", engine)
        assert not engine[pairs[0]].endswith("."), engine
        return
    words = [text[a:b] for a, b in spans]
    pairs = [k for k in range(len(words) - 1)
             if _bare(words[k]) == _bare(before) and _bare(words[k + 1]) == _bare(after)]
    assert pairs, (f"{before!r} then {after!r} not read", text)
    k = pairs[0]
    between = text[spans[k][1]:spans[k + 1][0]]
    if kind == "stray":
        assert not words[k].endswith("."), text
        assert k + 1 not in starts or "\n\n" in between, (words[k:k + 2], text)  # a block's own start
    else:
        assert words[k].endswith("."), text
        if kind == "end":
            assert k + 1 in starts, (words[k:k + 2], text)
        elif kind == "abbrev":
            assert k + 1 not in starts, (words[k:k + 2], text)
