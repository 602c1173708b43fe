"""What the recording says of a structured result, and where its chapters start.

`script` walks the blocks in reading order and writes the text the voice speaks, with, for
each spoken word, the result's words it is (read-along timings map back through them) and its
language. Pauses grow with structure: the voice's text carries them as line breaks (one: a
sentence or a table cell; two: a paragraph; three: a heading; four: a chapter), which the voice
turns into silences (chalicelib.engines.tts.base.spans). A heading is its own utterance, a list
item keeps its number, a table says its size and reads each row with its column headers, a
figure says "Figure" before its caption. Blocks whose role the upload skips are not spoken and
their words get no timings. A formula (a word carrying `formula`, issue 58) is said with its
words (`formula.spoken`, chalicelib/engines/math) inside its sentence, each of them the formula's
word, so the read-along lights the formula as a whole while they are heard.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.engines import math
from chalicelib.structure import DEFAULT_SKIP

SENTENCE, PARAGRAPH, HEADING, CHAPTER = "\n", "\n\n", "\n\n\n", "\n\n\n\n"
ENDS = (".", "!", "?", ":", ";", "…")


@dataclass
class Script:
    text: str = ""
    where: list[list[tuple[dict, int]]] = field(default_factory=list)  # per word of `text`
    languages: list[str] = field(default_factory=list)  # per word of `text`

    def say(self, tokens: list[tuple[str, list[tuple[dict, int]], str]], pause: str, before: str = "") -> None:
        """Append words (text, the result's words it is, language) and the pause after them;
        `before`: the least pause before them (a heading is set apart from what precedes it)."""
        if not tokens:
            return
        # A token said as several words (a formula) is several words of the text, each the same
        # result's words.
        tokens = [(part, w, c) for t, w, c in tokens for part in (t.split() or [t])]
        if self.text and len(before) > len(self.text) - len(self.text.rstrip("\n")):
            self.text = self.text.rstrip("\n") + before
        self.text += " ".join(t for t, _, _ in tokens) + pause
        self.where += [w for _, w, _ in tokens]
        self.languages += [c for _, _, c in tokens]


def apply_skip(pages: list[dict], skip) -> dict:
    """Mark each block `spoken` by the roles skipped; the counts per role left out (`skipped`)."""
    skip = set(DEFAULT_SKIP if skip is None else skip)
    counts: dict[str, int] = {}
    for page in pages:
        for block in page.get("blocks") or []:
            block["spoken"] = block["role"] not in skip
            if not block["spoken"]:
                counts[block["role"]] = counts.get(block["role"], 0) + 1
    return counts


def pages_of(result: dict) -> tuple[list[dict], bool]:
    """(the result's pages, whether they are a document's `pages`)."""
    pages = result.get("pages")
    return (pages, True) if pages else ([result], False)


def script(result: dict, main: str, numbers: list[int] | None = None) -> Script:
    """The spoken text of a result (CONTRACTS sections 1, 7, 13): its blocks in order, skipped
    ones left out; a page without blocks (an older result) is read line by line. `numbers`:
    each page's index in its book, when `result` holds a few of a book's pages (a recording
    section, chalicelib.jobs.plan), which the words then name."""
    out = Script()
    pages, is_doc = pages_of(result)
    is_doc = is_doc or numbers is not None
    for p, page in zip(numbers or range(len(pages)), pages):
        page_code = (page.get("language") or {}).get("code") or main

        def word(li: int, wi: int, text: str | None = None, page=page, p=p, page_code=page_code):
            line = page["lines"][li]
            name = {"line": li, "word": wi, **({"page": p} if is_doc else {})}
            written = line["words"][wi]
            code = line.get("language") or page_code
            said = said_formula(written)
            if said is not None and text is None:
                text, code = said, written["formula"].get("language") or code
                if written["formula"].get("mathml") and "error" not in written["formula"]:  # the engine's words
                    text = math.voiced(text, code)
            return (text or written["text"], [(name, len(written["text"]))], code)

        blocks = page.get("blocks")
        if blocks is None:
            blocks = [{"role": "paragraph", "lines": [i], "spoken": True, "flat": True} for i in range(len(page["lines"]))]
        for block in blocks:
            if not block.get("spoken", True):
                continue
            role = block["role"]
            if role == "table" and block.get("cells"):
                _table(out, page, block, word, page_code)
                continue
            if role == "figure":
                out.say([("Figure.", [], page_code)], SENTENCE)
                continue
            tokens = _flow(page, block["lines"], word)
            if role in ("heading", "title"):
                _end_sentence(tokens)
                pause = CHAPTER if role == "title" or block.get("level") == 1 else HEADING
                out.say(tokens, HEADING, before=pause)
            elif block.get("flat"):
                out.say(tokens, SENTENCE)
            else:
                out.say(tokens, PARAGRAPH)
    out.text = out.text.rstrip("\n")
    return out


def said_formula(word: dict) -> str | None:
    """What is said for a formula word: its spoken words (or "formula"), with the punctuation
    glued to it in the text (`span`); None for any other word."""
    found = word.get("formula")
    if not isinstance(found, dict):
        return None
    said = " ".join(str(found.get("spoken") or found.get("alt") or "formula").split()) or "formula"
    if int(found.get("words") or 1) > 1:  # a PDF's formula region: its words are not said
        return said
    text = word["text"]
    a, b = found.get("span") or (0, len(text))
    before, after = text[:a].strip(), text[b:].strip()
    return f"{before}{said}{after}"


def _flow(page: dict, lines: list[int], word) -> list:
    """A block's words in order; a word broken by a hyphen at a line's end is said whole."""
    tokens: list = []
    for li in lines:
        line = page["lines"][li]
        tokens_of_line = _line_tokens(line)
        region_end = -1  # a PDF's formula region (a formula word's `words`): its last word
        for k, (text, wis) in enumerate(tokens_of_line):
            entries = [word(li, wi) for wi in wis]
            names = [n for e in entries for n in e[1]]
            if tokens and wis and wis[0] <= region_end:  # said with the region's first word
                tokens[-1] = (tokens[-1][0], tokens[-1][1] + names, tokens[-1][2])
                continue
            if len(wis) == 1 and "formula" in line["words"][wis[0]]:
                text = entries[0][0]  # a formula: said by its words
                region_end = wis[0] + int(line["words"][wis[0]]["formula"].get("words") or 1) - 1
            token = (text, names, entries[0][2])
            if tokens and k == 0 and _broken(tokens[-1][0], text):
                prev = tokens.pop()
                token = (prev[0][:-1] + text, prev[1] + names, prev[2])
            tokens.append(token)
    return tokens


def _line_tokens(line: dict) -> list[tuple[str, list[int]]]:
    """The line's text tokens, each with the indexes of the words it holds (an engine may split
    a token into several words: "10/26/92" as "10/", "26/", "92")."""
    tokens, words = line["text"].split(), [w["text"] for w in line["words"]]
    if len(tokens) == len(words):
        return [(t, [i]) for i, t in enumerate(tokens)]
    out: list[tuple[str, list[int]]] = [(t, []) for t in tokens]
    if "".join(tokens) == "".join(words):
        ends, pos = [], 0
        for t in tokens:
            pos += len(t)
            ends.append(pos)
        pos = 0
        for i, w in enumerate(words):
            owner = next(k for k, e in enumerate(ends) if pos < e)
            out[owner][1].append(i)
            pos += len(w)
    else:
        for i in range(len(words)):
            out[min(len(tokens) - 1, i * len(tokens) // max(1, len(words)))][1].append(i)
    return [(t, wis) for t, wis in out if wis] or [(" ".join(tokens), list(range(len(words))))]


def _broken(prev: str, nxt: str) -> bool:
    return len(prev) > 2 and prev.endswith(("-", "\u00ad")) and prev[-2].isalpha() and nxt[:1].islower()


def _end_sentence(tokens: list) -> None:
    """A heading ends as a sentence does, so the voice closes it (its words stay the result's)."""
    if tokens and not tokens[-1][0].endswith(ENDS):
        text, names, code = tokens[-1]
        tokens[-1] = (text + ".", names, code)


def _table(out: Script, page: dict, block: dict, word, code: str) -> None:
    """"Table, 3 rows, 4 columns." then each row, its cells each after their column's header
    (the words added in the page's language, `code`)."""
    cells = block["cells"]
    rows = 1 + max(c["row"] for c in cells)
    cols = 1 + max(c["col"] for c in cells)
    header = {c["col"]: c for c in cells if c.get("header")}
    data_rows = rows - (1 if header else 0)
    said = f"Table, {data_rows} row{'s' if data_rows != 1 else ''}, {cols} column{'s' if cols != 1 else ''}."
    out.say([(w, [], code) for w in said.split()], SENTENCE)
    header_said = False
    for r in range(rows):
        row = [c for c in cells if c["row"] == r]
        if header and all(c.get("header") for c in row):
            continue
        for cell in sorted(row, key=lambda c: c["col"]):
            tokens = []
            head = header.get(cell["col"])
            if head is not None and head is not cell:
                head_tokens = _flow(page, head["lines"], word)
                if header_said:
                    head_tokens = [(t, [], c) for t, _, c in head_tokens]
                if head_tokens:
                    text, names, c = head_tokens[-1]
                    head_tokens[-1] = (text.rstrip(":") + ":", names, c)
                tokens += head_tokens
            tokens += _flow(page, cell["lines"], word)
            _end_sentence(tokens)
            out.say(tokens, SENTENCE)
        header_said = True
        out.text = out.text.rstrip("\n") + PARAGRAPH
    if not header_said and header:  # a table of headers alone
        for cell in sorted(header.values(), key=lambda c: c["col"]):
            out.say(_flow(page, cell["lines"], word), SENTENCE)


# ---------------------------------------------------------------- chapters


def chapters(result: dict, outline: list[dict] | None = None) -> list[dict]:
    """result["chapters"]: the spoken headings (and the title), or the PDF's outline where it has
    one, each with its page and block; `start` (seconds into the recording) once the recording's
    word timings are known (`with_starts`)."""
    pages, is_doc = pages_of(result)
    out = []
    if outline:
        for entry in outline:
            p = entry["page"]
            if not 0 <= p < len(pages):
                continue
            blocks = pages[p].get("blocks") or []
            block = _matching_block(pages[p], blocks, entry["title"])
            out.append({"title": entry["title"], "level": max(1, min(6, entry["level"])), "page": p, "block": block})
        if out:
            return out
    for p, page in enumerate(pages):
        for b, block in enumerate(page.get("blocks") or []):
            if block["role"] in ("title", "heading") and block.get("spoken", True) and block["lines"]:
                title = " ".join(page["lines"][i]["text"] for i in block["lines"])
                out.append({"title": title, "level": block.get("level") or 1, "page": p, "block": b})
    if not is_doc:
        for chapter in out:
            chapter.pop("page")
    return out


def _matching_block(page: dict, blocks: list[dict], title: str) -> int:
    """The block an outline entry points at: the spoken heading most like its title, else the
    page's first spoken block."""
    from difflib import SequenceMatcher

    want = title.strip().lower()
    best, score = None, 0.0
    for b, block in enumerate(blocks):
        if not block.get("spoken", True) or not block["lines"]:
            continue
        text = " ".join(page["lines"][i]["text"] for i in block["lines"]).lower()
        ratio = SequenceMatcher(None, want, text).ratio() + (0.2 if block["role"] in ("heading", "title") else 0)
        if ratio > score:
            best, score = b, ratio
    if best is not None and score >= 0.8:
        return best
    return next((b for b, block in enumerate(blocks) if block.get("spoken", True) and block["lines"]), 0)


def with_starts(result: dict, chapter_list: list[dict]) -> list[dict]:
    """Each chapter's `start`: when the first spoken word of its block (else of anything after
    it) is heard in the recording (result["speech"]["words"])."""
    pages, is_doc = pages_of(result)
    words = (result.get("speech") or {}).get("words") or []
    first: dict[tuple[int, int], float] = {}
    for w in words:
        first.setdefault((w.get("page", 0), w["line"]), w["start"])
    out = []
    for chapter in chapter_list:
        p = chapter.get("page", 0)
        blocks = pages[p].get("blocks") or []
        start = None
        for b in range(chapter["block"], len(blocks)):
            times = [first[(p, li)] for li in blocks[b]["lines"] if (p, li) in first]
            if times:
                start = min(times)
                break
        if start is None:  # nothing spoken after it on its page: the next spoken word after the page
            later = [w["start"] for w in words if w.get("page", 0) > p]
            start = min(later) if later else None
        if start is not None:
            out.append({**chapter, "start": round(start, 3)})
        else:
            out.append(dict(chapter))
    return out


def webvtt(chapter_list: list[dict], total: float) -> str:
    """A WebVTT chapters track (players list it as chapters) for chapters with a `start`."""
    timed = [c for c in chapter_list if c.get("start") is not None]
    lines = ["WEBVTT", ""]
    for k, chapter in enumerate(timed):
        end = timed[k + 1]["start"] if k + 1 < len(timed) else total
        if end <= chapter["start"]:
            end = chapter["start"] + 0.001
        lines += [str(k + 1), f"{_stamp(chapter['start'])} --> {_stamp(end)}",
                  chapter["title"].replace("-->", "→").replace("\n", " "), ""]
    return "\n".join(lines)


def _stamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
