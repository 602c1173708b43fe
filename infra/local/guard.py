"""Local AWS is private to the stack: the outermost WSGI layer of the server (journal.py).

- Every request carries credentials of one of the stack's identities (iam.py): a header
  signature (moto verifies it and enforces the identity's policy), or a presigned URL or POST
  form, verified here (signature, expiry, the POST policy's conditions) with the signer's
  policy applied to what it asks for. Anything else: 403, before the journal sees it.
- Permissions AWS checks on top of the operation's own, which moto skips: a copy needs
  s3:GetObject on its source and, when it copies the source's tags (the default),
  s3:GetObjectTagging there and s3:PutObjectTagging on the destination; an upload with tags
  (x-amz-tagging header, `tagging` form field, a multipart upload begun with tags) needs
  s3:PutObjectTagging.
- CORS only for the site's own origins, only on the data bucket's object reads, the
  presigned POST and the presigned PUTs of a multipart upload's parts: a page of any other
  origin gets no CORS answer, so its browser lets it read nothing and send nothing that needs
  a preflight (signed calls all do).
- moto's own API (`/moto-api/`: reset, dashboard, ...) is not served at all.
- The journal's rotation and replays carry the admin secret (`ADMIN_HEADER`); the layers
  below learn that a request is the stack's own from `environ[ADMIN_ENVIRON]`, set only here
  once the secret matched (a request merely naming the header is not).
"""
from __future__ import annotations

import hmac
import io
import re
from urllib.parse import parse_qs, unquote

from infra.local import iam, sigv4
from infra.local.wsgi import ADMIN_ENVIRON, ADMIN_HEADER, read_body

_ENVIRON_ADMIN = "HTTP_" + ADMIN_HEADER.upper().replace("-", "_")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def _deny(start_response, why: str):
    body = f"local AWS refused the request: {why}\n".encode()
    start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _form(environ: dict, body: bytes) -> tuple[dict[str, str], int]:
    """A multipart POST's fields (lower-case names) and its file's size."""
    from werkzeug.formparser import parse_form_data

    env = {**environ, "wsgi.input": io.BytesIO(body)}
    _, form, files = parse_form_data(env)
    size = 0
    for f in files.values():
        size = len(f.read())
    return {k.lower(): v for k, v in form.items()}, size


class Guard:
    def __init__(self, app, creds: dict[str, dict[str, str]], site_origins: list[str], bucket: str,
                 region: str) -> None:
        self.app = app
        self.secrets = {c["key"]: c["secret"] for c in creds.values()}
        self.admin_secret = creds["admin"]["secret"]
        self.origins = set(site_origins)
        self.bucket = bucket
        self.region = region

    # --- what a request may be ---
    def _bucket_path(self, path: str) -> tuple[bool, str]:
        """(is it the data bucket, the object key or "")."""
        parts = path.lstrip("/").split("/", 1)
        if parts[0] != self.bucket:
            return False, ""
        return True, parts[1] if len(parts) > 1 else ""

    def _browser_allowed(self, method: str, path: str, preflight_method: str, query: str = "") -> bool:
        """The site's browser traffic: the presigned POST to the bucket, presigned GETs of objects,
        presigned PUTs of a multipart upload's parts (UploadPart: `partNumber` and `uploadId`)."""
        ours, key = self._bucket_path(path)
        wanted = preflight_method or method
        part = wanted == "PUT" and {"partNumber", "uploadId"} <= set(parse_qs(query))
        return ours and ((not key and wanted == "POST") or (key and (wanted in ("GET", "HEAD") or part)))

    def _is_admin(self, environ: dict) -> bool:
        given = environ.get(_ENVIRON_ADMIN, "")
        return bool(given) and hmac.compare_digest(given, self.admin_secret)

    def __call__(self, environ: dict, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        origin = environ.get("HTTP_ORIGIN")
        if path.startswith("/moto-api"):
            body = b"not found\n"
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith("/_pagevoice/") and not self._is_admin(environ):
            return _deny(start_response, "the journal is the stack's own")
        preflight = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "") if method == "OPTIONS" else ""
        cors = origin in self.origins and self._browser_allowed(method, path, preflight, environ.get("QUERY_STRING", ""))
        if origin and not cors:
            return _deny(start_response, f"no cross-origin access from {origin} here")
        if method == "OPTIONS":
            if not cors:
                return _deny(start_response, "OPTIONS is only answered to the site's own preflights")
        elif self._is_admin(environ):
            environ[ADMIN_ENVIRON] = True  # the stack itself (journal rotation, replay of what was admitted before)
        else:
            why = self._authenticate(environ, method, path)
            if why:
                return _deny(start_response, why)

        def start(status, headers, exc_info=None):
            if not cors:
                headers = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    # --- credentials ---
    def _authenticate(self, environ: dict, method: str, path: str) -> str | None:
        """None when the request carries valid credentials of ours (header signatures are
        moto's to verify), else why not."""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        query = environ.get("QUERY_STRING", "")
        if auth:
            m = _CREDENTIAL.search(auth)
            if not m or m.group(1) not in self.secrets:
                return "unknown credentials"
            return self._conditional_permissions(environ, method, path, m.group(1))
        if "X-Amz-Credential=" in query:
            return self._presigned_url(environ, method, path, query)
        ours, key = self._bucket_path(path)
        if method == "POST" and ours and not key and \
                environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            return self._presigned_post(environ)
        return "the request is not signed with the stack's credentials"

    def _presigned_url(self, environ: dict, method: str, path: str, query: str) -> str | None:
        key_id, _ = sigv4.credential(parse_qs(query).get("X-Amz-Credential", [""])[0])
        secret = self.secrets.get(key_id)
        raw_path = (environ.get("REQUEST_URI") or environ.get("RAW_URI") or path).split("?", 1)[0]
        if secret is None or not sigv4.query_signature_ok(method, raw_path, query, environ.get("HTTP_HOST", ""),
                                                          secret):
            return "the presigned URL is not valid"
        ours, key = self._bucket_path(unquote(raw_path))
        action = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject"}.get(method)
        if not ours or not key or action is None:
            return "presigned URLs are for the data bucket's objects"
        return self._require(key_id, [(action, self._object_arn(key))])

    def _presigned_post(self, environ: dict) -> str | None:
        body = read_body(environ)  # and puts it back for the layers below
        form, size = _form(environ, body)
        key_id, _ = sigv4.credential(form.get("x-amz-credential", ""))
        secret = self.secrets.get(key_id)
        if secret is None:
            return "the upload form is not signed with the stack's credentials"
        problem = sigv4.post_policy_problem(form, self.bucket, size, secret)
        if problem:
            return f"the upload form is not valid ({problem})"
        arn = self._object_arn(form.get("key", ""))
        needs = [("s3:PutObject", arn)] + ([("s3:PutObjectTagging", arn)] if form.get("tagging") else [])
        return self._require(key_id, needs)

    def _object_arn(self, key: str) -> str:
        return f"arn:{iam.PARTITION}:s3:::{self.bucket}/{key}"

    def _require(self, key_id: str, needs: list[tuple[str, str]]) -> str | None:
        policies = iam.identity_policies(key_id)
        for action, arn in needs:
            if not iam.permitted(policies, action, arn):
                return f"AccessDenied: {action} on {arn}"
        return None

    def _conditional_permissions(self, environ: dict, method: str, path: str, key_id: str) -> str | None:
        """What AWS requires beyond the operation's own action (moto checks only that one)."""
        ours, key = self._bucket_path(path)
        arn = f"arn:{iam.PARTITION}:s3:::{path.lstrip('/')}"
        begins_multipart = method == "POST" and "uploads" in parse_qs(environ.get("QUERY_STRING", ""),
                                                                       keep_blank_values=True)
        if begins_multipart and key and environ.get("HTTP_X_AMZ_TAGGING"):  # CreateMultipartUpload with tags
            return self._require(key_id, [("s3:PutObjectTagging", arn)])
        if method != "PUT" or not key:
            return None
        needs = []
        if environ.get("HTTP_X_AMZ_TAGGING"):
            needs.append(("s3:PutObjectTagging", arn))
        source = unquote(environ.get("HTTP_X_AMZ_COPY_SOURCE", "")).split("?")[0].lstrip("/")
        if source:
            source_arn = f"arn:{iam.PARTITION}:s3:::{source}"
            needs.append(("s3:GetObject", source_arn))
            if environ.get("HTTP_X_AMZ_TAGGING_DIRECTIVE", "COPY").upper() == "COPY":
                needs += [("s3:GetObjectTagging", source_arn), ("s3:PutObjectTagging", arn)]
        return self._require(key_id, needs) if needs else None
