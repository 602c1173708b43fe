"""Web pages (a saved page or an article) and the XHTML inside EPUBs, read into the flow
Builder's blocks.

Two steps:
1. `main_content`: the part of a page people came to read, without its menus, cookie banners,
   share bars, comments, related links and site footer. Own rules, chosen by measuring against
   readability-lxml and trafilatura on saved pages (bench/flow_html.py; README "Documents"):
   the page's own semantics first (<main>, role=main, the <article> that holds the text), then
   readability's paragraph scoring on pages without them; inside what was chosen, navigation,
   asides, footers, forms' controls, elements named like boilerplate (cookie, share, related,
   comments ...) and link-dense lists go. The rules keep the page's own elements, so what the
   libraries' rebuilt HTML lost on tests/media/flow/test_html.py's PAGE survives: readability-lxml
   kept its share bar and dropped nested list items; trafilatura lost the ordered lists' numbers,
   the figure's caption and the table's, and read a <template>'s text.
2. `Walker`: any lxml element (an HTML page's main content, an EPUB chapter's body) walked into
   blocks: h1-h6, p, lists with their numbers, tables with header cells, figures (images' alt
   text) and captions, <pre> as code when it is code (else as lines of text: verse), footnotes and page breaks (DPUB-ARIA roles, epub:type).
   Scripts, styles, templates and hidden elements are never read. Formulas: MathML, and TeX a
   page writes for MathJax or KaTeX, or their drawing saved with it (tex.py, run before step 1).

Nothing is ever fetched: lxml parses with the network off and the walker reads only text and
attributes (an image's alt, never its source).
"""
from __future__ import annotations

import html as _html
import re

from lxml import etree

from chalicelib.media.flow import Builder, FlowError, safe, tex
from chalicelib.media.flow.code import language_class, looks_like_code, stanzas
from chalicelib.media.flow.encoding import decode
from chalicelib.media.flow.held import HTML_OUT, Held

OPS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Never read: code, styling, embedded objects, form controls, the <head>.
NEVER = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "canvas",
                   "video", "audio", "select", "option", "button", "input", "textarea", "map", "head",
                   "link", "meta", "title", "base", "datalist", "dialog", "param", "source", "track"})
# Elements that open a block of their own; everything else is read inline.
BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
                    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
                    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
                    "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
                    "th", "thead", "tr", "ul", "listing", "xmp", "plaintext", "dir"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote", "doc-footnote", "doc-endnote"})
# A bibliography is read as notes too: left unspoken by default, as listeners of books ask.
NOTES_TYPES = frozenset({"footnotes", "endnotes", "rearnotes", "doc-endnotes", "doc-footnotes", "bibliography",
                         "doc-bibliography"})
PAGEBREAK_TYPES = frozenset({"pagebreak", "doc-pagebreak"})
NAV_TYPES = frozenset({"toc", "doc-toc", "page-list", "doc-pagelist", "landmarks"})
# Class names books give their notes when they carry no epub:type (EPUB 2).
NOTE_WORDS = frozenset({"footnote", "footnotes", "endnote", "endnotes", "references", "reflist"})
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""")
# WHATWG: pages that say Latin-1 or ASCII are decoded as windows-1252 by every browser.
_LABELS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
           "ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252"}


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """A saved web page's main content into `b`: {"title", "language", "outline"}."""
    root = parse(data, hint)
    tex.prepare(root)  # before scripts go: MathJax 2's formulas are scripts
    title = _title(root)
    language = _language(root)
    main, heading, weighed = main_content(root)
    # What the walk must keep is the main content as chosen (a page's menus and footers are
    # left out on purpose, up to 80% of some saved pages' text).
    held = Held()
    held.add(main, HTML_OUT, html_hidden(main))
    # A page too large to weigh is read whole, its boilerplate skipped by name as it is met.
    walker = Walker(b, skip=None if weighed else small_named_boiler)
    if heading:
        walker.add("title", heading)
    walker.walk(main)
    walker.flush()
    if not b.sections:
        raise FlowError("This web page has no text to read (a page that builds its text with scripts shows "
                        "nothing here: PageVoice does not run them). Save the page once it shows its text, or print it to PDF.")
    return {"title": title or heading, "language": language, "outline": walker.outline, "held": held.export()}


def parse(data: bytes, hint: str | None = None):
    """The page's root element, decoded by (in order) its BOM, its <meta charset>, the declared
    content type's charset, then encoding.decode's detection."""
    if not data.strip():
        raise FlowError("This web page is empty.")
    head = data[:4096]
    declared = None
    if not head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        if found:
            declared = found.group(1).decode("ascii")
        elif hint and "charset=" in hint.lower():
            declared = hint.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    if declared:
        declared = _LABELS.get(declared.lower(), declared)
    text, _ = decode(data, declared)
    # Parsed as UTF-8 bytes with the encoding fixed, so a <meta charset> cannot switch it again.
    from chalicelib.media.flow.formula import defuse

    # A formula nested past the parser's depth is refused alone, not the page (issue 58).
    data = defuse(text.encode("utf-8", "surrogatepass"))
    return check_depth(safe.html(data, "web page", encoding="utf-8"), "web page")


def check_depth(root, what: str):
    """`root`, or FlowError when it reaches libxml2's HTML depth limit: that parser stops there
    without an error and drops the rest of the document."""
    if _deepest(root) >= HTML_DEPTH:
        raise FlowError(f"This {what} nests its elements {HTML_DEPTH}+ deep; PageVoice does not read it.")
    return root


HTML_DEPTH = 255  # libxml2's own limit without huge_tree


def _deepest(root) -> int:
    """HTML_DEPTH when an element sits that deep, else less (one XPath step per level, in C)."""
    return HTML_DEPTH if root.xpath("boolean(/" + "/".join(["*"] * HTML_DEPTH) + ")") else 0


# ------------------------------------------------------------------------------ helpers

def tag(el) -> str | None:
    """The element's local name, lower case; None for comments and processing instructions."""
    t = el.tag
    if not isinstance(t, str):
        return None
    if t[:1] == "{":
        t = t.split("}", 1)[1]
    return t.lower()


def entity(el) -> str:
    """An XHTML entity reference left unresolved (the XML parser loads no DTD: `&copy;` in a
    chapter that names the XHTML DTD) as its character, by HTML's own list; '' for others."""
    if isinstance(el, etree._Entity):
        ch = _html.unescape(el.text or "")
        return "" if ch.startswith("&") else ch
    return ""


def types(el) -> set[str]:
    """The element's epub:type and role tokens (XHTML namespaced or an HTML parser's plain names)."""
    raw = " ".join(v for v in (el.get(f"{{{OPS}}}type"), el.get("epub:type"), el.get("role")) if v)
    return set(raw.lower().split()) if raw else set()


def hidden(el) -> bool:
    """Not shown to anyone: the hidden attribute, aria-hidden, or an inline display:none."""
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _DISPLAY_NONE.search(style))


def html_hidden(root) -> list:
    """The elements under `root` no one is shown (`hidden`): what flow.held leaves out of what a
    page holds."""
    return [e for e in root.xpath(".//*[@hidden or @aria-hidden or @style]") if hidden(e)]


def skipped(el) -> bool:
    t = tag(el)
    return t is None or t in NEVER or hidden(el)


def text_of(el, formula=None) -> str:
    """Every readable word under `el` in order, blocks and <br> kept apart by a space, images
    by their alt text; `formula(math)`: what a <math> element (or tex.TAG) becomes (Walker.formula's token)."""
    out: list[str] = []

    def visit(e) -> None:
        t = tag(e)
        if t is None:
            out.append(entity(e))
        elif t not in NEVER and not hidden(e):
            if t in ("math", tex.TAG) and formula is not None:
                out.append(formula(e))
            elif t == "img":
                out.append(" " + (e.get("alt") or "").strip() + " ")
            else:
                spaced = t in BLOCKS or t == "br"
                if spaced:
                    out.append(" ")
                if e.text:
                    out.append(e.text)
                for c in e:
                    visit(c)
                if spaced:
                    out.append(" ")
        if e.tail and e is not el:
            out.append(e.tail)

    visit(el)
    return " ".join("".join(out).split())


def _head(root):
    return next(root.iter("head", "{*}head"), None)


def _title(root) -> str | None:
    head = _head(root)
    if head is None:
        return None
    for el in head.iter("title", "{*}title"):
        t = " ".join("".join(el.itertext()).split())
        if t:
            return t
    for el in head.iter("meta", "{*}meta"):
        if (el.get("property") or el.get("name") or "").lower() in ("og:title", "dc.title"):
            t = " ".join((el.get("content") or "").split())
            if t:
                return t
    return None


def _language(root) -> str | None:
    lang = root.get("lang") or root.get(XML_LANG)
    head = _head(root)
    if not lang and head is not None:
        for el in head.iter("meta", "{*}meta"):
            if (el.get("http-equiv") or "").lower() == "content-language":
                lang = el.get("content")
                break
    lang = (lang or "").strip().split(",")[0].strip()
    return lang or None


# ---------------------------------------------------------------------- main content

# Class and id words of boilerplate (whole tokens of the attribute split at - _ and spaces).
BOILER_WORDS = frozenset({
    "cookie", "cookies", "consent", "gdpr", "cmp", "share", "sharing", "sharebar", "social", "comment",
    "comments", "disqus", "related", "recommended", "recommendations", "promo", "promotion", "advert",
    "advertisement", "ad", "ads", "adsense", "sponsor", "sponsored", "newsletter", "subscribe", "subscription",
    "signup", "sidebar", "breadcrumb", "breadcrumbs", "menu", "nav", "navbar", "navigation", "footer",
    "masthead", "popup", "modal", "widget", "widgets", "toolbar", "pagination", "pager", "outbrain", "taboola",
    "skip", "login", "banner", "byline", "tags", "tagcloud", "author-box", "print", "syndication", "rss",
    # Wikipedia's and WordPress's own names for their furniture.
    "editsection", "navbox", "catlinks", "printfooter", "noprint", "jump", "toc", "relatedposts",
    "sharedaddy", "post-navigation", "boilerplate"})
# Words that keep an element whose name also sounds like boilerplate ("article-footer-comments"
# loses, "main-content with-sidebar" stays).
CONTENT_WORDS = frozenset({"article", "body", "content", "entry", "main", "post", "story", "text", "blog",
                           "prose", "chapter", "page-content", "articlebody"})
BOILER_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog",
                          "alertdialog", "menu", "menubar", "toolbar", "tablist", "alert", "marquee"})
BOILER_TAGS = frozenset({"nav", "aside", "footer", "form"})
_TOKENS = re.compile(r"[\s_\-]+")
MIN_MAIN = 200  # characters a semantic <main>/<article> must hold to be trusted


def _words(el) -> set[str]:
    raw = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(_TOKENS.split(raw)) - {""} if raw.strip() else set()


# Weighing a container reads at most this many nodes of it: a page's boilerplate shows in its
# first few hundred, and a hostile page of a million nested elements stays linear.
SAMPLE = 400
# Pages with more elements than this are not weighed at all: read whole, boilerplate skipped by
# its tags, roles and names as the walk meets it (the caps end the walk long before the end).
MAX_SCAN = 30_000


def _sample(el, budget: int = SAMPLE) -> str:
    """The text of `el`'s first `budget` nodes (scripts and hidden elements are gone by now)."""
    out = []
    for i, node in enumerate(el.iter()):
        if i >= budget:
            break
        if isinstance(node.tag, str):
            if node.text:
                out.append(node.text)
            if node is not el and node.tail:
                out.append(node.tail)
    return " ".join(" ".join(out).split())


def _text_len(el) -> int:
    return len(_sample(el))


def _link_len(el) -> int:
    total = 0
    for i, a in enumerate(el.iter("a", "{*}a")):
        if i >= SAMPLE // 4:
            break
        total += len(_sample(a, 20))
    return total


def links(el) -> tuple[int, float]:
    """(How many links, the share of the text they hold) in `el`'s first nodes."""
    count = sum(1 for _ in zip(range(SAMPLE // 4), el.iter("a", "{*}a")))
    total = _text_len(el)
    return count, (_link_len(el) / total if total else 0.0)


def _full_len(el) -> int:
    return len(text_of(el))


def _strip(root) -> None:
    """Scripts, styles and hidden elements removed from the tree (their tails kept)."""
    doomed = [el for el in root.iter() if el is not root and tag(el) is not None and skipped(el)]
    for el in doomed:
        _drop(el)


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def main_content(root):
    """(The element holding the page's main content, boilerplate removed from it; the text of
    the page's <h1> when it lies outside that element, else None; False when the page was too
    large to weigh and the element is its whole body, boilerplate still in it)."""
    body = _body(root)
    if int(root.xpath("count(//*)")) > MAX_SCAN:
        return body, None, False
    _strip(root)
    base = _semantic(body)
    if base is None:
        base = _scored(body)
    if base is None:
        base = body
    _prune(base)
    heading = None
    if base is not body and next(base.iter("h1", "{*}h1"), None) is None:
        heading = _headline(body, base)
    return base, heading, True


def _headline(body, base) -> str | None:
    """The page's headline when the main content starts below it: the last <h1> before the
    content that is not the site's (a logo in the banner), else the first after it."""
    before, after, passed = None, None, False
    for el in body.iter():
        if el is base:
            passed = True
        elif tag(el) == "h1" and not _inside_boiler(el, body) and text_of(el):
            if not passed:
                before = el
            elif after is None:
                after = el
    chosen = before if before is not None else after
    return text_of(chosen) if chosen is not None else None


def _body(root):
    return next(root.iter("body", "{*}body"), root)


def _inside_boiler(el, stop) -> bool:
    """In the site's navigation, footer, aside or banner (a logo set as <h1>)."""
    while el is not None and el is not stop:
        t = tag(el)
        if t in ("nav", "footer", "aside") or types(el) & BOILER_ROLES:
            return True
        if t == "header" and _site_header(el):
            return True
        el = el.getparent()
    return False


def _site_header(el) -> bool:
    """A <header> that is the site's banner, not an article's: outside any article or main,
    and at the top of the page or holding the site's menu."""
    if any(tag(a) in ("article", "main") for a in el.iterancestors()):
        return False
    parent = el.getparent()
    if parent is not None and tag(parent) == "body":
        return True
    return any(tag(d) == "nav" or types(d) & BOILER_ROLES or _words(d) & {"menu", "nav", "navbar", "navigation", "logo"}
               for _, d in zip(range(SAMPLE), el.iter()))


def _semantic(body):
    """<main> / role=main, or the one <article> that holds the page's text."""
    mains = [el for el in body.iter() if _is_main(el)]
    mains = [el for el in mains if not any(_is_main(a) for a in el.iterancestors())] or mains
    sized = sorted(((_full_len(m), i, m) for i, m in enumerate(mains[:50])), reverse=True)
    if sized and sized[0][0] >= MIN_MAIN:
        main = sized[0][2]
        inner = _article(main)
        return inner if inner is not None else main
    return _article(body)


def _article(scope):
    """The <article> (not nested in another) holding most of `scope`'s text, when one clearly does."""
    arts = [el for el in scope.iter() if _is_article(el)]
    arts = [a for a in arts if not any(_is_article(o) for o in a.iterancestors())]
    if not arts:
        return None
    sized = sorted(((_full_len(a), i, a) for i, a in enumerate(arts[:200])), reverse=True)
    best, second = sized[0][0], (sized[1][0] if len(sized) > 1 else 0)
    if best < MIN_MAIN or best < 2 * second:
        return None  # a list of teasers, not one article
    if best < 0.4 * max(1, _full_len(scope)) and tag(scope) == "body":
        return None
    return sized[0][2]


def _is_main(el) -> bool:
    return tag(el) == "main" or "main" in types(el)


def _is_article(el) -> bool:
    return tag(el) == "article" or "article" in types(el)


def _contains(outer, inner) -> bool:
    p = inner.getparent()
    while p is not None:
        if p is outer:
            return True
        p = p.getparent()
    return False


_PARAS = frozenset({"p", "pre", "td", "blockquote"})
_POSITIVE = CONTENT_WORDS | {"article-body", "story-body", "entry-content", "post-content"}


def _weight(el) -> int:
    words = _words(el)
    w = 0
    if words & _POSITIVE:
        w += 25
    if words & BOILER_WORDS:
        w -= 25
    return w


def _scores(body) -> dict:
    """Readability's scores: each paragraph's (length, commas) added to its parent's and half
    to its grandparent's, from a start by the container's kind and class/id words."""
    scores: dict = {}
    for el in body.iter():
        t = tag(el)
        if t not in _PARAS and not (t == "div" and not any(tag(c) in BLOCKS for c in el)):
            continue
        text = _sample(el)
        if len(text) < 25:
            continue
        score = 1 + text.count(",") + min(len(text) // 100, 3)
        parent = el.getparent()
        for share, anc in ((1.0, parent), (0.5, parent.getparent() if parent is not None else None)):
            if anc is None:
                continue
            if anc not in scores:
                scores[anc] = float(_weight(anc)) + {"div": 5, "article": 10, "section": 5, "td": 3,
                                                     "pre": 3, "blockquote": 3}.get(tag(anc), 0)
            scores[anc] += score * share
    return scores


def _scored(body):
    """Readability's candidate: the container whose paragraphs score highest, less its share
    of link text; with its siblings when the article is split across them."""
    scores = _scores(body)
    if not scores:
        return None
    ranked = []
    for el, s in scores.items():
        total = _text_len(el)
        density = _link_len(el) / total if total else 1.0
        ranked.append((s * (1 - density), el))
    ranked.sort(key=lambda r: -r[0])
    top_score, top = ranked[0]
    if top_score <= 0:
        return None
    # Readability's two corrections: several near-top candidates under one ancestor (an
    # article split into steps or sections) make that ancestor the candidate; and a candidate
    # alone in its parent is its parent.
    near = [e for s, e in ranked[1:6] if s >= 0.75 * top_score]
    if len(near) >= 3:
        anc = top.getparent()
        while anc is not None and tag(anc) not in ("body", "html"):
            if sum(_contains(anc, e) for e in near) >= 3:
                top = anc
                break
            anc = anc.getparent()
    while (parent := top.getparent()) is not None and tag(parent) not in ("body", "html") and len(parent) == 1:
        top = parent
    parent = top.getparent()
    if parent is None:
        return top
    # The article's paragraphs sometimes sit in sibling containers: take the parent when a
    # sibling scores near the top one (its non-content children are pruned afterwards).
    best = dict((id(e), s) for s, e in ranked)
    if any(sib is not top and (best.get(id(sib), 0) >= max(10.0, top_score * 0.2) or _prose(sib)) for sib in parent):
        return parent
    return top


def _prose(el) -> bool:
    """A paragraph (or a box of them) of real sentences beside the candidate: an article's
    opening often sits apart from the container holding the rest."""
    if tag(el) not in ("p", "div", "section", "blockquote"):
        return False
    total = _text_len(el)
    return total >= 80 and _link_len(el) / total < 0.25 and "." in _sample(el)


def _prune(el, base_len: int | None = None, dense: bool = True) -> None:
    """Boilerplate under `el` removed: navigation, asides (not notes), footers, forms, elements
    named like boilerplate, and lists and blocks that are mostly links. An element merely
    named so (a wrapper `div.has-sidebar`, ASP.NET's page-wide <form>) stays when it holds
    most of the text."""
    if base_len is None:
        base_len = _full_len(el)
    for child in list(el):
        if (_boiler(child) if dense else named_boiler(child)) and not (_named(child) and _full_len(child) > 0.5 * base_len):
            _drop(child)
        else:
            # a data table's cells are mostly links (an infobox's values): only named parts go
            _prune(child, base_len, dense and not (tag(child) == "table" and data_table(child)))


def _named(el) -> bool:
    """Boilerplate by name only: a form, or class/id words."""
    if tag(el) == "form":
        return True
    words = _words(el)
    return bool(words & BOILER_WORDS and not words & CONTENT_WORDS and next(el.iter("h1", "{*}h1"), None) is None)


def named_boiler(el) -> bool:
    """Boilerplate by its tag, ARIA role or name (what a walk can tell at a glance)."""
    t = tag(el)
    if t is None:
        return False
    kinds = types(el)
    if kinds & (NOTE_TYPES | NOTES_TYPES | PAGEBREAK_TYPES):
        return False
    if t in BOILER_TAGS or kinds & BOILER_ROLES:
        return True
    if t == "header" and next(el.iter("h1", "h2", "h3", "{*}h1", "{*}h2", "{*}h3"), None) is None:
        return True
    # A list item is its list's: a note's id made from its text ("cite_note-The_Economist_print_edition")
    # names nothing; a share bar's or a menu's list is named or dense with links itself.
    return t != "li" and _named(el)


def small_named_boiler(el) -> bool:
    """named_boiler for a walk that cannot weigh the page: a named element is skipped only
    when it is small (a wrapper named like a sidebar holds thousands of nodes)."""
    if not named_boiler(el):
        return False
    t = tag(el)
    if t in BOILER_TAGS - {"form"} or types(el) & BOILER_ROLES or t == "header":
        return True
    return sum(1 for _ in zip(range(SAMPLE), el.iter())) < SAMPLE


def _boiler(el) -> bool:
    if named_boiler(el):
        return True
    t = tag(el)
    if t in ("ul", "ol", "div", "section", "table", "p", "dl", "menu"):
        total = _text_len(el)
        if total and _link_len(el) / total > (0.85 if t == "p" else 0.55):
            # A data table (an infobox: header cells by each value) and a list that is a
            # section of the article ("See also", "External links") are mostly links and
            # still content; menus and related links come named or outside the article.
            return not (t == "table" and data_table(el)) and not (t in ("ul", "ol") and _section_list(el))
    return False


def _section_list(el) -> bool:
    """A list that is its section's body: a heading comes before it with nothing but other
    lists and short non-paragraph blocks (a box, a picture, a <dt> sub-heading) between."""
    for prev in el.itersiblings(preceding=True):
        t = tag(prev)
        if t in HEADINGS or (t in ("div", "header", "hgroup") and len(prev) and all(tag(c) in HEADINGS for c in prev)):
            return True
        if t in ("p", "pre", "blockquote") or (t not in ("ul", "ol") and _text_len(prev) >= 200):
            return False
    return False


def data_table(el) -> bool:
    """A table of data, not one that lays a page out (after Readability's rule): it says so
    (header cells, a caption, a thead, a summary), or it has more than one column and its cells
    hold text, not the page's parts. A table inside it, a presentation role, one column (a
    box around text) or a cell holding headings, sections or paragraphs make it layout."""
    if types(el) & {"presentation", "none"} or any(tag(x) == "table" for x in el.iter() if x is not el):
        return False
    rows = list(_own(el, "tr"))
    if not rows:
        return False
    if el.get("summary") or any(tag(c) in ("caption", "thead", "tfoot", "colgroup", "col") for c in el):
        return True
    cells = [c for tr in rows for c in tr if tag(c) in ("td", "th")]
    if any(tag(c) == "th" for c in cells):
        return True
    if max(sum(1 for c in tr if tag(c) in ("td", "th")) for tr in rows) < 2:
        return False
    for c in cells:
        inside = [tag(x) for x in c.iter() if x is not c]
        if inside.count("p") > 1 or any(t in _LAYOUT_INSIDE for t in inside):
            return False
    return True


# What a layout table's cells hold and a data table's do not (one <p> a cell is a converter's habit).
_LAYOUT_INSIDE = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "article", "section",
                            "form", "main", "nav", "aside", "header", "footer"})


# ------------------------------------------------------------------------------- walker

_ALPHA = "abcdefghijklmnopqrstuvwxyz"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def marker(n: int, kind: str) -> str:
    """An ordered list item's number as the list shows it: 1, a, A, i or I."""
    if kind in ("a", "A") and n > 0:
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = _ALPHA[r] + s
        return (s.upper() if kind == "A" else s) + "."
    if kind in ("i", "I") and 0 < n < 4000:
        s = ""
        for v, r in _ROMAN:
            while n >= v:
                s, n = s + r, n - v
        return (s.upper() if kind == "I" else s) + "."
    return f"{n}."


def _int(value, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


class _List:
    def __init__(self, el, ordered: bool) -> None:
        self.ordered = ordered
        self.kind = (el.get("type") or "1").strip() or "1"
        items = sum(1 for c in el if tag(c) == "li")
        self.step = -1 if el.get("reversed") is not None else 1
        self.next = _int(el.get("start"), items if self.step < 0 else 1)


class Walker:
    """Walks elements into a Builder's blocks. `pages`: element ids that mark a page break and
    their labels (an EPUB's page-list). After the walk, `outline` lists the headings (levels 1-3)
    with their sections and `ids` maps every element id met to the section its text went to."""

    def __init__(self, b: Builder, *, pages: dict[str, str] | None = None, outline_levels: int = 3,
                 skip=None) -> None:
        self.b = b
        self.skip = skip  # elements not to read (a predicate), beside the never-read ones
        self.pages = pages or {}
        self.outline_levels = outline_levels
        self.outline: list[dict] = []
        self.ids: dict[str, int] = {}
        self._ids: list[str] = []  # ids met since the last block: they land in the next one
        self._buf: list[str] = []
        self._lines: list[str] = []
        self._roles: list[tuple[str, int | None]] = [("paragraph", None)]
        self._marker: str | None = None
        self._lists: list[_List] = []
        self._pages_due: list[str] = []  # page numbers met inside the open paragraph
        self._pages_next: list[str] = []  # page numbers that wait for the section's first block
        self._figure = 0

    # -- blocks out

    def add(self, role: str, text: str, *, level: int | None = None, lines: list[str] | None = None) -> bool:
        kept = self.b.add(role, text, level=level, lines=lines)
        if kept:
            self._landed()
            if role == "heading" and (level or 1) <= self.outline_levels:
                self.outline.append({"title": " ".join((text or " ".join(lines or [])).split()),
                                     "level": level or 1, "section": len(self.b.sections) - 1})
        return kept

    def _landed(self) -> None:
        section = len(self.b.sections) - 1
        for i in self._ids:
            self.ids.setdefault(i, section)
        self._ids.clear()
        due, self._pages_next = self._pages_next, []
        for label in due:
            self.add("page-number", label)

    def flush(self) -> None:
        """The open run of inline text ends: it becomes a block of the current role."""
        lines = [*self._lines, "".join(self._buf)]
        self._buf, self._lines = [], []
        lines = [x for x in (" ".join(line.split()) for line in lines) if x]
        if lines:
            role, level = self._roles[-1]
            if role in ("list-item", "footnote") and self._marker:
                lines[0] = f"{self._marker} {lines[0]}"
                self._marker = None
            if len(lines) == 1:
                self.add(role, lines[0], level=level)
            else:
                self.add(role, "", level=level, lines=lines)
        for label in self._pages_due:
            self.add("page-number", label)
        self._pages_due.clear()

    def _text(self, s: str | None) -> None:
        if s:
            self._buf.append(s)

    def _open(self) -> bool:
        return bool("".join(self._buf).strip() or self._lines)

    # -- the walk

    def walk(self, el) -> None:
        """`el`'s content (not its tail)."""
        if self.b.full:
            return
        t = tag(el)
        if t is None:
            self._text(entity(el))
            return
        if t in NEVER or hidden(el) or (self.skip is not None and self.skip(el)):
            return
        ident = el.get("id") or (el.get("name") if t == "a" else None)
        if ident:
            self._ids.append(ident)
        kinds = types(el)
        if kinds & PAGEBREAK_TYPES or "pagenum" in (el.get("class") or "").lower():
            # Project Gutenberg's books mark their print pages <span class="pagenum">[12]</span>.
            self._pagebreak(el, self.pages.get(ident))
            return
        if kinds & NAV_TYPES:
            return  # a table of contents or page list inside a chapter: the outline has it
        parent = el.getparent()
        if not kinds & NOTE_TYPES and _words(el) & NOTE_WORDS and (parent is None or tag(parent) not in HEADINGS):
            kinds = kinds | {"footnote"}  # (a heading's <span id="References"> names its section, not a note)
        block = t in BLOCKS or "heading" in kinds or bool(kinds & (NOTE_TYPES | NOTES_TYPES))
        if ident in self.pages:
            if block:
                self.flush()
            self._pagebreak(el, self.pages[ident])  # a page-list target: the page starts here
            if not len(el) and not (el.text or "").strip():
                return
        if not block:
            self._inline(el, t)
        elif t == "hr" or parent is None or tag(parent) in BLOCKS or text_of(el):
            # (an empty box inside a sentence, a widget's icon, does not split it)
            self.flush()
            self._block(el, t, kinds)
            self.flush()

    def _block(self, el, t: str, kinds: set[str]) -> None:
        if t in HEADINGS or "heading" in kinds:
            level = HEADINGS.get(t) or max(1, min(6, _int(el.get("aria-level"), 2)))
            self._within(el, ("heading", level))
        elif kinds & (NOTE_TYPES | NOTES_TYPES):
            # A notes section's headings stay headings; its paragraphs and items become notes.
            self._roles.append(("footnote", None))
            try:
                if t in ("ul", "ol"):
                    self._list(el, t == "ol")
                else:
                    self._children(el)
                self.flush()
            finally:
                self._roles.pop()
        elif t in ("ul", "ol", "menu", "dir"):
            self._list(el, t == "ol")
        elif t == "li":
            self._item(el)
        elif t == "table":
            self._table(el)
        elif t == "figure":
            self._figure += 1
            self._children(el)
            self._figure -= 1
        elif t in ("figcaption", "caption"):
            self._within(el, ("caption", None))
        elif t in ("pre", "listing", "xmp", "plaintext"):
            self._pre(el, t)
        elif t != "hr":
            self._children(el)

    def _pre(self, el, t: str) -> None:
        """Preformatted text: code when the markup or the text says so (code.py); else read
        with its lines, a stanza (lines between blank ones) a paragraph (verse, a letter)."""
        lines = "".join(_itertext(el)).strip("\n").split("\n")
        if t == "listing" or marked_code(el) or looks_like_code(lines):
            self.add("code", "", lines=lines)
            return
        for stanza in stanzas(lines):
            self.add(self._roles[-1][0], "", lines=stanza)

    def _children(self, el) -> None:
        self._text(el.text)
        for c in el:
            if self.b.full:
                return
            self.walk(c)
            self._text(c.tail)

    def _within(self, el, role: tuple[str, int | None]) -> None:
        self._roles.append(role)
        try:
            self._children(el)
            self.flush()
        finally:
            self._roles.pop()

    def _inline(self, el, t: str) -> None:
        if t == "br":
            self._lines.append("".join(self._buf))
            self._buf = []
        elif t == "img":
            alt = " ".join((el.get("alt") or "").split())
            if not alt:
                return
            if self._open() and not self._figure:
                self._text(f" {alt} ")  # an image inside a sentence (an emoji, a symbol) is read in it
            else:
                self.flush()
                self.add("figure", alt)
        elif t in ("math", tex.TAG):
            self._text(self.formula(el))
        else:
            self._children(el)

    def formula(self, el) -> str:
        """A <math> element, or TeX found in the page (tex.TAG), as a formula word's token in the
        text (media/flow/formula.py)."""
        from chalicelib.media.flow import formula

        return self.b.formula(tex.formula(el) if tag(el) == tex.TAG else formula.from_mathml(el))

    def _pagebreak(self, el, label: str | None) -> None:
        label = label or el.get("title") or el.get("aria-label") or text_of(el)
        label = " ".join((label or "").split()).strip("[]{}() ")
        if not label:
            return
        if self._open():
            self._pages_due.append(label)  # the paragraph it falls in stays whole
        elif self.b.section_index == len(self.b.sections):
            # A chapter opening on a new page: the number follows the chapter's first block, so
            # the heading still opens the chapter's section.
            self._pages_next.append(label)
        else:
            self.add("page-number", label)

    def _list(self, el, ordered: bool) -> None:
        self._lists.append(_List(el, ordered))
        try:
            self._children(el)
        finally:
            self._lists.pop()

    def _item(self, el) -> None:
        lst = self._lists[-1] if self._lists else None
        mark = None
        if lst is not None and lst.ordered:
            if el.get("value") is not None:
                lst.next = _int(el.get("value"), lst.next)
            mark = marker(lst.next, lst.kind)
            lst.next += lst.step
        role = self._roles[-1][0]
        self._marker = mark
        self._within(el, ("footnote" if role == "footnote" else "list-item", None))
        self._marker = None

    def _table(self, el) -> None:
        rows_el = [r for r in _own(el, "tr")]
        if not data_table(el):
            self._children(el)  # a page laid out with tables: its cells are containers
            return
        caption = next((text_of(c, self.formula) for c in el if tag(c) == "caption"), None)
        rows = []
        for tr in rows_el:
            in_head = tag(tr.getparent()) == "thead"
            row = [(text_of(c, self.formula), in_head or tag(c) == "th") for c in tr if tag(c) in ("td", "th") and not hidden(c)]
            if any(text for text, _ in row):
                rows.append(row)
        if self.b.table(rows, caption=caption or None):
            self._landed()


def marked_code(el) -> bool:
    """A <pre> whose markup says code: a <code>, <samp> or <kbd> inside, or a language class
    (language-x, highlight, sourceCode, brush: ...) on it, its first child or its parent."""
    if any(tag(x) in ("code", "samp", "kbd") for x in el.iter() if x is not el):
        return True
    near = [el, *el[:1]]
    if el.getparent() is not None:
        near.append(el.getparent())
    return any(language_class(x.get("class")) or x.get("data-lang") or x.get("data-language") for x in near
               if tag(x) is not None)


def _own(table, name: str):
    """`table`'s own rows (in thead/tbody/tfoot or directly), not those of tables inside it."""
    for child in table:
        t = tag(child)
        if t == name:
            yield child
        elif t in ("thead", "tbody", "tfoot"):
            yield from (r for r in child if tag(r) == name)


def _itertext(el):
    """Text under `el` in order, skipping what is never read."""
    if el.text:
        yield el.text
    for c in el:
        if tag(c) is None:
            yield entity(c)
        elif not skipped(c):
            if tag(c) == "br":
                yield "\n"
            else:
                yield from _itertext(c)
        if c.tail:
            yield c.tail
