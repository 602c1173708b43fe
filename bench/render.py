"""Pages rendered from real text, for the languages benchmark and the languages tests.

    python -m bench.render [--out tests/data/languages/pages]   # the committed test pages

A page: black text on white, 1240 px wide (A4 at 150 dpi), Noto fonts (Debian fonts-noto-core,
fonts-noto-cjk), one paragraph per text paragraph, wrapped to the width. Shaping and
right-to-left order come from libraqm (bundled in Pillow's wheels; it needs the system
FriBiDi, Debian libfribidi0): Arabic letters join and Devanagari and Thai marks stack only when
shaped, and reversing a string is not right-to-left layout, so pages in those scripts are
refused without raqm. `photo` makes a phone-photo-like copy (tilt, blur, uneven light, noise,
JPEG). The ground truth is the text as rendered, line by line.
"""
from __future__ import annotations

import argparse
import io
import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "languages"
TEXTS = DATA / "texts"
PAGES = DATA / "pages"
NOTO = Path("/usr/share/fonts/truetype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Script (ISO 15924) -> (font file, face index in a collection). Hebrew: DejaVu Sans (Debian
# fonts-dejavu-core), as Noto Sans Hebrew has no Latin punctuation and Pillow has no fallback.
FONTS = {
    "Latn": (NOTO / "NotoSerif-Regular.ttf", 0), "Cyrl": (NOTO / "NotoSerif-Regular.ttf", 0),
    "Grek": (NOTO / "NotoSerif-Regular.ttf", 0), "Hebr": (DEJAVU / "DejaVuSans.ttf", 0),
    "Arab": (NOTO / "NotoNaskhArabic-Regular.ttf", 0), "Deva": (NOTO / "NotoSansDevanagari-Regular.ttf", 0),
    "Thai": (NOTO / "NotoSansThai-Regular.ttf", 0), "Jpan": (CJK, 0), "Hang": (CJK, 1),
    "Hans": (CJK, 2), "Hani": (CJK, 2),
}
SCRIPTS = {"en": "Latn", "de": "Latn", "fr": "Latn", "es": "Latn", "it": "Latn", "pt": "Latn",
           "ru": "Cyrl", "uk": "Cyrl", "el": "Grek", "he": "Hebr", "ar": "Arab", "hi": "Deva",
           "th": "Thai", "ja": "Jpan", "ko": "Hang", "zh": "Hans"}
RTL = frozenset({"Arab", "Hebr"})
NEEDS_SHAPING = frozenset({"Arab", "Hebr", "Deva", "Thai"})
UNSPACED = frozenset({"Jpan", "Hans", "Hani"})  # lines may break between any two characters
WIDTH, MARGIN, MIN_HEIGHT, MAX_HEIGHT = 1240, 90, 900, 1754


@dataclass
class Page:
    image: Image.Image  # grayscale ("L")
    lines: list[str]  # the ground truth: each rendered line, in reading order

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def text_of(code: str) -> str:
    return (TEXTS / f"{code}.txt").read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _font(script: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = FONTS[script]
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, index=index, layout_engine=engine)


def _options(script: str, language: str) -> dict:
    if not features.check("raqm"):
        if script in NEEDS_SHAPING:
            raise RuntimeError(f"Rendering {script} text needs Pillow with libraqm (install Debian libfribidi0).")
        return {}
    return {"direction": "rtl" if script in RTL else "ltr", "language": language}


def wrap(paragraph: str, measure, width: float, unspaced: bool) -> list[str]:
    """Greedy line breaking: at spaces, or between characters for unspaced scripts (a token
    wider than the line is cut between characters too)."""
    lines: list[str] = []
    current = ""
    tokens = list(paragraph) if unspaced else paragraph.split(" ")
    joiner = "" if unspaced else " "
    for token in tokens:
        trial = f"{current}{joiner}{token}" if current else token
        if measure(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = token
        while measure(current) > width and len(current) > 1:  # one token wider than the line
            cut = max(1, next(i for i in range(len(current), 0, -1) if measure(current[:i]) <= width))
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def missing_glyphs(text: str, font: ImageFont.FreeTypeFont) -> list[str]:
    """Characters of `text` the font would draw as its "missing" box (a page with boxes for
    its commas is not a page in that language)."""
    tofu = bytes(font.getmask("\U0010fffd"))
    return [ch for ch in set(text) if not ch.isspace() and bytes(font.getmask(ch)) == tofu]


def render(text: str, language: str, *, size: int = 34) -> Page:
    """`text` (paragraphs separated by blank lines) in `language`'s script."""
    script = SCRIPTS[language]
    font = _font(script, size)
    opts = _options(script, language)
    probe = ImageDraw.Draw(Image.new("L", (8, 8)))

    def measure(s: str) -> float:
        return probe.textlength(s, font=font, **opts)

    missing = sorted(set(missing_glyphs(text, font)))
    if missing:
        raise ValueError(f"{FONTS[script][0].name} has no glyph for {''.join(missing)!r}")
    blocks = [wrap(p, measure, WIDTH - 2 * MARGIN, script in UNSPACED) for p in paragraphs(text)]
    step = int(size * 1.6)
    height = min(MAX_HEIGHT, max(MIN_HEIGHT, 2 * MARGIN + step * sum(len(b) + 1 for b in blocks)))
    image = Image.new("L", (WIDTH, height), 255)
    draw = ImageDraw.Draw(image)
    y, lines = MARGIN, []
    for block in blocks:
        for line in block:
            if y + step > height - MARGIN // 2:
                break  # the page is full: the truth is what was drawn
            x = WIDTH - MARGIN - measure(line) if script in RTL else MARGIN
            draw.text((x, y), line, font=font, fill=0, **opts)
            lines.append(line)
            y += step
        y += step // 2
    return Page(image, lines)


def photo(page: Page, *, seed: int = 0, quality: int = 70) -> bytes:
    """A phone-photo-like JPEG of `page`: tilted ~2 degrees on a grey table, slightly out of
    focus, lit unevenly, with sensor noise."""
    rng = random.Random(seed)
    rgb = page.image.convert("RGB")
    pad = Image.new("RGB", (rgb.width + 160, rgb.height + 160), (118, 112, 104))
    pad.paste(rgb, (80, 80))
    tilted = pad.rotate(rng.uniform(1.5, 2.5) * rng.choice((-1, 1)), resample=Image.BICUBIC,
                        fillcolor=(118, 112, 104), expand=False)
    blurred = tilted.filter(ImageFilter.GaussianBlur(1.1))
    side = 2 * max(blurred.size)  # rotate a larger gradient and keep its middle: no corners
    light = Image.linear_gradient("L").resize((side, side)).rotate(rng.uniform(20, 70))
    light = light.crop(((side - blurred.width) // 2, (side - blurred.height) // 2,
                        (side + blurred.width) // 2, (side + blurred.height) // 2)).resize(blurred.size)
    shaded = Image.composite(blurred, Image.new("RGB", blurred.size, (70, 66, 60)),
                             light.point(lambda v: 165 + v * 90 // 255))
    noise = Image.effect_noise(shaded.size, 18).convert("RGB")
    noisy = Image.blend(shaded, noise, 0.08)
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def sign(lines: list[tuple[str, str]], *, size: int = 72, seed: int = 0) -> bytes:
    """A phone photo (`photo`) of a sign: each (text, language) a centred line of large letters
    on a plain board, as bilingual signs are (a Hindi line above its English one)."""
    rendered = []
    for text, language in lines:
        script = SCRIPTS[language]
        font, opts = _font(script, size), _options(script, language)
        probe = ImageDraw.Draw(Image.new("L", (8, 8)))
        rendered.append((text, font, opts, probe.textlength(text, font=font, **opts)))
    step = int(size * 1.7)
    width = int(max(r[3] for r in rendered)) + 2 * size
    board = Image.new("L", (max(width, 640), step * len(lines) + size), 236)
    draw = ImageDraw.Draw(board)
    for i, (text, font, opts, length) in enumerate(rendered):
        draw.text(((board.width - length) / 2, size // 2 + i * step), text, font=font, fill=24, **opts)
    return photo(Page(board, [text for text, _ in lines]), seed=seed, quality=80)


# The committed pages (tests and the lead's stack tests): stem -> languages of its paragraphs.
COMMITTED = {"en_de": ("en", "de"), "ru": ("ru",), "ja": ("ja",), "ar": ("ar",)}
PHOTOS = {"fr_photo": "fr"}


def _first_paragraph(code: str) -> str:
    return paragraphs(text_of(code))[0]


def mixed(codes: tuple[str, ...]) -> Page:
    """One page with a paragraph in each language (all of one script)."""
    return render("\n\n".join(_first_paragraph(c) for c in codes), codes[0])


def write_committed(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, codes in COMMITTED.items():
        page = mixed(codes) if len(codes) > 1 else render(text_of(codes[0]), codes[0])
        written += _save(out, stem, page.png(), ".png", page.lines)
    for stem, code in PHOTOS.items():
        page = render(text_of(code), code)
        written += _save(out, stem, photo(page, seed=24), ".jpg", page.lines)
    return written


def _save(out: Path, stem: str, data: bytes, ext: str, lines: list[str]) -> list[Path]:
    image, truth = out / f"{stem}{ext}", out / f"{stem}.txt"
    image.write_bytes(data)
    truth.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [image, truth]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=PAGES)
    args = ap.parse_args(argv)
    for path in write_committed(args.out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
