"""Engines: one package per task (ocr, tts, ...), each a registry of plugins behind one small
protocol (`base.py`), imported only when chosen. An engine takes its tuning as a config object
declared beside it (`Config`), so benchmarks pass configs instead of editing the environment."""
