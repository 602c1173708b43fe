"""chalicelib.plugins: engines built once per process and config, and a bound on what stays
loaded (the worker's memory less settings.worker.job_memory_mb).

The memory tests run in a fresh process each (their resident memory is theirs alone, and the
engines they drop are not another test's), with the budget set just above what that process
holds after its imports. tests/ballast.py is an engine holding a known amount of real memory;
the last test does the same with real voices (Kokoro, piper) and Whisper.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from chalicelib import plugins
from tests import ballast

ROOT = Path(__file__).resolve().parents[1]
# What each script starts with: `bound(mb)` sets the engines' budget to this process's resident
# memory now plus `mb` MiB, and returns it (MiB); `ask(tag, mb, ...)` is a Ballast from the registry.
PRELUDE = """
import gc, json, os, weakref
from chalicelib import plugins
from tests import ballast

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def bound(mb):
    budget = int(rss_mb()) + mb
    os.environ.update(PAGEVOICE_WORKER_MEMORY_MB=str(budget), PAGEVOICE_JOB_MEMORY_MB="0")
    return budget

def ask(tag, mb, **more):
    return plugins.load("test", "ballast", ballast.TARGET, ballast.BallastConfig(mb=mb, tag=tag, **more))

def result(**values):
    print("RESULT " + json.dumps(values), flush=True)
"""


def run(script: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "PAGEVOICE_WORKER_MEMORY_MB", "PAGEVOICE_JOB_MEMORY_MB")}
    out = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(script)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])


def test_the_engines_kept_stay_within_the_budget_least_recently_asked_for_going_first():
    got = run("""
        budget = bound(170)
        over, refs = [], {}
        for tag in "abcd":  # 60 MiB each: three would pass the budget
            engine = ask(tag, 60)
            engine.read()
            refs[tag] = weakref.ref(engine)
            del engine
            over.append(rss_mb() - budget)
        result(over=over, alive=[tag for tag, ref in refs.items() if ref() is not None])
    """)
    assert max(got["over"]) <= 0, got  # before the bound: 10 and 70 MiB over
    assert got["alive"] == ["c", "d"]  # a and b were dropped, and freed: nothing else held them


def test_an_engine_a_caller_holds_is_never_dropped():
    got = run("""
        budget = bound(170)
        held = ask("held", 60)  # a running job's voice: asked for first, so least recently
        refs = {}
        for tag in "bcd":
            refs[tag] = weakref.ref(ask(tag, 60))
        again = ask("held", 60)
        result(same=again is held, works=held.read() > 0, over=rss_mb() - budget,
               alive=[tag for tag, ref in refs.items() if ref() is not None])
    """)
    assert got["same"] and got["works"]
    assert got["alive"] == ["d"] and got["over"] <= 0, got


def test_what_engines_share_is_measured_and_goes_with_the_last_of_them():
    got = run("""
        bound(1000)
        x, y = ask("x", 20, shared_mb=100), ask("y", 20, shared_mb=100)
        del x
        start = rss_mb()
        bound(-10)  # 10 MiB too many: dropping x (20 MiB of its own) is enough
        plugins.make_room()
        after_x = rss_mb()
        shared_after_x = ballast._shared.cache_info().currsize
        del y
        bound(-50)  # y holds 20 MiB of its own: the shared 100 MiB must go too
        plugins.make_room()
        result(freed_x=start - after_x, shared_after_x=shared_after_x, freed_y=after_x - rss_mb(),
               shared_after_y=ballast._shared.cache_info().currsize, left=len(plugins.loaded()))
    """)
    assert 15 < got["freed_x"] < 30 and got["shared_after_x"] == 1, got  # x's own part only
    assert got["freed_y"] > 110 and got["shared_after_y"] == 0 and got["left"] == 0, got


def test_real_voices_stay_within_the_budget_and_a_dropped_voice_is_built_again_and_speaks():
    got = run("""
        from chalicelib.engines import asr, tts
        from chalicelib.engines.tts import kokoro_engine

        def kokoro(voice):
            return plugins.with_settings("TTS", tts.ENGINES, "kokoro", voice=voice)

        def use(get, text=None):  # a job's: ask, speak, done; the next ask checks the bound again
            engine = get()
            if text:
                engine.synthesize(text)
            del engine
            get()
            over.append(rss_mb() - budget)

        budget = bound(420)  # Kokoro ~210 MiB with its model, piper ~160, Whisper ~135
        over = []
        first = weakref.ref(kokoro("ef_dora"))
        use(lambda: kokoro("ef_dora"), "Hola a todos.")
        use(lambda: kokoro("ff_siwis"), "Bonjour.")
        use(lambda: tts.get_engine("piper"), "Hello there.")
        use(lambda: asr.get_engine("whisper"))
        dropped = first() is None
        model_kept = kokoro_engine._load_model.cache_info().currsize
        again = kokoro("ef_dora")
        audio = again.synthesize("Hola a todos, buenos días.")
        result(over=over, dropped=dropped, model_kept=model_kept, seconds=len(audio.samples) / audio.sample_rate,
               words=sum(w is not None for w in audio.words))
    """)
    assert max(got["over"]) <= 0, got
    assert got["dropped"] and got["model_kept"] == 0, got  # the Kokoro voices went, and their model with them
    assert got["seconds"] > 0.8 and got["words"] == 5, got


def test_two_threads_asking_at_once_get_one_build():
    config = ballast.BallastConfig(tag=f"race-{os.getpid()}", build_seconds=0.3)
    gate = threading.Barrier(6)
    got = []

    def ask():
        gate.wait()
        got.append(plugins.load("test", "ballast", ballast.TARGET, config))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 6 and all(engine is got[0] for engine in got)
    assert ballast.BUILDS[config] == 1


def test_every_installed_engine_once_used_is_held_by_the_table_alone():
    # An engine holding itself (a cycle through a bound method or a closure) would count as in
    # use forever and never be dropped.
    got = run("""
        import sys
        import numpy as np
        from chalicelib.engines import asr, digits, ocr, tts
        from chalicelib.errors import EngineUnavailable

        held = {}
        for task, registry in (("TTS", tts.ENGINES), ("OCR", ocr.ENGINES), ("ASR", asr.ENGINES),
                               ("digits", digits.ENGINES)):
            for name in registry:
                if name in ("gtts", "keras-ocr"):  # Google's service; a venv of its own
                    continue
                try:
                    engine = plugins.choose(task, registry, name)
                except EngineUnavailable:
                    continue
                if task == "TTS":
                    engine.synthesize("Hello.")
                elif task == "OCR":
                    engine.read(np.full((64, 256, 3), 255, np.uint8))
                del engine
                held[name] = [sys.getrefcount(e.engine) for k, e in plugins._loaded.items() if k[0] == registry[name]]
        result(held=held, alone=plugins._HELD_BY_TABLE)
    """)
    assert {"piper", "kokoro", "rapidocr", "whisper", "cnn"} <= set(got["held"]), got
    assert all(counts == [got["alone"]] for counts in got["held"].values()), got


def test_the_budget_is_the_workers_memory_less_the_jobs(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", raising=False)
    monkeypatch.setenv("PAGEVOICE_WORKER_MEMORY_MB", "2048")
    monkeypatch.setenv("PAGEVOICE_JOB_MEMORY_MB", "1024")
    assert plugins.budget_bytes() == 1024 << 20
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")  # a deployed worker: Lambda's own figure
    assert plugins.budget_bytes() == 3072 << 20
