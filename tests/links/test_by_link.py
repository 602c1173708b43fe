"""Reading by link (CONTRACTS section 18; issue 75): POST /uploads {"url"} makes a job whose worker
fetches the address (a web server on this machine, allowed as the local stack's is) and reads what
comes back as if it had been uploaded; what cannot be read fails the job with its sentence. The
API itself fetches nothing."""
from __future__ import annotations

import pytest

from chalicelib import settings
from chalicelib.jobs import keys, worker
from chalicelib.jobs import table as jobs
from tests.apiclient import assert_error, post, signed_in
from tests.links.web import serve
from tests.results import validate_result

pytest_plugins = ["tests.apifixtures"]

SERVER = "127.0.0.2"
ARTICLE = b"""<!doctype html><html lang="en"><head><title>How the river was crossed</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>How the river was crossed</h1>
<p>The ferry left at dawn with twelve people aboard and reached the far bank before the fog lifted.</p>
<h2>The return</h2><p>Coming back took longer, because the current had grown strong overnight.</p></article>
<footer>Copyright the river society.</footer></body></html>"""


@pytest.fixture
def site(monkeypatch):
    server = serve(SERVER, 0, {"/river.html": (200, ARTICLE, "text/html; charset=utf-8"),
                               "/plain": (200, ARTICLE, "application/octet-stream")})  # told by its bytes
    monkeypatch.setenv("PAGEVOICE_FETCH_ALLOW", f"{SERVER}:{server.server_address[1]}")
    yield f"http://{SERVER}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def by_link(client, headers, url: str, **extra) -> str:
    r = post(client, "/uploads", {"url": url, **extra}, headers=headers)
    assert r.status_code == 201, r.body
    assert r.json_body["link"] == url and "upload" not in r.json_body
    return r.json_body["job_id"]


def run(user_id: str, job_id: str) -> str:
    return worker.handle_upload(settings.get().aws.bucket, keys.upload_key(user_id, job_id))


def test_an_article_by_link_is_read_as_the_saved_page_with_its_title(client, site):
    user, headers = signed_in(client)
    for path in ("/river.html", "/plain"):  # the type declared is a hint: the bytes say what it is
        job_id = by_link(client, headers, f"{site}{path}")
        assert run(user["id"], job_id) == "done"
        job = client.http.get(f"/jobs/{job_id}", headers=headers).json_body
        assert job["status"] == "done" and job["kind"] == "page" and job["link"] == f"{site}{path}"
        assert job["content_type"] == "text/html" and job["size"] == len(ARTICLE)
        validate_result(job["result"])
        text = job["result"]["text"]
        assert "The ferry left at dawn" in text and "current had grown strong" in text
        assert "Copyright" not in text and "About" not in text.split("How the river")[0]  # furniture left out
        assert job["result"]["document"]["title"] == "How the river was crossed"
        assert job["result"]["document"]["source_url"] == f"{site}{path}" and job["link_final"] == f"{site}{path}"
        assert [c["title"] for c in job["result"]["chapters"]][:2] == ["How the river was crossed", "The return"]


def test_what_cannot_be_read_by_link_fails_its_job_with_a_sentence(client, site, monkeypatch):
    user, headers = signed_in(client)
    job_id = by_link(client, headers, f"{site}/missing")
    assert run(user["id"], job_id) == "failed"
    assert "answered 404" in jobs.get(user["id"], job_id)["error"]
    monkeypatch.delenv("PAGEVOICE_FETCH_ALLOW")  # as deployed: this machine is a private network
    job_id = by_link(client, headers, f"{site}/river.html")
    assert run(user["id"], job_id) == "failed"
    assert "private network" in jobs.get(user["id"], job_id)["error"]


@pytest.mark.parametrize("body, says", [
    ({"url": "file:///etc/passwd"}, "only http and https"), ({"url": "http://a:b@example.org/"}, "password"),
    ({"url": 5}, "url"), ({"url": "https://example.org/", "kind": "digits"}, "documents or recordings"),
])
def test_a_link_that_is_not_one_is_refused_at_once(client, body, says):
    _, headers = signed_in(client)
    assert_error(post(client, "/uploads", body, headers=headers), 400, says)
