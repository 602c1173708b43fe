"""speech-dev2: recordings of voices speech-dev's rules never met (issue 78), read in place from a
folder outside the repository (default /work/data/speech-dev2; never committed).

    .venv/bin/python -m bench.speech_dev2 build SRC [DST]   # from a staging folder of group manifests
    .venv/bin/python -m bench.speech_dev2 list [DST]        # groups, parts, speakers, seconds

The folder holds `manifest.tsv` (file, transcript, group, speaker, part, source, licence) and the
files under their group's folder. Groups (sources and licences in DST/README.md, written by
`build`): children (speechocean762's test speakers aged 6-10, Mandarin first language), accents
(its adults, 20-43), telephone (Asterisk's English prompts by Allison Smith, 8 kHz), meeting (a
minute of an AMI design meeting, four people, fillers and restarts, some overlap). A transcript
of several people is their words per speaker, joined by " || " (no word times are given): it is
scored against the order of speakers that gives the fewest errors (bench.speech).

Where the staging's files come from (each group's MANIFEST.tsv: file, transcript, speaker, source,
licence): speechocean762's `WAVE/SPEAKERnnnn/*.WAV` and `test/text` (GitHub
jimbozhang/speechocean762 at 613968e; test speakers only, five utterances of four or more words
each of eight speakers a group, drawn with seed 762); Debian's asterisk-core-sounds-en-wav 1.6.1-1
(`en_US_f_Allison/*.wav`, transcripts from asterisk-core-sounds-en's core-sounds-en.txt; 25
prompts of seven or more words, seed 8000); pyannote-audio's tutorial minute of AMI
(`tutorials/assets/seriously/`, at 84d5e40). A file whose licence its source does not state (a
phone call in pyannote's package) is left out.

Held out by speaker, never tuned on: in each group the speakers sorted by name, every fourth
(the 4th, 8th, ...) is `held-out`; a group of one speaker holds out every fourth file instead
(said in the list). The parts are fixed by the data, not drawn: the same on every machine.
"""
from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

DEFAULT = Path("/work/data/speech-dev2")
COLUMNS = ("file", "transcript", "group", "speaker", "part", "source", "licence")
SPEAKERS_JOIN = " || "

# (group, the staging folder's group, how its licence reads in the README)
GROUPS = (
    ("children", "children", "speechocean762 (Zhang et al., Interspeech 2021): free for commercial and "
                             "non-commercial use (its README); CC BY 4.0 on OpenSLR (SLR101), Apache-2.0 on its "
                             "authors' Hugging Face copy"),
    ("accents", "accents", "as children"),
    ("telephone", "telephone-8k", "CC-BY-SA-3.0 (Debian's copyright file of asterisk-core-sounds-en-wav): "
                                  "attribution to Allison Smith, share-alike"),
    ("meeting", "overlap", "AMI Meeting Corpus, CC BY 4.0 (excerpt shipped in pyannote-audio's tutorials, MIT)"),
)


def held_out(group_rows: list[dict]) -> None:
    """Sets each row's `part` (module docstring)."""
    speakers = sorted({r["speaker"] for r in group_rows})
    if len(speakers) == 1:
        for i, row in enumerate(sorted(group_rows, key=lambda r: r["file"])):
            row["part"] = "held-out" if i % 4 == 3 else "dev"
        return
    out = {s for i, s in enumerate(speakers) if i % 4 == 3}
    for row in group_rows:
        row["part"] = "held-out" if row["speaker"] in out else "dev"


def _meeting_rows(src: Path, dst: Path) -> list[dict]:
    """The AMI minute: one recording, its four speakers' words."""
    folder = next(p for p in (src / "overlap").iterdir() if p.is_dir())
    refs = [(p.read_text(encoding="utf-8").split()) for p in sorted(folder.glob("mixture.*.words_joined.txt"))]
    target = dst / "meeting" / "ami-seriously.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "mixture.wav", target)
    manifest = list(csv.DictReader((src / "overlap" / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))[0]
    return [{"file": "meeting/ami-seriously.wav", "transcript": SPEAKERS_JOIN.join(" ".join(r) for r in refs if r),
             "group": "meeting", "speaker": "ami-seriously", "source": manifest["source"],
             "licence": manifest["licence"]}]


def build(src: Path, dst: Path) -> list[dict]:
    rows: list[dict] = []
    for group, staged, _ in GROUPS:
        if group == "meeting":
            got = _meeting_rows(src, dst)
        else:
            got = []
            for r in csv.DictReader((src / staged / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"):
                if "doubtful" in r["file"]:  # a licence not cleared (its source does not say it)
                    continue
                target = dst / group / Path(r["file"]).name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / staged / r["file"], target)
                got.append({"file": f"{group}/{target.name}", "transcript": r["transcript"], "group": group,
                            "speaker": r["speaker"], "source": r["source"], "licence": r["licence"]})
        held_out(got)
        rows += got
    with (dst / "manifest.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS, delimiter="\t", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    (dst / "README.md").write_text(
        "# speech-dev2 (built by bench/speech_dev2.py; not for redistribution beyond the licences below)\n\n"
        + "\n".join(f"- {g}: {lic}" for g, _, lic in GROUPS) + "\n\nPer file: manifest.tsv's source and licence.\n",
        encoding="utf-8")
    return rows


def items(root: Path = DEFAULT) -> list[dict]:
    """manifest.tsv's rows (module docstring); [] when the folder is not there."""
    path = root / "manifest.tsv"
    if not path.exists():
        return []
    return list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))


def references(transcript: str) -> list[str]:
    """A transcript's speakers' words (one for one speaker)."""
    return transcript.split(SPEAKERS_JOIN)


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"] and len(argv) in (2, 3):
        rows = build(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else DEFAULT)
        print(f"{len(rows)} files")
        return 0
    if argv[:1] == ["list"]:
        import av

        root = Path(argv[1]) if len(argv) > 1 else DEFAULT
        groups: dict[tuple[str, str], list] = {}
        for r in items(root):
            with av.open(str(root / r["file"])) as f:
                seconds = float(f.duration or 0) / 1e6
            groups.setdefault((r["group"], r["part"]), []).append((r["speaker"], seconds))
        for (g, part), got in sorted(groups.items()):
            print(f"{g:10} {part:9} {len(got):3} files, {len({s for s, _ in got})} speakers, "
                  f"{sum(s for _, s in got):6.0f} s")
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
