"""Deleting an account (DELETE /me): everything of it goes, and its email can register again.

At once (the request): the account's own items (USER, the EMAIL claim, sessions, API keys,
live links, its export's record, its pronunciations, its counters and usage, its podcast feed), so nothing can sign
in or call as it, nor listen to its feed, from then on. Then, on the worker side (`erase_files`, a task, however many
jobs there are): each
job as DELETE /jobs/{id} deletes it (a tombstone, so the sweep also removes what a worker
still running writes afterwards), then whatever is left under the account's prefixes. The
log says an account was deleted, never which.
"""
from __future__ import annotations

from chalicelib import logs, settings
from chalicelib.account import records, tasks
from chalicelib.auth import pronunciations, table, throttle, usage, users
from chalicelib.errors import ConditionFailed, Transient
from chalicelib.feeds import secret as feed_secret
from chalicelib.jobs import lifecycle

log = logs.get("account")


ATTEMPTS = 3  # a sign-in or a new API key racing the deletion: read the account again


def delete_account(user_id: str, password: str) -> None:
    """Delete the signed-in account after checking its password (400 when wrong)."""
    user = users.current(user_id)
    users.check_password(user, password)
    for _ in range(ATTEMPTS):
        if _delete_identity(user):
            break
        user = users.current(user_id)  # 401 once another deletion won
    else:
        raise Transient("The account is busy; try again in a moment.")
    _forget_counters(user)
    tasks.enqueue("erase", user_id=user_id)
    log.info("account deleted; its files are being erased")


def _unchanged(user: dict, names: tuple[str, ...]) -> tuple[str, dict, dict]:
    """A condition that the USER item still lists exactly what `user` lists under `names`."""
    parts, attr_names, values = ["attribute_exists(pk)"], {}, {}
    for i, name in enumerate(names):
        attr_names[f"#a{i}"] = name
        if user.get(name):
            parts.append(f"#a{i} = :v{i}")
            values[f":v{i}"] = user[name]
        else:
            parts.append(f"attribute_not_exists(#a{i})")
    return " AND ".join(parts), attr_names, values


def _delete_identity(user: dict) -> bool:
    """The account's own items, at once: False when a session or an API key was added since
    `user` was read (the caller reads it again), so none is left behind live."""
    user_id = user["id"]
    # The feed's secret too: a feed turned on or rotated meanwhile must not outlive the account.
    condition, names, values = _unchanged(user, ("sessions", "api_keys", "feed_secret"))
    sessions = [f"SESSION#{entry.split(':', 1)[1]}" for entry in user.get("sessions") or ()]
    api_keys = [f"APIKEY#{key_id}" for key_id in user.get("api_keys") or ()]
    links = [user[a] for a in ("reset_link", "verify_link") if user.get(a)]
    # The feed goes with the account, in its transaction: no episode is served from then on.
    feed = [{"Delete": {"Key": {"pk": feed_secret.key(user["feed_secret"])}}}] if user.get("feed_secret") else []
    # The claim goes with the account, so the address is free the moment the answer says so.
    try:
        table.transact(
            {"Delete": {"Key": {"pk": user["pk"]}, "ConditionExpression": condition, "ExpressionAttributeNames": names,
                        **({"ExpressionAttributeValues": values} if values else {})}},
            {"Delete": {"Key": {"pk": f"EMAIL#{user['email']}"}, "ConditionExpression": "user_id = :u",
                        "ExpressionAttributeValues": {":u": user_id}}},
            users.erasure(user_id), *feed)
    except ConditionFailed as exc:
        if exc.failed & {0, 1}:
            return False
        raise
    table.delete_many([*sessions, *api_keys, *links, records.export_key(user_id), pronunciations.key(user_id),
                       usage.key(user_id)])
    return True


def _forget_counters(user: dict) -> None:
    s = settings.get()
    throttle.login_succeeded(user["email"])
    throttle.forget("upload", user["id"], s.auth.upload_window_seconds)
    throttle.forget("mail", user["email"], s.account.mail_window_seconds)
    throttle.forget("export", user["id"], 3600)


def erase_files(user_id: str) -> None:
    """(Worker side.) Every job of a deleted account, and every object under its prefixes."""
    if users.get(user_id) is not None:
        log.error("refusing to erase the files of an account that exists")
        return
    count = lifecycle.erase_account(user_id)
    users.erased(user_id)
    log.info("a deleted account's files were erased", extra={"jobs": count})
