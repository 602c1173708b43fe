"""Preformatted text that is code and that is not (issue 55 item 3): how `looks_like_code`
(chalicelib/media/flow/code.py) judges real blocks by their text alone.

    .venv/bin/python -m bench.pre_blocks                         # the table
    .venv/bin/python -m bench.pre_blocks --pages DIR --show      # and each block judged wrong

Blocks whose kind is known:
- code: the Markdown fences with a language in the READMEs of the packages installed in this
  venv (their PyPI descriptions: each package's own licence), and, with `--pages` (a
  mozilla/readability `test/test-pages` folder, Apache-2.0), the <pre> of its expected pages
  that hold a <code> element or name a language (the markup says code; the test sees only text);
- not code: every <pre> of Project Gutenberg's HTML books (public domain in the USA; read from
  local copies of public repositories that hold them, `--mirror`): verse, letters, addresses,
  signatures, and Project Gutenberg's own header and licence (prose wrapped by hand).
Prints figures, asserts nothing.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.media.flow import html as flow_html  # noqa: E402
from chalicelib.media.flow.code import looks_like_code  # noqa: E402

# (repository, file): Project Gutenberg HTML books whose <pre> hold verse, letters and notes.
GUTENBERG = [
    ("GITenberg/Moby-Dick--Or-The-Whale_2701", "2701-h/2701-h.htm", "Moby-Dick"),
    ("GITenberg/Through-the-Looking-Glass_12", "12-h/12-h.htm", "Through the Looking-Glass"),
    ("ajwarnick/ART300_gutenberg_destyler", "25525-h/25525-h.htm", "Poe, Works (5 vols)"),
    ("ajwarnick/ART300_gutenberg_destyler", "158-h/158-h.htm", "Emma"),
    ("ajwarnick/ART300_gutenberg_destyler", "11-h/11-h.htm", "Alice in Wonderland"),
    ("ajwarnick/ART300_gutenberg_destyler", "98-h/98-h.htm", "A Tale of Two Cities"),
]
# Looked at only after the rules were set (held out): more books, and the npm packages' READMEs
# in the test samples' cache.
HELD_OUT = [
    ("ajwarnick/ART300_gutenberg_destyler", "84-h/84-h.htm", "Frankenstein"),
    ("ajwarnick/ART300_gutenberg_destyler", "514-h/514-h.htm", "Little Women"),
    ("ajwarnick/ART300_gutenberg_destyler", "215-h/215-h.htm", "The Call of the Wild"),
    ("ajwarnick/ART300_gutenberg_destyler", "1661-h/1661-h.htm", "Sherlock Holmes"),
]
# Fence languages that name no code (output, prose, data shown as text).
NOT_CODE = frozenset({"", "text", "txt", "none", "plain", "plaintext", "output", "log", "md", "markdown", "rst"})


def _pre_lines(el) -> list[str]:
    return "".join(flow_html._itertext(el)).strip("\n").split("\n")


def gutenberg(mirror: Path, books=GUTENBERG) -> list[tuple[str, list[list[str]]]]:
    out = []
    for repo, path, title in books:
        git = mirror / repo.replace("/", "+") / "repo"
        try:
            data = subprocess.run(["git", "--git-dir", str(git), "show", f"HEAD:{path}"], check=True,
                                  capture_output=True).stdout
        except (subprocess.CalledProcessError, FileNotFoundError):
            print(f"  not here: {repo} {path}", file=sys.stderr)
            continue
        root = flow_html.parse(data)
        out.append((title, [_pre_lines(p) for p in root.iter("pre")]))
    return out


def _fences(text: str) -> list[list[str]]:
    from markdown_it import MarkdownIt

    return [t.content.rstrip("\n").split("\n") for t in MarkdownIt("commonmark").parse(text)
            if t.type == "fence" and t.info.strip().split(" ")[0].lower() not in NOT_CODE and t.content.strip()]


def npm_readmes() -> list[list[str]]:
    """Fenced blocks with a code language in the READMEs of the npm packages tests unpack."""
    from tests import samples

    blocks = []
    for readme in sorted((samples.CACHE / "npm").glob("*/*.d/package/README*")):
        blocks += _fences(readme.read_text(errors="replace"))
    return blocks


def readmes() -> list[list[str]]:
    """Fenced blocks with a code language in the installed packages' descriptions."""
    blocks, seen = [], set()
    for dist in importlib.metadata.distributions():
        meta = dist.metadata
        kind = (meta.get("Description-Content-Type") or "").lower()
        body = meta.get_payload() or meta.get("Description") or ""
        if "markdown" not in kind or not body or meta.get("Name") in seen:
            continue
        seen.add(meta.get("Name"))
        blocks += _fences(body)
    return blocks


def readability_code(pages: Path) -> list[list[str]]:
    blocks = []
    for d in sorted(pages.iterdir()):
        exp = d / "expected.html"
        if not exp.exists():
            continue
        for pre in flow_html.parse(exp.read_bytes()).iter("pre"):
            if flow_html.marked_code(pre):
                lines = _pre_lines(pre)
                if any(x.strip() for x in lines):
                    blocks.append(lines)
    return blocks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--pages", type=Path, help="a mozilla/readability test/test-pages folder")
    ap.add_argument("--show", action="store_true", help="print each block judged wrong")
    args = ap.parse_args()
    rows = []
    for title, blocks in gutenberg(args.mirror):
        rows.append((f"Gutenberg: {title}", "text", blocks))
    rows.append(("README fences with a language", "code", readmes()))
    if args.pages:
        rows.append(("Readability pages: <pre> with <code>/language", "code", readability_code(args.pages)))
    for title, blocks in gutenberg(args.mirror, HELD_OUT):
        rows.append((f"held out: Gutenberg: {title}", "text", blocks))
    rows.append(("held out: npm READMEs' fences with a language", "code", npm_readmes()))
    print(f"{'blocks':48s} {'truth':>5s} {'n':>5s} {'as code':>8s} {'as text':>8s} {'right':>6s}")
    totals = {"code": [0, 0], "text": [0, 0]}
    for name, truth, blocks in rows:
        blocks = [b for b in blocks if any(x.strip() for x in b)]
        judged = [looks_like_code(b) for b in blocks]
        code = sum(judged)
        right = code if truth == "code" else len(blocks) - code
        totals[truth][0] += right
        totals[truth][1] += len(blocks)
        print(f"{name:48s} {truth:>5s} {len(blocks):5d} {code:8d} {len(blocks) - code:8d} {right / max(1, len(blocks)):6.3f}")
        if args.show:
            for b, j in zip(blocks, judged):
                if j != (truth == "code"):
                    print("    WRONG:", " / ".join(x.strip() for x in b if x.strip())[:200])
    for truth, (right, n) in totals.items():
        print(f"{truth}: {right} of {n} judged right ({right / max(1, n):.3f})")


if __name__ == "__main__":
    main()
