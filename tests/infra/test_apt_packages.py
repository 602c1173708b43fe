"""infra/apt-packages.txt: the Debian packages the worker runs (Tesseract and its language data,
espeak-ng, SVOX Pico, RHVoice). The worker image installs exactly this file and `make run` installs it on
the machine, so both read and speak the same languages:

- the Dockerfile copies the file and its apt-get install reads it (no second list);
- every package exists in Debian 12 (this machine's apt sources), and the image enables every
  component they come from (SVOX Pico is in non-free);
- every Tesseract model the language table and the script detector use (and the script model of
  each script Tesseract reads), and every voice engine the table names that is a Debian
  program, has its package in the file.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from chalicelib import languages
from chalicelib.engines.ocr import scripts
from tests.infra.test_dockerfile import copies, instructions

ROOT = Path(__file__).resolve().parents[2]
LIST = ROOT / "infra" / "apt-packages.txt"
IN_IMAGE = "/opt/build/infra/apt-packages.txt"
# Voice engines that are Debian programs, and their packages (the others ship in wheels).
VOICE_PACKAGES = {"espeak": "espeak-ng", "pico": "libttspico-utils", "rhvoice": "rhvoice"}
DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")  # Debian Policy 5.6.1


def listed() -> list[str]:
    """The file's packages, in order, as the Dockerfile's `sed 's/#.*//'` and the Makefile read it."""
    return [word for line in LIST.read_text().splitlines() for word in line.split("#", 1)[0].split()]


def _apt_show(packages: list[str]) -> dict[str, dict[str, str]]:
    """Package -> its fields in this machine's apt sources (Debian 12, as the image)."""
    apt_cache = shutil.which("apt-cache")
    assert apt_cache, "apt-cache is missing: these checks need Debian 12 (bookworm), as the image"
    proc = subprocess.run([apt_cache, "show", "--no-all-versions", *packages], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"apt-cache knows no such package (add Debian's non-free component?): {proc.stderr}"
    out = {}
    for stanza in proc.stdout.strip().split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+): (.*)$", stanza, re.M))
        out[fields["Package"]] = fields
    return out


def tesseract_package(model: str) -> str:
    """Debian's package of a traineddata: tesseract-ocr-rus; a script model (Tesseract's script
    name, "Cyrillic") is in tesseract-ocr-script-<its ISO 15924 code> (cyrl)."""
    if model[:1].isupper():
        return "tesseract-ocr-script-" + scripts.OSD_SCRIPTS[model].lower()
    return "tesseract-ocr-" + model


def test_the_list_is_one_valid_package_a_line_without_repeats():
    names = listed()
    assert names, "infra/apt-packages.txt lists nothing"
    for line in LIST.read_text().splitlines():
        assert len(line.split("#", 1)[0].split()) <= 1, f"one package a line: {line!r}"
    assert all(DEBIAN_NAME.match(n) for n in names), [n for n in names if not DEBIAN_NAME.match(n)]
    assert len(set(names)) == len(names), sorted({n for n in names if names.count(n) > 1})


def image_runs() -> list[str]:
    """The RUN lines of the stages the image is made of: a build-only stage, whose files alone
    are copied out (COPY --from=), may install its tools (npm, to fetch Kokoro's voices); they
    never reach the image."""
    built_only = {m.group(1) for word, args in instructions() if word == "COPY"
                  for m in [re.search(r"--from=(\S+)", args)] if m}
    out, stage = [], None
    for word, args in instructions():
        if word == "FROM":
            stage = args.split()[-1]
        elif word == "RUN" and stage not in built_only:
            out.append(args)
    return out


def test_the_image_installs_exactly_this_file():
    assert any(IN_IMAGE.rsplit("/", 1)[0] + "/" == dest and "infra/apt-packages.txt" in sources
               for sources, dest in copies()), f"the Dockerfile does not COPY infra/apt-packages.txt to {IN_IMAGE}"
    installs = [args for args in image_runs() if "apt-get install" in args]
    assert len(installs) == 1, "one apt-get install, reading infra/apt-packages.txt"
    run = installs[0]
    # The file, comments stripped, is what apt-get gets; the image adds only its own Python.
    assert f"sed 's/#.*//' {IN_IMAGE} > /opt/build/infra/apt-packages.list" in run
    assert re.search(r"xargs -a /opt/build/infra/apt-packages\.list\s+apt-get install -y --no-install-recommends "
                     r"python3 python3-venv ca-certificates(?:\s|$)", run), run
    assert not set(run.split()) & set(listed()), "a listed package is named in the Dockerfile too: list it once"


def test_every_package_is_in_debian_12_and_its_component_is_enabled():
    names = listed()
    shown = _apt_show(names)
    assert set(shown) == set(names), sorted(set(names) - set(shown))
    components = {f["Section"].split("/")[0] for f in shown.values() if "/" in f["Section"]}
    [run] = [args for args in image_runs() if "apt-get install" in args]
    enabled = re.search(r"s/\^Components: main\$/Components: ([\w -]+)/", run)
    assert components <= set(enabled.group(1).split() if enabled else ["main"]), (
        f"packages from {sorted(components)}: the image's apt sources must enable them")


def test_every_tesseract_model_the_worker_uses_is_listed():
    """The language table's readers, what the detector reads each of their scripts with when the
    language is not known, and each such script's own model (Tesseract's script detection)."""
    names = set(listed())
    rows = [lang for lang in languages.table().values() if lang.reader not in (None, "rapidocr")]
    tesseract_scripts = {lang.script for lang in rows}
    assert {"Cyrl", "Arab", "Deva"} <= tesseract_scripts  # the table was read
    models = {m for lang in rows for m in lang.reader.split("+")}
    models |= {m for s in tesseract_scripts for m in scripts.tesseract_languages(s).split("+")}
    wanted = {m: tesseract_package(m) for m in models - {"eng", "osd"}}  # both come with tesseract-ocr
    wanted |= {s: "tesseract-ocr-script-" + s.lower() for s in tesseract_scripts}
    missing = {what: package for what, package in sorted(wanted.items()) if package not in names}
    assert "tesseract-ocr" in names and not missing, f"models the worker uses, packages not listed: {missing}"


def test_every_debian_voice_the_table_names_is_listed():
    engines = {lang.voice.engine for lang in languages.table().values() if lang.voice}
    assert {"espeak", "pico"} <= engines
    missing = {e: VOICE_PACKAGES[e] for e in engines & set(VOICE_PACKAGES) if VOICE_PACKAGES[e] not in listed()}
    assert not missing, f"voices the table names, packages not listed: {missing}"


def test_only_the_rhvoice_voices_licensed_for_commercial_use_are_installed():
    """The dpkg filter is in place before the one apt-get install of the image (and of `make
    system-deps`), and lets in only aleksandr-hq and volodymyr; the image checks what it got."""
    from chalicelib.engines.tts.rhvoice_engine import VOICES

    cfg = (ROOT / "infra" / "dpkg-pagevoice.cfg").read_text()
    included = re.findall(r"^path-include=/usr/share/RHVoice/voices/([^/]+)/\*$", cfg, re.M)
    assert "path-exclude=/usr/share/RHVoice/voices/*" in cfg and sorted(included) == sorted(VOICES)
    assert (["infra/dpkg-pagevoice.cfg"], "/etc/dpkg/dpkg.cfg.d/pagevoice") in copies()
    order = [word + " " + args for word, args in instructions()]
    copied = next(i for i, s in enumerate(order) if s.startswith("COPY") and "dpkg-pagevoice.cfg" in s)
    installed = next(i for i, s in enumerate(order) if s.startswith("RUN") and "apt-get install" in s)
    assert copied < installed and "/usr/share/RHVoice/voices" in order[installed]
    assert "$(DPKG_FILTER) /etc/dpkg/dpkg.cfg.d/" in (ROOT / "Makefile").read_text()
