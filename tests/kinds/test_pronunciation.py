"""The account's pronunciations applied to speech (chalicelib.kinds.pronunciation): the text the
voice says is rewritten, and its word timings map back onto the written words, so read-along,
sentences, text and boxes stay on what the page says."""
from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest

from chalicelib.errors import InputError
from chalicelib.kinds import pronunciation, voice
from chalicelib.kinds.pronunciation import Lexicon, entries

ROOT = Path(__file__).resolve().parents[2]


def lexicon(*items) -> Lexicon:
    return Lexicon(entries([dict(zip(("written", "spoken"), item[:2]), **(item[2] if len(item) > 2 else {}))
                            for item in items]))


def test_an_abbreviation_is_said_as_a_word():
    said = lexicon(("Dr.", "doctor")).say("Dr. Smith and dr. Jones, not Dr.Who")
    assert said.text == "doctor Smith and doctor Jones, not Dr.Who"  # case ignored; whole words only
    assert said.applied == {0}


def test_match_case_keeps_other_cases_as_they_are():
    said = lexicon(("WHO", "World Health Organization", {"match_case": True})).say("The WHO asked who knew")
    assert said.text == "The World Health Organization asked who knew"
    assert said.groups == (((0,), (0,)), ((1,), (1, 2, 3)), ((2,), (4,)), ((3,), (5,)), ((4,), (6,)))


def test_not_whole_word_rewrites_inside_words():
    assert lexicon(("ph", "f", {"whole_word": False})).say("Phone the pharmacy, Steph").text == \
        "fone the farmacy, Stef"
    assert lexicon(("ph", "f")).say("Phone the pharmacy").text == "Phone the pharmacy"  # whole words: none


def test_a_whole_word_does_not_end_or_start_at_a_combining_mark():
    """A combining mark belongs to the letter before it: "cafe" is not a whole word of "café"
    written with a combining acute, nor "क" of "कि" (a vowel sign), nor "ते" of "नमस्ते" (after a virama)."""
    assert lexicon(("cafe", "caffy")).say("Le cafe\u0301 est ouvert").text == "Le cafe\u0301 est ouvert"
    assert lexicon(("क", "ka")).say("कि क").text == "कि ka"
    assert lexicon(("ते", "te")).say("नमस्ते ते").text == "नमस्ते te"
    # Where the longest entry is part of a word there, a shorter one may still apply.
    assert lexicon(("cafe", "caffy"), ("caf", "kaf", {"whole_word": False})).say("cafe\u0301").text == "kafe\u0301"


def test_a_whole_number_is_not_part_of_a_longer_number():
    """"7.5" and "1,000" are numbers read whole: an entry for "7" or "1" is not a whole word in them."""
    assert lexicon(("7", "seven")).say("7.5 kg, 7, 17 or 7.").text == "7.5 kg, seven, 17 or seven."
    assert lexicon(("1", "one")).say("1,000 and 2.1 but 1, 1.").text == "1,000 and 2.1 but one, one."
    assert lexicon(("No. 5", "number five")).say("No. 5.5 or No. 5.").text == "No. 5.5 or number five."


def test_a_written_form_matches_its_letters_composed_or_decomposed():
    """"é" is one character or "e" and a combining acute, as the keyboard or the document wrote it."""
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert lexicon((composed, "caffy")).say(f"Un {decomposed}, un {composed}.").text == "Un caffy, un caffy."
    assert lexicon((decomposed, "caffy")).say(f"Un {composed}.").text == "Un caffy."
    assert lexicon(("\u00c9T\u00c9", "summer")).say("Un \u00e9t\u00e9 chaud").text == "Un summer chaud"  # and case
    with pytest.raises(InputError, match="Entries 1 and 2"):  # so the two forms are one entry
        entries([{"written": composed, "spoken": "caffy", "match_case": True},
                 {"written": decomposed, "spoken": "kaffee", "match_case": True}])


def test_the_longest_written_form_wins_and_forms_span_words():
    lx = lexicon(("New York", "the Big Apple"), ("New York City", "Gotham"), ("New", "Nu"))
    said = lx.say("From New York City to New  York and New Jersey")
    assert said.text == "From Gotham to the Big Apple and Nu Jersey"
    # "New York City" (written words 1-3) became one spoken word; "New York" (5-6) three.
    assert ((1, 2, 3), (1,)) in said.groups and ((5, 6), (3, 4, 5)) in said.groups


def test_what_a_piece_becomes_is_bounded():
    """An entry turning each "a" into 200 characters would make a 200-character piece 20,000
    characters: one call to the voice of some 20 minutes, past a worker's turn. Rewrites stop at
    GROWTH times the piece plus one spoken form; the rest is said as written."""
    text = " ".join(["a"] * 100)
    said = lexicon(("a", "x" * 200)).say(text)
    assert len(said.text) <= pronunciation.GROWTH * len(text) + pronunciation.LIMITS["spoken"]
    assert said.text.startswith("x" * 200 + " ") and said.text.endswith(" a a")
    assert len(said.text.split()) == 100 and len(said.timings([(float(i), i + 0.5) for i in range(100)])) == 100
    short = lexicon(("WHO", "World Health Organization")).say("WHO")  # one entry always applies
    assert short.text == "World Health Organization"


def test_nothing_to_rewrite_is_the_text_itself():
    said = lexicon(("Dr.", "doctor")).say("Nothing here")
    assert said.text == "Nothing here" and not said.applied
    assert Lexicon([]).say("a b").groups == (((0,), (0,)), ((1,), (1,)))


def test_written_words_keep_their_own_spans_in_order():
    said = lexicon(("Dr.", "doctor"), ("WHO", "World Health Organization", {"match_case": True}),
                   ("New York", "Gotham")).say("Dr. Lee of the WHO in New York today")
    spoken = said.text.split()
    assert spoken == ["doctor", "Lee", "of", "the", "World", "Health", "Organization", "in", "Gotham", "today"]
    heard = [(float(i), i + 0.8) for i in range(len(spoken))]  # the voice: one second a word
    heard[2] = None  # a word the voice did not say
    written = said.timings(heard)
    assert len(written) == 9  # Dr. Lee of the WHO in New York today
    assert written[0] == (0.0, 0.8) and written[1] == (1.0, 1.8) and written[2] is None
    assert written[4] == (4.0, 6.8)  # WHO: from "World" to "Organization"
    assert written[6][0] == 8.0 and written[7][1] == 8.8 and written[6][1] == written[7][0]  # New York shares "Gotham"
    starts = [w[0] for w in written if w]
    assert starts == sorted(starts) and written[8] == (9.0, 9.8)
    assert said.timings(None) is None


def test_entries_are_checked_and_flags_default():
    assert entries([{"written": " Dr. ", "spoken": "doctor"}]) == \
        [{"written": "Dr.", "spoken": "doctor", "whole_word": True, "match_case": False}]
    with pytest.raises(InputError, match="Entry 1: 'spoken' is empty"):
        entries([{"written": "Dr.", "spoken": " "}])
    with pytest.raises(InputError, match="Entries 1 and 2"):
        entries([{"written": "us", "spoken": "us"}, {"written": "US", "spoken": "you ess", "match_case": True}])


@pytest.fixture
def spoken_texts(monkeypatch):
    """What the real voice (espeak-ng: fast) is asked to say."""
    engine = voice.Voices("espeak").engine("en")
    said: list[str] = []
    real = engine.synthesize

    def synthesize(text):
        said.append(text)
        return real(text)

    monkeypatch.setattr(engine, "synthesize", synthesize)
    return said


def test_a_recording_says_the_pronunciations_and_times_the_written_words(spoken_texts):
    text = "Dr. Smith works at the WHO today."
    where = [[({"line": 0, "word": k}, len(w))] for k, w in enumerate(text.split())]
    plain = voice.record(text, where=where, language="en", tts_engine="espeak")
    n = len(spoken_texts)
    take = voice.record(text, where=where, language="en", tts_engine="espeak",
                        lexicon=entries([{"written": "Dr.", "spoken": "doctor"},
                                         {"written": "WHO", "spoken": "World Health Organization", "match_case": True}]))
    assert " ".join(spoken_texts[n:]) == "doctor Smith works at the World Health Organization today."
    assert take.info["lexicon"] == {"entries": 2} and "lexicon" not in plain.info
    words = [w["word"] for w in take.info["words"]]
    assert words == list(range(len(text.split())))  # every written word, once, in order
    starts = [w["start"] for w in take.info["words"]]
    assert starts == sorted(starts) and all(w["end"] > w["start"] for w in take.info["words"])
    who = take.info["words"][5]
    assert who["end"] - who["start"] > 1.5 * (plain.info["words"][5]["end"] - plain.info["words"][5]["start"])


def test_a_voice_without_word_timings_shares_out_what_it_says():
    """SVOX Pico (a real voice) gives no word timings: its time is shared out by what it says
    ("World Health Organization"), then mapped onto the written words, not by the written "WHO"."""
    text = "The WHO said no."
    where = [[({"line": 0, "word": k}, len(w))] for k, w in enumerate(text.split())]
    who = entries([{"written": "WHO", "spoken": "World Health Organization", "match_case": True}])
    plain = voice.record(text, where=where, language="en", tts_engine="pico")
    take = voice.record(text, where=where, language="en", tts_engine="pico", lexicon=who)
    assert take.info["voice"]["timings"] == "estimated" and take.info["lexicon"] == {"entries": 1}

    def ratio(rec):  # how long "WHO" is heard against "said"
        w = rec.info["words"]
        return (w[1]["end"] - w[1]["start"]) / (w[2]["end"] - w[2]["start"])

    assert ratio(take) > 3 * ratio(plain)
    assert [w["word"] for w in take.info["words"]] == [0, 1, 2, 3]


def test_speaking_a_number_follows_them_too(spoken_texts):
    rec = voice.speak("7", tts_engine="espeak", lexicon=entries([{"written": "7", "spoken": "lucky seven"}]))
    assert spoken_texts[-1] == "lucky seven" and rec.info["lexicon"] == {"entries": 1}


def test_the_limits_are_what_the_route_says():
    assert pronunciation.LIMITS == {"entries": 500, "written": 100, "spoken": 200}


# Written forms that differ by case, by a case fold that changes length ("ß" -> "ss"), by a
# letter's other cased forms (final sigma, long s, the Kelvin sign), by Turkish dotted and
# dotless i, by composition: whether two ignore-case entries are refused as repeats must be
# exactly whether one matches the other's text.
FORMS = ["Straße", "STRASSE", "strasse", "STRAẞE", "ΟΔΟΣ", "οδος", "οδοσ", "ſtop", "STOP", "\u212aelvin", "kelvin",
         "Istanbul", "istanbul", "ıstanbul", "İstanbul", "ﬁne", "FINE", "Café", "CAFE\u0301", "ǅemal", "ǆemal"]


def _applies(written: str, text: str) -> bool:
    return bool(lexicon((written, "x")).say(text).applied)


@pytest.mark.parametrize("a", FORMS)
def test_a_repeat_is_refused_exactly_when_one_entry_matches_the_others_text(a):
    for b in FORMS:
        if b == a:
            continue
        try:
            entries([{"written": a, "spoken": "one"}, {"written": b, "spoken": "two"}])
            refused = False
        except InputError:
            refused = True
        assert refused == _applies(a, b) == _applies(b, a), (a, b)


def test_case_is_set_aside_letter_for_letter_never_the_spelling():
    """A listener's entry for "Straße" is for that word in any case ("STRAẞE", with the capital
    sharp s), not for "Strasse", another spelling (Swiss German writes it so); and "ı" stays the
    Turkish dotless i, not "i"."""
    both = lexicon(("Straße", "Strahsse"), ("STRASSE", "Strasse in capitals"))
    assert both.say("Straße STRAẞE STRASSE strasse").text == "Strahsse Strahsse Strasse in capitals Strasse in capitals"
    assert pronunciation.fold("STRAẞE") == pronunciation.fold("straße") != pronunciation.fold("STRASSE")
    assert pronunciation.fold("ΟΔΟΣ") == pronunciation.fold("οδος") and pronunciation.fold("ı") != pronunciation.fold("I")
    for text in ["Straße", "ǅemal \u212a ΟΔΟΣ", "İstanbul ﬁne", "cafe\u0301"]:  # one character for one
        assert len(pronunciation.fold(text)) == len(text)
    with pytest.raises(InputError, match="Entries 1 and 2"):
        entries([{"written": "Straße", "spoken": "a"}, {"written": "STRAẞE", "spoken": "b"}])


def test_the_sites_check_folds_and_counts_as_the_server_does():
    """The site's check before saving (static_site/js/views/pronunciations/entries.js) must refuse
    the same repeats: its fold sorts every character of Unicode into the same classes as the
    server's (node, the site's own test runtime, runs it)."""
    module = ROOT / "static_site" / "js" / "views" / "pronunciations" / "entries.js"
    script = (f"import {{ chars, fold }} from {json.dumps(module.as_uri())};\n"
              "const out = [];\n"
              "for (let i = 0; i < 0x110000; i++) {\n"
              "  if (i >= 0xd800 && i < 0xe000) continue;\n"
              "  const c = String.fromCodePoint(i), f = fold(c);\n"
              "  if (f !== c) out.push(`${i} ${f.codePointAt(0)} ${[...f].length}`);\n"
              "  if (chars(`a${c}${c}a`) !== 4) out.push(`${i} space ${chars(`a${c}${c}a`)}`);\n"
              "}\n"
              "process.stdout.write(out.join('\\n'));\n")
    ran = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    site, spaces = {}, set()
    for line in ran.stdout.splitlines():
        if " space " in line:
            spaces.add(chr(int(line.split()[0])))
            continue
        code, folded, length = map(int, line.split())
        assert length == 1, line  # one character for one
        site[code] = folded
    # And the site counts characters as the server keeps them: a run of spaces is one.
    assert spaces == {chr(i) for i in range(0x110000) if len(" ".join(f"a{chr(i)}{chr(i)}a".split())) == 3}
    classes = {}  # the server's class of each character -> the site's
    for code in range(0x110000):
        c = chr(code)
        if 0xD800 <= code < 0xE000 or unicodedata.category(c) == "Cn":  # unassigned in Python's Unicode
            continue
        classes.setdefault(pronunciation.fold(c), set()).add(site.get(code, code))
    split = {k: v for k, v in classes.items() if len(v) > 1}
    assert not split, list(split.items())[:5]
    assert len({frozenset(v) for v in classes.values()}) == len(classes)  # and none joined


def test_forms_are_counted_in_characters_as_the_site_counts_them():
    """Code points of the form as kept (spaces run together): 100 emoji are 100 characters though
    200 UTF-16 units, the count the site holds its fields to (entries.js `chars`)."""
    assert entries([{"written": "😀" * 100, "spoken": "𝔡" * 200}])[0]["written"] == "😀" * 100
    assert entries([{"written": f" New{' ' * 120}York ", "spoken": "x"}])[0]["written"] == "New York"
    with pytest.raises(InputError, match="'written' is longer than 100 characters"):
        entries([{"written": "😀" * 101, "spoken": "x"}])
