"""A formula's glyphs laid out on the page -> its TeX (issue 79 part 3).

What the page shows is read back as a teacher's layout: a thin rule with glyphs above and below it
is a fraction, one starting where a radical sign ends a square root (a small glyph over the sign
its index), a big operator's smaller glyphs above and below it its limits; on what is left, the
formula's baseline (its largest glyphs') is found and each glyph is on it, raised (a superscript)
or lowered (a subscript) from the glyph before it; a run of scripts is laid out again on its own
baseline (e^{-x^2}). Upright letters that spell a function's name are \\sin, \\log...; an
accent over a glyph is \\dot{x}, \\hat{x}. A glyph no table reads raises Unreadable: the formula
is then said "formula".
"""
from __future__ import annotations

from chalicelib.media.pdfmath.glyphs import Glyph, Rule

BIG = frozenset({"\\sum", "\\prod", "\\coprod", "\\int", "\\oint", "\\bigcup", "\\bigcap", "\\bigoplus",
                 "\\bigotimes", "\\bigodot", "\\biguplus", "\\bigwedge", "\\bigvee", "\\bigsqcup"})
FUNCTIONS = frozenset({"sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "arcsin", "arccos",
                       "arctan", "log", "ln", "lg", "exp", "lim", "max", "min", "sup", "inf", "det", "dim", "ker",
                       "deg", "gcd", "arg", "Pr", "hom", "mod"})
ACCENTS = frozenset({"\\dot", "\\ddot", "\\hat", "\\tilde", "\\bar", "\\check", "\\breve", "\\grave", "\\acute",
                     "\\mathring", "\\vec"})
MAX_DEPTH = 12  # nested layouts (a script of a fraction's numerator's ...)


class Unreadable(ValueError):
    """A glyph or a layout this reader cannot say."""


class _Item:
    """A piece of the formula's row: a glyph, or a built part (a fraction, a root, an operator
    with its limits) with the extent it covers."""

    def __init__(self, tex: str, x0: float, x1: float, y0: float, y1: float, size: float, by: float | None,
                 glyph: Glyph | None = None, axis: float | None = None):
        self.tex, self.x0, self.x1, self.y0, self.y1, self.size, self.by, self.glyph = tex, x0, x1, y0, y1, size, by, glyph
        self.axis = (y0 + y1) / 2 if axis is None else axis  # a built part's middle (a fraction's: its bar)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def tex_of(glyphs: list[Glyph], rules: list[Rule], depth: int = 0) -> str:
    """The TeX of `glyphs` (one formula's) with the `rules` drawn among them."""
    if depth > MAX_DEPTH:
        raise Unreadable("nested too deep")
    if not glyphs:
        return ""
    if any(not g.tex for g in glyphs):
        raise Unreadable("a glyph without a reading")
    glyphs = _accents(list(glyphs), rules, depth)
    items: list[_Item] = []
    used: set[int] = set()
    for rule in sorted(_inside(rules, glyphs), key=lambda r: -(r.x1 - r.x0)):  # the widest first: nesting
        item = _radical(rule, glyphs, rules, used, depth) or _fraction(rule, glyphs, rules, used, depth)
        if item is not None:
            items.append(item)
    for g in sorted((g for g in glyphs if g.tex in BIG and id(g) not in used), key=lambda g: g.x0):
        items.append(_big(g, glyphs, rules, used, depth))
    items += _named_limits(glyphs, rules, used, depth)
    rest = [g for g in glyphs if id(g) not in used]
    items += [_Item(g.tex, g.x0, g.x1, g.y0, g.y1, g.size, g.by, g) for g in rest]
    items = _grids(_dedupe(items), rules, depth)
    rows = _rows(items, rules, depth)
    if rows is not None:
        return rows
    return _row(sorted(items, key=lambda it: (it.x0, -it.y1)), rules, depth)


OPENING = {"(": ")", "[": "]", "|": "|", "\\|": "\\|", "\\{": "\\}", "\\lfloor": "\\rfloor", "\\lceil": "\\rceil",
           "\\langle": "\\rangle"}


def _grids(items: list[_Item], rules, depth) -> list[_Item]:
    """A tall delimiter and its partner around rows (a matrix), or a tall brace with rows after it
    (cases): what they hold built as rows, one item in their place."""
    items = sorted(items, key=lambda it: (it.x0, -it.y1))
    for k, it in enumerate(items):
        if it.glyph is None or it.glyph.kind != "big" or it.tex not in OPENING:
            continue
        inside = [x for x in items[k + 1:] if it.y0 - 1 <= x.cy <= it.y1 + 1]
        close = next((x for x in inside if x.glyph is not None and x.glyph.kind == "big" and x.tex == OPENING[it.tex]
                      and x.y1 - x.y0 >= 0.6 * (it.y1 - it.y0)), None)
        held = [x for x in inside if close is None or x.x1 <= close.x0 + 0.5]
        if close is not None:
            held = [x for x in held if x is not close]
        grid = _rows(held, rules, depth, env=_environment(it.tex, close.tex if close else None)) if held else None
        if grid is None:
            continue
        grid = _binomial(grid)
        gone = {id(x) for x in held} | {id(it)} | ({id(close)} if close else set())
        last = close or max(held, key=lambda x: x.x1)
        built = _Item(grid, it.x0, last.x1, it.y0, it.y1, max(x.size for x in held), None, axis=(it.y0 + it.y1) / 2)
        return _grids([x for x in items if id(x) not in gone] + [built], rules, depth)
    return items


def _binomial(tex: str) -> str:
    """A 2-by-1 grid in parentheses is a binomial coefficient (\\binom{n}{k}), as TeX's \\choose draws it."""
    inner = tex[len("\\begin{pmatrix} "):-len(" \\end{pmatrix}")]
    rows = inner.split(" \\\\ ")
    if tex.startswith("\\begin{pmatrix}") and len(rows) == 2 and not any(" & " in r for r in rows):
        return f"\\binom{{{rows[0]}}}{{{rows[1]}}}"
    return tex


def _environment(left: str, right: str | None) -> str | None:
    if right is None:  # a brace (or what a text map calls "(") with rows after it and nothing closing them
        return "cases" if left in ("\\{", "(") else None
    return ENVIRONMENTS.get((left, right))


def _inside(rules: list[Rule], glyphs: list[Glyph]) -> list[Rule]:
    x0, x1 = min(g.x0 for g in glyphs), max(g.x1 for g in glyphs)
    y0, y1 = min(g.y0 for g in glyphs), max(g.y1 for g in glyphs)
    return [r for r in rules if r.x0 >= x0 - 3 and r.x1 <= x1 + 3 and y0 - 1 <= r.y <= y1 + 1]


def _over(g: Glyph, rule: Rule) -> bool:
    return rule.x0 - 0.5 <= g.cx <= rule.x1 + 0.5


def _radical(rule, glyphs, rules, used, depth) -> _Item | None:
    signs = [g for g in glyphs if g.tex == "\\surd" and id(g) not in used and abs(g.x1 - rule.x0) <= 1.5
             and abs(g.y1 - rule.y1) <= 2.0]
    if not signs:
        return None
    sign = signs[0]
    inner = [g for g in glyphs if g is not sign and id(g) not in used and _over(g, rule) and g.cy < rule.y
             and g.y0 >= sign.y0 - 1]
    index = [g for g in glyphs if g is not sign and id(g) not in used and sign.x0 - 1 <= g.cx <= sign.x1
             and g.cy > sign.cy and g.size < 0.9 * max(x.size for x in inner or [sign])]
    for g in [sign, *inner, *index]:
        used.add(id(g))
    sub = [r for r in rules if r is not rule]
    body = tex_of(inner, sub, depth + 1)
    tex = f"\\sqrt[{tex_of(index, sub, depth + 1)}]{{{body}}}" if index else f"\\sqrt{{{body}}}"
    part = [sign, *inner]
    return _Item(tex, min(g.x0 for g in part + index), rule.x1, sign.y0, rule.y1, max(g.size for g in inner or [sign]), None)


def _fraction(rule, glyphs, rules, used, depth) -> _Item | None:
    free = [g for g in glyphs if id(g) not in used and _over(g, rule)]
    size = max((g.size for g in free if g.kind != "big"), default=10.0)
    above = _stack([g for g in free if g.y0 >= rule.y - 0.5], rules, rule, size, up=True)
    below = _stack([g for g in free if g.y1 <= rule.y + 0.5], rules, rule, size, up=False)
    if not above or not below:
        return None
    for g in above + below:
        used.add(id(g))
    sub = [r for r in rules if r is not rule]
    tex = f"\\frac{{{tex_of(above, sub, depth + 1)}}}{{{tex_of(below, sub, depth + 1)}}}"
    size = max(g.size for g in above + below)
    return _Item(tex, rule.x0, rule.x1, min(g.y0 for g in below), max(g.y1 for g in above), size, None, axis=rule.y)


def _stack(side: list[Glyph], rules, rule: Rule, size: float, up: bool) -> list[Glyph]:
    """A fraction's numerator (`up`) or denominator: the glyphs of `side` set close to its bar, and
    those touching them (their scripts, a fraction inside it with its own bar); not the row of a
    matrix above or below."""
    inner = [r for r in rules if r is not rule and rule.x0 - 0.5 <= (r.x0 + r.x1) / 2 <= rule.x1 + 0.5]
    # A bar as wide as this one on this side is a neighbour's (a matrix's next row), not nested in
    # it: a glyph nearer to it is its.
    walls = [r for r in inner if r.x0 <= rule.x0 + 1 and r.x1 >= rule.x1 - 1 and (r.y > rule.y) == up]
    side = [g for g in side if not any(abs(g.cy - w.y) < abs(g.cy - rule.y) for w in walls)]
    if not side:
        return []
    # From the glyphs nearest the bar, and what touches them.
    reach = min(g.y0 for g in side) + 0.05 * size if up else max(g.y1 for g in side) - 0.05 * size
    taken: list[Glyph] = []
    while True:
        more = [g for g in side if g not in taken and (g.y0 <= reach if up else g.y1 >= reach)]
        if not more:
            return taken
        taken += more
        if up:
            reach = max(g.y1 for g in taken) + 0.05 * size
            reach = max([reach] + [r.y + 0.55 * size for r in inner if rule.y < r.y <= reach])
        else:
            reach = min(g.y0 for g in taken) - 0.05 * size
            reach = min([reach] + [r.y - 0.6 * size for r in inner if reach <= r.y < rule.y])


def _big(op: Glyph, glyphs, rules, used, depth) -> _Item:
    """A big operator and the limits set above and below it (display style)."""
    used.add(id(op))
    free = [g for g in glyphs if id(g) not in used]
    others = [(g.x0, g.x1) for g in glyphs if g.tex in BIG and g is not op]
    above = _limit(op, [g for g in free if op.y1 - 0.5 <= g.y0 <= op.y1 + 2 * op.size], others)
    below = _limit(op, [g for g in free if op.y0 - 2 * op.size <= g.y1 <= op.y0 + 0.5], others)
    for g in above + below:
        used.add(id(g))
    sub = [r for r in rules]
    tex = op.tex
    if below:
        tex += f"_{{{tex_of(below, sub, depth + 1)}}}"
    if above:
        tex += f"^{{{tex_of(above, sub, depth + 1)}}}"
    part = [op, *above, *below]
    # Its baseline: the row's (None), so scripts after it are judged against the row.
    return _Item(tex, min(g.x0 for g in part), max(g.x1 for g in part), op.y0, op.y1, op.size, None, op)


LIMIT_NAMES = ("liminf", "limsup", "argmax", "argmin", "lim", "max", "min", "sup", "inf", "det", "Pr", "gcd")


def _named_limits(glyphs, rules, used, depth) -> list[_Item]:
    """\\lim, \\max ... with their limits set below them (display style): \\lim_{x \\to 0}."""
    letters = sorted((g for g in glyphs if id(g) not in used and g.upright and len(g.tex) == 1 and g.tex.isalpha()),
                     key=lambda g: g.x0)
    out = []
    k = 0
    while k < len(letters):
        word = [letters[k]]
        while k + len(word) < len(letters):
            g = letters[k + len(word)]
            if abs(g.by - word[-1].by) > 0.2 * g.size or not -0.1 * g.size < g.x0 - word[-1].x1 < 0.15 * g.size:
                break
            word.append(g)
        name = "".join(g.tex for g in word)
        if name in LIMIT_NAMES:
            x0, x1, y0 = word[0].x0, word[-1].x1, min(g.y0 for g in word)
            size = max(g.size for g in word)
            below = [g for g in glyphs if id(g) not in used and g not in word and x0 - 0.5 * (x1 - x0) <= g.cx <= x1 + 0.5 * (x1 - x0)
                     and g.y1 <= y0 + 0.5 and g.y1 >= y0 - 2 * size and g.size < 0.9 * size]
            if below:
                for g in word + below:
                    used.add(id(g))
                tex = f"\\{name}_{{{tex_of(below, rules, depth + 1)}}}" if name != "Pr" else f"\\Pr_{{{tex_of(below, rules, depth + 1)}}}"
                out.append(_Item(tex, min(g.x0 for g in word + below), max(g.x1 for g in word + below), min(g.y0 for g in below),
                                 max(g.y1 for g in word), size, None, axis=word[0].by + 0.25 * size))
        k += len(word)
    return out


def _limit(op: Glyph, band: list[Glyph], others=()) -> list[Glyph]:
    """The glyphs of a band above (or below) a big operator that are its limit: those over it and
    those set close beside them (a limit wider than the operator, "n_{samples} - 1"), not over
    another operator (`others`' spans)."""
    band = sorted((g for g in band if not any(a <= g.cx <= b for a, b in others)), key=lambda g: g.x0)
    over = [k for k, g in enumerate(band) if op.x0 - 1 <= g.cx <= op.x1 + 1]
    if not over:
        return []
    a, b = over[0], over[-1]
    gap = 0.35 * op.size
    while a > 0 and band[a].x0 - band[a - 1].x1 < gap:
        a -= 1
    while b + 1 < len(band) and band[b + 1].x0 - max(g.x1 for g in band[a:b + 1]) < gap:
        b += 1
    return band[a:b + 1]


def _accents(glyphs: list[Glyph], rules, depth) -> list[Glyph]:
    """An accent glyph over a glyph: the glyph's token wrapped (\\dot{x}); the accent goes."""
    out = list(glyphs)
    for a in [g for g in glyphs if g.tex in ACCENTS]:
        bases = [g for g in out if g is not a and g.tex not in ACCENTS and g.x0 - 1 <= a.cx <= g.x1 + 1
                 and g.cy < a.cy and a.y0 >= g.cy]
        if not bases:
            raise Unreadable("an accent over nothing")
        base = min(bases, key=lambda g: a.y0 - g.y1)
        out.remove(a)
        k = out.index(base)
        out[k] = Glyph(base.index, f"{a.tex}{{{base.tex}}}", base.kind, base.size, base.x0, base.y0, base.x1,
                       max(base.y1, a.y1), base.bx, base.by, upright=False)
    return out


def _dedupe(items: list[_Item]) -> list[_Item]:
    """A big delimiter built of pieces stacked (CMEX's extensible parentheses): one delimiter."""
    out: list[_Item] = []
    for it in sorted(items, key=lambda it: (it.x0, -it.y1)):
        prev = out[-1] if out else None
        if prev is not None and it.tex == "." and prev.tex in (".", "\\vdots") and abs(it.x0 - prev.x0) < 1 \
                and it.y1 < prev.y0:  # dots one under another: \vdots
            prev.tex, prev.y0, prev.by, prev.glyph = "\\vdots", it.y0, None, None
            prev.axis = (prev.y0 + prev.y1) / 2
            continue
        if prev is not None and it.glyph is not None and prev.glyph is not None and it.glyph.kind == "big" \
                and prev.glyph.kind == "big" and abs(it.x0 - prev.x0) < 1 and it.tex not in BIG and prev.tex not in BIG:
            prev.y0, prev.y1 = min(prev.y0, it.y0), max(prev.y1, it.y1)
            continue
        out.append(it)
    return out


ENVIRONMENTS = {("(", ")"): "pmatrix", ("[", "]"): "bmatrix", ("|", "|"): "vmatrix", ("\\|", "\\|"): "Vmatrix",
                ("\\{", "\\}"): "Bmatrix"}


def _rows(items: list[_Item], rules=(), depth: int = 0, env: str | None = "aligned") -> str | None:
    """Several rows one under another (a matrix, cases, aligned lines): each row's TeX, in the
    environment its delimiters say; None for a single row."""
    plain = [it for it in items if it.glyph is not None and it.glyph.kind != "big" and it.by is not None]
    if not plain:
        return None
    top = max(it.size for it in plain)
    levels = sorted({round(it.by, 1) for it in plain if it.size >= 0.9 * top}, reverse=True)
    bands: list[list[float]] = []
    for y in levels:
        if bands and bands[-1][-1] - y < 1.0 * top:
            bands[-1].append(y)
        else:
            bands.append([y])
    if len(bands) < 2:
        return None
    centres = [sum(b) / len(b) for b in bands]
    x0, x1 = min(it.x0 for it in items), max(it.x1 for it in items)
    span = centres[0] - centres[-1]
    tall = [it for it in items if it.glyph is not None and it.glyph.kind == "big" and it.y1 - it.y0 >= 0.8 * span
            and it.tex not in BIG]
    if env is None:
        return None
    left = next((it for it in tall if it.x0 - x0 < 0.5 * top), None) if env == "aligned" else None
    right = next((it for it in tall if x1 - it.x1 < 0.5 * top and it is not left), None) if env == "aligned" else None
    rows: list[list[_Item]] = [[] for _ in bands]
    for it in items:
        if it is left or it is right:
            continue
        y = it.by if it.by is not None else it.axis - 0.25 * top
        rows[min(range(len(bands)), key=lambda k: abs(centres[k] - y))].append(it)
    if left is not None and right is not None:
        env = ENVIRONMENTS.get((left.tex, right.tex), "matrix")
    elif left is not None and left.tex == "\\{":
        env = "cases"
    lines = []
    for row in rows:
        row = sorted(row, key=lambda it: (it.x0, -it.y1))
        cells: list[list[_Item]] = [[]]
        for it in row:
            if env != "aligned" and cells[-1] and it.x0 - max(c.x1 for c in cells[-1]) > 0.9 * top:
                cells.append([])
            cells[-1].append(it)
        lines.append(" & ".join(_row(c, rules, depth + 1) for c in cells if c))
    body = " \\\\ ".join(lines)
    out = f"\\begin{{{env}}} {body} \\end{{{env}}}"
    if env == "aligned" and left is not None:  # a delimiter on one side only
        out = f"\\left{left.tex} {out} \\right."
    return out


def _row(items: list[_Item], rules, depth) -> str:
    """Items left to right: each on the row's baseline, or a script of the one before it."""
    plain = [it for it in items if it.glyph is not None and it.glyph.kind != "big" and it.by is not None]
    if plain:
        top = max(it.size for it in plain)
        main = [it for it in plain if it.size >= 0.9 * top]
        base_y = sorted(it.by for it in main)[len(main) // 2]
        size = top
    else:
        base_y, size = None, max(it.size for it in items)
    out: list[str] = []
    k = 0
    while k < len(items):
        if _level(items[k], base_y, size) == 0:
            name, n = _name(items, k)
            g = items[k].glyph
            out.append(name or (f"\\mathbf{{{g.tex}}}" if g is not None and g.bold and g.tex.isalpha() else items[k].tex))
            k += n if name else 1
        else:  # a script with nothing before it
            out.append("{}")
        sup: list[_Item] = []
        sub: list[_Item] = []
        while k < len(items) and (level := _level(items[k], base_y, size)) != 0:
            (sup if level > 0 else sub).append(items[k])
            k += 1
        if sub:
            out.append(f"_{{{_sub_tex(sub, rules, depth)}}}")
        if sup:
            out.append(f"^{{{_sub_tex(sup, rules, depth)}}}")
    k = 0
    while k + 1 < len(out):  # two bars side by side: a norm's
        if out[k] == out[k + 1] == "|":
            out[k:k + 2] = ["\\|"]
        k += 1
    k = 0
    while k + 2 < len(out):  # three dots: an ellipsis
        if out[k] == out[k + 1] == out[k + 2] and out[k] in (".", "\\cdot"):
            out[k:k + 3] = ["\\ldots" if out[k] == "." else "\\cdots"]
        k += 1
    joined = ""
    for k, tok in enumerate(out):
        prev = out[k - 1] if k else ""
        glue = (tok.isdigit() and (prev[-1:].isdigit() or prev.endswith("."))) \
            or (tok == "." and prev[-1:].isdigit() and k + 1 < len(out) and out[k + 1][:1].isdigit()) \
            or (len(tok) == 1 and tok.isalpha() and prev[-1:].isalpha() and not prev.startswith("\\"))  # "head", "100"
        joined += tok if glue or not joined else " " + tok
    return joined.replace("{} _", "{}_").replace("{} ^", "{}^").replace(" _{", "_{").replace(" ^{", "^{")


def _level(it: _Item, base_y: float | None, size: float) -> int:  # noqa: PLR0911 - one per case
    """0 on the baseline, 1 raised (a superscript), -1 lowered (a subscript)."""
    if base_y is None:
        return 0
    if it.by is None:  # a built part: by its middle against the row's middle (the math axis)
        axis = base_y + 0.25 * size
        if it.size < 0.85 * size and it.axis > axis + 0.2 * size:
            return 1
        if it.size < 0.85 * size and it.axis < axis - 0.3 * size:
            return -1
        return 0
    if it.glyph is not None and it.glyph.kind == "big":
        return 0
    d = it.by - base_y
    small = it.size < 0.9 * size
    same = 0.18 if size <= 6 else 0.28  # a script's own scripts (5 pt) move by a point
    if d > (0.2 if small else same) * size:
        return 1
    if d < -(0.12 if small else same) * size:
        return -1
    return 0


def _sub_tex(items: list[_Item], rules, depth) -> str:
    """A run of scripts laid out again on its own baseline."""
    glyphs = [it.glyph for it in items if it.glyph is not None and it.by is not None]
    built = [it for it in items if not (it.glyph is not None and it.by is not None)]
    if built:  # a built part inside a script: kept as built, in its place
        inner = _row(sorted([_Item(g.tex, g.x0, g.x1, g.y0, g.y1, g.size, g.by, g) for g in glyphs] + built,
                            key=lambda it: it.x0), rules, depth + 1)
        return inner
    return tex_of(glyphs, rules, depth + 1)


def _name(items: list[_Item], k: int) -> tuple[str | None, int]:
    """Upright letters from items[k] on that spell a function's name: ("\\sin", 3); other upright
    letters (text in math): ("\\mathrm{if}", 2); else (None, 0)."""
    letters = ""
    for it in items[k:k + 12]:
        g = it.glyph
        if g is None or not g.upright or not (len(g.tex) == 1 and g.tex.isalpha()) \
                or g.bold != items[k].glyph.bold:  # \mathbf{u}\tanh: two names
            break
        letters += g.tex
    if letters in FUNCTIONS:
        return f"\\{letters}", len(letters)
    if len(letters) >= 2 and all(it.glyph.bold for it in items[k:k + len(letters)]):
        return f"\\mathbf{{{letters}}}", len(letters)
    if len(letters) >= 2:
        return f"\\mathrm{{{letters}}}", len(letters)
    return None, 0
