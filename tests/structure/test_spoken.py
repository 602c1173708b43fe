"""chalicelib.structure.spoken on a hand-made two-page result: what is skipped, what the voice
says of each block and which of the result's words each spoken word is, and the chapters."""
from __future__ import annotations

import copy
import re

import pytest

from chalicelib.structure import DEFAULT_SKIP, spoken
from tests.structure.pages import line


def block(role: str, lines: list[int], **extra) -> dict:
    return {"role": role, **extra, "lines": lines, "spoken": True, "box": None}


def page_one() -> dict:
    texts = ["The Town Library · page 1",  # 0 page-header
             "Background and aims",  # 1 heading, level 1
             "The survey was sent to every house-",  # 2 paragraph, a word broken at the line's end
             "hold in the district during the spring.",  # 3
             "Branch", "Opened", "Central", "1904", "Riverside", "1968",  # 4-9 table: header row, two rows
             "80,000",  # 10 a label inside the figure
             "Figure 2. Visitors by year.",  # 11 caption
             "1 The questions are in the appendix.",  # 12 footnote
             "1"]  # 13 page-number
    cells = [{"row": r, "col": c, "header": r == 0, "lines": [4 + 2 * r + c]} for r in range(3) for c in range(2)]
    blocks = [block("page-header", [0]), block("heading", [1], level=1), block("paragraph", [2, 3]),
              block("table", [4, 5, 6, 7, 8, 9], cells=cells, rows=3, cols=2), block("figure", [10]),
              block("caption", [11]), block("footnote", [12]), block("page-number", [13])]
    return {"width": 1700, "height": 2200, "lines": [line(t, 100, 100 + 40 * k, 900, 130 + 40 * k)
                                                      for k, t in enumerate(texts)], "blocks": blocks}


def page_two() -> dict:
    texts = ["The Town Library · page 2", "Earlier surveys", "Several respondents asked for a quiet room.", "2"]
    blocks = [block("page-header", [0]), block("heading", [1], level=2), block("paragraph", [2]),
              block("page-number", [3])]
    return {"width": 1700, "height": 2200, "lines": [line(t, 100, 100 + 40 * k, 900, 130 + 40 * k)
                                                      for k, t in enumerate(texts)], "blocks": blocks}


def document(skip=None) -> dict:
    result = {"pages": [page_one(), page_two()]}
    result["skipped"] = spoken.apply_skip(result["pages"], skip)
    return result


def single(skip=None) -> dict:
    result = page_one()
    result["skipped"] = spoken.apply_skip([result], skip)
    return result


def said(page: dict, names: list[dict]) -> str:
    """The result's words that `names` point at, as one spoken word (a broken word joined)."""
    out = ""
    for name in names:
        w = page["lines"][name["line"]]["words"][name["word"]]["text"]
        out = out[:-1] + w if out.endswith("-") else out + w
    return out


def spoken_words(result: dict, out: spoken.Script) -> list[tuple[str, list[dict]]]:
    """(the word the voice says, the result's words it names) per spoken word, checked against the
    result: every name points at a word whose text the spoken word is."""
    words = out.text.split()
    assert len(words) == len(out.where) == len(out.languages)
    pages, is_doc = spoken.pages_of(result)
    pairs = []
    for text, where in zip(words, out.where):
        names = [name for name, _ in where]
        for name in names:
            assert set(name) == ({"page", "line", "word"} if is_doc else {"line", "word"})
        if names:
            page = pages[names[0].get("page", 0)]
            assert all(n.get("page", 0) == names[0].get("page", 0) for n in names)
            assert text.rstrip(".:") == said(page, names).rstrip(".:")
            assert [w for _, w in where] == [len(page["lines"][n["line"]]["words"][n["word"]]["text"]) for n in names]
        pairs.append((text, names))
    return pairs


def where_of(pairs, text: str) -> list[list[dict]]:
    return [names for t, names in pairs if t == text]


# ---------------------------------------------------------------- skip


def test_by_default_furniture_and_footnotes_are_skipped_and_counted():
    result = document()
    assert result["skipped"] == {"page-header": 2, "page-number": 2, "footnote": 1}
    for p in result["pages"]:
        for b in p["blocks"]:
            assert b["spoken"] is (b["role"] not in DEFAULT_SKIP)


def test_an_empty_skip_speaks_everything():
    result = document(skip=[])
    assert result["skipped"] == {}
    assert all(b["spoken"] for p in result["pages"] for b in p["blocks"])


def test_skip_names_the_roles_left_out():
    result = document(skip=["table", "figure", "caption"])
    assert result["skipped"] == {"table": 1, "figure": 1, "caption": 1}
    assert [b["role"] for b in result["pages"][0]["blocks"] if b["spoken"]] == \
        ["page-header", "heading", "paragraph", "footnote", "page-number"]


# ---------------------------------------------------------------- script


@pytest.mark.parametrize("make", [document, single], ids=["document", "single-page"])
def test_every_spoken_word_names_its_page_line_and_word_and_skipped_words_have_none(make):
    result = make()
    pairs = spoken_words(result, spoken.script(result, "en"))
    named = [(n.get("page", 0), n["line"], n["word"]) for _, names in pairs for n in names]
    assert len(named) == len(set(named))  # each of the result's words at most once
    pages, _ = spoken.pages_of(result)
    expected = {(p, li, w) for p, page in enumerate(pages) for b in page["blocks"]
                if b["spoken"] and b["role"] != "figure" for li in b["lines"]
                for w in range(len(page["lines"][li]["words"]))}
    assert set(named) == expected
    assert not {(0, 0), (0, 12), (0, 13), (1, 0), (1, 3)} & {(p, li) for p, li, _ in named}  # furniture, footnote
    assert (0, 10) not in {(p, li) for p, li, _ in named}  # a figure's label is not read out


def test_a_document_speaks_its_blocks_in_order():
    result = document()
    out = spoken.script(result, "en")
    assert " ".join(out.text.split()) == (
        "Background and aims. The survey was sent to every household in the district during the spring. "
        "Table, 2 rows, 2 columns. Branch: Central. Opened: 1904. Branch: Riverside. Opened: 1968. "
        "Figure. Figure 2. Visitors by year. Earlier surveys. Several respondents asked for a quiet room.")


def pause_after(text: str, words: str) -> int:
    """How many line breaks follow `words` in the spoken text."""
    m = re.search(re.escape(words) + r"(\n*)", text)
    assert m, words
    return len(m.group(1))


def pause_before(text: str, words: str) -> int:
    m = re.search(r"(\n*)" + re.escape(words), text)
    assert m, words
    return len(m.group(1))


def test_a_heading_ends_as_a_sentence_and_a_longer_pause_follows_it_than_a_paragraph():
    out = spoken.script(document(), "en")
    assert "Background and aims." in out.text and "Earlier surveys." in out.text
    paragraph = pause_after(out.text, "during the spring.")
    assert paragraph > pause_after(out.text, "Branch: Central.")  # a table's cell: a sentence's pause
    assert pause_after(out.text, "Background and aims.") > paragraph
    assert pause_after(out.text, "Earlier surveys.") > paragraph
    # Before a heading too, and a chapter (level 1) at least as long as before a level 2 heading.
    everything = spoken.script(document(skip=[]), "en").text
    assert pause_before(everything, "Background and aims.") >= pause_before(everything, "Earlier surveys.") > \
        pause_before(everything, "1 The questions")


def test_a_heading_that_ends_with_a_question_mark_gets_no_full_stop():
    result = page_two()
    result["lines"][1] = line("Why a new library?", 100, 140, 900, 170)
    assert "Why a new library?\n" in spoken.script(result, "en").text


def test_a_word_broken_across_lines_is_said_whole_and_names_both_halves():
    pairs = spoken_words(document(), spoken.script(document(), "en"))
    last = len(page_one()["lines"][2]["words"]) - 1
    assert where_of(pairs, "household") == [[{"page": 0, "line": 2, "word": last}, {"page": 0, "line": 3, "word": 0}]]
    assert not [t for t, _ in pairs if t.endswith("-")]


def test_a_token_an_engine_split_into_several_words_is_said_once_and_names_them_all():
    ln = line("Due 10/26/92 today", 100, 100, 900, 130)
    ln["words"] = [line(t, 100 + 100 * k, 100, 190 + 100 * k, 130)["words"][0] for k, t in
                   enumerate(["Due", "10/", "26/", "92", "today"])]
    result = {"width": 1700, "height": 2200, "lines": [ln], "blocks": [block("paragraph", [0])]}
    pairs = spoken_words(result, spoken.script(result, "en"))
    assert [(t, [n["word"] for n in names]) for t, names in pairs] == [("Due", [0]), ("10/26/92", [1, 2, 3]),
                                                                       ("today", [4])]


def test_a_table_says_its_size_then_each_row_with_its_column_headers_named_once():
    result = document()
    pairs = spoken_words(result, spoken.script(result, "en"))
    start = [t for t, _ in pairs].index("Table,")
    table = pairs[start:start + 13]
    assert [t for t, _ in table] == ["Table,", "2", "rows,", "2", "columns.", "Branch:", "Central.", "Opened:", "1904.",
                                     "Branch:", "Riverside.", "Opened:", "1968."]
    assert [[(n["line"], n["word"]) for n in names] for _, names in table] == \
        [[]] * 5 + [[(4, 0)], [(6, 0)], [(5, 0)], [(7, 0)], [], [(8, 0)], [], [(9, 0)]]


def test_a_one_row_table_says_row_not_rows():
    result = page_one()
    result["blocks"] = [block("table", [4, 5, 6, 7], rows=2, cols=2,
                              cells=[{"row": r, "col": c, "header": r == 0, "lines": [4 + 2 * r + c]}
                                     for r in range(2) for c in range(2)])]
    out = spoken.script(result, "en")
    assert out.text.split("\n")[0] == "Table, 1 row, 2 columns."


def test_a_figure_says_figure_then_its_caption():
    out = spoken.script(document(), "en")
    pairs = spoken_words(document(), out)
    k = [t for t, _ in pairs].index("Figure.")
    assert pairs[k] == ("Figure.", [])
    assert [t for t, _ in pairs[k + 1:k + 5]] == ["Figure", "2.", "Visitors", "by"]
    assert pairs[k + 1][1] == [{"page": 0, "line": 11, "word": 0}]


def test_an_old_result_without_blocks_is_read_line_by_line_with_every_word_named():
    result = page_one()
    del result["blocks"]
    out = spoken.script(result, "en")
    pairs = spoken_words(result, out)
    assert out.text.split("\n") == [ln["text"] for ln in result["lines"]]
    assert [n for _, names in pairs for n in names] == [{"line": li, "word": w} for li, ln in enumerate(result["lines"])
                                                         for w in range(len(ln["words"]))]
    old_doc = {"pages": [{k: v for k, v in p.items() if k != "blocks"} for p in (page_one(), page_two())]}
    pairs = spoken_words(old_doc, spoken.script(old_doc, "en"))
    assert len([n for _, names in pairs for n in names]) == sum(len(ln["words"]) for p in old_doc["pages"]
                                                               for ln in p["lines"])


def test_each_word_carries_its_language():
    result = document()
    result["pages"][1]["language"] = {"code": "de"}
    out = spoken.script(result, "en")
    pairs = spoken_words(result, out)
    langs = {names[0].get("page"): code for (t, names), code in zip(pairs, out.languages) if names}
    assert langs == {0: "en", 1: "de"}


# ---------------------------------------------------------------- chapters


def test_chapters_are_the_spoken_headings():
    assert spoken.chapters(document()) == [
        {"title": "Background and aims", "level": 1, "page": 0, "block": 1},
        {"title": "Earlier surveys", "level": 2, "page": 1, "block": 1}]
    assert spoken.chapters(single()) == [{"title": "Background and aims", "level": 1, "block": 1}]
    assert spoken.chapters(document(skip=["heading"])) == []


def test_a_pdf_outline_gives_the_chapters_where_there_is_one():
    outline = [{"title": "Background and Aims", "level": 1, "page": 0},
               {"title": "Earlier surveys", "level": 2, "page": 1},
               {"title": "Appendix", "level": 9, "page": 1},  # no such heading: the page's first spoken block
               {"title": "Beyond the end", "level": 1, "page": 7}]  # no such page: left out
    assert spoken.chapters(document(), outline) == [
        {"title": "Background and Aims", "level": 1, "page": 0, "block": 1},
        {"title": "Earlier surveys", "level": 2, "page": 1, "block": 1},
        {"title": "Appendix", "level": 6, "page": 1, "block": 1}]
    assert spoken.chapters(document(), [{"title": "Nowhere", "level": 1, "page": 9}]) == spoken.chapters(document())


def timings(out: spoken.Script, seconds: float = 0.5) -> list[dict]:
    """speech.words as a recording would give them: spoken word k from k * seconds."""
    return [{**name, "start": k * seconds, "end": k * seconds + 0.4} for k, where in enumerate(out.where)
            for name, _ in where]


def test_with_starts_takes_each_chapters_start_from_its_first_spoken_word():
    result = document()
    out = spoken.script(result, "en")
    result["speech"] = {"words": timings(out)}
    words = out.text.split()
    starts = spoken.with_starts(result, spoken.chapters(result))
    assert [c["start"] for c in starts] == [words.index("Background") * 0.5, words.index("Earlier") * 0.5]
    assert [{k: v for k, v in c.items() if k != "start"} for c in starts] == spoken.chapters(result)


def test_a_chapter_on_a_block_with_nothing_spoken_starts_at_what_is_spoken_next():
    result = document()
    result["pages"][1]["blocks"][1]["spoken"] = False  # its heading left out, its paragraph spoken
    out = spoken.script(result, "en")
    result["speech"] = {"words": timings(out)}
    starts = spoken.with_starts(result, [{"title": "Earlier surveys", "level": 2, "page": 1, "block": 1}])
    assert starts[0]["start"] == out.text.split().index("Several") * 0.5


def test_a_chapter_without_a_recording_has_no_start():
    result = document()
    assert spoken.with_starts(result, spoken.chapters(result)) == spoken.chapters(result)


STAMP = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"


def seconds(stamp: str) -> float:
    h, m, s, ms = map(int, re.fullmatch(STAMP, stamp).groups())
    return h * 3600 + m * 60 + s + ms / 1000


def test_webvtt_is_a_valid_chapters_track():
    chapters = [{"title": "Background and aims", "level": 1, "block": 1, "start": 0.0},
                {"title": "Not yet heard", "level": 2, "block": 2},  # no start: not in the track
                {"title": "Before --> after\nand on", "level": 1, "block": 3, "start": 61.25},
                {"title": "The long chapter", "level": 1, "block": 4, "start": 3725.5}]
    vtt = spoken.webvtt(chapters, total=4000.0)
    assert vtt.startswith("WEBVTT\n\n")
    cues = [c.split("\n") for c in vtt[len("WEBVTT\n\n"):].strip("\n").split("\n\n")]
    assert [c[0] for c in cues] == ["1", "2", "3"]
    spans = []
    for cue in cues:
        assert len(cue) == 3
        m = re.fullmatch(STAMP + " --> " + STAMP, cue[1])
        assert m, cue[1]
        start, end = (seconds(s) for s in cue[1].split(" --> "))
        assert start < end
        assert "-->" not in cue[2] and cue[2].strip()
        spans.append((start, end, cue[2]))
    assert spans == [(0.0, 61.25, "Background and aims"), (61.25, 3725.5, spans[1][2]), (3725.5, 4000.0, "The long chapter")]
    assert "Before" in spans[1][2] and "after" in spans[1][2]
    assert "01:02:05.500 --> 01:06:40.000" in vtt


def test_webvtt_of_no_chapters_is_an_empty_track():
    assert spoken.webvtt([], total=10.0).strip() == "WEBVTT"


def test_scripts_do_not_change_the_result():
    result = document()
    before = copy.deepcopy(result)
    spoken.script(result, "en")
    spoken.chapters(result)
    assert result == before
