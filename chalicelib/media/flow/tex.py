"""TeX in web pages (issue 79): a page that writes its formulas as TeX for MathJax or KaTeX to
draw, or that was saved with their drawing, has its formulas read as formulas, not as their
source ("backslash", "dollar") nor as their drawn glyphs.

`prepare(root)` rewrites a parsed page before its main content is chosen and walked (html.py):
- TeX between delimiters in the page's text, as MathJax's and KaTeX's defaults find it: `\\(...\\)`
  inline; `\\[...\\]`, `$$...$$` and a bare `\\begin{align}...\\end{align}` (equation, align,
  gather, multline, eqnarray, alignat, flalign) display. `$...$` inline only by pandoc's rule (no
  space inside either dollar, no digit after the closing one: "$5 and $10" is money) and, unless
  the page's MathJax or KaTeX configuration asks for dollars, only when it cannot be money (it does
  not start with a digit, and it is one letter or holds TeX: a command, ^, _, {, =). Text in
  code, preformatted blocks and what MathJax is told to ignore is left alone, as MathJax does.
- An escaped dollar `\\$` outside formulas is a dollar sign, as MathJax shows it.
- MathJax 2's `<script type="math/tex">` (`; mode=display`) is the formula; the preview and the
  drawing MathJax put before it are dropped.
- Drawn output: KaTeX's `.katex-html` glyphs and MathJax 3's `<mjx-math>` beside its
  `<mjx-assistive-mml>` are dropped, so the formula is read once, from the MathML kept beside
  them (html.Walker reads <math> as it reads any page's MathML, the TeX annotation kept).
Each found formula becomes a `TAG` element holding its TeX; the walker makes it a formula word by
`formula`, as Markdown's formulas are (formula.from_latex; the worker's MathJax makes its MathML).

Bounded: a delimiter without its closing one in the same text is read as text; a formula of more
than formula.MAX_LATEX characters, or nested (braces, \\left, \\begin) past formula.MAX_DEPTH,
fails alone and is said "formula"; at most MAX_FORMULAS formulas a page are made (the rest stay
text, where the page's caps have long ended the reading).
"""
from __future__ import annotations

import re

from chalicelib.media.flow import formula as formulas

TAG = "pagevoice-tex"  # the element a found formula becomes (no page uses this name)
MAX_FORMULAS = 20_000
CONFIG_CHARS = 50_000  # of each script searched for a MathJax or KaTeX configuration

# Display environments MathJax (processEnvironments) and KaTeX's auto-render find without delimiters.
ENVIRONMENTS = ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign")
_ENV = "|".join(ENVIRONMENTS)
# One pass over a text: an escaped backslash or dollar (skipped), or an opening delimiter.
_OPENERS = re.compile(r"\\\\|\\\$|\\\(|\\\[|\\begin\{(?P<env>(?:" + _ENV + r")\*?)\}|\$\$|\$")
_CLOSERS = {"\\(": "\\)", "\\[": "\\]", "$$": "$$"}
# A page's configuration asking for $...$: MathJax 2's tex2jax / 3's tex `inlineMath` holding
# ['$','$'], KaTeX auto-render's `delimiters` holding {left: "$", right: "$"}.
_ASKS_DOLLARS = re.compile(r"""inlineMath['"]?\s*[:=]\s*\[[^;]{0,200}?\[\s*['"]\$['"]\s*,\s*['"]\$['"]\s*\]"""
                           r"""|left['"]?\s*:\s*['"]\$['"]\s*,\s*right['"]?\s*:\s*['"]\$['"]""", re.S)
_TEX_SIGN = re.compile(r"[\\^_{=]")
_MONEYLIKE = re.compile(r"[\d.,]")
# Where MathJax and KaTeX's auto-render look for no TeX (their skipHtmlTags / ignoredTags), and
# what already is a formula or its drawing.
SKIP_TAGS = frozenset({"script", "noscript", "style", "textarea", "pre", "code", "kbd", "samp", "tt", "xmp",
                       "listing", "plaintext", "math", "annotation", "annotation-xml", "svg", "option", "select",
                       "mjx-container", "title", "head", TAG})
SKIP_CLASSES = frozenset({"tex2jax_ignore", "mathjax_ignore", "katex", "katex-display", "katex-mathml", "katex-html",
                          "mathjax", "mathjax_display", "mathjax_preview", "mjx_assistive_mathml"})
# What MathJax 2 draws for a <script type="math/tex"> and puts right before it.
MATHJAX2_DRAWN = frozenset({"mathjax_preview", "mathjax", "mathjax_display", "mathjax_svg", "mathjax_svg_display",
                            "mathjax_chtml", "mathjax_phtml", "mathjax_mathml", "mathjax_mathcontainer",
                            "mjxc-display", "mjx-chtml", "mathjax_chtml_display", "mathjax_phtml_display"})


def _tag(el) -> str | None:
    t = el.tag
    if not isinstance(t, str):
        return None
    return t.rpartition("}")[2].lower()


def _classes(el) -> set[str]:
    return set((el.get("class") or "").lower().split())


def formula(el) -> dict:
    """A `TAG` element's TeX as a formula (formula.from_latex), its environments tidied."""
    source = el.text or ""
    if len(source) > formulas.MAX_LATEX:
        return formulas.from_latex(source)  # fails it, with the reason
    if _nesting(source) > formulas.MAX_DEPTH:
        return formulas.failed(f"This formula nests its parts more than {formulas.MAX_DEPTH} deep; "
                               "PageVoice does not read it.")
    return formulas.from_latex(tidy(source), display=el.get("display") == "block")


_NESTING = re.compile(r"\\left\b|\\right\b|\\begin\s*\{|\\end\s*\{|\\[{}]|[{}]")


def _nesting(tex: str) -> int:
    """How deep braces, \\left ... \\right and environments nest (MathJax's parser recurses on each)."""
    depth = deepest = 0
    for m in _NESTING.finditer(tex):
        t = m.group(0)
        if t in ("\\{", "\\}"):
            continue
        depth += 1 if t in ("{", "\\left") or t.startswith("\\begin") else -1
        deepest = max(deepest, depth)
    return deepest


_ONE_LINE_ENV = re.compile(r"^\\begin\{(?P<env>(?:equation|align|gather|multline|eqnarray|flalign|aligned|"
                           r"gathered|split)\*?)\}(?P<body>.*)\\end\{(?P=env)\}$", re.S)
_NUMBERING = re.compile(r"\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:nonumber|notag)\b")
_ALIGNMENT = re.compile(r"(?<!\\)&")


def tidy(tex: str) -> str:
    r"""The TeX as the engine best says it: equation numbers and labels dropped (not part of the
    formula's words); an alignment environment of one line is that line (ClearSpeak says "1
    lines, Line 1: x; equals 1" for `\begin{align*} x &= 1 \end{align*}`)."""
    t = _NUMBERING.sub("", tex).strip()
    m = _ONE_LINE_ENV.match(t)
    if m:
        body = re.sub(r"\\\\\s*$", "", m.group("body").strip())
        if "\\begin" not in body and not _line_break(body):
            return " ".join(_ALIGNMENT.sub(" ", body).split())
    return t


def _line_break(body: str) -> bool:
    """Whether `body` breaks its line (\\\\ outside braces)."""
    depth = k = 0
    while k < len(body):
        c = body[k]
        if c == "\\":
            if body.startswith("\\\\", k) and depth == 0:
                return True
            k += 2
            continue
        depth += (c == "{") - (c == "}")
        k += 1
    return False


# ------------------------------------------------------------------------------ the page

def prepare(root) -> int:
    """`root` (a parsed page) with its TeX and drawn formulas rewritten as above; how many
    formulas were found as TeX."""
    dollars = asks_for_dollars(root)
    found = _scripts(root)
    found += _katex_spans(root, MAX_FORMULAS - found)
    _drawn(root)
    return found + _delimiters(root, dollars, MAX_FORMULAS - found)


def loads_katex(root) -> bool:
    """Whether the page loads KaTeX (a script or stylesheet of it, or a call of katex.render)."""
    if root.xpath("//script[contains(translate(@src, 'KATEX', 'katex'), 'katex')]"
                  " | //link[contains(translate(@href, 'KATEX', 'katex'), 'katex')]"):
        return True
    return any("katex.render" in (s.text or "")[:CONFIG_CHARS] for s in root.xpath("//script[not(@src)]")[:200])


def _katex_spans(root, budget: int) -> int:
    """pandoc --katex's formulas: `<span class="math inline|display">` holding bare TeX, which the
    page's script hands to katex.render (pandoc --mathjax puts delimiters in the same spans, which
    _delimiters finds; without a math option pandoc draws them as HTML, not TeX: no KaTeX then)."""
    if budget <= 0 or not loads_katex(root):
        return 0
    made = 0
    for el in root.xpath("//span[contains(@class, 'math')]"):
        classes = _classes(el)
        if made >= budget or "math" not in classes or not classes & {"inline", "display"} or len(el) \
                or not (el.text or "").strip() or _skipped(el.getparent()):
            continue
        el.getparent().replace(el, _new(el.text.strip(), "display" in classes, el.tail, el.makeelement))
        made += 1
    return made


def asks_for_dollars(root) -> bool:
    """Whether the page's MathJax or KaTeX configuration (in its scripts) reads $...$ as math."""
    for script in root.xpath("//script[not(@src)]")[:200]:
        if _ASKS_DOLLARS.search((script.text or "")[:CONFIG_CHARS]):
            return True
    return False


def _new(source: str, display: bool, tail: str | None, make):
    el = make(TAG)
    el.text = source
    if display:
        el.set("display", "block")
    el.tail = tail
    return el


def _scripts(root) -> int:
    """MathJax 2's <script type="math/tex"> as formulas, what MathJax drew for each dropped."""
    scripts = root.xpath("//script[starts-with(translate(normalize-space(@type), 'MATHEX', 'mathex'), 'math/tex')]")
    for s in scripts[:MAX_FORMULAS]:
        display = "mode=display" in (s.get("type") or "").lower().replace(" ", "")
        prev = s.getprevious()
        while prev is not None and _classes(prev) & MATHJAX2_DRAWN:
            _remove(prev)
            prev = s.getprevious()
        s.getparent().replace(s, _new(s.text or "", display, s.tail, s.makeelement))
    return min(len(scripts), MAX_FORMULAS)


def _drawn(root) -> None:
    """KaTeX's and MathJax 3's drawn glyphs dropped where their MathML is kept beside them (they
    are aria-hidden on a page as drawn; a saved copy may have lost that)."""
    for el in root.xpath("//*[contains(@class, 'katex-html')]"):
        parent = el.getparent()
        if "katex-html" in _classes(el) and parent is not None and any("katex-mathml" in _classes(c) for c in parent):
            _remove(el)
    for el in root.xpath("//mjx-container[.//mjx-assistive-mml]"):
        for c in list(el):
            if _tag(c) != "mjx-assistive-mml":
                _remove(c)
    for el in root.xpath("//*[contains(@class, 'katex-error')]"):
        # KaTeX shows TeX it could not draw as its source: MathJax may read it
        if "katex-error" in _classes(el) and el.getparent() is not None:
            el.getparent().replace(el, _new("".join(el.itertext()), False, el.tail, el.makeelement))


def _remove(el) -> None:
    """`el` out of the tree, its tail kept."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _skipped(el) -> bool:
    while el is not None:
        if _tag(el) in SKIP_TAGS or _classes(el) & SKIP_CLASSES:
            return True
        el = el.getparent()
    return False


def _delimiters(root, dollars: bool, budget: int) -> int:
    """TeX between delimiters in the page's text nodes made `TAG` elements; how many."""
    made = 0
    texts = root.xpath("//text()[contains(., '\\') or contains(., '$')]")
    for s in texts:
        if made >= budget:
            break
        owner = s.getparent()
        if owner is None or (not s.is_text and owner.getparent() is None) or \
                _skipped(owner if s.is_text else owner.getparent()):
            continue
        pieces = split(str(s), dollars, budget - made)
        if len(pieces) == 1 and "\\$" not in pieces[0]:
            continue
        # an escaped dollar is a dollar sign (MathJax's processEscapes): "\$5" is not "backslash dollar 5"
        pieces = [p.replace("\\$", "$") if k % 2 == 0 else p for k, p in enumerate(pieces)]
        made += (len(pieces) - 1) // 2
        if s.is_text:
            owner.text = pieces[0]
            parent, at = owner, 0
        else:
            owner.tail = pieces[0]
            parent, at = owner.getparent(), owner.getparent().index(owner) + 1
        for k in range(1, len(pieces), 2):
            source, display = pieces[k]
            parent.insert(at, _new(source, display, pieces[k + 1], parent.makeelement))
            at += 1
    return made


def split(text: str, dollars: bool, budget: int = MAX_FORMULAS) -> list:
    """`text` as [text, (tex, display), text, (tex, display), ..., text]: its formulas between
    delimiters, the text around them (delimiters without a closing one stay text)."""
    out: list = []
    at = start = 0
    unclosed: set[str] = set()  # closers not found after some point: not looked for again (linear)
    n = len(text)
    while at < n and budget > 0:
        m = _OPENERS.search(text, at)
        if m is None:
            break
        opener, at = m.group(0), m.end()
        if opener in ("\\\\", "\\$"):
            continue
        if m.group("env"):
            closer = "\\end{" + m.group("env") + "}"
        elif opener == "$":
            closer = "$"
        else:
            closer = _CLOSERS[opener]
        if closer in unclosed:
            continue
        end = _closing(text, m.end(), closer)
        if end < 0:
            if closer != "$":
                unclosed.add(closer)
            continue
        if m.group("env"):
            source, display, after = text[m.start():end + len(closer)], True, end + len(closer)
        else:
            source, display, after = text[m.end():end], opener != "$" and opener != "\\(", end + len(closer)
        if opener == "$" and not _inline_dollars(source, text[after:after + 1], dollars):
            continue  # the closing candidate may open the next one: scanning goes on after the opener
        if not source.strip():
            continue
        out += [text[start:m.start()], (source, display)]
        start = at = after
        budget -= 1
    if not out:
        return [text]
    return [*out, text[start:]]


def _closing(text: str, at: int, closer: str) -> int:
    """Where `closer` begins after `at`, else -1; one after an odd run of backslashes is not
    one ("\\$" a dollar sign inside the formula, "\\\\)" a line break and a parenthesis)."""
    while True:
        k = text.find(closer, at)
        if k < 0:
            return -1
        slashes = 0
        while k - slashes - 1 >= at and text[k - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return k
        at = k + 1


def _inline_dollars(source: str, after: str, asked: bool) -> bool:
    """$source$ is math: pandoc's rule (no space just inside either dollar, no digit just after),
    a formula of one paragraph; and, on a page that did not ask for dollars, nothing money-like."""
    if not source or source[0].isspace() or source[-1].isspace() or after.isdigit() or "\n\n" in source:
        return False
    if len(source) > formulas.MAX_LATEX:
        return False
    if asked:
        return True
    if _MONEYLIKE.match(source):
        return False
    return bool(_TEX_SIGN.search(source)) or (len(source) == 1 and source.isalpha())
