"""The OpenAPI 3.1 description of the HTTP API (CONTRACTS section 3), served at GET /openapi.json.

Built in code next to the routes it describes: `document(app.routes)` refuses to describe
an app with a route that has no entry here (and an entry with no route), so the two cannot
drift. Schemathesis (tests/hardening, bench/fuzz.py) generates requests from it, and checks
every answer against it: statuses, content types and body shapes.
"""
from __future__ import annotations

from chalicelib import jobs, settings, uploads
from chalicelib.auth import apikeys, passwords, users

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_STRING = {"type": "string"}
# api.clean_text: not blank, no control characters (Unicode category Cc).
_CC = r"\u0000-\u001f\u007f-\u009f"
_TEXT_PATTERN = rf"^[^{_CC}]*[^\s{_CC}][^{_CC}]*$"


def _text(max_len: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_len, "pattern": _TEXT_PATTERN}


_TIME = {"type": "string", "format": "date-time"}
_BOX = {"type": "array", "minItems": 4, "maxItems": 4,
        "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}}}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string", "description": "machine-readable code, e.g. bad_request"},
                       "message": {"type": "string", "minLength": 1, "description": "a sentence for people"},
                       "field": {"type": "string", "description": "the input field at fault"},
                       "retry_after": {"type": "integer", "minimum": 1}},
    },
    "GatewayError": {  # API Gateway's (and `chalice local`'s) own answer, before our code runs
        "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}},
    },
    "User": {
        "type": "object", "required": ["id", "name", "email"], "additionalProperties": False,
        "properties": {"id": _STRING, "name": _STRING, "email": _STRING},
    },
    "Register": {
        "type": "object", "required": ["name", "email", "password", "password_confirmation"],
        "description": "password_confirmation must equal password, which must not be a common one.",
        "properties": {"name": _text(users.NAME_MAX),
                       "email": {"type": "string", "format": "email", "maxLength": users.EMAIL_MAX},
                       "password": {"type": "string", "minLength": passwords.MIN_LENGTH,
                                    "maxLength": passwords.MAX_LENGTH},
                       "password_confirmation": {"type": "string"}},
    },
    "Login": {
        "type": "object", "required": ["email", "password"],
        "properties": {"email": {"type": "string", "format": "email"}, "password": _STRING},
    },
    "Session": {
        "type": "object", "required": ["token", "expires_at", "user"],
        "properties": {"token": _STRING, "expires_at": _TIME, "user": _ref("User")},
    },
    "ApiKey": {
        "type": "object", "required": ["id", "name", "prefix", "created_at", "last_used_at"],
        "properties": {"id": {"type": "string", "pattern": apikeys._KEY_ID.pattern}, "name": _STRING,
                       "prefix": _STRING, "created_at": _TIME, "last_used_at": _nullable(_TIME)},
    },
    "NewApiKey": {
        "type": "object", "required": ["api_key", "key"],
        "properties": {"api_key": _ref("ApiKey"),
                       "key": {"type": "string", "description": "shown once; send it as X-Api-Key"}},
    },
    "UploadRequest": {
        "type": "object", "required": ["filename", "content_type", "size"],
        "properties": {"filename": _text(uploads.FILENAME_MAX),
                       "content_type": {"type": "string", "enum": list(uploads.ALLOWED_TYPES)},
                       "size": {"type": "integer", "minimum": 1}},  # its maximum is a setting: _with_settings
    },
    "Upload": {
        "type": "object", "required": ["job_id", "upload"],
        "properties": {
            "job_id": _ref("JobId"),
            "upload": {"type": "object", "required": ["url", "fields"],
                       "description": "a presigned POST: send `fields`, then the file as `file`",
                       "properties": {"url": _STRING,
                                      "fields": {"type": "object", "additionalProperties": _STRING}}},
            "expires_in": {"type": "integer", "minimum": 1, "maximum": uploads.POLICY_MAX_SECONDS},
        },
    },
    "JobId": {"type": "string", "pattern": jobs._JOB_ID.pattern, "description": "a ULID"},
    "Status": {"type": "string", "enum": list(jobs.STATUSES)},
    "JobSummary": {
        "type": "object", "required": ["job_id", "status", "filename", "created_at"],
        "properties": {"job_id": _ref("JobId"), "status": _ref("Status"), "filename": _STRING,
                       "created_at": _TIME, "updated_at": _TIME, "error": _nullable(_STRING)},
    },
    "JobPage": {
        "type": "object", "required": ["jobs", "next"],
        "properties": {"jobs": {"type": "array", "items": _ref("JobSummary")},
                       "next": _nullable({"type": "string", "description": "pass as ?next= for the next page"})},
    },
    "Job": {
        "type": "object",
        "required": ["job_id", "status", "filename", "created_at", "error", "result", "audio_url", "image_url"],
        "properties": {
            "job_id": _ref("JobId"), "status": _ref("Status"), "filename": _STRING,
            "content_type": _nullable(_STRING), "size": _nullable({"type": "integer"}),
            "created_at": _TIME, "updated_at": _nullable(_TIME),
            "error": _nullable({"type": "string", "description": "why a failed job failed, for people"}),
            "timings_ms": _nullable({"type": "object", "additionalProperties": {"type": "number"}}),
            "summary": _nullable({"type": "object"}),
            "result": _nullable(_ref("OcrResult")),
            "audio_url": _nullable({"type": "string", "description": "presigned GET of speech.wav"}),
            "image_url": {"type": "string", "description": "presigned GET of the uploaded image"},
        },
    },
    "OcrResult": {  # CONTRACTS section 1
        "type": "object", "required": ["schema", "engine", "width", "height", "text", "lines", "timings_ms"],
        "properties": {
            "schema": {"const": 1}, "engine": _STRING, "engine_version": _STRING,
            "width": {"type": "integer", "minimum": 1}, "height": {"type": "integer", "minimum": 1},
            "text": _STRING,
            "lines": {"type": "array", "items": {
                "type": "object", "required": ["text", "confidence", "box", "words"],
                "properties": {"text": _STRING, "confidence": {"type": "number"}, "box": _BOX,
                               "words": {"type": "array", "items": {
                                   "type": "object", "required": ["text", "confidence", "box"],
                                   "properties": {"text": _STRING, "confidence": {"type": "number"},
                                                  "box": _BOX}}}}}},
            "timings_ms": {"type": "object"},
            "speech": {  # an extension: present when there is a recording
                "type": "object", "required": ["engine", "seconds", "characters", "complete"],
                "properties": {"engine": _STRING, "seconds": {"type": "number"},
                               "characters": {"type": "integer", "description": "how much of `text` was spoken"},
                               "complete": {"type": "boolean",
                                            "description": "false when the text was too long to record in time"}}},
        },
    },
}


def _error(description: str, schema: str = "Error", headers: dict | None = None) -> dict:
    out = {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}
    if headers:
        out["headers"] = headers
    return out


def _ok(description: str, schema: dict | None = None) -> dict:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}
BAD_REQUEST = _error("The input is wrong; `message` says how (never a 500).")
UNAUTHORIZED = _error("No valid session token or API key.")
NOT_FOUND = _error("Missing, or not the caller's (the same answer either way).")
THROTTLED = _error("Too many attempts; wait `Retry-After` seconds.", headers=_RETRY_AFTER)
UNSUPPORTED = _error("The request's Content-Type is not application/json.")
NO_ROUTE = _error("A path parameter that is empty or holds '/' matches no route (API Gateway answers).",
                  "GatewayError")
SECURED = [{"bearer": []}, {"apiKey": []}]


def _body(schema: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": _ref(schema)}}}


def _path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


# (method, path) -> the operation, without the responses every operation shares.
OPERATIONS = {
    ("GET", "/health"): {
        "operationId": "health", "summary": "Liveness", "security": [],
        "responses": {"200": _ok("Up.", {"type": "object", "required": ["status"],
                                         "properties": {"status": {"const": "ok"}}})}},
    ("GET", "/openapi.json"): {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": _ok("The OpenAPI description.", {"type": "object"})}},
    ("POST", "/auth/register"): {
        "operationId": "register", "summary": "Create an account", "security": [],
        "requestBody": _body("Register"),
        "responses": {"201": _ok("Created.", {"type": "object", "required": ["user"],
                                              "properties": {"user": _ref("User")}}),
                      "400": BAD_REQUEST, "409": _error("An account with this email exists."),
                      "429": THROTTLED}},
    ("POST", "/auth/login"): {
        "operationId": "login", "summary": "Sign in: a session token", "security": [],
        "requestBody": _body("Login"),
        "responses": {"200": _ok("Signed in.", _ref("Session")), "400": BAD_REQUEST,
                      "401": _error("The email or password is incorrect (one answer for every cause)."),
                      "429": THROTTLED}},
    ("POST", "/auth/logout"): {
        "operationId": "logout", "summary": "End this session (the token stops working)",
        "security": [{"bearer": []}],
        "responses": {"204": _ok("Signed out."), "400": _error("An API key is not a session."),
                      "401": UNAUTHORIZED}},
    ("GET", "/me"): {
        "operationId": "me", "summary": "The caller's account",
        "responses": {"200": _ok("The account.", _ref("User")), "401": UNAUTHORIZED, "404": NOT_FOUND}},
    ("POST", "/api-keys"): {
        "operationId": "createApiKey", "summary": "A new API key (shown once)",
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": _nullable(_text(apikeys.NAME_MAX))}}}}},  # null: the default
        "responses": {"201": _ok("Created.", _ref("NewApiKey")), "400": BAD_REQUEST, "401": UNAUTHORIZED,
                      "409": _error("Too many API keys.")}},
    ("GET", "/api-keys"): {
        "operationId": "listApiKeys", "summary": "The caller's API keys (never the secrets)",
        "responses": {"200": _ok("The keys.", {"type": "object", "required": ["api_keys"], "properties": {
            "api_keys": {"type": "array", "items": _ref("ApiKey")}}}), "401": UNAUTHORIZED}},
    ("DELETE", "/api-keys/{key_id}"): {
        "operationId": "deleteApiKey", "summary": "Revoke one of the caller's API keys",
        "parameters": [_path("key_id", {"type": "string", "pattern": apikeys._KEY_ID.pattern}, "the key's id")],
        "responses": {"204": _ok("Revoked."), "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND}},
    ("POST", "/uploads"): {
        "operationId": "createUpload", "summary": "A job and a presigned POST for its image",
        "requestBody": _body("UploadRequest"),
        "responses": {"201": _ok("Upload the file with the presigned POST.", _ref("Upload")),
                      "400": BAD_REQUEST, "401": UNAUTHORIZED, "429": THROTTLED}},
    ("GET", "/jobs"): {
        "operationId": "listJobs", "summary": "The caller's jobs, newest first",
        "parameters": [
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
            {"name": "next", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "the `next` of the previous page"}],
        "responses": {"200": _ok("One page.", _ref("JobPage")), "400": BAD_REQUEST, "401": UNAUTHORIZED}},
    ("GET", "/jobs/{job_id}"): {
        "operationId": "getJob", "summary": "One job: status, reason, result and download URLs",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "responses": {"200": _ok("The job.", _ref("Job")), "401": UNAUTHORIZED, "403": NO_ROUTE,
                      "404": NOT_FOUND}},
    ("DELETE", "/jobs/{job_id}"): {
        "operationId": "deleteJob", "summary": "Remove a job, its image and its outputs",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "responses": {"204": _ok("Removed."), "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND}},
}


def _with_settings(schemas: dict) -> dict:
    """The schemas with the limits that are settings (read per request, like the routes do)."""
    upload = schemas["UploadRequest"]
    size = {**upload["properties"]["size"], "maximum": settings.get().max_upload_bytes}
    return {**schemas, "UploadRequest": {**upload, "properties": {**upload["properties"], "size": size}}}


def server_url(request) -> str:
    """Where the API is mounted, as the caller reached it: API Gateway's `path` includes the
    stage (or a custom domain's base path), `resourcePath` does not."""
    context = getattr(request, "context", None) or {}
    path, resource = context.get("path") or "", context.get("resourcePath") or ""
    base = path[:-len(resource)] if resource and path.endswith(resource) else ""
    return base.rstrip("/") or "/"


def document(routes: dict, server_url: str = "/") -> dict:
    """The OpenAPI document for `routes` (a Chalice app's `app.routes`: path -> {method: entry})."""
    served = {(method, path) for path, methods in routes.items() for method in methods}
    missing, extra = served - set(OPERATIONS), set(OPERATIONS) - served
    if missing or extra:
        raise ValueError(f"openapi.OPERATIONS is out of step with the routes: undescribed {sorted(missing)}, "
                         f"no such route {sorted(extra)}")
    paths: dict = {}
    for (method, path), op in sorted(OPERATIONS.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        op = {**op, "responses": {**op["responses"], "415": UNSUPPORTED}}
        if "security" not in op:
            op["security"] = SECURED
        paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "PageVoice API", "version": VERSION,
                 "description": "Photos of text in, text and speech out. Every error is a JSON body "
                                "with a human-readable `message`."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": _with_settings(SCHEMAS),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "the token from POST /auth/login"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                           "description": "a key from POST /api-keys"},
            },
        },
    }
