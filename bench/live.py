"""Live reading (#/live, issue 45) in a real Chromium whose fake camera plays a video of ICDAR
2015 dev photos and a few document pages, each held for `--hold` seconds:

    .venv/bin/python -m bench.live [--datasets ../shared/datasets] [--photos 20] [--hold 2.5]

- time to speech: from the first frame that shows a picture (a number strip under each picture
  says which; a script in the page watches the camera's frames) to the start of the first line
  said of it (a line is said of the picture its frame showed), median and p90, photos and
  documents apart; pictures of which nothing was said are counted, not timed;
- words said against the photos' ground truth, end-to-end case-insensitive (bench.score, the
  datasets' protocol; each said word's box, from its characters' place in its line, mapped back
  to the photo's pixels), beside the server path's figure on the same photos (the default
  engine, what it reads aloud: the words of its lines) and their ratio (goal >= 0.65);
- frames: seen, read, dropped, and the lag (frame taken -> its text known) over the run, first
  quarter against last (it must not grow: frames are dropped, never queued).

Headless Chromium has no voice: speechSynthesis is replaced by a recorder that speaks at about
14 characters a second (bench.live_video.FAKE_SPEECH), as tests/site/test_live.py does.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import datasets, live_video, score

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
WIDTH, HEIGHT = 960, 540  # the camera's frame (the page asks for this); the number strip takes its last rows

# Watches the camera's frames for the number strip: window.__scenes = [{ n, t }] at each change.
WATCH = """
window.__scenes = [];
(() => {
  const canvas = new OffscreenCanvas(BITS, 1);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let last = -1;
  const look = (video) => {
    video.requestVideoFrameCallback(() => {
      if (video.videoWidth) {
        const h = video.videoHeight, w = video.videoWidth;
        ctx.drawImage(video, 0, h - MARK + 2, w, MARK - 4, 0, 0, BITS, 1);
        const px = ctx.getImageData(0, 0, BITS, 1).data;
        let n = 0;
        for (let b = 0; b < BITS; b++) if (px[b * 4] > 128) n |= 1 << b;
        if (n !== last) { last = n; window.__scenes.push({ n, t: performance.now() }); }
      }
      look(video);
    });
  };
  const wait = setInterval(() => {
    const video = document.querySelector("#live-video");
    if (video && video.srcObject) { clearInterval(wait); look(video); }
  }, 50);
})();
""".replace("BITS", str(live_video.MARK_BITS)).replace("MARK", str(live_video.MARK_HEIGHT))

# Each reading the page's worker sends back (window.__reads: frame taken, text known, second look
# or not, the texts read), for --verbose: where a picture's first second goes.
TRACE = """
window.__reads = [];
window.Worker = class extends window.Worker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => {
      const m = e.data;
      if (m.type === "result") window.__reads.push({ t: m.t, done: performance.now(), confirm: Boolean(m.confirm),
        texts: m.boxes.filter((b) => !b.known).map((b) => b.text) });
    });
  }
};
"""


@dataclass
class Scene:
    number: int
    name: str
    kind: str  # "photo" or "document"
    scale: float
    offset: tuple[int, int]
    gts: list


def build_video(path: Path, root: Path, photos: int, documents: int, hold: float, fps: int) -> list[Scene]:
    from PIL import Image

    items = datasets.load(root, datasets.ICDAR)
    step = max(1, len(items) // photos) if photos else 1
    chosen = items[::step][:photos]
    scenes, frames = [], []
    for it in chosen:
        rgb, scale, offset = live_video.fit(Image.open(it.image), WIDTH, HEIGHT - live_video.MARK_HEIGHT)
        scenes.append(Scene(len(scenes) + 1, it.name, "photo", scale, offset, it.words))
        frames.append(rgb)
    pages = (root / "layout-dev" / "pages.tsv").read_text(encoding="utf-8").splitlines()[1:1 + documents]
    for row in pages:
        page, image = row.split("\t")[:2]
        with Image.open(root / "layout-dev" / image) as im:
            top = im.crop((0, 0, im.width, int(im.height * 0.4)))  # a camera held close sees a part
            rgb, scale, offset = live_video.fit(top, WIDTH, HEIGHT - live_video.MARK_HEIGHT)
        scenes.append(Scene(len(scenes) + 1, page, "document", scale, offset, []))
        frames.append(rgb)
    held = max(1, round(hold * fps))
    live_video.write_y4m(path, ((live_video.mark(rgb, s.number), held) for rgb, s in zip(frames, scenes)), fps)
    return scenes


def run_browser(y4m: Path, duration: float, hold: float, tuning: dict, isolated: bool = False,
                ms_per_char: int = 70, site: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from infra import live_assets
    from tests.site.conftest import CHROMIUM_ARGS

    live_assets.build()
    server = live_video.serve_site(isolated=isolated, root=site)
    url = f"http://127.0.0.1:{server.server_port}/#/live"
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    samples = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(f"window.__speechMsPerChar = {int(ms_per_char)};")
        context.add_init_script(live_video.FAKE_SPEECH)
        context.add_init_script(WATCH)
        context.add_init_script(TRACE)
        if tuning:
            context.add_init_script(f"localStorage.setItem('pagevoice.live.tuning', {json.dumps(json.dumps(tuning))})")
        page = context.new_page()
        page.goto(url)
        # The first visit: the models download and the service worker keeps them. Read from the
        # second visit on, as a person does every time but the first.
        page.click("#live-start")
        page.wait_for_selector("section[data-view='live'][data-state='reading']", timeout=120_000)
        page.reload()
        page.click("#live-start")
        page.wait_for_selector("section[data-view='live'][data-state='reading']", timeout=120_000)
        # The file loops: read until scene 1 comes round again (or the time is up).
        deadline = time.monotonic() + duration + 3 * hold + 30
        while time.monotonic() < deadline:
            time.sleep(0.25)
            got = page.evaluate("""() => ({ scenes: window.__scenes,
                stats: { ...document.querySelector('section[data-view=live]').dataset } })""")
            st = got["stats"]
            samples.append((time.monotonic(), int(st.get("lag") or 0), int(st.get("det") or 0), int(st.get("rec") or 0),
                            int(st.get("boxes") or 0)))
            seen = [s["n"] for s in got["scenes"]]
            if len(set(seen)) > 1 and seen[-1] == 1:
                break
        log = page.evaluate("""() => [...document.querySelectorAll('#live-log li')].reverse().map(li => ({
            text: li.textContent, at: Number(li.dataset.at), frame: Number(li.dataset.frame),
            words: JSON.parse(li.dataset.words || '[]') }))""")
        reads = page.evaluate("window.__reads")
        browser.close()
    server.shutdown()
    return {"scenes": got["scenes"], "stats": got["stats"], "log": log, "lags": samples, "reads": reads}


def attribute(run: dict, scenes: list[Scene]) -> dict[int, dict]:
    """Per scene number: when it was first shown, and the lines said of it (first pass only)."""
    shown: dict[int, float] = {}
    order = []
    for s in run["scenes"]:
        if s["n"] in shown or s["n"] == 0 or s["n"] > len(scenes):
            if shown and s["n"] == 1:
                break  # the video came round again
            continue
        shown[s["n"]] = s["t"]
        order.append((s["t"], s["n"]))
    out = {n: {"shown": t, "lines": []} for n, t in shown.items()}
    for line in run["log"]:
        owner = None
        for t, n in order:
            if t <= line["frame"]:
                owner = n
        if owner is not None and line["at"] >= out[owner]["shown"]:
            out[owner]["lines"].append(line)
    return out


def live_preds(lines: list[dict], scene: Scene) -> list[score.Pred]:
    (left, top), s = scene.offset, scene.scale
    return [score.Pred(((x0 - left) / s, (y0 - top) / s, (x1 - left) / s, (y1 - top) / s), text)
            for line in lines for text, x0, y0, x1, y1 in line["words"]]


def server_pages(root: Path, scenes: list[Scene]) -> list[score.PageScore]:
    """The server path on the same photos: the default engine, the words of its lines."""
    from bench.ablation import config
    from bench.unsure import spoken
    from chalicelib.engines.ocr.rapid import RapidOcrEngine
    from chalicelib.media.image import decode

    engine = RapidOcrEngine(config({"threads": "2"}))
    by_name = {it.name: it for it in datasets.load(root, datasets.ICDAR)}
    pages = []
    for scene in scenes:
        it = by_name[scene.name]
        rgb = decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb
        lines = engine.read(rgb)
        word_score = engine.cfg.word_score if engine.last_document else engine.cfg.photo_word_score
        preds, _ = spoken(lines, word_score)
        pages.append(score.score_page(preds, it.words))
    return pages


def quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    v = sorted(values)
    p90 = v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]
    return f"median {statistics.median(v):.2f} s, p90 {p90:.2f} s (n={len(v)})"


def report(run: dict, scenes: list[Scene], root: Path, verbose: bool = False, server_f1: float | None = None) -> dict:
    got = attribute(run, scenes)
    if verbose:
        for n, g in sorted(got.items()):
            print(f"scene {n} {scenes[n - 1].name} shown {g['shown']:.0f}: " + "; ".join(
                f"{line['text']!r} frame +{line['frame'] - g['shown']:.0f} said +{line['at'] - g['shown']:.0f}"
                for line in g["lines"]))
            end = got.get(n + 1, {}).get("shown", g["shown"] + 4000)
            print("    reads: " + "; ".join(
                f"{'2nd' if r['confirm'] else 'full'} +{r['t'] - g['shown']:.0f}..{r['done'] - g['shown']:.0f} {r['texts']}"
                for r in run.get("reads", []) if g["shown"] - 300 <= r["t"] < end))
    out = {}
    for kind in ("photo", "document"):
        # The first picture is on screen while the reader starts: timed from the second on.
        of_kind = [s for s in scenes if s.kind == kind and s.number in got and s.number > 1]
        times = [(got[s.number]["lines"][0]["at"] - got[s.number]["shown"]) / 1000 for s in of_kind if got[s.number]["lines"]]
        silent = sum(1 for s in of_kind if not got[s.number]["lines"])
        print(f"{kind}s: first line said {quantiles(times)}; nothing said of {silent} of {len(of_kind)}")
        out[kind] = {"times": times, "silent": silent, "shown": len(of_kind)}
    photos = [s for s in scenes if s.kind == "photo" and s.number in got]
    live_pages = [score.score_page(live_preds(got[s.number]["lines"], s), s.gts) for s in photos]
    live = score.total(live_pages)["e2e_ci"]
    try:
        server_of = server_pages(root, photos)
        server = score.total(server_of)["e2e_ci"]
    except Exception as error:  # noqa: BLE001 (the engine's files mid-change in a shared tree: the live run still counts)
        print(f"the server path failed ({error!r}); its F1 taken as --server-f1 {server_f1}")
        server_of, server = [], score.Counts()
    if verbose and server_of:  # where the words are lost: each photo's words right, said / read by the server
        print("per photo, words right of the photo's: live (said) / server path: " + ", ".join(
            f"{s.name} {lp.counts['e2e_ci'].tp}/{lp.counts['e2e_ci'].n_pred} | {sp.counts['e2e_ci'].tp}/"
            f"{sp.counts['e2e_ci'].n_pred} of {sp.counts['e2e_ci'].n_gt}" for s, lp, sp in zip(photos, live_pages, server_of)))
    server_f1 = server.f1 if server_of else (server_f1 or 0.0)
    ratio = live.f1 / server_f1 if server_f1 else 0.0
    if verbose:  # said words whose text is a ground-truth word of the photo, wherever their boxes
        hits = total = 0
        for s in photos:
            gt = [score.normalize_ci(g.text) for g in s.gts if not g.dont_care]
            for p in live_preds(got[s.number]["lines"], s):
                total += 1
                if score.normalize_ci(p.text) in gt:
                    hits += 1
                    gt.remove(score.normalize_ci(p.text))
        print(f"said words that are words of the photo, boxes aside: {hits} of {total}")
    print(f"words said, ICDAR 2015 dev ({len(photos)} photos), end-to-end case-insensitive: live F1 {live.f1:.3f} "
          f"(P {live.precision:.3f}, R {live.recall:.3f}); server path F1 {server_f1:.3f} "
          f"(P {server.precision:.3f}, R {server.recall:.3f}); ratio {ratio:.2f} (goal >= 0.65)")
    st = run["stats"]
    lags = [s[1] for s in run["lags"] if s[1]]
    det, rec, boxes = ([s[i] for s in run["lags"] if s[1]] for i in (2, 3, 4))
    q = max(1, len(lags) // 4)
    first, last = (statistics.median(lags[:q]), statistics.median(lags[-q:])) if lags else (0, 0)
    print(f"frames: {st.get('frames')} seen, {st.get('read')} read, {st.get('dropped')} dropped; lag (frame taken -> "
          f"text known) median {statistics.median(lags) if lags else 0:.0f} ms, first quarter {first:.0f} ms, "
          f"last quarter {last:.0f} ms, max {max(lags) if lags else 0} ms; per frame read: detection median "
          f"{statistics.median(det) if det else 0:.0f} ms, recognition {statistics.median(rec) if rec else 0:.0f} ms "
          f"({statistics.median(boxes) if boxes else 0:.0f} boxes)")
    out.update(words={"live": live.to_dict(), "server": server.to_dict(), "ratio": ratio},
               frames={k: st.get(k) for k in ("frames", "read", "dropped")}, lag={"first": first, "last": last})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--photos", type=int, default=20, help="ICDAR 2015 dev photos (evenly spread)")
    ap.add_argument("--documents", type=int, default=3, help="layout-dev pages (their top 40%%)")
    ap.add_argument("--hold", type=float, default=2.5, help="seconds each picture is held")
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--json", type=Path, help="write the figures here too")
    ap.add_argument("--side", type=int, help="the detector's input side (the page's default: 640)")
    ap.add_argument("--budget", type=int, help="recogniser input width per full reading (the page's default: 400)")
    ap.add_argument("--confirm-budget", type=int, help="recogniser input width per second look (the page's default: 400)")
    ap.add_argument("--isolated", action="store_true",
                    help="serve the site cross-origin isolated (COOP/COEP): onnxruntime-web then runs 2 threads")
    ap.add_argument("--ms-per-char", type=int, default=70,
                    help="the stand-in voice's pace (70: ~14 characters a second; 0: each line ends at once, "
                         "so every steady line is said: the reader's own accuracy, apart from the voice's pace)")
    ap.add_argument("--word-score", type=float,
                    help="words read less surely are not said (the page's default: 0.8 on a page, 0.9 in a scene)")
    ap.add_argument("--photo-word-score", type=float,
                    help="the same in a scene, not a page (the page's default: 0.9; --word-score sets both)")
    ap.add_argument("--no-second-look", action="store_true",
                    help="read every frame in full (no second look at new lines without detection)")
    ap.add_argument("--site", type=Path,
                    help="serve this copy of static_site/ (with its live-assets/), e.g. a snapshot to compare with")
    ap.add_argument("--server-f1", type=float,
                    help="the server path's F1 to compare with when its engine cannot run here (0.684 at 2aec04c)")
    ap.add_argument("--verbose", action="store_true", help="each picture's lines and when they were said")
    args = ap.parse_args(argv)
    root = Path(args.datasets)
    # The machine may be shared: its load is part of every time measured here.
    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="live-bench-") as tmp:
        y4m = Path(tmp) / "camera.y4m"
        scenes = build_video(y4m, root, args.photos, args.documents, args.hold, args.fps)
        print(f"video: {len(scenes)} pictures ({args.photos} photos, {args.documents} documents) held {args.hold} s "
              f"at {args.fps} fps, {WIDTH}x{HEIGHT}; {y4m.stat().st_size / 1e6:.0f} MB")
        sys.stdout.flush()
        tuning = {k: v for k, v in (("side", args.side), ("budget", args.budget), ("confirmBudget", args.confirm_budget))
                  if v}
        if args.word_score is not None:
            tuning["wordScore"] = args.word_score
        if args.photo_word_score is not None:
            tuning["photoWordScore"] = args.photo_word_score
        if args.no_second_look:
            tuning["confirm"] = False
        run = run_browser(y4m, len(scenes) * args.hold, args.hold, tuning, args.isolated, args.ms_per_char, args.site)
    print(f"load average after the browser run: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if args.json:  # the run first: its figures below need the server path's engine
        args.json.write_text(json.dumps({"run": run}), encoding="utf-8")
    figures = report(run, scenes, root, args.verbose, args.server_f1)
    if args.json:  # the figures, and the run itself (each line said, each reading)
        args.json.write_text(json.dumps({**figures, "run": run}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
