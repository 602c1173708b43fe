"""Short signs in other scripts (issue 42 item 3): a sign of one or two lines in Cyrillic,
Greek, Devanagari, Arabic, Hebrew, Thai or Hangul is read in its script, and the page's
language follows, while Latin signs and English photos stay as they are.

    .venv/bin/python -m bench.short_signs [--datasets ../shared/datasets] [--limit N] [--variants clean,photo,angle,far]
    .venv/bin/python -m bench.short_signs --skip icdar2015-dev,funsd-test --variants clean,photo --save a.json   # parts
    .venv/bin/python -m bench.short_signs --merge a.json b.json   # ...side by side, summed

Before and after in one run: the page's reader (engines/ocr/reader.py) with its short-reading
step off (`scripts.SHORT_LINES = 0`, what it did before) and on, on the same default-engine
reading of each image (read once, so the two differ only in what follows it).

Signs (`SIGNS`, each text's source named): rendered boards of one or two lines, dark on light
and light on dark, each in four versions: `clean` (the board, PNG), `photo` (bench/render.py's
phone photo: ~2 degree tilt on a table, blur, uneven light, noise, JPEG), `angle` (the board
seen from the side in perspective on a cluttered ground, then photographed) and `far` (the
board small in a 1280x720 street-like scene, then photographed). Scored per sign: the script
of what is read (its letters' main script), the page's language, and character accuracy
(1 - CER over letters and digits, bench/languages.py's rules). Latin signs: their text must not
change, nor go to another script.

ICDAR 2015 dev photos and FUNSD test forms: end-to-end F1 (bench/score.py, the datasets'
protocol) before and after, the pages whose reading changed, and the CPU the reader's steps
after the default engine take (this process and Tesseract's).
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from bench import datasets, render
from bench.languages import characters, edits
from bench.mixed_scripts import DEFAULT_DATASETS, cpu

# (language, lines, source). "issue 42": the sign the issue reports. "UDHR": the first words of
# tests/data/languages/texts/<code>.txt (Universal Declaration of Human Rights, sources in
# tests/data/languages/SOURCES.md). "sign": everyday public-sign wording (no smoking, exit,
# welcome, staff only) written for these checks.
SIGNS = [
    ("sr", ["Време је лепо данас."], "issue 42"),
    ("ru", ["Вход только для персонала"], "sign"),
    ("ru", ["Осторожно!", "Скользкий пол"], "sign"),
    ("uk", ["Ласкаво просимо"], "sign"),
    ("el", ["Απαγορεύεται το κάπνισμα"], "sign"),
    ("el", ["Καλώς ήρθατε", "στην Αθήνα"], "sign"),
    ("hi", ["धूम्रपान वर्जित है"], "sign"),
    ("hi", ["कृपया जूते", "बाहर उतारें"], "sign"),
    ("ar", ["ممنوع التدخين"], "sign"),
    ("ar", ["مرحبا بكم", "في المكتبة العامة"], "sign"),
    ("he", ["הכניסה אסורה"], "sign"),
    ("he", ["יציאת חירום", "נא לא לחסום"], "sign"),
    ("th", ["ห้ามสูบบุหรี่"], "sign"),
    ("th", ["ทางออกฉุกเฉิน", "กรุณาอย่าวางของ"], "sign"),
    ("ko", ["출입 금지 구역"], "sign"),
    ("ko", ["비상구", "앞을 막지 마세요"], "sign"),
    ("en", ["Open every day"], "sign"),
    ("en", ["Staff only", "beyond this point"], "sign"),
    ("de", ["Bitte nicht rauchen"], "sign"),
    ("fr", ["Sortie de secours"], "sign"),
    ("es", ["Prohibido fumar"], "sign"),
    ("it", ["Uscita", "di emergenza"], "sign"),
]
UDHR = ("ru", "uk", "el", "hi", "ar", "he", "th", "ko", "en", "de", "fr")
SCRIPTS = {**render.SCRIPTS, "sr": "Cyrl"}
LATIN = frozenset(code for code, script in SCRIPTS.items() if script == "Latn")
VARIANTS = ("clean", "photo", "angle", "far")
# Board styles: (ground, ink) in RGB, dark on light and light on dark, as street signs are.
STYLES = [((236, 236, 230), (24, 24, 24)), ((24, 70, 150), (250, 250, 250)),
          ((0, 110, 60), (245, 245, 245)), ((250, 215, 40), (20, 20, 20))]


def udhr_signs() -> list[tuple[str, list[str], str]]:
    """A one-line and a two-line sign from the first words of each UDHR text: words up to ~16
    characters a line (Thai writes no spaces between words: its first phrase cut at word ends)."""
    out = []
    for code in UDHR:
        words = render.paragraphs(render.text_of(code))[0].split()
        if code == "th":
            first = words[0]
            words = [first[:20], first[20:40]]  # มนุษย์ทั้งหลายเกิดมา | มีอิสระและเสมอภาคกัน
        lines, i = [], 0
        while len(lines) < 2 and i < len(words):
            line = words[i]
            i += 1
            while i < len(words) and len(line) + 1 + len(words[i]) <= 16:
                line, i = f"{line} {words[i]}", i + 1
            lines.append(line.strip(".,;:"))
        out += [(code, lines[:1], "UDHR"), (code, lines, "UDHR")]
    return out


def board(lines: list[str], language: str, style: int, size: int = 72) -> Image.Image:
    """A plain sign board with `lines` centred, in `language`'s script (RGB)."""
    script = SCRIPTS[language]
    font, opts = render._font(script, size), render._options(script, language)
    probe = ImageDraw.Draw(Image.new("L", (8, 8)))
    lengths = [probe.textlength(t, font=font, **opts) for t in lines]
    step = int(size * 1.7)
    ground, ink = STYLES[style % len(STYLES)]
    image = Image.new("RGB", (max(int(max(lengths)) + 2 * size, 480), step * len(lines) + size), ground)
    draw = ImageDraw.Draw(image)
    for i, (text, length) in enumerate(zip(lines, lengths)):
        draw.text(((image.width - length) / 2, size // 2 + i * step), text, font=font, fill=ink, **opts)
    return image


def _clutter(width: int, height: int, rng: random.Random) -> np.ndarray:
    """A street-like ground: a wall's gradient and a few blocks and poles, no letters."""
    base = np.linspace(rng.uniform(90, 150), rng.uniform(60, 120), height)[:, None, None]
    img = np.repeat(np.repeat(base, width, axis=1), 3, axis=2) * np.array([1.0, 0.97, 0.9])
    for _ in range(8):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 3), rng.randrange(10, height // 3)
        img[y:y + h, x:x + w] = [rng.uniform(40, 200) for _ in range(3)]
    return np.clip(img, 0, 255).astype(np.uint8)


def angled(image: Image.Image, rng: random.Random) -> Image.Image:
    """The board seen from one side: its far edge ~20% shorter, in perspective on a ground."""
    rgb = np.asarray(image)
    h, w = rgb.shape[:2]
    shrink = rng.uniform(0.15, 0.25) * h
    far_right = rng.random() < 0.5
    dst = np.float32([[0, 0], [w, shrink], [w, h - shrink], [0, h]] if far_right
                     else [[0, shrink], [w, 0], [w, h], [0, h - shrink]])
    dst[:, 0] *= rng.uniform(0.8, 0.9)  # seen from the side, it is narrower too
    pad = int(0.3 * h)
    dst += pad
    out_w, out_h = int(dst[:, 0].max()) + pad, h + 2 * pad
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
    ground = _clutter(out_w, out_h, rng)
    warped = cv2.warpPerspective(rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h)) > 127
    ground[mask] = warped[mask]
    return Image.fromarray(ground)


def far(image: Image.Image, rng: random.Random) -> Image.Image:
    """The board small in a 1280x720 scene: letters ~30-36 px high."""
    scale = rng.uniform(0.4, 0.5)
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))), Image.LANCZOS)
    scene = Image.fromarray(_clutter(1280, 720, rng))
    scene.paste(small, (rng.randrange(40, max(41, 1240 - small.width)), rng.randrange(40, max(41, 680 - small.height))))
    return scene


def sign_image(lines: list[str], language: str, variant: str, index: int) -> bytes:
    rng = random.Random(index * 31 + VARIANTS.index(variant))
    image = board(lines, language, index)
    if variant == "clean":
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    if variant == "angle":
        image = angled(image, rng)
    elif variant == "far":
        image = far(image, rng)
    return render.photo(render.Page(image, lines), seed=index, quality=75)


# ------------------------------------------------------------------ reading, before and after

class Cached:
    """The default engine reading each image once: the before and after readers share it."""

    def __init__(self, engine):
        self.engine, self.memo = engine, {}
        self.name, self.version = engine.name, engine.version

    def read(self, image, *, deadline=None, language=None):
        key = (image.shape, hash(image.tobytes()))
        if key not in self.memo:
            t0 = cpu()
            reading = self.engine.read(image, deadline=deadline, language=language)
            self.memo = {key: (reading, cpu() - t0)}
        return copy.deepcopy(self.memo[key][0])

    def last_cpu(self) -> float:
        return next(iter(self.memo.values()))[1]


@dataclass
class Run:
    text: str
    language: str
    engine: str
    cpu: float  # the reader's steps after the default engine (s)
    result: dict = field(repr=False, default_factory=dict)


def read_both(cached: Cached, rgb: np.ndarray, on_result=None) -> tuple[Run, Run, float]:
    """(before, after, the default engine's CPU s) on one image, through the page's reader and
    the page kind's language step."""
    from chalicelib.engines.ocr import scripts
    from chalicelib.engines.ocr.base import read_page
    from chalicelib.engines.ocr.reader import Reader
    from chalicelib.kinds.page.pipeline import with_language

    reader, runs = Reader(cached), []
    saved = scripts.SHORT_LINES
    for short in (0, saved):
        scripts.SHORT_LINES = short
        try:
            t0 = cpu()
            reading = reader.read(rgb, deadline=time.monotonic() + 60)
            spent = cpu() - t0
        finally:
            scripts.SHORT_LINES = saved
        read = read_page(reading.engine, rgb.shape[1], rgb.shape[0], reading)
        with_language(read.page, None)
        result = read.export()
        runs.append(Run(result["text"], result["language"]["code"], reading.engine.version,
                        max(0.0, spent - cached.last_cpu()) if len(runs) == 0 else spent, result))
    return runs[0], runs[1], cached.last_cpu()


def decoded(data: bytes) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))


@dataclass
class SignScore:
    script: bool
    language: bool
    edits: int
    chars: int


def score_sign(truth: list[str], code: str, run: Run) -> SignScore:
    from chalicelib.languages import detect

    want = SCRIPTS[code]
    got = detect.script_of(run.text)
    lang = "ru" if code == "sr" else code  # bench.languages' folding rules per language
    t, g = characters("\n".join(truth), lang), characters(run.text, lang)
    return SignScore(got == want, run.language == code, edits(t, g), len(t))


def signs(variants: tuple[str, ...], cached: Cached, verbose: bool) -> list[dict]:
    """Each sign in each variant read before and after: a row per image (JSON-able)."""
    rows = []
    for index, (code, lines, source) in enumerate(SIGNS + udhr_signs()):
        for variant in variants:
            rgb = decoded(sign_image(lines, code, variant, index))
            before, after, engine_cpu = read_both(cached, rgb)
            row = {"code": code, "lines": len(lines), "source": source, "variant": variant, "engine_cpu": engine_cpu}
            for label, run in (("before", before), ("after", after)):
                row[label] = {**asdict(score_sign(lines, code, run)), "cpu": run.cpu, "text": run.text,
                              "read_language": run.language, "engine": run.engine}
            rows.append(row)
            if verbose or (code in LATIN and before.text != after.text):
                print(f"  {code} {variant:5} {' / '.join(lines)!r}: {before.text!r} ({before.language}) -> "
                      f"{after.text!r} ({after.language})  [{after.engine}]", flush=True)
    return rows


def summarize(rows: list[dict]) -> None:
    def summary(label: str, chosen: list) -> None:
        if not chosen:
            return
        n = len(chosen)
        out = [f"{label:34} {n:4}"]
        for k in ("before", "after"):
            s = [r[k] for r in chosen]
            acc = 1 - sum(x["edits"] for x in s) / max(1, sum(x["chars"] for x in s))
            right = sum(x.get("read_language", x["language"]) == r["code"] for x, r in zip(s, chosen))
            out.append(f"script {sum(x['script'] for x in s):3}/{n}  language {right:3}/{n}  "
                       f"chars {acc:6.3f}")
        cpu_b, cpu_a = (sum(r[k]["cpu"] for r in chosen) / n for k in ("before", "after"))
        eng = sum(r["engine_cpu"] for r in chosen) / n
        out.append(f"CPU s: engine {eng:.2f}, after it {cpu_b:.2f} -> {cpu_a:.2f}")
        print("   ".join(out[:2]) + "  ->  " + "   ".join(out[2:]), flush=True)

    print(f"{'signs':34} {'n':>4}   before{'':>44}after")
    others = [r for r in rows if r["code"] not in LATIN]
    for code in dict.fromkeys(r["code"] for r in others):
        summary(f"{code} ({SCRIPTS[code]})", [r for r in others if r["code"] == code])
    for variant in dict.fromkeys(r["variant"] for r in rows):
        summary(f"other scripts, {variant}", [r for r in others if r["variant"] == variant])
    for lines in (1, 2):
        summary(f"other scripts, {lines} line{'s' if lines > 1 else ''}", [r for r in others if r["lines"] == lines])
    for source in ("issue 42", "sign", "UDHR"):
        summary(f"other scripts, texts: {source}", [r for r in others if r["source"] == source])
    summary("other scripts, all", others)
    latin = [r for r in rows if r["code"] in LATIN]
    summary("Latin signs", latin)
    changed = sum(r["before"]["text"] != r["after"]["text"] for r in latin)
    sent = sum("tesseract" in r["after"]["engine"].lower() or not r["after"]["script"] for r in latin)
    print(f"Latin signs: text changed on {changed} of {len(latin)}; read by Tesseract or not Latin after: {sent}")


def english(root: Path, name: str, limit: int | None, cached: Cached) -> None:
    from bench import score

    items = datasets.load(root, name)[:limit]
    pages = {"before": [], "after": []}
    spent = {"before": 0.0, "after": 0.0, "engine": 0.0}
    changed = []
    for item in items:
        rgb = np.ascontiguousarray(cv2.imread(str(item.image))[:, :, ::-1])
        before, after, engine_cpu = read_both(cached, rgb)
        spent["engine"] += engine_cpu
        for label, run in (("before", before), ("after", after)):
            pages[label].append(score.score_page(score.preds_from_result(run.result), item.words))
            spent[label] += run.cpu
        if before.text != after.text:
            changed.append(item.name)
            print(f"    {item.name}: {before.text[:80]!r} -> {after.text[:80]!r}", flush=True)
    n = len(items)
    f1 = {label: {m: score.total(p)[m].f1 for m in ("e2e_exact", "e2e_ci")} for label, p in pages.items()}
    print(f"  {name}: {n} pages, reading changed on {len(changed)}; e2e exact F1 {f1['before']['e2e_exact']:.4f} -> "
          f"{f1['after']['e2e_exact']:.4f}, case-insensitive {f1['before']['e2e_ci']:.4f} -> {f1['after']['e2e_ci']:.4f}; "
          f"CPU s a page: engine {spent['engine'] / n:.3f}, after it {spent['before'] / n:.4f} -> {spent['after'] / n:.4f}",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    from chalicelib.engines import ocr

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--limit", type=int, default=None, help="ICDAR photos and FUNSD forms each")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--skip", default="", help="parts to skip: signs,icdar2015-dev,funsd-test")
    ap.add_argument("--verbose", action="store_true", help="every sign's reading")
    ap.add_argument("--save", type=Path, help="write the signs' rows here (JSON), to --merge runs made side by side")
    ap.add_argument("--merge", type=Path, nargs="+", help="print the summary of saved rows, and nothing else")
    args = ap.parse_args(argv)
    if args.merge:
        summarize([row for path in args.merge for row in json.loads(path.read_text(encoding="utf-8"))])
        return 0
    skip = set(filter(None, args.skip.split(",")))
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    cached = Cached(ocr.get_engine("rapidocr"))
    t0 = time.time()
    if "signs" not in skip:
        rows = signs(tuple(args.variants.split(",")), cached, args.verbose)
        if args.save:
            args.save.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        summarize(rows)
    for name in (datasets.ICDAR, datasets.FUNSD):
        if name not in skip:
            english(args.datasets, name, args.limit, cached)
    print(f"{time.time() - t0:.0f} s, load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
