"""Text lines of nine script classes rendered with Pillow and degraded like phone photos.

Shared by train.py (keras venv) and evaluate.py (the project venv): numpy, OpenCV, Pillow only.

Text: runs of 1-6 consecutive words of the UDHR excerpts in tests/data/languages/texts (all
paragraphs but the LAST of each file, which is held out), and random words built from each
script's letters (so the model learns the script, not the sentences). Fonts: the Noto and DejaVu
families Debian's fonts-noto-core, fonts-noto-cjk and fonts-dejavu-core install; Arabic, Hebrew,
Devanagari and Thai shaped by libraqm as bench/render.py does.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFont, features

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.engines.ocr.script_id import CLASSES  # noqa: E402

TEXTS = ROOT / "tests" / "data" / "languages" / "texts"
NOTO = Path("/usr/share/fonts/truetype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CJK = Path("/usr/share/fonts/opentype/noto")

LANGS = {"Latn": ["en", "de", "fr", "es", "it"], "Cyrl": ["ru", "uk"], "Grek": ["el"], "Arab": ["ar"],
         "Hebr": ["he"], "Deva": ["hi"], "Hang": ["ko"], "Thai": ["th"], "Hani": ["ja"]}
RTL = {"Arab", "Hebr"}
UNSPACED = {"Hani"}
CASED = {"Latn", "Cyrl", "Grek"}

_LGC = ["NotoSans-Regular", "NotoSans-Bold", "NotoSans-Italic", "NotoSans-BoldItalic", "NotoSerif-Regular",
        "NotoSerif-Bold", "NotoSerif-Italic", "NotoSansDisplay-Regular", "NotoSansDisplay-Bold",
        "NotoSerifDisplay-Regular", "NotoSerifDisplay-Bold"]
_DEJAVU_LGC = ["DejaVuSans", "DejaVuSans-Bold", "DejaVuSansCondensed", "DejaVuSansCondensed-Bold", "DejaVuSerif",
               "DejaVuSerif-Bold", "DejaVuSerifCondensed", "DejaVuSansMono", "DejaVuSansMono-Bold",
               "DejaVuSansMono-Oblique", "DejaVuSans-ExtraLight", "DejaVuSans-Oblique"]
_CJK = [(f"{fam}-{wt}.ttc", i) for fam in ("NotoSansCJK", "NotoSerifCJK") for wt in ("Regular", "Bold")
        for i in (0, 2, 3)]
FONT_NAMES = {
    "Latn": [(NOTO / f"{n}.ttf", 0) for n in _LGC] + [(DEJAVU / f"{n}.ttf", 0) for n in _DEJAVU_LGC],
    "Cyrl": [(NOTO / f"{n}.ttf", 0) for n in _LGC] + [(DEJAVU / f"{n}.ttf", 0) for n in _DEJAVU_LGC],
    "Grek": [(NOTO / f"{n}.ttf", 0) for n in _LGC] + [(DEJAVU / f"{n}.ttf", 0) for n in _DEJAVU_LGC],
    "Arab": [(NOTO / f"{n}.ttf", 0) for n in ("NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold",
                                              "NotoSansArabic-Regular", "NotoSansArabic-Bold",
                                              "NotoKufiArabic-Regular", "NotoKufiArabic-Bold",
                                              "NotoNastaliqUrdu-Regular")] + [(DEJAVU / "DejaVuSans.ttf", 0)],
    "Hebr": [(NOTO / f"{n}.ttf", 0) for n in ("NotoSansHebrew-Regular", "NotoSansHebrew-Bold",
                                              "NotoSerifHebrew-Regular", "NotoSerifHebrew-Bold",
                                              "NotoRashiHebrew-Regular", "NotoRashiHebrew-Bold")]
            + [(DEJAVU / f"{n}.ttf", 0) for n in ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono")],
    "Deva": [(NOTO / f"{n}.ttf", 0) for n in ("NotoSansDevanagari-Regular", "NotoSansDevanagari-Bold",
                                              "NotoSerifDevanagari-Regular", "NotoSerifDevanagari-Bold")],
    "Thai": [(NOTO / f"{n}.ttf", 0) for n in ("NotoSansThai-Regular", "NotoSansThai-Bold", "NotoSerifThai-Regular",
                                              "NotoSerifThai-Bold", "NotoLoopedThai-Regular", "NotoLoopedThai-Bold")],
    "Hang": [(CJK / f"{fam}-{wt}.ttc", 1) for fam in ("NotoSansCJK", "NotoSerifCJK") for wt in ("Regular", "Bold")],
    "Hani": [(CJK / f, i) for f, i in _CJK],
}

DIGITS = {"Arab": "0123456789٠١٢٣٤٥٦٧٨٩", "Deva": "0123456789०१२३४५६७८९", "Thai": "0123456789๐๑๒๓๔๕๖๗๘๙"}
PUNCT = ".,:;!?-()/&%'\"+"
LATIN = "etaoinshrdlcumwfgypbvkjxqz"
LATIN_W = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9,
           1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1]
LATIN_EXTRA = "áàâäãåçéèêëíìîïñóòôöõúùûüýÿßæœøłčšžřěůőűąęśźżńğışţș"
CYRL = "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё"
CYRL_EXTRA = "іїєґўјљњђћџ"
GREK = "αεοιτνσηρπκμλυδγχθωφβζξψάέήίόύώϊϋΐΰ"
ARAB = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى"
ARAB_EXTRA = "پچژگکیۀ"
HEBR = "אבגדהוזחטיכלמנסעפצקרשת"
HEBR_FINAL = {"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}
DEVA_C = "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह"
DEVA_V = "अआइईउऊऋएऐओऔ"
DEVA_M = "ािीुूृेैोौ"
THAI_C = "กขฃคฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ"
THAI_LEAD, THAI_ABOVE, THAI_BELOW, THAI_AFTER, THAI_TONE = "เแโใไ", "ิีึืั็", "ุู", "าำะ", "่้๊๋"
KANA = "".join(map(chr, range(0x3041, 0x3097))) + "".join(map(chr, range(0x30A1, 0x30FB)))
CJK_PUNCT = "，。、「」・（）"


def paragraphs(code: str) -> list[str]:
    text = (TEXTS / f"{code}.txt").read_text(encoding="utf-8")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def texts(script: str, held_out: bool) -> list[str]:
    """The training paragraphs of `script` (all but each file's last), or the held-out ones."""
    out = []
    for code in LANGS[script]:
        ps = paragraphs(code)
        out += ps[-1:] if held_out else ps[:-1]
    return out


# ---------------------------------------------------------------------------------------------
# Fonts


class Font:
    def __init__(self, path: Path, index: int):
        self.path, self.index = path, index
        self._sizes: dict[int, ImageFont.FreeTypeFont] = {}
        self._ok: dict[str, bool] = {}
        self._tofu = bytes(self.at(24).getmask("\U0010fffd"))

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._sizes:
            self._sizes[size] = ImageFont.truetype(str(self.path), size, index=self.index,
                                                   layout_engine=ImageFont.Layout.RAQM)
        return self._sizes[size]

    def has(self, ch: str) -> bool:
        if ch.isspace() or 0x4E00 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7A3:
            return True  # Noto CJK covers all unified ideographs and Hangul syllables
        if ch not in self._ok:
            self._ok[ch] = bytes(self.at(24).getmask(ch)) != self._tofu
        return self._ok[ch]

    def covers(self, text: str) -> bool:
        return all(self.has(c) for c in text)


_FONTS: dict[str, list[Font]] = {}


def fonts(script: str) -> list[Font]:
    if script not in _FONTS:
        _FONTS[script] = [Font(p, i) for p, i in FONT_NAMES[script] if p.exists()]
    return _FONTS[script]


def font_files() -> list[str]:
    return sorted({f"{p.name}#{i}" if p.suffix == ".ttc" else p.name for s in CLASSES for p, i in FONT_NAMES[s]
                   if p.exists()})


# ---------------------------------------------------------------------------------------------
# Text


def _pick(rng, letters: str, weights=None) -> str:
    if weights is None:
        return letters[int(rng.integers(len(letters)))]
    p = np.asarray(weights, float)
    return letters[int(rng.choice(len(letters), p=p / p.sum()))]


def _alpha_word(rng, script: str) -> str:
    n = int(rng.integers(1, 10))
    if script == "Latn":
        w = "".join(_pick(rng, LATIN, LATIN_W) if rng.random() > 0.06 else _pick(rng, LATIN_EXTRA)
                    for _ in range(n))
    elif script == "Cyrl":
        w = "".join(_pick(rng, CYRL) if rng.random() > 0.06 else _pick(rng, CYRL_EXTRA) for _ in range(n))
    elif script == "Grek":
        w = "".join(_pick(rng, GREK) for _ in range(n))
        w = w[:-1] + "ς" if w.endswith("σ") else w
    elif script == "Arab":
        w = "".join(_pick(rng, ARAB) if rng.random() > 0.05 else _pick(rng, ARAB_EXTRA) for _ in range(n))
    else:  # Hebr
        w = "".join(_pick(rng, HEBR) for _ in range(n))
        w = w[:-1] + HEBR_FINAL.get(w[-1], w[-1])
    return w


def _deva_word(rng) -> str:
    out = _pick(rng, DEVA_V) if rng.random() < 0.2 else ""
    for _ in range(int(rng.integers(1, 5))):
        s = _pick(rng, DEVA_C)
        if rng.random() < 0.15:
            s += "्" + _pick(rng, DEVA_C)
        if rng.random() < 0.6:
            s += _pick(rng, DEVA_M)
        if rng.random() < 0.1:
            s += "ं"
        out += s
    return out


def _thai_word(rng) -> str:
    out = ""
    for _ in range(int(rng.integers(1, 5))):
        s = _pick(rng, THAI_LEAD) if rng.random() < 0.25 else ""
        s += _pick(rng, THAI_C)
        u = rng.random()
        s += _pick(rng, THAI_ABOVE) if u < 0.3 else _pick(rng, THAI_BELOW) if u < 0.4 else ""
        s += _pick(rng, THAI_TONE) if rng.random() < 0.3 else ""
        s += _pick(rng, THAI_AFTER) if rng.random() < 0.3 else ""
        s += _pick(rng, THAI_C) if rng.random() < 0.5 else ""
        out += s
    return out


def _hang_word(rng) -> str:
    syl = []
    for _ in range(int(rng.integers(1, 5))):
        tail = 0 if rng.random() < 0.5 else int(rng.integers(1, 28))
        syl.append(chr(0xAC00 + (int(rng.integers(19)) * 21 + int(rng.integers(21))) * 28 + tail))
    return "".join(syl)


def _hani_run(rng) -> str:
    n = int(rng.integers(2, 16))
    kana = rng.random() < 0.5  # Japanese: kanji among kana; else Chinese
    out = []
    for _ in range(n):
        if kana and rng.random() < 0.6:
            out.append(_pick(rng, KANA))
        elif rng.random() < 0.04:
            out.append(_pick(rng, CJK_PUNCT))
        else:
            out.append(chr(int(rng.integers(0x4E00, 0x9FA6))))
    return "".join(out)


def random_word(rng, script: str) -> str:
    if script == "Deva":
        return _deva_word(rng)
    if script == "Thai":
        return _thai_word(rng)
    if script == "Hang":
        return _hang_word(rng)
    if script == "Hani":
        return _hani_run(rng)
    return _alpha_word(rng, script)


def _number(rng, script: str) -> str:
    digits = DIGITS.get(script, "0123456789")
    if script in DIGITS and rng.random() < 0.5:
        digits = digits[10:]
    s = "".join(_pick(rng, digits) for _ in range(int(rng.integers(1, 6))))
    return s + (_pick(rng, ".,:-/%") + _pick(rng, digits) if rng.random() < 0.3 else "")


def _real_run(rng, paras: list[str], script: str, n: int) -> list[str]:
    p = paras[int(rng.integers(len(paras)))]
    if script in UNSPACED:
        k = int(rng.integers(2, 4 * n + 3))
        i = int(rng.integers(max(1, len(p) - k)))
        return [p[i:i + k].strip()]
    words = p.split()
    i = int(rng.integers(max(1, len(words) - n + 1)))
    return words[i:i + n]


def line_text(rng, script: str, paras: list[str]) -> str:
    """A line of 1-6 words: a run of real words, or random words, now and then a number;
    upper case now and then for cased scripts (signs)."""
    n = int(rng.integers(1, 7)) if rng.random() < 0.7 else 1
    if script == "Latn" and rng.random() < 0.08:
        return " ".join(_number(rng, script) for _ in range(int(rng.integers(1, 4))))  # digits alone: Latin
    if paras and rng.random() < 0.5:
        words = _real_run(rng, paras, script, n)
    else:
        words = [random_word(rng, script) for _ in range(n if script not in UNSPACED else max(1, n // 2))]
        if rng.random() < 0.2:
            words[-1] += _pick(rng, PUNCT[:6])
    if rng.random() < 0.15:
        words.insert(int(rng.integers(len(words) + 1)), _number(rng, script))
    text = ("" if script in UNSPACED else " ").join(w for w in words if w)
    if script in CASED:
        u = rng.random()
        text = text.upper() if u < 0.35 else text.title() if u < 0.45 else text
    return text or random_word(rng, script)


# ---------------------------------------------------------------------------------------------
# Rendering and degradation (uint8 grayscale)


def render_mask(text: str, script: str, font: Font, size: int) -> np.ndarray:
    """White-on-black ink mask of one line, with room around it."""
    opts = {"direction": "rtl" if script in RTL else "ltr"}
    ink = np.asarray(Image.Image()._new(font.at(size).getmask(text, "L", **opts)))
    pad = size // 2 + 2
    return cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)


def _warp(mask: np.ndarray, rng, size: int) -> np.ndarray:
    """Small rotation, shear and perspective, as a phone held not quite square to a sign."""
    h, w = mask.shape
    d = size * 0.15
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.normal(0, d * 0.5, (4, 2)).astype(np.float32)
    ang = np.deg2rad(rng.normal(0, 1.5))
    c = np.array([w / 2, h / 2], np.float32)
    R = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]], np.float32)
    shear = np.float32([[1, rng.normal(0, 0.08)], [0, 1]])
    dst = (dst - c) @ (R @ shear).T + c
    M = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    return cv2.warpPerspective(mask, M, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)


def _ground(shape, rng) -> tuple[np.ndarray, np.ndarray]:
    """Background and ink gray levels (coloured signs turned gray: any contrast from weak to
    full, either polarity), with uneven light."""
    h, w = shape
    while True:
        bg, fg = rng.uniform(0, 255, 2)
        if abs(bg - fg) > 45:
            break
    if rng.random() < 0.5:  # the common cases: black on white, white on a dark sign
        bg, fg = (rng.uniform(180, 255), rng.uniform(0, 70)) if rng.random() < 0.6 else \
            (rng.uniform(0, 110), rng.uniform(200, 255))
    gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :] * rng.normal(0, 20)
    gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None] * rng.normal(0, 10)
    light = gx + gy
    return np.float32(bg) + light, np.float32(fg) + light * 0.5


def _crop_box(mask: np.ndarray, rng, tight: float) -> tuple[int, int, int, int]:
    ys = np.nonzero(mask.max(axis=1) > 60)[0]
    xs = np.nonzero(mask.max(axis=0) > 60)[0]
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    ih = y1 - y0
    top, bottom = (rng.uniform(-0.08, 0.12, 2) if rng.random() < tight else rng.uniform(0.0, 0.9, 2)) * ih
    left, right = rng.uniform(-0.05, 0.6, 2) * ih
    H, W = mask.shape
    return (int(np.clip(y0 - top, 0, H - 2)), int(np.clip(y1 + bottom, y0 + 2, H)),
            int(np.clip(x0 - left, 0, W - 2)), int(np.clip(x1 + right, x0 + 2, W)))


def _neighbour(mask: np.ndarray, other: np.ndarray, rng) -> np.ndarray:
    """Part of the line above or below showing at the edge of a loose crop."""
    h, w = mask.shape
    oh = other.shape[0]
    shift = int(rng.uniform(0.55, 0.85) * oh)
    ow = min(w, other.shape[1])
    out = mask.copy()
    if rng.random() < 0.5:  # above: its bottom part over our top
        part = other[shift:, :ow][: h]
        out[: part.shape[0], :ow] = np.maximum(out[: part.shape[0], :ow], part)
    else:
        part = other[: oh - shift, :ow][-h:]
        out[h - part.shape[0]:, :ow] = np.maximum(out[h - part.shape[0]:, :ow], part)
    return out


def degrade(mask: np.ndarray, rng, size: int, other: np.ndarray | None = None, tight: float = 0.5) -> np.ndarray:
    """Ink mask -> a crop like `postprocess.crop_line` makes from a phone photo (48 px high)."""
    m = _warp(mask, rng, size) if rng.random() < 0.8 else mask
    if rng.random() < 0.5:  # condensed and extended faces
        m = cv2.resize(m, (max(8, round(m.shape[1] * np.exp(rng.uniform(-0.45, 0.35)))), m.shape[0]))
    if other is not None:
        m = _neighbour(m, other, rng)
    y0, y1, x0, x1 = _crop_box(m, rng, tight)
    a = m[y0:y1, x0:x1].astype(np.float32) / 255.0
    if rng.random() < 0.25:  # stroke weight
        k = np.ones((2, 2), np.uint8)
        a = cv2.dilate(a, k) if rng.random() < 0.5 else np.maximum(cv2.erode(a, k), a * 0.5)
    bg, fg = _ground(a.shape, rng)
    img = bg * (1 - a) + fg * a
    # Capture resolution: the text was this many pixels high in the photo.
    h, w = img.shape
    src_h = int(np.clip(rng.lognormal(np.log(26), 0.45), 9, 80))
    s = src_h / h
    img = cv2.resize(img, (max(1, round(w * s)), src_h), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.2))
    img = img + rng.normal(0, rng.uniform(0, 10), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    out_w = max(1, round(img.shape[1] * 48 / img.shape[0]))
    return cv2.resize(img, (out_w, 48), interpolation=cv2.INTER_CUBIC)


def sample(rng, script: str, paras: list[str], text: str | None = None, copies: int = 1,
           clean: bool = False) -> tuple[list[np.ndarray], str]:
    """`copies` degraded crops (uint8, 48 px high) of one line of `script` drawn once, and its text."""
    for _ in range(20):
        t = text if text is not None else line_text(rng, script, paras)
        cands = [f for f in fonts(script) if f.covers(t)]
        if cands:
            break
    else:
        raise ValueError(f"no font draws {text!r}")
    font = cands[int(rng.integers(len(cands)))]
    size = int(rng.integers(24, 44))
    mask = render_mask(t, script, font, size)
    if clean:
        return [degrade_clean(mask)], t
    other = None
    if rng.random() < 0.15:
        s2 = script if rng.random() < 0.6 else CLASSES[int(rng.integers(len(CLASSES)))]
        t2 = line_text(rng, s2, texts(s2, held_out=False))
        f2 = [f for f in fonts(s2) if f.covers(t2)]
        if f2:
            other = render_mask(t2, s2, f2[0], size)
    return [degrade(mask, rng, size, other) for _ in range(copies)], t


def degrade_clean(mask: np.ndarray) -> np.ndarray:
    """Black on white, crop with a little margin, 48 px high: a scanned page's line."""
    ys = np.nonzero(mask.max(axis=1) > 60)[0]
    xs = np.nonzero(mask.max(axis=0) > 60)[0]
    m = 6
    a = mask[max(0, ys[0] - m):ys[-1] + m, max(0, xs[0] - m):xs[-1] + m]
    img = 255 - a
    return cv2.resize(img, (max(1, round(img.shape[1] * 48 / img.shape[0])), 48), interpolation=cv2.INTER_AREA)


def held_out_lines(script: str, words: int = 4) -> list[str]:
    """The held-out paragraphs of `script` cut into lines of `words` words (or 12 characters)."""
    out = []
    for p in texts(script, held_out=True):
        if script in UNSPACED:
            out += [p[i:i + 12] for i in range(0, len(p), 12)]
        else:
            ws = p.split()
            out += [" ".join(ws[i:i + words]) for i in range(0, len(ws), words)]
    return [s for s in out if s.strip()]


if not features.check("raqm"):
    raise RuntimeError("Drawing Arabic, Hebrew, Devanagari and Thai lines needs Pillow with libraqm "
                       "(install Debian libfribidi0).")
