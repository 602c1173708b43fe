"""Engines: one package per task (ocr, tts, ...), each a registry of plugins behind one small
protocol (`base.py`), imported only when chosen. An engine takes its tuning as a config object
declared beside it (`Config`), so benchmarks pass configs instead of editing the environment."""
import os

# Set before any engine imports its runtime, and only here: onnxruntime (1.29 and later) phones a
# telemetry host a few seconds after a session starts, and the Hugging Face hub is never needed.
OFFLINE = {"ORT_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1"}
for _name, _value in OFFLINE.items():
    os.environ.setdefault(_name, _value)
