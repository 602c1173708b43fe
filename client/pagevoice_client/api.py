"""The PageVoice HTTP API as the command uses it (docs/api.md): an API key on every request,
and every refusal turned into the server's own sentence."""
from __future__ import annotations

import time

import requests

TIMEOUT_S = 60
RETRIES = 4  # a request that could not reach the API (or met a 502-504) is tried again


class ApiError(Exception):
    """What the API (or the network) said went wrong, as a sentence; `status` is the HTTP
    status (None when nothing answered)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Api:
    def __init__(self, base_url: str, key: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["X-Api-Key"] = key
        self._kinds: dict | None = None

    def call(self, method: str, path: str, *, expect=(200,), **kwargs) -> requests.Response:
        """`method path` answered with one of `expect`, else ApiError with the server's message."""
        url = f"{self.base_url}{path}"
        for attempt in range(RETRIES):
            try:
                answer = self.session.request(method, url, timeout=TIMEOUT_S, **kwargs)
            except requests.RequestException as exc:
                if attempt == RETRIES - 1:
                    raise ApiError(f"Could not reach {self.base_url}: {exc.__class__.__name__}.") from exc
            else:
                if answer.status_code in expect:
                    return answer
                if answer.status_code not in (502, 503, 504) or attempt == RETRIES - 1:
                    raise ApiError(message_of(answer), answer.status_code)
            time.sleep(2 ** attempt)
        raise AssertionError("unreachable")

    def kinds(self) -> dict:
        """GET /kinds: each kind by name (what it accepts, its limits, its file endings)."""
        if self._kinds is None:
            self._kinds = {k["name"]: k for k in self.call("GET", "/kinds").json()["kinds"]}
        return self._kinds

    def me(self) -> dict:
        return self.call("GET", "/me").json()

    def upload(self, body: dict) -> dict:
        """POST /uploads: {"job_id", "upload": {"url", "fields"} or {"multipart"}}."""
        return self.call("POST", "/uploads", json=body, expect=(201,)).json()

    def parts(self, job_id: str) -> dict:
        """GET /uploads/{id}/parts: the multipart upload as S3 holds it, with fresh part URLs."""
        return self.call("GET", f"/uploads/{job_id}/parts").json()["multipart"]

    def complete(self, job_id: str) -> dict:
        return self.call("POST", f"/uploads/{job_id}/complete").json()

    def job(self, job_id: str) -> dict:
        return self.call("GET", f"/jobs/{job_id}").json()

    def export(self, job_id: str, fmt: str) -> tuple[dict, float | None]:
        """GET /jobs/{id}/export: (the answer, seconds to wait before asking again, or None once
        the book is there)."""
        answer = self.call("GET", f"/jobs/{job_id}/export", params={"format": fmt}, expect=(200, 202))
        if answer.status_code == 202:
            return answer.json(), float(answer.headers.get("Retry-After") or 2)
        return answer.json(), None


def message_of(answer: requests.Response) -> str:
    """The sentence of an error answer (every PageVoice error is JSON with a message)."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for name in ("message", "Message", "error"):
            if isinstance(body.get(name), str) and body[name].strip():
                return body[name].strip()
    return f"The API answered {answer.status_code} {answer.reason}."
