"""pagevoice read FILE... : each file (or web address) given to a PageVoice API, read (and read
aloud), and its result downloaded into --out. The API key comes from PAGEVOICE_API_KEY, the API's address from
PAGEVOICE_API_URL (else --api, else the local stack of `make run`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from pagevoice_client import __version__, transfer
from pagevoice_client.api import Api, ApiError

LOCAL_API = "http://127.0.0.1:8000"  # make run's API (CONTRACTS section 5)
POLL_S = 3.0
# What can be saved: a page job's books (GET /jobs/{id}/export), any job's text or result.json.
BOOKS = ("mp3", "m4b", "epub", "chapters")
FORMATS = (*BOOKS, "txt", "json")
SAVED_AS = {"chapters": "-chapters.zip"}  # <name><ending> of a format not saved as <name>.<format>
DEFAULT_FORMAT = {"page": "mp3", "speech": "txt", "digits": "json"}
GUESSED = ("page", "speech")  # kinds told by a file's ending (digits only when asked for)
FINISHED = ("done", "failed")

HELP = """\
Read files with PageVoice: each is uploaded (a large one in parts, resumed when sent again),
read and read aloud, and its result saved in --out as <name>.<format>: mp3 or m4b (the reading,
with chapters), epub (a book lit as it is read) or chapters (<name>-chapters.zip, an mp3 per
chapter) for photos, scans and documents, txt or json for any (a recording's transcript: txt).
A web address (http:// or https://) is fetched by the service and read as that file would be.
A file whose result is in --out already is left alone.
The API key comes from PAGEVOICE_API_KEY, the API's address from PAGEVOICE_API_URL (or --api).
Exit status: 0 when every file was saved, 1 when one was not, 2 for a mistake in the command.
"""


@dataclass
class Item:
    """One file on its way: its kind, format, output path and job."""
    path: Path
    kind: str
    fmt: str
    out: Path
    job_id: str | None = None
    status: str = "uploading"
    error: str | None = None
    said: dict = field(default_factory=dict)  # what was last printed of it
    link: str | None = None  # read by link: the address the service fetches (CONTRACTS section 18)


class Progress:
    """One line per file on stderr: redrawn in place on a terminal; else printed when it says
    something new or moves on by a tenth."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()

    def say(self, item: Item, text: str, fraction: float | None = None) -> None:
        if self.quiet:
            return
        bar = ""
        if fraction is not None:
            filled = int(round(fraction * 20))
            bar = f"[{'#' * filled}{'.' * (20 - filled)}] {fraction:4.0%} "
        line = f"{item.path.name}: {bar}{text}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if fraction is None or fraction >= 1 else ""))
        else:
            # what it is doing (its first word) and how far, to the tenth: not every megabyte
            now = (text.split(" ", 1)[0] if fraction is not None else text, None if fraction is None else int(fraction * 10))
            if item.said.get("now") == now:
                return
            item.said["now"] = now
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pagevoice", description="Read files aloud with a PageVoice API.")
    top.add_argument("--version", action="version", version=f"pagevoice {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    read = commands.add_parser("read", help="upload files, wait for them to be read, download the results",
                               description=HELP,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    read.add_argument("files", nargs="+", metavar="FILE", help="photos, scans, documents or recordings, or web addresses")
    read.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="where results go (default: here)")
    read.add_argument("--format", choices=FORMATS, help="what to save (default: mp3; txt for a recording, json for digits)")
    read.add_argument("--kind", choices=("page", "speech", "digits"),
                      help="how to read the files (default: by their ending)")
    read.add_argument("--language", metavar="CODE", help="the files' language (default: detected)")
    read.add_argument("--api", default=os.environ.get("PAGEVOICE_API_URL") or LOCAL_API, metavar="URL",
                      help=f"the API's address (default: {LOCAL_API}, make run's)")
    read.add_argument("--force", action="store_true", help="read a file again even if its output is in --out")
    read.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    key = os.environ.get("PAGEVOICE_API_KEY", "").strip()
    if not key:
        print("pagevoice: set PAGEVOICE_API_KEY to an API key (the site's account page makes one).", file=sys.stderr)
        return 2
    api = Api(args.api, key)
    try:
        return read(api, args)
    except ApiError as exc:
        print(f"pagevoice: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\npagevoice: stopped. Run the same command again to go on: uploads resume where they stopped.",
              file=sys.stderr)
        return 130


def read(api: Api, args) -> int:
    kinds = api.kinds()
    show = Progress(args.quiet)
    items, failed = [], 0
    for given in args.files:
        try:
            item = plan_link(given, args) if is_link(given) else plan(kinds, Path(given), args)
        except ValueError as exc:
            print(f"pagevoice: {exc}", file=sys.stderr)
            failed += 1
            continue
        if item.out.exists() and not args.force:
            show.say(item, f"{item.out} is already there (--force reads it again)")
            continue
        items.append(item)
    args.out.mkdir(parents=True, exist_ok=True)
    pending = transfer.Pending()
    for item in items:  # one upload at a time (its parts in parallel), each job starting as it arrives
        try:
            upload(api, pending, item, args, show)
        except ApiError as exc:
            item.status, item.error = "failed", str(exc)
            print(f"pagevoice: {item.path.name}: {exc}", file=sys.stderr)
    waiting = [i for i in items if i.job_id and i.status != "failed"]
    while waiting:
        for item in list(waiting):
            job = api.job(item.job_id)
            item.status = job["status"]
            if item.status not in FINISHED:
                show.say(item, *progress_of(job))
                continue
            waiting.remove(item)
            if item.status == "failed":
                item.error = job.get("error") or "it could not be read"
                print(f"pagevoice: {item.path.name}: {item.error}", file=sys.stderr)
                continue
            try:
                save(api, item, job, show)
            except ApiError as exc:
                item.status, item.error = "failed", str(exc)
                print(f"pagevoice: {item.path.name}: {exc}", file=sys.stderr)
        if waiting:
            time.sleep(POLL_S)
    failed += sum(1 for i in items if i.status == "failed" or i.error)
    return 1 if failed else 0


def plan(kinds: dict, path: Path, args) -> Item:
    """The file's kind, format and output, or ValueError with a sentence."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file.")
    ending = path.suffix.lower()
    kind = args.kind or next((k for k in GUESSED if ending in kinds.get(k, {}).get("extensions", ())), None)
    if kind is None or kind not in kinds or ending not in kinds[kind].get("endings", {}):
        known = sorted({e for k in GUESSED for e in kinds.get(k, {}).get("extensions", ())})
        raise ValueError(f"{path.name}: PageVoice does not read {ending or 'files without an ending'}"
                         f"{' as ' + kind if args.kind else ''} (it reads {', '.join(known)}).")
    fmt = args.format or DEFAULT_FORMAT[kind]
    if fmt in BOOKS and kind != "page":
        raise ValueError(f"{path.name}: a {'recording' if kind == 'speech' else 'digits photo'} gives its "
                         f"{'transcript' if kind == 'speech' else 'number'} as txt or json, not {fmt}.")
    return Item(path=path, kind=kind, fmt=fmt, out=args.out / f"{path.stem}{SAVED_AS.get(fmt, '.' + fmt)}")


def is_link(given: str) -> bool:
    return given.lower().startswith(("http://", "https://"))


def plan_link(url: str, args) -> Item:
    """A web address read by link: its output named for the address's last part (or its site)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.hostname or "link"
    stem = Path("".join(c if c.isalnum() or c in "-_." else "-" for c in last)[:100]).stem or "link"
    kind = args.kind or "page"
    if kind == "digits":
        raise ValueError(f"{url}: a link is read as a document or a recording, not as digits.")
    fmt = args.format or DEFAULT_FORMAT[kind]
    return Item(path=Path(stem), kind=kind, fmt=fmt, out=args.out / f"{stem}{SAVED_AS.get(fmt, '.' + fmt)}", link=url)


def upload(api: Api, pending: transfer.Pending, item: Item, args, show: Progress) -> None:
    """The file sent: a multipart upload of it left unfinished (by an earlier run) goes on."""
    if item.link:  # the service fetches it: nothing to send
        body = {"url": item.link, **({"kind": args.kind} if args.kind else {}),
                **({"language": args.language} if args.language else {})}
        item.job_id, item.status = api.upload(body)["job_id"], "queued"
        return
    key = transfer.Pending.key(api, item.path)
    kinds = api.kinds()

    def moved(done: int, total: int) -> None:
        show.say(item, f"uploading {done / 1e6:.1f} of {total / 1e6:.1f} MB", done / max(1, total))

    earlier = pending.get(key)
    if earlier:
        try:
            multipart = api.parts(earlier)
        except ApiError as exc:
            if exc.status == 409:  # the file arrived whole: the job is under way
                pending.put(key, None)
                item.job_id, item.status = earlier, "queued"
                return
            if exc.status not in (400, 404):
                raise
            pending.put(key, None)  # gone (deleted, or its parts expired): sent again from the start
        else:
            item.job_id = earlier
            show.say(item, f"resuming: {len(multipart.get('received') or [])} of {multipart['count']} parts are there")
            transfer.send_parts(api, item.path, earlier, multipart, moved)
            pending.put(key, None)
            item.status = "queued"
            return
    body = {"filename": item.path.name, "content_type": kinds[item.kind]["endings"][item.path.suffix.lower()],
            "size": item.path.stat().st_size, "kind": item.kind}
    if args.language:
        body["language"] = args.language
    answer = api.upload(body)
    item.job_id = answer["job_id"]
    if "multipart" in answer["upload"]:
        pending.put(key, item.job_id)  # remembered before the first byte: a cut here resumes
    transfer.send(api, item.path, item.job_id, answer["upload"], moved)
    pending.put(key, None)
    item.status = "queued"


def progress_of(job: dict) -> tuple[str, float | None]:
    """What a running job says of itself: (words, fraction done or None)."""
    result = job.get("result") or ((job.get("result_parts") or {}).get("index") or {}).get("result") or {}
    progress = (result.get("document") or {}).get("progress") or {}
    left = progress.get("seconds_left")
    tail = f", about {_duration(left)} left" if left else ""
    if progress.get("pages"):
        return f"read {progress.get('pages_read', 0)} of {progress['pages']} pages{tail}", \
            progress.get("pages_read", 0) / progress["pages"]
    if progress.get("seconds"):
        done = progress.get("seconds_transcribed", 0)
        return f"transcribed {_duration(done)} of {_duration(progress['seconds'])}{tail}", done / progress["seconds"]
    return {"uploading": "arriving", "queued": "waiting for a worker"}.get(job["status"], job["status"]), None


def save(api: Api, item: Item, job: dict, show: Progress) -> None:
    """The finished job's result in the format asked for, written whole or not at all."""
    if item.link and job.get("kind") == "speech" and item.fmt in BOOKS:  # the link was a recording
        item.fmt, item.out = "txt", item.out.with_suffix(".txt")
    partial = item.out.with_name(item.out.name + ".part")
    if item.fmt in BOOKS:
        while True:
            answer, wait = api.export(item.job_id, item.fmt)
            if wait is None:
                break
            if answer.get("status") == "recording":  # a book recorded only where listened to: the rest first
                left = answer.get("seconds_left")
                show.say(item, "recording the rest of the book" + (f", about {_duration(left)} left" if left else ""),
                         float(answer.get("progress") or 0))
            else:
                show.say(item, f"making the {item.fmt}", float(answer.get("progress") or 0))
            time.sleep(max(1.0, wait))
        _download(answer["url"], partial, lambda done, total: show.say(
            item, f"downloading {done / 1e6:.1f} of {total / 1e6:.1f} MB", done / max(1, total)))
    else:
        result = result_of(job)
        text = json.dumps(result, ensure_ascii=False, indent=1) if item.fmt == "json" else transcript(result, job.get("speaker_names"))
        partial.write_text(text if text.endswith("\n") or not text else text + "\n", encoding="utf-8")
    partial.replace(item.out)
    document = (job.get("result") or ((job.get("result_parts") or {}).get("index") or {}).get("result") or {}) \
        .get("document") or {}
    cut = f" (not all of it was read: {document['reason']})" if document.get("complete") is False and \
        document.get("reason") else ""
    show.say(item, f"saved {item.out}{cut}")


def transcript(result: dict, names: dict | None = None) -> str:
    """The text to save: a recording of several people a line per turn, "Ada: ..." (CONTRACTS
    section 17: the name its owner gave, else "Speaker 2"); anything else its text."""
    people = {s.get("id"): (names or {}).get(s.get("id")) or s.get("name") or f"Speaker {str(s.get('id'))[1:]}"
              for s in result.get("speakers") or []}
    if not people:
        return result.get("text") or ""
    turns: list[list] = []
    for segment in result.get("segments") or []:
        said = " ".join(str(segment.get("text") or "").split())
        if not said:
            continue
        who = people.get(segment.get("speaker"), "")
        if turns and turns[-1][0] == who:
            turns[-1][1].append(said)
        else:
            turns.append([who, [said]])
    return "\n".join(f"{who}: {' '.join(said)}" if who else " ".join(said) for who, said in turns)


def result_of(job: dict) -> dict:
    """A finished job's result: inline, from its presigned URL, or joined from its part files."""
    if job.get("result") is not None:
        return job["result"]
    if job.get("result_url"):
        return _get(job["result_url"]).json()
    parts = job.get("result_parts")
    if not parts:
        raise ApiError("The job is done but its result could not be found.")
    index, urls = parts["index"], parts["urls"]
    result = json.loads(json.dumps(index["result"]))
    for part in index["parts"]:
        chunks = [_get(urls[f["name"]]).json() for f in part["files"]]
        if part["type"] == "list":
            value = [entry for chunk in chunks for entry in chunk] + list(part["tail"])
        else:
            value = "".join(chunks) + part["tail"]
        *path, last = part["path"]
        target = result
        for name in path:
            target = target[name]
        target[last] = value
    return result


def _get(url: str) -> requests.Response:
    try:
        answer = requests.get(url, timeout=120)
    except requests.RequestException as exc:
        raise ApiError(f"A download was cut off ({exc.__class__.__name__}); run the command again.") from exc
    if answer.status_code != 200:
        raise ApiError(f"A download was refused ({answer.status_code}); run the command again.", answer.status_code)
    return answer


def _download(url: str, to: Path, progress) -> None:
    try:
        with requests.get(url, stream=True, timeout=120) as answer:
            if answer.status_code != 200:
                raise ApiError(f"The download was refused ({answer.status_code}); run the command again.")
            total, done = int(answer.headers.get("Content-Length") or 0), 0
            with open(to, "wb") as fh:
                for chunk in answer.iter_content(1 << 20):
                    fh.write(chunk)
                    done += len(chunk)
                    progress(done, total or done)
    except requests.RequestException as exc:
        raise ApiError(f"The download was cut off ({exc.__class__.__name__}); run the command again.") from exc


def _duration(seconds: float) -> str:
    total = int(round(seconds))
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    return f"{h} h {m:02d} min" if h else (f"{m} min {s:02d} s" if m else f"{s} s")


if __name__ == "__main__":
    raise SystemExit(main())
