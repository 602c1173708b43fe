"""What PageVoice fetches from the open internet for a person (CONTRACTS section 18: reading by
link), fetched safely. The worker's job, never the API's.

The rules, each because a fetcher that runs inside a cloud account is a way in for anyone who can
give it an address (server-side request forgery):
- http and https only; no user name or password in the address; no cookies or credentials sent;
  a user agent that names the service.
- The name is resolved once and every address it resolves to must be public (not loopback,
  private, link-local, the cloud's metadata address 169.254.169.254, carrier-grade NAT,
  multicast, reserved, or the IPv6 equivalents, IPv4-mapped ones included). The connection is
  made to the address checked, so a name that resolves elsewhere on a second lookup (DNS
  rebinding) is never looked up twice; TLS still checks the certificate against the name.
  Decimal, octal and hex spellings of an address are resolved as the system resolver reads
  them, and checked as what they are.
- Each redirect is checked the same way before it is followed, at most `max_redirects`.
- The body is bounded (`max_bytes`, a declared length over it is refused before reading) and
  the whole fetch has a deadline (`seconds`: a sender that trickles a byte at a time is cut off),
  each read and the connect one of `read_seconds`.
- A failure is a sentence a person understands ("that site answered 403").

The local stack's "internet" is a web server on this machine: its host:port is allowed only by
settings.links.fetch_allow (PAGEVOICE_FETCH_ALLOW), which is ignored in Lambda.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from chalicelib import settings
from chalicelib.errors import MediaError

USER_AGENT = "PageVoice/1 (reads pages aloud for the person who sent this link)"
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
# Public by ipaddress's tables, and yet not a place to fetch from: carrier-grade NAT (is_global
# is already False for it) and the ranges below that some tables call global.
_NEVER = [ipaddress.ip_network(n) for n in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15",
                                            "224.0.0.0/3", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16",
                                            "2001::/32", "fc00::/7", "fe80::/10", "ff00::/8")]


class LinkError(MediaError):
    """A link that could not be read: the job fails with this sentence."""
    code = "bad_link"


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from (after redirects)
    status: int
    content_type: str  # as the server declared it (its media type only, lower case)
    body: bytes
    redirects: list[str] = field(default_factory=list)


Resolver = Callable[[str, int], list[str]]
Opener = Callable[[str, int, float], socket.socket]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the name resolves to (the system resolver: numeric spellings included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise LinkError(f"That address could not be found: there is no site called {host[:100]!r}.") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


def public(address: str) -> bool:
    """Whether an address may be fetched from: global, and in none of the ranges above (an
    IPv4-mapped IPv6 address is judged as its IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return public(str(ip.ipv4_mapped))
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return not any(ip.version == net.version and ip in net for net in _NEVER)


def fetch(url: str, *, resolver: Resolver = system_resolver, opener: Opener = open_socket,
          tls: ssl.SSLContext | None = None) -> Fetched:
    """The body at `url`, by the rules above (LinkError saying why when it cannot be)."""
    s = settings.get().links
    allowed = frozenset() if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else \
        frozenset(a.strip().lower() for a in s.fetch_allow.split(",") if a.strip())
    deadline = time.monotonic() + float(s.link_seconds)
    seen: list[str] = []
    for _ in range(int(s.link_max_redirects) + 1):
        scheme, host, port, target = checked_url(url)
        address = _public_address(host, port, resolver, allowed)
        status, headers, body = _get(scheme, host, port, target, address, opener, tls, deadline, s)
        if status in REDIRECTS:
            where = headers.get("location")
            if not where:
                raise LinkError(f"That site answered {status} (moved) without saying where to.")
            seen.append(url)
            url = urljoin(url, where.strip())
            continue
        if status >= 400:
            raise LinkError(f"That site answered {status}{_REASONS.get(status, '')}: the page could not be read.")
        if status != 200:
            raise LinkError(f"That site answered {status}, not the page itself.")
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return Fetched(url, status, media, body, seen)
    raise LinkError(f"That site redirected more than {int(s.link_max_redirects)} times: it was not followed further.")


_REASONS = {401: " (it asks for a password)", 403: " (it does not let PageVoice in)", 404: " (no such page)",
            410: " (the page is gone)", 429: " (too many requests)"}


def checked_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) address without credentials."""
    if not isinstance(url, str) or len(url) > 2048 or any(c in url for c in "\r\n\t\x00 "):
        raise LinkError("That is not a web address PageVoice can read (http or https, at most 2,048 characters).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise LinkError("That web address is not well formed.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise LinkError("Only http and https links can be read" + (f", not {scheme[:20]}: links." if scheme else "."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise LinkError("A link with a user name or password in it is not read: PageVoice never sends credentials.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise LinkError("That web address has no site name in it.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), target


def _public_address(host: str, port: int, resolver: Resolver, allowed: frozenset[str]) -> str:
    """The address to connect to: the name resolved once, every address public (or, on the local
    stack, its host:port allowed)."""
    addresses = resolver(host, port)
    if not addresses:
        raise LinkError(f"That address could not be found: there is no site called {host[:100]!r}.")
    if not all(public(a) or _entry(a, port) in allowed for a in addresses) and _entry(host, port) not in allowed:
        raise LinkError("That address is on a private network: PageVoice reads only pages on the open internet.")
    return addresses[0]


def _entry(host: str, port: int) -> str:
    return f"[{host.lower()}]:{port}" if ":" in host else f"{host.lower()}:{port}"


def _get(scheme: str, host: str, port: int, target: str, address: str, opener: Opener, tls, deadline: float, s):
    """(status, headers by lower-case name, body) of one GET, to `address`."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _too_slow(s)
    try:
        sock = opener(address, port, min(float(s.link_read_seconds), left))
    except OSError:
        raise LinkError("That site could not be reached.") from None
    try:
        if scheme == "https":
            context = tls or ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=host)
        conn = http.client.HTTPConnection(host, port, timeout=float(s.link_read_seconds))
        conn.sock = sock
        default_port = 443 if scheme == "https" else 80
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if port == default_port else f"{host}:{port}")
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "text/html,application/xhtml+xml,application/pdf,application/epub+zip,*/*;q=0.5")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status in REDIRECTS or response.status >= 300:
            return response.status, headers, b""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > int(s.link_max_bytes):
            raise _too_large(s)
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise _too_slow(s)
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > int(s.link_max_bytes):
                raise _too_large(s)
        return response.status, headers, bytes(body)
    except TimeoutError:
        raise _too_slow(s) from None
    except ssl.SSLError:
        raise LinkError("That site's secure connection could not be trusted (its certificate is not valid for it).") from None
    except (http.client.HTTPException, OSError):
        raise LinkError("That site's answer could not be read (the connection broke off).") from None
    finally:
        sock.close()


def _too_slow(s) -> LinkError:
    seconds = float(s.link_seconds)
    return LinkError(f"That site did not send the page within {seconds:g} second{'' if seconds == 1 else 's'}.")


def _too_large(s) -> LinkError:
    return LinkError(f"That page is larger than {int(s.link_max_bytes) / 1048576:.0f} MB, the most PageVoice reads by link.")
