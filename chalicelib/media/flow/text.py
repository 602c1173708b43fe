"""Plain text (issue 39) into a flow document: decoded in whatever common encoding it is in
(media/flow/encoding.py), paragraphs separated by blank lines with their hard-wrapped lines
joined, verse kept line by line, headings only where the text shows them (chapter, book and
part lines, a roman numeral alone, short all-caps lines between blank lines, setext
underlines), lists by their markers, and a Project Gutenberg header and licence as page
furniture (not spoken by default).

A one-line paragraph of a few words is not a heading by its shortness alone: in a hard-wrapped
book that is a line of dialogue as often as a title."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.media.flow import Builder
from chalicelib.media.flow.encoding import decode

_ROMAN = r"(?=[MDCLXVI])M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_WORDNUM = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
            r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
            r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|the \w+")
_NUMBER = rf"(?:{_ROMAN}|\d{{1,4}}|(?:{_WORDNUM})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))?)"
# "CHAPTER I", "Chapter 12. The Storm", "CHAPTER XII—THE END", "Letter 4"
_CHAPTER = re.compile(rf"^(?:chapter|chap\.|letter|canto|stave|scene|act|section|lecture|story)\s+{_NUMBER}\b"
                      rf"\.?(?:\s*[.:\u2014\u2013-]+\s*|\s+)?(?P<title>.*)$", re.I)
# "BOOK TWO", "PART III", "VOLUME I": above chapters when both occur
_PART = re.compile(rf"^(?:book|part|volume|vol\.)\s+{_NUMBER}\b\.?(?:\s*[.:\u2014\u2013-]+\s*|\s+)?(?P<title>.*)$", re.I)
_ALONE = re.compile(r"^(?:prologue|epilogue|preface|foreword|introduction|afterword|conclusion|appendix|"
                    r"postscript|dedication|glossary|index|notes?)\.?$", re.I)
_ROMAN_LINE = re.compile(rf"^{_ROMAN}\.?(?:\s+(?P<title>[A-Z][^a-z]{{0,60}}))?$")
_SETEXT = re.compile(r"^(=+|-+)$")
_RULE = re.compile(r"^[\s*=_~#.\-\u2014\u2013\u2022\u00b7+]*$")  # "* * *", "------", ". . ."
_LIST = re.compile(r"^(?:[-*+\u2022\u2013]\s+|\(?(?:\d{1,3}|[a-zA-Z])[.)]\s+|\(\d{1,3}\)\s+)(?=\S)")
# "*** START OF THE PROJECT GUTENBERG EBOOK ... ***"; older files end their licence header with
# "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*".
_GUTENBERG_START = re.compile(r"^\s*(?:\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG|\*END\*\s*THE SMALL PRINT)", re.I)
# Who made the e-text, said just after the START line: furniture too.
_PRODUCED = re.compile(r"^(?:Produced by|E-?text prepared by|Transcribed (?:from|by)|This (?:e-?text|e-?book) was "
                       r"(?:produced|prepared))\b", re.I)
_ILLUSTRATION = re.compile(r"^\[\s*Illustration\s*(?::\s*(?P<caption>.*?))?\s*\]$", re.I | re.S)
_FOOTNOTE = re.compile(r"^\[\s*(?:Footnote|Note)\s*(?P<mark>[\w*]{0,4})\s*:\s*(?P<text>.*?)\s*\]$", re.I | re.S)
_GUTENBERG_END = re.compile(r"^\s*(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG|"
                            r"End of (?:the )?Project Gutenberg'?s? )", re.I)
_TITLE_LINE = re.compile(r"^\s*Title:\s*(?P<title>\S.*)$", re.I)
_LANGUAGE_LINE = re.compile(r"^\s*Language:\s*(?P<language>[A-Za-z][A-Za-z -]{1,30})\s*$", re.I)
_LANGUAGES = {"english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it",
              "portuguese": "pt", "dutch": "nl", "finnish": "fi", "swedish": "sv", "danish": "da",
              "norwegian": "no", "latin": "la", "polish": "pl", "russian": "ru", "greek": "el",
              "chinese": "zh", "japanese": "ja", "hungarian": "hu", "czech": "cs", "esperanto": "eo"}
_CAPITAL_START = re.compile(r"^[\"'`\u201c\u2018(\[]*[A-Z]")
_NOT_TITLE = re.compile(r"^(?:table of )?contents\.?$|^the end\.?$", re.I)
_SENTENCE_STOP = re.compile(r"[.!?][\"'\u201d\u2019)]*$")
_SENTENCE_END = re.compile(r"[.!?:;,\"'\u201d\u2019)\]]$")
# A text whose lines are this long (median) is not hard-wrapped: each line is a paragraph.
UNWRAPPED = 120


@dataclass
class _Item:
    role: str
    lines: list[str]
    level: int = 0
    kind: str = ""  # headings: "part", "chapter", "caps", "setext1", "setext2"
    verse: bool = False
    extra: list[str] = field(default_factory=list)


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """Adds the text's blocks to `b`; {"title", "language", "outline"}."""
    text, _ = decode(data, _charset(hint))
    lines = text.split("\n")
    head, body, tail = _gutenberg(lines)
    meta = {"title": None, "language": None}
    for line in head:
        if m := _TITLE_LINE.match(line):
            meta["title"] = meta["title"] or m["title"].strip()
        elif m := _LANGUAGE_LINE.match(line):
            meta["language"] = _LANGUAGES.get(m["language"].strip().lower())
    outline: list[dict] = []
    for block in _blocks(head):
        b.add("page-header", " ".join(s.strip() for s in block))
    if head:
        body = _credits(body, b)
    body, rest = _within(body, b)
    items = _classify(body)
    first = _emit(items, b, outline)
    if rest and b.full:
        # Past the caps: the words are counted (the document says how much was cut), not read.
        b.found += sum(len(line.split()) for line in rest + tail)
    else:
        first = first or _emit(_classify(rest), b, outline)
        for block in _blocks(tail):
            b.add("page-footer", " ".join(s.strip() for s in block))
    return {"title": meta["title"] or first, "language": meta["language"], "outline": outline}


def _emit(items: list[_Item], b: Builder, outline: list[dict]) -> str | None:
    """Adds the items to `b`, the headings to `outline`; the first heading's or title's text."""
    title = None
    for item in items:
        if item.role == "break":
            b.section()
        elif item.role == "heading":
            if b.add("heading", "", level=item.level, lines=item.lines):
                name = _outline_title(item.lines)
                outline.append({"title": name, "level": item.level, "section": len(b.sections) - 1})
                title = title or (None if _NOT_TITLE.match(name) else name)
        elif item.role == "title":
            b.add("title", "", lines=item.lines)
            title = title or " ".join(item.lines)
        elif item.verse:
            b.add(item.role, "", lines=item.lines)
        else:
            b.add(item.role, " ".join(item.lines))
    return title


def _credits(body: list[str], b: Builder) -> list[str]:
    """A Gutenberg text's "Produced by ..." paragraph, its first, as page furniture."""
    i = 0
    while i < len(body) and not body[i].strip():
        i += 1
    if i < len(body) and _PRODUCED.match(body[i].strip()):
        j = i
        while j < len(body) and body[j].strip():
            j += 1
        b.add("page-header", " ".join(s.strip() for s in body[i:j]))
        return body[j:]
    return body


def _within(lines: list[str], b: Builder) -> tuple[list[str], list[str]]:
    """(the lines the caps can keep, with a margin; the rest): a 10 MB text is not walked
    block by block when 50,000 words of it are kept."""
    words = chars = 0
    for i, line in enumerate(lines):
        n = line.split()
        words += len(n)
        chars += sum(len(w) for w in n)
        if words > b.max_words * 1.1 + 200 or chars > b.max_chars * 1.1 + 2000:
            # end at a blank line, so a paragraph is not cut in two
            j = next((k for k in range(i, min(len(lines), i + 500)) if not lines[k].strip()), i)
            return lines[:j], lines[j:]
    return lines, []


def _charset(hint: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", hint or "", re.I)
    return m.group(1) if m else None


def _gutenberg(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(header, body, footer): a Project Gutenberg file's header up to its START line and its
    licence from its END line on; ([], lines, []) for any other text."""
    start = end = None
    for i, line in enumerate(lines[:2000]):
        if _GUTENBERG_START.match(line):
            start = i
            break
    if start is None:
        return [], lines, []
    for i in range(len(lines) - 1, start, -1):
        if _GUTENBERG_END.match(lines[i]):
            end = i
    if end is None:
        end = len(lines)
    return lines[:start + 1], lines[start + 1:end], lines[end:]


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines (trailing spaces and tabs made spaces); a form feed is a block
    of its own ("\\f", a page break)."""
    out, cur = [], []
    for raw in lines:
        line = raw.replace("\t", "    ").rstrip(" \n\r\v")
        if "\f" in line:
            parts = line.split("\f")
            for j, part in enumerate(parts):
                if part.strip():
                    cur.append(part)
                if j < len(parts) - 1:
                    if cur:
                        out.append(cur)
                        cur = []
                    out.append(["\f"])
            continue
        if line.strip():
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _classify(lines: list[str]) -> list[_Item]:
    blocks = _bracketed(_blocks(lines))
    wrapped = [len(line.strip()) for block in blocks if len(block) > 1 for line in block[:-1]]
    wrapped.sort()
    width = wrapped[len(wrapped) * 97 // 100] if wrapped else 72  # the wrap width (a few lines run over)
    unwrapped = bool(wrapped) and wrapped[len(wrapped) // 2] > UNWRAPPED
    items: list[_Item] = []
    for block in blocks:
        if block == ["\f"]:
            items.append(_Item("break", []))
            continue
        items.extend(_block_items(block, width, unwrapped))
    _mark_contents(items)
    _too_many_caps(items)
    _levels(items)
    _chapter_titles(items)
    _first_title(items)
    return items


def _bracketed(blocks: list[list[str]]) -> list[list[str]]:
    """Gutenberg's "[Illustration:" ... "]" spanning blank lines (a title page set inside one)
    made one block."""
    out: list[list[str]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        first, last = block[0].strip(), block[-1].strip()
        if re.match(r"\[\s*(?:Illustration|Footnote)", first, re.I) and not last.endswith("]"):
            for j in range(i + 1, min(len(blocks), i + 40)):
                if blocks[j][-1].strip().endswith("]"):
                    out.append([line for b in blocks[i:j + 1] for line in b])
                    i = j + 1
                    break
            else:
                out.append(block)
                i += 1
            continue
        out.append(block)
        i += 1
    return out


def _too_many_caps(items: list[_Item]) -> None:
    """All-caps lines alone that come more often than one per 150 words (a play's speakers, a
    glossary's terms) are not the text's sections: they stay paragraphs."""
    caps = [i for i in items if i.role == "heading" and i.kind == "caps"]
    words = sum(len(" ".join(i.lines).split()) for i in items)
    if len(caps) > 30 and len(caps) * 150 > words:
        for item in caps:
            item.role = "paragraph"


def _block_items(block: list[str], width: int, unwrapped: bool) -> list[_Item]:
    stripped = [s.strip() for s in block]
    if all(_RULE.match(s) for s in stripped):
        return []  # "* * *", a row of dashes: decoration, not words
    # setext: a title underlined with === or ---
    if len(stripped) >= 2 and _SETEXT.match(stripped[-1]) and len(stripped[-1]) >= 3 and len(stripped) <= 3:
        kind = "setext1" if stripped[-1][0] == "=" else "setext2"
        return [_Item("heading", [" ".join(stripped[:-1])], kind=kind)]
    kind = _heading_kind(stripped[0])
    if len(stripped) == 1 and kind:
        return [_Item("heading", stripped, kind=kind)]
    if sum(1 for s in stripped if _heading_kind(s) in ("part", "chapter")) >= 2:
        return [_Item("list-item", [s]) for s in stripped]  # a table of contents
    if kind in ("part", "chapter"):
        # "CHAPTER I." with its title on the next line, or with the text right under it
        if len(stripped) == 2 and _bare(stripped[0]) and _looks_title(stripped[1]):
            return [_Item("heading", stripped, kind=kind)]
        return [_Item("heading", stripped[:1], kind=kind), *_block_items(block[1:], width, unwrapped)]
    return _prose(block, stripped, width, unwrapped)


def _prose(block: list[str], stripped: list[str], width: int, unwrapped: bool) -> list[_Item]:
    joined = " ".join(stripped)
    if stripped[0].startswith("[") and stripped[-1].endswith("]"):
        if m := _ILLUSTRATION.match(joined):  # Gutenberg's "[Illustration: caption]"
            return [_Item("figure", [m["caption"]])] if m["caption"] else []
        if m := _FOOTNOTE.match(joined):  # and its "[Footnote 1: text]"
            return [_Item("footnote", [f"{m['mark']} {m['text']}".strip()])]
    if _LIST.match(stripped[0]) and len(stripped[0].split()) > 1:
        return _list_items(block)
    if unwrapped:
        return [_Item("paragraph", [s]) for s in stripped]
    if len(stripped) >= 2 and _is_verse(stripped, width):
        return [_Item("paragraph", stripped, verse=True)]
    return _paragraphs(block, width)


def _heading_kind(line: str) -> str:
    """"part", "chapter", "caps" or "" for one line alone between blank lines."""
    if len(line) > 90:
        return ""
    if _PART.match(line) and _short_title(_PART.match(line)["title"]):
        return "part"
    if _CHAPTER.match(line) and _short_title(_CHAPTER.match(line)["title"]):
        return "chapter"
    if _ALONE.match(line) or _ROMAN_LINE.match(line):
        return "chapter"
    letters = [c for c in line if c.isalpha()]
    if (len(letters) >= 3 and all(c.isupper() for c in letters if c.isupper() or c.islower())
            and any(c.isupper() for c in letters) and len(line.split()) <= 10 and not line.endswith((",", ";"))
            and not _GUTENBERG_END.match(line)):
        return "caps"
    return ""


def _short_title(title: str | None) -> bool:
    """A chapter line's own title is short and not the start of a sentence running on."""
    title = (title or "").strip()
    return len(title.split()) <= 12 and not title.endswith((",", ";"))


def _list_items(block: list[str]) -> list[_Item]:
    items: list[_Item] = []
    for line in block:
        s = line.strip()
        if _LIST.match(s) or not items:
            items.append(_Item("list-item", [s]))
        else:
            items[-1].lines.append(s)
    return [_Item("list-item", [" ".join(i.lines)]) for i in items]


def _is_verse(lines: list[str], width: int) -> bool:
    """Poetry (and addresses, contents pages) is kept line by line: its lines end well short of
    the text's wrap width while the next one goes on, or nearly every line starts with a
    capital as verse does (a prose paragraph's wrapped lines mostly start lowercase)."""
    short = sum(1 for s in lines[:-1] if len(s) < 0.7 * width)
    if short * 2 > len(lines) - 1 and width >= 40:
        return True
    if len(lines) < 3 or sum(len(s) for s in lines) / len(lines) > 60:
        return False
    capitals = sum(1 for s in lines[1:] if _CAPITAL_START.match(s))
    return capitals >= 0.8 * (len(lines) - 1)


def _paragraphs(block: list[str], width: int) -> list[_Item]:
    """One block may hold several paragraphs, as texts without blank lines between paragraphs
    do: a first line indented deeper than the line before it starts one, and so does a line
    after a sentence's end that left room for its first word (the wrapping would have put it
    there)."""
    out: list[list[str]] = [[]]
    prev_indent = None
    prev = ""
    for line in block:
        indent = len(line) - len(line.lstrip())
        s = line.strip()
        if len(s) >= 3 and _RULE.match(s):  # "* * * * *" between two paragraphs
            out.append([])
            continue
        if out[-1] and ((prev_indent is not None and indent > prev_indent and indent >= 2)
                        or (len(prev) + 1 + len(s.split(" ", 1)[0]) < width and _SENTENCE_STOP.search(prev)
                            and _CAPITAL_START.match(s))):
            out.append([])
        out[-1].append(s)
        prev_indent, prev = indent, s
    return [_Item("paragraph", [_join(p)]) for p in out if p]


def _join(lines: list[str]) -> str:
    """Hard-wrapped lines joined; a word hyphenated at a line's end ("waistcoat-\\npocket") keeps
    its hyphen (a printed book's soft hyphens are not told apart from compounds in plain text)."""
    out = lines[0]
    for line in lines[1:]:
        out += line if out.endswith("-") and not out.endswith("--") and out[-2:-1].isalpha() else " " + line
    return out


def _mark_contents(items: list[_Item]) -> None:
    """A table of contents (three or more chapter lines with no prose between) is a list, not
    a run of empty chapters."""
    i = 0
    while i < len(items):
        if items[i].role == "heading" and items[i].kind in ("chapter", "part"):
            j, chapters = i, 0
            while j < len(items) and (items[j].role in ("heading", "list-item") or
                                      (items[j].role == "paragraph" and len(items[j].lines) == 1
                                       and _looks_title(items[j].lines[0]) and not items[j].lines[0].endswith("."))):
                chapters += items[j].role == "heading" and items[j].kind in ("chapter", "part")
                j += 1
            if chapters >= 3 and j - i >= 3:
                for k in range(i, j):
                    if items[k].role == "heading" and items[k].kind in ("chapter", "part"):
                        items[k] = _Item("list-item", [" ".join(items[k].lines)])
                    elif items[k].role == "paragraph":
                        items[k].role = "list-item"
                i = j
                continue
        i += 1


def _levels(items: list[_Item]) -> None:
    kinds = {i.kind for i in items if i.role == "heading"}
    chapter = 2 if "part" in kinds else 1
    below = chapter + 1 if kinds & {"chapter", "part"} else chapter
    levels = {"part": 1, "chapter": chapter, "caps": below, "setext1": 1, "setext2": 2}
    for item in items:
        if item.role == "heading":
            item.level = levels[item.kind]


def _chapter_titles(items: list[_Item]) -> None:
    """ "CHAPTER I", a blank line, "Down the Rabbit-Hole": the short line after a bare chapter
    line is its title (one heading of two lines)."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if (item.role == "heading" and item.kind in ("chapter", "part") and len(item.lines) == 1
                and _bare(item.lines[0]) and nxt is not None and len(nxt.lines) == 1
                and (nxt.role == "paragraph" or (nxt.role == "heading" and nxt.kind == "caps"))
                and _looks_title(nxt.lines[0])):
            item.lines.append(nxt.lines[0])
            out.append(item)
            i += 2
            continue
        out.append(item)
        i += 1
    items[:] = out


def _bare(line: str) -> bool:
    m = _CHAPTER.match(line) or _PART.match(line) or _ROMAN_LINE.match(line)
    return m is not None and not (m.groupdict().get("title") or "").strip()


def _looks_title(line: str) -> bool:
    words = line.split()
    if not words or len(words) > 10 or len(line) > 70 or line[0] in "\"'\u201c\u2018(`[":
        return False
    if line.endswith((",", ";", ":")):
        return False
    if line.endswith("."):  # a title may end with a period if it is set as one
        capital = sum(1 for w in words if w[0].isupper())
        return capital * 2 >= len(words) + 1
    return True


def _first_title(items: list[_Item]) -> None:
    """The text's first block, when it is an all-caps or setext-underlined line before any
    chapter, is the book's title."""
    for item in items:
        if item.role == "break":
            continue
        if item.role == "heading" and item.kind in ("caps", "setext1") and not _NOT_TITLE.match(item.lines[0]):
            item.role = "title"
        return


def _outline_title(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    first = lines[0].rstrip()
    return f"{first} {lines[1]}" if _SENTENCE_END.search(first) else f"{first}: {lines[1]}"
