"""onnxruntime's idle threads: spinning (its default) or sleeping (ours), side by side.

    .venv/bin/python -m bench.spinning [--datasets ../shared/datasets] [--pages 8] [--rounds 2]

Reads the first FUNSD pages with the default engine (2 intra-op threads) in one process alone,
then in two processes at once (the local stack's two workers, or two jobs on a 2-vCPU Lambda
host), each way in turn, and prints wall and CPU seconds and the ratios. Spinning threads burn
a core while they wait, so two busy processes on two cores steal each other's time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def child(datasets_dir: str, pages: int, spin: bool) -> None:
    from bench import datasets
    from chalicelib.engines import onnx
    from chalicelib.engines.ocr.rapid import RapidConfig, RapidOcrEngine
    from chalicelib.media.image import decode

    onnx.ALLOW_SPINNING = spin
    engine = RapidOcrEngine(RapidConfig(threads=2))
    items = datasets.load(datasets_dir, datasets.FUNSD)[:pages]
    rgbs = [decode(it.image.read_bytes(), max_bytes=1 << 30, max_pixels=1 << 30).rgb for it in items]
    engine.read(rgbs[0])  # sessions are made on first use
    wall, cpu = time.perf_counter(), time.process_time()
    for rgb in rgbs:
        engine.read(rgb)
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))


def run(spin: str, at_once: int, datasets_dir: str, pages: int) -> list[dict]:
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "bench.spinning", "--child", "--datasets", datasets_dir, "--pages", str(pages),
           *(["--spin"] if spin == "1" else [])]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(at_once)]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.spinning", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=str(DEFAULT_DATASETS))
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--spin", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.datasets, args.pages, args.spin)
        return 0
    walls: dict[tuple[int, str], list[float]] = {}
    for at_once in (1, 2):
        for _ in range(args.rounds):
            for spin in ("1", "0"):  # turn about, so the machine's load falls on both
                for r in run(spin, at_once, args.datasets, args.pages):
                    walls.setdefault((at_once, spin), []).append(r["wall"])
                    print(f"{at_once} process(es) at once, spinning {'on ' if spin == '1' else 'off'}: "
                          f"{args.pages} FUNSD pages in {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU", flush=True)
    for at_once in (1, 2):
        on, off = (statistics.median(walls[(at_once, s)]) for s in ("1", "0"))
        print(f"{at_once} process(es) at once: median wall spinning {on:.2f} s, sleeping {off:.2f} s, "
              f"spinning / sleeping {on / off:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
