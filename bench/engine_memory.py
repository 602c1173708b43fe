"""A warm worker's memory as it meets language after language: the page kind's engines (the
OCR reader, language identification, the English voice), optionally the speech kind's Whisper,
then one recording per language (chalicelib.kinds.voice.record: the voice the worker picks for
it, built by chalicelib.plugins), with the process's resident memory after each.

    .venv/bin/python -m bench.engine_memory [--languages en,de,es,...] [--asr] [--worker-memory-mb 2048]

Each language says the first paragraph of its UDHR text (tests/data/languages/texts; pt and zh:
article 1 below). `--worker-memory-mb` sets PAGEVOICE_WORKER_MEMORY_MB (the worker's memory the
engines' budget is derived from, chalicelib.plugins.budget_bytes); `--job-memory-mb` sets
PAGEVOICE_JOB_MEMORY_MB. Columns: RSS (MB) after the recording, its peak so far (ru_maxrss),
the engines loaded (chalicelib.plugins.loaded) and the seconds the recording took (its voice's
build included).
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

TEXTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "languages" / "texts"
# Article 1 of the UDHR where tests/data has no text.
ARTICLE_1 = {
    "pt": "Todos os seres humanos nascem livres e iguais em dignidade e em direitos.",
    "zh": "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。",
    "nl": "Alle mensen worden vrij en gelijk in waardigheid en rechten geboren.",
    "pl": "Wszyscy ludzie rodzą się wolni i równi pod względem swej godności i swych praw.",
}
# English first (the warm voice), then the Kokoro voices, Pico, RHVoice and eSpeak NG's.
LANGUAGES = "en,es,fr,it,pt,ja,zh,hi,de,ru,ar,el,he,ko,th,uk,nl,pl"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def text_of(code: str) -> str:
    path = TEXTS / f"{code}.txt"
    return path.read_text(encoding="utf-8").split("\n\n")[0].strip() if path.is_file() else ARTICLE_1[code]


def loaded() -> str:
    from chalicelib import plugins

    keys = getattr(plugins, "loaded", None)
    return str(len(keys())) if keys else "?"  # the code before the bound kept no list


def row(label: str, seconds: float) -> None:
    print(f"{label:<28} {rss_mb():>7.0f} {peak_mb():>7.0f} {loaded():>7} {seconds:>7.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--languages", default=LANGUAGES)
    ap.add_argument("--asr", action="store_true", help="load Whisper first (a worker that ran a speech job)")
    ap.add_argument("--worker-memory-mb", type=int, help="PAGEVOICE_WORKER_MEMORY_MB")
    ap.add_argument("--job-memory-mb", type=int, help="PAGEVOICE_JOB_MEMORY_MB")
    args = ap.parse_args()
    if args.worker_memory_mb:
        os.environ["PAGEVOICE_WORKER_MEMORY_MB"] = str(args.worker_memory_mb)
    if args.job_memory_mb:
        os.environ["PAGEVOICE_JOB_MEMORY_MB"] = str(args.job_memory_mb)

    from chalicelib import languages
    from chalicelib.kinds import voice
    from chalicelib.kinds.page import pipeline

    print(f"{'step':<28} {'RSS MB':>7} {'peak':>7} {'engines':>7} {'s':>7}")
    row("start", 0.0)
    t0 = time.perf_counter()
    pipeline.warm_up()  # the page kind's worker: OCR reader, language identification, English voice
    row("page kind warm", time.perf_counter() - t0)
    if args.asr:
        from chalicelib.engines import asr

        t0 = time.perf_counter()
        asr.get_engine("whisper")
        row("whisper", time.perf_counter() - t0)
    for code in filter(None, args.languages.split(",")):
        chosen = languages.voice_for(code)
        t0 = time.perf_counter()
        take = voice.record(text_of(code), language=code)
        label = f"{code} {chosen.engine}:{chosen.name}" if chosen else f"{code} -"
        if take.info.get("unspoken"):
            label += " (unspoken)"
        row(label, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
