"""Sentences (issue 40, CONTRACTS section 14): the segmenter's hard cases, the spoken script's
structure (a heading, a list item, a table cell is a sentence of its own), the mapping onto the
recording's word timings, documents' pages, a recording continued by a later invocation, and a
real voice's recording of a page."""
from __future__ import annotations

import pytest

from chalicelib.kinds import voice
from chalicelib.kinds.base import Resume
from chalicelib.kinds.common import check_text_result
from chalicelib.kinds.page import pipeline
from chalicelib.structure import sentences, spoken
from tests.structure.pages import line


def said(text: str, language: str = "en") -> list[str]:
    return [text[a:b] for a, b in sentences.split(text, language)]


@pytest.mark.parametrize("text, want", [
    ("Dr. Adams saw the patient at 9 a.m. on Monday. She was fine.",
     ["Dr. Adams saw the patient at 9 a.m. on Monday.", "She was fine."]),
    ("Bring fruit, e.g. apples or pears. Do not bring nuts.", ["Bring fruit, e.g. apples or pears.", "Do not bring nuts."]),
    ("I visited the U.S.A. last year. It was hot.", ["I visited the U.S.A. last year.", "It was hot."]),
    ("Prices rose by 3.5 per cent. They fell by 0.25 per cent.", ["Prices rose by 3.5 per cent.", "They fell by 0.25 per cent."]),
    ("It was written by J. R. R. Tolkien in 1937. It sold well.",
     ["It was written by J. R. R. Tolkien in 1937.", "It sold well."]),
    ("1. Open the box. 2. Take out the cable.", ["1. Open the box.", "2. Take out the cable."]),
    ("a. The first item b. The second item", ["a. The first item", "b. The second item"]),  # a list on one line
    ("Turn to p. 55. Then read on.", ["Turn to p. 55.", "Then read on."]),
    ('"Where are you going?" she asked. "Home," he said.', ['"Where are you going?" she asked.', '"Home," he said.']),
    ("It was late… The streets were empty.", ["It was late…", "The streets were empty."]),
    ("The train leaves at 10.45 and arrives at 12:30. Be on time.",
     ["The train leaves at 10.45 and arrives at 12:30.", "Be on time."]),
    ("The form is at https://example.org/forms/a.pdf. Send it back.",
     ["The form is at https://example.org/forms/a.pdf.", "Send it back."]),
    ("The patient\nwas given 5 mg twice a day. No side effects\nwere seen.",  # lines as OCR gives them
     ["The patient\nwas given 5 mg twice a day.", "No side effects\nwere seen."]),
    ("Is it true?! I cannot believe it.", ["Is it true?!", "I cannot believe it."]),
    ("– Che fai? – mia moglie mi domandò.", ["– Che fai? – mia moglie mi domandò."]),
])
def test_the_segmenter_knows_abbreviations_decimals_initials_lists_quotes_and_lines(text, want):
    assert said(text) == want


def test_the_segmenter_reads_other_languages_by_their_rules():
    assert said("Wir brauchen Getränke, z. B. Wasser. Dann gehen wir.", "de") == [
        "Wir brauchen Getränke, z. B. Wasser.", "Dann gehen wir."]
    assert said("Funde aus dem 1. -3. Jahrhundert. Das war 1938. Es regnete.", "de") == [  # ordinals
        "Funde aus dem 1. -3. Jahrhundert.", "Das war 1938.", "Es regnete."]
    assert said("Il est venu. Elle est partie.", "fr") == ["Il est venu.", "Elle est partie."]
    assert said("你好。我很好。", "zh") == ["你好。", "我很好。"]
    assert said("Hello there. Fine.", "xx") == ["Hello there.", "Fine."]  # a language it does not know
    assert said("", "en") == [] and said("   \n", "en") == []


def test_quotes_and_glued_marks_stay_on_their_side_of_a_cut():
    assert said('He said: "It is stable." Meanwhile, she left. "Let us go," she added.') == [
        'He said: "It is stable."', "Meanwhile, she left.", '"Let us go," she added.']
    assert said('ד"ר כהן אמר: "מצב יציב." בינתיים, האחות ציינה. "בואו נמשיך," היא הוסיפה.', "he") == [
        'ד"ר כהן אמר: "מצב יציב."', "בינתיים, האחות ציינה.", '"בואו נמשיך," היא הוסיפה.']
    assert said("Er ist entronnen.- Unter Hoelle meine ich Wien.", "de") == [
        "Er ist entronnen.-", "Unter Hoelle meine ich Wien."]


def test_one_letter_abbreviations_in_scripts_without_capitals_and_counts_opening_a_sentence():
    # "د." (Dr.) between directional marks is not a sentence's end.
    assert said("وقال د\u202a.\u202c ديفيد ريدي إنها مريضة. وليس معروفا.", "ar") == [
        "وقال د\u202a.\u202c ديفيد ريدي إنها مريضة.", "وليس معروفا."]
    # A count opens a sentence where the ordinal rule would keep it in the one before.
    assert said("Der Beruf wurde entzogen. 15.000 Juden waren brotlos. Am 13. März kamen sie.", "de") == [
        "Der Beruf wurde entzogen.", "15.000 Juden waren brotlos.", "Am 13. März kamen sie."]


# ---------------------------------------------------------------- the spoken script and its timings


def page_result(blocks_text: list[tuple[str, list[str]]], table: list[list[str]] | None = None) -> dict:
    """A single image's result: blocks of (role, their lines' texts), then a table (rows of cells,
    the first row its header) when given."""
    lines, blocks, y = [], [], 100
    for role, texts in blocks_text:
        ids = []
        for t in texts:
            ids.append(len(lines))
            lines.append(line(t, 150, y, 1500, y + 30))
            y += 42
        blocks.append({"role": role, "lines": ids, "spoken": True, **({"level": 2} if role == "heading" else {})})
    if table:
        cells = []
        for r, row in enumerate(table):
            for c, t in enumerate(row):
                cells.append({"row": r, "col": c, "header": r == 0, "lines": [len(lines)]})
                lines.append(line(t, 150 + 400 * c, y, 500 + 400 * c, y + 30))
            y += 42
        blocks.append({"role": "table", "lines": [c["lines"][0] for c in cells], "spoken": True, "cells": cells})
    return {"schema": 1, "kind": "page", "engine": "test", "width": 1700, "height": 2200,
            "text": "\n".join(ln["text"] for ln in lines), "lines": lines, "blocks": blocks,
            "language": {"code": "en", "confidence": 1.0, "detected": False}, "timings_ms": {}}


def spoken_words(script: spoken.Script) -> list[dict]:
    """speech.words as a voice would time them: the k-th spoken word from k to k + 0.5 s."""
    out = []
    for k, names in enumerate(script.where):
        out += voice._shared(names, float(k), k + 0.5)
    return out


def first_words(sents: list[dict], result: dict) -> list[str]:
    pages, _ = spoken.pages_of(result)
    return [pages[s.get("page", 0)]["lines"][s["line"]]["words"][s["word"]]["text"] for s in sents]


def test_a_sentence_that_starts_inside_a_word_starts_at_that_word():
    """OCR drops the space after a stop ("rained.Then") and a Chinese line holds several sentences:
    the word a sentence starts inside is its first word; the next word is in the middle of it."""
    assert sentences.sentence_starts("It rained.Then it stopped and we went home. Fine.", "en") == [0, 1, 8]
    assert sentences.sentence_starts("今天天气很好。我们去 公园吧。", "zh") == [0]  # "公园吧。" ends the second
    assert sentences.sentence_starts("你好。 我很好。他也好。 Next one.", "zh") == [0, 1, 2]


def test_headings_list_items_and_table_cells_are_sentences_of_their_own():
    result = page_result([
        ("heading", ["Getting started"]),  # no stop: the script's pause ends it
        ("paragraph", ["Dr. Lee wrote this guide in 2019. It has", "three parts, e.g. setup and use."]),
        ("list-item", ["1. Unpack the box"]),
        ("list-item", ["2. Plug it in"]),
    ], table=[["Name", "Age"], ["Ann", "42"], ["Bob", "7"]])
    script = spoken.script(result, "en")
    sents = sentences.timed(script.text, script.where, spoken_words(script), "en")
    # The table: "Table, 2 rows, 2 columns." is said, not written: no sentence starts there; each
    # cell is one, after its column's header ("Name: Ann.", "Age: 42."), the header's words said
    # again in later rows but written once ("Name: Bob." starts at "Bob").
    assert first_words(sents, result) == ["Getting", "Dr.", "It", "1.", "2.", "Name", "Age", "Bob", "7"]
    assert all(set(s) == {"start", "end", "line", "word"} for s in sents)
    check_text_result({**result, "speech": {"words": spoken_words(script), "sentences": sents}})


def test_a_sentence_runs_from_its_first_words_start_to_its_last_words_end():
    result = page_result([("paragraph", ["One two three. Four five.", "Six seven eight nine."])])
    script = spoken.script(result, "en")
    words = spoken_words(script)
    sents = sentences.timed(script.text, script.where, words, "en")
    assert sents == [{"start": 0.0, "end": 2.5, "line": 0, "word": 0},
                     {"start": 3.0, "end": 4.5, "line": 0, "word": 3},
                     {"start": 5.0, "end": 8.5, "line": 1, "word": 0}]


def test_words_not_yet_heard_give_the_sentences_so_far_and_a_word_never_timed_is_skipped():
    result = page_result([("paragraph", ["One two three. Four five. Six seven."])])
    script = spoken.script(result, "en")
    words = spoken_words(script)
    timeline = sentences.Timeline(script.text, script.where, "en")
    assert timeline.update(words[:4]) == [{"start": 0.0, "end": 2.5, "line": 0, "word": 0},
                                          {"start": 3.0, "end": 3.5, "line": 0, "word": 3}]
    assert timeline.update(words)[1]["end"] == 4.5 and len(timeline.sentences) == 3
    untimed = [w for w in words if w["word"] != 3]  # the voice gave "Four" no time
    assert sentences.timed(script.text, script.where, untimed, "en")[1] == {"start": 4.0, "end": 4.5, "line": 0, "word": 4}


def test_a_documents_sentences_name_their_page():
    pages = [page_result([("paragraph", ["First page. It ends here."])]),
             page_result([("heading", ["Part two"]), ("paragraph", ["Second page."])])]
    for p in pages:
        p.pop("schema"), p.pop("kind")
    result = {"schema": 1, "kind": "page", "engine": "test", "width": 1700, "height": 2200,
              "text": "\n\n".join(p["text"] for p in pages), "lines": [], "pages": pages, "timings_ms": {}}
    script = spoken.script(result, "en")
    sents = sentences.timed(script.text, script.where, spoken_words(script), "en")
    assert [(s["page"], s["line"], s["word"]) for s in sents] == [(0, 0, 0), (0, 0, 2), (1, 0, 0), (1, 1, 0)]
    assert first_words(sents, result) == ["First", "It", "Part", "Second"]


# ---------------------------------------------------------------- recordings


LONG = " ".join(f"Sentence {n} is here, e.g. for a page read in several parts." for n in range(10))


def test_a_recording_continued_by_a_later_invocation_continues_its_sentences():
    """espeak (a real voice, fast): stopped after its first piece, then continued; the sentences
    are those of a recording made in one go, each starting at its first word's start."""
    where = [[({"line": 0, "word": k}, len(w))] for k, w in enumerate(LONG.split())]
    whole = voice.record(LONG, where=where, language="en", tts_engine="espeak")
    first = voice.record(LONG, where=where, language="en", tts_engine="espeak", deadline=0.0)
    assert first.more and 1 <= len(first.info["sentences"]) < 10
    published = []
    rest = voice.record(LONG, where=where, language="en", tts_engine="espeak", state=first.info,
                        on_part=lambda info, part: published.append(info["sentences"]))
    got, want = rest.info["sentences"], whole.info["sentences"]
    assert len(want) == 10 and [s["word"] for s in got] == [s["word"] for s in want] == [12 * n for n in range(10)]
    starts = {w["word"]: w["start"] for w in rest.info["words"]}
    assert [s["start"] for s in got] == [starts[s["word"]] for s in got]
    assert got[:len(first.info["sentences"]) - 1] == first.info["sentences"][:-1]  # the first turn's stand
    assert published and all(len(a) <= len(b) for a, b in zip(published, published[1:]))


def test_a_pages_recording_carries_sentences_that_start_at_its_words_starts():
    """The default voice on a page with a heading, a paragraph and a list: every published part
    carries the sentences so far; the whole recording's start where their first words start."""
    result = page_result([
        ("heading", ["A short guide"]),
        ("paragraph", ["Dr. Smith arrived at 9 a.m. on Monday. The meeting", "took 2.5 hours. Everyone agreed."]),
        ("list-item", ["1. Bring your notes"]),
    ])
    published = []
    done = pipeline.run(b"not a document", publish=published.append, resume=Resume(result, lambda name: b""))
    speech = done.result["speech"]
    check_text_result(done.result)
    assert first_words(speech["sentences"], done.result) == ["A", "Dr.", "The", "Everyone", "1."]
    starts = {(w["line"], w["word"]): w["start"] for w in speech["words"]}
    assert [s["start"] for s in speech["sentences"]] == [starts[(s["line"], s["word"])] for s in speech["sentences"]]
    ends = [max(w["end"] for w in speech["words"] if (w["line"], w["word"]) >= (s["line"], s["word"])
                and (k + 1 == len(speech["sentences"]) or (w["line"], w["word"]) < (
                    speech["sentences"][k + 1]["line"], speech["sentences"][k + 1]["word"])))
            for k, s in enumerate(speech["sentences"])]
    assert [s["end"] for s in speech["sentences"]] == ends
    parts = [p.result["speech"] for p in published if "speech" in p.result]
    assert parts and all("sentences" in p for p in parts)
    for part in parts:  # the sentences so far: the whole's, the last one perhaps not yet ended
        n = len(part["sentences"])
        assert [s["start"] for s in part["sentences"]] == [s["start"] for s in speech["sentences"][:n]]


def test_the_voice_cuts_its_pieces_at_the_same_sentences():
    """engines/tts/base.spans: sentences as `split` finds them (then clauses after ; and :, then
    at most 200 characters on word boundaries), every word of the text in order, once."""
    from chalicelib.engines.tts.base import MAX_PIECE_CHARS, PAUSES, spans

    text = "Dr. Lee came at 9 a.m. on Monday; he left. See e.g. page 4.\n\nNext one."
    got = list(spans(text))
    assert [p.text for p in got] == ["Dr. Lee came at 9 a.m. on Monday;", "he left.", "See e.g. page 4.", "Next one."]
    assert got[2].pause == PAUSES[2] and [k for p in got for k in p.tokens] == list(range(len(text.split())))
    assert [p.text for p in spans("你好。我很好。 Next.", language="zh")] == ["你好。我很好。", "Next."]  # words stay whole
    long = " ".join(["Dr. Smith et al. wrote it.", "x" * 450, "U.S. data;", "no stop here"] * 40)
    pieces = list(spans(long))
    assert all(0 < len(p.text) <= MAX_PIECE_CHARS for p in pieces)
    said = [k for p in pieces for k in p.tokens]  # a word cut hard is in several pieces in a row
    assert [k for n, k in enumerate(said) if not n or said[n - 1] != k] == list(range(len(long.split())))
