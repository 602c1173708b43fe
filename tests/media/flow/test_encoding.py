"""Text decoding (media/flow/encoding.py) on real files in known encodings.

Files, fetched and pinned by tests/samples.py (nothing downloaded is committed):
- chardet 5.2.0's sdist (LGPL-2.1): its tests/ folder, texts and feeds in 50 labelled encodings
  (each copyright its publisher, redistributed by chardet as test data);
- charset-normalizer 3.5.2's sdist (MIT): data/sample-*.txt (Wikipedia, CC-BY-SA, or public
  domain, as its NOTICE.md says), French and Spanish prose re-encoded here;
- Brotli 1.2.1's sdist (MIT): tests/testdata/alice29.txt (Alice's Adventures in Wonderland,
  public domain, the Canterbury corpus' copy, CRLF) and cp1251-utf16le (UTF-16 with a BOM).
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from chalicelib.media.flow.encoding import decode, guess
from tests import samples

CHARDET = ("chardet", "5.2.0", "1b3b6ff479a8c414bc3fa2c0852995695c4a026dcd6d0633b2dd092ca39c1cf7")
NORMALIZER = ("charset-normalizer", "3.5.2", "39de2a259fc954455c57274dc94c79d5842774e1247a016aff30bc0efed0f4ef")
BROTLI = ("Brotli", "1.2.1", "02b2f7b5a83485efe448a44ddf7983def05c3bb1dcf917d4f7154070260e13de")


@pytest.fixture(scope="module")
def chardet_tests() -> Path:
    return samples.pypi_sdist(*CHARDET) / "chardet-5.2.0" / "tests"


@pytest.fixture(scope="module")
def normalizer_data() -> Path:
    return samples.pypi_sdist(*NORMALIZER) / "charset_normalizer-3.5.2" / "data"


@pytest.fixture(scope="module")
def brotli_data() -> Path:
    return samples.pypi_sdist(*BROTLI) / "brotli-1.2.1" / "tests" / "testdata"


@pytest.fixture(scope="module")
def alice(brotli_data) -> str:
    return (brotli_data / "alice29.txt").read_bytes().decode("ascii").replace("\r\n", "\n")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


@pytest.mark.parametrize("bom, name", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
                                       (codecs.BOM_UTF32_BE, "utf-32-be")])
def test_a_bom_names_the_encoding(alice, bom, name):
    text = alice[:5000] + "\u201cCuriouser!\u201d \u2014 caf\u00e9 \u65e5\u672c"
    got, enc = decode(bom + text.encode(name))
    assert (got, enc) == (text, name)


def test_utf16_with_a_bom_from_brotli(brotli_data):
    got, enc = decode((brotli_data / "cp1251-utf16le").read_bytes())
    assert enc == "utf-16-le"
    assert got.startswith("The following table shows Windows-1251.") and "\u0402" in got  # Ђ


@pytest.mark.parametrize("name", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_32_without_a_bom(alice, name):
    text = alice[:3000]
    assert decode(text.encode(name)) == (text, name)


def test_chardets_bomless_utf16_files(chardet_tests):
    for folder, name in (("UTF-16LE", "utf-16-le"), ("UTF-16BE", "utf-16-be")):
        for f in (chardet_tests / folder).iterdir():
            data = f.read_bytes()
            assert decode(data) == (data.decode(name).replace("\r\n", "\n"), name), f.name


def test_crlf_and_cr_line_ends_become_newlines(brotli_data):
    raw = (brotli_data / "alice29.txt").read_bytes()
    assert b"\r\n" in raw
    text, enc = decode(raw)
    assert "\r" not in text and text.count("\n") == raw.count(b"\r\n")
    old_mac, _ = decode(raw.replace(b"\r\n", b"\r"))
    assert old_mac == text


def test_utf8_wins_over_a_wrong_declared_charset(normalizer_data):
    data = (normalizer_data / "sample-french.txt").read_bytes()
    assert decode(data, "iso-8859-1") == (data.decode("utf-8").replace("\r\n", "\n"), "utf-8")


def test_a_declared_charset_is_used_and_latin1_means_windows_1252(normalizer_data):
    text = "Il a dit \u00ab\u00a0l\u2019\u00e9t\u00e9\u00a0\u00bb \u2014 100\u20ac."
    assert decode(text.encode("cp1252"), "ISO-8859-1") == (text, "cp1252")
    russian = (normalizer_data / "sample-russian-2.txt").read_text("utf-8")[:400]
    assert decode(russian.encode("koi8-r"), "koi8-r") == (russian, "koi8-r")
    # a declared charset the bytes do not fit is a guess's business, not an error
    text2, _ = decode("Un \u00e9t\u00e9 \u00e0 Paris \u2019".encode("cp1252"), "utf-16")
    assert text2 == "Un \u00e9t\u00e9 \u00e0 Paris \u2019"


def test_the_five_unassigned_windows_1252_bytes_read_as_latin1():
    text, enc = decode(b"caf\xe9 \x81 na\xefve \x9d ok")
    assert enc == "cp1252" and text == "caf\u00e9 \x81 na\u00efve \x9d ok"


def test_short_western_texts_are_windows_1252(normalizer_data, chardet_tests):
    """charset-normalizer alone, asked about a sentence or two of Latin-1, often answers
    Windows-1250, Big5 or Mac Iceland; decode prefers Windows-1252 for such text."""
    texts = [(normalizer_data / "sample-french.txt").read_text("utf-8"),
             (normalizer_data / "sample-spanish.txt").read_text("utf-8"),
             (chardet_tests / "windows-1252" / "_ude_1.txt").read_bytes().decode("cp1252")]
    texts += [f.read_bytes().decode("latin-1") for f in sorted((chardet_tests / "iso-8859-1").iterdir())]
    from charset_normalizer import from_bytes

    n = ours = alone = 0
    for text in texts:
        for sentence in _sentences(text):
            data = sentence.encode("cp1252", errors="ignore")
            if data.isascii():
                continue
            want = data.decode("cp1252")
            n += 1
            ours += decode(data)[0] == want
            best = from_bytes(data).best()
            alone += best is not None and str(best) == want
    assert n >= 120
    assert ours >= 0.97 * n, f"{ours}/{n} single sentences read right (charset-normalizer alone: {alone})"
    assert ours > alone


def test_labelled_corpus(chardet_tests):
    """chardet's labelled files (legacy single- and multi-byte encodings, UTF-16/32): the text
    read as its label says. Japanese feeds whose bytes their label does not decode are left out."""
    labels = {"iso-8859-1": "cp1252", "windows-1252": "cp1252", "windows-1250-polish": "cp1250",
              "windows-1250-slovak": "cp1250", "windows-1250-czech": "cp1250", "windows-1250-hungarian": "cp1250",
              "windows-1250-romanian": "cp1250", "windows-1250-croatian": "cp1250", "iso-8859-2-czech": "iso8859-2",
              "iso-8859-2-hungarian": "iso8859-2", "iso-8859-2-slovak": "iso8859-2", "windows-1254-turkish": "cp1254",
              "iso-8859-9-turkish": "iso8859-9", "windows-1251-russian": "cp1251", "windows-1251-bulgarian": "cp1251",
              "iso-8859-5-russian": "iso8859-5", "iso-8859-7-greek": "iso8859-7", "KOI8-R": "koi8-r",
              "windows-1255-hebrew": "cp1255", "EUC-JP": "euc-jp", "EUC-KR": "cp949", "Big5": "big5hkscs",
              "IBM866": "cp866", "MacCyrillic": "mac-cyrillic", "TIS-620": "tis-620",
              "windows-1256-arabic": "cp1256", "iso-2022-jp": "iso2022_jp", "utf-8": "utf-8"}
    n = right = 0
    missed = []
    for folder, name in labels.items():
        for f in sorted((chardet_tests / folder).iterdir()):
            data = f.read_bytes()
            try:
                want = data.decode(name).replace("\r\n", "\n").replace("\r", "\n")
            except UnicodeDecodeError:
                continue
            n += 1
            got, enc = decode(data)
            if got == want:
                right += 1
            else:
                missed.append(f"{folder}/{f.name}: {enc}")
    assert n >= 280
    assert right >= n - 1, f"{right}/{n}; missed {missed}"


def test_guess_keeps_central_european_text_that_shows_it(chardet_tests):
    # Polish read as Windows-1252 would put ³ and ¹ inside words
    data = (chardet_tests / "windows-1250-polish" / "_ude_1.txt").read_bytes()
    assert guess(data) == "cp1250"


def test_short_central_european_texts_are_windows_1250(chardet_tests):
    """Czech and Hungarian sentences: their Windows-1252 reading mixes letters of no one
    language (ì, ø and š; õ with ö), their Windows-1250 one is all Czech or all Hungarian."""
    n = right = 0
    for folder in ("windows-1250-czech", "windows-1250-hungarian"):
        for f in sorted((chardet_tests / folder).glob("_ude_*.txt")):
            for sentence in _sentences(f.read_bytes().decode("cp1250")):
                data = sentence.encode("cp1250")
                if data.isascii():
                    continue
                n += 1
                right += decode(data)[0] == sentence
    assert n >= 30
    assert right >= 0.85 * n, f"{right}/{n} single sentences read right"


def test_empty_and_ascii():
    assert decode(b"") == ("", "ascii")
    assert decode(b"plain\r\ntext") == ("plain\ntext", "ascii")
