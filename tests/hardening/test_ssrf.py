"""Reading by link is safe on the open internet (chalicelib.links.fetch; issue 75): every address
that leads inside (loopback in all its spellings, private ranges, link-local and the metadata
addresses, a redirect there, a name that resolves there only when asked again, other schemes,
credentials in the address) is refused with a sentence, and no connection is made: a socket
listens where each one points and is never connected to. The local web servers here are allowed
only by the explicit local setting, as the local stack's is."""
from __future__ import annotations

import socket
import threading

import pytest

from chalicelib.links import fetch
from chalicelib.links.fetch import LinkError
from tests.links.web import serve

ALLOWED = "127.0.0.2"  # the test web server's address: allowed as the local stack's is


class Listener:
    """A socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    one = Listener()
    yield one
    one.close()


@pytest.fixture
def redirects() -> dict[str, str]:
    return {}


@pytest.fixture
def site(monkeypatch, redirects):
    server = serve(ALLOWED, 0, {"/article": (200, b"<!doctype html><title>A page</title><p>Hello there.</p>",
                                             "text/html; charset=utf-8")}, redirects)
    monkeypatch.setenv("PAGEVOICE_FETCH_ALLOW", f"{ALLOWED}:{server.server_address[1]}")
    yield f"http://{ALLOWED}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def refused(url: str, says: str, **kw) -> None:
    with pytest.raises(LinkError) as caught:
        fetch.fetch(url, **kw)
    assert says.lower() in caught.value.message.lower(), caught.value.message


INSIDE = [
    "http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://[::1]:{port}/", "http://2130706433:{port}/",
    "http://0177.0.0.1:{port}/", "http://0x7f.0.0.1:{port}/", "http://0x7f000001:{port}/", "http://127.1:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/", "http://[::ffff:7f00:1]:{port}/", "http://0.0.0.0:{port}/",
    "http://127.0.0.1.:{port}/", "https://127.0.0.1:{port}/", "http://LOCALHOST:{port}/",
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/", "http://[fe80::1]/",
    "http://100.100.100.200/latest/meta-data/", "http://[::]/", "http://224.0.0.1/",
]


@pytest.mark.parametrize("url", INSIDE)
def test_every_address_inside_is_refused_without_a_connection(listener, url):
    refused(url.format(port=listener.port), "private network")
    assert listener.accepted == 0


@pytest.mark.parametrize("url, says", [
    ("file:///etc/passwd", "only http and https"), ("gopher://127.0.0.1:{port}/_GET", "only http and https"),
    ("ftp://127.0.0.1:{port}/", "only http and https"), ("dict://127.0.0.1:{port}/", "only http and https"),
    ("//127.0.0.1:{port}/", "only http and https"), ("javascript:alert(1)", "only http and https"),
    ("http://user:secret@127.0.0.1:{port}/", "user name or password"),
    ("http://example.org@127.0.0.1:{port}/", "user name or password"),
    ("http://example.org\\@127.0.0.1:{port}/", "user name or password"),
    ("http://127.0.0.1:{port}\r\nX: y/", "not a web address"), ("http:///path", "no site name"),
    ("http://127.0.0.1:99999/", "not well formed"), ("http://" + "a" * 2100 + ".org/", "not a web address"),
])
def test_other_schemes_and_credentials_are_refused_without_a_connection(listener, url, says):
    refused(url.format(port=listener.port), says)
    assert listener.accepted == 0


def test_a_name_that_resolves_inside_is_refused_however_many_addresses_it_has(listener):
    def resolver(host, port):
        return {"inside.example": ["127.0.0.1"], "mixed.example": ["93.184.216.34", "10.1.2.3"]}[host]

    for name in ("inside.example", "mixed.example"):
        refused(f"http://{name}:{listener.port}/", "private network", resolver=resolver)
    assert listener.accepted == 0


def test_a_name_is_looked_up_once_and_the_address_checked_is_the_one_connected_to(listener):
    """DNS rebinding: public when checked, inside when asked again. The fetcher never asks again."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    asked, connected = [], []

    def resolver(host, port):
        asked.append(host)
        return next(answers)

    def opener(address, port, timeout):
        connected.append((address, port))
        raise OSError("no internet here")

    refused(f"http://rebind.example:{listener.port}/", "could not be reached", resolver=resolver, opener=opener)
    assert asked == ["rebind.example"] and connected == [("93.184.216.34", listener.port)]
    assert listener.accepted == 0


def test_a_redirect_inside_is_refused_before_it_is_followed(site, redirects, listener):
    redirects["/away"] = f"http://127.0.0.1:{listener.port}/admin"
    refused(f"{site}/away", "private network")
    redirects["/away"] = f"http://[::ffff:127.0.0.1]:{listener.port}/"
    refused(f"{site}/away", "private network")
    redirects["/away"] = "file:///etc/passwd"
    refused(f"{site}/away", "only http and https")
    assert listener.accepted == 0


def test_the_local_allowance_is_one_host_and_port_and_never_in_lambda(site, listener, monkeypatch):
    host_port = site.split("//", 1)[1]
    refused(f"http://{ALLOWED}:{listener.port}/", "private network")  # the same host, another port
    monkeypatch.setenv("PAGEVOICE_FETCH_ALLOW", f"{host_port},127.0.0.1:{listener.port}")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "pagevoice-worker")  # deployed: ignored
    refused(f"{site}/article", "private network")
    refused(f"http://127.0.0.1:{listener.port}/", "private network")
    assert listener.accepted == 0


def deployed_worker_environment() -> dict[str, str]:
    """The worker functions' environment as infra/template.py deploys them (plain values; the
    references CloudFormation fills in are left out), and no VPC: nothing private is routable."""
    from infra import template

    env = {}
    for name, res in template.build(["APIHandler"])["Resources"].items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Lambda::Function" and props.get("PackageType") == "Image":
            assert "VpcConfig" not in props, name
            variables = props["Environment"]["Variables"]
            assert "PAGEVOICE_FETCH_ALLOW" not in variables, name  # the local stack's allowance only
            env.update({k: v for k, v in variables.items() if isinstance(v, str)})
    assert env, "no worker function of the image in the template"
    return {**env, "AWS_LAMBDA_FUNCTION_NAME": "pagevoice-worker"}


def test_the_corpus_through_the_deployed_templates_settings(site, listener, monkeypatch):
    """What the deployed worker runs with: an allowance set by mistake is ignored there, and every
    address inside, the allowed test server's too, is refused without a connection."""
    for name, value in deployed_worker_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAGEVOICE_FETCH_ALLOW", f"{site.split('//', 1)[1]},127.0.0.1:{listener.port}")
    for url in INSIDE:
        refused(url.format(port=listener.port), "private network")
    refused(f"{site}/article", "private network")
    assert listener.accepted == 0


def test_a_page_is_fetched_with_its_type_and_a_user_agent_that_names_the_service(site, redirects):
    got = fetch.fetch(f"{site}/article")
    assert got.status == 200 and got.content_type == "text/html" and b"Hello there." in got.body
    assert got.url == f"{site}/article" and got.redirects == []
    redirects["/away"] = "/article"
    moved = fetch.fetch(f"{site}/away")
    assert moved.url == f"{site}/article" and moved.redirects == [f"{site}/away"]
    assert "PageVoice" in fetch.USER_AGENT


def test_what_cannot_be_read_says_why(site, monkeypatch):
    refused(f"{site}/missing", "answered 404")
    refused(f"{site}/loop", "redirected more than 5 times")
    monkeypatch.setenv("PAGEVOICE_LINK_MAX_BYTES", str(1024 * 1024))
    refused(f"{site}/stream", "larger than 1 MB")
    refused(f"{site}/huge", "larger than 1 MB")
    monkeypatch.setenv("PAGEVOICE_LINK_SECONDS", "1")
    refused(f"{site}/slow", "within 1 second.")
