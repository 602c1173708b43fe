"""PageVoice API: a table of contents. Each route calls into chalicelib/.

Routes are CONTRACTS.md section 3, plus /api-keys, /kinds and /openapi.json. Authenticated
routes call `auth.authenticate` first (a session token or an API key, checked on every request).
The worker is not here: it is `chalicelib.jobs.worker.lambda_handler` (a container image, see
the README's "How it works").
"""
from chalice import Chalice

from chalicelib import auth, kinds
from chalicelib.auth import apikeys, tokens, users
from chalicelib.errors import InputError
from chalicelib.jobs import lifecycle, uploads
from chalicelib.web import edge, jobs, openapi

# chalicelib.logs owns logging (JSON lines); Chalice's own handler would print each line twice.
app = Chalice(app_name="pagevoice", configure_logs=False)


@app.middleware("http")
def every_request(request, get_response):
    return edge.middleware(request, get_response, startup_check=auth.check_config)


@app.route("/health", cors=edge.CORS)
def health():
    return {"status": "ok"}


@app.route("/kinds", cors=edge.CORS)
@edge.endpoint
def list_kinds():
    return {"kinds": [kind.public() for kind in kinds.registry().values()], "default": kinds.DEFAULT}


@app.route("/openapi.json", cors=edge.CORS)
@edge.endpoint
def openapi_json():
    return openapi.document(app.routes, openapi.server_url(app.current_request))


# --- Accounts ---

@app.route("/auth/register", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def register():
    request = app.current_request
    body = edge.json_object(request)
    name, email, password, confirmation = edge.strings(body, "name", "email", "password", "password_confirmation")
    user = users.register(name, email, password, confirmation, ip=edge.client_ip(request))
    return edge.json_response({"user": user}, 201)


@app.route("/auth/login", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def login():
    email, password = edge.strings(edge.json_object(app.current_request), "email", "password")
    return users.login(email, password)


@app.route("/auth/logout", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def logout():
    caller = auth.authenticate(app.current_request)
    if caller.method != "session":
        raise InputError("An API key is not a session: delete it with DELETE /api-keys/{id}.")
    tokens.revoke(caller.credential_id)
    return edge.no_content()


@app.route("/me", cors=edge.CORS)
@edge.endpoint
def me():
    caller = auth.authenticate(app.current_request)
    return users.public(edge.found(users.get(caller.user_id), "account"))


# --- API keys ---

@app.route("/api-keys", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def create_api_key():
    caller = auth.authenticate(app.current_request, allow_api_key=False)
    body = edge.json_object(app.current_request, required=False)
    return edge.json_response(apikeys.create(caller.user_id, edge.field(body, "name", str, required=False)), 201)


@app.route("/api-keys", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def list_api_keys():
    caller = auth.authenticate(app.current_request, allow_api_key=False)
    return {"api_keys": apikeys.list_keys(caller.user_id)}


@app.route("/api-keys/{key_id}", methods=["DELETE"], cors=edge.CORS)
@edge.endpoint
def delete_api_key(key_id):
    caller = auth.authenticate(app.current_request, allow_api_key=False)
    edge.found(apikeys.revoke(caller.user_id, key_id), "API key")
    return edge.no_content()


# --- Uploads and jobs ---

@app.route("/uploads", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def create_upload():
    caller = auth.authenticate(app.current_request)
    body = edge.json_object(app.current_request)
    upload = uploads.create(caller.user_id, edge.field(body, "filename", str),
                            edge.field(body, "content_type", str), edge.field(body, "size", int),
                            kind=edge.field(body, "kind", str, required=False))
    return edge.json_response(upload, 201)


@app.route("/jobs", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def list_jobs():
    request = app.current_request
    caller = auth.authenticate(request)
    page, next_cursor = jobs.list_jobs(caller.user_id, limit=edge.int_param(request, "limit", 20, 1, 100),
                                       cursor=edge.query_param(request, "next"))
    return {"jobs": page, "next": next_cursor}


@app.route("/jobs/{job_id}", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def get_job(job_id):
    caller = auth.authenticate(app.current_request)
    return edge.found(jobs.describe(caller.user_id, job_id), "job")


@app.route("/jobs/{job_id}", methods=["DELETE"], cors=edge.CORS)
@edge.endpoint
def delete_job(job_id):
    caller = auth.authenticate(app.current_request)
    edge.found(lifecycle.delete(caller.user_id, job_id), "job")
    return edge.no_content()
