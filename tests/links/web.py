"""The local "internet" of the link tests: a web server answering a few paths, on an address of
this machine that only an explicit local setting lets a worker fetch from."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(host: str, port: int, pages: dict[str, tuple[int, bytes, str]],
          redirects: dict[str, str] | None = None) -> ThreadingHTTPServer:
    """A server on host:port answering each path of `pages` (status, body, content type) and of
    `redirects` (a 302 to its location; a mutable dict, so a test may point it elsewhere later);
    "/slow" trickles a byte a tenth of a second for a minute, "/huge" declares a terabyte,
    "/stream" sends 4 MiB without a length, "/loop" redirects to itself, others are 404."""
    redirects = {} if redirects is None else redirects

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            if self.path == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(600):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass
                return
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Length", str(10 ** 12))
                self.end_headers()
                return
            if self.path == "/stream":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.end_headers()
                try:
                    for _ in range(64):
                        self.wfile.write(b"%" * 65536)
                except OSError:
                    pass
                return
            if self.path in redirects or self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", redirects.get(self.path, "/loop"))
                self.end_headers()
                return
            status, body, content_type = pages.get(self.path, (404, b"not here", "text/plain"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
