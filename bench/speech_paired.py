"""bench.speech's runs of one set of recordings by two or more engines side by side, each file
twice: `--base REV` (REV's engine against this tree's) and `--peer` (plain faster-whisper beside
this tree's); bench.speech's docstring says the sets and the figures. Split from bench.speech along
its own steps: that module measures one engine at a time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import speech_dev2
from bench.speech_common import ROOT, chars_of, normalise, wer_counts
from bench.speech_common import build_engine as _engine
from bench.speech_common import tsv_rows as _rows

PAIRED_SETS = ("speech-dev", "resampled", "joined", "languages-dev", "speech-dev2")
JOIN_GAP_S, JOIN_TAIL_S = 0.3, 1.0  # between the joined recordings; silence after the last


def stereo_44k(samples) -> bytes:
    """A WAV of `samples` (16 kHz mono float) resampled to 44.1 kHz stereo with FFmpeg's
    resampler, the right channel 6 dB lower: what a phone or a DAW exports. The intake decodes it
    back to 16 kHz mono, so the engine hears nearly, not exactly, the same samples."""
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=44100, layout="stereo")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.asarray(samples, np.float32).reshape(1, -1), format="flt",
                                           layout="mono")
        frame.sample_rate = 16000
        mono = np.concatenate([f.to_ndarray().reshape(-1) for f in resampler.resample(frame) + resampler.resample(None)])
        pcm = (np.clip(np.stack([mono, 0.5 * mono], axis=1), -1, 1) * 32767).astype("<i2")
        block = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="stereo")
        block.sample_rate = 44100
        for packet in stream.encode(block):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def joined(parts: list):
    """Recordings one after the other, JOIN_GAP_S apart, then JOIN_TAIL_S of silence."""
    import numpy as np

    gaps = [JOIN_GAP_S] * (len(parts) - 1) + [JOIN_TAIL_S]
    return np.concatenate([np.concatenate([p, np.zeros(int(g * 16000), np.float32)]) for p, g in zip(parts, gaps)])


def paired_items(datasets: Path, dev2: Path = speech_dev2.DEFAULT) -> list[dict]:
    """Every recording of the paired run: {set, name, ref, language, samples, command}.
    speech-dev: its transcripts and command clips as they are; resampled: its WAV transcripts
    through stereo_44k and the intake; joined: its 11 distinct utterances in cyclic pairs, its
    five LibriVox clips in one recording (~27 s: a chunk of nearly a whole window) (languages-dev's
    FLEURS recordings joined: bench.speech_unsaid); languages-dev: its recordings, language
    detected; then speech-dev2's groups (bench.speech_dev2), when its folder is there."""
    from chalicelib.media.audio import decode

    def load(path: Path | bytes):
        data = path if isinstance(path, bytes) else path.read_bytes()
        return decode(data, max_bytes=50_000_000, max_seconds=900).samples

    dev = datasets / "speech-dev"
    items = []
    transcripts = _rows(dev / "transcripts.tsv")
    for name, ref in transcripts:
        items.append({"set": "speech-dev", "name": name, "ref": ref, "language": "en", "samples": load(dev / name)})
    for name, label in _rows(dev / "keywords.tsv"):
        items.append({"set": "speech-dev", "name": name, "ref": None, "command": label, "language": "en",
                      "samples": load(dev / name)})
    wavs = [(n, r) for n, r in transcripts if n.endswith(".wav")]
    for name, ref in wavs:
        items.append({"set": "resampled", "name": name + "@44.1k-stereo", "ref": ref, "language": "en",
                      "samples": load(stereo_44k(load(dev / name)))})
    for (a, ra), (b, rb) in zip(wavs, wavs[1:] + wavs[:1]):
        items.append({"set": "joined", "name": f"{Path(a).stem}+{Path(b).stem}", "ref": f"{ra} {rb}",
                      "language": "en", "samples": joined([load(dev / a), load(dev / b)])})
    libri = [(n, r) for n, r in wavs if "librivox" in n]
    items.append({"set": "joined", "name": "librivox x5", "ref": " ".join(r for _, r in libri), "language": "en",
                  "samples": joined([load(dev / n) for n, _ in libri])})
    langs = datasets / "languages-dev" / "speech"
    rows = [line.split("\t")[:3] for line in (langs / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()]
    for name, language, ref in rows:
        items.append({"set": "languages-dev", "name": name, "ref": ref, "language": language,
                      "samples": load(langs / name)})
    for row in speech_dev2.items(dev2):
        items.append({"set": row["group"], "part": row["part"], "name": row["file"], "ref": row["transcript"],
                      "language": "en", "samples": load(dev2 / row["file"])})
    return items


def best_order_edits(refs: list[list[str]], hyp: list[str]) -> tuple[int, list[str]]:
    """Several speakers' words without times: the fewest edits over the orders of the speakers
    (a turn-taking minute: each speaker's words mostly together), and that order's words."""
    import itertools

    best = None
    for order in itertools.permutations(refs):
        ref = [w for r in order for w in r]
        e = wer_counts(ref, hyp)
        if best is None or e < best[0]:
            best = (e, ref)
    return best


def trailing_lost(ref: list[str], hyp: list[str]) -> int:
    """Reference words after the last one aligned with a word of `hyp` (words lost at the end)."""
    from bench.speech_unsaid import trailing_extra

    return trailing_extra(hyp, ref)


def paired_child(spec: str, datasets: Path, sets: list[str]) -> dict:
    """One side of `--base`: every paired item transcribed twice by `spec` in this tree."""
    from bench.speech_unsaid import after_voice, tokens, trailing_extra

    if spec == "peer":
        from bench.speech_peer import PlainFasterWhisper

        engine = PlainFasterWhisper()
    else:
        engine = _engine(spec)
    engine.warm_up()
    files = {}
    for item in (i for i in paired_items(datasets) if i["set"] in sets or (i.get("part") and "speech-dev2" in sets)):
        samples = item["samples"]
        c = time.process_time()
        first = engine.transcribe(samples)
        cpu = time.process_time() - c
        second = engine.transcribe(samples)
        row = {"set": item["set"], "part": item.get("part"), "text": first.text, "again": second.text == first.text,
               "again_text": None if second.text == first.text else second.text,
               "audio_s": len(samples) / 16000, "cpu_s": cpu, "language": first.language,
               "complete": first.complete}
        if item.get("command") and spec != "peer":  # plain Whisper names no command
            row["command_right"] = (first.keyword or {}).get("label") == item["command"]
        if item["ref"] is not None:
            if item["language"] == "en" and item["set"] != "languages-dev":
                hyp = normalise(first.text)
                edits, ref = best_order_edits([normalise(r) for r in speech_dev2.references(item["ref"])], hyp)
            else:
                ref, hyp = tokens(item["ref"], item["language"]), tokens(first.text, item["language"])
                edits = wer_counts(ref, hyp)
            row.update(edits=edits, ref_words=len(ref), extra_end=trailing_extra(ref, hyp),
                       lost_end=trailing_lost(ref, hyp),
                       after_voice=after_voice(first, samples) if spec != "peer" else None)
            if item["set"] == "languages-dev":
                row.update(char_edits=wer_counts(chars_of(item["ref"]), chars_of(first.text)),
                           chars=len(chars_of(item["ref"])), language_right=first.language == item["language"])
        files[item["name"]] = row
    return {"engine": spec, "version": engine.version, "files": files}


def _side(tree: Path, spec: str, datasets: Path, sets: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-m", "bench.speech", "--datasets", str(datasets), "--paired-child", spec,
                           "--paired-sets", ",".join(sets)],
                          cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{spec} in {tree}: failed\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def paired(datasets: Path, base: str, specs: list[str], sets: list[str]) -> int:
    """`--base REV`: REV's engine (its default) against this tree's `specs`, one child process
    each, on the same recordings (paired_items); printed per set and side."""
    from bench.trees import worktree

    load_start = os.getloadavg()[0]
    sides = []
    with worktree(base, prefix="pv-speech-") as tree:
        # This tree's bench code runs against the base's engine (the base may predate it).
        for name in ("speech.py", "speech_paired.py", "speech_common.py", "speech_unsaid.py", "speech_dev2.py",
                     "speech_peer.py"):
            (tree / "bench" / name).write_bytes((ROOT / "bench" / name).read_bytes())
        sides.append((f"{base} whisper", _side(tree, "whisper", datasets, sets)))
    for spec in specs:
        sides.append((f"HEAD {spec}", _side(ROOT, spec, datasets, sets)))
    load = os.getloadavg()
    print(f"\nSpeech paired against {base} ({datasets}), {os.cpu_count()} CPUs, load average "
          f"{load_start:.1f} at start, {load[0]:.1f} now; every file transcribed twice")
    _print_paired(sides)
    return 0


def _sum(rows: list[dict], key: str) -> float:
    return sum(r.get(key) or 0 for r in rows)


def _groups(side: dict) -> list[tuple[str, list[dict]]]:
    """(label, rows) per set in the order met, then each held-out part, then overall."""
    sets: dict[str, list[dict]] = {}
    for row in side["files"].values():
        sets.setdefault(row["set"], []).append(row)
    out = []
    for name, rows in sets.items():
        out.append((name, rows))
        held = [r for r in rows if r.get("part") == "held-out"]
        if held:
            out.append((f"{name} (held out)", held))
    dev2 = [r for r in side["files"].values() if r.get("part")]
    if dev2:
        out.append(("speech-dev2, all", dev2))
        out.append(("speech-dev2, held out", [r for r in dev2 if r["part"] == "held-out"]))
    out.append(("overall", list(side["files"].values())))
    return out


def _wer(rows: list[dict]) -> float:
    scored = [r for r in rows if "edits" in r]
    return _sum(scored, "edits") / max(1, _sum(scored, "ref_words"))


def _print_paired(sides: list[tuple[str, dict]]) -> None:
    header = ("side", "set", "files", "WER", "CER", "cmd acc", "language", "extra at end", "lost at end",
              "after voice", "identical twice", "CPU s/audio s")
    table = [header]
    for label, side in sides:
        for name, rows in _groups(side):
            scored = [r for r in rows if "edits" in r]
            cmds = [r for r in rows if "command_right" in r]
            langs = [r for r in rows if "language_right" in r]
            voiced = [r for r in rows if r.get("after_voice") is not None]
            table.append((label, name, str(len(rows)), f"{_wer(rows):.3f}",
                          f"{_sum(langs, 'char_edits') / _sum(langs, 'chars'):.3f}" if langs else "-",
                          f"{_sum(cmds, 'command_right') / len(cmds):.3f}" if cmds else "-",
                          f"{int(_sum(langs, 'language_right'))}/{len(langs)}" if langs else "-",
                          str(int(_sum(scored, 'extra_end'))), str(int(_sum(scored, 'lost_end'))),
                          str(int(_sum(voiced, 'after_voice'))) if voiced else "-",
                          f"{int(_sum(rows, 'again'))}/{len(rows)}",
                          f"{_sum(rows, 'cpu_s') / max(_sum(rows, 'audio_s'), 1e-9):.3f}"))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print("(WER: speech-dev's rule for English, languages-dev's words (ja/zh characters) otherwise; several "
          "speakers' words in the order of speakers with the fewest errors; extra / lost "
          "at end: hypothesis / reference words after the last aligned word; after voice: words starting after "
          "the last voiced frame; identical twice: files whose second transcript equals the first; CPU: the "
          "first transcription's)")
    base_label, base = sides[0]
    for label, side in sides[1:]:
        print(f"\n{label} against {base_label}, files whose errors differ:")
        for name, row in side["files"].items():
            was = base["files"].get(name, {})
            if "edits" in row and row["edits"] != was.get("edits"):
                print(f"  {row['set']} {name}: {was.get('edits')} -> {row['edits']} errors: {row['text'][-90:]!r}")
    for label, side in sides:
        for name, row in side["files"].items():
            if not row["again"]:
                print(f"  {label} {name} differs between runs: {row['text'][-70:]!r} / {row['again_text'][-70:]!r}")


def peer(datasets: Path, specs: list[str], sets: list[str]) -> int:
    """`--peer`: plain faster-whisper (bench.speech_peer) beside this tree's `specs` on every
    paired set, each file twice, in one run; then issue 78's goals on speech-dev2."""
    load_start = os.getloadavg()[0]
    sides = [("plain faster-whisper", _side(ROOT, "peer", datasets, sets))]
    for spec in specs:
        sides.append((f"PageVoice {spec}", _side(ROOT, spec, datasets, sets)))
    load = os.getloadavg()
    print(f"\nSpeech beside plain faster-whisper ({datasets}, {speech_dev2.DEFAULT}), {os.cpu_count()} CPUs, "
          f"load average {load_start:.1f} at start, {load[0]:.1f} now; every file transcribed twice")
    print(f"peer: {sides[0][1]['version']}")
    _print_paired(sides)
    peer_groups = dict(_groups(sides[0][1]))
    for label, side in sides[1:]:
        print(f"\n{label} against plain faster-whisper (goals: WER <= the peer's on each speech-dev2 group and "
              "held-out part, <= 0.9x over speech-dev2):")
        for name, rows in _groups(side):
            if not any(r.get("part") for r in rows) or name not in peer_groups:
                continue
            ours, theirs = _wer(rows), _wer(peer_groups[name])
            goal = 0.9 * theirs if name == "speech-dev2, all" else theirs
            cpu = 3600 * _sum(rows, "cpu_s") / max(_sum(rows, "audio_s"), 1e-9)
            peer_cpu = 3600 * _sum(peer_groups[name], "cpu_s") / max(_sum(peer_groups[name], "audio_s"), 1e-9)
            print(f"  {name}: {ours:.3f} against {theirs:.3f} (goal <= {goal:.3f}: {'PASS' if ours <= goal else 'MISS'}); "
                  f"CPU s per hour of speech {cpu:.0f} against {peer_cpu:.0f}")
    return 0
