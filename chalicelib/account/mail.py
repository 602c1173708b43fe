"""Mail to account holders, through SES (locally moto's SES, whose messages the stack writes
as files: infra/local/mailbox.py). Each mail is plain text with an HTML twin; a link is on
a line of its own in both, so any mail reader makes it clickable."""
from __future__ import annotations

import html

from chalicelib import aws, settings
from chalicelib.auth import throttle

TOO_MANY_FOR_ADDRESS = f"Too many mails were asked for this address. Try again in {throttle.WAIT}."
FOOTER = "You get this mail because of your PageVoice account. If you did not ask for it, you can ignore it."


def count(email: str) -> None:
    """429 once the address has had its mails (resets and verifications) for the window."""
    a = settings.get().account
    throttle.hit("mail", email, a.mail_limit_per_email, a.mail_window_seconds, TOO_MANY_FOR_ADDRESS)


def link(path: str) -> str:
    """A link into the site (its hash routes)."""
    return f"{settings.get().account.site_url.rstrip('/')}/#/{path}"


def send(to: str, subject: str, paragraphs: list[str], url: str) -> str:
    """Send one mail: `paragraphs` of text with `url` after the first; SES's message id."""
    text = "\n\n".join([paragraphs[0], url, *paragraphs[1:], FOOTER]) + "\n"
    esc = html.escape
    body = "".join([f"<p>{esc(paragraphs[0])}</p>", f'<p><a href="{esc(url)}">{esc(url)}</a></p>',
                    *(f"<p>{esc(p)}</p>" for p in paragraphs[1:]), f"<p><small>{esc(FOOTER)}</small></p>"])
    reply = aws.ses().send_email(
        Source=settings.get().account.mail_from, Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"},
                          "Html": {"Data": f"<!doctype html><html><body>{body}</body></html>", "Charset": "UTF-8"}}})
    return reply["MessageId"]
