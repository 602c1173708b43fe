"""What bench.speech and bench.speech_unsaid share: the WER and CER text rules (bench.speech's
docstring says them), the data sets' .tsv rows and an engine built from a spec
(`name:field=value:...`). Here so that neither bench imports the other.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"


def wer_counts(ref: list[str], hyp: list[str]) -> int:
    """Word edit distance (substitutions + deletions + insertions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def normalise(text: str) -> list[str]:
    """The words of `text` as WER compares them (bench.speech's docstring), the same for both sides."""
    from whisper_normalizer.english import EnglishTextNormalizer

    out: list[str] = []
    digits_before = False
    for word in EnglishTextNormalizer()(text).split():
        if word.isdigit() and digits_before:
            out[-1] += word
        else:
            out.append(word)
        digits_before = word.isdigit()
    return out


def tsv_rows(path: Path) -> list[tuple[str, str]]:
    """A data set's .tsv (header skipped): its first two columns, per line."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(line.split("\t")[:2]) for line in lines if line.strip()]


def build_engine(spec: str):
    """The speech engine `name` or `name:field=value:...` (those Config fields changed; the
    environment sets the rest, as in the worker)."""
    import dataclasses

    from chalicelib import plugins, settings
    from chalicelib.engines.asr import ENGINES, get_engine

    name, *pairs = spec.split(":")
    if not pairs:
        return get_engine(name)
    config = plugins.default_config(plugins.engine_class("speech", name, ENGINES[name]))
    changes = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        like = getattr(config, key)  # an unknown field fails here, not silently
        changes[key] = (tuple(type(like[0])(v) for v in raw.split("/")) if isinstance(like, tuple)
                        else settings.parse(raw, like, key))
    return get_engine(name, dataclasses.replace(config, **changes))


def chars_of(text: str) -> list[str]:
    """The characters of `text` as CER compares them (bench.speech's docstring)."""
    import unicodedata

    return [c for c in unicodedata.normalize("NFKC", text).lower() if unicodedata.category(c)[0] not in "PSZC"]
