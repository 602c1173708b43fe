"""PageVoice API: a table of contents. Each route calls into chalicelib/.

Routes are CONTRACTS.md sections 3 and 12, plus /api-keys, /kinds and /openapi.json. Authenticated
routes call `auth.authenticate` first (a session token or an API key, checked on every request).
The worker is not here: it is `chalicelib.jobs.worker.lambda_handler` (a container image, see
docs/how-it-works.md).
"""
from chalice import Chalice

from chalicelib import auth, kinds, languages, voices
from chalicelib.account import erase, export, password, verification
from chalicelib.auth import apikeys, pronunciations, tokens, users
from chalicelib.books import export as books
from chalicelib.errors import InputError
from chalicelib.feeds import episodes as feeds
from chalicelib.feeds import secret as feed_secret
from chalicelib.jobs import lifecycle, listening, speaker_names, uploads
from chalicelib.voices import samples
from chalicelib.web import edge, job_view, openapi

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


@app.route("/languages", cors=edge.CORS)
@edge.endpoint
def list_languages():
    return {"languages": voices.language_table(), "voices": languages.voices_note()}


@app.route("/voices", cors=edge.CORS)
@edge.endpoint
def list_voices():
    return {"voices": voices.public(openapi.api_url(app.current_request))}


@app.route("/voices/{voice_id}/sample", cors=edge.CORS)
@edge.endpoint
def voice_sample(voice_id):
    request = app.current_request
    body, status = edge.found(samples.ask(voice_id, edge.query_param(request, "language")), "voice")
    return edge.json_response(body, status, {"Retry-After": str(body["retry_after"])} if status == 202 else None)


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
    verification.start(user["id"])
    return edge.json_response({"user": user}, 201)


@app.route("/auth/login", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def login():
    email, password = edge.strings(edge.json_object(app.current_request), "email", "password")
    return users.login(email, password, openapi.api_url(app.current_request))


@app.route("/auth/logout", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def logout():
    caller = auth.authenticate(app.current_request)
    if caller.method != "session":
        raise InputError("An API key is not a session: delete it with DELETE /api-keys/{id}.")
    tokens.revoke(caller.user_id, caller.credential_id, caller.expires_at)
    return edge.no_content()


@app.route("/me", cors=edge.CORS)
@edge.endpoint
def me():
    caller = auth.authenticate(app.current_request)
    return users.me(edge.found(users.get(caller.user_id), "account"), openapi.api_url(app.current_request))


# --- Account self-service (CONTRACTS section 12) ---

@app.route("/me", methods=["PATCH"], cors=edge.CORS)
@edge.endpoint
def update_me():
    caller = auth.session(app.current_request)
    body = edge.json_object(app.current_request)
    if "feed" in body:  # the account's podcast feed: on, off or a new address (CONTRACTS section 18)
        feed_secret.switch(caller.user_id, body["feed"])
    if "voices" in body:  # the account's voice per language (CONTRACTS section 16)
        users.set_voices(caller.user_id, body["voices"])
    if "retention_days" in body or not {"feed", "voices"} & body.keys():
        users.set_retention(caller.user_id, edge.nullable(body, "retention_days", int))
    return users.public(users.current(caller.user_id), openapi.api_url(app.current_request))


@app.route("/me", methods=["DELETE"], cors=edge.CORS)
@edge.endpoint
def delete_me():
    caller = auth.session(app.current_request)
    erase.delete_account(caller.user_id, *edge.strings(edge.json_object(app.current_request), "password"))
    return edge.no_content()


@app.route("/auth/password", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def change_password():
    caller = auth.session(app.current_request)
    body = edge.json_object(app.current_request)
    password.change(caller.user_id, caller.credential_id,
                    *edge.strings(body, "current_password", "new_password", "new_password_confirmation"))
    return edge.no_content()


@app.route("/auth/password-reset", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def request_password_reset():
    request = app.current_request
    email, = edge.strings(edge.json_object(request), "email")
    return edge.json_response(password.request_reset(email, edge.client_ip(request)), 202)


@app.route("/auth/password-reset/confirm", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def confirm_password_reset():
    body = edge.json_object(app.current_request)
    password.confirm_reset(*edge.strings(body, "token", "new_password", "new_password_confirmation"))
    return edge.no_content()


@app.route("/auth/verify-email", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def verify_email():
    verification.confirm(*edge.strings(edge.json_object(app.current_request), "token"))
    return edge.no_content()


@app.route("/auth/verify-email/resend", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def resend_verification():
    caller = auth.session(app.current_request)
    return edge.json_response(verification.resend(caller.user_id), 202)


@app.route("/auth/logout-everywhere", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def logout_everywhere():
    caller = auth.session(app.current_request)
    tokens.end_sessions(caller.user_id)
    return edge.no_content()


@app.route("/me/export", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def start_export():
    caller = auth.authenticate(app.current_request)
    return edge.json_response({"export": export.start(caller.user_id)}, 202)


@app.route("/me/export", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def get_export():
    caller = auth.authenticate(app.current_request)
    current = export.status(caller.user_id)
    return edge.json_response({"export": current}, 202 if current["status"] in export.UNFINISHED else 200)


# --- API keys ---

@app.route("/api-keys", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def create_api_key():
    caller = auth.session(app.current_request)
    body = edge.json_object(app.current_request, required=False)
    return edge.json_response(apikeys.create(caller.user_id, edge.field(body, "name", str, required=False)), 201)


@app.route("/api-keys", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def list_api_keys():
    caller = auth.session(app.current_request)
    return {"api_keys": apikeys.list_keys(caller.user_id)}


@app.route("/api-keys/{key_id}", methods=["DELETE"], cors=edge.CORS)
@edge.endpoint
def delete_api_key(key_id):
    caller = auth.session(app.current_request)
    edge.found(apikeys.revoke(caller.user_id, key_id), "API key")
    return edge.no_content()


# --- Uploads and jobs ---

@app.route("/uploads", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def create_upload():
    caller = auth.authenticate(app.current_request)
    body = edge.json_object(app.current_request)
    if "url" in body:  # read by link (CONTRACTS section 18): its worker fetches it
        link = uploads.create_link(caller.user_id, edge.field(body, "url", str),
                                   kind=edge.field(body, "kind", str, required=False),
                                   language=edge.field(body, "language", str, required=False),
                                   voice=edge.field(body, "voice", str, required=False),
                                   skip=edge.field(body, "skip", list, required=False))
        return edge.json_response(link, 201)
    upload = uploads.create(caller.user_id, edge.field(body, "filename", str),
                            edge.field(body, "content_type", str), edge.field(body, "size", int),
                            kind=edge.field(body, "kind", str, required=False),
                            language=edge.field(body, "language", str, required=False),
                            voice=edge.field(body, "voice", str, required=False),
                            skip=edge.field(body, "skip", list, required=False))
    return edge.json_response(upload, 201)


@app.route("/uploads/{job_id}/parts", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def upload_parts(job_id):
    caller = auth.authenticate(app.current_request)
    return edge.found(uploads.parts(caller.user_id, job_id), "upload")


@app.route("/uploads/{job_id}/complete", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def complete_upload(job_id):
    caller = auth.authenticate(app.current_request)
    return edge.found(uploads.complete(caller.user_id, job_id), "upload")


@app.route("/jobs", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def list_jobs():
    request = app.current_request
    caller = auth.authenticate(request)
    page, next_cursor = job_view.list_jobs(caller.user_id, limit=edge.int_param(request, "limit", 20, 1, 100),
                                           cursor=edge.query_param(request, "next"))
    return {"jobs": page, "next": next_cursor}


@app.route("/jobs/{job_id}", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def get_job(job_id):
    request = app.current_request
    caller = auth.authenticate(request)
    pages = job_view.page_range(edge.query_param(request, "pages"))
    return edge.found(job_view.describe(caller.user_id, job_id, pages=pages), "job")


@app.route("/jobs/{job_id}", methods=["DELETE"], cors=edge.CORS)
@edge.endpoint
def delete_job(job_id):
    caller = auth.authenticate(app.current_request)
    uploads.abandon(caller.user_id, job_id)
    edge.found(lifecycle.delete(caller.user_id, job_id), "job")
    return edge.no_content()


# --- Listening (CONTRACTS section 14) ---

@app.route("/jobs/{job_id}/position", methods=["PUT"], cors=edge.CORS)
@edge.endpoint
def save_position(job_id):
    caller = auth.authenticate(app.current_request)
    edge.found(listening.save(caller.user_id, job_id, edge.json_object(app.current_request)), "job")
    return edge.no_content()


@app.route("/jobs/{job_id}/speakers", methods=["PATCH"], cors=edge.CORS)
@edge.endpoint
def name_speakers(job_id):
    caller = auth.authenticate(app.current_request)
    return edge.found(speaker_names.rename(caller.user_id, job_id, edge.json_object(app.current_request)), "job")


@app.route("/me/lexicon", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def get_lexicon():
    caller = auth.session(app.current_request)
    return pronunciations.public(pronunciations.get(caller.user_id))


@app.route("/me/lexicon", methods=["PUT"], cors=edge.CORS)
@edge.endpoint
def put_lexicon():
    caller = auth.session(app.current_request)
    body = edge.json_object(app.current_request, max_bytes=pronunciations.MAX_BODY_BYTES)
    return pronunciations.public(pronunciations.replace(caller.user_id, edge.field(body, "entries", list)))


@app.route("/jobs/{job_id}/recording", methods=["POST"], cors=edge.CORS)
@edge.endpoint
def record_again(job_id):
    caller = auth.authenticate(app.current_request)
    body = edge.json_object(app.current_request, required=False)  # {"voice": id or null}: another voice
    voice = body.get("voice", lifecycle.KEEP)
    return edge.json_response(edge.found(lifecycle.record_again(caller.user_id, job_id, voice), "job"), 202)


@app.route("/jobs/{job_id}/export", methods=["GET"], cors=edge.CORS)
@edge.endpoint
def export_book(job_id):
    request = app.current_request
    caller = auth.authenticate(request)
    body, status = edge.found(books.ask(caller.user_id, job_id, edge.query_param(request, "format")), "job")
    return edge.json_response(body, status, {"Retry-After": str(books.POLL_SECONDS)} if status == 202 else None)


# --- The account's podcast feed (CONTRACTS section 18): no sign-in, the secret in the address ---

# (One name for the second part of both paths: API Gateway allows one variable among siblings.)
@app.route("/feeds/{feed}", cors=edge.CORS)
@edge.endpoint
def podcast_feed(feed):  # "<secret>.xml"
    answer = edge.found(feeds.feed(feed, openapi.api_url(app.current_request)), "feed")
    return edge.document(answer.body, answer.content_type)


@app.route("/feeds/{feed}/{file}", cors=edge.CORS)
@edge.endpoint
def podcast_file(feed, file):  # the secret; "<job id>.mp3" (or .json, .vtt, .jpg)
    answer = edge.found(feeds.file(feed, file), "episode")
    return edge.redirect(answer.location) if answer.location else edge.document(answer.body, answer.content_type)
