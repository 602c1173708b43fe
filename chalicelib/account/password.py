"""The password: changed knowing the current one, or reset through a link mailed to a verified
address.

Asking for a reset answers the same bytes whatever the address (RESET_ANSWER), and does the
same work before answering: it checks the address's form, counts it, and queues the mail. The
account is looked up only on the worker side (`send_reset`), so the answer's timing says
nothing either. An unverified address gets no reset link (it may not be its holder's): it gets
the confirmation link instead, with a note to ask again once confirmed.
"""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.account import links, mail, tasks, verification
from chalicelib.auth import apikeys, table, throttle, tokens, users

log = logs.get("account")

RESET = "reset"
RESET_ANSWER = {"message": "If an account with this email exists and its address is verified, a link to choose a "
                           "new password is on its way. The link works once, for 30 minutes."}
TOO_MANY_FROM_NETWORK = f"Too many password resets asked for from your network. Try again in {throttle.WAIT}."


def change(user_id: str, session_jti: str, current: str, new: str, confirmation: str) -> None:
    """A new password for the signed-in account; its other sessions end (this one and its API
    keys stay), and a reset link it had is void."""
    user = users.current(user_id)
    users.check_password(user, current, field="current_password")
    new_hash = users.set_password(user, new, confirmation)
    _store_password(user, new_hash)
    tokens.end_sessions(user_id, keep=session_jti)
    links.forget(RESET, user)


def _store_password(user: dict, new_hash: str) -> None:
    # The reset link it had is void (`links.spend` takes only the link the account names).
    table.update(user["pk"], "SET password_hash = :h REMOVE reset_link", condition="attribute_exists(pk)",
                 values={":h": new_hash})


def request_reset(raw_email: str, ip: str) -> dict:
    """Queue a reset link for the address; RESET_ANSWER whatever it is (400 only for what
    cannot be an address, 429 when asked too often)."""
    email = users.valid_email(raw_email)
    a = settings.get().account
    throttle.hit("reset-ip", ip, a.mail_limit_per_ip, a.mail_window_seconds, TOO_MANY_FROM_NETWORK)
    mail.count(email)
    tasks.enqueue("reset-mail", email=email)
    return RESET_ANSWER


def send_reset(email: str) -> None:
    """(Worker side.) Mail a reset link when the address has a verified account, the
    confirmation link when it has an unverified one, nothing when it has none."""
    user = users.find(email)
    if user is None:
        log.info("no reset link sent", extra={"reason": "no account"})
        return
    if not user.get("email_verified"):
        verification.send_for_reset(user)
        return
    minutes = settings.get().account.reset_ttl_seconds // 60
    token = links.issue(RESET, user, settings.get().account.reset_ttl_seconds)
    if token is None:
        return  # another link was issued meanwhile, and is being mailed
    mail.send(user["email"], "Choose a new PageVoice password", [
        f"Hello {user['name']}, someone (we hope you) asked to choose a new password for your PageVoice "
        f"account. Open this link within {minutes} minutes to choose it:",
        "The link works once. Choosing a new password signs you out everywhere and revokes your API keys "
        "(make new ones on the API keys page). If you did not ask for this, ignore this mail: your password "
        "stays as it is."], mail.link(f"reset/{token}"))
    log.info("reset link sent")


def confirm_reset(token: str, new: str, confirmation: str) -> None:
    """Set the new password through a live reset link, which is then spent. Every session and
    API key of the account ends (whoever took it over must not keep a way in), a login lockout
    is lifted, and the address counts as verified (its holder opened the mail)."""
    user_id = links.holder(RESET, token)
    user = users.get(user_id)
    if user is None:
        raise links.invalid()
    new_hash = users.set_password(user, new, confirmation)
    links.spend(RESET, token, user["pk"], "SET password_hash = :h, email_verified = :t", {":h": new_hash, ":t": True})
    tokens.end_sessions(user_id)
    for key_id in user.get("api_keys") or ():
        apikeys.revoke(user_id, key_id)
    throttle.login_succeeded(user["email"])
