"""Auth latency: login (argon2id-bound) and a token-authenticated route, in-process.

    .venv/bin/python bench/bench_auth.py [--logins 30] [--calls 200]

chalice.test.Client on moto in-process, so the figures are this machine's CPU cost of
our code plus moto's (a real DynamoDB round trip adds a few ms per read). Hashing uses
the production argon2 parameters unless PAGEVOICE_ARGON2_* say otherwise.
Not a test: it prints figures.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# In-process moto only: never a real endpoint or account.
os.environ.pop("AWS_ENDPOINT_URL", None)
for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                    "AWS_DEFAULT_REGION": "us-east-1", "PAGEVOICE_LOG_LEVEL": "WARNING",
                    "PAGEVOICE_JWT_SECRET": "bench-secret-" + "b" * 40}.items():
    os.environ.setdefault(name, value)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(f"{label:<34} median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import aws, settings
    from infra.local.bootstrap import ensure_resources

    s = settings.get().auth
    print(f"argon2id m={s.argon2_memory_kib} KiB t={s.argon2_time_cost} p={s.argon2_parallelism}; "
          f"moto in-process; {os.cpu_count()} CPUs")
    password = "correct horse battery staple"
    json_headers = {"Content-Type": "application/json"}
    with mock_aws():
        aws.reset()
        ensure_resources()
        with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
            def call(method, path, headers=None, body=None, expect=200):
                r = client.http.request(method, path, headers={**json_headers, **(headers or {})},
                                        body=json.dumps(body).encode() if body is not None else b"")
                assert r.status_code == expect, (path, r.status_code, r.body)
                return r.json_body

            call("POST", "/auth/register", body={"name": "Bench", "email": "bench@example.org", "password": password,
                                                 "password_confirmation": password}, expect=201)
            credentials = {"email": "bench@example.org", "password": password}
            call("POST", "/auth/login", body=credentials)  # warm-up: first hash, clients
            report("POST /auth/login", timed(lambda: call("POST", "/auth/login", body=credentials), args.logins))
            report("POST /auth/login (wrong password)",
                   timed(lambda: call("POST", "/auth/login", body={**credentials, "password": "nope nope"},
                                      expect=401), min(args.logins, 4)))
            token = call("POST", "/auth/login", body=credentials)["token"]
            bearer = {"Authorization": f"Bearer {token}"}
            call("GET", "/me", bearer)
            report("GET /me (Bearer token)", timed(lambda: call("GET", "/me", bearer), args.calls))
            key = {"X-Api-Key": call("POST", "/api-keys", bearer, {"name": "bench"}, expect=201)["key"]}
            call("GET", "/me", key)
            report("GET /me (X-Api-Key)", timed(lambda: call("GET", "/me", key), args.calls))
            report("GET /health (no auth)", timed(lambda: call("GET", "/health"), args.calls))
    aws.reset()


if __name__ == "__main__":
    main()
