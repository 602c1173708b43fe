"""Local AWS is private to the stack (infra/local/guard.py, sigv4.py, iam.py), without a stack:
the guard in front of a stand-in for moto, requests built as boto3 and browsers build them."""
from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from werkzeug.test import Client, EnvironBuilder

from infra import template
from infra.local import guard, iam
from infra.local.journal import ROTATE_PATH

BUCKET = "pagevoice-local"
SITE = "http://127.0.0.1:8080"
NAMES = iam.LocalNames("us-east-1", BUCKET, {"AuthTable": "pagevoice-auth", "JobsTable": "pagevoice-jobs",
                                             "ShardsTable": "pagevoice-shards"},
                       "pagevoice-tasks", "PageVoice <no-reply@pagevoice.local>")
CREDS = {name: {"key": f"AKIA{name.upper():0<16}", "secret": f"{name}-secret"} for name in iam.IDENTITIES}
HOST = "127.0.0.1:4566"


@pytest.fixture
def inner():
    """Stands in for journal + moto: records what got through, answers with moto's open CORS."""
    seen = []

    def app(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Length", "2")])
        return [b"ok"]

    app.seen = seen
    return app


@pytest.fixture
def client(inner, monkeypatch):
    docs = iam.policies(NAMES)
    by_key = {CREDS[name]["key"]: [json.dumps(doc)] for name, doc in docs.items()}
    monkeypatch.setattr(iam, "identity_policies", lambda key_id: by_key[key_id])
    return Client(guard.Guard(inner, CREDS, [SITE, "http://localhost:8080"], BUCKET, "us-east-1"))


def s3(identity: str):
    c = CREDS[identity]
    return boto3.client("s3", endpoint_url=f"http://{HOST}", region_name="us-east-1",
                        aws_access_key_id=c["key"], aws_secret_access_key=c["secret"],
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def signed_headers(identity: str, **extra) -> dict:
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={CREDS[identity]['key']}/20261123/us-east-1/s3/"
                             "aws4_request, SignedHeaders=host, Signature=0", **extra}


def get(client, url: str, **kw):
    parts = urlsplit(url)
    return client.get(parts.path, query_string=parts.query, headers={"Host": HOST, **kw.pop("headers", {})}, **kw)


def post_form(client, post: dict, data: bytes, **overrides):
    fields = {**post["fields"], **overrides}
    builder = EnvironBuilder(path=urlsplit(post["url"]).path, method="POST", headers={"Host": HOST},
                             data={**fields, "file": (io.BytesIO(data), "f.png")})
    return client.open(builder)


def test_moto_api_is_not_served_and_never_reaches_moto(client, inner):
    for path in ("/moto-api/reset", "/moto-api/", "/moto-api/data.json"):
        assert client.post(path, headers=signed_headers("admin")).status_code == 404
    assert inner.seen == []


def test_other_origins_get_no_cors_and_nothing_through(client, inner):
    evil = {"Origin": "http://127.0.0.1:9999"}
    pre = {**evil, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"}
    assert client.options("/", headers=pre).status_code == 403
    r = client.get(f"/{BUCKET}", headers={**evil, **signed_headers("admin")})
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers
    assert inner.seen == []


def test_the_sites_preflights_are_answered_only_for_uploads_and_reads(client, inner):
    pre = {"Origin": SITE, "Access-Control-Request-Method": "POST"}
    assert client.options(f"/{BUCKET}", headers=pre).headers["Access-Control-Allow-Origin"] == "*"
    get_pre = {"Origin": SITE, "Access-Control-Request-Method": "GET"}
    assert client.options(f"/{BUCKET}/results/u/j/result.json", headers=get_pre).status_code == 200
    # Not the tables, not a bucket listing, not a delete, even from the site.
    assert client.options("/", headers=pre).status_code == 403
    assert client.options(f"/{BUCKET}", headers=get_pre).status_code == 403
    assert client.options(f"/{BUCKET}/uploads/k", headers={**pre, "Access-Control-Request-Method": "DELETE"}
                          ).status_code == 403


def test_requests_need_the_stacks_credentials(client, inner):
    assert client.get(f"/{BUCKET}").status_code == 403  # unsigned
    r = client.post("/", headers={"X-Amz-Target": "DynamoDB_20120810.Scan", "Authorization":
                                  "AWS4-HMAC-SHA256 Credential=local/20261123/us-east-1/dynamodb/aws4_request, "
                                  "SignedHeaders=host, Signature=0"})
    assert r.status_code == 403  # the well-known "local" key is no longer one
    assert inner.seen == []
    # A known key goes through to moto, which verifies its signature and policy.
    assert client.get(f"/{BUCKET}", headers=signed_headers("admin")).status_code == 200
    assert inner.seen == [("GET", f"/{BUCKET}")]
    # Other responses never carry CORS headers.
    assert "Access-Control-Allow-Origin" not in client.get(f"/{BUCKET}", headers=signed_headers("admin")).headers


def test_the_journal_rotation_is_the_stacks_own(client, inner):
    assert client.post(ROTATE_PATH, headers=signed_headers("api")).status_code == 403
    assert client.post(ROTATE_PATH, headers={guard.ADMIN_HEADER: "guess"}).status_code == 403
    assert client.post(ROTATE_PATH, headers={guard.ADMIN_HEADER: CREDS["admin"]["secret"]}).status_code == 200


def test_presigned_gets_are_verified_and_held_to_the_signers_policy(client, inner):
    url = s3("api").generate_presigned_url("get_object", Params={
        "Bucket": BUCKET, "Key": "results/u/j/a b+c.wav", "ResponseContentType": "audio/wav"}, ExpiresIn=60)
    assert get(client, url).status_code == 200
    assert get(client, url, headers={"Origin": SITE}).headers["Access-Control-Allow-Origin"] == "*"
    assert get(client, url.replace("results/u/j", "results/u/k")).status_code == 403  # another object
    tampered = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert get(client, tampered).status_code == 403
    # Signed by the worker, for an object outside its policy (it reads results/ and uploads/ only).
    other = s3("worker").generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "other/x"})
    assert "AccessDenied" in get(client, other).text


def test_uploads_need_a_valid_presigned_form_within_the_signers_policy(client, inner):
    post = s3("api").generate_presigned_post(
        BUCKET, "uploads/u/j/source", Fields={"Content-Type": "image/png", "tagging": "<Tagging/>"},
        Conditions=[{"Content-Type": "image/png"}, {"tagging": "<Tagging/>"}, ["content-length-range", 1, 100]])
    assert post_form(client, post, b"\x89PNG").status_code == 200
    assert post_form(client, post, b"x" * 101).status_code == 403  # over the policy's size
    assert post_form(client, post, b"x", key="uploads/u/other").status_code == 403
    assert post_form(client, post, b"x", **{"Content-Type": "text/html"}).status_code == 403
    assert post_form(client, post, b"x", **{"x-amz-signature": "0" * 64}).status_code == 403
    for extra in ({"acl": "public-read"}, {"success_action_redirect": "https://evil.example"},
                  {"x-amz-meta-note": "x"}):  # S3 refuses fields the policy does not name
        assert post_form(client, post, b"x", **extra).status_code == 403, extra
    bare = {"url": post["url"], "fields": {"key": "uploads/u/j/source"}}
    assert post_form(client, bare, b"x").status_code == 403
    # The worker may not create uploads, whatever its form says.
    worker_post = s3("worker").generate_presigned_post(BUCKET, "uploads/u/j/source")
    assert "AccessDenied: s3:PutObject" in post_form(client, worker_post, b"x").text
    assert [m for m, _ in inner.seen] == ["POST"]


def put(client, url: str, data: bytes, **headers):
    parts = urlsplit(url)
    return client.put(parts.path, query_string=parts.query, data=data, headers={"Host": HOST, **headers})


def test_a_multipart_uploads_parts_go_to_presigned_puts_the_site_may_send(client, inner):
    """A book's parts (chalicelib.jobs.multipart): presigned UploadPart URLs signed by the API,
    sent by the site's browser (a CORS preflight for PUT, then the PUT)."""
    params = {"Bucket": BUCKET, "Key": "uploads/u/j/source", "UploadId": "abc", "PartNumber": 2}
    url = s3("api").generate_presigned_url("upload_part", Params=params, ExpiresIn=600)
    assert put(client, url, b"part").status_code == 200
    r = put(client, url, b"part", Origin=SITE)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    query = urlsplit(url).query
    pre = {"Origin": SITE, "Access-Control-Request-Method": "PUT"}
    assert client.options("/" + BUCKET + "/uploads/u/j/source", query_string=query, headers=pre).status_code == 200
    # A PUT that is not a part's is not the site's to send, nor is a part from another origin.
    assert client.options(f"/{BUCKET}/uploads/u/j/source", headers=pre).status_code == 403
    assert put(client, url, b"part", Origin="http://127.0.0.1:9999").status_code == 403
    # The URL is held to its signature (another part, another upload) and to the signer's policy.
    assert put(client, url.replace("partNumber=2", "partNumber=3"), b"part").status_code == 403
    assert put(client, url.replace("uploadId=abc", "uploadId=abd"), b"part").status_code == 403
    worker = s3("worker").generate_presigned_url("upload_part", Params=params, ExpiresIn=600)
    assert "AccessDenied: s3:PutObject" in put(client, worker, b"part").text
    assert [m for m, _ in inner.seen] == ["PUT", "PUT", "OPTIONS"]


def test_a_multipart_upload_begun_with_tags_needs_the_tagging_permission(client, inner):
    begin = {"QUERY_STRING": "uploads="}
    tags = {"x-amz-tagging": "pagevoice-upload=pending"}
    # The API may (its uploads are tagged pending); the tasks role (an export's zip) may not tag.
    assert client.post(f"/{BUCKET}/uploads/u/j/source", environ_overrides=begin,
                       headers=signed_headers("api", **tags)).status_code == 200
    r = client.post(f"/{BUCKET}/exports/u/e.zip", environ_overrides=begin, headers=signed_headers("tasks", **tags))
    assert r.status_code == 403 and "s3:PutObjectTagging" in r.text
    assert client.post(f"/{BUCKET}/exports/u/e.zip", environ_overrides=begin,
                       headers=signed_headers("tasks")).status_code == 200


def test_copies_and_tagged_writes_need_the_tagging_permissions_aws_requires(client, inner):
    dest = f"/{BUCKET}/results/u/j/source"
    copy = {"x-amz-copy-source": f"/{BUCKET}/uploads/u/j/source"}
    # Copying the upload's tags (the default) needs s3:GetObjectTagging + s3:PutObjectTagging,
    # which the worker's role does not grant.
    r = client.put(dest, headers=signed_headers("worker", **copy))
    assert r.status_code == 403 and "s3:GetObjectTagging" in r.text
    assert client.put(dest, headers=signed_headers("worker", **copy, **{"x-amz-tagging-directive": "COPY"})
                      ).status_code == 403
    assert client.put(dest, headers=signed_headers("worker", **copy, **{"x-amz-tagging-directive": "REPLACE"})
                      ).status_code == 200
    # Tags on a write need s3:PutObjectTagging: the tasks role (an export's zip) lacks it; the worker
    # has it on results/ (its transient outputs, a recording's parts).
    export = f"/{BUCKET}/exports/u/e.zip"
    assert client.put(export, headers=signed_headers("tasks", **{"x-amz-tagging": "a=b"})).status_code == 403
    assert client.put(export, headers=signed_headers("tasks")).status_code == 200
    assert client.put(dest, headers=signed_headers("worker", **{"x-amz-tagging": "a=b"})).status_code == 200
    assert client.put(f"/{BUCKET}/uploads/u/j/x", headers=signed_headers("api", **{"x-amz-tagging": "a=b"})
                      ).status_code == 200


def test_local_policies_are_the_templates_role_statements():
    """One source: the template's role functions, rendered with the local stack's ARNs."""
    deployed = template.build(["APIHandler"])["Resources"]
    local = iam.policies(NAMES)
    for identity, role in (("api", "ApiRole"), ("worker", "WorkerRole"), ("sweep", "SweepRole"),
                           ("tasks", "TasksRole")):
        cfn = [st for st in deployed[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
               if "Effect" in st]  # the conditional KMS statement has no local counterpart
        mine = local[identity]["Statement"][:len(cfn)]
        assert [st["Action"] for st in mine] == [st["Action"] for st in cfn], identity
    assert local["worker"]["Statement"] == template.worker_statements(NAMES)
    assert "arn:aws:dynamodb:us-east-1:123456789012:table/pagevoice-jobs" in json.dumps(local["worker"])
    # Of the auth table the worker reads only accounts' pronunciations (LEXICON# items) and their
    # voices (those attributes of USER items), and counts pages read, and a file read by link, on
    # accounts' usage (USAGE# items).
    auth, voices, counted = [st for st in local["worker"]["Statement"] if "pagevoice-auth" in json.dumps(st)]
    assert auth["Action"] == voices["Action"] == "dynamodb:GetItem"
    assert auth["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["LEXICON#*"]}}
    assert voices["Condition"]["ForAllValues:StringEquals"] == {"dynamodb:Attributes": ["pk", "voices"]}
    assert counted["Action"] == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    assert counted["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USAGE#*"]}}
    # The tasks runner sends as the local sender's identity only, and finds its queue by name.
    mail = [st for st in local["tasks"]["Statement"] if st["Action"] == "ses:SendEmail"]
    assert mail == [{"Effect": "Allow", "Action": "ses:SendEmail",
                     "Resource": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@pagevoice.local"}]
    assert "ses:" not in json.dumps(local["api"])
    assert local["tasks"]["Statement"][-1] == {"Effect": "Allow", "Action": "sqs:GetQueueUrl",
                                               "Resource": "arn:aws:sqs:us-east-1:123456789012:pagevoice-tasks"}


def test_dynamodb_calls_are_authorized_per_table_index_and_item_as_aws_does():
    assert iam.dynamodb_checks("GetItem", {"TableName": "t"}) == [("GetItem", "table/t")]
    assert iam.dynamodb_checks("Query", {"TableName": "t", "IndexName": "sweep"}) == [
        ("Query", "table/t/index/sweep")]
    assert iam.dynamodb_checks("BatchGetItem", {"RequestItems": {"a": {}, "b": {}}}) == [
        ("BatchGetItem", "table/a"), ("BatchGetItem", "table/b")]
    items = [{"Put": {"TableName": "a"}}, {"ConditionCheck": {"TableName": "b"}}, {"Update": {"TableName": "a"}}]
    assert iam.dynamodb_checks("TransactWriteItems", {"TransactItems": items}) == [
        ("PutItem", "table/a"), ("ConditionCheckItem", "table/b"), ("UpdateItem", "table/a")]
    assert iam.dynamodb_checks("ListTables", {}) == [("ListTables", None)]


def test_the_worker_reads_an_accounts_voices_never_its_whole_user_item():
    worker = [template.worker_statements(NAMES)]
    policy = [json.dumps({"Version": "2012-10-17", "Statement": worker[0]})]  # (as moto keeps a policy)
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/pagevoice-auth"
    asked = iam.projected({"ProjectionExpression": "#a0, #a1", "ExpressionAttributeNames": {"#a0": "pk", "#a1": "voices"}})
    assert asked == {"pk", "voices"}
    assert iam.leading_keys_permit(policy, "GetItem", arn, "USER#u1", asked)
    assert not iam.leading_keys_permit(policy, "GetItem", arn, "USER#u1", None)  # the whole item: its hash
    assert not iam.leading_keys_permit(policy, "GetItem", arn, "USER#u1", frozenset({"voices", "password_hash"}))
    assert not iam.leading_keys_permit(policy, "GetItem", arn, "SESSION#s1", asked)
    assert iam.leading_keys_permit(policy, "GetItem", arn, "LEXICON#u1", None)


def test_keys_are_made_once_per_state_directory_and_kept_private(tmp_path):
    first = iam.credentials(tmp_path)
    assert set(first) == set(iam.IDENTITIES)
    assert len({c["key"] for c in first.values()}) == len(iam.IDENTITIES)
    assert iam.credentials(tmp_path) == first
    assert (tmp_path / iam.CREDENTIALS_FILE).stat().st_mode & 0o777 == 0o600
    assert iam.credentials(tmp_path / "other") != first
