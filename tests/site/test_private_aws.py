"""A web page of another origin, open in the same browser as the site, can neither read nor
write the stack's local AWS (infra/local/guard.py): no CORS for it, no moto API, no upload
without a valid presigned form. Real Chromium; the hostile page is served on another port."""
from __future__ import annotations

import functools
import http.server
import json
import threading
import uuid

import pytest

from tests.stackclient import register

pytestmark = [pytest.mark.browser, pytest.mark.stack]

BUCKET = "pagevoice-local"
AUTH_TABLE = "pagevoice-auth"


@pytest.fixture
def hostile_origin(tmp_path):
    """http://127.0.0.1:<another port>/, serving an empty page."""
    (tmp_path / "index.html").write_text("<!doctype html><title>elsewhere</title><p>another site</p>")
    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                                     {"log_message": lambda *a: None}), directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# What the page tries. A fetch the browser blocks rejects ("Failed to fetch"); one it lets
# through but cannot read gives an opaque answer. Either way: "blocked" or the status.
ATTEMPTS = """async ({aws, bucket, table, key}) => {
  const tryFetch = async (url, init) => {
    try { const r = await fetch(url, init); return r.type === 'opaque' ? 'opaque' : `${r.status} ${await r.text()}`; }
    catch (e) { return 'blocked'; }
  };
  const form = new FormData();
  form.append('key', key);
  form.append('Content-Type', 'text/html');
  form.append('file', new Blob(['<script>alert(1)</script>'], {type: 'text/html'}), 'x.html');
  const forged = new FormData();
  for (const [k, v] of Object.entries({key, policy: btoa('{"expiration":"2100-01-01T00:00:00Z","conditions":[]}'),
      'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': 'local/20261123/us-east-1/s3/aws4_request',
      'x-amz-date': '20261123T000000Z', 'x-amz-signature': '0'.repeat(64)})) forged.append(k, v);
  forged.append('file', new Blob(['forged']), 'x.bin');
  return {
    listing: await tryFetch(`${aws}/${bucket}`),
    scan: await tryFetch(`${aws}/`, {method: 'POST', body: JSON.stringify({TableName: table}),
      headers: {'X-Amz-Target': 'DynamoDB_20120810.Scan', 'Content-Type': 'application/x-amz-json-1.0'}}),
    reset: await tryFetch(`${aws}/moto-api/reset`, {method: 'POST', mode: 'no-cors'}),
    resetCors: await tryFetch(`${aws}/moto-api/reset`, {method: 'POST'}),
    upload: await tryFetch(`${aws}/${bucket}`, {method: 'POST', body: form}),
    uploadNoCors: await tryFetch(`${aws}/${bucket}`, {method: 'POST', body: form, mode: 'no-cors'}),
    forged: await tryFetch(`${aws}/${bucket}`, {method: 'POST', body: forged, mode: 'no-cors'}),
  };
}"""


def test_a_page_of_another_origin_cannot_read_or_write_local_aws(page, page_errors, stack, hostile_origin):
    page_errors.allow(r"blocked by CORS policy")
    page_errors.allow(r"Failed to load resource: net::ERR_FAILED")
    page_errors.allow(r"Failed to load resource: the server responded with a status of 4\d\d")
    email = register(stack)  # something to steal
    admin_ddb, admin_s3 = stack.aws_client("dynamodb"), stack.aws_client("s3")
    users_before = admin_ddb.scan(TableName=AUTH_TABLE, Select="COUNT")["Count"]
    key = f"uploads/evil/{uuid.uuid4().hex}/source"

    page.goto(hostile_origin + "/")
    seen = page.evaluate(ATTEMPTS, {"aws": stack.s3_url, "bucket": BUCKET, "table": AUTH_TABLE, "key": key})

    # Nothing read: the listing and the scan are blocked by the browser (no CORS for this origin).
    assert seen["listing"] == "blocked", seen
    assert seen["scan"] == "blocked", seen
    assert seen["resetCors"] == "blocked" and seen["upload"] == "blocked", seen
    # Nothing written: the no-cors posts went out, and changed nothing.
    after = admin_ddb.scan(TableName=AUTH_TABLE)
    assert after["Count"] >= users_before >= 1
    assert any(email in json.dumps(item) for item in after["Items"]), "the reset wiped the users"
    assert admin_s3.head_bucket(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"] == 200
    listed = admin_s3.list_objects_v2(Bucket=BUCKET, Prefix="uploads/evil/")
    assert listed.get("KeyCount", 0) == 0, listed.get("Contents")
