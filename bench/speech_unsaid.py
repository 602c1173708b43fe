"""Words nobody said at the end of a transcript (issue 42), before and after the engine drops
them (chalicelib/engines/asr/unsaid.py), paired in one run on speech-dev (transcripts and
command clips) and languages-dev/speech:

    python -m bench.speech_unsaid [--datasets ../shared/datasets]
    python -m bench.speech_unsaid --engines whisper:drop_unsaid=false,whisper,whisper:window_s=15

Every engine (a name with Config fields changed, as in bench.speech) is loaded in this one
process and each recording goes through all of them in turn, so the machine's load falls on all
alike (compare CPU s per audio second side by side, not with other runs).

Figures per data set and engine:
- WER: speech-dev by bench.speech's rule (Whisper's English normaliser); languages-dev over
  words (NFKC, lower case, punctuation removed), ja and zh over characters (no spaces to split
  on), summed over the set. CER on languages-dev as bench.speech --languages computes it.
- extra at end: words of the transcript after the last one aligned with a reference word (the
  word edit distance's alignment, diagonal preferred): words nobody said at the end.
- after voice: words that start after the end of the recording's last voiced frame (Silero
  VAD, speech probability >= 0.5, measured here on the whole recording, no slack) or after its end.
- joined: languages-dev's FLEURS recordings (de, fr, es, pt), each pair of a language one after
  the other 0.3 s apart, then 1 s of silence: 40 recordings of 13-33 s, longer than speech-dev's, where a
  chunk's end is decoded again in a second window (what issue 42's held-out recordings showed).
- cmd acc: the command label on speech-dev's keywords.tsv (those clips' transcripts are not
  scored: their reference is a label).
- CPU s / audio s: process CPU time over all recordings of the set (commands included).
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import unicodedata
from pathlib import Path

from bench.speech_common import DEFAULT_DATASETS, build_engine, chars_of, normalise, tsv_rows, wer_counts

# The filter off and on (Whisper's 30 s window), and issue 26's 15 s window without it, where
# issue 42's invented words were found.
BEFORE_AFTER = ("whisper:drop_unsaid=false", "whisper", "whisper:window_s=15:drop_unsaid=false")
AFTER_VOICE_S = 0.0  # stricter than the engine's 0.2 s: any word starting after the voice
VAD_FRAME = 512
CHARACTER_LANGUAGES = ("ja", "zh")
JOINED = ("de", "fr", "es", "pt")  # languages-dev's FLEURS recordings, joined in pairs


def trailing_extra(ref: list[str], hyp: list[str]) -> int:
    """Words of `hyp` after its last word aligned (same or substituted) with a word of `ref`."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    i, j, extra = n, m, 0
    while j > 0 and d[i][j] == d[i][j - 1] + 1:  # an insertion wherever one is as cheap
        extra, j = extra + 1, j - 1
    return extra


def tokens(text: str, language: str) -> list[str]:
    """languages-dev's words (characters for ja and zh)."""
    if language in CHARACTER_LANGUAGES:
        return chars_of(text)
    kept = "".join(c if unicodedata.category(c)[0] in "LN" else " "
                   for c in unicodedata.normalize("NFKC", text).lower())
    return kept.split()


def voice_end(samples) -> float:
    """Seconds to the end of the recording's last voiced frame (Silero VAD >= 0.5)."""
    import numpy as np
    from faster_whisper.vad import get_vad_model

    probs = np.asarray(get_vad_model()(np.pad(samples, (0, -len(samples) % VAD_FRAME))))
    voiced = np.nonzero(probs >= 0.5)[0]
    return (voiced[-1] + 1) * VAD_FRAME / 16000 if len(voiced) else 0.0


def after_voice(tr, samples) -> int:
    end = voice_end(samples)
    duration = len(samples) / 16000
    return sum(1 for s in tr.segments for w in s.words
               if w.start >= end + AFTER_VOICE_S or w.start >= duration)


class Tally:
    def __init__(self) -> None:
        self.edits = self.ref = self.extra = self.after = self.char_edits = self.chars = 0
        self.cmd_right = self.cmds = 0
        self.cpu = self.audio = 0.0
        self.examples: list[str] = []

    def words(self, ref: list[str], hyp: list[str], tr, samples, name: str) -> None:
        self.edits += wer_counts(ref, hyp)
        self.ref += len(ref)
        extra = trailing_extra(ref, hyp)
        self.extra += extra
        self.after += after_voice(tr, samples)
        if extra:
            self.examples.append(f"{name}: ...{' '.join(hyp[-6:])!r} (reference ...{' '.join(ref[-4:])!r})")


SETS = ("speech-dev", "languages-dev", "joined")


def run(datasets: Path, specs: list[str], sets: tuple[str, ...] = SETS) -> dict[str, dict[str, Tally]]:
    import numpy as np

    from chalicelib.media.audio import decode

    engines = {spec: build_engine(spec) for spec in specs}
    for engine in engines.values():
        engine.warm_up()
    out = {spec: {name: Tally() for name in SETS} for spec in specs}

    def each(path: Path | list[Path], then) -> None:
        if isinstance(path, list):  # one after the other, 0.3 s apart, then 1 s of silence
            parts = [decode(p.read_bytes(), max_bytes=50_000_000, max_seconds=900).samples for p in path]
            samples = np.concatenate([np.concatenate([x, np.zeros(int(gap * 16000), np.float32)])
                                      for x, gap in zip(parts, [0.3] * (len(parts) - 1) + [1.0])])
        else:
            samples = decode(path.read_bytes(), max_bytes=50_000_000, max_seconds=900).samples
        for spec, engine in engines.items():
            c = time.process_time()
            tr = engine.transcribe(samples)
            tally = then(out[spec], tr, samples)
            tally.cpu += time.process_time() - c
            tally.audio += len(samples) / 16000
        print(f"  {path if isinstance(path, Path) else '+'.join(p.name for p in path)}: "
              + "; ".join(f"{spec} {sets['speech-dev'].extra + sets['languages-dev'].extra + sets['joined'].extra}"
                          for spec, sets in out.items()), file=sys.stderr, flush=True)

    dev = datasets / "speech-dev"
    for name, ref in tsv_rows(dev / "transcripts.tsv") if "speech-dev" in sets else []:
        def transcript(t, tr, samples, ref=ref, name=name):
            t["speech-dev"].words(normalise(ref), normalise(tr.text), tr, samples, name)
            return t["speech-dev"]
        each(dev / name, transcript)
    for name, want in tsv_rows(dev / "keywords.tsv") if "speech-dev" in sets else []:
        def command(t, tr, samples, want=want):
            tally = t["speech-dev"]
            tally.cmds += 1
            tally.cmd_right += (tr.keyword or {}).get("label") == want
            tally.after += after_voice(tr, samples)  # words heard in a command clip count too
            return tally
        each(dev / name, command)
    langs = datasets / "languages-dev" / "speech"
    for line in (langs / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:] if "languages-dev" in sets else []:
        name, language, ref = line.split("\t")[:3]

        def spoken(t, tr, samples, ref=ref, language=language, name=name):
            tally = t["languages-dev"]
            tally.words(tokens(ref, language), tokens(tr.text, language), tr, samples, name)
            tally.char_edits += wer_counts(chars_of(ref), chars_of(tr.text))
            tally.chars += len(chars_of(ref))
            return tally
        each(langs / name, spoken)
    # Longer recordings: two of a language's recordings one after the other, then silence (the
    # held-out recordings of issue 42 are longer than speech-dev's; a chunk's end gets decoded
    # again in a second window there).
    rows = [line.split("\t")[:3] for line in (langs / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    for language in JOINED if "joined" in sets else ():
        mine = sorted((r for r in rows if r[0].startswith(f"{language}_cuttledoc")), key=lambda r: r[0])
        for (a, _, ref_a), (b, _, ref_b) in itertools.combinations(mine, 2):
            joined = (f"{a}+{b}", f"{ref_a} {ref_b}", language)

            def spoken_joined(t, tr, samples, joined=joined):
                name, ref, language = joined
                t["joined"].words(tokens(ref, language), tokens(tr.text, language), tr, samples, name)
                return t["joined"]
            each([langs / a, langs / b], spoken_joined)
    return out


def report(out: dict[str, dict[str, Tally]]) -> None:
    header = ("engine", "set", "WER", "CER", "cmd acc", "extra at end", "after voice", "CPU s/audio s")
    rows = [header]
    for spec, sets in out.items():
        for name, t in sets.items():
            if not t.audio:
                continue
            rows.append((spec, name, f"{t.edits / max(1, t.ref):.3f}",
                         f"{t.char_edits / t.chars:.3f}" if t.chars else "-",
                         f"{t.cmd_right / t.cmds:.3f}" if t.cmds else "-",
                         str(t.extra), str(t.after), f"{t.cpu / max(t.audio, 1e-9):.3f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    for spec, sets in out.items():
        for name, t in sets.items():
            for line in t.examples:
                print(f"  {spec} {name} extra: {line}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--engines", default=",".join(BEFORE_AFTER))
    ap.add_argument("--sets", default=",".join(SETS), help="of " + ", ".join(SETS))
    args = ap.parse_args(argv)
    datasets = args.datasets.resolve()
    if not (datasets / "speech-dev" / "transcripts.tsv").exists():
        print(f"speech-dev not found under {datasets}", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    print(f"\nWords nobody said at the end (issue 42), paired in one run on {args.sets}; "
          f"load average at start {load:.1f}")
    report(run(datasets, args.engines.split(","), tuple(args.sets.split(","))))
    print("(extra at end: transcript words after the last one aligned with the reference; after voice: "
          "words starting after the last voiced frame; goal 0 for both)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
