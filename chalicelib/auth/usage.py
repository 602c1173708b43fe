"""What an account holds and has had read, against its quotas (settings.books: quota_storage_bytes,
quota_pages): POST /uploads refuses past them with a sentence, before any byte is sent; GET /me
shows both.

One small item per account in the auth table, USAGE#<id>, rather than attributes on the USER item:
the worker and the sweep write it, and their roles may write only USAGE# items (IAM's
dynamodb:LeadingKeys), never a USER item with its password hash; and GET /me, POST /uploads read
one item of a few numbers.

- `storage_bytes`: the sum of the sizes of the account's uploads (the job record's `size`, given
  at POST /uploads), added when the job is made (`reserve`, a conditional ADD: two uploads at once
  cannot both pass the quota) and taken off when it is deleted (`release`: DELETE /jobs/{id}, the
  sweep's "delete my files after N days"). `since` is when counting began for the account: a job
  made before it (before quotas existed) was never added, so it is not taken off either. Taking
  off happens once per job: a marker USAGE#<id>#GONE#<job> (kept a day) is written in the same
  transaction, so two deletions of one job at once subtract once.
- `pages_<YYYY-MM-DD>`: pages read on that UTC day, added when a job finishes (`count_read`: a
  page job's `summary.pages`, one for a photo; a book's pages read); a recording made again reads
  nothing. The window is the last 30 calendar days, today included (a day 30 days ago no longer
  counts); the worker that adds a day removes the days past the window, so the item holds at most
  31 of them and is read whole, by one GetItem, never a scan or a query per request.

Counting never fails the work it counts: a failed write is logged, and the job goes on.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib import clock, logs, settings
from chalicelib.auth import table
from chalicelib.errors import ConditionFailed, PageVoiceError

log = logs.get("auth")

WINDOW_DAYS = 30
DAY_PREFIX = "pages_"
GONE_SECONDS = 24 * 3600  # how long a deleted job's marker is kept (its deletion races within seconds)
GIB = 1024 ** 3
MIB = 1024 ** 2


class QuotaExceeded(PageVoiceError):
    """An upload that would take the account's storage past its quota (CONTRACTS section 15)."""
    code = "quota_exceeded"
    status = 413


class PagesQuotaExceeded(QuotaExceeded):
    """An upload from an account that has had its pages read for the window."""
    status = 400


def key(user_id: str) -> str:
    return f"USAGE#{user_id}"


def gone_key(user_id: str, job_id: str) -> str:
    return f"USAGE#{user_id}#GONE#{job_id}"


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def window(now: float) -> list[str]:
    """The days whose pages count now, oldest first: today and the 29 before it (UTC)."""
    today = datetime.fromtimestamp(now, UTC).date()
    return [(today - timedelta(days=back)).isoformat() for back in range(WINDOW_DAYS - 1, -1, -1)]


def _pages_by_day(item: dict | None, now: float) -> dict[str, int]:
    item = item or {}
    return {day: int(item.get(DAY_PREFIX + day, 0)) for day in window(now)}


def _amount(n: float) -> str:
    """Bytes as people read them: 19.8 GB, 312 MB."""
    if n >= GIB:
        return f"{n / GIB:.1f}".removesuffix(".0") + " GB"
    return f"{n / MIB:.0f} MB" if n >= MIB else f"{max(int(n), 0)} bytes"


def view(user_id: str) -> dict:
    """GET /me's `usage`: what the account holds and has had read, and its quotas."""
    s = settings.get().books
    item = table.get(key(user_id))
    return {"storage_bytes": max(int((item or {}).get("storage_bytes", 0)), 0),
            "storage_quota_bytes": s.quota_storage_bytes,
            "pages_30_days": sum(_pages_by_day(item, clock.now()).values()), "pages_quota": s.quota_pages}


def _pages_refusal(by_day: dict[str, int], quota: int) -> PagesQuotaExceeded:
    """When the oldest days' pages have left the window enough for the account to be under its
    quota again, in the sentence."""
    total, reopens = sum(by_day.values()), None
    for day, pages in by_day.items():  # oldest first
        total -= pages
        if total < quota:
            reopens = datetime.fromisoformat(day).date() + timedelta(days=WINDOW_DAYS)
            break
    when = f" You can upload again on {reopens:%-d %B %Y} (UTC)." if reopens else ""
    return PagesQuotaExceeded(f"You have had {sum(by_day.values()):,} pages read in the last {WINDOW_DAYS} days, the "
                         f"most an account may have read in {WINDOW_DAYS} days ({quota:,}).{when}",
                         quota="pages")


def _storage_refusal(held: int, size: int, quota: int) -> QuotaExceeded:
    return QuotaExceeded(f"This upload would take your storage past {_amount(quota)}: you hold {_amount(held)} "
                         f"and the file is {_amount(size)}. Delete some files and try again.", quota="storage")


def reserve(user_id: str, size: int) -> None:
    """Before a job is made for an upload of `size` bytes: refuse it (QuotaExceeded) when the
    account has had its pages read for the window, or when the file would take its storage past
    the quota; else count the file as stored."""
    s = settings.get().books
    now = clock.now()
    item = table.get(key(user_id), consistent=True)
    by_day = _pages_by_day(item, now)
    if sum(by_day.values()) >= s.quota_pages:
        raise _pages_refusal(by_day, s.quota_pages)
    room = s.quota_storage_bytes - size
    if room < 0:
        raise _storage_refusal(int((item or {}).get("storage_bytes", 0)), size, s.quota_storage_bytes)
    try:
        table.update(key(user_id), "SET since = if_not_exists(since, :now) ADD storage_bytes :size",
                     condition="attribute_not_exists(storage_bytes) OR storage_bytes <= :room",
                     values={":now": clock.iso(now), ":size": size, ":room": room})
    except ConditionFailed:
        held = table.get(key(user_id), consistent=True) or {}
        raise _storage_refusal(int(held.get("storage_bytes", 0)), size, s.quota_storage_bytes) from None


def unreserve(user_id: str, size: int) -> None:
    """The job `reserve` counted was never made: take its size off again."""
    try:
        table.update(key(user_id), "ADD storage_bytes :minus", condition="attribute_exists(pk)",
                     values={":minus": -size})
    except ConditionFailed:
        pass
    except Exception:  # noqa: BLE001 - counting never fails the request it counts
        log.exception("could not take an unmade upload off the account's storage")


def release(user_id: str, job: dict) -> None:
    """A job was deleted: its upload's size comes off the account's storage, once (a second
    deletion racing this one finds the marker), and only if it was counted (made since counting
    began; the account still exists)."""
    size, created = int(job.get("size") or 0), job.get("created_at")
    if size <= 0 or not created:
        return
    try:
        table.transact(
            {"Put": {"Item": {"pk": gone_key(user_id, job["job_id"]), "expires_at": int(clock.now() + GONE_SECONDS)},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"Key": {"pk": key(user_id)}, "UpdateExpression": "ADD storage_bytes :minus",
                        "ConditionExpression": "attribute_exists(pk) AND since <= :created",
                        "ExpressionAttributeValues": {":minus": -size, ":created": created}}})
    except ConditionFailed:
        pass  # taken off already, counted never, or the account is gone
    except Exception:  # noqa: BLE001 - the job is deleted whatever its count says
        log.exception("could not take a deleted job off the account's storage", extra={"job_id": job.get("job_id")})


def pages_of(job: dict, summary: dict) -> int:
    """Pages a finished job had read: a book's pages read, a document's pages, one for a photo
    (the page kind); none for a recording made again, nor for kinds that read no pages."""
    if job.get("rerecording"):
        return 0
    if summary.get("book"):  # a recording's windows are not pages
        return int(float(job.get("book_pages_read") or summary.get("pages") or 0)) if "pages" in summary else 0
    if "pages" in summary:
        return int(summary["pages"])
    return 1 if (job.get("kind") or "page") == "page" else 0


def count_read(user_id: str, job: dict, summary: dict) -> None:
    """(Worker side, once a job has finished.) Add the pages it had read to today's count, and
    drop the days past the window."""
    pages = pages_of(job, summary)
    if pages <= 0:
        return
    now = clock.now()
    try:
        item = table.update(key(user_id), "ADD #d :n", condition="attribute_exists(pk)",
                            names={"#d": DAY_PREFIX + _day(now)}, values={":n": pages}, returns="ALL_NEW")
        kept = {DAY_PREFIX + day for day in window(now)}
        stale = sorted(a for a in item if a.startswith(DAY_PREFIX) and a not in kept)
        if stale:
            table.update(key(user_id), "REMOVE " + ", ".join(f"#s{i}" for i in range(len(stale))),
                         condition="attribute_exists(pk)", names={f"#s{i}": a for i, a in enumerate(stale)})
    except ConditionFailed:
        pass  # the account is gone (or never uploaded since counting began)
    except Exception:  # noqa: BLE001 - the job is done whatever its count says
        log.exception("could not count a finished job's pages", extra={"job_id": job.get("job_id"), "pages": pages})
