"""Email verification: a link mailed at sign-up (and again on request, or when a password reset
is asked for an address never confirmed). An account works unverified; only a verified address
gets password-reset links (account.password)."""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.account import links, mail, tasks
from chalicelib.auth import users

log = logs.get("account")

VERIFY = "verify"
ALREADY = {"message": "Your email address is already verified."}


def start(user_id: str) -> None:
    """Queue the first link (after sign-up)."""
    tasks.enqueue("verify-mail", user_id=user_id)


def resend(user_id: str) -> dict:
    """Queue a new link for the signed-in account, unless it is verified already."""
    user = users.current(user_id)
    if user.get("email_verified"):
        return ALREADY
    mail.count(user["email"])
    tasks.enqueue("verify-mail", user_id=user_id)
    days = settings.get().account.verify_ttl_seconds // 86400
    return {"message": f"A new link is on its way to {user['email']}. It works for {days} days."}


def send_link(user_id: str) -> None:
    """(Worker side.) Mail a verification link, unless the account is gone or verified."""
    user = users.get(user_id)
    if user is None or user.get("email_verified"):
        return
    mail_link(user, "Confirm your email address for PageVoice",
              f"Hello {user['name']}, please confirm that this is your address by opening this link:",
              "Until your address is confirmed, PageVoice cannot send you a link to choose a new password "
              "if you forget yours.")


def send_for_reset(user: dict) -> None:
    """(Worker side.) A password reset was asked for an address never confirmed: the
    confirmation link instead of a reset link (whoever made the account may not hold the
    address), saying why and what to do next."""
    mail_link(user, "Confirm your email address to reset your PageVoice password",
              f"Hello {user['name']}, someone (we hope you) asked to choose a new password for your PageVoice "
              "account. This address was never confirmed, so we cannot send a password link to it yet. "
              "First confirm it with this link:",
              "Then ask again on the \"Forgot your password?\" page: the link to choose a new password will "
              "come to this address. If you did not ask for this, ignore this mail.")
    log.info("verification link sent instead of a reset link")


def mail_link(user: dict, subject: str, lead: str, after: str) -> None:
    """Issue a verification link for the account and mail it: `lead` before the link, `after`
    (with how long it works) after it."""
    ttl = settings.get().account.verify_ttl_seconds
    token = links.issue(VERIFY, user, ttl)
    if token is None:
        return  # another link was issued meanwhile, and is being mailed
    mail.send(user["email"], subject, [lead, f"It works for {ttl // 86400} days. {after}"],
              mail.link(f"verify/{token}"))
    log.info("verification link sent")


def confirm(token: str) -> None:
    """Mark the link's account verified; the link is spent."""
    user_id = links.holder(VERIFY, token)
    links.spend(VERIFY, token, f"USER#{user_id}", "SET email_verified = :t", {":t": True})
