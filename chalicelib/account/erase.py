"""Deleting an account (DELETE /me): everything of it goes, and its email can register again.

At once (the request): the account's own items (USER, the EMAIL claim, sessions, API keys,
live links, its export's record, its counters), so nothing can sign in or call as it from
then on. Then, on the worker side (`erase_files`, a task, however many jobs there are): each
job as DELETE /jobs/{id} deletes it (a tombstone, so the sweep also removes what a worker
still running writes afterwards), then whatever is left under the account's prefixes. The
log says an account was deleted, never which.
"""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.account import tasks
from chalicelib.auth import store, throttle, users
from chalicelib.jobs import lifecycle

log = logs.get("account")


def delete_account(user_id: str, password: str) -> None:
    """Delete the signed-in account after checking its password (400 when wrong)."""
    user = users.current(user_id)
    users.check_password(user, password)
    sessions = [f"SESSION#{entry.split(':', 1)[1]}" for entry in user.get("sessions") or ()]
    api_keys = [f"APIKEY#{key_id}" for key_id in user.get("api_keys") or ()]
    links = [user[a] for a in ("reset_link", "verify_link") if user.get(a)]
    # The claim goes with the account, so the address is free the moment the answer says so.
    store.transact(
        {"Delete": {"Key": {"pk": user["pk"]}}},
        {"Delete": {"Key": {"pk": f"EMAIL#{user['email']}"}, "ConditionExpression": "user_id = :u",
                    "ExpressionAttributeValues": {":u": user_id}}},
        users.erasure(user_id))
    store.delete_many([*sessions, *api_keys, *links, f"EXPORT#{user_id}"])
    _forget_counters(user)
    tasks.enqueue("erase", user_id=user_id)
    log.info("account deleted; its files are being erased")


def _forget_counters(user: dict) -> None:
    s = settings.get()
    throttle.login_succeeded(user["email"])
    throttle.forget("upload", user["id"], s.auth.upload_window_seconds)
    throttle.forget("mail", user["email"], s.account.mail_window_seconds)


def erase_files(user_id: str) -> None:
    """(Worker side.) Every job of a deleted account, and every object under its prefixes."""
    if users.get(user_id) is not None:
        log.error("refusing to erase the files of an account that exists")
        return
    count = lifecycle.erase_account(user_id)
    users.erased(user_id)
    log.info("a deleted account's files were erased", extra={"jobs": count})
