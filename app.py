"""PageVoice API and worker: a table of contents. Each handler calls into chalicelib/.

Routes are CONTRACTS.md section 3, plus /api-keys and /openapi.json. Authenticated routes call
`auth.authenticate` first (a session token or an API key, checked on every request).
"""
import os

from chalice import Chalice

from chalicelib import api, auth, jobs, openapi, resources, settings, uploads
from chalicelib.auth import apikeys, tokens, users
from chalicelib.errors import InputError

# chalicelib.logs owns logging (JSON lines); Chalice's own handler would print each line twice.
app = Chalice(app_name="pagevoice", configure_logs=False)


@app.middleware("http")
def edge(request, get_response):
    return api.middleware(request, get_response, startup_check=auth.check_config)


@app.route("/health", cors=api.CORS)
def health():
    return {"status": "ok"}


@app.route("/openapi.json", cors=api.CORS)
@api.endpoint
def openapi_json():
    return openapi.document(app.routes, openapi.server_url(app.current_request))


# --- Accounts ---

@app.route("/auth/register", methods=["POST"], cors=api.CORS)
@api.endpoint
def register():
    request = app.current_request
    body = api.json_object(request)
    name, email, password, confirmation = api.strings(body, "name", "email", "password", "password_confirmation")
    user = users.register(name, email, password, confirmation, ip=api.client_ip(request))
    return api.json_response({"user": user}, 201)


@app.route("/auth/login", methods=["POST"], cors=api.CORS)
@api.endpoint
def login():
    email, password = api.strings(api.json_object(app.current_request), "email", "password")
    return users.login(email, password)


@app.route("/auth/logout", methods=["POST"], cors=api.CORS)
@api.endpoint
def logout():
    caller = auth.authenticate(app.current_request)
    if caller.method != "session":
        raise InputError("An API key is not a session: delete it with DELETE /api-keys/{id}.")
    tokens.revoke(caller.credential_id)
    return api.no_content()


@app.route("/me", cors=api.CORS)
@api.endpoint
def me():
    caller = auth.authenticate(app.current_request)
    return users.public(api.found(users.get(caller.user_id), "account"))


# --- API keys ---

@app.route("/api-keys", methods=["POST"], cors=api.CORS)
@api.endpoint
def create_api_key():
    caller = auth.authenticate(app.current_request)
    body = api.json_object(app.current_request, required=False)
    return api.json_response(apikeys.create(caller.user_id, api.field(body, "name", str, required=False)), 201)


@app.route("/api-keys", methods=["GET"], cors=api.CORS)
@api.endpoint
def list_api_keys():
    caller = auth.authenticate(app.current_request)
    return {"api_keys": apikeys.list_keys(caller.user_id)}


@app.route("/api-keys/{key_id}", methods=["DELETE"], cors=api.CORS)
@api.endpoint
def delete_api_key(key_id):
    caller = auth.authenticate(app.current_request)
    api.found(apikeys.revoke(caller.user_id, key_id), "API key")
    return api.no_content()


# --- Uploads and jobs ---

@app.route("/uploads", methods=["POST"], cors=api.CORS)
@api.endpoint
def create_upload():
    caller = auth.authenticate(app.current_request)
    body = api.json_object(app.current_request)
    upload = uploads.create(caller.user_id, api.field(body, "filename", str),
                            api.field(body, "content_type", str), api.field(body, "size", int))
    return api.json_response(upload, 201)


@app.route("/jobs", methods=["GET"], cors=api.CORS)
@api.endpoint
def list_jobs():
    request = app.current_request
    caller = auth.authenticate(request)
    page, next_cursor = jobs.list_jobs(caller.user_id, limit=api.int_param(request, "limit", 20, 1, 100),
                                       cursor=api.query_param(request, "next"))
    return {"jobs": page, "next": next_cursor}


@app.route("/jobs/{job_id}", methods=["GET"], cors=api.CORS)
@api.endpoint
def get_job(job_id):
    caller = auth.authenticate(app.current_request)
    return api.found(jobs.describe(caller.user_id, job_id), "job")


@app.route("/jobs/{job_id}", methods=["DELETE"], cors=api.CORS)
@api.endpoint
def delete_job(job_id):
    caller = auth.authenticate(app.current_request)
    api.found(jobs.delete(caller.user_id, job_id), "job")
    return api.no_content()


# --- The OCR worker ---
# Locally (`make run`, tests) this is the handler the bridge calls with S3 events. Deployed,
# the worker is a container-image Lambda (infra/) and `chalice package` must not see it: SAM
# refuses S3 events, and the API zip must not carry the ML stack (imported lazily below).
if os.environ.get("PAGEVOICE_PACKAGING") != "1":
    @app.on_s3_event(bucket=settings.get().bucket, events=resources.BUCKET["notification_events"],
                     prefix=resources.UPLOAD_PREFIX)
    def on_upload(event):
        from chalicelib import worker

        worker.handle_upload(event.bucket, event.key, event.context)
