"""The HTTP edge: JSON bodies in, JSON errors out, CORS on everything, a request id on every log line.

app.py stays a table of contents: each route is `@app.route(..., cors=edge.CORS)` over
`@edge.endpoint`, and the body of the handler calls into chalicelib. Errors are the domain's
own (chalicelib.errors): this layer only renders them. Nothing below chalicelib.web imports it.
"""
from __future__ import annotations

import contextvars
import functools
import json
import sys
import time
import uuid

from chalice import CORSConfig, Response
from chalice.app import ChaliceViewError

from chalicelib import logs, resources, settings
from chalicelib.auth import throttle
from chalicelib.errors import InputError, Internal, NotFound, PageVoiceError

log = logs.get("api")


INTERNAL_MESSAGE = "Something went wrong on our side. Please try again."  # never a traceback


# --- CORS ---

# The Origin of the request being answered (the browser's page), read by the CORS config.
_request_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_origin", default=None)


def allowed_origins() -> list[str]:
    """The site origins the API answers (`cors_origin`, comma-separated)."""
    return resources.cors_origins(settings.get().auth.cors_origin)


def origin_for(origin: str | None) -> str:
    """Access-Control-Allow-Origin names one origin: the request's own when it is allowed, else
    the first allowed one (which the browser then refuses, as it should)."""
    allowed = allowed_origins()
    if origin and origin in allowed:
        return origin
    return allowed[0] if allowed else ""


class _SettingsCORS(CORSConfig):
    """CORSConfig whose origin is read from settings at request time.

    Routes are declared at import, but a stage's environment (and so
    PAGEVOICE_CORS_ORIGIN) exists only around each call; reading it lazily keeps
    `chalice local`, the test client and Lambda on the configured origins, and the answer
    names the request's origin when it is one of them (`Vary: Origin` is added).
    `chalice deploy/package` evaluates it once for API Gateway's preflight mock (no request:
    the first origin), so export PAGEVOICE_CORS_ORIGIN when deploying: deployed there is one.
    """

    @property
    def allow_origin(self) -> str:
        return origin_for(_request_origin.get())

    @allow_origin.setter
    def allow_origin(self, _value) -> None:  # CORSConfig.__init__ assigns it; ignore.
        pass


# The browser must be able to read Retry-After (429) and the request id.
CORS = _SettingsCORS(expose_headers=["Retry-After", "X-Request-Id"], max_age=600)


def _vary_origin(headers: dict) -> None:
    vary = [v.strip() for v in str(headers.get("Vary") or "").split(",") if v.strip()]
    if "origin" not in {v.lower() for v in vary}:
        headers["Vary"] = ", ".join([*vary, "Origin"])


def _answer_preflight_with_the_request_origin() -> None:
    """`chalice local` answers OPTIONS itself (LocalGateway, like API Gateway's mock) from the
    route's CORSConfig, without running the app: give it the request's Origin first. Only
    where `chalice local` (or a test of it) has loaded chalice.local; Lambda never does."""
    local = sys.modules.get("chalice.local")
    gateway = getattr(local, "LocalGateway", None)
    if gateway is None or getattr(gateway, "_pagevoice_origin", False):
        return
    handle = gateway.handle_request

    @functools.wraps(handle)
    def handle_request(self, method, path, headers, body):
        origin = next((v for k, v in (headers or {}).items() if k.lower() == "origin"), None)
        token = _request_origin.set(origin)
        try:
            response = handle(self, method, path, headers, body)
        finally:
            _request_origin.reset(token)
        if method == "OPTIONS" and "Access-Control-Allow-Origin" in (response.get("headers") or {}):
            _vary_origin(response["headers"])
        return response

    gateway.handle_request = handle_request
    gateway._pagevoice_origin = True


_answer_preflight_with_the_request_origin()


# --- Responses ---

def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def no_content() -> Response:
    return Response(body="", status_code=204)


def document(body: bytes | str, content_type: str) -> Response:
    """A 200 that is not JSON (a podcast feed, its chapters, a transcript), as text."""
    return Response(body=body.decode("utf-8") if isinstance(body, bytes) else body, status_code=200,
                    headers={"Content-Type": content_type})


def redirect(location: str) -> Response:
    """A 302 to `location` (a fresh presigned GET: never cached, so each fetch gets its own)."""
    return Response(body="", status_code=302, headers={"Location": location})


def error_response(err: PageVoiceError) -> Response:
    return json_response(err.to_dict(), err.status, getattr(err, "headers", None))


def endpoint(view):
    """Turn what a view raises into a JSON error response.

    Chalice maps any non-Chalice exception raised in a view to a bare 500, so our
    typed errors must be answered here, inside the view.
    """
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PageVoiceError as err:
            if err.status >= 500:
                log.error("request failed", extra={"error": err.code, "detail": err.message})
            return error_response(err)
        except ChaliceViewError as err:
            return error_response(_from_chalice(err.STATUS_CODE, type(err).__name__, str(err)))
        except Exception:
            log.exception("unhandled error")
            return error_response(Internal(INTERNAL_MESSAGE))
    return wrapper


# Chalice's own wording for these is terse; say what to do instead.
_CHALICE_MESSAGES = {415: "Send the request body as JSON, with 'Content-Type: application/json'."}


def _from_chalice(status: int, name: str, message: str) -> PageVoiceError:
    """A Chalice-built error ({"Code", "Message"}) in PageVoice's shape."""
    if status >= 500:
        return Internal(INTERNAL_MESSAGE)
    err = PageVoiceError(_CHALICE_MESSAGES.get(status) or message or "Request failed.")
    err.status, err.code = status, _snake(name)
    return err


def _snake(name: str) -> str:
    name = name.removesuffix("Error") or name
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out or "error"


def middleware(request, get_response, startup_check=None) -> Response:
    """Every HTTP request: bind a request id to the logs, normalise errors, add CORS.

    Chalice answers some errors itself (415 wrong content type, 405 wrong method,
    500 from an unhandled exception) as {"Code", "Message"} and without CORS headers
    on some of them; they are reshaped here so every error looks the same to the site.
    `startup_check` raises a PageVoiceError while the service is misconfigured: every
    request is then refused with its message (and the log says why).
    """
    context = getattr(request, "context", None) or {}
    request_id = context.get("requestId") or uuid.uuid4().hex
    started = time.perf_counter()
    headers = getattr(request, "headers", None) or {}
    origin_token = _request_origin.set(headers.get("origin"))
    try:
        return _answer(request, get_response, startup_check, request_id, started)
    finally:
        _request_origin.reset(origin_token)


def _answer(request, get_response, startup_check, request_id: str, started: float) -> Response:
    with logs.context(request_id=request_id):
        try:
            if startup_check:
                startup_check()
        except PageVoiceError as err:
            log.error("refusing requests", extra={"error": err.code, "detail": err.message})
            response = error_response(err)
        except Exception:  # e.g. SSM unreachable or access denied: say so in the log, not to the caller
            log.exception("refusing requests: startup check failed")
            response = error_response(Internal(INTERNAL_MESSAGE))
        else:
            response = _login_guard(request, get_response)
        body = response.body
        if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
            err = _from_chalice(response.status_code, str(body.get("Code")), str(body.get("Message", "")))
            response.body = err.to_dict()
            response.headers["Content-Type"] = "application/json"
        for name, value in CORS.get_access_control_headers().items():
            response.headers.setdefault(name, value)
        _vary_origin(response.headers)  # the answer names the request's origin
        # Answers carry tokens, presigned URLs and people's text: never stored by a cache, and
        # never content-sniffed into something else.
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Request-Id"] = request_id
        log.info("request", extra={
            "method": getattr(request, "method", None), "path": getattr(request, "path", None),
            "status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


LOGIN_PATH = "/auth/login"


def _login_guard(request, get_response) -> Response:
    """POST /auth/login under the per-IP limit on failed sign-ins (credential stuffing: one
    address, many accounts). Here at the edge because a refused attempt must not reach the
    password check at all, and only the edge knows both the address and the outcome."""
    if getattr(request, "method", None) != "POST" or getattr(request, "path", None) != LOGIN_PATH:
        return get_response(request)
    ip = client_ip(request)
    try:
        throttle.check_ip_login(ip)
    except PageVoiceError as err:
        return error_response(err)
    except Exception:  # noqa: BLE001 - the counter store failing must not lock everyone out
        log.exception("per-IP sign-in limit unavailable; the per-account lockout still applies")
    response = get_response(request)
    if response.status_code == 401:
        try:
            throttle.ip_login_failed(ip)
        except Exception:  # noqa: BLE001 - the answer stands; only this failure goes uncounted
            log.exception("could not count a failed sign-in for its address")
    return response


# --- Requests ---

def client_ip(request) -> str:
    """The caller's address as API Gateway saw it (the source of per-IP limits)."""
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"


def json_object(request, *, required: bool = True, max_bytes: int | None = None) -> dict:
    """The request body as a JSON object, or a 400 saying what is wrong with it.

    Parsed from the raw body (not Chalice's json_body) so every failure is ours:
    size, encoding, syntax and shape each get a message. An optional body may be empty.
    `max_bytes`: a route whose body is a list of its own bounds (a lexicon) allows more than
    settings.limits.max_json_body_bytes.
    """
    raw = request.raw_body or b""
    limit = max_bytes or settings.get().limits.max_json_body_bytes
    if len(raw) > limit:
        raise InputError(f"The request body is too large (at most {limit} bytes).")
    if not raw.strip():
        if not required:
            return {}
        raise InputError("The request body must be a JSON object.")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw  # RFC 8259: JSON is UTF-8
    except UnicodeDecodeError:
        raise InputError("The request body must be UTF-8 encoded JSON.") from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise InputError("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InputError("The request body must be a JSON object.")
    try:
        # "\ud800" is valid JSON but not text: a lone surrogate cannot be encoded, so it would
        # make DynamoDB's serializer (and so the route) fail with a 500.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("The request body contains an invalid character (an unpaired \\u escape).") from None
    except RecursionError:  # parsed just under the interpreter's limit, too deep to re-encode
        raise InputError("The request body is not valid JSON.") from None
    return body


def field(body: dict, name: str, kind: type, *, required: bool = True):
    """One typed field of a JSON object: present (when required) and of the right JSON type."""
    if name not in body or body[name] is None:
        if required:
            raise InputError(f"'{name}' is required.", field=name)
        return None
    value = body[name]
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 2e6 and 2000000.0 are whole numbers too
    # bool is an int in Python but not a number in a form.
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError(f"'{name}' must be a whole number.", field=name)
    if kind is str and not isinstance(value, str):
        raise InputError(f"'{name}' must be a string.", field=name)
    if kind is list and not isinstance(value, list):
        raise InputError(f"'{name}' must be a list.", field=name)
    return value


def nullable(body: dict, name: str, kind: type):
    """A field that must be present and may be null (null means "none", e.g. no retention)."""
    if name not in body:
        raise InputError(f"'{name}' is required (null for none).", field=name)
    return field(body, name, kind, required=False)


def strings(body: dict, *names: str) -> tuple:
    """Several required string fields at once, in order."""
    return tuple(field(body, name, str) for name in names)


def query_param(request, name: str) -> str | None:
    return (request.query_params or {}).get(name)


def int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = query_param(request, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"'{name}' must be a whole number.", field=name) from None
    if not low <= value <= high:
        raise InputError(f"'{name}' must be between {low} and {high}.", field=name)
    return value


def found(value, what: str):
    """`value`, or 404 when it is missing. Another user's record is simply missing."""
    if not value:
        raise NotFound(f"No such {what}.")
    return value
