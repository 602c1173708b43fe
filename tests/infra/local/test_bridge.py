"""The bridge's fair queue: each user's uploads wait their own turn (unit), and through the real
stack a user's burst does not hold up another user's job."""
from __future__ import annotations

import time

import pytest

from infra.local.bridge import FairQueue
from infra.local.process import StackProcess
from tests.stackclient import login, register, upload, wait_job


def key(user: str, n: int) -> str:
    return f"uploads/{user}/job{n}/source"


def test_users_take_turns():
    q = FairQueue()
    for n in range(4):
        q.add(key("ann", n), f"ann{n}")
    q.add(key("bob", 0), "bob0")
    assert [q.next() for _ in range(5)] == ["ann0", "bob0", "ann1", "ann2", "ann3"]
    assert q.next() is None and len(q) == 0


def test_a_waiting_upload_takes_one_turn_only():
    q = FairQueue()
    assert q.add(key("ann", 0), "first") and not q.add(key("ann", 0), "duplicate")
    assert q.next() == "first" and q.add(key("ann", 0), "again")  # running is not waiting


@pytest.mark.stack
def test_a_burst_from_one_user_does_not_hold_up_another(tmp_path):
    """One worker: Ann uploads four slow jobs, then Bob one quick job. Bob's is done before
    Ann's last two: it waited for one turn, not for Ann's whole burst."""
    with StackProcess(state_dir=tmp_path / "state", log_path=tmp_path / "stack.log",
                      extra_env={"PAGEVOICE_LOCAL_WORKERS": "1", "PAGEVOICE_REGISTER_LIMIT_PER_IP": "100",
                                 "PAGEVOICE_KIND_PLUGINS": "tests.stubkind:KIND"}) as stack:
        ann, bob = login(stack, register(stack)), login(stack, register(stack))
        anns = [upload(stack, ann, f"a{n}.txt", b"slow:2", "text/plain", kind="stub") for n in range(4)]
        time.sleep(0.5)
        bobs = upload(stack, bob, "b.txt", b"echo:quick", "text/plain", kind="stub")
        done = {job_id: wait_job(stack, ann, job_id, timeout=120) for job_id in anns}
        bob_job = wait_job(stack, bob, bobs, timeout=120)
    assert bob_job["status"] == "done" and all(j["status"] == "done" for j in done.values())
    ended = sorted(j["updated_at"] for j in done.values())
    assert bob_job["updated_at"] < ended[2], (bob_job["updated_at"], ended)


def test_a_user_may_be_held_back_while_keeping_their_turn():
    q = FairQueue()
    for n in range(2):
        q.add(key("ann", n), f"ann{n}")
    q.add(key("bob", 0), "bob0")
    assert q.next(lambda owner: owner != "ann") == "bob0"  # Ann holds her share: Bob goes
    assert q.next(lambda owner: owner != "ann") is None
    assert q.next() == "ann0"
