"""Local mail: each message local AWS's SES accepted, as a file a person can open.

Deployed, SES delivers PageVoice's mail (chalicelib.account.mail). Locally moto's SES accepts
it and delivers nothing, so this WSGI layer, next to moto in the server process (journal.py),
writes each SendEmail moto answered 200 as an RFC 822 file, before the answer goes out:

    <state dir>/mail/<UTC timestamp>-<SES message id>.eml     (0600, in a 0700 directory)

multipart/alternative (the text and the HTML), so any mail reader opens it, and the newest
sorts last. Requests the stack replays after a crash (the guard marks them: wsgi.ADMIN_ENVIRON)
write nothing; sends are not journaled anyway (journal.is_mutation), so a restart never
writes old mail again.

`python -m infra.local.mailbox --latest` (`make mail`) prints the newest message: its headers
and text, links included; without `--latest`, one line per message, newest first. It reads the
state directory PAGEVOICE_STATE_DIR (or --state-dir) names; without either, the mail of the
stacks running now, wherever their state is (`make run` may have been given another
PAGEVOICE_STATE_DIR in another terminal): each Mailbox notes its folder and process under
.local/mailboxes/ (RUNNING), and a note whose process has ended is left out.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs

from infra.local.files import default_state_dir, private_dir, write_private
from infra.local.wsgi import ADMIN_ENVIRON, call, read_body, unavailable

MAIL_DIR = "mail"
RUNNING = Path(__file__).resolve().parents[2] / ".local" / "mailboxes"
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def mail_dir(state_dir: Path) -> Path:
    return state_dir / MAIL_DIR


def _members(fields: dict[str, list[str]], name: str) -> list[str]:
    """A query-protocol list: `name.member.1`, `name.member.2`, ... in order."""
    found = {int(k.rsplit(".", 1)[1]): v[0] for k, v in fields.items()
             if k.startswith(f"{name}.member.") and k.rsplit(".", 1)[1].isdigit()}
    return [found[i] for i in sorted(found)]


def message(fields: dict[str, list[str]], message_id: str, sent: datetime) -> EmailMessage:
    """The RFC 822 message of one SendEmail request's fields."""
    def one(name: str) -> str:
        return fields.get(name, [""])[0]

    msg = EmailMessage()
    msg["From"] = one("Source")
    for header, name in (("To", "Destination.ToAddresses"), ("Cc", "Destination.CcAddresses"),
                         ("Reply-To", "ReplyToAddresses")):
        addresses = _members(fields, name)
        if addresses:
            msg[header] = ", ".join(addresses)
    msg["Subject"] = one("Message.Subject.Data")
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{message_id}@email.amazonses.com>"  # as SES names its messages
    text, html = one("Message.Body.Text.Data"), one("Message.Body.Html.Data")
    # 8bit: the file stays plain text, so a link reads (and copies) whole even with `cat`.
    if text or not html:
        msg.set_content(text, cte="8bit")
        if html:
            msg.add_alternative(html, subtype="html", cte="8bit")
    else:
        msg.set_content(html, subtype="html", cte="8bit")
    return msg


def write(directory: Path, msg: EmailMessage, message_id: str, sent: datetime) -> Path:
    """The message as `<directory>/<UTC timestamp>-<message id>.eml`, whole or not at all (a
    reader polling the folder never sees half a file)."""
    private_dir(directory)
    path = directory / f"{sent:%Y%m%dT%H%M%S.%fZ}-{_UNSAFE.sub('_', message_id)}.eml"
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, msg.as_bytes())
    os.replace(tmp, path)
    return path


class Mailbox:
    """WSGI middleware: after `app` (moto) accepted an SES SendEmail, keep it as a file."""

    def __init__(self, app, directory: Path) -> None:
        self.app = app
        self.directory = private_dir(directory)  # there from the start: `make run` names it
        note_running(self.directory)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if (environ["REQUEST_METHOD"] != "POST" or environ.get(ADMIN_ENVIRON)
                or not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")):
            return self.app(environ, start_response)
        fields = parse_qs(read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
        if fields.get("Action") != ["SendEmail"]:
            return self.app(environ, start_response)
        status, headers, chunks = call(self.app, environ)
        found = _MESSAGE_ID.search(b"".join(chunks))
        if status.startswith("200") and found:
            message_id, sent = found.group(1).decode(), datetime.now(UTC)
            try:
                write(self.directory, message(fields, message_id, sent), message_id, sent)
            except (OSError, ValueError) as exc:  # not kept, so not acknowledged: the task is retried
                return unavailable(start_response, f"could not write the mail: {exc}")
        start_response(status, headers)
        return chunks


def messages(directory: Path) -> list[Path]:
    """The mail files, oldest first (their names start with the UTC time they were sent)."""
    return sorted(directory.glob("*.eml")) if directory.is_dir() else []


def show(path: Path) -> str:
    """A message as a person reads it: its headers, then its text."""
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    lines = [f"{h}: {msg[h]}" for h in ("Date", "From", "To", "Cc", "Subject") if msg[h]]
    body = msg.get_body(("plain", "html"))
    return "\n".join([*lines, f"File: {path}", "", body.get_content().rstrip() if body else ""]) + "\n"


def note_running(directory: Path, pid: int | None = None) -> None:
    """Say (under RUNNING) that this process writes mail to `directory`, for `make mail`."""
    directory = directory.resolve()
    try:
        private_dir(RUNNING)
        name = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
        write_private(RUNNING / f"{name}.json",
                            json.dumps({"mail_dir": str(directory), "pid": pid or os.getpid()}).encode())
    except OSError:
        pass  # `make mail` then needs PAGEVOICE_STATE_DIR; the mail is written all the same


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running() -> list[Path]:
    """The mail folders of the stacks running now (notes of ended ones are removed)."""
    found = []
    for note in sorted(RUNNING.glob("*.json")) if RUNNING.is_dir() else []:
        try:
            entry = json.loads(note.read_text())
            directory, pid = Path(entry["mail_dir"]), int(entry["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(pid) and directory.is_dir():
            found.append(directory)
        else:
            note.unlink(missing_ok=True)
    return found


def directories(state_dir: str | None) -> list[Path]:
    """Where to look: the state directory named (--state-dir, else PAGEVOICE_STATE_DIR), else
    the running stacks' mail folders, else the default state directory's."""
    if state_dir or os.environ.get("PAGEVOICE_STATE_DIR"):
        return [mail_dir(Path(state_dir or default_state_dir()))]
    return running() or [mail_dir(Path(default_state_dir()))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infra.local.mailbox",
                                 description="The mail the local stack sent (as files under its state directory).")
    ap.add_argument("--state-dir", default=None,
                    help="the stack's state directory (default: PAGEVOICE_STATE_DIR, else the running stacks')")
    ap.add_argument("--latest", action="store_true", help="print the newest message (headers and text)")
    args = ap.parse_args(argv)
    folders = directories(args.state_dir)
    # The files' names start with the UTC time they were sent: the newest sorts last across folders.
    found = sorted((p for d in folders for p in messages(d)), key=lambda p: p.name)
    if not found:
        print(f"No mail yet in {', '.join(map(str, folders))}.", file=sys.stderr)
        return 1
    if args.latest:
        sys.stdout.write(show(found[-1]))
        return 0
    for path in reversed(found):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"{msg['Date']}  to {msg['To']}  {msg['Subject']}  ({path.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
