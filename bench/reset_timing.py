"""Does asking for a password reset tell whether an address has an account? Its answer, and
how long it takes, for an address with a verified account and one without.

    .venv/bin/python -m bench.reset_timing [--rounds 60]

On the real local stack over HTTP (its own, on free ports; the per-address mail limit lifted so
one address can be asked many times). The two addresses are asked in alternating order, so
the machine's noise falls on both alike. Prints each side's median and p90 and their ratio,
and whether every answer was the same bytes. Not a test: it prints figures.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests


def ask(api: str, email: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    r = requests.post(f"{api}/auth/password-reset", json={"email": email}, timeout=30)
    return (time.perf_counter() - started) * 1000, r.status_code, r.content


def line(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{label:<28} median {statistics.median(ms):7.2f} ms   p90 {ms[int(len(ms) * 0.9)]:7.2f} ms   (n={len(ms)})"


def measure(api: str, known: str, unknown: str, rounds: int) -> dict:
    times: dict[str, list[float]] = {known: [], unknown: []}
    answers = set()
    for address in (known, unknown):  # warm-up: connections, first imports
        ask(api, address)
    for i in range(rounds):
        for address in ((known, unknown) if i % 2 == 0 else (unknown, known)):
            ms, status, body = ask(api, address)
            times[address].append(ms)
            answers.add((status, body))
    return {"known": times[known], "unknown": times[unknown], "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()

    from infra.local.process import StackProcess
    from tests.stackclient import verified

    with tempfile.TemporaryDirectory() as tmp, StackProcess(
            state_dir=Path(tmp) / "state", log_path=Path(tmp) / "stack.log",
            extra_env={"PAGEVOICE_MAIL_LIMIT_PER_EMAIL": "100000", "PAGEVOICE_MAIL_LIMIT_PER_IP": "100000"}) as stack:
        known = verified(stack, "known-reader@example.com")
        figures = measure(stack.api_url, known, "nobody-here@example.com", args.rounds)
    known_ms, unknown_ms = statistics.median(figures["known"]), statistics.median(figures["unknown"])
    print(line("address with an account", figures["known"]))
    print(line("address without one", figures["unknown"]))
    print(f"median ratio with/without: {known_ms / unknown_ms:.3f} (goal: within 0.90-1.10)")
    print(f"distinct answers (status, bytes): {len(figures['answers'])} "
          f"{'(identical)' if len(figures['answers']) == 1 else sorted(figures['answers'])}")


if __name__ == "__main__":
    main()
