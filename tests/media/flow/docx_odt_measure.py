"""The measurement behind the README's choice of DOCX/ODT readers (issue 39): ours against
python-docx, mammoth and odfpy, on the real test files (the ones tests/media/flow fetches),
on pinned features (docx_make, odt_make files), and on large and hostile files, each library
in its own process for its peak memory. Run by hand, not by pytest; the other libraries are
not the project's dependencies:

    .venv/bin/pip install python-docx==1.2.0 mammoth==1.13.0 odfpy==1.4.1
    .venv/bin/python -m tests.media.flow.docx_odt_measure            # time and features
    .venv/bin/python -m tests.media.flow.docx_odt_measure --large    # + 200,000 paragraphs, zip bombs
    (--only-large: those alone)
"""
from __future__ import annotations

import io
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chalicelib.media import flow
from tests import samples
from tests.media.flow import docx_make as dm
from tests.media.flow import odt_make as om
from tests.media.flow.test_docx import MAMMOTH, PYTHON_DOCX
from tests.media.flow.test_odt import ODFPY


def ours(data: bytes, words: int = 10**7) -> str:
    doc = flow.read(data, max_words=words, max_chars=words * 20)
    return " ".join(line["text"] for s in doc["sections"] for line in s["lines"])


def python_docx(data: bytes) -> str:
    import docx

    doc = docx.Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    out += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for s in doc.sections:
        out += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return " ".join(out)


def mammoth(data: bytes) -> str:
    import mammoth as m

    return m.convert_to_html(io.BytesIO(data)).value


def odfpy(data: bytes) -> str:
    from odf import opendocument, teletype

    doc = opendocument.load(io.BytesIO(data))
    return " ".join(teletype.extractText(e) for e in doc.text.childNodes)


def timed(fn, datas: list[bytes], reps: int = 5) -> tuple[float, int]:
    """Median seconds over `reps` runs through all of `datas`; how many raised."""
    runs, errors = [], 0
    for _ in range(reps):
        start, errors = time.perf_counter(), 0
        for d in datas:
            try:
                fn(d)
            except Exception:  # noqa: BLE001 (a library failing on a file is what is counted)
                errors += 1
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), errors


def features() -> tuple[dict, dict]:
    p, r = dm.p, dm.r
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGEREF _Toc1 \\h</w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("7") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    docx = {
        "deleted text not read": (dm.docx(p(runs=r("keep ") + '<w:del w:id="1" w:author="A"><w:r><w:delText>GONE'
                                                 "</w:delText></w:r></w:del>")), lambda t: "GONE" not in t),
        "inserted text read": (dm.docx(p(runs=r("keep ") + '<w:ins w:id="1" w:author="A">' + r("INSERTED") + "</w:ins>")),
                               lambda t: "INSERTED" in t),
        "text box once": (dm.docx(p(runs=r("a") + dm.text_box("BOXED"))), lambda t: t.count("BOXED") == 1),
        "list numbers": (dm.docx(p("x", num=(1, 0)) + p("y", num=(1, 1))), lambda t: "1." in t and "a)" in t),
        "footnote text": (dm.docx(p(runs=r("x") + '<w:r><w:footnoteReference w:id="1"/></w:r>'), footnotes={1: "NOTE"}),
                          lambda t: "NOTE" in t),
        "header text": (dm.docx(p("x"), headers=[p("HEADERTEXT")]), lambda t: "HEADERTEXT" in t),
        "field code not read": (dm.docx(p(runs=field)), lambda t: "PAGEREF" not in t),
        "hidden text not read": (dm.docx(p(runs=r("x") + '<w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDEN</w:t></w:r>')),
                                 lambda t: "HIDDEN" not in t),
        "localized heading": (dm.docx(p("KAPITEL", "Kapitel")), None),
    }
    q = om.p
    odt = {
        "deleted text not read": (om.odt('<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
                                         + q("GONE") + "</text:deletion></text:changed-region></text:tracked-changes>"
                                         + q('x<text:change text:change-id="c1"/>')), lambda t: "GONE" not in t),
        "annotation not read": (om.odt(q("x<office:annotation><text:p>REMARK</text:p></office:annotation>")),
                                lambda t: "REMARK" not in t),
        "list numbers": (om.odt('<text:list text:style-name="Numbering_20_123"><text:list-item>' + q("x")
                                + "</text:list-item></text:list>"), lambda t: "1." in t),
        "note apart, numbered": (om.odt(q('x<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
                                          "<text:note-body>" + q("NOTE") + "</text:note-body></text:note> y")),
                                 lambda t: "1 NOTE" in t),
        "header text": (om.odt(q("x"), master="<style:header>" + q("HEADERTEXT") + "</style:header>"),
                        lambda t: "HEADERTEXT" in t),
        "image alt text": (om.odt(q("<draw:frame><draw:image/><svg:desc>ALTTEXT</svg:desc></draw:frame>")),
                           lambda t: "ALTTEXT" in t),
    }
    return docx, odt


def check(fn, data: bytes, ok) -> str:
    try:
        return "yes" if ok(fn(data)) else "NO"
    except Exception as exc:  # noqa: BLE001
        return f"ERR {type(exc).__name__}"


def report() -> None:
    docx_root = samples.npm(*MAMMOTH) / "package" / "test" / "test-data"
    docx_files = sorted(docx_root.glob("*.docx")) + sorted(samples.pypi_sdist(*PYTHON_DOCX).rglob("*.docx"))
    odt_files = [p for p in sorted(samples.pypi_sdist(*ODFPY).rglob("*.odt")) if p.name != "nasty.odt"]
    docx_data = [p.read_bytes() for p in docx_files]
    odt_data = [p.read_bytes() for p in odt_files]
    print(f"{len(docx_data)} real DOCX, {len(odt_data)} real ODT (median of 5 runs through all)")
    for name, fn, datas in (("ours", ours, docx_data), ("python-docx", python_docx, docx_data),
                            ("mammoth", mammoth, docx_data), ("ours", ours, odt_data), ("odfpy", odfpy, odt_data)):
        seconds, errors = timed(fn, datas)
        print(f"  {name:12s} {seconds * 1000:8.1f} ms  errors {errors}")
    manual = next(p for p in odt_files if p.name == "api-for-odfpy.odt").read_bytes()
    print(f"  odfpy's manual: ours {timed(ours, [manual])[0] * 1000:.0f} ms, odfpy {timed(odfpy, [manual])[0] * 1000:.0f} ms")
    docx, odt = features()
    print("DOCX feature              ours  python-docx  mammoth")
    for name, (data, ok) in docx.items():
        if ok is None:  # a heading style based on "heading 1" under another name
            got = flow.read(data, max_words=100, max_chars=1000)["outline"]
            print(f"  {name:22s} {'yes' if got else 'NO':5s} {'NO':12s} {'yes' if '<h1>' in mammoth(data) else 'NO'}")
            continue
        print(f"  {name:22s} {check(ours, data, ok):5s} {check(python_docx, data, ok):12s} {check(mammoth, data, ok)}")
    print("ODT feature               ours  odfpy")
    for name, (data, ok) in odt.items():
        print(f"  {name:22s} {check(ours, data, ok):5s} {check(odfpy, data, ok)}")


def large(folder: Path) -> None:
    """200,000 paragraphs of words (DOCX and ODT), and zip bombs (a million paragraphs packing
    ~1000:1), each read by each library in a process of its own."""
    rnd = random.Random(1)
    words = [f"{''.join(rnd.choice('abcdefghij') for _ in range(rnd.randint(2, 9)))}" for _ in range(5000)]
    texts = [" ".join(rnd.choice(words) for _ in range(12)) for _ in range(200_000)]
    files = {"long.docx": dm.docx("".join(dm.p(t) for t in texts)), "long.odt": om.odt("".join(om.p(t) for t in texts)),
             "bomb.docx": dm.docx("<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 4_000_000),
             "bomb.odt": om.odt("<text:p>a</text:p>" * 8_000_000)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        libs = ["ours", "ours-uncapped"] + (["python-docx", "mammoth"] if name.endswith("docx") else ["odfpy"])
        for lib in libs:
            try:
                out = subprocess.run([sys.executable, "-m", "tests.media.flow.docx_odt_measure", "--one", lib,
                                      str(folder / name)], capture_output=True, text=True, timeout=300)
                print(f"  {name:10s} {out.stdout.strip() or out.stderr.strip()[-200:]}")
            except subprocess.TimeoutExpired:
                print(f"  {name:10s} {lib:13s} still reading after 300 s: stopped")


def one(lib: str, path: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))  # a library that cannot bound itself stops here
    data = Path(path).read_bytes()
    fn = {"ours": lambda d: ours(d, 50_000), "ours-uncapped": ours, "python-docx": python_docx,
          "mammoth": mammoth, "odfpy": odfpy}[lib]
    start = time.perf_counter()
    try:
        fn(data)
        said = "read"
    except Exception as exc:  # noqa: BLE001
        said = f"{type(exc).__name__}: {str(exc)[:80]}"
    # VmHWM, not ru_maxrss: Linux keeps the forking parent's ru_maxrss across exec
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    print(f"{lib:13s} {time.perf_counter() - start:7.2f} s  peak {peak:6.0f} MB  {said}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], sys.argv[3])
    else:
        if "--only-large" not in sys.argv:
            report()
        if "--large" in sys.argv or "--only-large" in sys.argv:
            with tempfile.TemporaryDirectory() as tmp:
                large(Path(tmp))
