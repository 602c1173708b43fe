"""Reading by link through the local stack (issue 75's acceptance): a real article page, a PDF and
a real EPUB served by a web server on this machine (the stack's one allowed address) read as their
uploads are; a 404, a too-large and a too-slow answer each fail their job with a sentence."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import LINK_SITE
from tests.links.web import serve
from tests.media.documents import TextPage, text_pdf
from tests.media.flow.real_files import files
from tests.stackclient import head_of, login, register, wait_job

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def site():
    real = files()
    pages = {"/mozilla.html": (200, real["page"][1], "text/html; charset=utf-8"),
             "/worlds": (200, real["book"][1], "application/octet-stream"),  # told by its bytes
             "/notes.pdf": (200, text_pdf([TextPage(["Notes on the river crossing.", "The ferry left at dawn."])]),
                            "application/pdf")}
    server = serve(*LINK_SITE, pages)
    yield "http://{}:{}".format(*LINK_SITE)
    server.shutdown()
    server.server_close()


def by_link(stack, headers, url: str) -> str:
    r = requests.post(f"{stack.api_url}/uploads", json={"url": url}, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["job_id"]


def test_pages_documents_and_books_are_read_by_link_and_failures_say_why(stack, site):
    headers = login(stack, register(stack))
    jobs = {name: by_link(stack, headers, f"{site}{path}") for name, path in
            [("article", "/mozilla.html"), ("pdf", "/notes.pdf"), ("epub", "/worlds"), ("missing", "/gone"),
             ("huge", "/huge"), ("slow", "/slow")]}
    done = {name: wait_job(stack, headers, job_id, timeout=600) for name, job_id in jobs.items()}
    article = done["article"]
    assert article["status"] == "done", article["error"]
    assert article["content_type"] == "text/html" and article["link"] == f"{site}/mozilla.html"
    head = head_of(article)
    assert head["document"]["source_url"] == f"{site}/mozilla.html" and head["document"]["title"]
    assert head["chapters"]  # its headings, as the saved page gives them
    pdf = done["pdf"]
    assert pdf["status"] == "done" and "ferry left at dawn" in pdf["result"]["text"]
    assert pdf["audio_url"] or pdf["outputs"]  # read aloud as an upload is
    epub = done["epub"]
    assert epub["status"] == "done" and epub["content_type"] == "application/epub+zip", epub["error"]
    assert epub["filename"] == "worlds.epub" and len(head_of(epub)["chapters"]) > 5
    assert "answered 404" in done["missing"]["error"]
    assert "larger than 50 MB" in done["huge"]["error"]
    assert "within 8 seconds" in done["slow"]["error"]
