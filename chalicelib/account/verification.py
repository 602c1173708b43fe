"""Email verification: a link mailed at sign-up (and again on request). An account works
unverified; only a verified address gets password-reset links (account.password)."""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.account import links, mail, password, tasks
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
    password.count_mail(user["email"])
    tasks.enqueue("verify-mail", user_id=user_id)
    days = settings.get().account.verify_ttl_seconds // 86400
    return {"message": f"A new link is on its way to {user['email']}. It works for {days} days."}


def send_link(user_id: str) -> None:
    """(Worker side.) Mail a verification link, unless the account is gone or verified."""
    user = users.get(user_id)
    if user is None or user.get("email_verified"):
        return
    ttl = settings.get().account.verify_ttl_seconds
    token = links.issue(VERIFY, user, ttl)
    if token is None:
        return  # another link was issued meanwhile, and is being mailed
    mail.send(user["email"], "Confirm your email address for PageVoice", [
        f"Hello {user['name']}, please confirm that this is your address by opening this link:",
        f"It works for {ttl // 86400} days. Until your address is confirmed, PageVoice cannot send you a "
        "link to choose a new password if you forget yours."], mail.link(f"verify/{token}"))
    log.info("verification link sent")


def confirm(token: str) -> None:
    """Mark the link's account verified; the link is spent."""
    user_id = links.holder(VERIFY, token)
    links.spend(VERIFY, token, f"USER#{user_id}", "SET email_verified = :t", {":t": True})
