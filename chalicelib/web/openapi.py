"""The OpenAPI 3.1 description of the HTTP API (CONTRACTS section 3), served at GET /openapi.json.

Built in code next to the routes it describes: `document(app.routes)` refuses to describe
an app with a route that has no entry here (and an entry with no route), so the two cannot
drift. Schemathesis (tests/hardening, bench/fuzz.py) generates requests from it, and checks
every answer against it: statuses, content types and body shapes.
"""
from __future__ import annotations

from chalicelib import kinds, languages, structure, voices
from chalicelib.auth import apikeys, passwords, users
from chalicelib.books import FORMATS
from chalicelib.errors import InputError
from chalicelib.jobs import keys, listening, speaker_names, uploads
from chalicelib.jobs import table as jobs
from chalicelib.kinds import pronunciation

VERSION = "1.0.0"


# An address read by link, as POST /uploads takes it (chalicelib.links.fetch.checked_url): http(s),
# a site name, no user name or password, no spaces or control characters.
LINK_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,4})?([/?#][^\s\x00-\x1f]*)?$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_STRING = {"type": "string"}
# validation.clean_text: not blank, no control characters (Unicode category Cc).
_CC = r"\u0000-\u001f\u007f-\u009f"
_TEXT_PATTERN = rf"^[^{_CC}]*[^\s{_CC}][^{_CC}]*$"


def _text(max_len: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_len, "pattern": _TEXT_PATTERN}


_TIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string", "description": "machine-readable code, e.g. bad_request"},
                       "message": {"type": "string", "minLength": 1, "description": "a sentence for people"},
                       "field": {"type": "string", "description": "the input field at fault"},
                       "retry_after": {"type": "integer", "minimum": 1},
                       "quota": {"enum": ["storage", "pages"], "description": "error quota_exceeded: which quota "
                                                                            "the upload would pass"}},
    },
    "GatewayError": {  # API Gateway's (and `chalice local`'s) own answer, before our code runs
        "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}},
    },
    "User": {
        "type": "object", "required": ["id", "name", "email"], "additionalProperties": False,
        "properties": {"id": _STRING, "name": _STRING, "email": _STRING,
                       "email_verified": {"type": "boolean", "description": "only a verified address gets "
                                                                            "password-reset links"},
                       "created_at": _nullable(_TIME),
                       "retention_days": _nullable({"type": "integer", "minimum": 1, "description":
                                                    "files are deleted this many days after upload; null: kept"}),
                       "voices": {"type": "object", "additionalProperties": _STRING,
                                  "description": "the voice chosen per language ({code: id of GET /voices}); "
                                                 "other languages speak in their default"},
                       "feed_url": _nullable({"type": "string", "description": (
                           "the account's private podcast feed (RSS 2.0, no sign-in: the address is the key); "
                           "null while it is off. In GET /me and PATCH /me only")})},
    },
    "Usage": {
        "type": "object", "required": ["storage_bytes", "storage_quota_bytes", "pages_30_days", "pages_quota"],
        "properties": {"storage_bytes": {"type": "integer", "minimum": 0,
                                         "description": "the sizes of the account's uploads, as given at POST /uploads"},
                       "storage_quota_bytes": {"type": "integer", "minimum": 0},
                       "pages_30_days": {"type": "integer", "minimum": 0,
                                         "description": "pages read for the account in the last 30 days (UTC, today "
                                                        "included), counted as each job finishes"},
                       "pages_quota": {"type": "integer", "minimum": 0}}},
    "Book": {
        "type": "object", "required": ["url", "format"],
        "properties": {"url": {"type": "string", "description": "presigned GET of the book (15 minutes), "
                                                                "downloaded as the job's file name with the "
                                                                "format's suffix"},
                       "format": {"enum": list(FORMATS)}, "size": {"type": "integer", "minimum": 0},
                       "left_out": {"type": "array", "description": "what the format's own bounds left out of the "
                                                                   "book or cut (empty when nothing)",
                                    "items": _ref("LeftOut")}}},
    "LeftOut": {
        "type": "object", "required": ["what", "count", "limit", "message"],
        "properties": {"what": {"enum": ["chapters", "chapter_titles", "page_labels", "text", "title", "parts"],
                                "description": "chapters: headings not made chapters (an MP3, an M4B and a ZIP of "
                                               "chapters list at most 255, "
                                               "the finest levels left out first); chapter_titles, page_labels: "
                                               "names cut in the contents or page list; text: the MP3 tag's copy of "
                                               "the text; title: the book's title; parts: a book's recording parts that "
                                               "could not be made (its sections that failed: their words are "
                                               "not heard)"},
                       "count": {"type": "integer", "minimum": 1, "description": "headings left out, names cut, "
                                                                                 "characters cut (text, title), or "
                                                                                 "parts not made"},
                       "limit": {"type": "integer", "minimum": 1, "description": "the bound (chapters, characters)"},
                       "message": {"type": "string", "minLength": 1, "description": "the same for a person"}}},
    "BookProgress": {
        "type": "object", "required": ["format", "status", "progress"],
        "properties": {"format": {"enum": list(FORMATS)}, "status": {"enum": ["queued", "building", "recording"]},
                       "progress": {"type": "number", "minimum": 0, "maximum": 1,
                                    "description": "the share of the book made (recording: of its recording)"},
                       # A book (CONTRACTS section 15) recorded only where someone listened: the rest
                       # is being recorded first.
                       "sections_left": {"type": "integer", "minimum": 0,
                                         "description": "recording: the book's sections not recorded yet"},
                       "seconds_left": {"type": "integer", "minimum": 0,
                                        "description": "recording: about how long the rest takes to record"}}},
    "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string", "minLength": 1}}},
    "NewPassword": {
        "type": "object", "required": ["new_password", "new_password_confirmation"],
        "description": "new_password_confirmation must equal new_password, which follows the sign-up rules.",
        "properties": {"new_password": {"type": "string", "minLength": passwords.MIN_LENGTH,
                                        "maxLength": passwords.MAX_LENGTH},
                       "new_password_confirmation": _STRING},
    },
    "ChangePassword": {"allOf": [_ref("NewPassword"), {"type": "object", "required": ["current_password"],
                                                       "properties": {"current_password": _STRING}}]},
    "ResetConfirm": {"allOf": [_ref("NewPassword"), {"type": "object", "required": ["token"], "properties": {
        "token": {"type": "string", "description": "from the mailed link (#/reset/<token>)"}}}]},
    "ResetRequest": {"type": "object", "required": ["email"],
                     "properties": {"email": {"type": "string", "format": "email", "maxLength": users.EMAIL_MAX}}},
    "LinkToken": {"type": "object", "required": ["token"], "properties": {
        "token": {"type": "string", "description": "from the mailed link (#/verify/<token>)"}}},
    "Password": {"type": "object", "required": ["password"], "properties": {"password": _STRING}},
    "Retention": {"type": "object", "description": "retention_days, voices, feed or several", "properties": {
        "retention_days": _nullable({"type": "integer", "minimum": 1, "maximum": 3650}),
        "voices": {"type": "object", "additionalProperties": _nullable({"type": "string"}),
                   "description": "the account's voice per language: {code: id of GET /voices}; null: back to the "
                                  "language's default; languages left out keep theirs (CONTRACTS section 16)"},
        "feed": {"oneOf": [{"type": "boolean"}, {"const": "rotate"}],
                 "description": "the podcast feed: true on, false off, \"rotate\" a new address (the old one is a "
                                "404 at once; CONTRACTS section 18)"}},
                  "anyOf": [{"required": ["retention_days"]}, {"required": ["voices"]}, {"required": ["feed"]}]},
    "Export": {
        "type": "object", "required": ["export"], "properties": {"export": {
            "type": "object", "required": ["id", "status", "created_at", "progress"],
            "properties": {"id": _STRING, "status": {"type": "string", "enum": ["queued", "building", "ready", "failed"]},
                           "created_at": _TIME,
                           "progress": {"type": "object", "required": ["done", "total"],
                                        "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}}},
                           "url": {"type": "string", "description": "ready: presigned GET of the zip (15 minutes)"},
                           "size": {"type": "integer"}, "expires_at": _TIME,
                           "complete": {"type": "boolean", "description": "false: the zip stopped at its size cap "
                                                                          "(its README.txt lists what is left out)"},
                           "message": {"type": "string", "description": "failed: why"}}}},
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
        "type": "object",
        "description": "content_type must be one the kind reads (GET /kinds); size at most its max_bytes (a document: "
                       "its max_document_bytes). Or, instead of filename, content_type and size, `url` "
                       "(CONTRACTS section 18): its worker fetches the address and reads what comes back.",
        "properties": {"url": {"type": "string", "maxLength": 2048, "pattern": LINK_PATTERN,
                               "description": "read by link: an http or https address on the open internet "
                                              "(no user name or password in it)"},
                       "filename": _text(uploads.FILENAME_MAX),
                       "content_type": {"type": "string", "minLength": 1},
                       "size": {"type": "integer", "minimum": 1},  # its maximum is a setting: _with_settings
                       "kind": _nullable({"type": "string", "description": "the kind of job (default page)"}),
                       "language": _nullable({"type": "string", "description": "\"auto\" (default: detect it) or a "
                                              "code of GET /languages the kind can use"}),
                       "skip": _nullable({"type": "array", "items": {"enum": list(structure.ROLES)},
                                          "description": "page kind: roles of the document's blocks not to speak "
                                                         "(default: page-header, page-footer, page-number, "
                                                         "footnote); [] speaks everything (CONTRACTS section 13)"}),
                       "voice": _nullable({"type": "string",
                                           "description": "an id of GET /voices to read it aloud with, in the "
                                                          "languages that voice speaks (the others in the account's "
                                                          "or the language's default); kinds that read aloud"})},
    },
    "Upload": {
        "type": "object", "required": ["job_id"],
        "description": "`upload` (the form or the multipart parts to send the file with), or, read by link, `link`",
        "properties": {
            "job_id": _ref("JobId"), "kind": _STRING, "language": _STRING,
            "link": {"type": "string", "description": "read by link: the address its worker fetches"},
            "skip": {"type": "array", "items": _STRING, "description": "the roles not spoken, when the upload set them"},
            "voice": {"type": "string", "description": "the voice chosen, when the upload chose one"},
            "upload": {"oneOf": [
                {"type": "object", "required": ["url", "fields"],
                 "description": "a presigned POST: send `fields`, then the file as `file`",
                 "properties": {"url": _STRING, "fields": {"type": "object", "additionalProperties": _STRING}}},
                {"type": "object", "required": ["multipart"],
                 "description": "a file over the multipart threshold (CONTRACTS section 15): PUT each part's bytes "
                                "to its URL, then POST /uploads/{job_id}/complete",
                 "properties": {"multipart": _ref("Multipart")}}]},
            "expires_in": {"type": "integer", "minimum": 1, "maximum": uploads.POLICY_MAX_SECONDS},
        },
    },
    "Multipart": {
        "type": "object", "required": ["upload_id", "size", "part_bytes", "count", "parts", "received", "expires_in",
                                       "resume", "complete"],
        "description": "A multipart upload to S3 in progress. Part n holds bytes (n-1)*part_bytes to n*part_bytes "
                       "(the last part the rest); parts may go in any order, several at once, and a part sent "
                       "again replaces it. S3 answers each PUT with an ETag, which need not be kept.",
        "properties": {
            "upload_id": {"type": "string", "description": "S3's UploadId"},
            "size": {"type": "integer", "minimum": 1, "description": "the file's bytes, as declared"},
            "part_bytes": {"type": "integer", "minimum": 1, "description": "every part's size but the last's"},
            "count": {"type": "integer", "minimum": 1, "description": "how many parts"},
            "parts": {"type": "array", "description": "the parts still to send, each with a presigned PUT "
                                                      "(valid `expires_in` seconds)",
                      "items": {"type": "object", "required": ["number", "size", "url"],
                                "properties": {"number": {"type": "integer", "minimum": 1},
                                               "size": {"type": "integer", "minimum": 1}, "url": _STRING}}},
            "received": {"type": "array", "description": "the parts S3 holds whole",
                         "items": {"type": "object", "required": ["number", "size"],
                                   "properties": {"number": {"type": "integer", "minimum": 1},
                                                  "size": {"type": "integer", "minimum": 1}}}},
            "expires_in": {"type": "integer", "minimum": 1, "maximum": uploads.POLICY_MAX_SECONDS},
            "resume": {"type": "string", "description": "GET this path (the API's) for fresh URLs of the parts "
                                                       "still to send"},
            "complete": {"type": "string", "description": "POST this path (the API's) once every part is sent"},
        },
    },
    "UploadParts": {
        "type": "object", "required": ["job_id", "multipart"],
        "properties": {"job_id": _ref("JobId"), "multipart": _ref("Multipart")},
    },
    "UploadComplete": {
        "type": "object", "required": ["job_id", "size", "status"],
        "properties": {"job_id": _ref("JobId"), "size": {"type": "integer", "minimum": 1},
                       "status": {"type": "string", "description": "the job's status: `uploading` until its "
                                                                  "worker takes it (GET /jobs/{id} follows it)"}},
    },
    "JobId": {"type": "string", "pattern": keys.JOB_ID.pattern, "description": "a ULID"},
    "PositionRequest": {
        "type": "object",
        "description": "t: seconds into the job's recording (speech.wav), a finite number >= 0 and not past "
                       "the recording's end (plus 1 s), nor past 24 hours; or a place in the text (CONTRACTS "
                       "section 15: page, line, word, whole numbers from 0, the page within the document): in a "
                       "book being made, what follows that place is recorded next. The last write wins.",
        "anyOf": [{"required": ["t"]}, {"required": ["page"]}],
        "properties": {"t": {"type": "number", "minimum": 0, "maximum": listening.LONGEST_SECONDS},
                       **{k: {"type": "integer", "minimum": 0, "maximum": listening.MOST_INDEX - 1}
                          for k in listening.PLACE_KEYS}}},
    "SpeakerNames": {
        "type": "object", "minProperties": 1,
        "description": "CONTRACTS section 17: a speaker's label (S1, S2...: the result's `speakers`) and the name "
                       "to show for it (1-80 characters), or null to remove the name",
        "propertyNames": {"pattern": "^S[1-9][0-9]*$"},
        "additionalProperties": {"type": ["string", "null"], "minLength": 1, "maxLength": speaker_names.MAX_NAME}},
    "Speakers": {
        "type": "object", "required": ["speakers", "speaker_names"],
        "properties": {"speakers": {"type": "array", "items": {"type": "object", "required": ["id", "name", "seconds"],
                                                               "properties": {"id": _STRING, "name": _nullable(_STRING),
                                                                              "seconds": {"type": "number"}}}},
                       "speaker_names": {"type": "object", "additionalProperties": _STRING}}},
    "PronunciationEntry": {
        "type": "object", "required": ["written", "spoken"],
        "description": "`written` is spoken as `spoken`, in what the voice says only (text, boxes and read-along "
                       "stay on the written words); where entries overlap, the longest written form wins",
        "properties": {"written": {"type": "string", "minLength": 1, "maxLength": pronunciation.LIMITS["written"]},
                       "spoken": {"type": "string", "minLength": 1, "maxLength": pronunciation.LIMITS["spoken"]},
                       "whole_word": {"type": "boolean", "default": True,
                                      "description": "false: also inside longer words"},
                       "match_case": {"type": "boolean", "default": False,
                                      "description": "true: only as written, capitals and all"}}},
    "LexiconRequest": {
        "type": "object", "required": ["entries"],
        "description": "replaces the account's list; no two entries may rewrite the same written form",
        "properties": {"entries": {"type": "array", "maxItems": pronunciation.LIMITS["entries"],
                                   "items": _ref("PronunciationEntry")},
                       "limits": {"type": "object", "description": "ignored (GET's answer may be sent back)"}}},
    "Lexicon": {
        "type": "object", "required": ["entries", "limits"],
        "properties": {"entries": {"type": "array", "items": _ref("PronunciationEntry")},
                       "limits": {"type": "object", "required": list(pronunciation.LIMITS),
                                  "properties": {k: {"const": v} for k, v in pronunciation.LIMITS.items()},
                                  "description": "at most this many entries, and characters of each form"}}},
    "Position": {
        "type": "object", "required": ["at"],
        "description": "where the listener was last (PUT /jobs/{id}/position): resume here on any device",
        "properties": {"t": {"type": "number", "minimum": 0,
                             "description": "seconds into the recording (for a place: once it is recorded)"},
                       "place": {"type": "object", "required": list(listening.PLACE_KEYS),
                                 "description": "a place in the text (CONTRACTS section 15)",
                                 "properties": {k: {"type": "integer", "minimum": 0} for k in listening.PLACE_KEYS}},
                       "at": _TIME}},
    "Status": {"type": "string", "enum": list(jobs.STATUSES)},
    "JobSummary": {
        "type": "object", "required": ["job_id", "status", "filename", "created_at"],
        "properties": {"job_id": _ref("JobId"), "kind": _STRING, "status": _ref("Status"), "filename": _STRING,
                       "created_at": _TIME, "updated_at": _TIME, "error": _nullable(_STRING),
                       "summary": _nullable({"type": "object", "description": "characters (and lines, words, "
                                                                              "files) of a finished job"}),
                       "position": _ref("Position"),
                       "seconds": {"type": "number", "description": "the recording's length (so far, while it is "
                                                                    "made); absent without a recording"}},
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
            "job_id": _ref("JobId"), "kind": _STRING, "status": _ref("Status"), "filename": _STRING,
            "language": {"type": "string", "description": "the language the upload named, or \"auto\""},
            "skip": _nullable({"type": "array", "items": _STRING,
                               "description": "the roles the upload chose not to speak; null: the default"}),
            "voice": _nullable({"type": "string", "description": "the voice the upload chose (an id of GET /voices); "
                                                                 "null: the account's or the language's"}),
            "content_type": _nullable(_STRING), "size": _nullable({"type": "integer"}),
            "created_at": _TIME, "updated_at": _nullable(_TIME),
            "error": _nullable({"type": "string", "description": "why a failed job failed, for people"}),
            "timings_ms": _nullable({"type": "object", "additionalProperties": {"type": "number"}}),
            "summary": _nullable({"type": "object"}),
            # anyOf the kinds' result schemas, or null: filled in by _with_settings.
            "result": {"description": "the result of the job's kind (GET /kinds); null until there is one"},
            "result_url": _nullable({"type": "string", "description":
                                     "presigned GET of the result (result.json) once there is one; `result` is null "
                                     "when it is larger than PAGEVOICE_INLINE_RESULT_BYTES (4 MiB): read it here"}),
            "result_parts": _nullable({"type": "object", "description":
                                       "while a result too large to travel inline grows (`result` and `result_url` "
                                       "are then null): `index` (the result without its grown values, naming its "
                                       "part files) and `urls` (a presigned GET of each part file); a client reads "
                                       "only the parts it has not read yet (chalicelib/jobs/growing.py says how "
                                       "they join)"}),
            "audio_url": _nullable({"type": "string", "description": "presigned GET of speech.wav"}),
            "outputs": {"type": "object", "additionalProperties": _STRING,
                        "description": "presigned GETs of the kind's output files, by name; a recording's "
                                       "part files are left out from a day after created_at (the bucket "
                                       "removes them; speech.wav repeats them)"},
            "image_url": {"type": "string", "description": "presigned GET of the uploaded image"},
            "position": _ref("Position"),
            "seconds": {"type": "number", "description": "the recording's length (so far, while it is made)"},
            "link": {"type": "string", "description": "read by link: the address given (CONTRACTS section 18)"},
            "link_final": {"type": "string", "description": "read by link: where it led, after redirects"},
            "speaker_names": {"type": "object", "additionalProperties": _STRING,
                              "description": "the names the owner gave a recording's speakers (PATCH "
                                             "/jobs/{id}/speakers), by label; also in the result's `speakers`"},
            "recording_again": {"const": True, "description": "present while the recording is made again "
                                                             "(POST /jobs/{id}/recording)"},
            "recording_again_error": {"type": "string", "description": "why the last POST /jobs/{id}/recording "
                                                                       "could not make the recording again; the job "
                                                                       "is as it was before, its old recording kept"},
        },
    },
    "Kind": {
        "type": "object", "required": ["name", "label", "content_types", "extensions", "max_bytes", "outputs"],
        "properties": {"name": _STRING, "label": _STRING, "description": _STRING,
                       "content_types": {"type": "array", "items": _STRING},
                       "extensions": {"type": "array", "items": _STRING},
                       "endings": {"type": "object", "additionalProperties": _STRING,
                                   "description": "each file name ending's content type to declare"},
                       "formats": {"type": "array", "items": _STRING, "description": "the formats' names, for people"},
                       "outputs": {"type": "array", "items": _STRING},
                       "max_bytes": {"type": "integer", "minimum": 1,
                                     "description": "the largest upload (of a photo, when the kind also takes "
                                                    "documents: see max_document_bytes)"},
                       "max_document_bytes": {"type": "integer", "minimum": 1,
                                              "description": "the largest document (PDF, TIFF, DOCX, EPUB, ...): "
                                                             "the content types in document_types"},
                       "document_types": {"type": "array", "items": _STRING,
                                          "description": "the content types max_document_bytes applies to"},
                       "max_seconds": {"type": "integer", "minimum": 1,
                                       "description": "a recording's longest (seconds); one longer than 10 minutes "
                                                      "is transcribed in windows by many workers"},
                       "max_pixels": {"type": "integer", "minimum": 1},
                       "max_pages": {"type": "integer", "minimum": 1},
                       "language_use": _nullable({"enum": ["read", "transcribe", "voice"],
                                                  "description": "what the kind does with an upload's language"})},
    },
    "Language": {
        "type": "object", "required": ["code", "name", "native", "read", "voice"],
        "properties": {"code": _STRING, "name": _STRING, "native": _STRING,
                       "read": {"type": "boolean", "description": "pages in it are read"},
                       "voice": _nullable({"enum": ["neural", "standard", "basic"],
                                           "description": "the quality of the voice that speaks it; null: not spoken"}),
                       "script": {"type": "string", "description": "ISO 15924"}, "rtl": {"type": "boolean"},
                       "transcribe": {"type": "boolean", "description": "recordings in it are transcribed"}},
    },
    "Voice": {
        "type": "object",
        "required": ["id", "language", "engine", "name", "quality", "default", "accent", "description",
                     "word_timings", "cpu_per_second", "error_rate", "sample_url"],
        "properties": {
            "id": {"type": "string", "description": "engine:name, what POST /uploads and PATCH /me take"},
            "language": {"type": "string", "description": "a code of GET /languages (a voice is listed once for "
                                                          "each language it speaks)"},
            "engine": _STRING, "name": {"type": "string", "description": "the engine's own name for the voice"},
            "quality": {"enum": ["neural", "standard", "basic"],
                        "description": "neural or standard only when Whisper base understood it within its "
                                       "language's goal (bench.voices)"},
            "default": {"type": "boolean", "description": "what speaks the language unless a voice is chosen"},
            "accent": _STRING, "description": _STRING,
            "word_timings": {"type": "boolean", "description": "the voice says when each word is heard "
                                                               "(else read-along timings are estimated)"},
            "cpu_per_second": _nullable({"type": "number", "minimum": 0,
                                         "description": "CPU seconds to make a second of speech (one thread, "
                                                        "measured); null: not measured"}),
            "error_rate": _nullable({"type": "object", "required": ["unit", "value", "judge"], "properties": {
                "unit": {"enum": ["WER", "CER"]}, "value": {"type": "number", "minimum": 0}, "judge": _STRING},
                "description": "how much of what it said Whisper base missed; null: not judged (basic voices)"}),
            "pitch_hz": _nullable({"type": "number", "description": "its median pitch (lower or higher voice)"}),
            "licence": _STRING,
            "sample_url": _nullable({"type": "string", "description": "where to ask for the voice's sample "
                                                                      "(GET /voices/{voice_id}/sample)"}),
        },
    },
    "VoiceSample": {
        "type": "object", "required": ["voice", "language", "text"],
        "properties": {
            "voice": _STRING, "language": _STRING,
            "text": {"type": "string", "description": "what the sample says (article 1 of the Universal "
                                                      "Declaration of Human Rights in the language)"},
            "url": {"type": "string", "description": "a short-lived download link of the sample (MP3)"},
            "expires_in": {"type": "integer", "description": "seconds the link is valid"},
            "status": {"enum": ["making"], "description": "the sample is being made: ask again"},
            "retry_after": {"type": "integer", "description": "seconds to wait before asking again"},
        },
    },
}
# GET /me: the account (User, which allows no other key) and its usage against its quotas.
SCHEMAS["Me"] = {**SCHEMAS["User"], "required": [*SCHEMAS["User"]["required"], "usage"],
                 "properties": {**SCHEMAS["User"]["properties"], "usage": _ref("Usage")}}


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
SESSION_ONLY = _error("An API key was sent: managing the account and its keys needs a signed-in session.")
SESSION = [{"bearer": []}]


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
    ("GET", "/kinds"): {
        "operationId": "kinds", "summary": "The kinds of job: what each accepts and makes", "security": [],
        "responses": {"200": _ok("The kinds.", {"type": "object", "required": ["kinds", "default"], "properties": {
            "kinds": {"type": "array", "items": _ref("Kind")}, "default": _STRING}})}},
    ("GET", "/languages"): {
        "operationId": "languages", "summary": "The languages PageVoice reads, speaks and transcribes", "security": [],
        "responses": {"200": _ok("The languages.", {"type": "object", "required": ["languages"], "properties": {
            "languages": {"type": "array", "items": _ref("Language")},
            "voices": {"type": "object", "required": ["engine", "note"], "properties": {
                "engine": _STRING, "note": _STRING,
                "gtts_would_improve": {"type": "array", "items": _STRING,
                                       "description": "codes gTTS would speak better than the shipped voices"}}}}})}},
    ("GET", "/voices"): {
        "operationId": "voices", "summary": "Every voice this deployment can speak, by language", "security": [],
        "responses": {"200": _ok("The voices: each language's default first, then the best understood.",
                                 {"type": "object", "required": ["voices"], "properties": {
                                     "voices": {"type": "array", "items": _ref("Voice")}}})}},
    ("GET", "/voices/{voice_id}/sample"): {
        "operationId": "voiceSample", "summary": "A voice's sample, to hear before choosing it", "security": [],
        "parameters": [_path("voice_id", _STRING, "a voice's id (GET /voices)"),
                       {"name": "language", "in": "query", "required": False, "schema": _STRING,
                        "description": "the language to hear it in, for a voice that speaks several"}],
        "responses": {"200": _ok("Made: a short-lived link to the MP3, and what it says.", _ref("VoiceSample")),
                      "202": _ok("Being made, the first time it is asked for (started by this request when "
                                 "nothing was making it): ask again after `Retry-After` seconds.",
                                 _ref("VoiceSample")) | {"headers": _RETRY_AFTER},
                      "404": _error("No such voice (for that language)."),
                      "503": _error("The sample could not be made just now (try again in a minute).")}},
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
        "responses": {"200": _ok("The account and its usage.", _ref("Me")), "401": UNAUTHORIZED, "404": NOT_FOUND}},
    ("PATCH", "/me"): {
        "operationId": "updateMe", "summary": "Delete my files after N days (or keep them: null); my voice per "
                                          "language; my podcast feed", "security": SESSION,
        "requestBody": _body("Retention"),
        "responses": {"200": _ok("The account.", _ref("User")), "400": BAD_REQUEST, "401": UNAUTHORIZED,
                      "403": SESSION_ONLY}},
    ("DELETE", "/me"): {
        "operationId": "deleteMe", "summary": "Delete the account and everything of it", "security": SESSION,
        "requestBody": _body("Password"),
        "responses": {"204": _ok("Deleted; its files are erased within minutes."), "400": BAD_REQUEST,
                      "401": UNAUTHORIZED, "403": SESSION_ONLY, "429": THROTTLED}},
    ("POST", "/auth/password"): {
        "operationId": "changePassword", "summary": "Change the password; the account's other sessions end",
        "security": SESSION, "requestBody": _body("ChangePassword"),
        "responses": {"204": _ok("Changed."), "400": BAD_REQUEST, "401": UNAUTHORIZED, "403": SESSION_ONLY,
                      "429": THROTTLED}},
    ("POST", "/auth/password-reset"): {
        "operationId": "requestPasswordReset", "summary": "Mail a reset link (verified addresses only)",
        "security": [], "requestBody": _body("ResetRequest"),
        "responses": {"202": _ok("The same answer whether or not the address has an account.", _ref("Message")),
                      "400": BAD_REQUEST, "429": THROTTLED}},
    ("POST", "/auth/password-reset/confirm"): {
        "operationId": "confirmPasswordReset", "summary": "Set a new password with a reset link; every session ends",
        "security": [], "requestBody": _body("ResetConfirm"),
        "responses": {"204": _ok("Changed; the link is spent."), "400": BAD_REQUEST}},
    ("POST", "/auth/verify-email"): {
        "operationId": "verifyEmail", "summary": "Confirm the address with the mailed link", "security": [],
        "requestBody": _body("LinkToken"), "responses": {"204": _ok("Verified."), "400": BAD_REQUEST}},
    ("POST", "/auth/verify-email/resend"): {
        "operationId": "resendVerification", "summary": "Mail a new verification link", "security": SESSION,
        "responses": {"202": _ok("Queued (or already verified).", _ref("Message")), "401": UNAUTHORIZED,
                      "403": SESSION_ONLY, "429": THROTTLED}},
    ("POST", "/auth/logout-everywhere"): {
        "operationId": "logoutEverywhere", "summary": "End every session of the account", "security": SESSION,
        "responses": {"204": _ok("Signed out everywhere."), "401": UNAUTHORIZED, "403": SESSION_ONLY}},
    ("POST", "/me/export"): {
        "operationId": "startExport", "summary": "Start a new export of the account (a zip)",
        "responses": {"202": _ok("Started (or the one being made).", _ref("Export")), "401": UNAUTHORIZED,
                      "429": THROTTLED}},
    ("GET", "/me/export"): {
        "operationId": "getExport", "summary": "The account's export: progress, then a download link",
        "responses": {"200": _ok("Ready (with `url`) or failed.", _ref("Export")),
                      "202": _ok("Being made (one is started when there is none).", _ref("Export")),
                      "401": UNAUTHORIZED, "429": THROTTLED}},
    ("POST", "/api-keys"): {
        "operationId": "createApiKey", "summary": "A new API key (shown once)", "security": [{"bearer": []}],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": _nullable(_text(apikeys.NAME_MAX))}}}}},  # null: the default
        "responses": {"201": _ok("Created.", _ref("NewApiKey")), "400": BAD_REQUEST, "401": UNAUTHORIZED,
                      "403": SESSION_ONLY, "409": _error("Too many API keys.")}},
    ("GET", "/api-keys"): {
        "operationId": "listApiKeys", "summary": "The caller's API keys (never the secrets)",
        "security": [{"bearer": []}],
        "responses": {"200": _ok("The keys.", {"type": "object", "required": ["api_keys"], "properties": {
            "api_keys": {"type": "array", "items": _ref("ApiKey")}}}), "401": UNAUTHORIZED, "403": SESSION_ONLY}},
    ("DELETE", "/api-keys/{key_id}"): {
        "operationId": "deleteApiKey", "summary": "Revoke one of the caller's API keys", "security": [{"bearer": []}],
        "parameters": [_path("key_id", {"type": "string", "pattern": apikeys._KEY_ID.pattern}, "the key's id")],
        "responses": {"204": _ok("Revoked."), "401": UNAUTHORIZED, "404": NOT_FOUND, "403": {
            "description": "An API key was sent (managing keys needs a session), or key_id is empty or "
                           "holds '/' (API Gateway answers).",
            "content": {"application/json": {"schema": {"oneOf": [_ref("Error"), _ref("GatewayError")]}}}}}},
    ("POST", "/uploads"): {
        "operationId": "createUpload", "summary": "A job and a presigned POST for its file (a multipart upload "
                                                  "for a file over the multipart threshold)",
        "requestBody": _body("UploadRequest"),
        "responses": {"201": _ok("Upload the file with the presigned POST, or its parts to their URLs (read by "
                                 "link: no `upload`, and `link`; the job fails with a sentence when the address "
                                 "cannot be read).", _ref("Upload")),
                      "400": _error("The input is wrong, or the account has had its pages read for the last 30 days "
                                    "(error quota_exceeded, quota pages); `message` says which."),
                      "401": UNAUTHORIZED,
                      "413": _error("The file would take the account's storage past its quota (error "
                                    "quota_exceeded, quota storage); `message` says how much it holds."),
                      "429": THROTTLED}},
    ("GET", "/uploads/{job_id}/parts"): {
        "operationId": "uploadParts", "summary": "A multipart upload's parts: those S3 holds, and fresh URLs for "
                                                 "the others (to resume it)",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "responses": {"200": _ok("The parts.", _ref("UploadParts")),
                      "400": _error("The job's upload is not a multipart upload."), "401": UNAUTHORIZED,
                      "403": NO_ROUTE, "404": NOT_FOUND,
                      "409": _error("Nothing to resume: the file has arrived, the job has moved on, or the parts "
                                    "were dropped (upload the file again).")}},
    ("POST", "/uploads/{job_id}/complete"): {
        "operationId": "completeUpload", "summary": "Assemble a multipart upload's parts into the file, which "
                                                    "starts the job",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "responses": {"200": _ok("Complete (also when it already was): the job starts.", _ref("UploadComplete")),
                      "400": _error("A part has not arrived whole (`message` names it), or the job's upload is "
                                    "not a multipart upload."), "401": UNAUTHORIZED,
                      "403": NO_ROUTE, "404": NOT_FOUND,
                      "409": _error("The parts were dropped: upload the file again.")}},
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
        "parameters": [_path("job_id", _ref("JobId"), "the job's id"),
                       {"name": "pages", "in": "query", "required": False,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,7}-[0-9]{1,7}$"},
                        "description": "A book's pages FROM-TO (from 0, TO excluded) whose page images "
                                       "`result_parts.urls` also presigns (`page-041.jpg`, ...): the first 64"}],
        "responses": {"200": _ok("The job.", _ref("Job")), "400": BAD_REQUEST, "401": UNAUTHORIZED,
                      "403": NO_ROUTE, "404": NOT_FOUND}},
    ("DELETE", "/jobs/{job_id}"): {
        "operationId": "deleteJob", "summary": "Remove a job, its image and its outputs",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "responses": {"204": _ok("Removed."), "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND}},
    ("GET", "/me/lexicon"): {
        "operationId": "getLexicon", "summary": "The account's pronunciations (how the voice says words)",
        "security": SESSION,
        "responses": {"200": _ok("The entries and their limits.", _ref("Lexicon")), "401": UNAUTHORIZED,
                      "403": SESSION_ONLY}},
    ("PUT", "/me/lexicon"): {
        "operationId": "putLexicon", "summary": "Replace the account's pronunciations; new recordings use them",
        "security": SESSION, "requestBody": _body("LexiconRequest"),
        "responses": {"200": _ok("The entries as kept.", _ref("Lexicon")),
                      "400": _error("Not a list, too many entries, an empty or too long form, a flag that is not "
                                    "true or false, two entries for one written form: `message` names the entry."),
                      "401": UNAUTHORIZED, "403": SESSION_ONLY}},
    ("POST", "/jobs/{job_id}/recording"): {
        "operationId": "recordAgain", "summary": "Make a finished job's recording again with the account's "
                                                 "pronunciations as they are now, or in another voice",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"voice": _nullable({"type": "string", "description": (
                "read it again in this voice (an id of GET /voices; null: the account's and the languages' "
                "defaults); left out: the job's own")})}}}}},
        "responses": {"202": _ok("Queued: the job is `queued`, then `processing` (with `recording_again`), and its "
                                 "new recording grows as a first one does; text, boxes and blocks stay.",
                                 {"type": "object", "required": ["job_id", "status"],
                                  "properties": {"job_id": _ref("JobId"), "status": _ref("Status")}}),
                      "400": BAD_REQUEST, "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND,
                      "409": _error("The job is still running, or has no recording to make again.")}},
    ("GET", "/jobs/{job_id}/export"): {
        "operationId": "exportBook", "summary": "The job as a book other apps play: EPUB 3 with the text and "
                                                "audio in step, MP3 with chapters, an M4B audiobook or a ZIP "
                                                "of one MP3 per chapter",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id"),
                       {"name": "format", "in": "query", "required": True, "schema": {"enum": list(FORMATS)},
                        "description": "epub: EPUB 3 with Media Overlays; mp3: the recording with ID3 chapters; "
                                       "m4b: the recording as AAC in MPEG-4 with chapters; chapters: a ZIP "
                                       "(stored) of one MP3 per chapter, named \"03 Title.mp3\""}],
        "responses": {"200": _ok("Made: a short-lived download link.", _ref("Book")),
                      "202": _ok("Being made (started by this request when nothing was making it): ask again "
                                 "after `Retry-After` seconds.", _ref("BookProgress"))
                      | {"headers": _RETRY_AFTER},
                      "400": _error("The format is missing or not one PageVoice makes."),
                      "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND,
                      "409": _error("The job is still running, failed, or has no recording (nothing was read "
                                    "aloud): it makes no book."),
                      "422": _error("The last try to make this book failed; ask again in a minute."),
                      "429": THROTTLED}},
    ("PATCH", "/jobs/{job_id}/speakers"): {
        "operationId": "nameSpeakers", "summary": "Name the people heard in a recording",
        "description": "CONTRACTS section 17: names shown in GET /jobs/{id} (`speaker_names`, and the result's "
                       "`speakers`) and in every export made after; the result itself is left as it was.",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "requestBody": _body("SpeakerNames"),
        "responses": {"200": _ok("Named.", _ref("Speakers")),
                      "400": _error("Not a label of this recording, a name that is not 1-80 characters of text, or a "
                                    "recording with one voice (or not transcribed yet)."),
                      "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND, "429": THROTTLED}},
    ("GET", "/feeds/{feed}"): {
        "operationId": "podcastFeed", "summary": "The account's private podcast feed", "security": [],
        "description": "CONTRACTS section 18: `<secret>.xml`, the address GET /me gives as `feed_url`. RSS 2.0 with "
                       "iTunes and Podcasting 2.0 tags: an item per finished job with a recording, newest first "
                       "(at most `feed_max_items`), each with its recording, chapters and transcript at the "
                       "addresses of GET /feeds/{feed}/{file}.",
        "parameters": [_path("feed", _STRING, "the feed's secret, then .xml")],
        "responses": {"200": {"description": "The feed.", "content": {"application/rss+xml": {"schema": _STRING}}},
                      "403": NO_ROUTE, "404": _error("No feed has this address (off, rotated, or the account "
                                                     "deleted).")}},
    ("GET", "/feeds/{feed}/{file}"): {
        "operationId": "podcastFile", "summary": "An episode's recording, chapters, transcript or art", "security": [],
        "description": "Addresses that last as long as the feed: `<job_id>.mp3` (the recording) and `<job_id>.jpg` "
                       "(the episode's art) redirect to a fresh presigned GET, which answers byte ranges (206); "
                       "`<job_id>.json` is its chapters (Podcasting 2.0 JSON chapters), `<job_id>.vtt` its "
                       "transcript (WebVTT, a cue per sentence).",
        "parameters": [_path("feed", _STRING, "the feed's secret (without .xml)"),
                       _path("file", _STRING, "the job's id, then .mp3, .jpg, .json or .vtt")],
        "responses": {"200": {"description": "The chapters or the transcript.", "content": {
                          "application/json+chapters": {"schema": {
                              "type": "object", "required": ["version", "chapters"], "properties": {
                                  "version": _STRING, "title": _STRING, "author": _STRING,
                                  "chapters": {"type": "array", "items": {
                                      "type": "object", "required": ["startTime"], "properties": {
                                          "startTime": {"type": "number", "minimum": 0},
                                          "endTime": {"type": "number", "minimum": 0}, "title": _STRING}}}}}},
                          "text/vtt": {"schema": _STRING}}},
                      "302": {"description": "The recording or the art: a presigned GET of at most 15 minutes.",
                              "headers": {"Location": {"schema": _STRING}}},
                      "403": NO_ROUTE, "404": _error("No feed has this secret, or the job is not one of its episodes "
                                                     "(deleted, unfinished or without a recording).")}},
    ("PUT", "/jobs/{job_id}/position"): {
        "operationId": "savePosition", "summary": "Keep the listener's place in the job's recording",
        "parameters": [_path("job_id", _ref("JobId"), "the job's id")],
        "requestBody": _body("PositionRequest"),
        "responses": {"204": _ok("Saved; GET /jobs/{id} and GET /jobs show it as `position`."),
                      "400": BAD_REQUEST, "401": UNAUTHORIZED, "403": NO_ROUTE, "404": NOT_FOUND}},
}


def result_schema_name(kind) -> str:
    return kind.result_schema.get("title") or f"{kind.name.title()}Result"


def _usable(code: str, use: str | None) -> bool:
    try:
        return languages.for_upload(code, use) is not None
    except InputError:
        return False


def _with_settings(schemas: dict) -> dict:
    """The schemas with what is read per request, like the routes do: the upload limits (settings)
    and the kinds' result schemas (chalicelib.kinds, the one source of each)."""
    registry = kinds.registry()
    upload = schemas["UploadRequest"]
    props = {**upload["properties"], "kind": _nullable({"type": "string", "enum": list(registry)})}
    # What a request may say depends on its kind: its content types and its size limit.
    per_kind = []
    for kind in registry.values():
        usable = [code for code in languages.table() if _usable(code, kind.language_use)]
        # A document may be larger than a photo (Kind.max_bytes(content_type)): a rule per size limit.
        by_cap: dict[int, list[str]] = {}
        for content_type in kind.content_types:
            by_cap.setdefault(kind.max_bytes(content_type), []).append(content_type)
        for cap, types in by_cap.items():
            rule = {"properties": {"content_type": {"enum": types}, "size": {"maximum": cap},
                                   "language": {"enum": [languages.AUTO, *usable, None]}}}
            if "skip" not in kind.options:
                rule["properties"]["skip"] = {"type": "null"}
            rule["properties"]["voice"] = ({"enum": [*dict.fromkeys(v.id for v in voices.catalog()), None]}
                                           if kind.pronunciations else {"type": "null"})
            rule["required"] = ["filename", "content_type", "size"]
            rule["properties"]["url"] = False  # a file, not a link (the rule below)
            if kind.name == kinds.DEFAULT:  # `kind` left out (or null) means the default
                rule["properties"]["kind"] = {"enum": [kind.name, None]}
            else:
                rule["required"].append("kind")
                rule["properties"]["kind"] = {"const": kind.name}
            per_kind.append(rule)
        if kind.name in uploads.LINK_KINDS:  # read by link (CONTRACTS section 18): the same options, no file
            link = {"required": [*(r for r in rule["required"] if r == "kind"), "url"],
                    "properties": {**{k: v for k, v in rule["properties"].items() if k not in ("content_type", "size", "url")},
                                   "filename": False, "content_type": False, "size": False}}
            per_kind.append(link)
    out = {**schemas, "UploadRequest": {**upload, "properties": props, "anyOf": per_kind}}
    for kind in registry.values():
        out[result_schema_name(kind)] = kind.result_schema
    job = out["Job"]
    result = {**job["properties"]["result"]}
    result["anyOf"] = [_ref(result_schema_name(kind)) for kind in registry.values()] + [{"type": "null"}]
    out["Job"] = {**job, "properties": {**job["properties"], "result": result}}
    return out


def server_url(request) -> str:
    """Where the API is mounted, as the caller reached it: API Gateway's `path` includes the
    stage (or a custom domain's base path), `resourcePath` does not."""
    context = getattr(request, "context", None) or {}
    path, resource = context.get("path") or "", context.get("resourcePath") or ""
    base = path[:-len(resource)] if resource and path.endswith(resource) else ""
    return base.rstrip("/") or "/"


def api_url(request) -> str:
    """The API's address as the caller reached it (scheme, host and base path), for links in a
    body (GET /voices' sample URLs); just the base path when the request names no host."""
    headers = getattr(request, "headers", None) or {}
    host, base = headers.get("host"), server_url(request).rstrip("/")
    if not host or any(c in host for c in "/\\@ "):  # not a host name: say the path alone
        return base or "/"
    scheme = "https" if headers.get("x-forwarded-proto", "").split(",")[0].strip() == "https" else "http"
    return f"{scheme}://{host}{base}"


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
