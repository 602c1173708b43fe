"""`python -m chalicelib ocr|digits|transcribe|tts|process` (CONTRACTS sections 4 and 6).

A book (a document past one worker's pages or words: settings.books) is read whole, in the
service's shards, by a pool of this machine's processes: chalicelib.cli_book."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from chalicelib import kinds, languages, structure
from chalicelib.engines import asr as asr_engines
from chalicelib.engines import digits as digits_engines
from chalicelib.engines import ocr, tts
from chalicelib.errors import PageVoiceError
from chalicelib.kinds import voice
from chalicelib.kinds.base import IsBook, Survey
from chalicelib.kinds.page import pipeline as page_pipeline
from chalicelib.media import types


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise PageVoiceError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _write(path: Path, data) -> None:
    """Text, bytes, or a binary file (a whole recording), to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    elif hasattr(data, "read"):
        with path.open("wb") as fh:
            shutil.copyfileobj(data, fh)
        data.close()
    else:
        path.write_bytes(data)


def _each(paths: list[str], read, out: str | None, book=None) -> int:
    """`read(bytes, path)` -> a result for each file: printed, or written as OUT/<stem>.json. A bad file
    is reported on one line and the batch goes on; the exit status says whether any failed. A
    book (`read` returns its Survey) is `book(survey, path)`'s, once its bytes are let go."""
    failures = 0
    for path in paths:
        try:
            result = read(_read(path), path)
            if isinstance(result, Survey):
                book(result, path)
                continue
        except PageVoiceError as exc:
            print(f"{path}: {exc.message}", file=sys.stderr)
            failures += 1
            continue
        doc = json.dumps(result, ensure_ascii=False)
        if out:
            _write(Path(out) / f"{Path(path).stem}.json", doc)
        else:
            print(doc)
    return 1 if failures else 0


def cmd_ocr(args) -> int:
    language = languages.for_upload(args.language, "read")
    try:
        skip = structure.check_skip(None if args.skip is None else [r for r in args.skip.split(",") if r.strip()])
    except ValueError as exc:
        print(f"--skip: {exc}", file=sys.stderr)
        return 2

    def read(data: bytes, path: str):
        # A document without pages is told by its name's ending where its bytes cannot tell
        # (Markdown, plain text), as an upload's declared type tells the worker.
        try:
            return _read_or_survey(data, ocr_engine=args.engine, language=language, skip=skip,
                                   content_type=types.for_name(path))
        except IsBook as signal:
            return signal.survey

    return _each(args.images, read, args.out, lambda survey, path: _ocr_book(survey, path, args, language, skip))


def _read_or_survey(data: bytes, *, ocr_engine, language, skip, content_type) -> dict:
    """`page_pipeline.read` up to a book's caps, as the worker opens an upload: the result of a
    shorter document, or IsBook (with its survey) for a book, before its pages are read."""
    return page_pipeline.read(data, ocr_engine=ocr_engine, language=language, skip=skip, content_type=content_type,
                              book=True)


def _ocr_book(survey, path: str, args, language, skip) -> None:
    """A book for `ocr`: read whole (no recording). With --out: DIR/<stem>/ holds its index and
    files, DIR/<stem>.json the joined result (within the size a result.json may be); else the
    joined result is printed."""
    from chalicelib import cli_book

    stem = Path(path).stem
    folder = Path(args.out) / stem if args.out else cli_book.scratch_folder()
    book = cli_book.Book(Path(path).resolve(), folder, language=language, skip=skip, ocr_engine=args.engine,
                         record=False, workers=args.workers, label=Path(path).name,
                         progress=cli_book.progress_stream())
    try:
        index = cli_book.read_book(book, survey)
        if args.out:
            cli_book.finish(book, index, Path(args.out) / f"{stem}.json", _notice)
        else:
            sys.stdout.flush()
            cli_book.write_joined(index, folder, sys.stdout.buffer)
            sys.stdout.buffer.write(b"\n")
            sys.stdout.flush()
    finally:
        if not args.out:
            cli_book.remove(folder)


def _notice(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_digits(args) -> int:
    from chalicelib.kinds.digits import pipeline as digits_pipeline

    return _each(args.images, lambda data, _: digits_pipeline.read(data, engine_name=args.engine), args.out)


def cmd_transcribe(args) -> int:
    from chalicelib.kinds.speech import pipeline as speech_pipeline

    language = languages.for_upload(args.language, "transcribe")
    return _each(args.recordings, lambda data, _: speech_pipeline.transcribe(data, engine_name=args.engine, language=language),
                 args.out)


def cmd_tts(args) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    language = languages.for_upload(args.language, "voice") or "en"
    wav = voice.speak(text, language=language, tts_engine=args.engine).wav
    if wav is None:
        raise PageVoiceError("there is no text to speak")
    _write(Path(args.output), wav)
    return 0


def cmd_process(args) -> int:
    """The worker's work on a local file: the kind's outputs in DIR (result.json and the rest)."""
    data = _read(args.image)
    out = Path(args.out)

    def publish(early: kinds.Outputs) -> None:  # a document's page images, the recording's parts
        for name, (body, _) in early.files.items():
            _write(out / name, body)

    kind = kinds.get(args.kind)
    language = languages.for_upload(args.language, kind.language_use)
    if args.no_audio and kind.name != kinds.DEFAULT:
        raise PageVoiceError(f"--no-audio is for the page kind (a {kind.name} job's outputs are its own)")
    survey = None
    try:
        if args.no_audio:
            outputs = kinds.Outputs(result=_read_or_survey(data, ocr_engine=args.ocr_engine, language=language, skip=None,
                                                           content_type=types.for_name(args.image)))
        elif kind.name == kinds.DEFAULT and (args.ocr_engine or args.tts_engine):
            outputs = page_pipeline.run(data, publish=publish, ocr_engine=args.ocr_engine, tts_engine=args.tts_engine,
                                        language=language, content_type=types.for_name(args.image))
        else:
            outputs = kind.run(data, publish=publish, language=language, content_type=types.for_name(args.image))
    except IsBook as signal:
        survey = signal.survey
    if survey is not None:  # (out of the handler: its traceback's frames held the file's bytes)
        del data  # the workers read the file themselves
        return _process_book(survey, args, kind, language)
    _write(out / kinds.RESULT, json.dumps(outputs.result, ensure_ascii=False, indent=1))
    for name, (body, _) in outputs.files.items():
        _write(out / name, body)
    return 0


def _process_book(survey, args, kind, language) -> int:
    """A book for `process`: DIR/result-index.json and its files as the service stores them, the
    joined DIR/result.json, and (unless --no-audio) the recording's parts joined in DIR/speech.mp3."""
    from chalicelib import cli_book

    out = Path(args.out)
    book = cli_book.Book(Path(args.image).resolve(), out, kind=kind.name, language=language, ocr_engine=args.ocr_engine,
                         tts_engine=args.tts_engine, record=not args.no_audio, workers=args.workers,
                         label=Path(args.image).name, progress=cli_book.progress_stream())
    index = cli_book.read_book(book, survey)
    cli_book.finish(book, index, out / kinds.RESULT, _notice)
    if book.record:
        cli_book.write_recording(index, out, survey.title or Path(args.image).stem)
    return 0


def _workers(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m chalicelib", description="PageVoice OCR and speech.")
    sub = p.add_subparsers(dest="command", required=True)

    o = sub.add_parser("ocr", help="read text from images and documents (PDF, multi-page TIFF, DOCX, ODT, EPUB, "
                                   "HTML, Markdown, text) with their structure; prints the result JSON (no recording)")
    o.add_argument("images", nargs="+", metavar="FILE")
    o.add_argument("--engine", choices=sorted(ocr.ENGINES), default=None)
    o.add_argument("--out", metavar="DIR", help="write DIR/<image stem>.json for each image")
    o.add_argument("--language", default=None, metavar="CODE", help='a code of GET /languages, or "auto" (default)')
    o.add_argument("--skip", default=None, metavar="ROLES",
                   help="roles not to speak, comma-separated (default: page-header,page-footer,page-number,footnote,code; "
                        "\"\" speaks everything): the blocks' `spoken` and the result's `skipped` say it")
    o.add_argument("--workers", type=_workers, default=None, metavar="N",
                   help="processes reading a book's shards at once (default: this machine's cores)")
    o.set_defaults(func=cmd_ocr)

    d = sub.add_parser("digits", help="read handwritten digits from images; prints the result JSON")
    d.add_argument("images", nargs="+", metavar="IMAGE")
    d.add_argument("--engine", choices=sorted(digits_engines.ENGINES), default=None)
    d.add_argument("--out", metavar="DIR", help="write DIR/<image stem>.json for each image")
    d.set_defaults(func=cmd_digits)

    a = sub.add_parser("transcribe", help="what was said in recordings, with word timings; prints the result JSON")
    a.add_argument("recordings", nargs="+", metavar="AUDIO")
    a.add_argument("--engine", choices=sorted(asr_engines.ENGINES), default=None)
    a.add_argument("--out", metavar="DIR", help="write DIR/<recording stem>.json for each recording")
    a.add_argument("--language", default=None, metavar="CODE", help='a code of GET /languages, or "auto" (default)')
    a.set_defaults(func=cmd_transcribe)

    t = sub.add_parser("tts", help="speak text (or - for standard input) to a WAV file")
    t.add_argument("text", metavar="TEXT")
    t.add_argument("-o", "--output", required=True, metavar="OUT.wav")
    t.add_argument("--engine", choices=sorted(tts.ENGINES), default=None)
    t.add_argument("--language", default=None, metavar="CODE", help='a code of GET /languages, or "auto" (default)')
    t.set_defaults(func=cmd_tts)

    r = sub.add_parser("process", help="the worker's work on a local file: DIR/result.json and the rest")
    r.add_argument("image", metavar="FILE")
    r.add_argument("--kind", choices=sorted(kinds.registry()), default=None, help="the kind of job (default page)")
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument("--ocr-engine", choices=sorted(ocr.ENGINES), default=None)
    r.add_argument("--tts-engine", choices=sorted(tts.ENGINES), default=None)
    r.add_argument("--language", default=None, metavar="CODE", help='a code of GET /languages, or "auto" (default)')
    r.add_argument("--no-audio", action="store_true", help="read only, no recording (the page kind)")
    r.add_argument("--workers", type=_workers, default=None, metavar="N",
                   help="processes reading and recording a book's shards at once (default: this machine's cores)")
    r.set_defaults(func=cmd_process)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except PageVoiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
