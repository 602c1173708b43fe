"""The EPUB's Media Overlays (EPUB 3.3 Media Overlays): the recording's sentences and words
(`result.speech.sentences` and `.words`, CONTRACTS sections 10 and 14) as SMIL clips.

One SMIL document per content document (a page; in a whole book, a run of pages). Each sentence
is a `seq` whose `epub:textref` is the sentence's element in the page, holding one `par` per
word (its word's element and its clip): a `par` cannot hold `par`s, so a `seq` is how EPUB says "this sentence is these words". Reading systems
that play Media Overlays play the pars in order and highlight each word (media:active-class),
as PageVoice's own player does; those that know nested seqs (Readium, Thorium) also see the
sentences. `words=False` gives one `par` per sentence instead (one highlight per sentence).

The clips tile the recording: a word's clip runs from its start to the next word's start, and
the pause before a sentence (where a table's "3 rows, 2 columns" is said, or a page turns) is
heard with that sentence's first word, so the book plays as one continuous recording.
A sentence that runs over a page break is split into one seq per page (a SMIL document may
point only into its own content document, and each page's elements are its own).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr


@dataclass
class Clip:
    line: int
    word: int
    begin: int  # milliseconds into the recording
    end: int


@dataclass
class Part:
    """A sentence's words on one page, in speaking order. `whole`: the recording does not time
    its words (its one clip, of its first word, is the sentence's)."""
    sentence: int
    page: int
    clips: list[Clip]
    whole: bool = False
    audio: str | None = None  # its recording's file, relative to the SMIL (None: the page's one)

    @property
    def begin(self) -> int:
        return self.clips[0].begin

    @property
    def end(self) -> int:
        return self.clips[-1].end


def ms(seconds) -> int:
    return max(0, round(float(seconds) * 1000))


def plan(speech: dict) -> list[Part]:
    """The recording's sentences as clips, in speaking order, split by page. A word belongs to
    the last sentence starting at or before it (sentences start with their first word)."""
    sentences = speech["sentences"]
    starts = [ms(s["start"]) for s in sentences]
    total = ms(speech.get("seconds") or max([float(s["end"]) for s in sentences], default=0.0))
    groups: list[list[dict]] = [[] for _ in sentences]
    for word in speech.get("words") or []:
        groups[max(0, bisect.bisect_right(starts, ms(word["start"])) - 1)].append(word)
    parts: list[Part] = []
    cursor = 0
    for k, (sentence, words) in enumerate(zip(sentences, groups)):
        whole = not words
        words = words or [sentence]  # no word timings: the sentence as its first word
        end = min(total, max(ms(w["end"]) for w in [sentence, *words]))
        clips = _tiled(words, cursor, end)
        if clips:
            parts += _by_page(k, clips, [int(w.get("page", 0)) for w in words], whole)
            cursor = clips[-1][1].end
    return parts


def _tiled(words: list[dict], begin: int, end: int) -> list[tuple[int, Clip]]:
    """(index in `words`, clip) of each word: from `begin` (the previous sentence's end) to the
    next word's start, the last to `end`; words left no time (said at once) get no clip."""
    bounds = [begin]
    for word in words[1:]:
        bounds.append(min(end, max(bounds[-1], ms(word["start"]))))
    bounds.append(max(end, bounds[-1]))
    return [(i, Clip(int(w["line"]), int(w["word"]), bounds[i], bounds[i + 1]))
            for i, w in enumerate(words) if bounds[i + 1] > bounds[i]]


def _by_page(sentence: int, clips: list[tuple[int, Clip]], pages: list[int], whole: bool) -> list[Part]:
    parts: list[Part] = []
    for i, clip in clips:
        if not parts or parts[-1].page != pages[i]:
            parts.append(Part(sentence, pages[i], [], whole))
        parts[-1].clips.append(clip)
    return parts


def clock(milliseconds: int) -> str:
    """A SMIL clock value (h:mm:ss.fff), as media:duration takes it."""
    s, frac = divmod(milliseconds, 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{frac:03d}"


def duration(parts: list[Part]) -> int:
    """Milliseconds the parts' clips last (a page's media:duration)."""
    return sum(c.end - c.begin for part in parts for c in part.clips)


def smil(text_href: str, audio_href: str, parts: list[Part], sentence_ids: dict[int, list[str]],
         words: bool = True) -> str:
    """One page's Media Overlay document. `text_href`: the page, relative to this document;
    `audio_href`: the recording (a part's own `audio` instead, when it has one: a whole book's
    parts are files of their own); `sentence_ids`: the page's element ids of each sentence (the
    first is the seq's textref)."""
    return smil_head(text_href) + pars(text_href, audio_href, parts, sentence_ids, words) + SMIL_TAIL


def smil_head(text_href: str) -> str:
    """A Media Overlay document's start: pars() of its pages follow, then SMIL_TAIL."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">\n'
            f'<body epub:textref={quoteattr(text_href)}>\n')


SMIL_TAIL = "</body>\n</smil>\n"


def pars(text_href: str, audio_href: str, parts: list[Part], sentence_ids: dict[int, list[str]], words: bool = True,
         prefix: str = "") -> str:
    """The clips of one page's `parts` (smil()'s arguments; `prefix`: before its words' ids, as
    xhtml.Page.prefix)."""
    out = []
    for part in parts:
        audio = quoteattr(part.audio) if part.audio else quoteattr(audio_href)
        sentence = f"{text_href}#{sentence_ids[part.sentence][0]}"
        # A par per word; one of the sentence with words=False, or when the recording does not time its words.
        clips = ([(sentence, part.begin, part.end)] if not words or part.whole else
                 [(f"{text_href}#{prefix}{word_id(c.line, c.word)}", c.begin, c.end) for c in part.clips])
        found = "".join(f"<par><text src={quoteattr(src)}/>"
                        f"<audio src={audio} clipBegin=\"{begin / 1000:.3f}s\" clipEnd=\"{end / 1000:.3f}s\"/></par>\n"
                        for src, begin, end in clips)
        out.append(found if not words else f"<seq epub:textref={quoteattr(sentence)}>\n{found}</seq>\n")
    return "".join(out)


def word_id(line: int, word: int) -> str:
    """The element id of a page's word (line `line`, word `word` of CONTRACTS section 1)."""
    return f"w{line}-{word}"
