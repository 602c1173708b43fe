"""Videos for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`): stills
held for a number of frames, written as raw YUV 4:2:0 (Y4M), and the site served as `make run`
serves it (its headers, CSP included), for bench.live and tests/site/test_live.py.

Chromium plays the file at its frame rate and loops it. A strip of `MARK_HEIGHT` pixels under
each picture carries the scene's number in black and white blocks, so that a script in the page
can tell on which frame a new scene appeared (bench.live's clock starts there).
"""
from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

MARK_HEIGHT = 8
MARK_BITS = 8

# Headless Chromium has no voice: this stands in for speechSynthesis in the page (an init script)
# and records what the page asks it to say (window.__said: text, language, when), ending each
# utterance after about as long as a voice would take (~14 characters a second; window.__speechMsPerChar
# sets another pace, 0 ends each at once).
FAKE_SPEECH = """
window.__said = [];
const fake = {
  speaking: false, pending: false, paused: false, current: null, timer: 0,
  getVoices: () => [], addEventListener() {}, removeEventListener() {}, pause() {}, resume() {},
  speak(u) {
    window.__said.push({ text: u.text, lang: u.lang, t: performance.now() });
    this.current = u; this.speaking = true;
    u.onstart?.({});
    this.timer = setTimeout(() => { if (this.current === u) { this.current = null; this.speaking = false; u.onend?.({}); } },
                            window.__speechMsPerChar === 0 ? 0 : 200 + (window.__speechMsPerChar || 70) * u.text.length);
  },
  cancel() { clearTimeout(this.timer); this.current = null; this.speaking = false; },
};
Object.defineProperty(window, "speechSynthesis", { value: fake, configurable: true });
"""


def _yuv420(rgb: np.ndarray) -> bytes:
    """RGB uint8 (H, W, 3), H and W even -> Y, U, V planes (BT.601, studio range)."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    sub = lambda p: p.reshape(p.shape[0] // 2, 2, p.shape[1] // 2, 2).mean(axis=(1, 3))  # noqa: E731
    planes = [y, sub(u), sub(v)]
    return b"".join(np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes() for p in planes)


def fit(image, width: int, height: int, background=(255, 255, 255)) -> tuple[np.ndarray, float, tuple[int, int]]:
    """A PIL image scaled to fit width x height (centred on `background`) -> (RGB array,
    scale, (left, top)): a point (x, y) of the image is at (left + x * scale, top + y * scale)."""
    from PIL import Image

    image = image.convert("RGB")
    scale = min(width / image.width, height / image.height)
    w, h = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    canvas = Image.new("RGB", (width, height), background)
    left, top = (width - w) // 2, (height - h) // 2
    canvas.paste(image.resize((w, h), Image.LANCZOS), (left, top))
    return np.asarray(canvas), scale, (left, top)


def mark(rgb: np.ndarray, number: int, marked: bool = True) -> np.ndarray:
    """`rgb` with the scene-number strip under it (MARK_HEIGHT rows), or as it is."""
    if not marked:
        return rgb
    h, w = rgb.shape[:2]
    strip = np.zeros((MARK_HEIGHT, w, 3), np.uint8)
    block = w // MARK_BITS
    for bit in range(MARK_BITS):
        if (number >> bit) & 1:
            strip[:, bit * block:(bit + 1) * block] = 255
    return np.concatenate([rgb, strip], axis=0)


def write_y4m(path: Path, scenes: Iterable[tuple[np.ndarray, int]], fps: int) -> Path:
    """Scenes (RGB frame, how many frames to hold it) -> a Y4M file at `fps`."""
    path = Path(path)
    with path.open("wb") as out:
        header = False
        for rgb, frames in scenes:
            h, w = rgb.shape[:2]
            if not header:
                out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
                header = True
            data = _yuv420(rgb)
            for _ in range(frames):
                out.write(b"FRAME\n")
                out.write(data)
    return path


def serve_site(counter: list | None = None, isolated: bool = False,
               root: Path | None = None) -> http.server.ThreadingHTTPServer:
    """static_site/ on a free loopback port, with the local stack's handler and headers
    (infra/local/stack.py) and an API base that nothing answers. Each request's path is
    appended to `counter`. `isolated`: with COOP/COEP headers too (cross-origin isolated: the
    worker's onnxruntime-web may then run threads). `root`: another copy of static_site/ (a
    benchmark's "before", say). Call infra.live_assets.build() first."""
    from infra.local.stack import SiteHandler
    from infra.site_config import security_headers

    root = Path(root or Path(__file__).resolve().parents[1] / "static_site")
    api = "http://127.0.0.1:9"
    seen = counter if counter is not None else []

    class Handler(SiteHandler):
        config = {"apiBase": api}
        headers_out = {**security_headers(api, "http://127.0.0.1:9"), **({
            "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "credentialless"}
            if isolated else {})}

        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True, name="live-site").start()
    return server
