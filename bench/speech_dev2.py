"""speech-dev2: recordings of voices speech-dev's rules never met (issue 78), read in place from a
folder outside the repository (default /work/data/speech-dev2; never committed).

    .venv/bin/python -m bench.speech_dev2 stage SPEECHOCEAN PYANNOTE SRC  # the staging, from the sources
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
phone call in pyannote's package) is left out. `stage` makes the staging from those sources: the
two repositories' git folders (a clone's `.git`, or a bare snapshot) at those commits, and the two
Debian packages it downloads (`apt-get download`, extracted with `dpkg-deb -x`, not installed).
Telephone transcripts lose their bracketed notes; a prompt with a key written as a symbol (`*`,
`#`: "star", "pound" are said) is left out. The draw is each group's own `random.Random(seed)`:
8 speakers of the sorted eligible ones, then 5 of each one's sorted utterances.

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


SPEECHOCEAN_COMMIT = "613968e"
PYANNOTE_COMMIT = "84d5e40"
ASTERISK = ("asterisk-core-sounds-en-wav", "asterisk-core-sounds-en")
STAGED = ("file", "transcript", "speaker", "source", "licence")
LICENCE = {"speechocean762": "speechocean762: free for commercial and non-commercial use (README); CC BY 4.0 "
                             "(OpenSLR SLR101)",
           "asterisk": "CC-BY-SA-3.0 (Debian copyright of asterisk-core-sounds-en-wav), attribution Allison Smith",
           "ami": "AMI Meeting Corpus CC BY 4.0 (excerpt shipped in pyannote-audio's tutorials, pyannote-audio MIT)"}


def _show(git_dir: Path, commit: str, path: str) -> bytes:
    import subprocess

    return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def _write_staged(folder: Path, rows: list[dict]) -> None:
    with (folder / "MANIFEST.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, STAGED, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _stage_speechocean(git_dir: Path, out: Path) -> None:
    """children (aged 6-10) and accents (20-43): test speakers with five utterances of 4+ words."""
    import random

    def table(path: str) -> dict[str, str]:
        text = _show(git_dir, SPEECHOCEAN_COMMIT, path).decode("utf-8")
        return {k: v.strip() for k, v in (line.split(None, 1) for line in text.splitlines() if line.strip())}

    text, utt2spk, wav = table("test/text"), table("test/utt2spk"), table("test/wav.scp")
    age = {k: int(v) for k, v in table("test/spk2age").items()}
    for group, low, high in (("children", 6, 10), ("accents", 20, 43)):
        rng = random.Random(762)
        by_speaker: dict[str, list[str]] = {}
        for utt in sorted(text):
            if low <= age[utt2spk[utt]] <= high and len(text[utt].split()) >= 4:
                by_speaker.setdefault(utt2spk[utt], []).append(utt)
        eligible = sorted(s for s, utts in by_speaker.items() if len(utts) >= 5)
        rows = []
        (out / group / "wav").mkdir(parents=True, exist_ok=True)
        for s in sorted(rng.sample(eligible, 8)):
            for utt in sorted(rng.sample(sorted(by_speaker[s]), 5)):
                rel = f"wav/SPEAKER{s}_{utt}.wav"
                (out / group / rel).write_bytes(_show(git_dir, SPEECHOCEAN_COMMIT, wav[utt]))
                rows.append({"file": rel, "transcript": text[utt], "speaker": f"SPEAKER{s}",
                             "source": f"speechocean762 {SPEECHOCEAN_COMMIT} {wav[utt]}",
                             "licence": LICENCE["speechocean762"]})
        _write_staged(out / group, rows)


def _stage_telephone(out: Path) -> None:
    """25 of Allison Smith's prompts of 7+ words, 8 kHz, from Debian's packages."""
    import gzip
    import random
    import re
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", *ASTERISK], cwd=tmp, check=True, capture_output=True)
        for deb in Path(tmp).glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
        root = Path(tmp) / "x" / "usr" / "share"
        sounds = next(root.rglob("en_US_f_Allison"))
        listing = next(root.rglob("core-sounds-en.txt*"))
        raw = gzip.decompress(listing.read_bytes()) if listing.suffix == ".gz" else listing.read_bytes()
        version = subprocess.run(["dpkg-deb", "-f", str(next(Path(tmp).glob(f"{ASTERISK[0]}_*.deb"))), "Version"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        candidates = []
        for line in raw.decode("utf-8").splitlines():
            if not line.strip() or line.startswith(";") or ":" not in line:
                continue
            name, said = (part.strip() for part in line.split(":", 1))
            said = " ".join(re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", said).split())
            if not re.search(r"[*#@$]", said) and len(said.split()) >= 7 and (sounds / f"{name}.wav").is_file():
                candidates.append((name, said))
        rows = []
        (out / "telephone-8k" / "wav").mkdir(parents=True, exist_ok=True)
        for name, said in sorted(random.Random(8000).sample(sorted(candidates), 25)):
            rel = f"wav/{name.replace('/', '-')}.wav"
            shutil.copyfile(sounds / f"{name}.wav", out / "telephone-8k" / rel)
            rows.append({"file": rel, "transcript": said, "speaker": "allison",
                         "source": f"Debian {ASTERISK[0]} {version} en_US_f_Allison/{name}.wav; transcript "
                                   f"{ASTERISK[1]} {version} core-sounds-en.txt", "licence": LICENCE["asterisk"]})
        _write_staged(out / "telephone-8k", rows)


def _stage_meeting(git_dir: Path, out: Path) -> None:
    """pyannote-audio's tutorial minute of AMI: the mixture and each speaker's words."""
    folder = out / "overlap" / "ami-seriously"
    folder.mkdir(parents=True, exist_ok=True)
    base = "tutorials/assets/seriously"
    (folder / "mixture.wav").write_bytes(_show(git_dir, PYANNOTE_COMMIT, f"{base}/mixture.wav"))
    words = []
    for s in "ABCD":
        got = _show(git_dir, PYANNOTE_COMMIT, f"{base}/text/mixture.{s}.words_joined.txt")
        (folder / f"mixture.{s}.words_joined.txt").write_bytes(got)
        words.append(" ".join(got.decode("utf-8").split()))
    _write_staged(out / "overlap", [{
        "file": "ami-seriously/mixture.wav", "transcript": SPEAKERS_JOIN.join(words), "speaker": "ami-seriously",
        "source": f"pyannote-audio {PYANNOTE_COMMIT} {base}/mixture.wav + text/mixture.{{A,B,C,D}}.words_joined.txt "
                  "(AMI excerpt, speakers FEE013 FEE016 MEE014 MEO015)", "licence": LICENCE["ami"]}])


def stage(speechocean: Path, pyannote: Path, out: Path) -> None:
    """The staging `build` reads (module docstring), from the two repositories' git folders."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    _stage_speechocean(speechocean, out)
    _stage_telephone(out)
    _stage_meeting(pyannote, out)


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
    if argv[:1] == ["stage"] and len(argv) == 4:
        stage(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
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
