"""Text files' bytes to str, the encoding detected. In order: a BOM says it; UTF-16/32 without a
BOM shows in its zero bytes; ASCII and UTF-8 decode strictly (legacy text almost never does by
chance); then the charset the file declares (an HTML meta, a content type's parameter); then a
guess: what charset-normalizer finds, its ties (many code pages read a short text alike)
settled by the language it reads, Windows-1252 for Western European ones (measured in
tests/media/flow/test_encoding.py). Windows-1252 last (every byte is a character there, its five
unassigned bytes read as Latin-1). Line ends made \\n."""
from __future__ import annotations

import codecs
import re

BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# What charset-normalizer reads: enough to decide, little enough to stay fast on a 15 MB upload.
SAMPLE = 256 * 1024
# Labels a document declares that mean Windows-1252 in practice (as the WHATWG Encoding
# standard reads them: files that say Latin-1 hold curly quotes and dashes from 0x80-0x9F).
_AS_CP1252 = {"latin_1", "iso8859-1", "ascii", "cp1252", "iso8859-15"}
# Languages (as charset-normalizer names them) and the code pages their writers' systems used,
# most common first.
_FAMILIES = (
    ({"English", "French", "German", "Spanish", "Portuguese", "Italian", "Dutch", "Swedish", "Danish",
      "Norwegian", "Finnish", "Catalan", "Estonian", "Indonesian", "Malay", "Icelandic"},
     ("cp1252", "iso8859_15", "latin_1")),
    ({"Polish", "Czech", "Slovak", "Slovene", "Croatian", "Hungarian", "Romanian", "Bosnian"},
     ("cp1250", "iso8859_2", "iso8859_16")),
    ({"Turkish", "Azerbaijani"}, ("cp1254", "iso8859_9")),
    ({"Lithuanian", "Latvian"}, ("cp1257", "iso8859_13", "iso8859_4")),
)
# Latin-script code pages and the accented letters of its languages' alphabets
# (French, German, Spanish, Portuguese, Italian, Dutch, Catalan, Scandinavian, Finnish,
# Estonian, Icelandic; Polish, Czech, Slovak, Hungarian, Romanian, Croatian/Slovene; Turkish).
_WESTERN = tuple(set(a) for a in ("àâæçéèêëîïôœùûüÿ", "äöüß", "áéíóúüñ", "áâãàçéêíóôõú", "àèéìíîòóùú",
                                   "éèëïöüáó", "àèéíïòóúüç", "åäöéæø", "äöåšž", "äöõüšž", "áðéíóúýþæö"))
_CENTRAL = tuple(set(a) for a in ("ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű",
                                  "ăâîșşțţ", "čćđšž", "äöüß"))
_LATIN_CODE_PAGES = (("cp1252", _WESTERN), ("cp1250", _CENTRAL), ("iso8859-2", _CENTRAL),
                     ("cp1254", (set("çğıöşüâîû"),)))
_HIGH = re.compile(r"[^\x00-\x7f]")
_SIGN_IN_WORD = re.compile(r"[A-Za-z][\u0080-\u00bf][A-Za-z]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_LATIN1_FALLBACK = "pagevoice-cp1252-latin1"


def _cp1252_or_latin1(exc: UnicodeDecodeError) -> tuple[str, int]:
    # The five bytes Windows-1252 leaves unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as Latin-1.
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error(_LATIN1_FALLBACK, _cp1252_or_latin1)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, the encoding it was read as, Python's name). `declared`: a charset the file names
    (an HTML meta, a content type's parameter), trusted after a BOM and strict UTF-8 and before
    guessing."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return _lines(data[len(bom):].decode(name, errors="replace")), name
    wide = _wide(data)
    if wide:
        return _lines(data.decode(wide, errors="replace")), wide
    if b"\x1b" not in data or not data.isascii():  # ISO-2022 (Japanese, Korean mail) is 7-bit
        try:
            return _lines(data.decode("utf-8")), "ascii" if data.isascii() else "utf-8"
        except UnicodeDecodeError:
            pass
    name = _known(declared)
    if name in _AS_CP1252:
        return _lines(data.decode("cp1252", errors=_LATIN1_FALLBACK)), "cp1252"
    if name and name not in ("utf-8", "utf-16", "utf-32"):
        try:
            return _lines(data.decode(name)), name
        except UnicodeDecodeError:
            pass  # mis-declared: guess as if it said nothing
    name = guess(data)
    if name == "cp1252":
        return _lines(data.decode("cp1252", errors=_LATIN1_FALLBACK)), name
    return _lines(data.decode(name, errors="replace")), name


def guess(data: bytes) -> str:
    """The legacy (single- or multi-byte, not UTF) encoding `data` most likely is in.

    Latin-script text (mostly ASCII, its high bytes alone or in pairs) is read in the Western,
    Central European and Turkish code pages, and the one whose accented letters all belong to
    one language's alphabet wins, Windows-1252 on a tie: Spanish read as Windows-1250 has `ń`
    beside `á` and `í` (no language has all three), Czech read as Windows-1252 has `ì`, `ø` and
    `š`. (charset-normalizer alone, on a sentence or two, often names Windows-1250, Big5 or Mac
    Iceland for French.) Other text is what charset-normalizer finds, its ties settled by the
    language it reads."""
    sample = data[:SAMPLE]
    if _latin_script(sample):
        return _latin_code_page(sample)
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    if not matches:
        return "cp1252"
    best = matches[0]
    names = next((names for langs, names in _FAMILIES if best.language in langs), ())
    for m in matches:
        if m.chaos > best.chaos + 0.03 or m.coherence < best.coherence - 0.1:
            continue
        found = {_known(n) for n in m.could_be_from_charset}
        for name in names:
            if _known(name) in found:
                return _known(name)
    name = _known(best.encoding)
    if name is None or name in _AS_CP1252 or name.startswith("utf"):
        return "cp1252"
    return name


def _latin_code_page(sample: bytes) -> str:
    """The code page whose reading of `sample` has its accented letters most wholly in one
    language's alphabet (the first listed on a tie)."""
    best = (-1.0, "cp1252")
    for name, alphabets in _LATIN_CODE_PAGES:
        text = sample.decode(name, errors=_LATIN1_FALLBACK)
        if name == "cp1252" and _SIGN_IN_WORD.search(text):
            continue  # Polish ł, ą, ż read as ³, ¹, ¿ inside words
        letters = [c for c in _HIGH.findall(text.lower()) if c.isalpha()]
        if not letters:
            return "cp1252" if name == "cp1252" else best[1]
        fit = max(sum(1 for c in letters if c in alphabet) for alphabet in alphabets) / len(letters)
        if fit > best[0]:
            best = (fit, name)
    return best[1]


def _latin_script(sample: bytes) -> bool:
    """Mostly ASCII with its high bytes alone or in pairs (accented letters, curly quotes), as
    Western and Central European text is in a single-byte code page; Cyrillic, Greek, Hebrew or
    CJK text has its high bytes in runs (whole words)."""
    runs = [len(r) for r in _HIGH_RUN.findall(sample)]
    high = sum(runs)
    return 0 < high <= max(len(sample) // 2, 3) and sum(r for r in runs if r > 2) <= high // 20


def _wide(data: bytes) -> str | None:
    """utf-16-le/-be or utf-32-le/-be for text without a BOM whose zero bytes say so: in mostly
    Latin-script UTF-16, every other byte is zero, at the same parity throughout."""
    head = data[:4096]
    n = len(head) - len(head) % 4
    if n < 8:
        return None
    head = head[:n]
    zeros = [head[i::4].count(0) for i in range(4)]
    quarter = n // 4
    if zeros[1] + zeros[2] + zeros[3] >= 2.7 * quarter and zeros[0] <= quarter // 10:
        return "utf-32-le"
    if zeros[0] + zeros[1] + zeros[2] >= 2.7 * quarter and zeros[3] <= quarter // 10:
        return "utf-32-be"
    even, odd = zeros[0] + zeros[2], zeros[1] + zeros[3]
    half = n // 2
    if odd >= 0.6 * half and even <= half // 20 and _decodes(head, "utf-16-le"):
        return "utf-16-le"
    if even >= 0.6 * half and odd <= half // 20 and _decodes(head, "utf-16-be"):
        return "utf-16-be"
    return None


def _decodes(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 4  # a character cut at the sample's end
    return True


def _known(name: str | None) -> str | None:
    """Python's name for a charset label, or None when Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
