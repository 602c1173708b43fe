"""EPUB 2 and 3 books read into the flow Builder: META-INF/container.xml names the package
(OPF); its spine gives the reading order, each item a section walked by the HTML walker (an
EPUB chapter has no menus: its whole body is read); the navigation (EPUB 3's nav document,
else EPUB 2's NCX) becomes the outline, each entry pointing at the section its target landed
in. Not read in the flow: spine items marked linear="no", the navigation document, and a
table-of-contents page that is only links (audiobook listeners ask for it skipped).
Page-list targets and pagebreak markers become `page-number` blocks; footnotes and endnotes
(epub:type or DPUB-ARIA role) become `footnote` blocks, their reference markers kept in the text.

Every part comes through safe.Zip (a budget on what the book unpacks to) and safe.xml (no
entities, DTDs or network); chapters that are not well-formed XML are read with the forgiving
HTML parser. Own code rather than ebooklib (measured by bench/flow_epub.py): the same words on
a real book, but ebooklib reads every manifest part up front with no budget (a book carrying a
1 GB part packed to 2 MB took it 3.6 s and 2 GB; this reader 0.15 s and 53 MB), parses with
lxml's defaults, and is AGPL-3.0 licensed.
"""
from __future__ import annotations

import posixpath
from urllib.parse import unquote, urldefrag

from chalicelib.media.flow import Builder, FlowError, safe
from chalicelib.media.flow.held import HTML_OUT, Held
from chalicelib.media.flow.html import Walker, check_depth, hidden, html_hidden, links, tag, text_of, types

WHAT = "EPUB book"
XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml", "text/xml",
                         "application/x-dtbook+xml", "text/x-oeb1-document"})
XHTML_NAMES = (".xhtml", ".html", ".htm", ".xml")
# What encryption.xml may name without locking the text: fonts obfuscated so they are not reused.
FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")
MAX_PART = 32 * 1024 * 1024  # one chapter's XHTML; larger is not a chapter people wrote


def read(data: bytes, b: Builder, hint: str | None) -> dict:
    """The book's spine into `b`: {"title", "language", "outline"}."""
    z = safe.Zip(data, WHAT)
    opf_path = _package_path(z)
    opf = safe.xml(z.read(opf_path, limit=MAX_PART), f"{WHAT}'s package file")
    base = posixpath.dirname(opf_path)
    meta = _children(opf, "metadata")
    title = _first_text(meta, "title")
    language = _first_text(meta, "language") or opf.get("{http://www.w3.org/XML/1998/namespace}lang")
    manifest = _manifest(opf, base)
    spine_el = next((c for c in opf if tag(c) == "spine"), None)
    if spine_el is None:
        raise FlowError(f"This {WHAT} has no spine: its package file does not say what to read.")
    nav_path = next((m["path"] for m in manifest.values() if "nav" in m["props"]), None)
    ncx_path = (manifest.get(spine_el.get("toc") or "") or {}).get("path")
    if ncx_path is None:
        ncx_path = next((m["path"] for m in manifest.values() if m["type"] == "application/x-dtbncx+xml"), None)

    toc, pages = _navigation(z, nav_path, ncx_path)
    skip = _toc_pages(opf, base, manifest) | set(pages.pop("\0toc", {}))
    spine = _spine(z, spine_el, manifest, nav_path)

    starts: dict[str, int] = {}  # chapter path -> its first section
    ids: dict[tuple[str, str], int] = {}
    headings: list[dict] = []
    held = Held()
    for path in spine:
        if b.full:
            break
        body = _body(z, path)
        if body is None or (path in skip and _only_links(body)):
            continue
        held.add(body, HTML_OUT, html_hidden(body) + _boilerplate(body))
        b.section()
        starts.setdefault(path, b.section_index)
        walker = Walker(b, pages=pages.get(path), outline_levels=2, skip=_not_the_book)
        walker.walk(body)
        walker.flush()
        ids.update(((path, k), v) for k, v in walker.ids.items())
        headings.extend(walker.outline)
    if not b.sections:
        raise FlowError(f"This {WHAT} has no text to read: its pages hold only pictures without descriptions.")

    outline = []
    for label, level, path, frag in toc:
        section = ids.get((path, frag)) if frag else None
        if section is None:
            section = starts.get(path)
        if section is not None and label:
            outline.append({"title": label, "level": level, "section": section})
    return {"title": title, "language": language, "outline": outline or headings, "held": held.export()}


def _manifest(opf, base: str) -> dict[str, dict]:
    """id -> {"path" in the zip, "type", "props"} of the package's manifest."""
    out = {}
    for item in _children(opf, "manifest"):
        if tag(item) == "item" and item.get("id") and item.get("href"):
            out[item.get("id")] = {"path": _resolve(base, item.get("href")),
                                   "type": (item.get("media-type") or "").lower(),
                                   "props": set((item.get("properties") or "").split())}
    return out


def _spine(z: safe.Zip, spine_el, manifest: dict, nav_path: str | None) -> list[str]:
    """The chapters read in the flow, in order: linear, not the nav document, (X)HTML the zip holds."""
    spine = []
    for ref in spine_el:
        item = manifest.get(ref.get("idref") or "") if tag(ref) == "itemref" else None
        if item is None or (ref.get("linear") or "").strip().lower() == "no":
            continue
        readable = item["type"] in XHTML_TYPES or (not item["type"] and item["path"].lower().endswith(XHTML_NAMES))
        if item["path"] != nav_path and readable and z.has(item["path"]):
            spine.append(item["path"])
    if not spine:
        raise FlowError(f"This {WHAT} has nothing to read: its spine names no chapter the book holds.")
    if _locked(z) & set(spine):
        raise FlowError(f"This {WHAT} is locked (DRM): its chapters are encrypted, so PageVoice cannot read them. "
                        "Upload a copy without DRM (or save it as PDF).")
    return spine


# ---------------------------------------------------------------------- the package

def _package_path(z: safe.Zip) -> str:
    """The OPF's path: container.xml's rootfile, else the zip's only .opf."""
    if z.has("META-INF/container.xml"):
        container = safe.xml(z.read("META-INF/container.xml", limit=1 << 20), f"{WHAT}'s container file")
        for el in container.iter():
            if tag(el) == "rootfile" and el.get("full-path"):
                mt = (el.get("media-type") or "application/oebps-package+xml").lower()
                path = _resolve("", el.get("full-path"))
                if mt == "application/oebps-package+xml" and z.has(path):
                    return path
    opfs = [n for n in z.names if n.lower().endswith(".opf")]
    if len(opfs) == 1:
        return opfs[0]
    raise FlowError(f"This {WHAT} is incomplete: META-INF/container.xml does not name a package file "
                    "(the .opf that lists its chapters) that the book holds.")


def _locked(z: safe.Zip) -> set[str]:
    """The parts META-INF/encryption.xml says are encrypted (fonts' obfuscation aside)."""
    if not z.has("META-INF/encryption.xml"):
        return set()
    root = safe.xml(z.read("META-INF/encryption.xml", limit=MAX_PART), f"{WHAT}'s encryption list")
    out = set()
    for data in root.iter():
        if tag(data) != "encrypteddata":
            continue
        method = next((e.get("Algorithm") or "" for e in data.iter() if tag(e) == "encryptionmethod"), "")
        if method in FONT_OBFUSCATION:
            continue
        for ref in data.iter():
            if tag(ref) == "cipherreference" and ref.get("URI"):
                out.add(_resolve("", ref.get("URI")))
    return out


def _resolve(base: str, href: str) -> str:
    """A zip entry name for `href` relative to `base`: URL-decoded, normalised, never above
    the zip's root (a name that would escape it resolves to one the zip does not hold)."""
    href = unquote(urldefrag(href.strip())[0])
    joined = posixpath.normpath(posixpath.join(base, href)) if href else base
    joined = joined.lstrip("/")
    return "\0escapes" if joined.startswith("..") or joined == "." else joined


def _children(root, name: str):
    el = next((c for c in root if tag(c) == name), None)
    return list(el) if el is not None else []


def _first_text(elements, name: str) -> str | None:
    for el in elements:
        if tag(el) == name:
            t = " ".join("".join(el.itertext()).split())
            if t:
                return t
    return None


def _toc_pages(opf, base: str, manifest: dict) -> set[str]:
    """Chapters the book calls its table of contents: the EPUB 2 guide's toc reference, or named
    so (EPUB 3 landmarks come from the nav in _navigation)."""
    out = set()
    for ref in _children(opf, "guide"):
        if tag(ref) == "reference" and (ref.get("type") or "").lower() == "toc" and ref.get("href"):
            out.add(_resolve(base, ref.get("href")))
    for item in manifest.values():
        if posixpath.basename(item["path"]).lower() in ("toc.xhtml", "toc.html", "toc.xml", "contents.xhtml"):
            out.add(item["path"])
    return out


LINK_BLOCKS = frozenset({"ul", "ol", "table", "div", "p", "section", "dl"})


def _not_the_book(el) -> bool:
    """Project Gutenberg's header and licence inside its books' chapter files, and a chapter's
    own list of links (a contents list, an index): listeners ask for them skipped."""
    if el.get("id") in ("pg-header", "pg-footer") or "pg-boilerplate" in (el.get("class") or "").split():
        return True
    if tag(el) in LINK_BLOCKS:
        count, share = links(el)
        return count >= 4 and share > 0.8
    return False


def _boilerplate(body) -> list:
    """Project Gutenberg's header and licence (_not_the_book): left out on purpose."""
    return body.xpath(".//*[@id='pg-header' or @id='pg-footer' or "
                      "contains(concat(' ', normalize-space(@class), ' '), ' pg-boilerplate ')]")


def _only_links(body) -> bool:
    total = len(text_of(body))
    links = sum(len(text_of(a)) for a in body.iter() if tag(a) == "a")
    return total > 0 and links / total > 0.6


def _body(z: safe.Zip, path: str):
    """A chapter's <body> (XML, or HTML when it is not well-formed XML)."""
    from chalicelib.media.flow.formula import defuse

    data = defuse(z.read(path, limit=MAX_PART))  # a formula past the depth limit is refused alone
    what = f"{WHAT}'s chapter {posixpath.basename(path)!r}"
    try:
        root = safe.xml(data, what)
    except FlowError:
        if b"<!entity" in data[:1 << 20].lower():
            raise
        root = check_depth(safe.html(data, what), what)
    return next((el for el in root.iter() if tag(el) == "body"), root)


# -------------------------------------------------------------------- navigation

def _navigation(z: safe.Zip, nav_path: str | None, ncx_path: str | None):
    """([(label, level, chapter path, fragment)] of the table of contents, {chapter path:
    {element id: page label}} of the page list): the EPUB 3 nav document first, else the NCX."""
    toc: list[tuple[str, int, str, str]] = []
    pages: dict[str, dict[str, str]] = {}
    if nav_path and z.has(nav_path):
        _from_nav(z, nav_path, toc, pages)
    if ncx_path and z.has(ncx_path) and (not toc or not pages):
        _from_ncx(z, ncx_path, toc, pages)
    return toc, pages


def _from_nav(z: safe.Zip, nav_path: str, toc: list, pages: dict) -> None:
    try:
        nav = _body(z, nav_path)
    except FlowError:
        return  # a broken nav document costs the outline, not the book
    base = posixpath.dirname(nav_path)
    for el in nav.iter():
        if tag(el) != "nav":
            continue
        kinds = types(el)
        if kinds & {"toc", "doc-toc"} and not toc:
            _nav_list(el, base, 1, toc)
        elif kinds & {"page-list", "doc-pagelist"}:
            for label, _, path, frag in _nav_list(el, base, 1, []):
                if frag:
                    pages.setdefault(path, {})[frag] = label
        elif "landmarks" in kinds:
            # The visible contents page the book points at: skipped in the flow when it is only links.
            for a in el.iter():
                if tag(a) == "a" and types(a) & {"toc", "doc-toc"} and a.get("href"):
                    pages.setdefault("\0toc", {})[_target(base, a.get("href"))[0]] = "toc"


def _from_ncx(z: safe.Zip, ncx_path: str, toc: list, pages: dict) -> None:
    try:
        ncx = safe.xml(z.read(ncx_path, limit=MAX_PART), f"{WHAT}'s table of contents (NCX)")
    except FlowError:
        return
    base = posixpath.dirname(ncx_path)
    if not toc:
        nav_map = next((el for el in ncx.iter() if tag(el) == "navmap"), None)
        if nav_map is not None:
            _nav_points(nav_map, base, 1, toc)
    if not pages:
        for target in (el for el in ncx.iter() if tag(el) == "pagetarget"):
            label, src = _ncx_entry(target)
            path, frag = _target(base, src)
            if frag and label:
                pages.setdefault(path, {})[frag] = label


def _target(base: str, href: str | None) -> tuple[str, str]:
    href = (href or "").strip()
    frag = unquote(urldefrag(href)[1])
    return _resolve(base, href), frag


def _nav_list(nav, base: str, level: int, out: list) -> list:
    """Entries of a nav element's (nested) ordered list."""
    ol = next((c for c in nav.iter() if tag(c) == "ol"), None)
    if ol is not None:
        _nav_ol(ol, base, level, out)
    return out


def _nav_ol(ol, base: str, level: int, out: list) -> None:
    for li in ol:
        if tag(li) != "li" or hidden(li):
            continue
        link = next((c for c in li if tag(c) in ("a", "span")), None)
        if link is not None:
            label = text_of(link) or (link.get("title") or "").strip()
            path, frag = _target(base, link.get("href")) if tag(link) == "a" else ("", "")
            if path:
                out.append((label, min(level, 6), path, frag))
        for sub in li:
            if tag(sub) == "ol":
                _nav_ol(sub, base, level + 1, out)


def _ncx_entry(point) -> tuple[str, str | None]:
    label_el = next((c for c in point if tag(c) == "navlabel"), None)
    label = ""
    if label_el is not None:
        label = " ".join("".join(t.itertext()) for t in label_el if tag(t) == "text").strip()
        label = " ".join(label.split())
    content = next((c for c in point if tag(c) == "content"), None)
    return label, content.get("src") if content is not None else None


def _nav_points(parent, base: str, level: int, out: list) -> None:
    for point in parent:
        if tag(point) != "navpoint":
            continue
        label, src = _ncx_entry(point)
        if src:
            path, frag = _target(base, src)
            out.append((label, min(level, 6), path, frag))
        _nav_points(point, base, level + 1, out)
