"""Fuzz the running API with schemathesis, from its own OpenAPI description (GET /openapi.json).

    .venv/bin/python -m bench.fuzz                      # starts the local stack, fuzzes it, stops it
    .venv/bin/python -m bench.fuzz --url http://127.0.0.1:8000 [--max-examples 50] [--time-cap 300]

Every operation is fuzzed with valid (positive) and invalid (negative) requests, signed in as
a fresh account through an API key (a session token could be ended by a fuzzed logout). Each
answer goes through schemathesis' checks: no 5xx, a documented status, content type, headers
and body shape. Bounded by --max-examples per operation and mode, and by --time-cap overall;
loopback only (a --url elsewhere is refused). Prints requests tried, the 5xx count and every
failure; exits 1 when a request got a 5xx. tests/hardening/test_fuzz.py runs a smaller budget.
"""
from __future__ import annotations

import argparse
import collections
import ipaddress
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "fuzz password 1234"


def is_loopback(url: str) -> bool:
    """Only this machine may be the target of a fuzz or load run."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it could resolve anywhere
        return False


@dataclass
class Report:
    requests: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    by_operation: dict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    server_errors: list[str] = field(default_factory=list)  # "METHOD path -> status: body"
    failures: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    operations: int = 0
    skipped: list[str] = field(default_factory=list)  # operations not reached within the time cap
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"requests tried: {self.requests} over {self.operations} operations "
                 f"in {self.seconds:.0f} s",
                 "statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items())),
                 f"5xx: {len(self.server_errors)}",
                 *(f"  {op}: " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items()))
                   for op, c in sorted(self.by_operation.items())),
                 f"check failures: {sum(len(v) for v in self.failures.values())}"]
        for where, found in sorted(self.failures.items()):
            lines.append(f"  {where}: {len(found)}, e.g. {found[0]}")
        for err in self.server_errors[:10]:
            lines.append(f"  5xx: {err}")
        if self.skipped:
            lines.append(f"not reached within the time cap: {', '.join(self.skipped)}")
        return "\n".join(lines)


def account(api_url: str) -> str:
    """A fresh account's API key (unlike a session token, it survives a fuzzed POST /auth/logout)."""
    http = requests.Session()
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    r = http.post(f"{api_url}/auth/register", timeout=30, json={
        "name": "Fuzz", "email": email, "password": PASSWORD, "password_confirmation": PASSWORD})
    if r.status_code != 201:
        raise SystemExit(f"could not register the fuzz account ({r.status_code}): {r.text}")
    token = http.post(f"{api_url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30).json()["token"]
    return http.post(f"{api_url}/api-keys", json={"name": "fuzz"}, timeout=30,
                     headers={"Authorization": f"Bearer {token}"}).json()["key"]


def fuzz(api_url: str, api_key: str, *, max_examples: int = 50, time_cap: float = 300.0, seed: int = 8,
         modes: tuple[str, ...] = ("positive", "negative"), exclude: tuple[str, ...] = ()) -> Report:
    """Run schemathesis against `api_url`; `exclude` names operationIds to leave out."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import seed as hseed
    from hypothesis import settings as hsettings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

    if not is_loopback(api_url):
        raise SystemExit(f"refusing to fuzz {api_url}: loopback addresses only")
    doc = requests.get(f"{api_url}/openapi.json", timeout=30)
    doc.raise_for_status()
    # Configured auth: schemathesis signs every case with the key, and its auth checks also
    # try each operation without it and with a wrong one.
    config = schemathesis.Config.from_dict({
        "auth": {"openapi": {"apiKey": {"api_key": api_key}}},
        # Valid by the schema yet refused, rightly: rules JSON Schema cannot state (the password
        # confirmation must match, no common password; `next` is an opaque cursor; a link's token
        # is one only its mail holds).
        "operations": [{"include-operation-id": ["register", "listJobs", "confirmPasswordReset", "verifyEmail",
                                                 "requestPasswordReset"],
                        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "409", "429"]}}}],
    })
    schema = schemathesis.openapi.from_dict(doc.json(), config=config)
    report = Report()
    started = time.monotonic()
    http = requests.Session()
    operations = [r.ok() for r in schema.get_all_operations()]
    for op in operations:
        op_id = op.definition.raw.get("operationId", op.label)
        if op_id in exclude:
            continue
        report.operations += 1
        for mode in modes:
            if time.monotonic() - started > time_cap:
                report.skipped.append(f"{op.label} ({mode})")
                continue

            @hseed(seed)
            @hsettings(max_examples=max_examples, deadline=None, database=None, derandomize=False,
                       phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(generation_mode=GenerationMode(mode)))
            def one(case):
                if time.monotonic() - started > time_cap:
                    return
                response = case.call(base_url=api_url, session=http, timeout=30)
                report.requests += 1
                report.statuses[response.status_code] += 1
                report.by_operation[f"{op.label} [{mode}]"][response.status_code] += 1
                if response.status_code >= 500:
                    report.server_errors.append(f"{op.label} -> {response.status_code}: {response.text[:200]}")
                try:
                    case.validate_response(response, transport_kwargs={"base_url": api_url})
                except FailureGroup as group:
                    for failure in group.exceptions:
                        report.failures[f"{op.label} [{mode}] {failure.title}"].append(
                            f"{response.status_code} for {_brief(case)}: {' '.join(failure.message.split())[:300]}")
                except AssertionError as failed:
                    title = str(failed).strip().splitlines()[0][:160]
                    report.failures[f"{op.label} [{mode}] {title}"].append(f"{response.status_code} for {_brief(case)}")

            try:
                one()
            except Unsatisfiable:  # e.g. negative requests for an operation with no inputs
                pass
    report.seconds = time.monotonic() - started
    return report


def _brief(case) -> str:
    parts = [case.formatted_path if hasattr(case, "formatted_path") else case.path]
    if case.query:
        parts.append(f"query={case.query!r}")
    if case.body is not None and not isinstance(case.body, type(None)):
        parts.append(f"body={json.dumps(case.body, default=str)[:160]}")
    return " ".join(str(p) for p in parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running API on loopback (default: start the local stack)")
    ap.add_argument("--max-examples", type=int, default=50, help="per operation and mode")
    ap.add_argument("--time-cap", type=float, default=300.0, help="seconds for the whole run")
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args(argv)
    if args.url:
        report = fuzz(args.url.rstrip("/"), account(args.url.rstrip("/")), max_examples=args.max_examples,
                      time_cap=args.time_cap, seed=args.seed)
    else:
        from infra.local.process import StackProcess

        with tempfile.TemporaryDirectory() as tmp, \
                StackProcess(Path(tmp) / "state", Path(tmp) / "stack.log") as stack:
            print(f"local stack up at {stack.api_url}", flush=True)
            report = fuzz(stack.api_url, account(stack.api_url), max_examples=args.max_examples,
                          time_cap=args.time_cap, seed=args.seed)
    print(report.summary())
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
