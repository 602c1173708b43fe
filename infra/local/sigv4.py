"""SigV4 checks moto server does not make: presigned URLs (credentials in the query) and
presigned POST forms (credentials in the form). moto checks header-signed requests itself once
IAM is enforced (iam.py); these are what a browser sends.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote

AMZ_DATE = "%Y%m%dT%H%M%SZ"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, scope: str) -> bytes:
    """The key of a credential scope `date/region/service/aws4_request`."""
    date, region, service, _ = scope.split("/")
    return _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), region), service), "aws4_request")


def credential(value: str) -> tuple[str, str]:
    """`KEY/20261123/us-east-1/s3/aws4_request` -> (key id, scope)."""
    key, _, scope = value.partition("/")
    return key, scope


def _uri_encode(text: str, safe: str = "-_.~") -> str:
    return quote(text, safe=safe)


def query_signature_ok(method: str, raw_path: str, query: str, host: str, secret: str,
                       now: dt.datetime | None = None) -> bool:
    """A presigned URL's signature and expiry (UNSIGNED-PAYLOAD; signed headers from the URL)."""
    params = parse_qsl(query, keep_blank_values=True)
    given = dict(params)
    try:
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], AMZ_DATE).replace(tzinfo=dt.UTC)
        expires = int(given["X-Amz-Expires"])
        _, scope = credential(given["X-Amz-Credential"])
        signature, signed_headers = given["X-Amz-Signature"], given["X-Amz-SignedHeaders"]
    except (KeyError, ValueError):
        return False
    if (now or dt.datetime.now(dt.UTC)) > signed_at + dt.timedelta(seconds=expires):
        return False
    if signed_headers != "host":  # what boto3 signs for a GET; anything else is not ours
        return False
    canonical_query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(params)
                               if k != "X-Amz-Signature")
    canonical = "\n".join([method, raw_path, canonical_query, f"host:{host}\n", signed_headers, "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, scope), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


# Form fields a POST policy need not name (S3's rule; the file is not in `form`).
UNNAMED_FIELDS = {"policy", "x-amz-signature"}


def post_policy_problem(form: dict[str, str], bucket: str, size: int, secret: str,
                        now: dt.datetime | None = None) -> str | None:
    """Why a presigned POST form would be refused by S3 (None: accepted): its signature, its
    expiry, and each condition of its policy (exact values, prefixes, the size range), as S3
    checks them. `form` has lower-case field names, the file excluded."""
    try:
        policy_b64 = form["policy"]
        _, scope = credential(form["x-amz-credential"])
        signature = form["x-amz-signature"]
        policy = json.loads(base64.b64decode(policy_b64))
    except (KeyError, ValueError):
        return "no valid policy"
    expected = hmac.new(signing_key(secret, scope), policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature does not match"
    expiry = dt.datetime.strptime(policy.get("expiration", "")[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=dt.UTC) if policy.get("expiration") else None
    if expiry is None or (now or dt.datetime.now(dt.UTC)) > expiry:
        return "policy expired"
    values = {**form, "bucket": bucket}
    named = set()
    for cond in policy.get("conditions", []):
        if isinstance(cond, dict):
            cond = ["eq", *next(iter(cond.items()))] if len(cond) == 1 else ["bad"]
            cond[1] = "$" + cond[1]
        op = cond[0].lower() if cond and isinstance(cond[0], str) else ""
        if op == "content-length-range":
            if not int(cond[1]) <= size <= int(cond[2]):
                return "size outside the policy's range"
            continue
        if op not in ("eq", "starts-with") or len(cond) != 3:
            return f"unknown condition {cond}"
        field = str(cond[1]).lstrip("$").lower()
        named.add(field)
        got = values.get(field, "")
        if (op == "eq" and got != cond[2]) or (op == "starts-with" and not got.startswith(cond[2])):
            return f"{cond[1]} does not satisfy the policy"
    # S3 refuses a form field the policy does not name (acl, success_action_redirect, metadata).
    extra = sorted(f for f in form if f not in named | UNNAMED_FIELDS and not f.startswith("x-ignore-"))
    return f"the form has fields its policy does not name: {', '.join(extra)}" if extra else None
